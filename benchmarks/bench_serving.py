"""Serving throughput and latency of a generated pipeline-centric repo on loopback.

Generates the pipeline-centric stage with default answers, installs it into the
virtual environment cached under .cache/bench-venv (as bench_pipeline.py does),
runs `dvc repro` once (trains, promotes and exports models/champion.joblib), then
starts a real uvicorn server, one worker, on 127.0.0.1 and a free port, configured
as the container image is (the exported champion, the prediction log on). A load
generator (standard library http.client, one keep-alive connection per client
thread) sends single-record POST /predict requests, records of the test split in
turn: after a warm-up, from one client, then from N concurrent clients until the
request count or the time cap is reached; last, sequential requests carrying a
batch of records. Prints throughput (req/s), p50/p99 latency, the batch latency
and the server's start time. Client and server share the machine's cores, so the
figures are a floor.

    python benchmarks/bench_serving.py [--requests 2000] [--concurrency 4]
                                       [--max-seconds 120] [--batch-size 100]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _generated import VENV, bench_env, trained_repo

ROOT = Path(__file__).resolve().parents[1]
STAGE = "pipeline-centric"
HOST = "127.0.0.1"  # loopback only

# Run by the venv's Python: the test split's records, as a client would send them.
DUMP_RECORDS = """
import sys
from my_ml_project.config import Paths
from my_ml_project.data.prepare import load_processed
from my_ml_project.features.build import feature_spec

paths = Paths.from_env(sys.argv[1])
frame = load_processed(paths, "test")[list(feature_spec(paths).input_columns)]
print(frame.to_json(orient="records", date_format="iso"))
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait_healthy(server: subprocess.Popen[bytes], port: int, log: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-3000:])
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            if _get(port, "/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no healthy server on {HOST}:{port} after {limit:.0f} s")


def _stop(server: subprocess.Popen[bytes]) -> int:
    """SIGINT, as Ctrl-C would (uvicorn shuts down gracefully); kill if it hangs."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return server.returncode


def _post(conn: http.client.HTTPConnection, body: bytes) -> int:
    conn.request("POST", "/predict", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    return response.status


def _load(
    port: int, bodies: list[bytes], total: int, clients: int, cap: float
) -> tuple[list[float], int, float]:
    """Send up to ``total`` requests from ``clients`` threads; latencies (s), errors, wall."""
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + cap

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        failed = 0
        try:
            while (i := next(counter)) < total and time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    status = _post(conn, bodies[i % len(bodies)])
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    status = 0
                mine.append(time.perf_counter() - start)
                failed += status != 200
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)
                errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - start


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="single-record requests")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument("--max-seconds", type=float, default=120, help="cap on the load phase")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument("--sequential", type=int, default=200, help="one-client requests")
    parser.add_argument("--batch-size", type=int, default=100, help="records per batch request")
    parser.add_argument("--batch-requests", type=int, default=20, help="sequential batch requests")
    args = parser.parse_args()

    env = bench_env()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repro = trained_repo(repo, STAGE, env)
        print(f"setup: dvc repro {repro:.1f} s", flush=True)
        dumped = subprocess.run(
            [str(VENV / "bin" / "python"), "-c", DUMP_RECORDS, str(repo)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        records = json.loads(dumped.stdout)
        singles = [json.dumps(record).encode() for record in records]
        batch_records = list(itertools.islice(itertools.cycle(records), args.batch_size))
        batch = json.dumps({"records": batch_records}).encode()

        port = _free_port()
        log_file = Path(tmp) / "server.log"
        prediction_log = Path(tmp) / "predictions.jsonl"
        server_env = {
            **env,
            "MY_ML_PROJECT_ROOT": str(repo),
            "MY_ML_PROJECT_MODEL_URI": str(repo / "models" / "champion.joblib"),
            "MY_ML_PROJECT_PREDICTION_LOG": str(prediction_log),
        }
        command = [str(VENV / "bin" / "uvicorn"), "my_ml_project.serving.app:create_app",
                   "--factory", "--host", HOST, "--port", str(port), "--workers", "1"]  # fmt: skip
        with log_file.open("wb") as log:
            started = time.perf_counter()
            server = subprocess.Popen(
                command, cwd=repo, env=server_env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                _wait_healthy(server, port, log_file, limit=120)
                startup = time.perf_counter() - started
                version = json.loads(_get(port, "/metadata")[1])["model_version"]
                print(f"server: uvicorn, 1 worker, {HOST}:{port}, model v{version}, "
                      f"healthy after {startup:.1f} s", flush=True)  # fmt: skip

                _load(port, singles, args.warmup, 1, args.max_seconds)
                alone, alone_errors, _ = _load(port, singles, args.sequential, 1, args.max_seconds)
                latencies, errors, wall = _load(
                    port, singles, args.requests, args.concurrency, args.max_seconds
                )
                batch_latencies, batch_errors, _ = _load(
                    port, [batch], args.batch_requests, 1, args.max_seconds
                )
            finally:
                code = _stop(server)
        logged = len(prediction_log.read_text(encoding="utf-8").splitlines())

    ms = 1000
    done = len(latencies)
    capped = " (time cap reached)" if done < args.requests else ""
    print(f"\nPOST /predict, single records, {args.concurrency} concurrent clients, "
          f"{done} requests{capped}:")  # fmt: skip
    print(f"  throughput              {done / wall:8.1f} req/s")
    print(f"  latency p50             {_percentile(latencies, 50) * ms:8.1f} ms")
    print(f"  latency p99             {_percentile(latencies, 99) * ms:8.1f} ms")
    print(f"  errors (non-200)        {errors:8d}")
    print(f"POST /predict, single records, one client, {len(alone)} requests:")
    print(f"  latency p50             {_percentile(alone, 50) * ms:8.1f} ms")
    print(f"  latency p99             {_percentile(alone, 99) * ms:8.1f} ms")
    print(f"  errors (non-200)        {alone_errors:8d}")
    print(f"POST /predict, batch of {args.batch_size} records, sequential, "
          f"{len(batch_latencies)} requests:")  # fmt: skip
    print(f"  latency p50             {statistics.median(batch_latencies) * ms:8.1f} ms")
    print(f"  latency max             {max(batch_latencies) * ms:8.1f} ms")
    print(f"  records/s               {args.batch_size / statistics.median(batch_latencies):8.0f}")
    print(f"  errors (non-200)        {batch_errors:8d}")
    print(f"server start to healthy   {startup:8.1f} s")
    print(f"prediction log lines      {logged:8d}")
    print(f"server exit code          {code:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
