"""Inside each generated repo, as a user would: install, test, pre-commit, pipeline, CI lint."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import (
    ANSWERS,
    CI_PROVIDERS,
    Runner,
    choices,
    install_generated,
    make_runner,
    render,
    runner_env,
)
from helpers import git
from serving_probe import broken_record, http, request_example, serving

from scaffold.stages import STAGES

pytestmark = pytest.mark.slow
PKG = ANSWERS["package_name"]
TOOLS = Path(sys.executable).parent
# (stage, CI provider, orchestrator, task): every stage with each CI provider, and
# Prefect once. The sample's task rotates over the cases rather than multiplying
# them, so each task's sample trains a model at some stage; the rotation starts
# where forecasting lands on the first pipeline-centric case, whose batch, serving
# and drift differ most from the tabular tasks'.
TASKS = choices("task")
_BASE = [(stage, ci, "dvc") for stage in STAGES for ci in CI_PROVIDERS] + [
    ("pipeline-centric", "github", "prefect")
]
_FIRST_PIPELINE = next(i for i, case in enumerate(_BASE) if case[0] == "pipeline-centric")
_OFFSET = TASKS.index("forecasting") - _FIRST_PIPELINE
CASES = [(*case, TASKS[(i + _OFFSET) % len(TASKS)]) for i, case in enumerate(_BASE)]


@dataclass
class Generated:
    stage: str
    ci: str
    orchestrator: str
    task: str
    path: Path
    run: Runner
    venv: Path

    def at_least(self, stage: str) -> None:
        if STAGES.index(self.stage) < STAGES.index(stage):
            pytest.skip(f"starts at {stage}")

    def git_status(self) -> str:
        return self.run("git", "status", "--porcelain", "--untracked-files=all").stdout


# Under pytest-xdist (--dist loadgroup) all tests of one generated repo run on one
# worker, so each repo is generated and installed once.
PARAMS = [
    pytest.param(case, id="-".join(case), marks=pytest.mark.xdist_group("-".join(case)))
    for case in CASES
]


@pytest.fixture(scope="module", params=PARAMS)
def repo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, generated_venv: Path
) -> Generated:
    stage, ci, orchestrator, task = request.param
    answers = {"ci_provider": ci, "task": task}
    if stage == "pipeline-centric":
        answers["orchestrator"] = orchestrator
    path = render(stage, tmp_path_factory.mktemp("gen") / "-".join(request.param), **answers)
    install_generated(path, generated_venv)
    run = make_runner(path, generated_venv)
    return Generated(stage, ci, orchestrator, task, path, run, generated_venv)


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
    first = git(repo.path, "log", "--format=%s").splitlines()
    assert first[-1].startswith("Create ")


MLFLOW_PROBE = """
import sys

import mlflow
from mlflow import MlflowClient

mlflow.set_tracking_uri("sqlite:///mlflow.db")
client = MlflowClient()
runs = client.search_runs(experiment_ids=[e.experiment_id for e in client.search_experiments()])
models = client.search_registered_models()
metric = "test_" + sys.argv[1]
tested = sum(metric in run.data.metrics for run in runs)
print(len(runs), len(models), sum(len(m.latest_versions or []) for m in models), tested)
"""


def test_model_pipeline_leaves_metrics_a_run_and_a_registered_model(repo: Generated) -> None:
    repo.at_least("model-centric")
    repo.run("dvc", "repro", timeout=1800)
    metrics = repo.run("dvc", "metrics", "show").stdout
    headline = {
        "binary": "roc_auc",
        "multiclass": "f1_macro",
        "regression": "rmse",
        "forecasting": "mase",
    }
    assert headline[repo.task] in metrics
    repo.run("dvc", "plots", "show", "-o", str(repo.path / ".." / "plots"))
    probe = repo.run("python", "-c", MLFLOW_PROBE, headline[repo.task]).stdout
    runs, models, versions, tested = map(int, probe.split())
    assert runs >= 1
    assert models >= 1
    assert versions >= 1
    # The held-out metrics reach the training run: from evaluate, or at
    # pipeline-centric from the gate.
    assert tested >= 1
    assert (repo.path / "reports" / "model_card.md").is_file()


def test_served_model_answers_over_http(repo: Generated) -> None:
    repo.at_least("pipeline-centric")
    repo.run("dvc", "repro", timeout=1800)
    with serving([PKG, "serve"], repo.path, runner_env(repo.venv)) as base:
        status, metadata = http("GET", f"{base}/metadata")
        assert status == 200
        assert str(metadata.get("model_version") or metadata)
        _, openapi = http("GET", f"{base}/openapi.json")
        example = request_example(openapi)
        if repo.task == "forecasting":  # /forecast instead of /predict
            _forecasts_over_http(base, example)
            return
        status, single = http("POST", f"{base}/predict", example)
        assert status == 200, single
        status, batch = http("POST", f"{base}/predict", {"records": [example, example]})
        assert status == 200, batch
        status, error = http("POST", f"{base}/predict", broken_record(openapi))
        assert status == 422, error
    log = repo.path / "logs" / "predictions.jsonl"
    assert log.is_file() and len(log.read_text().splitlines()) >= 3


def _forecasts_over_http(base: str, example: dict[str, object]) -> None:
    """The advertised /forecast example answers every step; a bad horizon is refused."""
    status, answer = http("POST", f"{base}/forecast", example)
    assert status == 200, answer
    assert len(answer["forecasts"]) == answer["horizon"] * len(example.get("series") or [1])
    status, error = http("POST", f"{base}/forecast", {**example, "horizon": 0})
    assert status == 422, error


def test_drift_check_writes_a_verdict(repo: Generated) -> None:
    repo.at_least("pipeline-centric")
    repo.run("dvc", "repro", timeout=1800)
    repo.run(PKG, "drift", "--current", "data/processed/test.parquet", check=False, timeout=900)
    verdict = json.loads((repo.path / "reports" / "drift.json").read_text())
    assert verdict["status"] in {"drift", "no_drift"}
    assert any(p.suffix == ".html" for p in (repo.path / "reports").rglob("*drift*"))


def test_prefect_flow_retrains_in_process(repo: Generated) -> None:
    if repo.orchestrator != "prefect":
        pytest.skip("the Prefect flow is an option")
    env = {"PREFECT_HOME": str(repo.path.parent / "prefect-home")}
    repo.run(PKG, "retrain", "--orchestrator", "prefect", timeout=1800, extra_env=env)
