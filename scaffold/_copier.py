"""Our use of copier: the answers file, template URLs, the ref to render, quiet runs.

Every call into copier goes through :func:`quiet_copier`, so copier's chatter and
warnings never reach a user's stdout (``--json`` stays clean) and copier's own
commits in its temporary repos have an identity. Copier's failures become one
line for the user.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from scaffold._git import git, rev_parse
from scaffold.errors import UserError

#: Where copier records the answers and the template's source and commit.
ANSWERS_FILE = ".copier-answers.yml"

#: Template sources that copier clones rather than reads from a local path.
TEMPLATE_URL = re.compile(r"^(gh:|gl:|git\+|https?://|ssh://|git@|file://)")


def is_url(source: str) -> bool:
    """Whether ``source`` names a remote template (copier clones it)."""
    return bool(TEMPLATE_URL.match(source))


def is_local(source: str) -> bool:
    """Whether ``source`` is an existing local path (an absolute one, as we record them)."""
    return Path(source).is_absolute() and Path(source).exists()


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


@contextlib.contextmanager
def quiet_copier(
    env: Mapping[str, str] | None = None, *, interactive: bool = False, hold_stderr: bool = False
) -> Iterator[None]:
    """Run copier with its warnings muted, and with ``env`` set while it runs.

    Unless ``interactive`` (copier may prompt), copier's stdout goes to stderr so
    stdout stays the command's own. ``hold_stderr`` swallows copier's notes (such
    as "no git tags") so that a failure is reported in one line.
    """
    saved = {key: os.environ.get(key) for key in env or {}}
    os.environ.update(env or {})
    to_stderr = contextlib.nullcontext() if interactive else contextlib.redirect_stdout(sys.stderr)
    held = contextlib.redirect_stderr(io.StringIO()) if hold_stderr else contextlib.nullcontext()
    try:
        with warnings.catch_warnings(), to_stderr, held:
            warnings.simplefilter("ignore")
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def render_template(
    source: str,
    dest: Path,
    data: Mapping[str, Any],
    *,
    vcs_ref: str | None,
    env: Mapping[str, str] | None = None,
    defaults: bool = True,
    quiet: bool = True,
    interactive: bool = False,
    hold_stderr: bool = False,
) -> Path:
    """Render ``source`` at ``vcs_ref`` into ``dest`` with copier's public ``run_copy``.

    Copier's failures become a one-line ``UserError``; nothing in a template runs
    code (no tasks), so no answer needs ``--trust``.
    """
    # Copier (and prompt_toolkit under it) is imported here, not at start-up: it takes
    # seconds to import, and `scaffold check` / `fleet check` never render.
    import copier
    from copier.errors import CopierError

    with quiet_copier(env, interactive=interactive, hold_stderr=hold_stderr):
        try:
            copier.run_copy(
                source,
                dest,
                data=dict(data),
                defaults=defaults,
                vcs_ref=vcs_ref or None,
                overwrite=True,
                quiet=quiet,
                skip_tasks=True,
                unsafe=False,
            )
        except KeyboardInterrupt:
            raise  # Ctrl-C at a prompt (copier's CopierAnswersInterrupt): exit 130, no dump
        except (ValueError, CopierError) as exc:
            raise UserError(first_line(exc)) from exc
    return dest


def update_project(
    project: Path, data: Mapping[str, Any], *, vcs_ref: str | None, env: Mapping[str, str]
) -> dict[str, str] | None:
    """Copier's 3-way update of ``project``, conflicts left inline; errors propagate.

    Returns the files of the render copier made of the *old* template version
    (path relative to the git top -> blob id), which the upgrade needs too, so it
    does not render that version a second time; ``None`` when it could not be read
    (then the caller renders it itself).
    """
    import copier
    import copier._main

    seen = _OldCopies()
    with quiet_copier(env), _watching_old_copy(copier._main, seen):
        copier.run_update(
            project,
            data=dict(data),
            defaults=True,
            overwrite=True,
            quiet=True,
            conflict="inline",
            vcs_ref=vcs_ref or None,
            skip_tasks=True,
        )
    return seen.files if len(seen.dirs) == 1 else None


class _OldCopies:
    def __init__(self) -> None:
        self.dirs: list[str] = []
        self.files: dict[str, str] | None = None


@contextlib.contextmanager
def _watching_old_copy(module: Any, seen: _OldCopies) -> Iterator[None]:
    """Read copier's render of the old template version before copier deletes it.

    Copier renders the old version into a temporary directory (prefix
    ``copier._main.old_copy.``), commits it there as its first commit(s), "dumb
    commit ...", and removes the directory when the update is done. Just before
    that removal, the tree of the last such commit is listed. Should copier change
    how it does this, nothing is read and the caller renders the old version.
    """
    original = getattr(module, "TemporaryDirectory", None)
    if original is None or not isinstance(original, type):
        yield
        return

    class Watched(original):  # type: ignore[misc, valid-type]
        def cleanup(self) -> None:
            if ".old_copy." in os.path.basename(self.name):
                seen.dirs.append(self.name)
                seen.files = _first_render(Path(self.name))
            super().cleanup()

    module.TemporaryDirectory = Watched
    try:
        yield
    finally:
        module.TemporaryDirectory = original


def _first_render(old_copy: Path) -> dict[str, str] | None:
    """Files of the newest "dumb commit" in copier's old copy (its render), or ``None``."""
    from scaffold._git import GitError, tree_files

    try:
        log = git(old_copy, "log", "--format=%H %s", "HEAD")
        for line in log.splitlines():
            commit, _, subject = line.partition(" ")
            if subject.startswith("dumb commit"):
                return tree_files(old_copy, commit)
    except (GitError, OSError, ValueError):
        return None
    return None


