"""What each Python file declares, kept between check runs (keyed by the file's bytes).

Parsing modules with ``ast`` is most of what ``scaffold check`` and ``fleet check``
spend; a repo's files rarely change between two runs. So the ``python_modules``
fixture keeps, per repository, each file's digest with what was read from it (all
of it, or only its imports when no check asked for more), and parses a file again
only when its bytes differ and a check needs it.

The cache lives in ``$SCAFFOLD_CACHE_DIR`` (default ``$XDG_CACHE_HOME/scaffold/check``,
i.e. ``~/.cache/scaffold/check``), one small file per repository path; set
``SCAFFOLD_CACHE_DIR`` to an empty value to turn it off. An entry is only reused
for the same bytes, Python version and scaffold fixture code, so results never
differ from a run without it; a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

CACHE_ENV = "SCAFFOLD_CACHE_DIR"
_FORMAT = 1
#: A repo's entries not used for this long are removed (when another repo is added).
_MAX_AGE_SECONDS = 30 * 24 * 3600

#: One file's entry: its digest, and what was read (``None``: it does not parse).
Entry = tuple[bytes, Any]


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def cache_dir() -> Path | None:
    """Where entries are kept, or ``None`` when caching is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "scaffold" / "check"


@cache
def _stamp() -> tuple[Any, ...]:
    """What entries depend on besides the file: the format, Python, the reading code."""
    from scaffold.check import fixtures

    code = digest(Path(fixtures.__file__).read_bytes())
    return (_FORMAT, sys.version, code)


class ModuleCache:
    """The entries of one repository, loaded once and written back if they changed."""

    def __init__(self, root: Any) -> None:
        self.path: Path | None = None
        self.entries: dict[str, Entry] = {}
        self.used: dict[str, Entry] = {}
        folder = cache_dir()
        if folder is None or not isinstance(root, Path):
            return  # a remote tree (standalone repo-review) or caching off
        with contextlib.suppress(OSError, RuntimeError):
            key = digest(str(root.resolve()).encode("utf-8", "surrogateescape")).hex()
            self.path = folder / f"{key}.marshal"
            self.entries = self._load(self.path)

    @staticmethod
    def _load(path: Path) -> dict[str, Entry]:
        try:
            stamp, entries = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        return entries if stamp == _stamp() and isinstance(entries, dict) else {}

    @property
    def enabled(self) -> bool:
        """Whether entries are kept (caching on, a local tree)."""
        return self.path is not None

    def knows(self, rel: str) -> bool:
        """Whether an earlier run left an entry for ``rel`` (to compare digests with)."""
        return rel in self.entries

    def get(self, rel: str, file_digest: bytes) -> tuple[bool, Any]:
        """``(True, value)`` when ``rel`` was read from these very bytes before."""
        entry = self.entries.get(rel)
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == file_digest:
            self.used[rel] = entry
            return True, entry[1]
        return False, None

    def put(self, rel: str, file_digest: bytes, value: Any) -> None:
        self.used[rel] = (file_digest, value)

    def save(self) -> None:
        """Write the entries of this run (files gone since are dropped), if any changed.

        Called again after more files were read, it writes again only if they add entries.
        """
        if self.path is None or not (self.used or self.entries):
            return  # nothing to keep, nothing to drop
        if self.used == self.entries and self.path.exists():
            with contextlib.suppress(OSError):
                os.utime(self.path)  # still in use: not pruned
            return
        self.entries = dict(self.used)  # what is on disk after this write
        with contextlib.suppress(OSError, ValueError):
            if not self.path.exists():
                _prune(self.path.parent)  # a repo seen for the first time
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = marshal.dumps((_stamp(), self.used))
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".marshal")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _prune(folder: Path) -> None:
    """Remove the entries of repos not checked for ``_MAX_AGE_SECONDS`` (moved, deleted,
    temporary checkouts), so the cache does not grow without end."""
    if not folder.is_dir():
        return
    oldest = time.time() - _MAX_AGE_SECONDS
    for path in folder.glob("*.marshal"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < oldest:
                path.unlink()
