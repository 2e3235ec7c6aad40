"""Helpers shared by the tests and the benchmarks: one git runner, file trees, template repos.

Nothing here ships in the ``scaffold`` package. Benchmarks import this module by
putting ``tests/`` on ``sys.path``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Mapping
from pathlib import Path

import copier

# Commits made by tests need an identity; CI machines may have none configured.
IDENTITY = {
    "GIT_AUTHOR_NAME": "scaffold tests",
    "GIT_AUTHOR_EMAIL": "tests@scaffold.invalid",
    "GIT_COMMITTER_NAME": "scaffold tests",
    "GIT_COMMITTER_EMAIL": "tests@scaffold.invalid",
}


def git(repo: Path | str, *args: str, check: bool = True) -> str:
    """Run ``git -C repo args``; return stdout without surrounding white space.

    With ``check=False`` a failing command returns its (possibly empty) stdout.
    """
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={**IDENTITY, **os.environ},
        check=False,
    )
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, proc.stdout, proc.stderr)
    return proc.stdout.strip()


def show(repo: Path, rev: str, path: str) -> str | None:
    """The text of ``path`` at ``rev``, or None when it is not there."""
    proc = subprocess.run(
        ["git", "-C", str(repo), "show", f"{rev}:{path}"], capture_output=True, text=True
    )
    return proc.stdout if proc.returncode == 0 else None


def commit_all(repo: Path, message: str = "edit") -> None:
    """Stage everything and commit (empty commits allowed)."""
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


def init_repo(repo: Path, message: str = "initial") -> Path:
    """Make ``repo`` a git repository on ``main`` with every file in one commit."""
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, message)
    return repo


def build_file_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` (relative path -> text, dedented) under ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (outside .git) mapped to its bytes."""
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(path).parts
    }


def snapshot_template(source: Path, dest: Path) -> Path:
    """Commit the current copier.yml and templates/ of ``source`` into a fresh git repo.

    Upgrades need a template whose recorded commit exists; a working checkout
    with uncommitted changes has none, so tests and benchmarks use a snapshot.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "copier.yml", dest / "copier.yml")
    shutil.copytree(source / "templates", dest / "templates")
    return init_repo(dest, "template snapshot")


def generate(template: Path | str, dest: Path, stage: str, vcs_ref: str | None = None) -> Path:
    """Generate a repo at ``stage`` with default answers (plain copier) and commit it."""
    copier.run_copy(
        str(Path(template).resolve()),
        dest,
        data={"stage": stage},
        defaults=True,
        quiet=True,
        vcs_ref=vcs_ref,
    )
    return init_repo(dest, "generated")
