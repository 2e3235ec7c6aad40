"""Serving throughput and latency: our service, `mlflow models serve` and an HTTP floor.

In one run, on loopback, with the same load generator and the same champion:

1. **floor**: a FastAPI app that validates the repo's own request model (the
   same pydantic body as the service) and returns a constant answer, no model;
   what FastAPI + pydantic + uvicorn allow on this machine.
2. **ours**: the generated service (`<pkg>.serving.app`), serving the exported
   champion (``models/champion.joblib``) with the prediction log on, as the
   container image does.
3. **mlflow**: `mlflow models serve` on the same champion version from the
   repo's registry (``models:/<name>/<version>``, ``--env-manager local``); it
   takes the model's input (built features), so it is sent the built features
   of the same records (``dataframe_records``).

Every server runs one uvicorn worker; the load generator is `wrk` (C, one
thread, 2 connections; `apt-get install wrk`), cycling through the test
split's records, one record per request. The floor's rate shows that the load
generator is not the limit. Then batches of ``--batch-size`` records, one
connection. Prints req/s, p50 and p99 for each and the ratios; the machine's
load (``os.getloadavg``) before and after, since client and servers share the
cores.

    python benchmarks/bench_serving.py [--duration 15] [--connections 2]
                                       [--batch-size 100] [--repo TRAINED_REPO]

``--repo`` reuses a repo that ``dvc repro`` has trained (and whose package is
installed in ``--venv``, default .cache/bench-venv) instead of generating one.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _generated import VENV, bench_env, trained_repo

STAGE = "pipeline-centric"
HOST = "127.0.0.1"  # loopback only
PACKAGE = "my_ml_project"

# Run by the venv's Python: the test split as requests (raw records) and as the
# model's input (built features, what `mlflow models serve` takes).
DUMP_RECORDS = """
import json, sys
from my_ml_project.config import Paths
from my_ml_project.data.prepare import load_processed
from my_ml_project.features.build import feature_matrix, feature_spec

paths = Paths.from_env(sys.argv[1])
spec = feature_spec(paths)
test = load_processed(paths, "test")
raw = test[list(spec.input_columns)]
built = feature_matrix(raw, spec)
print(json.dumps({
    "records": json.loads(raw.to_json(orient="records", date_format="iso")),
    "features": json.loads(built.to_json(orient="records", date_format="iso")),
}))
"""

# Run by the venv's Python: one record and a batch, in process, through
# predict_frame (pandas and scikit-learn) and the service's record_predictor.
IN_PROCESS = """
import json, sys, time
import joblib
import pandas as pd
from my_ml_project.config import Paths
from my_ml_project.features.build import feature_spec
from my_ml_project.models.predict import decision_threshold, predict_frame, record_predictor
from my_ml_project.serving.schemas import record_model

paths = Paths.from_env(sys.argv[1])
spec = feature_spec(paths)
model = joblib.load(paths.root / "models" / "champion.joblib")
record = record_model([])
rows = [record.model_validate(r).model_dump(by_alias=True) for r in json.loads(sys.stdin.read())]
threshold = decision_threshold(paths)
predictor, compiled = record_predictor(model, spec, threshold, rows[:5])

def median_ms(call, repeat=200):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1000

def by_frame(records):
    frame = pd.DataFrame(records, columns=list(spec.input_columns))
    return predict_frame(model, frame, spec, threshold)

one, batch = rows[:1], rows[: int(sys.argv[2])]
print(json.dumps({
    "compiled": compiled,
    "frame_one": median_ms(lambda: by_frame(one), 50),
    "fast_one": median_ms(lambda: predictor(one)),
    "frame_batch": median_ms(lambda: by_frame(batch), 20),
    "fast_batch": median_ms(lambda: predictor(batch), 50),
}))
"""

# The floor: the repo's request model, no model work, a constant answer.
FLOOR_APP = """
from typing import Annotated, Any

