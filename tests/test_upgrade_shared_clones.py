"""Upgrade and update clone each template version once, and get what copier's own clones give.

Copier clones (and checks out) the template for every template object it makes,
five for the two versions of one update; scaffold shares one clone per version
(``shared_template_clones``). The branch must be the same as with copier's own
clones, and no clone may be left behind.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import copier._template
import pytest
from helpers import commit_all, generate, git
from synthetic_template import build_synthetic_template

import scaffold.upgrade
from scaffold.upgrade import upgrade_stage


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_template(tmp_path_factory.mktemp("tpl") / "template")


def _edited(template: Path, dest: Path) -> Path:
    repo = generate(template, dest, "a")
    with (repo / "notebooks/explore.md").open("a") as fh:
        fh.write("Our findings.\n")
    commit_all(repo)
    return repo


def _counting_clones(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    made: list[tuple[str, str]] = []
    real = copier._template.clone

    def clone(url: str, ref: str = "HEAD", location: str | None = None) -> str:
        made.append((url, ref))
        return real(url, ref, location=location)

    monkeypatch.setattr(copier._template, "clone", clone)
    return made


def test_each_version_is_cloned_once_and_the_branch_is_the_same(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again

    repo = _edited(template, tmp_path / "one")
    shared_clones = _counting_clones(monkeypatch)
    shared = upgrade_stage(repo, to="c")  # two steps: a -> b -> c
    assert len(shared_clones) == len(set(shared_clones))  # one clone per (source, ref)
    assert len(shared_clones) <= 2  # the repo's version and the target's
    shared_count = len(shared_clones)

    @contextlib.contextmanager
    def unshared(directory: Path) -> Iterator[None]:
        yield

    monkeypatch.setattr(scaffold.upgrade, "shared_template_clones", unshared)
    repo = _edited(template, tmp_path / "two")
    own_clones = _counting_clones(monkeypatch)
    own = upgrade_stage(repo, to="c")
    assert len(own_clones) > shared_count  # what sharing saves

    same = {"path": None, "commit": None}  # other repos, other commit times
    assert shared.to_dict() | same == own.to_dict() | same
    one = git(tmp_path / "one", "rev-parse", f"{shared.branch}^{{tree}}")
    two = git(tmp_path / "two", "rev-parse", f"{own.branch}^{{tree}}")
    assert one == two
    left = [p.name for p in (tmp_path / "tmp").iterdir() if not p.name.startswith("generated-")]
    assert left == []  # every clone and scratch directory removed (generate() keeps its own)


def test_copier_is_restored_after_an_upgrade_that_fails(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = copier._template.clone
    repo = _edited(template, tmp_path / "repo")

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("copier broke")

    monkeypatch.setattr(copier, "run_update", failing)
    with pytest.raises(scaffold.upgrade.UpgradeError):
        upgrade_stage(repo, to="b")
    assert copier._template.clone is real
