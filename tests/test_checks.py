"""Every check is well formed, has cases in its stage's test module, and is in the README."""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

import pytest
from conftest import ROOT
from repo_review.checks import get_check_url

from scaffold.check.checks import CONCERNS, repo_review_checks, repo_review_families
from scaffold.stages import BY_FAMILY, STAGE_TABLE, STAGES

CHECKS = repo_review_checks()


def _case_module(stage: str) -> ModuleType:
    """The test module of a stage's checks, e.g. ``test_checks_data_centric``."""
    return importlib.import_module(f"test_checks_{stage.replace('-', '_')}")


#: Test modules holding the cases of checks that span stages (the shared-service checks).
CROSS_STAGE_CASES = ("test_service_settings",)


def _case_ids(stage: str, kind: str) -> set[str]:
    """IDs with a ``kind`` (PASSING/FAILING) case: the stage's module and the cross-stage ones."""
    ids = {c for c, _, _ in getattr(_case_module(stage), kind)}
    for name in CROSS_STAGE_CASES:
        cases = getattr(importlib.import_module(name), kind)
        ids |= {c for c, _, _ in cases if CHECKS[c].stage == stage}
    return ids


@pytest.mark.parametrize("stage", STAGES)
def test_every_check_has_a_passing_and_a_failing_case_in_its_stage_module(stage: str) -> None:
    of_stage = {name for name, check in CHECKS.items() if check.stage == stage}
    assert of_stage, f"{stage} has no checks"
    assert _case_ids(stage, "PASSING") == of_stage
    assert _case_ids(stage, "FAILING") == of_stage


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_check_is_well_formed(check_id: str) -> None:
    check = CHECKS[check_id]
    facts = BY_FAMILY[check.family]
    assert check.family in repo_review_families()
    assert check_id[: len(check.family) + 1] == f"{facts.family}{facts.digit}"
    assert check.stage == facts.name
    assert check_id[:-1] in CONCERNS, "its concern group (tens digit) has no name"
    assert check.__doc__ and check.__doc__.strip() == check.__doc__.strip().splitlines()[0]
    assert check.check.__doc__ and check.check.__doc__.strip()
    assert check.principle
    assert isinstance(check.requires, frozenset) and check.requires <= set(CHECKS)
    later = [r for r in check.requires if STAGES.index(CHECKS[r].stage) > STAGES.index(check.stage)]
    assert not later, "a check may only require checks of its own or earlier stages"


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_check_url_points_at_its_entry_in_the_readme(check_id: str) -> None:
    url = get_check_url(check_id, CHECKS[check_id])
    assert url.endswith(f"README.md#{check_id}")
    assert f'<a id="{check_id}"></a>' in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_check_list_is_generated_from_the_code() -> None:
    script = ROOT / "scripts" / "check_list.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_families_follow_the_stage_table() -> None:
    families = repo_review_families()
    assert list(families) == [stage.family for stage in STAGE_TABLE]
    assert [f["order"] for f in families.values()] == [stage.digit for stage in STAGE_TABLE]
