"""mlops-scaffold: create, upgrade and check ML repositories at three maturity stages."""

from scaffold.adopt import AdoptReport, adopt_repo
from scaffold.check import CheckReport, check_repo
from scaffold.errors import ScaffoldError, UserError
from scaffold.new import NewRepo, create_repo
from scaffold.upgrade import UpgradeReport, update_template, upgrade_stage

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