from fastapi import Body, FastAPI

from my_ml_project.serving.schemas import record_model, records_of, request_model

body = request_model(record_model([]), 1000, [])
app = FastAPI()


@app.post("/predict")
async def predict(payload: Annotated[body, Body()]) -> dict[str, Any]:
    answers = [{"prediction": 0} for _ in records_of(payload)]
    return {"request_id": "floor", "model_version": "0", "predictions": answers}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
"""

# wrk script: cycle through the request bodies in $BENCH_BODIES (one per line)
# and print the figures in microseconds on one line.
WRK_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local i = 0
local headers = {["Content-Type"] = "application/json"}
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", wrk.path, headers, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Load:
    """What wrk measured: requests, req/s, p50/p99 (ms), failed requests."""

    requests: int
    rate: float
    p50: float
    p99: float
    failed: int


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _healthy(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _start(
    command: list[str], cwd: Path, env: dict[str, str], log: Path, port: int, health: str
) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    with log.open("wb") as sink:
        server = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-3000:])
            raise RuntimeError(f"{command[0]} exited with code {server.returncode}")
        if _healthy(port, health):
            return server, time.perf_counter() - started
        time.sleep(0.2)
    _stop(server)
    raise RuntimeError(f"no healthy server on {HOST}:{port} after 180 s: {' '.join(command)}")


def _stop(server: subprocess.Popen[bytes]) -> int:
    """SIGINT to the server's process group, as Ctrl-C would; kill if it hangs."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return server.returncode


