"""The ``scaffold`` command line: parse arguments, call the library, print, exit.

Every subcommand is declared here. Options that several subcommands share (the
repository path, the template source and ref, answers, ``--dry-run``/``--json``)
are added by one helper each, so an option and its help text exist once; every
subcommand's help ends with the same table of exit codes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from scaffold import __version__
from scaffold._template import Template, resolve_source
from scaffold.adopt import adopt_repo
from scaffold.check import FORMATS, format_report
from scaffold.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USER_ERROR, ScaffoldError
from scaffold.new import create_repo, load_data_file, parse_data_pairs
from scaffold.profile import Profile, check_with_profile, load_profile
from scaffold.stages import STAGE_TABLE, STAGES
from scaffold.upgrade import UpgradeReport, update_template, upgrade_stage

EXIT_CODES = """\
exit codes:
  0    success: the result is whole (check: the declared stage is met)
  1    check: the repo does not meet the stage its .copier-answers.yml declares, or
       fails an organisation check; fleet check: a repo breaks the policy;
       fleet update/upgrade: a repo was refused or a push failed
  2    bad input or a failed preflight (one line on stderr); nothing on disk was changed
       (also: an answer that contradicts one the organisation profile locks)
  3    upgrade/update/adopt left conflicts, committed with markers on the new branch
  130  interrupted; your branch and working tree are unchanged
"""

NEW_EXAMPLES = """\
examples:
  scaffold new demand-model --stage data-centric --defaults
  scaffold new demand-model --stage data-centric \\
      --data project_name="Demand model" --data package_name=demand --data ci_provider=gitlab
  scaffold new demand-model --stage data-centric --data-file answers.yml --no-git
"""

UPGRADE_EXAMPLES = """\
examples:
  scaffold upgrade                      # next stage, on branch scaffold/upgrade-to-<stage>
  scaffold upgrade path/to/repo --to pipeline-centric
  scaffold upgrade --dry-run            # print the diff, change nothing
  scaffold upgrade --json               # machine-readable report on stdout
"""

UPDATE_EXAMPLES = """\
examples:
  scaffold update                       # newest template release, same stage
  scaffold update --vcs-ref v2.1.0 --dry-run
"""

ADOPT_EXAMPLES = """\
examples:
  scaffold adopt . --stage data-centric
  scaffold adopt path/to/repo --stage data-centric --data package_name=demand --dry-run
  scaffold adopt . --stage data-centric --json

Answers are inferred from the repo (pyproject.toml, setup.cfg or setup.py, the
package directory, the CI files); --data and --data-file override them. Files
the repo already has always win: they are reported as kept, never overwritten.
"""

CHECK_EXAMPLES = """\
examples:
  scaffold check                      # the repo in the current directory
  scaffold check path/to/repo --format json
  scaffold check --select DC,MC201 --ignore DC108
