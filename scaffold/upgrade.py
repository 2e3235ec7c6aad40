"""Grow a repo to a later stage (``upgrade_stage``) or a newer template (``update_template``).

Copier's update is the merge engine, but alone it is not safe enough: it exits 0
when it leaves conflicts, deletes files that only the old stage had even when
the user edited them, and works in the user's checkout. Here every update runs
in a throw-away clone of the user's repository; the result is published as one
commit on a new branch with a single ``git fetch`` at the very end. The user's
branch, index and working tree are never written, so an interrupted run (Ctrl-C,
SIGTERM, kill -9) leaves them exactly as they were.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from scaffold._copier import (
    ANSWERS_FILE,
    is_local,
    is_url,
    render_template,
    shared_template_clones,
    target_ref,
    update_project,
)
from scaffold._git import (
    GitError,
    commit_all,
    git,
    git_ok,
    rev_parse,
    stage_all,
    status_lines,
    toplevel,
    tree_files,
)
from scaffold._preflight import CleanRepo, check_branches_free, clean_repository
from scaffold._scratch import ScratchClone, scratch_clone
from scaffold._template import Template, resolve_source
from scaffold._upgrade_report import StepReport, UpgradeReport
from scaffold._validate import file_problem, text_problem
from scaffold.adopt import foreign_answers_message
from scaffold.errors import ScaffoldError, UserError

__all__ = ["UpgradeError", "UpgradeReport", "update_template", "upgrade_stage"]

_MARKERS = (b"<<<<<<< ", b">>>>>>> ")


class UpgradeError(ScaffoldError):
    """Copier failed while updating the scratch clone; the user's repo is unchanged."""


@dataclass(frozen=True)
class _Project:
    """Facts about the user's repo gathered by the preflight (all read-only)."""

    repo: CleanRepo
    answers: dict[str, Any]
    stage: str
    source: str
    recorded_commit: str
    template: Template

    @property
    def path(self) -> Path:
        return self.repo.path


class UpgradeStep(NamedTuple):
    """One copier update: the answers it changes, the stage it reaches, its branch."""

    data: dict[str, str]
    stage: str
    branch: str


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def upgrade_stage(
    path: Path | str = ".",
    to: str | None = None,
    *,
    dry_run: bool = False,
    template: str | None = None,
    vcs_ref: str | None = None,
) -> UpgradeReport:
    """Move the repo at ``path`` to the next stage, or through each stage up to ``to``.

    The result is one commit on branch ``scaffold/upgrade-to-<stage>``; the
    user's branch and working tree are untouched. Conflicts do not raise: the
    branch is committed with the conflict markers and the report's ``status`` is
    ``"conflict"`` (exit code 3). With ``dry_run`` nothing is created at all and
    ``report.diff`` holds the changes. Preflight failures raise ``UserError``.
    """
    project = _preflight(Path(path), template)
    stages = project.template.stages
    current = project.stage
    if to is None:
        if stages.index(current) == len(stages) - 1:
            raise UserError(f"already at the last stage ({current}); nothing to upgrade")
        to = stages[stages.index(current) + 1]
    if to not in stages:
        raise UserError(f"unknown stage {to!r}; choose one of: {', '.join(stages)}")
    if to == current:
        raise UserError(f"already at stage {current}; nothing to upgrade")
    if stages.index(to) < stages.index(current):
        raise UserError(f"cannot downgrade from {current} to {to}; stages only move forward")
    path_stages = list(stages[stages.index(current) + 1 : stages.index(to) + 1])
    ref, target_commit = target_ref(project.source, vcs_ref)
    _check_not_older(project, ref, target_commit)
    steps = [
        UpgradeStep({"stage": stage}, stage, f"scaffold/upgrade-to-{stage}")
        for stage in path_stages
    ]
    if not dry_run:
        _check_branches_free(project, [step.branch for step in steps])
    return _run(project, "upgrade", steps, ref, target_commit, dry_run)


