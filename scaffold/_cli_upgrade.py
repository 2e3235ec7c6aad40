"""CLI glue for ``scaffold upgrade`` and ``scaffold update`` (wired in by ``scaffold.cli``)."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scaffold.upgrade import UpgradeReport, update_template, upgrade_stage

UPGRADE_EXAMPLES = """\
examples:
  scaffold upgrade                      # next stage, on branch scaffold/upgrade-to-<stage>
  scaffold upgrade path/to/repo --to pipeline-centric
  scaffold upgrade --dry-run            # print the diff, change nothing
  scaffold upgrade --json               # machine-readable report on stdout

exit codes:
  0    upgraded (or dry run done); review and merge the branch
  2    preflight failed (one line on stderr); nothing was changed
  3    conflicts: committed with markers on the upgrade branch; resolve, then merge
  130  interrupted; your branch and working tree are unchanged
"""

UPDATE_EXAMPLES = """\
examples:
  scaffold update                       # newest template release, same stage
  scaffold update --vcs-ref v2.1.0 --dry-run

exit codes: as for scaffold upgrade (0 ok or up to date, 2 preflight, 3 conflicts, 130 interrupted)
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", nargs="?", default=".", help="repo (default: .)")
    parser.add_argument("--dry-run", action="store_true", help="print the diff; change nothing")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument(
        "--template",
        metavar="SRC",
        help="template path or git URL (default: the source recorded in .copier-answers.yml)",
    )
    parser.add_argument(
        "--vcs-ref", metavar="REF", help="template git ref (default: latest release tag or HEAD)"
    )


def add_upgrade_parsers(subparsers: Any) -> None:
    """Add the ``upgrade`` and ``update`` subcommands to the CLI's subparsers."""
    upgrade = subparsers.add_parser(
        "upgrade",
        help="move a repo to the next stage (on a new branch)",
        description="Move the repo to the next stage (or through each stage up to --to). "
        "The result is one commit on branch scaffold/upgrade-to-<stage>; your branch and "
        "working tree are not touched. Edits you made are kept or reported as conflicts.",
        epilog=UPGRADE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(upgrade)
    upgrade.add_argument("--to", metavar="STAGE", help="target stage (default: the next one)")
    upgrade.set_defaults(handler=run_upgrade)

    update = subparsers.add_parser(
        "update",
        help="update a repo to a newer template version, same stage (on a new branch)",
        description="Update the repo to a newer version of its template at the same stage. "
        "The result is one commit on branch scaffold/update-to-<version>.",
        epilog=UPDATE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(update)
    update.set_defaults(handler=run_update)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let SIGTERM unwind like Ctrl-C so the scratch clone is cleaned up."""

    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _emit(report: UpgradeReport, as_json: bool) -> int:
    if as_json:
        print(report.to_json())
    else:
        if report.diff:
            print(report.diff)
        print(report.to_text(), end="")
    return report.exit_code


def run_upgrade(args: argparse.Namespace) -> int:
    with _sigterm_as_interrupt():
        report = upgrade_stage(
            args.path,
            args.to,
            dry_run=args.dry_run,
            template=args.template,
            vcs_ref=args.vcs_ref,
        )
    return _emit(report, args.json)


def run_update(args: argparse.Namespace) -> int:
    with _sigterm_as_interrupt():
        report = update_template(
            args.path, dry_run=args.dry_run, template=args.template, vcs_ref=args.vcs_ref
        )
    return _emit(report, args.json)
