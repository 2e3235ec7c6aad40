"""The old version's files come from copier's own render; rendering them again gives the same.

Upgrade and update read the files of copier's render of the repo's recorded
version (kept, removed, not recreated are decided from them). When copier's
render cannot be read, scaffold renders that version itself: both ways must
give the same report and the same branch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import commit_all, generate, git
from synthetic_template import build_synthetic_template

import scaffold.upgrade
from scaffold.upgrade import upgrade_stage


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_template(tmp_path_factory.mktemp("tpl") / "template")


def _edited(template: Path, dest: Path) -> Path:
    """A repo with an edited file the next stage drops, an untouched one it drops,
    and a generated file renamed by the user."""
    repo = generate(template, dest, "a")
    with (repo / "notebooks/explore.md").open("a") as fh:
        fh.write("Our findings.\n")
    git(repo, "mv", "src/demo/cli.py", "src/demo/commands.py")
    commit_all(repo)
    return repo


def test_copier_render_and_own_render_give_the_same_upgrade(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    real = scaffold.upgrade.update_project

    def reading(*args: Any, **kwargs: Any) -> Any:
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(scaffold.upgrade, "update_project", reading)
    from_copier = upgrade_stage(_edited(template, tmp_path / "one"), to="c")
    assert seen and all(files for files in seen)  # copier's render was read at each step

    monkeypatch.setattr(
        scaffold.upgrade, "update_project", lambda *a, **k: (real(*a, **k), None)[1]
    )
    rendered = upgrade_stage(_edited(template, tmp_path / "two"), to="c")

    assert from_copier.kept == rendered.kept == ["notebooks/explore.md"]
    assert "src/demo/legacy.py" in from_copier.removed
    assert from_copier.removed == rendered.removed
    assert from_copier.not_recreated == rendered.not_recreated == ["src/demo/cli.py"]
    one = git(tmp_path / "one", "rev-parse", f"{from_copier.branch}^{{tree}}")
    two = git(tmp_path / "two", "rev-parse", f"{rendered.branch}^{{tree}}")
    assert one == two