def update_template(
    path: Path | str = ".",
    *,
    dry_run: bool = False,
    template: str | None = None,
    vcs_ref: str | None = None,
) -> UpgradeReport:
    """Update the repo at ``path`` to a newer version of its template, same stage.

    Same safety as :func:`upgrade_stage`; the branch is ``scaffold/update-to-<version>``.
    """
    project = _preflight(Path(path), template)
    ref, target_commit = target_ref(project.source, vcs_ref)
    _check_not_older(project, ref, target_commit)
    recorded = (
        rev_parse(project.source, project.recorded_commit) if is_local(project.source) else None
    )
    if recorded is not None and recorded == target_commit:
        version = _describe(project.source, target_commit)
        return UpgradeReport(
            command="update",
            path=str(project.path),
            status="up-to-date",
            from_stage=project.stage,
            to_stage=project.stage,
            from_version=project.recorded_commit,
            to_version=version,
        )
    version = _describe(project.source, target_commit) if target_commit else ref
    branch = "scaffold/update-to-" + re.sub(r"[^A-Za-z0-9._-]+", "-", version).strip("-.")
    if not dry_run:
        _check_branches_free(project, [branch])
    step = UpgradeStep({}, project.stage, branch)
    return _run(project, "update", [step], ref, target_commit, dry_run)


# ---------------------------------------------------------------------------
# Preflight: read-only checks, each failure one line
# ---------------------------------------------------------------------------


def _preflight(path: Path, template: str | None) -> _Project:
    repo = clean_repository(path)
    answers = _read_answers(repo)
    source = _template_source(repo.path, answers, template)
    tmpl = Template(source)
    if not tmpl.stages:
        raise UserError(f"the template at {source} declares no stage choices in copier.yml")
    stage = answers["stage"]
    if stage not in tmpl.stages:
        raise UserError(
            f"unknown stage {stage!r} in {ANSWERS_FILE}; "
            f"the template knows: {', '.join(tmpl.stages)}"
        )
    _check_package_dir(repo.path, answers)
    return _Project(
        repo=repo,
        answers=answers,
        stage=stage,
        source=source,
        recorded_commit=str(answers["_commit"]),
        template=tmpl,
    )


def _read_answers(repo: CleanRepo) -> dict[str, Any]:
    path = repo.path
    answers_path = path / ANSWERS_FILE
    if not answers_path.is_file():
        for parent in path.parents:
            if (parent / ANSWERS_FILE).is_file():
                raise UserError(
                    f"no {ANSWERS_FILE} in {path}; the project root is {parent}: "
                    f"run the command there (scaffold upgrade {parent})"
                )
            if parent == repo.top:
                break
        raise UserError(
            f"no {ANSWERS_FILE} in {path}: this repo was not generated by the template "
            "(to bring it under management, use scaffold adopt)"
        )
    try:
        answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 1})" if line is not None else ""
        raise UserError(f"{ANSWERS_FILE} is not valid YAML{where}; restore it from git") from None
    if not isinstance(answers, dict):
        raise UserError(f"{ANSWERS_FILE} is corrupt: expected a mapping of answers")
    if "stage" not in answers and answers.get("_src_path"):
        raise UserError(foreign_answers_message(answers))
    for key in ("_src_path", "_commit", "stage"):
        value = answers.get(key)
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise UserError(f"{ANSWERS_FILE} is corrupt: missing or empty {key!r}")
    answers["stage"] = str(answers["stage"])
    return answers


def _check_package_dir(path: Path, answers: dict[str, Any]) -> None:
    """Refuse when ``src/<package_name>`` is gone: the update would recreate it as a ghost.

    A package renamed with ``git mv`` leaves the answers file naming the old one;
    copier would put the next stage's modules there. The fix is to record the new
    name, after which the update merges into the renamed package.
    """
    package = answers.get("package_name")
    src = path / "src"
    if not isinstance(package, str) or not package or not src.is_dir() or (src / package).is_dir():
        return
    others = sorted({module.parent.name for module in src.glob("*/*.py")})
    new = others[0] if len(others) == 1 else "<new name>"
    seen = f"the package is now src/{new}; " if len(others) == 1 else ""
    raise UserError(
        f"src/{package}, the package named in {ANSWERS_FILE}, is missing; {seen}"
        f"set package_name: {new} in {ANSWERS_FILE}, commit, and run again"
    )


