"""mlops-scaffold: create, upgrade and check ML repositories at three maturity stages.

The public names are imported on first use, so that ``import scaffold`` (which the
``scaffold`` command does first) is instant and a Ctrl-C while the heavy
libraries load is handled by the command rather than ending in a traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffold.adopt import AdoptReport, adopt_repo
    from scaffold.check import CheckReport, check_repo
    from scaffold.errors import ScaffoldError, UserError
    from scaffold.new import NewRepo, create_repo
    from scaffold.upgrade import UpgradeReport, update_template, upgrade_stage

_HOMES = {
    "AdoptReport": "scaffold.adopt",
    "adopt_repo": "scaffold.adopt",
    "CheckReport": "scaffold.check",
    "check_repo": "scaffold.check",
    "ScaffoldError": "scaffold.errors",
    "UserError": "scaffold.errors",
    "NewRepo": "scaffold.new",
    "create_repo": "scaffold.new",
    "UpgradeReport": "scaffold.upgrade",
    "update_template": "scaffold.upgrade",
    "upgrade_stage": "scaffold.upgrade",
}

__all__ = [
    "AdoptReport",
    "CheckReport",
    "NewRepo",
    "ScaffoldError",
    "UpgradeReport",
    "UserError",
    "adopt_repo",
    "check_repo",
    "create_repo",
    "update_template",
    "upgrade_stage",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'scaffold' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
