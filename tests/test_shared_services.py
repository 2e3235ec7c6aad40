"""Local defaults switched to real shared servers, with only the settings a user would change.

Each server is started by the test on 127.0.0.1 (a free port, its own state in a
temporary folder), waited for with a bound, and stopped in a ``finally`` even when
the test fails; its log is attached to the failure message.

- MLflow: ``mlflow server --serve-artifacts``; a model-centric repo (the sample)
  and a pipeline-centric repo (a user's table, through ``contract infer``) are
  pointed at it with ``MLFLOW_TRACKING_URI`` only. Runs, metrics, artifacts, the
  registered model and the ``champion`` alias land on the server, and the
  service loads the champion from the server's registry.
- DVC: a WebDAV server (wsgidav on cheroot, both pure Python from PyPI: no root,
  no keys, no daemon outside the test, unlike an sshd for SFTP), added with
  ``dvc remote add -d``; a fresh clone pulls the table, data and models, and
  ``dvc repro`` reruns only the stages whose outputs are neither cached nor in
  git (evaluate, gate), with the same metrics.
- Prefect: ``prefect server start``, a process work pool, ``prefect deploy --all``
  with the repo's ``prefect.yaml``, a worker; a triggered run completes and
  registers a new model version, and a broken step fails the run with the step's
  error in the run's logs.

Start times and each test's wall time are printed (``-s``) and written to
``.cache/shared-services-timings.json``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CACHE, Runner, install_generated, make_runner, render, runner_env
from helpers import commit_all, git
from serving_probe import free_port, http, request_example, serving
from sklearn_tables import TABLES

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("shared-services")]

OWN_PKG = "own_table"  # the pipeline-centric repo declares a user's table
SAMPLE_PKG = "churn_insights"  # the model-centric repo keeps the sample (conftest.ANSWERS)
TABLE = next(t for t in TABLES if t.name == "diabetes")  # the smallest of the real tables
START_TIMEOUT = 300  # seconds; servers start slowly on a busy 2-core CI machine
TIMINGS: dict[str, float] = {}


def _timed(name: str, seconds: float) -> None:
    TIMINGS[name] = round(seconds, 1)
    print(f"shared services: {name}: {seconds:.1f} s")


@pytest.fixture(scope="module", autouse=True)
def _report_timings() -> Iterator[None]:
    yield
    if TIMINGS:
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "shared-services-timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")
        print("shared services timings:", json.dumps(TIMINGS))


# --- servers ----------------------------------------------------------------


@dataclass
class Server:
    name: str
    url: str
    log: Path
    started_in: float

    def log_tail(self, chars: int = 5000) -> str:
        text = self.log.read_text(errors="replace") if self.log.is_file() else ""
        return f"--- {self.name} log ({self.log}) ---\n{text[-chars:]}"


def _answers(url: str) -> bool:
    """True once something answers HTTP at ``url`` (any status below 500)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and what it spawned (its own process group): TERM, then KILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass


@contextmanager
def background(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log: Path,
    url: str = "",
    health: str | None = None,
    ready_line: str | None = None,
) -> Iterator[Server]:
    """Run ``command`` until the block ends; yield once ``health`` answers or the log shows
    ``ready_line``. Fails (with the log) if it exits or is not ready in START_TIMEOUT."""
    started = time.monotonic()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            server = Server(name, url, log, 0.0)
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{name} exited {process.returncode} at start\n{server.log_tail()}")
                if (health and _answers(health)) or (
                    ready_line and ready_line in log.read_text(errors="replace")
                ):
                    break
                if time.monotonic() - started > START_TIMEOUT:
                    pytest.fail(f"{name} not ready in {START_TIMEOUT} s\n{server.log_tail()}")
                time.sleep(0.5)
            server.started_in = time.monotonic() - started
            _timed(f"{name} start", server.started_in)
            yield server
        finally:
            _stop(process)


@contextmanager
def logs_on_failure(*servers: Server) -> Iterator[None]:
    """Re-raise a failed assertion or step with the servers' logs attached."""
    try:
        yield
    except (AssertionError, pytest.fail.Exception) as error:
        logs = "\n".join(server.log_tail() for server in servers)
        pytest.fail(f"{error}\n{logs}", pytrace=False)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


# --- generated repos ----------------------------------------------------------


@dataclass
class Repo:
    path: Path
    pkg: str
    run: Runner
    venv: Path


