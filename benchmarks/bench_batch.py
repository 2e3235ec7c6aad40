"""Batch inference of a generated pipeline-centric repo: rows per second and peak memory.

Generates the pipeline-centric stage with default answers, installs it into the
virtual environment cached under .cache/bench-venv (as bench_pipeline.py does),
runs `dvc repro` once (trains and exports models/champion.joblib), then writes
input files of two sizes by resampling the prepared sample data (new ids) and
times `my_ml_project batch-predict IN OUT` on each, as a subprocess, with the
exported champion. A run on a tiny file gives the fixed cost (interpreter,
imports, model load) and the baseline memory. Peak memory is each child's own
maximum resident set size (from wait4). Batch inference reads, scores and writes
`batch.chunk_rows` rows at a time, so the peak should stay nearly flat when the
file grows: compare the ratio of peak memory (large / small) with the ratio of rows.

    python benchmarks/bench_batch.py [--rows 200000 2000000] [--formats csv parquet]
                                     [--chunk-rows N] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _generated import VENV, bench_env, trained_repo

ROOT = Path(__file__).resolve().parents[1]
STAGE = "pipeline-centric"
TINY_ROWS = 100

# Run by the venv's Python: resample the prepared (contract-valid) sample to N rows.
MAKE_INPUT = """
import sys
import numpy as np
import pandas as pd
from my_ml_project.config import Paths
from my_ml_project.data.prepare import load_processed
from my_ml_project.features.build import feature_spec

root, rows, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
paths = Paths.from_env(root)
spec = feature_spec(paths)
base = pd.concat([load_processed(paths, "train"), load_processed(paths, "test")])
base = base[list(spec.input_columns)].reset_index(drop=True)
picked = base.iloc[np.random.default_rng(0).integers(0, len(base), rows)].reset_index(drop=True)
if spec.problem.id:  # resampled rows repeat ids; batch scoring does not need them unique
    picked[spec.problem.id] = picked[spec.problem.id].astype(str)
if target.endswith(".parquet"):
    picked.to_parquet(target, index=False)
else:
    picked.to_csv(target, index=False)
"""


def _run_measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall time (s) and peak RSS (bytes) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 gives this child's own rusage; RUSAGE_CHILDREN would be a running maximum.
    # The pipes carry a line or two, so waiting before reading them cannot block.
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if proc.returncode != 0:
        sys.stderr.write(out.decode() + err.decode())
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return elapsed, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs=2, default=[200_000, 2_000_000],
                        metavar=("SMALL", "LARGE"), help="rows of the two input files")  # fmt: skip
    parser.add_argument("--formats", nargs="+", choices=["csv", "parquet"],
                        default=["csv", "parquet"])  # fmt: skip
    parser.add_argument("--chunk-rows", type=int, help="default: batch.chunk_rows of params.yaml")
    parser.add_argument("--runs", type=int, default=1, help="timed runs per file (median)")
    args = parser.parse_args()
    small, large = sorted(args.rows)

    env = bench_env()
    mib = 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repro = trained_repo(repo, STAGE, env)
        print(f"setup: dvc repro {repro:.1f} s", flush=True)
        model = repo / "models" / "champion.joblib"
        extra = ["--chunk-rows", str(args.chunk_rows)] if args.chunk_rows else []
        results: dict[tuple[str, int], tuple[float, int]] = {}
        for fmt in args.formats:
            for rows in (TINY_ROWS, small, large):
                source = Path(tmp) / f"records_{rows}.{fmt}"
                subprocess.run(
                    [str(VENV / "bin" / "python"), "-c", MAKE_INPUT, str(repo), str(rows),
                     str(source)],
                    env=env, check=True,
                )  # fmt: skip
                output = Path(tmp) / f"predictions_{rows}.{fmt}"
                cmd = ["my_ml_project", "batch-predict", str(source), str(output),
                       "--model", str(model), *extra]  # fmt: skip
                runs = [_run_measured(cmd, repo, env) for _ in range(args.runs)]
                wall = statistics.median(r[0] for r in runs)
                peak = max(r[1] for r in runs)
                results[(fmt, rows)] = (wall, peak)
                size = source.stat().st_size / mib
                print(f"{fmt:7} {rows:>9,} rows ({size:6.1f} MiB): {wall:6.1f} s, "
                      f"peak RSS {peak / mib:6.0f} MiB", flush=True)  # fmt: skip
                source.unlink()
                output.unlink()

    chunk = args.chunk_rows or "params.yaml batch.chunk_rows"
    print(f"\nbatch-predict, stage {STAGE}, chunk rows: {chunk}, median of {args.runs} run(s):")
    for fmt in args.formats:
        base_wall, base_peak = results[(fmt, TINY_ROWS)]
        print(f"  {fmt}: fixed cost (a {TINY_ROWS}-row file) {base_wall:.1f} s, "
              f"peak RSS {base_peak / mib:.0f} MiB")  # fmt: skip
        for rows in (small, large):
            wall, peak = results[(fmt, rows)]
            print(f"    {rows:>9,} rows  {wall:6.1f} s  {rows / wall:>9,.0f} rows/s end to end, "
                  f"peak RSS {peak / mib:5.0f} MiB (+{(peak - base_peak) / mib:.0f})")  # fmt: skip
        (w_small, p_small), (w_large, p_large) = results[(fmt, small)], results[(fmt, large)]
        marginal = (large - small) / max(w_large - w_small, 1e-9)
        print(f"    marginal rate (extra rows / extra time)  {marginal:>9,.0f} rows/s")
        print(f"    rows large/small {large / small:5.1f}x   peak RSS large/small "
              f"{p_large / p_small:5.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
