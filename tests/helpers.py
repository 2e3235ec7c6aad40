"""Helpers shared by the tests and the benchmarks: one git runner, file trees, template repos.

Nothing here ships in the ``scaffold`` package. Benchmarks import this module by
putting ``tests/`` on ``sys.path``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
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


# Repos ``generate`` made in this process, by what determines them (see _render_key).
_GENERATED: dict[tuple[str, ...], Path] = {}


def generate(template: Path | str, dest: Path, stage: str, vcs_ref: str | None = None) -> Path:
    """Generate a repo at ``stage`` with default answers (plain copier) and commit it.

    The same template state, stage and ref always give the same repo, so a repeat
    is a copy (git history included) of the first one this process made: upgrade
    scenarios generate the same starting repo hundreds of times.
    """
    source = str(Path(template).resolve())
    key = _render_key(source, stage, vcs_ref)
    pristine = _GENERATED.get(key) if key else None
    if pristine is not None and (pristine / ".git").is_dir():
        shutil.copytree(pristine, dest, symlinks=True, dirs_exist_ok=True)
        return dest
    copier.run_copy(source, dest, data={"stage": stage}, defaults=True, quiet=True, vcs_ref=vcs_ref)
    init_repo(dest, "generated")
    if key:  # the test may edit dest: keep an untouched copy
        pristine = Path(tempfile.mkdtemp(prefix="generated-")) / "repo"
        shutil.copytree(dest, pristine, symlinks=True)
        atexit.register(shutil.rmtree, pristine.parent, ignore_errors=True)
        _GENERATED[key] = pristine
    return dest


def _render_key(source: str, stage: str, vcs_ref: str | None) -> tuple[str, ...] | None:
    """Everything copier's render depends on besides the defaults: the template's refs
    (its commits and tags) and any uncommitted change; ``None`` when it is not a git repo."""
    refs = subprocess.run(
        ["git", "-C", source, "for-each-ref", "--format=%(objectname) %(refname)"],
        capture_output=True,
        text=True,
    )
    dirty = subprocess.run(
        ["git", "-C", source, "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
    )
    head = subprocess.run(
        ["git", "-C", source, "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if refs.returncode or dirty.returncode or head.returncode:
        return None
    return (source, stage, vcs_ref or "", head.stdout, refs.stdout, dirty.stdout)
