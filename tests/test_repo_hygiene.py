"""This repository itself: lint-clean, and every stage offered by copier.yml exists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from scaffold._template import Template

RUFF = Path(sys.executable).parent / "ruff"
PYTHON_DIRS = ["scaffold", "tests", "benchmarks"]


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
