"""Acme's organisation checks: every ML repo is in the service catalog and owned by Acme teams.

``catalog_entry`` is this plugin's own fixture; ``codeowners`` is a fixture
mlops-scaffold provides, which a plugin may read by naming it as a parameter.
"""

from __future__ import annotations

from typing import Any

import yaml

ORG = "@acme/"


def catalog_entry(root: Any) -> dict[str, Any] | None:
    """The repo's ``catalog-info.yaml`` (a service catalog entry), or ``None``."""
    path = root.joinpath("catalog-info.yaml")
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


class Acme:
    family = "ACME"


class ACME001(Acme):
    "Listed in the service catalog"

    @staticmethod
    def check(catalog_entry: dict[str, Any] | None) -> bool:
        """
        Add a `catalog-info.yaml` with `metadata.name` and `spec.owner`, so the
        repo shows up in Acme's service catalog.
        """
        if catalog_entry is None:
            return False
        metadata = catalog_entry.get("metadata") or {}
        spec = catalog_entry.get("spec") or {}
        return bool(metadata.get("name")) and bool(spec.get("owner"))


class ACME002(Acme):
    "Code owned by Acme teams"

    @staticmethod
    def check(codeowners: tuple[tuple[str, tuple[str, ...]], ...] | None) -> bool | str:
        """Every owner in `CODEOWNERS` must be an `@acme/` team."""
        if not codeowners:
            return "no CODEOWNERS rules"
        outsiders = sorted(
            {owner for _, owners in codeowners for owner in owners if not owner.startswith(ORG)}
        )
        if outsiders:
            return f"owners outside {ORG}: {', '.join(outsiders)}"
        return True


def repo_review_checks() -> dict[str, Acme]:
    return {cls.__name__: cls() for cls in Acme.__subclasses__()}


def repo_review_families() -> dict[str, dict[str, str]]:
    return {"ACME": {"name": "Acme platform"}}
