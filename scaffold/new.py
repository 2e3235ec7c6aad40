"""``scaffold new``: render a stage of the template into a new repository."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scaffold._copier import first_line, render_template
from scaffold._git import init_and_commit
from scaffold._template import Template, check_package_name, resolve_source
from scaffold.errors import UserError


@dataclass(frozen=True)
class NewRepo:
    """What ``create_repo`` made."""

    path: Path
    stage: str
    template: str
    files: tuple[str, ...]
    git: bool


def parse_data_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """Turn ``KEY=VALUE`` strings into a dict, rejecting malformed ones."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"malformed --data {pair!r}: expected KEY=VALUE")
        data[key.strip()] = value
    return data


def load_data_file(path: Path | str) -> dict[str, Any]:
    """Read answers from a YAML (or JSON) mapping."""
    file = Path(path)
    if not file.is_file():
        raise UserError(f"data file not found: {path}")
    try:
        content = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"data file {path} is not valid YAML: {first_line(exc)}") from exc
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise UserError(f"data file {path} must hold a mapping of question: answer")
    return {str(k): v for k, v in content.items()}


def create_repo(
    dest: Path | str,
    stage: str,
    *,
    data: Mapping[str, Any] | None = None,
    defaults: bool = False,
    template: str | None = None,
    vcs_ref: str | None = None,
    git: bool = True,
    quiet: bool = True,
) -> NewRepo:
    """Render ``stage`` of the template into ``dest``; make it a git repo by default.

    Rendering happens in a temporary sibling directory that is moved into place
    only when everything succeeded, so a failure leaves nothing behind.
    """
    source = resolve_source(template)
    tpl = Template(source)
    tpl.check_stage(stage)
    answers = dict(data or {})
    answers["stage"] = stage
    reject_unknown_questions(tpl, answers)

    target = Path(dest).expanduser().absolute()
    _check_destination(target, str(dest))
    if not defaults and not sys.stdin.isatty():
        defaults = True  # nobody can answer prompts: fall back to the defaults

    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.scaffold-", dir=target.parent))
    except OSError as exc:
        raise UserError(f"cannot create {dest}: {exc.strerror or first_line(exc)}") from None
    try:
        rendered = staging / "repo"
        # Copier prints notes such as "no git tags" straight to stderr; a user error
        # must stay one line, so that chatter is held back when nobody is prompted.
        render_template(
            source,
            rendered,
            answers,
            vcs_ref=vcs_ref,
            defaults=defaults,
            quiet=quiet,
            interactive=not defaults,
            hold_stderr=quiet and defaults,
        )
        check_package_name(rendered)
        files = tuple(
            sorted(p.relative_to(rendered).as_posix() for p in rendered.rglob("*") if p.is_file())
        )
        if git:
            init_and_commit(rendered, f"Create {stage} repository from mlops-scaffold")
        _move_into_place(rendered, target, str(dest))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return NewRepo(path=target, stage=stage, template=source, files=files, git=git)


def _check_destination(target: Path, dest: str) -> None:
    """Refuse, before anything is written, a destination the result cannot replace."""
    if target.is_symlink():
        what = "a symlink" if target.exists() else "a dangling symlink"
        raise UserError(
            f"destination {dest} is {what}; pass the real directory "
            f"({os.path.realpath(target)}) or remove the link"
        )
    if target.exists() and not target.is_dir():
        raise UserError(f"destination {dest} is a file, not a directory; choose another name")
    if target.exists() and any(target.iterdir()):
        raise UserError(f"destination directory {dest} is not empty; choose a new or empty one")
    if target.exists() and os.path.ismount(target):
        raise UserError(
            f"destination {dest} is a mount point and cannot be replaced; "
            "create the repo in a new directory inside it"
        )
    if not target.parent.is_dir():
        raise UserError(f"parent directory does not exist: {target.parent}")
    try:
        name_max = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    # the staging directory's name is the destination's plus a prefix and a suffix
    if len(f".{target.name}.scaffold-xxxxxxxx".encode()) > name_max:
        raise UserError(
            f"destination name {target.name[:40]}... is too long for the file system "
            f"(at most {name_max - 20} bytes here)"
        )
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot create {dest}: the directory {target.parent} is not writable")


def _move_into_place(rendered: Path, target: Path, dest: str) -> None:
    """Move the finished render to ``target``, keeping an empty target's mode and group."""
    try:
        if target.exists():
            kept = target.stat()
            os.chmod(rendered, stat.S_IMODE(kept.st_mode))
            with contextlib.suppress(PermissionError):
                os.chown(rendered, -1, kept.st_gid)
            target.rmdir()
        rendered.rename(target)
    except OSError as exc:
        raise UserError(f"cannot create {dest}: {exc.strerror or first_line(exc)}") from None


def reject_unknown_questions(tpl: Template, answers: Mapping[str, Any]) -> None:
    """Refuse answers to questions the template does not ask (likely typos)."""
    questions = {k for k in tpl.config if not k.startswith("_")}
    if not questions:
        return
    unknown = sorted(set(answers) - questions)
    if unknown:
        raise UserError(
            f"unknown question {unknown[0]!r}; known questions: {', '.join(sorted(questions))}"
        )
