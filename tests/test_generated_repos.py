"""Inside each generated repo, as a user would: install, test, pre-commit, pipeline, CI lint."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import (
    ANSWERS,
    CI_PROVIDERS,
    Runner,
    install_generated,
    make_runner,
    render,
    runner_env,
)
from helpers import git

from scaffold.stages import STAGES

pytestmark = pytest.mark.slow
PKG = ANSWERS["package_name"]
TOOLS = Path(sys.executable).parent
# (stage, CI provider, orchestrator): the option combinations that change files.
CASES = [(stage, ci, "dvc") for stage in STAGES for ci in CI_PROVIDERS] + [
    ("pipeline-centric", "github", "prefect")
]


@dataclass
class Generated:
    stage: str
    ci: str
    orchestrator: str
    path: Path
    run: Runner
    venv: Path

    def at_least(self, stage: str) -> None:
        if STAGES.index(self.stage) < STAGES.index(stage):
            pytest.skip(f"starts at {stage}")

    def git_status(self) -> str:
        return self.run("git", "status", "--porcelain", "--untracked-files=all").stdout


@pytest.fixture(scope="module", params=CASES, ids=["-".join(case) for case in CASES])
def repo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, generated_venv: Path
) -> Generated:
    stage, ci, orchestrator = request.param
    answers = {"ci_provider": ci}
    if stage == "pipeline-centric":
        answers["orchestrator"] = orchestrator
    path = render(stage, tmp_path_factory.mktemp("gen") / "-".join(request.param), **answers)
    install_generated(path, generated_venv)
    run = make_runner(path, generated_venv)
    return Generated(stage, ci, orchestrator, path, run, generated_venv)


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
import mlflow
from mlflow import MlflowClient

mlflow.set_tracking_uri("sqlite:///mlflow.db")
client = MlflowClient()
runs = client.search_runs(experiment_ids=[e.experiment_id for e in client.search_experiments()])
models = client.search_registered_models()
print(len(runs), len(models), sum(len(m.latest_versions or []) for m in models))
"""


def test_model_pipeline_leaves_metrics_a_run_and_a_registered_model(repo: Generated) -> None:
    repo.at_least("model-centric")
    repo.run("dvc", "repro", timeout=1800)
    metrics = repo.run("dvc", "metrics", "show").stdout
    assert "roc_auc" in metrics
    repo.run("dvc", "plots", "show", "-o", str(repo.path / ".." / "plots"))
    runs, models, versions = map(int, repo.run("python", "-c", MLFLOW_PROBE).stdout.split())
    assert runs >= 1
    assert models >= 1
    assert versions >= 1
    assert (repo.path / "reports" / "model_card.md").is_file()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _http(method: str, url: str, body: object | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _request_example(openapi: dict) -> dict:
    """The single-record example the service advertises in its OpenAPI schema."""
    schemas = openapi["components"]["schemas"]
    for schema in schemas.values():
        examples = schema.get("examples") or []
        if examples and isinstance(examples[0], dict) and "records" not in examples[0]:
            return examples[0]
    raise AssertionError("no request example in the OpenAPI schema")


def test_served_model_answers_over_http(repo: Generated) -> None:
    repo.at_least("pipeline-centric")
    repo.run("dvc", "repro", timeout=1800)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PKG, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=repo.path,
        env=runner_env(repo.venv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if _http("GET", f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.5)
        status, metadata = _http("GET", f"{base}/metadata")
        assert status == 200
        assert str(metadata.get("model_version") or metadata)
        _, openapi = _http("GET", f"{base}/openapi.json")
        example = _request_example(openapi)
        status, single = _http("POST", f"{base}/predict", example)
        assert status == 200, single
        status, batch = _http("POST", f"{base}/predict", {"records": [example, example]})
        assert status == 200, batch
        status, error = _http("POST", f"{base}/predict", {**example, "tenure_months": "many"})
        assert status == 422, error
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = repo.path / "logs" / "predictions.jsonl"
    assert log.is_file() and len(log.read_text().splitlines()) >= 3


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
