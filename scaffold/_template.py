"""Locating the template source and reading facts from its ``copier.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from scaffold._copier import is_url
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
