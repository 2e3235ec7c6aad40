"""The throw-away clone in which upgrade, update and adopt do all their work.

The user's branch, index and working tree are never written: the clone shares
the repository's objects, the work is committed there, and one ``git fetch``
into the user's repository creates the result branch (refusing to overwrite
one). Clones left behind by a killed run are removed by the next run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scaffold._git import git, identity_env
from scaffold._preflight import CleanRepo

SCRATCH_PREFIX = "scaffold-upgrade-"
_RESULT_REF = "refs/heads/scaffold-result"


@dataclass(frozen=True)
class ScratchClone:
    """A clone of the user's repository at its HEAD, in a temporary directory."""

    repo: CleanRepo  #: the user's repository, as the preflight found it
    tmp: Path  #: the temporary directory (room for renders next to the clone)
    work: Path  #: the clone's root
    env: dict[str, str]  #: the user's git identity, for commits here and copier's own

    @property
    def project(self) -> Path:
        """The project directory inside the clone (a subdirectory in a monorepo)."""
        return self.work / self.repo.rel if self.repo.rel else self.work

    @property
    def prefix(self) -> str:
        """The project's path prefix in git's listings (``""`` at the root)."""
        return f"{self.repo.rel}/" if self.repo.rel else ""

    def publish(self, commit: str, branch: str) -> None:
        """Create ``branch`` at ``commit`` in the user's repository: the one write to it."""
        git(self.work, "update-ref", _RESULT_REF, commit)
        git(
            self.repo.top,
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            str(self.work),
            f"{_RESULT_REF}:refs/heads/{branch}",
        )


@contextlib.contextmanager
def scratch_clone(repo: CleanRepo) -> Iterator[ScratchClone]:
    """Clone ``repo`` at its HEAD into a temporary directory removed on exit."""
    remove_stale_scratch()
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as tmp:
        work = Path(tmp) / "repo"
        git(tmp, "clone", "--quiet", "--shared", "--no-checkout", str(repo.top), str(work))
        git(work, "checkout", "--quiet", "--detach", repo.head)
        yield ScratchClone(repo=repo, tmp=Path(tmp), work=work, env=identity_env(repo.top))


def remove_stale_scratch() -> None:
    """Delete scratch clones left in the temp dir by runs that were killed (kill -9)."""
    for stale in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        match = re.match(rf"{SCRATCH_PREFIX}(\d+)-", stale.name)
        if match and not _pid_alive(int(match.group(1))):
            shutil.rmtree(stale, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
