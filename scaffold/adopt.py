"""``scaffold adopt``: bring a repo that was not generated from the templates under management.

The stage is rendered with answers inferred from the repo (its pyproject or setup
files, its package directory, its CI) and merged in without overwriting anything:
a file the repo already has always wins and is reported as kept. The result is one
commit on branch ``scaffold/adopt-<stage>``, made in a scratch clone like an
upgrade, so the user's branch and working tree are never written. The answers
file it adds makes later ``scaffold upgrade`` and ``copier update`` work: files
the repo kept are then treated as the team's own edits of the template.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scaffold._copier import ANSWERS_FILE, render_template, target_ref
from scaffold._git import commit_all, toplevel
from scaffold._preflight import check_branches_free, clean_repository
from scaffold._scratch import scratch_clone
from scaffold._template import Template, resolve_source
from scaffold.errors import EXIT_OK, UserError
from scaffold.new import reject_unknown_questions

__all__ = ["AdoptReport", "adopt_repo", "infer_answers"]

_PACKAGE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_NOT_PACKAGES = {"tests", "test", "docs", "doc", "notebooks", "scripts", "data", "build", "dist"}


@dataclass
class AdoptReport:
    """What ``adopt_repo`` did. Paths are relative to the repo."""

    path: str
    stage: str
    answers: dict[str, Any]
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    identical: list[str] = field(default_factory=list)
    branch: str | None = None
    commit: str | None = None
    base_branch: str | None = None
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "exit_code": self.exit_code}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_text(self) -> str:
        lines = [f"Adopt {self.path} at stage {self.stage}", ""]
        lines += [f"Inferred answers: {', '.join(f'{k}={v}' for k, v in self.answers.items())}", ""]
        for title, files in (
            ("Added from the template", self.added),
            ("Kept (your file differs from the template's; yours wins)", self.kept),
            ("Already identical to the template", self.identical),
        ):
            if files:
                lines += [f"{title}: {len(files)}", *(f"  {f}" for f in files), ""]
        if self.dry_run:
            lines.append("Dry run: nothing was changed (no branch, no files).")
        else:
            base = self.base_branch or "<your branch>"
            lines += [
                f"Committed on branch {self.branch} ({(self.commit or '')[:12]}); "
                f"your branch {self.base_branch or '(detached HEAD)'} is untouched.",
                "Next steps:",
                f"  git switch {base} && git merge {self.branch}",
                "  scaffold check      # see what the stage still needs",
            ]
        return "\n".join(lines).rstrip() + "\n"


def adopt_repo(
    path: Path | str,
    stage: str,
    *,
    data: Mapping[str, Any] | None = None,
    template: str | None = None,
    vcs_ref: str | None = None,
    dry_run: bool = False,
) -> AdoptReport:
    """Merge ``stage`` of the template into the repo at ``path`` without overwriting a file."""
    repo = clean_repository(Path(path))
    if (repo.path / ANSWERS_FILE).exists():
        raise UserError(
            f"{ANSWERS_FILE} already exists: the repo is managed; use scaffold upgrade or update"
        )
    source = resolve_source(template)
    tmpl = Template(source)
    tmpl.check_stage(stage)
    if toplevel(Path(source)) != Path(source).resolve():
        raise UserError(f"template source {source} is not the root of a git repository")
    ref, _commit = target_ref(source, vcs_ref)
    answers = {**infer_answers(repo.path, tmpl), **(data or {}), "stage": stage}
    reject_unknown_questions(tmpl, answers)
    branch = f"scaffold/adopt-{stage}"
    if not dry_run:
        check_branches_free(repo.top, [branch])

    report = AdoptReport(
        path=str(repo.path),
        stage=stage,
        answers={k: v for k, v in answers.items() if k != "stage"},
        base_branch=repo.branch,
        dry_run=dry_run,
    )
    with scratch_clone(repo) as clone:
        rendered = render_template(
            source, clone.tmp / "render", answers, vcs_ref=ref, env=clone.env
        )
        _merge_without_overwriting(rendered, clone.project, report)
        if dry_run:
            return report
        commit = commit_all(clone.work, f"Adopt mlops-scaffold stage {stage}", clone.env)
        clone.publish(commit, branch)
    report.branch, report.commit = branch, commit
    return report


def _merge_without_overwriting(rendered: Path, project: Path, report: AdoptReport) -> None:
    for src in sorted(rendered.rglob("*")):
        if not src.is_file() or ".git" in src.relative_to(rendered).parts:
            continue
        rel = src.relative_to(rendered).as_posix()
        dest = project / rel
        blocked = dest.exists() or dest.is_symlink() or _file_in_the_way(project, dest)
        if not blocked:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            report.added.append(rel)
        elif dest.is_file() and dest.read_bytes() == src.read_bytes():
            report.identical.append(rel)
        else:
            report.kept.append(rel)


def _file_in_the_way(project: Path, dest: Path) -> bool:
    """True when a parent of ``dest`` inside the project is a file (or a link)."""
    parent = dest.parent
    while parent != project and project in parent.parents:
        if parent.is_file() or parent.is_symlink():
            return True
        parent = parent.parent
    return False


# ---------------------------------------------------------------------------
# Inferring answers from an existing repo
# ---------------------------------------------------------------------------


def infer_answers(path: Path, template: Template | None = None) -> dict[str, Any]:
    """Answers read from the repo's own files; only what can be found is returned."""
    meta = _project_metadata(path)
    answers: dict[str, Any] = {}
    name = str(meta.get("name") or path.name)
    answers["project_name"] = name
    package = _package_name(path, name)
    if package:
        answers["package_name"] = package
    description = str(meta.get("description") or "").strip()
    if description:
        answers["description"] = description.splitlines()[0].strip()
    author = meta.get("author") or {}
    if author.get("name"):
        answers["author_name"] = author["name"]
    if author.get("email"):
        answers["author_email"] = author["email"]
    version = _python_version(str(meta.get("requires_python") or ""), template)
    if version:
        answers["python_version"] = version
    if (path / ".gitlab-ci.yml").is_file():
        answers["ci_provider"] = "gitlab"
    elif (path / ".github" / "workflows").is_dir():
        answers["ci_provider"] = "github"
    return answers