def _template_source(path: Path, answers: dict[str, Any], template: str | None) -> str:
    if template is not None:
        source = resolve_source(template)
    else:
        recorded = str(answers["_src_path"])
        candidate = recorded
        if not is_url(recorded):
            # A relative path is read from the project directory, not the cwd,
            # and is written back as an absolute path by the upgrade.
            candidate = str((path / Path(recorded).expanduser()).resolve())
            if not Path(candidate).exists():
                raise UserError(
                    f"template source recorded in {ANSWERS_FILE} not found: {recorded}; "
                    "pass --template PATH_OR_URL"
                )
        source = resolve_source(candidate)
    if is_local(source) and toplevel(Path(source)) != Path(source).resolve():
        raise UserError(
            f"template source {source} is not the root of a git repository; "
            "updates need the template's git history"
        )
    return source


def _check_not_older(project: _Project, ref: str, target_commit: str | None) -> None:
    if target_commit is None:
        return  # remote template: copier refuses downgrades itself
    recorded = rev_parse(project.source, project.recorded_commit)
    if recorded is None:
        raise UserError(
            f"the template version this repo records ({project.recorded_commit}) is not in "
            f"{project.source}; fetch the template's history or pass --template"
        )
    if not git_ok(project.source, "merge-base", "--is-ancestor", recorded, target_commit):
        raise UserError(
            f"the template at {ref} is older than the version this repo was generated from "
            f"({project.recorded_commit}); update the template checkout first"
        )


def _check_branches_free(project: _Project, branches: list[str]) -> None:
    check_branches_free(project.repo.top, branches)


def _describe(source: str, commit: str | None) -> str:
    if commit is None:
        return "latest"
    return git(source, "describe", "--tags", "--always", commit)


# ---------------------------------------------------------------------------
# The work, in a scratch clone
# ---------------------------------------------------------------------------


def _run(
    project: _Project,
    command: str,
    steps: list[UpgradeStep],
    ref: str,
    target_commit: str | None,
    dry_run: bool,
) -> UpgradeReport:
    to_version = _describe(project.source, target_commit) if target_commit else ref or "latest"
    report = UpgradeReport(
        command=command,  # type: ignore[arg-type]
        path=str(project.path),
        status="ok",
        from_stage=project.stage,
        to_stage=steps[-1].stage,
        from_version=project.recorded_commit,
        to_version=to_version,
        base_branch=project.repo.branch,
    )
    head = project.repo.head
    with (
        scratch_clone(project.repo) as clone,
        shared_template_clones(clone.tmp / "template-clones"),
    ):
        _pin_source(clone, project)
        branch = steps[-1].branch
        for upgrade_step in steps:
            step = _update_once(clone, project, upgrade_step.data, ref)
            step.to_stage = upgrade_step.stage
            report.steps.append(step)
            branch = upgrade_step.branch
            if step.conflicted:
                report.status = "conflict"
                break
        if dry_run:
            report.diff = git(clone.work, "diff", "--no-color", "--no-renames", head, "HEAD")
            report.status = "dry-run"
            report.branch = None
            return report
        tree = git(clone.work, "rev-parse", "HEAD^{tree}")
        message = report.commit_message()
        commit = git(clone.work, "commit-tree", tree, "-p", head, "-m", message, env=clone.env)
        clone.publish(commit, branch)
        report.branch = branch
        report.commit = commit
    return report


