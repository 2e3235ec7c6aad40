"""Strict parsing of merged configuration files: a clean text merge is not a valid file.

A 3-way merge can interleave the user's lines and the template's without a
conflict and still produce a file no tool accepts: a ``dvc.yaml`` with the
``train`` stage twice, a ``pyproject.toml`` pinning a package twice. Each file an
upgrade changes is parsed here with duplicate keys as errors; a problem is
reported as a conflict naming the file and the reason.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

__all__ = ["file_problem", "text_problem"]


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that repeats a key."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key; the base class reports it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(text: str) -> str | None:
    try:
        for _ in yaml.load_all(text, Loader=_StrictLoader):
            pass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return f"invalid YAML: {problem}{where}"
    return None


def _json_problem(text: str) -> str | None:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"duplicate key {key!r}")
        return dict(pairs)

    try:
        json.loads(text, object_pairs_hook=no_duplicates)
    except ValueError as exc:
        return f"invalid JSON: {str(exc).splitlines()[0]}"
    return None


def _duplicate_requirements(requirements: Any) -> list[str]:
    if not isinstance(requirements, list):
        return []
    names: dict[str, int] = {}
    for spec in requirements:
        try:
            req = Requirement(str(spec))
        except InvalidRequirement:
            continue
        if req.marker is None:  # the same name under different markers is legitimate
            name = canonicalize_name(req.name)
            names[name] = names.get(name, 0) + 1
    return sorted(name for name, count in names.items() if count > 1)


def _toml_problem(text: str, name: str) -> str | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return f"invalid TOML: {str(exc).splitlines()[0]}"
    if name != "pyproject.toml":
        return None
    project = data.get("project")
    if not isinstance(project, dict):
        return None
    groups: dict[str, Any] = {"dependencies": project.get("dependencies")}
    extras = project.get("optional-dependencies")
    if isinstance(extras, dict):
        groups.update({f"optional-dependencies.{k}": v for k, v in extras.items()})
    for group, requirements in groups.items():
        duplicates = _duplicate_requirements(requirements)
        if duplicates:
            return f"[project] {group} lists {', '.join(duplicates)} more than once"
    return None


_JUDGED = frozenset({".toml", ".yaml", ".yml", ".json"})


def text_problem(name: str, text: str) -> str | None:
    """Why ``text``, the content of a file called ``name``, would be rejected; None if valid.

    Only TOML, YAML and JSON files are judged; any other file is valid here.
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".toml":
        return _toml_problem(text, Path(name).name)
    if suffix == ".json":
        return _json_problem(text)
    if suffix in {".yaml", ".yml"}:
        return _yaml_problem(text)
    return None


def file_problem(path: Path) -> str | None:
    """:func:`text_problem` for the file at ``path`` (None when it is missing)."""
    if path.suffix.lower() not in _JUDGED or not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"unreadable: {type(exc).__name__}"
    return text_problem(path.name, text)
