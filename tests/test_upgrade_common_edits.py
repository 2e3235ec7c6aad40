"""The edits every team makes merge cleanly through data → model → pipeline.

A section appended to the README, a dependency in pyproject.toml, a key in
params.yaml and a stage appended to dvc.yaml are the most common changes to a
generated repo. Each upgrade must keep all of them without a conflict, and the
merged files must still parse.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import ANSWERS
from helpers import git, snapshot_template

from scaffold.new import create_repo
from scaffold.upgrade import upgrade_stage

ROOT = Path(__file__).resolve().parents[1]
README_SECTION = "\n## Our runbook\n\nPage the on-call data scientist when validation fails.\n"
DEPENDENCY = '    "rich==14.1.0",\n'
PARAM = "\nour_report:\n  top_n: 15\n"
DVC_STAGE = (
    "  our_export:\n"
    "    cmd: python -c \"print('export')\"\n"
    "    deps:\n"
    "      - data/processed/train.parquet\n"
)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(ROOT, tmp_path_factory.mktemp("snapshot") / "template")


def _append_after(path: Path, anchor: str, text: str) -> None:
    """Insert ``text`` right after the line holding ``anchor`` (where users add their own)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if anchor in line)
    path.write_text("".join([*lines[: at + 1], text, *lines[at + 1 :]]), encoding="utf-8")


def _make_common_edits(repo: Path) -> None:
    with (repo / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(README_SECTION)
    _append_after(repo / "pyproject.toml", "# Your own dependencies below", DEPENDENCY)
    with (repo / "params.yaml").open("a", encoding="utf-8") as params:
        params.write(PARAM)
    _append_after(repo / "dvc.yaml", "# Your own stages below", DVC_STAGE)
    git(repo, "commit", "-qam", "Our own runbook, dependency, parameter and stage")


def _assert_edits_kept(repo: Path, stage: str) -> None:
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert readme.endswith(README_SECTION), f"{stage}: README section moved or lost"
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    assert "rich==14.1.0" in pyproject["project"]["dependencies"], stage
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    assert params["our_report"] == {"top_n": 15}, stage
    assert "problem" in params, stage
    stages = yaml.safe_load((repo / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    assert "our_export" in stages, stage


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_common_edits_merge_cleanly_through_every_stage(
    snapshot: Path, tmp_path: Path, ci: str
) -> None:
    repo = tmp_path / "repo"
    answers = {**ANSWERS, "ci_provider": ci}
    create_repo(repo, "data-centric", data=answers, defaults=True, template=str(snapshot))
    _make_common_edits(repo)
    for stage in ("model-centric", "pipeline-centric"):
        report = upgrade_stage(repo, to=stage)
        assert report.exit_code == 0 and report.conflicted == [], report.to_text()
        git(repo, "merge", "-q", "--ff-only", report.branch)
        _assert_edits_kept(repo, stage)
