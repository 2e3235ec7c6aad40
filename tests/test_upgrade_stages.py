"""Upgrading real stage repos: the result equals a fresh render, and it still works."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import (
    ANSWERS,
    install_generated,
    make_runner,
    render,
)
from helpers import git, snapshot_template, tree

from scaffold.new import create_repo
from scaffold.stages import STAGES
from scaffold.upgrade import upgrade_stage

ROOT = Path(__file__).resolve().parents[1]
TRANSITIONS = list(itertools.pairwise(STAGES))
IDS = [f"{a}-to-{b}" for a, b in TRANSITIONS]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(ROOT, tmp_path_factory.mktemp("snapshot") / "template")


def create(snapshot: Path, stage: str, dest: Path, ci: str = "github") -> Path:
    data = {**ANSWERS, "ci_provider": ci}
    create_repo(dest, stage, data=data, defaults=True, template=str(snapshot))
    return dest


def checkout(repo: Path, branch: str) -> None:
    git(repo, "checkout", "-q", branch)


@pytest.mark.parametrize("ci", ["github", "gitlab"])
@pytest.mark.parametrize(("before", "after"), TRANSITIONS, ids=IDS)
def test_upgrade_gives_the_same_tree_as_creating_at_the_next_stage(
    snapshot: Path, tmp_path: Path, before: str, after: str, ci: str
) -> None:
    upgraded = create(snapshot, before, tmp_path / "upgraded", ci)
    report = upgrade_stage(upgraded, to=after)
    assert report.exit_code == 0, report.to_text()
    assert report.conflicted == []
    checkout(upgraded, report.branch)
    fresh = create(snapshot, after, tmp_path / "fresh", ci)
    assert tree(upgraded) == tree(fresh)


def test_upgrade_through_every_stage_at_once(snapshot: Path, tmp_path: Path) -> None:
    repo = create(snapshot, STAGES[0], tmp_path / "repo")
    report = upgrade_stage(repo, to=STAGES[-1])
    assert report.exit_code == 0, report.to_text()
    checkout(repo, report.branch)
    assert tree(repo) == tree(create(snapshot, STAGES[-1], tmp_path / "fresh"))


@pytest.mark.slow
@pytest.mark.parametrize(("before", "after"), TRANSITIONS, ids=IDS)
def test_upgraded_repo_passes_its_own_tests_and_pipeline(
    snapshot: Path, tmp_path: Path, generated_venv: Path, before: str, after: str
) -> None:
    repo = create(snapshot, before, tmp_path / "repo")
    report = upgrade_stage(repo, to=after)
    assert report.exit_code == 0, report.to_text()
    checkout(repo, report.branch)
    install_generated(repo, generated_venv)
    run = make_runner(repo, generated_venv)
    result = run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", timeout=1200)
    assert " passed" in result.stdout
    run("dvc", "repro", timeout=1800)


def test_render_helper_matches_create(tmp_path: Path) -> None:
    # The differential tests above build from a snapshot; the snapshot must render
    # what the working checkout renders.
    snap = snapshot_template(ROOT, tmp_path / "snap")
    a = render("data-centric", tmp_path / "a", git=False)
    b = tmp_path / "b"
    create_repo(
        b,
        "data-centric",
        data={**ANSWERS, "ci_provider": "github"},
        defaults=True,
        template=str(snap),
        git=False,
    )
    strip = {".copier-answers.yml"}
    assert {k: v for k, v in tree(a).items() if k not in strip} == {
        k: v for k, v in tree(b).items() if k not in strip
    }