@pytest.fixture(scope="module")
def pipeline_repo(tmp_path_factory: pytest.TempPathFactory, generated_venv: Path) -> Repo:
    """Pipeline-centric, Prefect flows, a user's table declared with ``contract infer``."""
    base = tmp_path_factory.mktemp("pipeline")
    path = render("pipeline-centric", base / "repo", package_name=OWN_PKG, orchestrator="prefect")
    install_generated(path, generated_venv, extras=("dev", "shared"))
    run = make_runner(path, generated_venv)
    delivered = base / f"{TABLE.name}.csv"
    TABLE.load().to_csv(delivered, index=False)
    run(OWN_PKG, *TABLE.infer_args(delivered))
    commit_all(path, f"Declare our own table: {TABLE.name}")
    return Repo(path, OWN_PKG, run, generated_venv)


@pytest.fixture(scope="module")
def model_repo(tmp_path_factory: pytest.TempPathFactory, generated_venv: Path) -> Repo:
    """Model-centric with the sample data."""
    path = render("model-centric", tmp_path_factory.mktemp("model") / "repo")
    install_generated(path, generated_venv)
    return Repo(path, SAMPLE_PKG, make_runner(path, generated_venv), generated_venv)


@pytest.fixture(scope="module")
def mlflow_server(state: Path, pipeline_repo: Repo, generated_venv: Path) -> Iterator[Server]:
    """``mlflow server``: its own sqlite store, proxied artifacts (the repos' pinned mlflow)."""
    port = free_port()
    root = state / "mlflow"
    root.mkdir()
    env = {**runner_env(generated_venv), "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    command = [
        str(generated_venv / "bin" / "mlflow"), "server",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{root / 'backend.db'}",
        "--artifacts-destination", str(root / "artifacts"), "--serve-artifacts",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with background(
        "mlflow server", command, env=env, cwd=root, log=root / "server.log", url=url,
        health=f"{url}/health",
    ) as server:  # fmt: skip
        yield server


def _tracking(server: Server) -> dict[str, str]:
    return {"MLFLOW_TRACKING_URI": server.url}


@pytest.fixture(scope="module")
def trained_pipeline(pipeline_repo: Repo, mlflow_server: Server) -> Repo:
    """The pipeline-centric repo after ``dvc repro`` against the tracking server, committed."""
    started = time.monotonic()
    with logs_on_failure(mlflow_server):
        pipeline_repo.run("dvc", "repro", timeout=1800, extra_env=_tracking(mlflow_server))
    _timed("pipeline-centric dvc repro (tracking server)", time.monotonic() - started)
    commit_all(pipeline_repo.path, "Run the pipeline against the shared tracking server")
    return pipeline_repo


REGISTRY_PROBE = """
import json
from mlflow import MlflowClient

client = MlflowClient()
runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
models = client.search_registered_models()
print(json.dumps({
    "runs": [
        {
            "id": r.info.run_id,
            "metrics": r.data.metrics,
            "artifact_uri": r.info.artifact_uri,
            "artifacts": [a.path for a in client.list_artifacts(r.info.run_id)],
        }
        for r in runs
    ],
    "models": {
        m.name: {
            "aliases": dict(m.aliases),
            "versions": sorted(
                int(v.version) for v in client.search_model_versions(f"name='{m.name}'")
            ),
        }
        for m in models
    },
}))
"""


def _registry(repo: Repo, server: Server) -> dict:
    """What the tracking server holds, read with the MLflow client over HTTP."""
    out = repo.run("python", "-c", REGISTRY_PROBE, extra_env=_tracking(server)).stdout
    return json.loads(out.strip().splitlines()[-1])


def _on_server_disk(server: Server, run_id: str) -> list[Path]:
    return [p for p in (server.log.parent / "artifacts").rglob("*") if run_id in p.parts]


# --- MLflow ---------------------------------------------------------------------


def test_model_centric_repo_tracks_and_registers_on_the_mlflow_server(
    model_repo: Repo, mlflow_server: Server
) -> None:
    started = time.monotonic()
    with logs_on_failure(mlflow_server):
        model_repo.run("dvc", "repro", timeout=1800, extra_env=_tracking(mlflow_server))
        found = _registry(model_repo, mlflow_server)
        assert SAMPLE_PKG in found["models"], found["models"]
        assert found["models"][SAMPLE_PKG]["versions"], found["models"]
        runs = [r for r in found["runs"] if any(k.startswith("test_") for k in r["metrics"])]
        assert runs, f"no run with test metrics on the server: {found['runs']}"
        run = runs[0]
        # The held-out metrics DVC shows are the ones the server holds for the run.
        shown = {k: v for k, v in _evaluation(model_repo.run).items() if isinstance(v, float)}
        assert "roc_auc" in shown, shown
        for name, value in shown.items():
            assert run["metrics"][f"test_{name}"] == pytest.approx(value, abs=1e-6), name
        # Artifacts went through the server's proxy into its own folder.
        assert run["artifact_uri"].startswith("mlflow-artifacts:"), run["artifact_uri"]
        assert run["artifacts"] and _on_server_disk(mlflow_server, run["id"])
        assert not (model_repo.path / "mlflow.db").exists(), "tracked locally as well"
    _timed("test mlflow model-centric", time.monotonic() - started)


def test_pipeline_centric_champion_is_on_the_server_and_served_from_it(
    trained_pipeline: Repo, mlflow_server: Server
) -> None:
    started = time.monotonic()
    repo = trained_pipeline
    with logs_on_failure(mlflow_server):
        found = _registry(repo, mlflow_server)
        assert OWN_PKG in found["models"], found["models"]
        champion = found["models"][OWN_PKG]["aliases"].get("champion")
        assert champion, f"no champion alias on the server: {found['models']}"
        run = next(r for r in found["runs"] if any(k.startswith("test_") for k in r["metrics"]))
        assert {"test_rmse", "cv_rmse"} <= set(run["metrics"]), run["metrics"]
        assert run["artifacts"] and _on_server_disk(mlflow_server, run["id"])
        assert not (repo.path / "mlflow.db").exists(), "tracked locally as well"

        # The service's default source is the registry's champion; only the URI is set.
        env = {**runner_env(repo.venv), **_tracking(mlflow_server)}
        with serving([OWN_PKG, "serve"], repo.path, env) as base:
            status, metadata = http("GET", f"{base}/metadata")
            assert status == 200, metadata
            assert metadata["model_uri"] == f"models:/{OWN_PKG}@champion", metadata
            assert str(metadata["model_version"]) == str(champion), (metadata, champion)
            _, openapi = http("GET", f"{base}/openapi.json")
            example = request_example(openapi)
            assert set(example) <= set(TABLE.load().columns) - {TABLE.target}, example
            status, answer = http("POST", f"{base}/predict", example)
            assert status == 200, answer
            assert str(answer["model_version"]) == str(champion), answer
            assert metadata["run_id"] == run["id"], (metadata, run["id"])
    _timed("test mlflow pipeline-centric + serve", time.monotonic() - started)


# --- DVC ------------------------------------------------------------------------


def _evaluation(run: Runner) -> dict:
    """The held-out metrics ``dvc metrics show`` reports (reports/metrics.json)."""
    shown = json.loads(run("dvc", "metrics", "show", "--json").stdout)
    return shown[""]["data"]["reports/metrics.json"]["data"]


# Stages whose outputs are `cache: false` and git-ignored: a fresh clone makes them again.
UNCACHED_STAGES = {"evaluate", "gate"}


def test_dvc_remote_on_a_webdav_server_reproduces_in_a_fresh_clone(
    trained_pipeline: Repo, mlflow_server: Server, state: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    repo = trained_pipeline
    store = state / "webdav"
    # The team's folder on the server exists (DVC's WebDAV plugin does not create it).
    (store / OWN_PKG).mkdir(parents=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).parent / "wsgidav"), "--host", "127.0.0.1", "--port", str(port),
        "--root", str(store), "--auth", "anonymous", "--no-config",
    ]  # fmt: skip
    with (
        background(
            "webdav server", command, env=dict(os.environ), cwd=store, log=state / "webdav.log",
            url=url, health=f"{url}/",
        ) as dav,
        logs_on_failure(dav, mlflow_server),
    ):  # fmt: skip
        repo.run("dvc", "remote", "add", "-d", "team", f"webdav://127.0.0.1:{port}/{OWN_PKG}")
        commit_all(repo.path, "Share data and models through the team's WebDAV remote")
        repo.run("dvc", "push")
        pushed = [p for p in (store / OWN_PKG).rglob("*") if p.is_file()]
        assert len(pushed) >= 3, f"the remote holds only {pushed}"
        metrics = _evaluation(repo.run)

        clone = tmp_path / "clone"
        git(tmp_path, "clone", "--quiet", str(repo.path), str(clone))
        cloned = make_runner(clone, repo.venv)
        assert not (clone / "models" / "model.joblib").exists()
        pulled = cloned("dvc", "pull").stdout
        # The table, the processed data and the models come back from the remote.
        for path in (f"data/raw/{TABLE.name}.csv", "data/processed", "models/model.joblib"):
            assert (clone / path).exists(), f"{path} not pulled:\n{pulled}"
        # What is neither cached nor in git (the `cache: false` reports) is made
        # again; no stage that the remote's data and models come from reruns.
        repro = cloned("dvc", "repro", timeout=1800, extra_env=_tracking(mlflow_server)).stdout
        reran = set(re.findall(r"Running stage '([^']+)'", repro))
        assert reran <= UNCACHED_STAGES, f"reran {sorted(reran)}:\n{repro}"
        # Same evaluation (the gate's verdict differs: the champion is already promoted).
        assert _evaluation(cloned) == metrics
        assert "up to date" in cloned("dvc", "status").stdout.lower()
    _timed("test dvc webdav push/clone/pull", time.monotonic() - started)


