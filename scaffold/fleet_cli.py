"""The ``scaffold fleet`` commands: their arguments and handlers.

Kept apart from ``scaffold.cli`` (whose option helpers and exit-code table they
share) so the single-repo commands and the fleet commands change independently.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scaffold import cli
from scaffold.errors import UserError
from scaffold.fleet import check_fleet, repos_below, repos_from_file, stderr_progress
from scaffold.fleet_report import FLEET_FORMATS, format_fleet
from scaffold.fleet_update import RepoUpdate, default_state_path, update_fleet

FLEET_CHECK_EXAMPLES = """\
examples:
  scaffold fleet check --root ~/src/ml-repos
  scaffold fleet check --from repos.txt --profile org/profile.yml --format html -o fleet.html
  scaffold fleet check --root . --format json --jobs 4 > fleet.json

A repo breaks the policy when it meets a lower stage than required (the
profile's policy.stage for it, else the stage it declares), fails an
organisation check or locked answer, or cannot be checked although a stage is
required. Missing, non-git and foreign repos are reported and never stop the run.
"""

FLEET_UPDATE_EXAMPLES = """\
examples:
  scaffold fleet update --root ~/src/ml-repos --push
  scaffold fleet upgrade --from repos.txt --to model-centric --jobs 2
  scaffold fleet update --root . --profile org/profile.yml --json

Each repo gets what `scaffold update` / `upgrade` gives it: one commit on a new
branch, its checked-out branch and working tree untouched. Every finished repo
is recorded in the --state file at once; re-running the same command skips the
repos already done (clean, conflicts, current) and retries the refused ones.
Ctrl-C stops after the repos in flight. Exit 1 when a repo was refused or a push
failed, 3 when a repo left conflicts, 130 when interrupted.
"""


def add_fleet_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``fleet`` command and its ``check``, ``update`` and ``upgrade`` subcommands."""
    fleet = sub.add_parser(
        "fleet",
        help="act on many repositories at once",
        description="Commands over a fleet of repositories.",
        epilog=cli.EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fleet_sub = fleet.add_subparsers(dest="fleet_command", metavar="COMMAND", required=True)
    check = cli._add_command(
        fleet_sub,
        "check",
        _run_fleet_check,
        help="check every repo and write a fleet report",
        description="Check every repository (in parallel, progress on stderr) and report per "
        "repo the declared stage, the stage met, the template version and how many releases "
        "it is behind, and the failing checks, with a summary across the fleet.",
        examples=FLEET_CHECK_EXAMPLES,
    )
    where = check.add_mutually_exclusive_group(required=True)
    where.add_argument("--root", metavar="DIR", help="every git repo below DIR")
    where.add_argument("--from", dest="from_file", metavar="FILE", help="a file of repo paths")
    check.add_argument("--format", choices=FLEET_FORMATS, default="table", help="report format")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    check.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: cores)"
    )
    check.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    cli._add_check_selectors(check)
    cli._add_profile_option(check)

    for name, verb in (("update", "update to a newer template"), ("upgrade", "upgrade a stage")):
        command = cli._add_command(
            fleet_sub,
            name,
            _run_fleet_update,
            help=f"{verb} in every repo (a branch per repo)",
            description=f"Run scaffold {name} in every repository and summarise: clean, "
            "conflicts (with files), refused (with the reason), already current.",
            examples=FLEET_UPDATE_EXAMPLES,
        )
        where = command.add_mutually_exclusive_group(required=True)
        where.add_argument("--root", metavar="DIR", help="every git repo below DIR")
        where.add_argument("--from", dest="from_file", metavar="FILE", help="a file of repo paths")
        if name == "upgrade":
            command.add_argument("--to", metavar="STAGE", help="target stage (default: the next)")
        command.add_argument("--push", action="store_true", help="push each new branch to origin")
        command.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="repos at once")
        command.add_argument(
            "--state",
            metavar="FILE",
            help="progress record for re-runs (default: one file per command and set of "
            "repos under ~/.cache/scaffold/)",
        )
        command.add_argument("--json", action="store_true", help="print the summary as JSON")
        command.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
        cli._add_template_options(command, "the source recorded in each repo")
        cli._add_profile_option(command)


def _run_fleet_check(args: argparse.Namespace) -> int:
    profile = cli._profile(args)
    repos = repos_below(args.root) if args.root else repos_from_file(args.from_file)
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if args.output and not Path(args.output).parent.is_dir():
        raise UserError(f"directory of --output does not exist: {Path(args.output).parent}")
    report = check_fleet(
        repos,
        profile=profile,
        select=args.select,
        ignore=args.ignore,
        jobs=args.jobs,
        progress=None if args.quiet else stderr_progress(),
    )
    text = format_fleet(report, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return report.exit_code


def _run_fleet_update(args: argparse.Namespace) -> int:
    profile = cli._profile(args)
    repos = repos_below(args.root) if args.root else repos_from_file(args.from_file)
    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    template, vcs_ref = args.template, args.vcs_ref
    if profile is not None and template is None and vcs_ref is None:
        template, vcs_ref = profile.template_source(), profile.version

    def progress(done: int, total: int, repo: RepoUpdate) -> None:
        if not args.quiet:
            line = f"fleet {args.fleet_command}: {done}/{total} {repo.path} ({repo.outcome})"
            print(line, file=sys.stderr)

    report = update_fleet(
        repos,
        args.fleet_command,
        to=getattr(args, "to", None),
        template=template,
        vcs_ref=vcs_ref,
        push=args.push,
        jobs=args.jobs,
        state=Path(args.state) if args.state else default_state_path(args.fleet_command, repos),
        progress=progress,
    )
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.to_text().rstrip())
    return report.exit_code
