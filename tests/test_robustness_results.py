"""Issue 12, silently broken results: an exit 0 must mean the branch holds the whole result.

Each test builds the situation a careless user creates (an ignore rule, a merge that
duplicates keys, a renamed package, a huge data directory), runs the command once and
asserts on what lands in git and on the exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import build_file_tree, commit_all, generate, git, init_repo
from synthetic_template import build_synthetic_template

from scaffold.adopt import adopt_repo
from scaffold.cli import main as cli
from scaffold.errors import EXIT_CONFLICT, EXIT_USER_ERROR, UserError
from scaffold.new import create_repo
from scaffold.upgrade import upgrade_stage


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_template(tmp_path_factory.mktemp("tpl") / "template")


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    return generate(template, tmp_path / "repo", "a")


def tracked(repo: Path, rev: str) -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", rev).splitlines())


# ---------------------------------------------------------------------------
# Item 1: ignore rules never drop rendered files from the commit
# ---------------------------------------------------------------------------


def test_upgrade_commits_rendered_files_the_repo_ignores(repo: Path) -> None:
    (repo / ".gitignore").write_text("train.py\n")
    commit_all(repo, "ignore train.py")

    report = upgrade_stage(repo)

    assert "src/demo/train.py" in report.added
    assert "src/demo/train.py" in tracked(repo, report.branch)


def test_adopt_commits_rendered_files_the_repo_ignores(template: Path, tmp_path: Path) -> None:
    repo = build_file_tree(tmp_path / "plain", {".gitignore": "src/\nnotebooks/\n", "x.txt": "x"})
    init_repo(repo)

    report = adopt_repo(repo, "a", template=str(template), data={"package_name": "demo"})

    on_branch = tracked(repo, report.branch)
    assert set(report.added) <= on_branch
    assert {"src/demo/schema.py", "notebooks/explore.md"} <= on_branch


def test_new_commits_files_the_global_excludes_match(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    excludes = tmp_path / "excludes"
    excludes.write_text("*.md\n")
    config = tmp_path / "gitconfig"
    config.write_text(f"[core]\n\texcludesFile = {excludes}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))

    made = create_repo(tmp_path / "new", "a", defaults=True, template=str(template))

    assert set(made.files) == tracked(made.path, "HEAD")
    assert "README.md" in made.files
