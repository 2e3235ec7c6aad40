"""The checks, one module per maturity stage, and repo-review's entry points.

``data_centric``, ``model_centric`` and ``pipeline_centric`` each hold one family;
``services`` holds the shared-service checks of every family. Within a module the
checks are grouped by concern (the tens digit of the ID), each group named in the
module's ``CONCERNS``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from scaffold.check.checks import data_centric, model_centric, pipeline_centric, services
from scaffold.check.checks._base import FAMILY_BASES, StageCheck
from scaffold.stages import STAGE_TABLE, STAGES

__all__ = ["CONCERNS", "STAGES", "StageCheck", "repo_review_checks", "repo_review_families"]

#: Every concern group, by ID prefix (family and two digits), e.g. ``"DC12": "Data contract"``.
CONCERNS: dict[str, str] = {
    **data_centric.CONCERNS,
    **model_centric.CONCERNS,
    **pipeline_centric.CONCERNS,
    **services.CONCERNS,
}


def repo_review_checks() -> dict[str, StageCheck]:
    """Entry point ``repo_review.checks``: every check, keyed by ID."""
    classes = tuple(cls for base in FAMILY_BASES for cls in base.__subclasses__())
    return dict(_instances(classes))


@cache
def _instances(classes: tuple[type[StageCheck], ...]) -> tuple[tuple[str, StageCheck], ...]:
    """One instance of each check class (they hold no state), made once per set of classes."""
    return tuple((cls.__name__, cls()) for cls in classes)


def repo_review_families() -> dict[str, dict[str, Any]]:
    """Entry point ``repo_review.families``: one family per stage, in maturity order."""
    return {
        stage.family: {"name": stage.title, "order": stage.digit, "description": stage.question}
        for stage in STAGE_TABLE
    }