# --- Prefect --------------------------------------------------------------------

FAILED_RUN_LOGS = """
import asyncio, json
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType, LogFilter, LogFilterFlowRunId,
)
from prefect.client.schemas.objects import StateType

async def main():
    async with get_client() as client:
        failed = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.FAILED]))
        runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(state=failed))
        ids = LogFilterFlowRunId(any_=[run.id for run in runs])
        logs = await client.read_logs(log_filter=LogFilter(flow_run_id=ids))
        print(json.dumps({"runs": [str(r.id) for r in runs], "logs": [l.message for l in logs]}))

asyncio.run(main())
"""


def _flow_run_id(output: str) -> str:
    for line in output.splitlines():
        if "UUID:" in line:
            return line.split("UUID:", 1)[1].strip()
    raise AssertionError(f"no flow run id in:\n{output}")


def test_prefect_worker_runs_the_deployed_retrain_flow(
    trained_pipeline: Repo, mlflow_server: Server, state: Path
) -> None:
    started = time.monotonic()
    repo = trained_pipeline
    prefect = str(repo.venv / "bin" / "prefect")
    pool = f"{OWN_PKG.replace('_', '-')}-pool"
    deployment = f"{OWN_PKG.replace('_', '-')}-retrain/weekly-retrain"
    home = state / "prefect"
    home.mkdir()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    quiet = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false"}
    server_env = {**runner_env(repo.venv), "PREFECT_HOME": str(home), **quiet}
    client = {"PREFECT_HOME": str(home), "PREFECT_API_URL": api, **_tracking(mlflow_server)}
    command = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with background(
        "prefect server", command, env=server_env, cwd=home, log=home / "server.log", url=api,
        health=f"{api}/health",
    ) as server:  # fmt: skip
        with logs_on_failure(server):
            repo.run(prefect, "work-pool", "create", pool, "--type", "process", extra_env=client)
            repo.run(prefect, "--no-prompt", "deploy", "--all", extra_env=client)
        worker_env = {
            **server_env,
            **client,
            "PREFECT_WORKER_QUERY_SECONDS": "2",
        }
        worker_command = [prefect, "worker", "start", "--pool", pool, "--limit", "1"]
        with (
            background(
                "prefect worker", worker_command, env=worker_env, cwd=home,
                log=home / "worker.log", ready_line="started!",
            ) as worker,
            logs_on_failure(server, worker, mlflow_server),
        ):  # fmt: skip
            trigger = (
                prefect,
                "deployment",
                "run",
                deployment,
                "--watch",
                "--watch-timeout",
                "900",
            )
            before = _registry(repo, mlflow_server)["models"][OWN_PKG]["versions"]
            done = repo.run(*trigger, timeout=1000, extra_env=client)
            assert "Completed" in done.stdout, done.stdout
            after = _registry(repo, mlflow_server)["models"][OWN_PKG]["versions"]
            assert max(after) > max(before), f"no new model version: {before} -> {after}"
            _timed("prefect run completed (trigger to Completed)", time.monotonic() - started)

            # A step that fails fails the run, and the run's logs say why.
            params = repo.path / "params.yaml"
            original = params.read_text(encoding="utf-8")
            assert "  method: random" in original
            try:
                params.write_text(original.replace("  method: random", "  method: by_magic", 1))
                failed = repo.run(*trigger, timeout=1000, extra_env=client, check=False)
            finally:
                params.write_text(original, encoding="utf-8")
            assert failed.returncode != 0, failed.stdout
            assert "Failed" in failed.stdout, failed.stdout
            found = json.loads(
                repo.run("python", "-c", FAILED_RUN_LOGS, extra_env=client).stdout.splitlines()[-1]
            )
            assert _flow_run_id(failed.stdout) in found["runs"], found["runs"]
            logs = "\n".join(found["logs"])
            assert "pipeline step 'prepare' failed" in logs, logs
            assert "split.method must be one of" in logs and "by_magic" in logs, logs
    _timed("test prefect server/pool/worker", time.monotonic() - started)
