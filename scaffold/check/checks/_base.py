"""What every check shares: its family and stage, the checks it requires, its ``url``.

A check is a small class: its docstring is its title, its ``check()`` docstring
the failure message (a returned string replaces it with specifics), and its
parameters name the fixtures it reads. IDs are the family prefix and three
digits: the stage (``StageFacts.digit``), the concern group, the check. Each
family base class below takes its facts from ``scaffold.stages``.
"""

from __future__ import annotations

from typing import ClassVar

from scaffold.check.fixtures import keep_signature
from scaffold.stages import BY_NAME, StageFacts

#: The check list in the README, generated from the code by ``scripts/check_list.py``.
#: repo-review fills in ``{name}`` with the check ID, the anchor of its entry. The
#: link is relative to the project's README wherever it is published, so no host
#: is assumed.
CHECK_LIST_URL = "README.md#{name}"


class StageCheck:
    """Base of the three family classes; not a check itself."""

    facts: ClassVar[StageFacts]
    family: ClassVar[str]
    stage: ClassVar[str]
    principle: ClassVar[str]
    requires: ClassVar[frozenset[str]] = frozenset()
    url: ClassVar[str] = CHECK_LIST_URL

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "facts" in cls.__dict__:
            cls.family, cls.stage = cls.facts.family, cls.facts.name
        if "check" in cls.__dict__:
            keep_signature(cls.check)


class DataCentric(StageCheck):
    facts = BY_NAME["data-centric"]


class ModelCentric(StageCheck):
    facts = BY_NAME["model-centric"]


class PipelineCentric(StageCheck):
    facts = BY_NAME["pipeline-centric"]


FAMILY_BASES: tuple[type[StageCheck], ...] = (DataCentric, ModelCentric, PipelineCentric)
