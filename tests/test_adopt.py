"""`scaffold adopt`: an existing repo comes under management and nothing of it is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import git, snapshot_template, tree

from scaffold.adopt import adopt_repo, infer_answers
from scaffold.check import check_repo
from scaffold.cli import main
from scaffold.upgrade import upgrade_stage

ROOT = Path(__file__).resolve().parents[1]

# A repo laid out the way cookiecutter-data-science (v2) lays projects out,
# written here by hand: its own package at the top level, its own README,
# pyproject, Makefile, .gitignore and data folders.
CCDS_FILES = {
    "README.md": "# Churn analysis\n\nOur analysis of why customers leave.\n",
    "pyproject.toml": (
        "[build-system]\n"
        'requires = ["flit_core >=3.2,<4"]\n'
        'build-backend = "flit_core.buildapi"\n\n'
        "[project]\n"
        'name = "churn_analysis"\n'
        'version = "0.0.1"\n'
        'description = "Why do customers leave?"\n'
        'authors = [{ name = "Ana Analyst", email = "ana@example.org" }]\n'
        'requires-python = "~=3.11"\n'
    ),
    "Makefile": "requirements:\n\tpip install -e .\n",
    ".gitignore": "/data/\n__pycache__/\n",
    "data/raw/.gitkeep": "",
    "data/processed/.gitkeep": "",
    "data/external/.gitkeep": "",
    "models/.gitkeep": "",
    "notebooks/1.0-aa-initial-exploration.ipynb": '{"cells": [], "metadata": {}, '
    '"nbformat": 4, "nbformat_minor": 5}\n',
    "references/.gitkeep": "",
    "reports/figures/.gitkeep": "",
    "churn_analysis/__init__.py": "",
    "churn_analysis/config.py": "from pathlib import Path\n\nDATA_DIR = Path('data')\n",
    "churn_analysis/dataset.py": "def load():\n    return []\n",
    "churn_analysis/features.py": "def build(rows):\n    return rows\n",
    "churn_analysis/modeling/__init__.py": "",
    "churn_analysis/modeling/train.py": "def train():\n    return 'model'\n",
    "churn_analysis/modeling/predict.py": "def predict():\n    return []\n",
    "tests/test_data.py": "def test_load():\n    assert True is not False\n",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(ROOT, tmp_path_factory.mktemp("tpl") / "template")


@pytest.fixture
def ccds(tmp_path: Path) -> Path:
    repo = tmp_path / "churn-analysis"
    for name, text in CCDS_FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "cookiecutter-data-science layout")
    return repo


def test_answers_are_inferred_from_the_repo(ccds: Path) -> None:
    answers = infer_answers(ccds)
    assert answers["project_name"] == "churn_analysis"
    assert answers["package_name"] == "churn_analysis"
    assert answers["description"] == "Why do customers leave?"
    assert answers["author_name"] == "Ana Analyst"
    assert answers["author_email"] == "ana@example.org"
    assert answers["python_version"] == "3.11"


def test_adopt_commits_on_a_branch_and_overwrites_nothing(ccds: Path, template: Path) -> None:
    before = tree(ccds)
    head = git(ccds, "rev-parse", "HEAD")
    report = adopt_repo(ccds, "data-centric", template=str(template))
    # The user's branch and working tree are untouched.
    assert git(ccds, "rev-parse", "HEAD") == head
    assert tree(ccds) == before
    git(ccds, "switch", "-q", report.branch)
    after = tree(ccds)
    for name, content in before.items():
        assert after[name] == content, name
    assert {"README.md", "pyproject.toml", ".gitignore"} <= set(report.kept)
    assert ".copier-answers.yml" in report.added
    assert "src/churn_analysis/data/schema.py" in report.added
    assert "stage: data-centric" in (ccds / ".copier-answers.yml").read_text()


def test_adopt_then_check_then_upgrade_keeps_every_original_file(
    ccds: Path, template: Path
) -> None:
    original = tree(ccds)
    report = adopt_repo(ccds, "data-centric", template=str(template))
    git(ccds, "merge", "-q", "--ff-only", report.branch)
    checked = check_repo(ccds)
    assert checked.declared_stage == "data-centric"
    upgrade = upgrade_stage(ccds, to="model-centric")
    git(ccds, "switch", "-q", upgrade.branch)
    after = tree(ccds)
    reported = set(upgrade.merged) | set(upgrade.conflicted) | set(upgrade.kept)
    for name, content in original.items():
        assert after.get(name) == content or name in reported, name


def _commit_answers_file(repo: Path) -> None:
    (repo / ".copier-answers.yml").write_text("stage: data-centric\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "answers")


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        pytest.param(lambda repo: (repo / "new.txt").write_text("x"), "untracked", id="dirty"),
        pytest.param(_commit_answers_file, "already", id="already-managed"),
    ],
)
def test_preflight_errors_change_nothing(
    ccds: Path, template: Path, capsys: pytest.CaptureFixture[str], setup, fragment: str
) -> None:
    setup(ccds)
    before = tree(ccds), git(ccds, "for-each-ref")
    code = main(["adopt", str(ccds), "--stage", "data-centric", "--template", str(template)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and fragment in err[0]
    assert (tree(ccds), git(ccds, "for-each-ref")) == before


def test_not_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("x")
    assert main(["adopt", str(tmp_path), "--stage", "data-centric"]) == 2
    assert "not a git repository" in capsys.readouterr().err


def test_unknown_stage(ccds: Path, template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["adopt", str(ccds), "--stage", "gold", "--template", str(template)])
    assert code == 2
    assert "unknown stage" in capsys.readouterr().err


def test_dry_run_changes_nothing(
    ccds: Path, template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = git(ccds, "for-each-ref")
    code = main(
        ["adopt", str(ccds), "--stage", "data-centric", "--template", str(template), "--dry-run"]
    )
    assert code == 0
    assert "Dry run" in capsys.readouterr().out
    assert git(ccds, "for-each-ref") == refs