"""

_STAGE_CHOICES = ", ".join(STAGES)
_FAMILIES = ", ".join(stage.family for stage in STAGE_TABLE)


# ---------------------------------------------------------------------------
# Shared options
# ---------------------------------------------------------------------------


def _add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str,
    examples: str,
) -> argparse.ArgumentParser:
    """A subcommand whose help ends with its examples and the exit codes."""
    parser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=f"{examples}\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def _add_repo_path(parser: argparse.ArgumentParser, *, optional: bool = True) -> None:
    if optional:
        parser.add_argument(
            "path", metavar="PATH", nargs="?", default=".", help="the repository (default: .)"
        )
    else:
        parser.add_argument("path", metavar="PATH", help="the repository")


def _add_template_options(parser: argparse.ArgumentParser, default_source: str) -> None:
    parser.add_argument(
        "--template", metavar="SRC", help=f"template path or git URL (default: {default_source})"
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="template git ref (default: latest release tag, or HEAD)",
    )


def _add_answer_options(parser: argparse.ArgumentParser, verb: str) -> None:
    """The stage and answers that ``new`` and ``adopt`` render with."""
    parser.add_argument("--stage", required=True, help=f"stage to {verb}: one of {_STAGE_CHOICES}")
    parser.add_argument(
        "--data",
        "-d",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question (repeatable)",
    )
    parser.add_argument("--data-file", metavar="FILE", help="YAML file of question: answer pairs")
    _add_template_options(parser, "this checkout")
    _add_profile_option(parser)


def _add_report_options(parser: argparse.ArgumentParser, dry_run: str) -> None:
    parser.add_argument("--dry-run", action="store_true", help=dry_run)
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")


def _add_profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="organisation profile (default: $SCAFFOLD_PROFILE, else "
        "~/.config/scaffold/profile.yml when it exists)",
    )


def _profile(args: argparse.Namespace) -> Profile | None:
    return load_profile(args.profile)


def _profiled(
    args: argparse.Namespace, answers: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """Answers and template options with the organisation profile applied, if any."""
    template = _template(args)
    profile = _profile(args)
    if profile is None:
        return answers, template
    source = template["template"] or profile.template_source()
    if template["template"] is None and template["vcs_ref"] is None:
        template["vcs_ref"] = profile.version
    template["template"] = source
    questions = Template(resolve_source(source)).config
    asked = [key for key in questions if not key.startswith("_")] or None
    return profile.answers(answers, asked), template


def _template(args: argparse.Namespace) -> dict[str, str | None]:
    """The ``template`` and ``vcs_ref`` keyword arguments of every library call."""
    return {"template": args.template, "vcs_ref": args.vcs_ref}


def _answers(args: argparse.Namespace) -> dict[str, Any]:
    data = load_data_file(args.data_file) if args.data_file else {}
    data.update(parse_data_pairs(args.data))
    return data


# ---------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, as every other error is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _build_parser() -> argparse.ArgumentParser:
    from scaffold.fleet_cli import add_fleet_commands  # it builds on the helpers above

    parser = _OneLineParser(
        prog="scaffold",
        description="Create, upgrade and check ML repositories at three maturity stages "
        f"({' -> '.join(STAGES)}).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"scaffold {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = _add_command(
        sub,
        "new",
        _run_new,
        help="create a new repository at a stage",
        description="Render a stage of the template into DEST and make the first git commit. "
        "Answers come from --data, --data-file, or prompts (defaults when not on a terminal).",
        examples=NEW_EXAMPLES,
    )
    new.add_argument("dest", metavar="DEST", help="directory to create (must be absent or empty)")
    _add_answer_options(new, "create")
    new.add_argument("--defaults", action="store_true", help="use defaults for the rest")
    new.add_argument("--no-git", action="store_true", help="do not create a git repository")

    upgrade = _add_command(
        sub,
        "upgrade",
        _run_upgrade,
        help="move a repo to the next stage (on a new branch)",
        description="Move the repo to the next stage (or through each stage up to --to). "
        "The result is one commit on branch scaffold/upgrade-to-<stage>; your branch and "
        "working tree are not touched. Edits you made are kept or reported as conflicts.",
        examples=UPGRADE_EXAMPLES,
    )
    _add_repo_path(upgrade)
    _add_report_options(upgrade, "print the diff; change nothing")
    _add_template_options(upgrade, "the source recorded in .copier-answers.yml")
    upgrade.add_argument("--to", metavar="STAGE", help="target stage (default: the next one)")

    update = _add_command(
        sub,
        "update",
        _run_update,
        help="update a repo to a newer template version, same stage (on a new branch)",
        description="Update the repo to a newer version of its template at the same stage. "
        "The result is one commit on branch scaffold/update-to-<version>.",
        examples=UPDATE_EXAMPLES,
    )
    _add_repo_path(update)
    _add_report_options(update, "print the diff; change nothing")
    _add_template_options(update, "the source recorded in .copier-answers.yml")

    adopt = _add_command(
        sub,
        "adopt",
        _run_adopt,
        help="bring an existing repo under management (on a new branch)",
        description="Merge a stage of the template into a repo that was not generated from "
        "it, without overwriting any file, as one commit on branch scaffold/adopt-<stage>.",
        examples=ADOPT_EXAMPLES,
    )
    _add_repo_path(adopt, optional=False)
    _add_answer_options(adopt, "adopt")
    _add_report_options(adopt, "report what would happen only")

    check = _add_command(
        sub,
        "check",
        _run_check,
        help="check a repository against its stage",
        description="Check a repository against the three maturity stages without running "
        "its code: report the stage it declares, the highest stage it meets, and what is "
        "missing for the next. The same checks run under `repo-review`.",
        examples=CHECK_EXAMPLES,
    )
    _add_repo_path(check)
    check.add_argument("--format", choices=FORMATS, default="table", help="output format")
    _add_check_selectors(check)
    _add_profile_option(check)
    add_fleet_commands(sub)
    return parser


def _add_check_selectors(parser: argparse.ArgumentParser) -> None:
    for option, verb in (("--select", "only these checks"), ("--ignore", "skip these checks")):
        parser.add_argument(
            option,
            action="append",
            default=[],
            metavar="IDS",
            help=f"{verb}: IDs or family prefixes ({_FAMILIES}), comma-separated",
        )


# ---------------------------------------------------------------------------
# Handlers: call the library, print, return the exit code
# ---------------------------------------------------------------------------


def _run_new(args: argparse.Namespace) -> int:
    answers, template = _profiled(args, _answers(args))
    repo = create_repo(
        args.dest,
        args.stage,
        data=answers,
        defaults=args.defaults,
        git=not args.no_git,
        **template,
    )
    _emit(f"Created {repo.path} at stage {repo.stage} ({len(repo.files)} files).")
    if repo.git:
        _emit("Made the first commit on branch main.")
    _emit(f"Next: cd {args.dest} and follow the quickstart in README.md.")
    return EXIT_OK


def _emit(text: str, end: str = "\n") -> None:
    """Print to stdout; a reader that went away (``| head -1``) only ends the output."""
    try:
        print(text, end=end, flush=True)
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def _stop_signals_as_interrupt() -> Iterator[None]:
    """Let SIGTERM and SIGHUP unwind like Ctrl-C, so temporary directories are removed."""

    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = {sig: signal.signal(sig, _raise) for sig in _STOP_SIGNALS}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_upgrade(report: UpgradeReport, as_json: bool) -> int:
    if as_json:
        _emit(report.to_json())
    else:
        if report.diff:
            _emit(report.diff)
        _emit(report.to_text(), end="")
    return report.exit_code


def _run_upgrade(args: argparse.Namespace) -> int:
    report = upgrade_stage(args.path, args.to, dry_run=args.dry_run, **_template(args))
    return _print_upgrade(report, args.json)


def _run_update(args: argparse.Namespace) -> int:
    report = update_template(args.path, dry_run=args.dry_run, **_template(args))
    return _print_upgrade(report, args.json)


def _run_adopt(args: argparse.Namespace) -> int:
    answers, template = _profiled(args, _answers(args))
    report = adopt_repo(args.path, args.stage, data=answers, dry_run=args.dry_run, **template)
    _emit(report.to_json() if args.json else report.to_text(), end="")
    return report.exit_code


def _run_check(args: argparse.Namespace) -> int:
    report = check_with_profile(args.path, _profile(args), select=args.select, ignore=args.ignore)
    _emit(format_report(report, args.format))
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``scaffold``; a ``ScaffoldError`` becomes one line on stderr and its exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        with _stop_signals_as_interrupt():
            return int(args.handler(args))
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except ScaffoldError as exc:
        print(f"scaffold: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("scaffold: interrupted; nothing on disk was changed", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
