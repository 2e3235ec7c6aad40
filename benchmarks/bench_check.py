"""Time ``scaffold check`` (``check_repo``) per repository over many generated repos.

Renders each requested stage once with copier, copies the tree N times (copies
are cheap; rendering is not what is measured), then checks every copy twice and
prints mean / median / min / max milliseconds per repo: "cold" with an empty
parsed-module cache (a repo checked for the first time), "warm" with the cache
the first pass left (a repo checked again, its files unchanged). The cache is a
fresh temporary directory, never the user's. Each line also says how many
Python files per repo were parsed and their size. A stage whose template is
not written yet is skipped.

    python benchmarks/bench_check.py [--repos 100] [--stage data-centric ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaffold.check import STAGES, check_repo  # noqa: E402
from scaffold.check import fixtures as check_fixtures  # noqa: E402
from scaffold.check._cache import CACHE_ENV  # noqa: E402
from scaffold.new import create_repo  # noqa: E402

ANSWERS = {
    "project_name": "Churn Insights",
    "package_name": "churn_insights",
    "ci_provider": "github",
}


def bench_stage(stage: str, repos: int, workdir: Path) -> list[float] | None:
    """Seconds ``check_repo`` took on each of ``repos`` copies of a fresh ``stage`` render."""
    original = workdir / f"{stage}-0"
    create_repo(
        original, stage, data=ANSWERS, defaults=True, template=str(ROOT), vcs_ref="HEAD", git=False
    )
    copies = [original]
    for index in range(1, repos):
        copy = workdir / f"{stage}-{index}"
        shutil.copytree(original, copy, symlinks=True)
        copies.append(copy)

    files = sum(1 for p in original.rglob("*") if p.is_file())
    for cache in ("cold", "warm"):
        timings = []
        met = set()
        parsed.clear()
        for copy in copies:
            start = time.perf_counter()
            report = check_repo(copy)
            timings.append(time.perf_counter() - start)
            met.add(report.met_stage)
        print(
            f"{stage:17} {cache} repos={repos} files/repo={files} "
            f"mean={statistics.mean(timings) * 1000:.1f}ms "
            f"median={statistics.median(timings) * 1000:.1f}ms "
            f"min={min(timings) * 1000:.1f}ms max={max(timings) * 1000:.1f}ms "
            f"parsed/repo={len(parsed) / repos:.1f} ({sum(parsed) / repos / 1000:.1f} kB) "
            f"met={','.join(sorted(m or 'none' for m in met))}"
        )
    return timings


#: The size of every Python file parsed since the last ``clear()``.
parsed: list[int] = []


def _count_parses() -> None:
    """Record each parse of a Python file (``parsed``), around the fixture's parser."""
    real = check_fixtures._parse_tree

    def counting(path: str, text: str) -> Any:
        parsed.append(len(text))
        return real(path, text)

    check_fixtures._parse_tree = counting


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=100, help="copies per stage (default 100)")
    parser.add_argument("--stage", action="append", choices=STAGES, help="stage(s) to render")
    args = parser.parse_args()

    _count_parses()
    all_timings: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        os.environ[CACHE_ENV] = str(Path(tmp) / "cache")
        for stage in args.stage or STAGES:
            all_timings += bench_stage(stage, args.repos, Path(tmp)) or []
    if all_timings:
        print(
            f"{'all':17} warm repos={len(all_timings)} "
            f"mean={statistics.mean(all_timings) * 1000:.1f}ms "
            f"median={statistics.median(all_timings) * 1000:.1f}ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
