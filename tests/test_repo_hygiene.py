"""This repository itself: lint-clean, and each fact written once is written alike elsewhere."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import ROOT

import scaffold
from scaffold._template import Template
from scaffold.check.fixtures import FIXTURES
from scaffold.stages import STAGE_TABLE, STAGES

RUFF = Path(sys.executable).parent / "ruff"
PYTHON_DIRS = ["scaffold", "tests", "benchmarks", "scripts"]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_ruff_lint_and_format_are_clean() -> None:
    for cmd in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(RUFF), *cmd, *PYTHON_DIRS], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_stage_question_offers_exactly_the_stage_directories() -> None:
    offered = Template(str(ROOT)).stages
    on_disk = {
        p.name for p in (ROOT / "templates").iterdir() if p.is_dir() and not p.name.startswith("_")
    }
    assert set(offered) == on_disk
    assert offered[0] == "data-centric"


def test_copier_yml_offers_the_stage_table_with_its_questions() -> None:
    choices = Template(str(ROOT)).config["stage"]["choices"]
    assert tuple(choices.values()) == STAGES
    for label, stage in zip(choices, STAGE_TABLE, strict=True):
        assert label.lower().endswith(stage.question.lower()), label


def test_entry_points_list_every_fixture() -> None:
    """repo-review brings its own ``pyproject``; every other fixture is an entry point."""
    declared = PYPROJECT["project"]["entry-points"]["repo_review.fixtures"]
    assert set(declared) == set(FIXTURES) - {"pyproject"}
    for name, target in declared.items():
        assert target == f"scaffold.check.fixtures:{name}"


def test_version_is_written_once() -> None:
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "scaffold/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+", scaffold.__version__)


def test_the_package_holds_no_test_scaffolding() -> None:
    for path in (ROOT / "scaffold").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from) (pytest|hypothesis|helpers)\b", text, re.M), path
        assert "scenario" not in path.name, path
