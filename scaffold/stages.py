"""The three maturity stages: one table, from which the stage list and check families derive.

``copier.yml`` offers the same stages (a test keeps the two in step); each stage's
content lives in ``templates/<name>/``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageFacts:
    """What the code needs to know about one maturity stage."""

    name: str  #: the ``stage`` answer and the template directory
    question: str  #: the question the stage answers for a team
    family: str  #: prefix of its check IDs (a repo-review family)
    digit: int  #: hundreds digit of its check IDs, also its order

    @property
    def title(self) -> str:
        """The family's display name, e.g. ``Data-centric``."""
        return self.name.capitalize()


STAGE_TABLE: tuple[StageFacts, ...] = (
    StageFacts("data-centric", "Can we trust and use our data?", "DC", 1),
    StageFacts("model-centric", "Which model, and can we reproduce it?", "MC", 2),
    StageFacts("pipeline-centric", "Can we retrain and redeploy safely, often?", "PC", 3),
)

#: Stage names in maturity order.
STAGES: tuple[str, ...] = tuple(stage.name for stage in STAGE_TABLE)

#: Stage facts by name and by check family.
BY_NAME: dict[str, StageFacts] = {stage.name: stage for stage in STAGE_TABLE}
BY_FAMILY: dict[str, StageFacts] = {stage.family: stage for stage in STAGE_TABLE}
