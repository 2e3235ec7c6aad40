"""Issue 12, silently broken results: an exit 0 must mean the branch holds the whole result.

Each test builds the situation a careless user creates (an ignore rule, a merge that
duplicates keys, a renamed package, a huge data directory), runs the command once and
asserts on what lands in git and on the exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import build_file_tree, commit_all, git, init_repo

from scaffold.adopt import adopt_repo
from scaffold.cli import main as cli
from scaffold.errors import EXIT_CONFLICT, UserError
from scaffold.new import create_repo
from scaffold.upgrade import upgrade_stage


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


# ---------------------------------------------------------------------------
# Item 2: a merge that leaves an invalid file is a conflict, not "merged cleanly"
# ---------------------------------------------------------------------------


def test_upgrade_reports_a_duplicate_yaml_key_as_a_conflict(repo: Path) -> None:
    params = repo / "params.yaml"
    params.write_text("train:\n  epochs: 3\n" + params.read_text())
    commit_all(repo, "our own train params")

    report = upgrade_stage(repo)

    assert report.exit_code == EXIT_CONFLICT and report.status == "conflict"
    assert "params.yaml" in report.conflicted and "params.yaml" not in report.merged
    assert "duplicate key 'train'" in report.to_text()


def test_upgrade_reports_a_twice_pinned_dependency_as_a_conflict(repo: Path) -> None:
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text().replace(
        "# Your own dependencies below", '# Your own dependencies below\n    "scikit-learn>=1.4",'
    )
    pyproject.write_text(text)
    commit_all(repo, "our own scikit-learn pin")

    report = upgrade_stage(repo)

    assert report.exit_code == EXIT_CONFLICT
    assert "pyproject.toml" in report.conflicted
    assert "scikit-learn" in report.to_text() and "scikit-learn" in report.to_json()


def test_upgrade_cli_exits_3_on_an_invalid_merge(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = repo / "params.yaml"
    params.write_text("train:\n  epochs: 3\n" + params.read_text())
    commit_all(repo, "our own train params")

    assert cli(["upgrade", str(repo)]) == EXIT_CONFLICT
    assert "params.yaml" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# Item 5: a renamed package is refused with the fix, not upgraded into a ghost
# ---------------------------------------------------------------------------


def test_upgrade_refuses_a_renamed_package_and_names_the_fix(repo: Path) -> None:
    git(repo, "mv", "src/demo", "src/renamed")
    commit_all(repo, "rename the package")
    branches = git(repo, "branch", "--list")

    with pytest.raises(UserError, match=r"src/renamed.*package_name: renamed"):
        upgrade_stage(repo)
    assert git(repo, "branch", "--list") == branches

    answers = repo / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("package_name: demo", "package_name: renamed"))
    commit_all(repo, "record the new package name")
    report = upgrade_stage(repo)
    assert "src/renamed/train.py" in report.added
    assert not any(path.startswith("src/demo/") for path in tracked(repo, report.branch))
