"""Thin wrappers around the ``git`` command line used by upgrade and update.

Every call goes through :func:`git` so that the user's repository is only ever
read, except for the one ``fetch`` that publishes a finished upgrade branch.
Reads use ``--no-optional-locks`` so that even ``git status`` never rewrites the
user's index.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

# Commits made by scaffold never run the user's hooks or sign with their keys:
# they are machine-made and the user reviews them before merging.
_COMMIT_FLAGS = ("--no-verify", "--no-gpg-sign")


class GitError(RuntimeError):
    """A git command failed; the message holds the command and git's stderr."""


def git(
    cwd: Path | str,
    *args: str,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> str:
    """Run ``git -C cwd args`` and return its stdout (text, stripped of the final newline)."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    if env:
        full_env.update(env)
    proc = subprocess.run(
        ["git", "--no-optional-locks", "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        check=False,
    )
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.removesuffix("\n")


def git_ok(cwd: Path | str, *args: str) -> bool:
    """True when the git command exits 0 (for questions such as ``merge-base --is-ancestor``)."""
    proc = subprocess.run(
        ["git", "--no-optional-locks", "-C", str(cwd), *args],
        capture_output=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        check=False,
    )
    return proc.returncode == 0


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree containing ``path``, or None when it is not in one."""
    if not path.is_dir():
        return None
    proc = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return Path(proc.stdout.strip()).resolve()


def rev_parse(cwd: Path | str, rev: str) -> str | None:
    """The full commit id of ``rev``, or None when it does not name a commit."""
    proc = subprocess.run(
        [
            "git",
            "-C",
            str(cwd),
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{rev}^{{commit}}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def git_path(repo: Path, name: str) -> Path:
    """The path of a file inside the repository's git directory (e.g. ``MERGE_HEAD``)."""
    return git_paths(repo, [name])[0]


def git_paths(repo: Path, names: Sequence[str]) -> list[Path]:
    """:func:`git_path` of each name, with one git call."""
    args = [arg for name in names for arg in ("--git-path", name)]
    lines = git(repo, "rev-parse", *args).splitlines()
    if len(lines) != len(names):  # a path with a line break in it: one call each
        lines = [git(repo, "rev-parse", "--git-path", name) for name in names]
    return [(repo / line).resolve() for line in lines]


def status_lines(cwd: Path | str, *extra: str) -> list[str]:
    """``git status --porcelain`` lines, untracked files listed one by one."""
    out = git(cwd, "status", "--porcelain", "--untracked-files=all", *extra)
    return [line for line in out.splitlines() if line]


def identity_env(repo: Path) -> dict[str, str]:
    """Author/committer variables taken from the user's repository configuration.

    The scratch clone does not inherit the repository's local config, so the
    upgrade commit would otherwise lack (or misstate) the user's identity.
    """
    name = git(repo, "config", "user.name", check=False) or "scaffold"
    email = git(repo, "config", "user.email", check=False) or "scaffold@localhost"
    return {
        "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", name),
        "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", email),
        "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", name),
        "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", email),
    }


def stage_all(cwd: Path | str) -> None:
    """Stage every change, new files included, even those an ignore rule matches.

    Every file in the work trees scaffold commits was rendered by the template or
    is already tracked; the repo's ``.gitignore`` or the user's global excludes
    must not silently drop a rendered module from the commit.
    """
    git(cwd, "add", "--all", "--force")


def commit_all(cwd: Path, message: str, env: Mapping[str, str]) -> str:
    """Stage every change (new and ignored files included) and commit; return the commit id."""
    stage_all(cwd)
    git(cwd, "commit", "--allow-empty", "-q", *_COMMIT_FLAGS, "-m", message, env=env)
    return git(cwd, "rev-parse", "HEAD")


def tree_files(cwd: Path | str, rev: str, paths: Sequence[str] = ()) -> dict[str, str]:
    """Map each file path in ``rev`` to its blob id."""
    out = git(cwd, "ls-tree", "-r", "-z", rev, "--", *paths)
    files: dict[str, str] = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        kind, blob = meta.split()[1:3]
        if kind == "blob":
            files[path] = blob
    return files


def init_and_commit(path: Path, message: str) -> None:
    """Make ``path`` a git repository on ``main`` with every file in one commit."""
    git(path, "init", "--quiet", "--initial-branch=main")
    commit_all(path, message, identity_env(path))