def _pin_source(clone: ScratchClone, project: _Project) -> None:
    """Record the absolute template source in the scratch answers file when it differs.

    Copier reads the source from the answers file; a relative path (or a
    ``--template`` override) is replaced there so copier and later updates find it.
    """
    if str(project.answers["_src_path"]) == project.source:
        return
    answers_path = clone.project / ANSWERS_FILE
    text = answers_path.read_text(encoding="utf-8")
    quoted = yaml.safe_dump(project.source, default_style='"').strip().removesuffix("...").strip()
    text, count = re.subn(r"(?m)^_src_path:.*$", f"_src_path: {quoted}", text, count=1)
    if count != 1:
        raise UserError(f"{ANSWERS_FILE} is corrupt: cannot find the _src_path line")
    answers_path.write_text(text, encoding="utf-8")
    commit_all(clone.project, "scaffold: record the absolute template source", clone.env)


def _read_answers_at(clone: ScratchClone) -> dict[str, Any]:
    return yaml.safe_load((clone.project / ANSWERS_FILE).read_text(encoding="utf-8"))


def _update_once(
    clone: ScratchClone, project: _Project, data: dict[str, str], ref: str
) -> StepReport:
    """One copier update in the scratch clone, checked and committed there."""
    work, prefix = clone.work, clone.prefix
    before = git(work, "rev-parse", "HEAD")
    old_answers = _read_answers_at(clone)
    try:
        old_files = update_project(clone.project, data, vcs_ref=ref, env=clone.env)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UpgradeError(
            f"copier update failed: {message}; your repository is unchanged"
        ) from exc
    new_answers = _read_answers_at(clone)
    step = StepReport(
        from_stage=str(old_answers["stage"]),
        to_stage=str(new_answers.get("stage", old_answers["stage"])),
        from_version=str(old_answers["_commit"]),
        to_version=str(new_answers.get("_commit", "")),
    )

    unmerged = {line.split("\t", 1)[1] for line in git(work, "ls-files", "-u").splitlines() if line}
    rejects = {
        line[3:].strip('"')
        for line in status_lines(work, "--ignored")
        if line.startswith(("?? ", "!! ")) and line.endswith(".rej")
    }
    stage_all(work)
    changes = _name_status(work, before)
    conflicted = set(unmerged) | {path.removesuffix(".rej") for path in rejects}
    for path, status in changes.items():
        if status != "D" and path not in conflicted and _has_new_markers(work, before, path):
            conflicted.add(path)
    invalid = _invalid_after_merge(work, before, changes, conflicted)
    conflicted |= set(invalid)

    old_render = _OldRender.of(clone, project, old_answers, old_files)
    deleted = [path for path, status in changes.items() if status == "D"]
    kept: list[str] = []
    removed: list[str] = []
    before_blobs = tree_files(work, before, deleted) if deleted else {}
    for path in deleted:
        blob = old_render.blob(work, path.removeprefix(prefix))
        if blob is not None and blob == before_blobs.get(path):
            removed.append(path)
        else:
            git(work, "checkout", before, "--", path)
            kept.append(path)
    if kept:
        stage_all(work)

    commit_all(work, f"scaffold: {step.from_stage} -> {step.to_stage}", clone.env)
    after = _name_status(work, before)
    answers_rel = f"{prefix}{ANSWERS_FILE}"
    rel = lambda paths: sorted(p.removeprefix(prefix) for p in paths if p != answers_rel)  # noqa: E731
    step.added = rel(p for p, s in after.items() if s == "A" and p not in conflicted)
    step.merged = rel(p for p, s in after.items() if s == "M" and p not in conflicted)
    step.conflicted = rel(conflicted)
    step.invalid = {p.removeprefix(prefix): reason for p, reason in sorted(invalid.items())}
    step.kept = rel(kept)
    step.removed = rel(removed)
    step.not_recreated = _not_recreated(clone, project, before, old_render)
    return step


