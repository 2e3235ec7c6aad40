"""Median time of `scaffold new` against plain `copier copy` of the same template.

Runs the two alternately (so drift in machine load hits both), with the same
answers, and prints the medians and their ratio. `scaffold new` does more than
copier: it validates input, renders into a staging directory and makes the first
git commit; `--no-git` isolates the rendering overhead.

    python benchmarks/bench_new.py [--runs 7] [--stage data-centric]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stage", default="data-centric")
    args = parser.parse_args()

    variants = {
        "copier copy": lambda d: [
            str(BIN / "copier"),
            "copy",
            "-q",
            "--defaults",
            "-r",
            "HEAD",
            "-d",
            f"stage={args.stage}",
            str(ROOT),
            d,
        ],
        "scaffold new": lambda d: [
            str(BIN / "scaffold"),
            "new",
            d,
            "--stage",
            args.stage,
            "--defaults",
            "--vcs-ref",
            "HEAD",
        ],
        "scaffold new --no-git": lambda d: [
            str(BIN / "scaffold"),
            "new",
            d,
            "--stage",
            args.stage,
            "--defaults",
            "--vcs-ref",
            "HEAD",
            "--no-git",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):  # the first round warms caches and is dropped
            for name, make_cmd in variants.items():
                elapsed = _time(
                    make_cmd(f"{tmp}/{run}-{len(times[name])}-{name.replace(' ', '_')}")
                )
                if run:
                    times[name].append(elapsed)
    base = statistics.median(times["copier copy"])
    print(f"stage {args.stage}, {args.runs} alternating runs, median seconds:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<24} {median:6.3f} s   ratio to copier copy {median / base:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
