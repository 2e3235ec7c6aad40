"""``scaffold check``: where a repository stands among the maturity stages.

The checks are a repo-review plugin (``checks``, ``fixtures``, families), so the
standalone ``repo-review`` command runs them too; ``check_repo`` runs them
directly and adds what repo-review does not know: the stage declared in the
answers file, the highest stage met, and what is missing for the next.
"""

from scaffold.check._format import FORMATS, format_report
from scaffold.check._runner import CheckReport, CheckResult, check_repo
from scaffold.check.checks import repo_review_checks, repo_review_families
from scaffold.stages import STAGES

__all__ = [
    "FORMATS",
    "STAGES",
    "CheckReport",
    "CheckResult",
    "check_repo",
    "format_report",
    "repo_review_checks",
    "repo_review_families",
]
