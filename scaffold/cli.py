"""The ``scaffold`` command line: parse arguments, call the library, print, exit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from scaffold import __version__
from scaffold._cli_check import add_check_parser
from scaffold._cli_upgrade import add_upgrade_parsers
from scaffold.adopt import adopt_repo
from scaffold.errors import EXIT_INTERRUPTED, EXIT_OK, ScaffoldError
from scaffold.new import create_repo, load_data_file, parse_data_pairs

EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    check failed: the repo does not meet its declared stage
  2    user error (bad input); nothing on disk was changed
  3    upgrade/update/adopt left conflicts to resolve on the upgrade branch
  130  interrupted; nothing on disk was changed
"""

NEW_EXAMPLES = """\
examples:
  scaffold new churn-model --stage data-centric --defaults
  scaffold new churn-model --stage data-centric \\
      --data project_name="Churn model" --data package_name=churn --data ci_provider=gitlab
  scaffold new churn-model --stage data-centric --data-file answers.yml --no-git
"""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scaffold",
        description="Create, upgrade and check ML repositories at three maturity stages "
        "(data-centric -> model-centric -> pipeline-centric).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"scaffold {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = sub.add_parser(
        "new",
        help="create a new repository at a stage",
        description="Render a stage of the template into DEST and make the first git commit. "
        "Answers come from --data, --data-file, or prompts (defaults when not on a terminal).",
        epilog=NEW_EXAMPLES + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("dest", metavar="DEST", help="directory to create (must be absent or empty)")
    _add_answer_options(new, "create")
    new.add_argument("--defaults", action="store_true", help="use defaults for the rest")
    new.add_argument("--no-git", action="store_true", help="do not create a git repository")
    new.set_defaults(handler=_run_new)
    add_upgrade_parsers(sub)
    _add_adopt_parser(sub)
    add_check_parser(sub)
    return parser


def _add_answer_options(parser: argparse.ArgumentParser, verb: str) -> None:
    """The stage, answers and template options shared by `new` and `adopt`."""
    parser.add_argument("--stage", required=True, help=f"stage to {verb}, e.g. data-centric")
    parser.add_argument(
        "--data",
        "-d",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question (repeatable)",
    )
    parser.add_argument("--data-file", metavar="FILE", help="YAML file of question: answer pairs")
    parser.add_argument(
        "--template", metavar="SRC", help="template path or git URL (default: this checkout)"
    )
    parser.add_argument("--vcs-ref", metavar="REF", help="template git ref (default: latest tag)")


def _answers(args: argparse.Namespace) -> dict[str, Any]:
    data = load_data_file(args.data_file) if args.data_file else {}
    data.update(parse_data_pairs(args.data))
    return data


ADOPT_EXAMPLES = """\
examples:
  scaffold adopt . --stage data-centric
  scaffold adopt path/to/repo --stage data-centric --data package_name=churn --dry-run
  scaffold adopt . --stage data-centric --json

Answers are inferred from the repo (pyproject.toml, setup.cfg or setup.py, the
package directory, the CI files); --data and --data-file override them. Files
the repo already has always win: they are reported as kept, never overwritten.
"""


def _add_adopt_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    adopt = sub.add_parser(
        "adopt",
        help="bring an existing repo under management (on a new branch)",
        description="Merge a stage of the template into a repo that was not generated from "
        "it, without overwriting any file, as one commit on branch scaffold/adopt-<stage>.",
        epilog=ADOPT_EXAMPLES + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    adopt.add_argument("path", metavar="PATH", help="the repository to adopt")
    _add_answer_options(adopt, "adopt")
    adopt.add_argument("--dry-run", action="store_true", help="report what would happen only")
    adopt.add_argument("--json", action="store_true", help="print the report as JSON")
    adopt.set_defaults(handler=_run_adopt)


def _run_adopt(args: argparse.Namespace) -> int:
    report = adopt_repo(
        args.path,
        args.stage,
        data=_answers(args),
        template=args.template,
        vcs_ref=args.vcs_ref,
        dry_run=args.dry_run,
    )
    print(report.to_json() if args.json else report.to_text(), end="")
    return report.exit_code


def _run_new(args: argparse.Namespace) -> int:
    repo = create_repo(
        args.dest,
        args.stage,
        data=_answers(args),
        defaults=args.defaults,
        template=args.template,
        vcs_ref=args.vcs_ref,
        git=not args.no_git,
    )
    print(f"Created {repo.path} at stage {repo.stage} ({len(repo.files)} files).")
    if repo.git:
        print("Made the first commit on branch main.")
    print(f"Next: cd {args.dest} and follow the quickstart in README.md.")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ScaffoldError as exc:
        print(f"scaffold: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("scaffold: interrupted; nothing on disk was changed", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
