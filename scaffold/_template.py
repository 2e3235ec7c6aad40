"""Locating the template source and reading facts from its ``copier.yml``."""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from scaffold._copier import ANSWERS_FILE, is_url
from scaffold.errors import UserError


def default_template_source() -> str:
    """The template shipped next to this package (a checkout of mlops-scaffold)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "copier.yml").is_file():
        raise UserError(
            "no template found next to the scaffold package; pass --template PATH_OR_URL"
        )
    return str(root)


def resolve_source(source: str | None) -> str:
    """Return ``source`` as an absolute path or a URL, checking that a path exists.

    Copier records the source in the answers file; a relative path there would
    break every later update, so local paths are always made absolute.
    """
    if source is None:
        return default_template_source()
    if is_url(source):
        return source
    path = Path(source).expanduser()
    if not path.exists():
        raise UserError(f"template source not found: {source}")
    path = path.resolve()
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise UserError(f"not a copier template (no copier.yml): {source}")
    return str(path)


@dataclass(frozen=True)
class Template:
    """A template source and the questions its ``copier.yml`` declares."""

    source: str

    @cached_property
    def config(self) -> dict[str, Any]:
        if is_url(self.source):
            return {}
        for name in ("copier.yml", "copier.yaml"):
            path = Path(self.source) / name
            if path.is_file():
                try:
                    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                except (yaml.YAMLError, UnicodeDecodeError) as exc:
                    mark = getattr(exc, "problem_mark", None)
                    where = f" (line {mark.line + 1})" if mark is not None else ""
                    raise UserError(f"the template's {path} is not valid YAML{where}") from None
                if not isinstance(data, dict):
                    raise UserError(f"the template's {path} must be a mapping of settings")
                return data
        return {}

    @cached_property
    def stages(self) -> tuple[str, ...]:
        """Stage names in maturity order, as offered by the ``stage`` question."""
        question = self.config.get("stage") or {}
        choices = question.get("choices") if isinstance(question, dict) else None
        if isinstance(choices, dict):
            return tuple(str(v) for v in choices.values())
        if isinstance(choices, list):
            return tuple(str(v) for v in choices)
        return ()

    def check_stage(self, stage: str) -> str:
        if self.stages and stage not in self.stages:
            raise UserError(f"unknown stage {stage!r}; choose one of: {', '.join(self.stages)}")
        if not is_url(self.source) and not (Path(self.source) / "templates" / stage).is_dir():
            raise UserError(f"template {self.source} has no directory templates/{stage}")
        return stage


# Import names of libraries the stages use whose distribution name differs.
_IMPORT_NAMES = frozenset({"sklearn", "yaml", "dotenv", "great_expectations", "jose", "PIL"})


def check_package_name(rendered: Path) -> None:
    """Refuse a ``package_name`` that would shadow the standard library or a dependency.

    ``import os`` or ``import pandas`` inside the generated package would find the
    project's own package first; read from the render, so a name copier derived
    from ``project_name`` is judged as well as an explicit one.
    """
    answers_path = rendered / ANSWERS_FILE
    try:
        answers = yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return
    package = answers.get("package_name") if isinstance(answers, dict) else None
    if not isinstance(package, str) or not package:
        return
    if package in sys.stdlib_module_names:
        raise UserError(
            f"package_name {package!r} shadows the standard library module {package}; "
            f"choose another, e.g. --data package_name={package}_project"
        )
    if package in _IMPORT_NAMES or package in _dependency_names(rendered / "pyproject.toml"):
        raise UserError(
            f"package_name {package!r} shadows a dependency of the generated project; "
            f"choose another, e.g. --data package_name={package}_project"
        )


def _dependency_names(pyproject: Path) -> set[str]:
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return set()
    specs = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        specs += list(extra)
    names = set()
    for spec in specs:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(spec))
        if match:
            names.add(re.sub(r"[-.]+", "_", match.group(1)).lower())
    return names
