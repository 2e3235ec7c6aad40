"""Inside each generated repo, as a user would: install, test, pre-commit, pipeline, CI lint."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import (
    ANSWERS,
    CI_PROVIDERS,
    STAGES,
    Runner,
    install_generated,
    make_runner,
    render,
    stage_exists,
)

pytestmark = pytest.mark.slow
PKG = ANSWERS["package_name"]
TOOLS = Path(sys.executable).parent
CASES = [(stage, ci) for stage in STAGES if stage_exists(stage) for ci in CI_PROVIDERS]


@dataclass
class Generated:
    stage: str
    ci: str
    path: Path
    run: Runner

    def git_status(self) -> str:
        return self.run("git", "status", "--porcelain", "--untracked-files=all").stdout


@pytest.fixture(scope="module", params=CASES, ids=[f"{s}-{ci}" for s, ci in CASES])
def repo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, generated_venv: Path
) -> Generated:
    stage, ci = request.param
    path = render(stage, tmp_path_factory.mktemp("gen") / f"{stage}-{ci}", ci_provider=ci)
    install_generated(path, generated_venv)
    return Generated(stage, ci, path, make_runner(path, generated_venv))


def test_its_own_tests_pass(repo: Generated) -> None:
    result = repo.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_pre_commit_passes_and_changes_nothing(repo: Generated) -> None:
    repo.run("pre-commit", "run", "--all-files", "--show-diff-on-failure", timeout=1800)
    assert repo.git_status() == ""


def test_ci_config_is_valid(repo: Generated) -> None:
    if repo.ci == "github":
        workflows = sorted((repo.path / ".github" / "workflows").glob("*.yml"))
        assert workflows
        repo.run(str(TOOLS / "actionlint"), *map(str, workflows))
    else:
        repo.run(
            str(TOOLS / "check-jsonschema"),
            "--builtin-schema",
            "vendor.gitlab-ci",
            ".gitlab-ci.yml",
        )


def test_pipeline_runs_end_to_end_and_pushes(repo: Generated) -> None:
    repo.run("dvc", "repro", timeout=1800)
    status = repo.run("dvc", "status").stdout
    assert "up to date" in status.lower()
    repo.run("dvc", "push")
    # Only the lock file is new: data and reports stay out of git.
    changed = {line[3:] for line in repo.git_status().splitlines()}
    assert changed <= {"dvc.lock"}, changed
    assert any((repo.path / "data" / "processed").iterdir())


def test_report_command_writes_a_report_with_a_figure(repo: Generated) -> None:
    repo.run("dvc", "repro", timeout=1800)
    repo.run(PKG, "report")
    reports = repo.path / "reports"
    assert any(p.suffix in {".md", ".html"} for p in reports.rglob("*"))
    assert any(p.suffix in {".png", ".svg"} for p in reports.rglob("*"))


def test_cli_help_lists_the_stage_commands(repo: Generated) -> None:
    out = repo.run(PKG, "--help").stdout
    for command in ("ingest", "validate", "prepare", "report"):
        assert command in out


def test_git_is_clean_after_generation(repo: Generated) -> None:
    # The first commit holds everything the template produced.
    first = subprocess.run(
        ["git", "log", "--format=%s"], cwd=repo.path, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert first[-1].startswith("Create ")


MLFLOW_PROBE = """
import mlflow
from mlflow import MlflowClient

mlflow.set_tracking_uri("sqlite:///mlflow.db")
client = MlflowClient()
runs = client.search_runs(experiment_ids=[e.experiment_id for e in client.search_experiments()])
models = client.search_registered_models()
print(len(runs), len(models), sum(len(m.latest_versions or []) for m in models))
"""


def test_model_pipeline_leaves_metrics_a_run_and_a_registered_model(repo: Generated) -> None:
    if STAGES.index(repo.stage) < STAGES.index("model-centric"):
        pytest.skip("model development starts at model-centric")
    repo.run("dvc", "repro", timeout=1800)
    metrics = repo.run("dvc", "metrics", "show").stdout
    assert "roc_auc" in metrics
    repo.run("dvc", "plots", "show", "-o", str(repo.path / ".." / "plots"))
    runs, models, versions = map(int, repo.run("python", "-c", MLFLOW_PROBE).stdout.split())
    assert runs >= 1
    assert models >= 1
    assert versions >= 1
    assert (repo.path / "reports" / "model_card.md").is_file()
