"""Read-only checks shared by the commands that write a branch (upgrade, update, adopt)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold._git import git, git_paths, rev_parse, status_lines, toplevel
from scaffold.errors import UserError

_IN_PROGRESS = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply")


@dataclass(frozen=True)
class CleanRepo:
    """A project directory inside a git repository with a clean tree."""

    path: Path
    top: Path
    head: str
    branch: str | None

    @property
    def rel(self) -> str:
        rel = self.path.relative_to(self.top).as_posix()
        return "" if rel == "." else rel


def clean_repository(path: Path) -> CleanRepo:
    """Refuse, with one line, anything but a committed, clean, idle git checkout."""
    path = path.expanduser()
    if not path.is_dir():
        raise UserError(f"not a directory: {path}")
    path = path.resolve()
    top = toplevel(path)
    if top is None:
        raise UserError(f"not a git repository: {path} (run: git init && git add -A && git commit)")
    head = rev_parse(top, "HEAD")
    if head is None:
        raise UserError(f"the repository at {top} has no commits yet; commit your files first")
    for name, marker in zip(_IN_PROGRESS, git_paths(top, _IN_PROGRESS), strict=True):
        if marker.exists():
            what = "a merge" if name == "MERGE_HEAD" else "a rebase, cherry-pick or revert"
            raise UserError(f"{what} is in progress in {top}; finish or abort it first")
    dirty = status_lines(top)
    if dirty:
        raise UserError(
            f"the working tree has uncommitted changes or untracked files ({len(dirty)}, "
            f"e.g. {dirty[0][3:]}); commit or remove them first"
        )
    branch = git(top, "symbolic-ref", "--quiet", "--short", "HEAD", check=False) or None
    return CleanRepo(path=path, top=top, head=head, branch=branch)


def check_branches_free(top: Path, branches: list[str]) -> None:
    """Refuse when git could not create each of ``branches`` (``scaffold/upgrade-to-b``).

    Besides an earlier run's branch, a branch named like one of its directories
    (``scaffold``) or one inside it blocks the name: refs are files in git.
    """
    existing = set(git(top, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split())
    for branch in branches:
        if branch in existing:
            raise UserError(
                f"branch {branch} already exists (an earlier run); merge it, or delete it "
                f"with: git branch -D {branch}"
            )
        parts = branch.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in existing:
                raise UserError(
                    f"a branch {prefix} exists, so git cannot create {branch}; rename it "
                    f"first, e.g. git branch -m {prefix} {prefix}-old"
                )
        inside = sorted(b for b in existing if b.startswith(f"{branch}/"))
        if inside:
            raise UserError(
                f"branch {inside[0]} exists, so git cannot create {branch}; rename or delete it"
            )