@contextlib.contextmanager
def shared_template_clones(directory: Path) -> Iterator[None]:
    """Let copier clone each template version once while the block runs.

    One ``copier update`` makes a template object, and so a git clone with a
    checkout (removed again at the end), five times for two versions: the old one
    and the new one. Inside this block copier's ``clone`` is memoised by (source,
    ref), the clones living under ``directory`` (removed with it) instead of in
    the directories copier removes; copier only reads them. Should copier change
    how it clones, it clones as before.
    """
    import copier._template

    original = getattr(copier._template, "clone", None)
    if not callable(original) or getattr(original, "shared", False):
        yield  # copier changed, or already shared by an enclosing block
        return
    made: dict[tuple[str, str], str] = {}

    def clone(url: str, ref: str = "HEAD", location: str | None = None) -> str:
        key = (url, ref)
        if key not in made:
            target = directory / str(len(made))
            target.mkdir(parents=True)
            made[key] = original(url, ref, location=str(target))
        return made[key]

    clone.shared = True  # type: ignore[attr-defined]
    copier._template.clone = clone  # type: ignore[attr-defined]
    try:
        yield
    finally:
        copier._template.clone = original  # type: ignore[attr-defined]


def target_ref(source: str, vcs_ref: str | None) -> tuple[str, str | None]:
    """The ref copier should render and its commit id (None for remote templates).

    Like copier: the newest PEP 440 release tag, or HEAD when there is none.
    """
    if not is_local(source):
        return vcs_ref or "", None  # remote: copier picks its default (latest tag or HEAD)
    if vcs_ref is None:
        vcs_ref = "HEAD"
        versions: list[tuple[Version, str]] = []
        for tag in git(source, "tag", "--list").splitlines():
            with contextlib.suppress(InvalidVersion):
                version = Version(tag)
                if not version.is_prerelease:
                    versions.append((version, tag))
        if versions:
            vcs_ref = max(versions)[1]
    commit = rev_parse(source, vcs_ref)
    if commit is None:
        raise UserError(f"template ref {vcs_ref!r} not found in {source}")
    return vcs_ref, commit
