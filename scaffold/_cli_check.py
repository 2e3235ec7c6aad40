"""The ``scaffold check`` subcommand: parse, call ``check_repo``, print, exit."""

from __future__ import annotations

import argparse

from scaffold.check import FORMATS, check_repo, format_report

CHECK_EXAMPLES = """\
examples:
  scaffold check                      # the repo in the current directory
  scaffold check path/to/repo --format json
  scaffold check --select DC,MC201 --ignore DC108

exit codes:
  0    the declared stage is met (or no stage is declared)
  1    the repo does not meet the stage its .copier-answers.yml declares
  2    user error: PATH is not a directory, or an unknown check ID
"""


def add_check_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``check`` to the ``scaffold`` subcommands."""
    parser = subparsers.add_parser(
        "check",
        help="check a repository against its stage",
        description="Check a repository against the three maturity stages without running "
        "its code: report the stage it declares, the highest stage it meets, and what is "
        "missing for the next. The same checks run under `repo-review`.",
        epilog=CHECK_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "path", metavar="PATH", nargs="?", default=".", help="repository (default: .)"
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="IDS",
        help="only these checks: IDs or family prefixes (DC, MC, PC), comma-separated",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="IDS",
        help="skip these checks: IDs or family prefixes, comma-separated",
    )
    parser.set_defaults(handler=run_check)
    return parser


def run_check(args: argparse.Namespace) -> int:
    """Run ``scaffold check``; ``UserError`` propagates to ``main`` (exit 2)."""
    report = check_repo(args.path, select=args.select, ignore=args.ignore)
    print(format_report(report, args.format))
    return report.exit_code
