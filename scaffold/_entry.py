"""The ``scaffold`` console script: load the command line, treating Ctrl-C while it loads.

Importing copier, repo-review and their dependencies takes a moment; a Ctrl-C then
must end like any other interruption (one line, exit 130), not in a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

_INTERRUPTED = 130  # scaffold.errors.EXIT_INTERRUPTED, not imported: this module stays light


def main(argv: Sequence[str] | None = None) -> int:
    """Import :mod:`scaffold.cli` and run it."""
    try:
        from scaffold.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("scaffold: interrupted; nothing on disk was changed\n")
        return _INTERRUPTED
    return cli_main(argv)