def _project_metadata(path: Path) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    pyproject = path / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        project = data.get("project") or data.get("tool", {}).get("poetry") or {}
        if isinstance(project, dict):
            meta["name"] = project.get("name")
            meta["description"] = project.get("description")
            meta["requires_python"] = project.get("requires-python")
            authors = project.get("authors") or []
            if authors and isinstance(authors[0], dict):
                meta["author"] = authors[0]
    setup_cfg = path / "setup.cfg"
    if not meta.get("name") and setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
            meta["name"] = parser.get("metadata", "name", fallback=None)
            meta["description"] = parser.get("metadata", "description", fallback=None)
        except configparser.Error:
            pass
    setup_py = path / "setup.py"
    if not meta.get("name") and setup_py.is_file():
        match = re.search(r"""name\s*=\s*["']([^"']+)["']""", setup_py.read_text(errors="ignore"))
        if match:
            meta["name"] = match.group(1)
    return {k: v for k, v in meta.items() if v}


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _package_name(path: Path, project_name: str) -> str | None:
    candidates = [
        init.parent.name
        for pattern in ("src/*/__init__.py", "*/__init__.py")
        for init in sorted(path.glob(pattern))
        if init.parent.name not in _NOT_PACKAGES and _PACKAGE_NAME.match(init.parent.name)
    ]
    wanted = _normalise(project_name)
    if wanted in candidates:
        return wanted
    if candidates:
        return candidates[0]
    return wanted if _PACKAGE_NAME.match(wanted) else None


def _python_version(requires: str, template: Template | None) -> str | None:
    match = re.search(r"3\.(\d+)", requires)
    if not match:
        return None
    version = f"3.{match.group(1)}"
    question = (template.config.get("python_version") if template else None) or {}
    choices = question.get("choices") if isinstance(question, dict) else None
    return version if not choices or version in choices else None