def _wrk(url: str, bodies: list[str], workdir: Path, seconds: float, connections: int) -> Load:
    script = workdir / "bench.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    body_file = workdir / f"bodies-{len(list(workdir.iterdir()))}.jsonl"
    body_file.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(
        command,
        env={**os.environ, "BENCH_BODIES": str(body_file)},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", done.stdout, re.M)
    if found is None:
        raise RuntimeError(f"unexpected wrk output:\n{done.stdout}{done.stderr}")
    requests, micros, p50, p99, broken, status = map(int, found.groups())
    return Load(requests, requests / (micros / 1e6), p50 / 1000, p99 / 1000, broken + status)


def _server_env(env: dict[str, str], repo: Path, prediction_log: Path) -> dict[str, str]:
    upper = PACKAGE.upper()
    return {
        **env,
        f"{upper}_ROOT": str(repo),
        f"{upper}_MODEL_URI": str(repo / "models" / "champion.joblib"),
        f"{upper}_PREDICTION_LOG": str(prediction_log),
        "MLFLOW_TRACKING_URI": f"sqlite:///{repo / 'mlflow.db'}",
    }


def _print(name: str, load: Load, start: float) -> None:
    print(
        f"  {name:8} {load.rate:9.1f} req/s  p50 {load.p50:7.2f} ms  p99 {load.p99:7.2f} ms"
        f"  requests {load.requests:7d}  failed {load.failed:4d}  healthy after {start:5.1f} s",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="example: python benchmarks/bench_serving.py --duration 15 --connections 2",
    )
    parser.add_argument("--duration", type=float, default=15, help="seconds of load per server")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--batch-size", type=int, default=100, help="records per batch request")
    parser.add_argument("--repo", type=Path, help="a trained pipeline-centric repo to reuse")
    parser.add_argument("--venv", type=Path, default=VENV, help="environment the repo is in")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    venv = args.venv.resolve()
    env = bench_env()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.repo is None:
            repo = work / "repo"
            print(f"setup: dvc repro {trained_repo(repo, STAGE, env):.1f} s", flush=True)
        else:
            repo = args.repo.resolve()
        dumped = subprocess.run(
            [str(venv / "bin" / "python"), "-c", DUMP_RECORDS, str(repo)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        data = json.loads(dumped.stdout)
        singles = [json.dumps(record) for record in data["records"]]
        features = [json.dumps({"dataframe_records": [row]}) for row in data["features"]]
        batch = [
            json.dumps({"records": data["records"][i : i + args.batch_size]})
            for i in range(0, len(data["records"]) - args.batch_size + 1, args.batch_size)
        ]
        timed = json.loads(
            subprocess.run(
                [str(venv / "bin" / "python"), "-c", IN_PROCESS, str(repo), str(args.batch_size)],
                cwd=repo,  # the request model is built from the contract of the repo here
                env=env,
                input=json.dumps(data["records"][: args.batch_size]),
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        print(
            f"in process, median: one record predict_frame {timed['frame_one']:.2f} ms, "
            f"record_predictor {timed['fast_one']:.3f} ms; {args.batch_size} records "
            f"{timed['frame_batch']:.2f} ms vs {timed['fast_batch']:.2f} ms "
            f"(compiled: {timed['compiled']})",
            flush=True,
        )
        champion = json.loads((repo / "models" / "champion.json").read_text(encoding="utf-8"))
        prediction_log = work / "predictions.jsonl"
        server_env = _server_env(env, repo, prediction_log)
        (work / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
        # As the container image runs it (uvicorn defaults: access log on).
        uvicorn = [str(venv / "bin" / "uvicorn"), "--host", HOST, "--workers", "1"]
        servers = {
            "floor": ([*uvicorn, "--app-dir", str(work), "floor_app:app"], "/health", singles),
            "ours": (
                [*uvicorn, "--factory", f"{PACKAGE}.serving.app:create_app"],
                "/health",
                singles,
            ),
            "mlflow": (
                [
                    str(venv / "bin" / "mlflow"),
                    "models",
                    "serve",
                    "-m",
                    champion["model_uri"],
                    "--env-manager",
                    "local",
                    "-w",
                    "1",
                    "-h",
                    HOST,
                ],
                "/ping",
                features,
            ),
        }
        print(
            f"load before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1/5/15 min); "
            f"{os.cpu_count()} cores; wrk -t1 -c{args.connections} -d{args.duration:g}s; "
            f"{len(singles)} test-split records; champion {champion['model_uri']}",
            flush=True,
        )
        print("single record per request:")
        results: dict[str, Load] = {}
        batch_load: Load | None = None
        code = served = 0
        for name, (command, health, bodies) in servers.items():
            port = _free_port()
            flag = ["-p", str(port)] if name == "mlflow" else ["--port", str(port)]
            server, start = _start(
                command + flag, repo, server_env, work / f"{name}.log", port, health
            )
            try:
                url = f"http://{HOST}:{port}" + ("/invocations" if name == "mlflow" else "/predict")
                _wrk(url, bodies[:50], work, 2, args.connections)  # warm-up
                results[name] = _wrk(url, bodies, work, args.duration, args.connections)
                _print(name, results[name], start)
                if name == "ours":
                    batch_load = _wrk(url, batch, work, min(args.duration, 10), 1)
            finally:
                exit_code = _stop(server)
            if name == "ours":
                code = exit_code
                served = len(prediction_log.read_text(encoding="utf-8").splitlines())
        after = os.getloadavg()

    ours, floor, mlflow = results["ours"], results["floor"], results["mlflow"]
    print("ratios (same run):")
    print(
        f"  ours / mlflow models serve   req/s {ours.rate / mlflow.rate:6.2f}x   "
        f"p99 {mlflow.p99 / ours.p99:6.2f}x lower"
    )
    print(f"  ours / floor                 req/s {ours.rate / floor.rate:6.2f}x")
    if batch_load is not None:
        print(
            f"batch of {args.batch_size} records, 1 connection: p50 {batch_load.p50:.2f} ms, "
            f"p99 {batch_load.p99:.2f} ms, {batch_load.rate * args.batch_size:.0f} records/s"
        )
    print(f"prediction log: {served} lines after shutdown (exit code {code})")
    print(f"load after: {' '.join(f'{v:.2f}' for v in after)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
