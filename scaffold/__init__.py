"""mlops-scaffold: create, upgrade and check ML repositories at three maturity stages."""

from scaffold.errors import ScaffoldError, UserError
from scaffold.new import NewRepo, create_repo

__all__ = ["NewRepo", "ScaffoldError", "UserError", "create_repo"]
__version__ = "0.1.0"