class _OldRender:
    """The template as the repo's answers rendered it before the update: its files.

    Copier renders that version during its update; its files are taken from there
    (``files``: project path -> blob id). Only when they could not be read is the
    version rendered again here (``directory``).
    """

    def __init__(self, files: dict[str, str] | None, directory: Path | None) -> None:
        self.files, self.directory = files, directory

    @classmethod
    def of(
        cls,
        clone: ScratchClone,
        project: _Project,
        answers: dict[str, Any],
        copier_files: dict[str, str] | None,
    ) -> _OldRender:
        if copier_files is None:
            return cls(None, _render(clone, project, answers, "old"))
        prefix = clone.prefix
        files = {p.removeprefix(prefix): b for p, b in copier_files.items() if p.startswith(prefix)}
        return cls(files, None)

    def paths(self) -> set[str]:
        if self.files is not None:
            return set(self.files)
        assert self.directory is not None
        return {
            p.relative_to(self.directory).as_posix()
            for p in self.directory.rglob("*")
            if p.is_file()
        }

    def blob(self, work: Path, path: str) -> str | None:
        """The blob id the render gave ``path`` (project-relative), ``None`` if none."""
        if self.files is not None:
            return self.files.get(path)
        assert self.directory is not None
        generated = self.directory / path
        return git(work, "hash-object", str(generated)) if generated.is_file() else None

    def remove(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def _not_recreated(
    clone: ScratchClone, project: _Project, before: str, old_render: _OldRender
) -> list[str]:
    """Generated files the user had deleted that the template still renders (left out)."""
    prefix = clone.prefix
    generated = old_render.paths()
    present = {p.removeprefix(prefix) for p in tree_files(clone.work, before)}
    now = {p.removeprefix(prefix) for p in tree_files(clone.work, "HEAD")}
    missing = {p for p in generated - present if p != ANSWERS_FILE and p not in now}
    old_render.remove()
    if not missing:
        return []
    new_render = _render(clone, project, _read_answers_at(clone), "new")
    still_rendered = sorted(p for p in missing if (new_render / p).is_file())
    shutil.rmtree(new_render, ignore_errors=True)
    return still_rendered


def _render(clone: ScratchClone, project: _Project, answers: dict[str, Any], name: str) -> Path:
    """Render the template as ``answers`` record it (their answers at their commit)."""
    dest = clone.tmp / name
    shutil.rmtree(dest, ignore_errors=True)
    data = {k: v for k, v in answers.items() if not str(k).startswith("_")}
    return render_template(
        project.source, dest, data, vcs_ref=str(answers["_commit"]), env=clone.env
    )


def _name_status(work: Path, base: str) -> dict[str, str]:
    out = git(work, "diff", "--cached", "--name-status", "--no-renames", "-z", base)
    fields = [f for f in out.split("\0") if f]
    return {fields[i + 1]: fields[i][0] for i in range(0, len(fields) - 1, 2)}


def _invalid_after_merge(
    work: Path, before: str, changes: dict[str, str], conflicted: set[str]
) -> dict[str, str]:
    """Changed TOML/YAML/JSON files the merge made invalid, with the reason.

    A file that was already invalid before the update (a templated YAML, say) is
    the user's business and is not reported.
    """
    invalid: dict[str, str] = {}
    for path, status in changes.items():
        if status == "D" or path in conflicted:
            continue
        problem = file_problem(work / path)
        if problem is None:
            continue
        try:
            old = git(work, "show", f"{before}:{path}")
        except GitError:
            old = None
        if old is None or text_problem(path, old) is None:
            invalid[path] = problem
    return invalid


def _has_new_markers(work: Path, before: str, path: str) -> bool:
    """True when the file has more conflict-marker lines than before the update."""
    try:
        new = (work / path).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return False
    count_new = sum(line.startswith(_MARKERS) for line in new.splitlines())
    if count_new == 0:
        return False
    try:
        old = git(work, "show", f"{before}:{path}").encode()
    except GitError:
        old = b""
    return count_new > sum(line.startswith(_MARKERS) for line in old.splitlines())
