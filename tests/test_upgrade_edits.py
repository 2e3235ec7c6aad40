"""Edit preservation: after an upgrade every edit is present, or reported as a conflict.

Scenarios are realistic edits (add a module, a dependency, a schema column,
change a param, edit README prose, delete or rename a generated file, edit a
file the next stage extends, edit a file the next stage drops) in seeded
combinations. The targets are parametrized by (template, profile, stage pair):
add an entry to ``TARGETS`` to run the same scenarios on the real templates.
"""

from __future__ import annotations

import functools
import os
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import upgrade_scenarios as sc
from helpers import commit_all, generate, show, snapshot_template
from synthetic_template import build_synthetic_template

from scaffold.upgrade import upgrade_stage


@dataclass(frozen=True)
class Target:
    """A template source (built on demand), its edit profile and one stage transition."""

    name: str
    build: Callable[[Path], Path]
    profile: sc.Profile
    from_stage: str
    to_stage: str
    random_scenarios: int = 100


ROOT = Path(__file__).resolve().parents[1]


def build_real_template(dest: Path) -> Path:
    """This checkout's templates, committed into a fresh repo (see snapshot_template)."""
    return snapshot_template(ROOT, dest)


TARGETS = [
    Target("synthetic-a-b", build_synthetic_template, sc.SYNTHETIC_PROFILE, "a", "b", 30),
    Target("synthetic-b-c", build_synthetic_template, sc.SYNTHETIC_PROFILE, "b", "c", 30),
    Target(
        "data-to-model",
        build_real_template,
        sc.DATA_CENTRIC_PROFILE,
        "data-centric",
        "model-centric",
    ),
    Target(
        "model-to-pipeline",
        build_real_template,
        sc.MODEL_CENTRIC_PROFILE,
        "model-centric",
        "pipeline-centric",
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    cache: dict[str, Path] = {}

    def get(target: Target) -> Path:
        key = target.build.__name__
        if key not in cache:
            cache[key] = target.build(tmp_path_factory.mktemp(key) / "template")
        return cache[key]

    return get  # type: ignore[return-value]


def _read(repo: Path, rev: str) -> Callable[[str], str | None]:
    return functools.partial(show, repo, rev)


def run_scenario(
    template: Path, target: Target, edits: tuple[str, ...], seed: int, where: Path
) -> list[str]:
    """Generate, edit, commit, upgrade; return the silent losses (empty when safe)."""
    repo = generate(template, where, target.from_stage)
    scenario = sc.apply_scenario(repo, target.profile, edits, seed)
    commit_all(repo, scenario.name)
    report = upgrade_stage(repo, to=target.to_stage)
    read = _read(repo, report.branch)
    losses = []
    for expectation in scenario.expectations:
        if expectation.holds(read):
            continue
        if report.exit_code != 0 and expectation.path in report.conflicted:
            continue  # reported, with a non-zero exit: not silent
        losses.append(f"{scenario.name}: {expectation}")
    return losses


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@pytest.mark.parametrize("edits", sc.STANDARD_SCENARIOS, ids=lambda e: "+".join(e))
def test_standard_edits_survive_the_upgrade(
    built: Callable[[Target], Path], target: Target, edits: tuple[str, ...], tmp_path: Path
) -> None:
    assert run_scenario(built(target), target, edits, seed=7, where=tmp_path / "repo") == []


def _run_batch(args: tuple[Path, Target, list[tuple[tuple[str, ...], int]], Path]) -> list[str]:
    template, target, batch, where = args
    losses: list[str] = []
    for edits, seed in batch:
        losses += run_scenario(template, target, edits, seed=seed, where=where / f"r{seed}")
    return losses


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_generated_edit_combinations_never_lose_an_edit(
    built: Callable[[Target], Path], target: Target, tmp_path: Path
) -> None:
    """Seeded combinations (100 per real transition, 200+ in all): zero silent losses.

    Scenarios are independent, so they run in one process per core.
    """
    rng = random.Random(f"edits-{target.name}")
    scenarios = [(sc.random_scenario_edits(rng), i) for i in range(target.random_scenarios)]
    workers = max(1, min(os.cpu_count() or 1, 4))
    batches = [scenarios[i::workers] for i in range(workers)]
    template = built(target)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_run_batch, [(template, target, b, tmp_path) for b in batches])
        losses = [loss for batch in results for loss in batch]
    assert losses == []
