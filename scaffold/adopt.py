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

import ast
import configparser
import json
import re
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffold._copier import ANSWERS_FILE, render_template, target_ref
from scaffold._git import commit_all, toplevel
from scaffold._preflight import check_branches_free, clean_repository
from scaffold._scratch import scratch_clone
from scaffold._template import Template, check_package_name, resolve_source
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
        raise UserError(_managed_message(repo.path / ANSWERS_FILE))
    source = resolve_source(template)
    tmpl = Template(source)
    tmpl.check_stage(stage)
    if toplevel(Path(source)) != Path(source).resolve():
        raise UserError(f"template source {source} is not the root of a git repository")
    ref, _commit = target_ref(source, vcs_ref)
    inferred, sources = _infer(repo.path, tmpl)
    asked = {k for k in tmpl.config if not k.startswith("_")}
    if asked:  # an inferred value for a question the template does not ask is no typo
        inferred = {k: v for k, v in inferred.items() if k in asked}
    sources = {k: v for k, v in sources.items() if k not in (data or {})}
    answers = {**inferred, **(data or {}), "stage": stage}
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
        try:
            rendered = render_template(
                source, clone.tmp / "render", answers, vcs_ref=ref, env=clone.env
            )
        except UserError as exc:
            raise _explain_inferred(exc, answers, sources) from exc
        check_package_name(rendered)
        _merge_without_overwriting(rendered, clone.project, report)
        if dry_run:
            return report
        commit = commit_all(clone.work, f"Adopt mlops-scaffold stage {stage}", clone.env)
        clone.publish(commit, branch)
    report.branch, report.commit = branch, commit
    return report


def _managed_message(answers_path: Path) -> str:
    """Why a repo with an answers file cannot be adopted, and what to do instead."""
    try:
        answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        answers = None
    if isinstance(answers, dict) and "stage" not in answers:
        return foreign_answers_message(answers)
    return f"{ANSWERS_FILE} already exists: the repo is managed; use scaffold upgrade or update"


def foreign_answers_message(answers: Mapping[str, Any]) -> str:
    """The repo was generated from another copier template: say so, and the way out."""
    source = answers.get("_src_path") or "an unknown source"
    return (
        f"{ANSWERS_FILE} records another copier template ({source}), not mlops-scaffold; "
        f"to adopt the repo, first keep that file under another name: git mv {ANSWERS_FILE} "
        ".copier-answers.other.yml && git commit (copier update --answers-file "
        ".copier-answers.other.yml still updates from it), then run scaffold adopt"
    )


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
    return _infer(path, template)[0]


def _infer(path: Path, template: Template | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The inferred answers and, for each, where it was read (for error messages)."""
    meta = _project_metadata(path)
    origin = meta.get("source", "pyproject.toml")
    answers: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def found(key: str, value: Any, source: str) -> None:
        answers[key] = value
        sources[key] = source

    if meta.get("name"):
        found("project_name", str(meta["name"]), f"the name in {origin}")
    else:
        found("project_name", path.name, "the directory name")
    package = _package_name(path, answers["project_name"])
    if package:
        found("package_name", package, f"the package directory or project name {package!r}")
    description = str(meta.get("description") or "").strip()
    if description:
        found("description", description.splitlines()[0].strip(), f"the description in {origin}")
    author = meta.get("author") or {}
    if author.get("name"):
        found("author_name", author["name"], "[project] authors in pyproject.toml")
    if author.get("email"):
        found("author_email", author["email"], "[project] authors in pyproject.toml")
    version = _python_version(str(meta.get("requires_python") or ""), template)
    if version:
        found("python_version", version, "requires-python in pyproject.toml")
    if (path / ".gitlab-ci.yml").is_file():
        found("ci_provider", "gitlab", ".gitlab-ci.yml")
    elif (path / ".github" / "workflows").is_dir():
        found("ci_provider", "github", ".github/workflows/")
    return answers, sources


def _explain_inferred(
    exc: UserError, answers: Mapping[str, Any], sources: Mapping[str, str]
) -> UserError:
    """Add to copier's validation error where an inferred answer came from and the override."""
    match = re.search(r"question '(\w+)'", str(exc))
    if not match:
        return exc
    key = match.group(1)
    if key in sources:
        why = f"{answers[key]!r} was inferred from {sources[key]}"
    elif key == "package_name" and "project_name" in sources:
        why = (
            f"it defaults from project_name {answers['project_name']!r}, inferred from "
            f"{sources['project_name']}"
        )
    else:
        return exc
    return UserError(f"{exc} ({why}); override it with --data {key}=VALUE")


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
            if meta["name"]:
                meta["source"] = "setup.cfg"
        except configparser.Error:
            pass
    setup_py = path / "setup.py"
    if not meta.get("name") and setup_py.is_file():
        arguments = _setup_arguments(setup_py.read_text(encoding="utf-8", errors="replace"))
        meta["name"] = arguments.get("name")
        meta["description"] = meta.get("description") or arguments.get("description")
        if meta["name"]:
            meta["source"] = "setup.py"
    return {k: v for k, v in meta.items() if v}


def _setup_arguments(source: str) -> dict[str, str]:
    """The string keyword arguments of the ``setup(...)`` call in a ``setup.py``.

    Read with ``ast`` (never run): a variable such as ``author_name = "Alice"``
    before the call is not the project's name.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "setup":
            return {
                kw.arg: kw.value.value
                for kw in node.keywords
                if kw.arg and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)
            }
    return {}


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
