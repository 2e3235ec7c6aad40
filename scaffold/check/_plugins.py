"""Checks from other repo-review plugins, such as an organisation's own package.

An organisation ships its checks as a repo-review plugin (entry points
``repo_review.checks``, and optionally ``repo_review.fixtures`` and
``repo_review.families``, exactly as ``scaffold`` declares its own). Every
installed plugin's checks run in ``scaffold check`` and ``scaffold fleet check``
next to ours. They belong to no maturity stage: they never change the stage a
repo meets, but a failing one fails the check (exit 1).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from repo_review.fixtures import apply_fixtures

#: The stage reported for checks that come from other plugins.
ORGANISATION = "organisation"

#: Our own entry point name in each group (``pyproject.toml``).
_OURS = "scaffold"


@cache
def _loaded(group: str) -> tuple[tuple[str, Callable[..., Any]], ...]:
    """Every installed entry point of ``group`` except ours, loaded once per process."""
    ours = {"repo_review.checks": {_OURS}, "repo_review.families": {_OURS}}.get(group, set())
    found = []
    for ep in importlib.metadata.entry_points(group=group):
        if ep.name in ours or ep.value.startswith("scaffold."):
            continue
        found.append((ep.name, ep.load()))
    return tuple(found)


def plugin_fixtures() -> dict[str, Callable[..., Any]]:
    """Fixtures other plugins declare (ours are added by the runner)."""
    return dict(_loaded("repo_review.fixtures"))


def plugin_checks(fixtures: Mapping[str, Any]) -> dict[str, Any]:
    """Checks other plugins provide, keyed by ID, given the computed fixtures."""
    checks: dict[str, Any] = {}
    for _name, func in _loaded("repo_review.checks"):
        checks.update(apply_fixtures(fixtures, func))
    return checks


def plugin_families(fixtures: Mapping[str, Any]) -> dict[str, Any]:
    families: dict[str, Any] = {}
    for _name, func in _loaded("repo_review.families"):
        families.update(apply_fixtures(fixtures, func))
    return families


def clear_cache() -> None:
    """Forget loaded plugins (after installing one in the running process)."""
    _loaded.cache_clear()
