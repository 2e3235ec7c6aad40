"""End-to-end loop time of a generated pipeline-centric repo on its sample data.

Generates the pipeline-centric stage with default answers, installs it into the
virtual environment cached under .cache/bench-venv (as bench_pipeline.py does),
then times each step of the closed loop with the repo's defaults:

* train: `dvc repro` on a fresh checkout (ingest ... train, evaluate, gate; the
  first model becomes the champion);
* serve: start `my_ml_project serve` on 127.0.0.1 and a free port (the registry's
  champion), wait for /health, send the test split's records, shifted as after a
  price rise, in batch requests (each logged to logs/predictions.jsonl), stop it;
* drift: `my_ml_project drift` on the prediction log (HTML report and verdict);
* retrain: `my_ml_project retrain --if-drift --force` (the drift check again, then
  every stage reruns, as with new data, and the gate decides).

    python benchmarks/bench_loop.py [--records 400] [--batch-size 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _generated import VENV, bench_env, generate_and_install

ROOT = Path(__file__).resolve().parents[1]
STAGE = "pipeline-centric"
HOST = "127.0.0.1"  # loopback only

# Run by the venv's Python: test-split records with every numeric feature pushed
# into its top quartile and every categorical feature stuck at one allowed value,
# as a client would send them: the served data drifts, whatever the contract's
# columns, and every record still meets the contract.
DUMP_SHIFTED = """
import sys
from my_ml_project.config import Paths
from my_ml_project.data.prepare import load_processed
from my_ml_project.features.build import feature_spec

paths = Paths.from_env(sys.argv[1])
spec = feature_spec(paths)
problem = spec.problem
frame = load_processed(paths, "test")[list(spec.input_columns)]
frame = frame.sample(n=int(sys.argv[2]), replace=True, random_state=0)
for name in problem.numeric_features:
    frame[name] = frame[name].clip(lower=frame[name].quantile(0.75))
for name, allowed in problem.categories.items():
    if name in frame.columns and allowed:
        frame[name] = allowed[0]
print(frame.to_json(orient="records", date_format="iso"))
"""


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise subprocess.CalledProcessError(done.returncode, cmd)
    return done.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _serve(repo: Path, env: dict[str, str], bodies: list[bytes], log: Path) -> int:
    """Start the service, send ``bodies`` once healthy, stop it; return the request count."""
    port = _free_port()
    command = ["my_ml_project", "serve", "--host", HOST, "--port", str(port)]
    with log.open("wb") as sink:
        server = subprocess.Popen(command, cwd=repo, env=env, stdout=sink, stderr=sink)
        try:
            deadline = time.monotonic() + 120
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-3000:])
                    raise RuntimeError("the service did not become healthy")
                try:
                    if _request(port, "GET", "/health")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            for body in bodies:
                status, answer = _request(port, "POST", "/predict", body)
                if status != 200:
                    raise RuntimeError(f"/predict answered {status}: {answer[:500]!r}")
            return len(bodies)
        finally:
            server.send_signal(signal.SIGINT)  # graceful, as Ctrl-C
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=400, help="records served (and logged)")
    parser.add_argument("--batch-size", type=int, default=50, help="records per request")
    args = parser.parse_args()

    env = bench_env()
    times: dict[str, float] = {}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        generate_and_install(repo, STAGE)

        start = time.perf_counter()
        _run(["dvc", "repro"], repo, env)
        times["train: dvc repro"] = time.perf_counter() - start
        gate = json.loads((repo / "reports" / "gate.json").read_text(encoding="utf-8"))
        notes["train: dvc repro"] = f"champion v{gate['serving_version']}"

        dump = [str(VENV / "bin" / "python"), "-c", DUMP_SHIFTED, str(repo), str(args.records)]
        records = json.loads(_run(dump, repo, env))
        bodies = [
            json.dumps({"records": records[i : i + args.batch_size]}).encode()
            for i in range(0, len(records), args.batch_size)
        ]
        start = time.perf_counter()
        answered = _serve(repo, env, bodies, Path(tmp) / "server.log")
        times["serve: start, requests, stop"] = time.perf_counter() - start
        logged = len((repo / "logs" / "predictions.jsonl").read_text().splitlines())
        notes["serve: start, requests, stop"] = (
            f"{answered}/{len(bodies)} requests answered, {logged} records logged"
        )

        start = time.perf_counter()
        _run(["my_ml_project", "drift"], repo, env)
        times["drift: check"] = time.perf_counter() - start
        verdict = json.loads((repo / "reports" / "drift.json").read_text(encoding="utf-8"))
        notes["drift: check"] = f"drift detected: {verdict['drift_detected']}"

        start = time.perf_counter()
        said = _run(["my_ml_project", "retrain", "--if-drift", "--force"], repo, env)
        times["retrain: trigger + dvc repro -f"] = time.perf_counter() - start
        gate = json.loads((repo / "reports" / "gate.json").read_text(encoding="utf-8"))
        verdict_word = "promoted" if gate["promoted"] else "not promoted"
        retrained = "pipeline ran" in said
        notes["retrain: trigger + dvc repro -f"] = (
            f"retrained: {retrained}, challenger v{gate['challenger_version']} {verdict_word}"
        )

    print(f"closed loop, stage {STAGE}, sample data ({args.records} records served):")
    for step, seconds in times.items():
        print(f"  {step:34} {seconds:7.1f} s   {notes[step]}")
    print(f"  {'total':34} {sum(times.values()):7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
