"""Time a generated repo's DVC pipeline: a full `dvc repro` and a re-run with nothing changed.

Generates the stage with default answers, installs it into a virtual environment
(reused between runs under .cache/bench-venv), then times:

* the full `dvc repro` on the shipped sample data (a fresh checkout, empty cache);
* `dvc repro` again with nothing changed (DVC's cache should make it near-instant);
* the repo's own test suite.

    python benchmarks/bench_pipeline.py [--stage model-centric] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from _generated import bench_env, generate_and_install, timed

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="model-centric")
    parser.add_argument("--runs", type=int, default=3, help="fresh repos to time")
    args = parser.parse_args()

    env = bench_env()
    full, noop, tests = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            repo = Path(tmp) / f"repo{run}"
            generate_and_install(repo, args.stage)
            full.append(timed(["dvc", "repro"], repo, env))
            noop.append(timed(["dvc", "repro"], repo, env))
            tests.append(
                timed(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], repo, env)
            )
            print(f"run {run + 1}: full {full[-1]:.1f} s, no-op {noop[-1]:.2f} s, "
                  f"tests {tests[-1]:.1f} s", flush=True)  # fmt: skip
    print(f"\nstage {args.stage}, median of {args.runs} fresh repos:")
    print(f"  full dvc repro          {statistics.median(full):7.1f} s")
    print(f"  dvc repro, no change    {statistics.median(noop):7.2f} s")
    print(f"  ratio no-op / full      {statistics.median(noop) / statistics.median(full):7.3f}")
    print(f"  generated test suite    {statistics.median(tests):7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
