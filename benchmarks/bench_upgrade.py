"""Benchmark ``scaffold upgrade`` against plain ``copier update --data stage=...``.

Prints (1) the median wall time of each over alternating runs on the same repo
and their ratio, and (2) on the standard edit scenarios: conflicts reported and
silent losses (an edit gone with exit 0 and no conflict naming its file), ours
against plain copier.

    python benchmarks/bench_upgrade.py                       # synthetic template (a -> b)
    python benchmarks/bench_upgrade.py --template . --from-stage data-centric \\
        --to-stage model-centric --profile DATA_CENTRIC_PROFILE  # the real templates
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import copier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))

import upgrade_scenarios as sc  # noqa: E402
from helpers import commit_all, generate, git, show, snapshot_template  # noqa: E402
from synthetic_template import build_synthetic_template  # noqa: E402

from scaffold.upgrade import upgrade_stage  # noqa: E402


def _fresh_clone(repo: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    git(dest.parent, "clone", "--quiet", str(repo), str(dest))
    return dest


def time_runs(repo: Path, to_stage: str, runs: int, work: Path) -> tuple[float, float]:
    """Median seconds of the two commands, run alternately as a user would (a new process)."""
    env_py = [sys.executable]
    ours: list[float] = []
    plain: list[float] = []
    for i in range(runs):
        order = ("ours", "plain") if i % 2 == 0 else ("plain", "ours")
        for which in order:
            clone = _fresh_clone(repo, work / f"clone-{which}")
            if which == "ours":
                cmd = [
                    *env_py,
                    "-m",
                    "scaffold",
                    "upgrade",
                    str(clone),
                    "--to",
                    to_stage,
                ]
            else:
                cmd = [
                    *env_py,
                    "-m",
                    "copier",
                    "update",
                    "--defaults",
                    "--quiet",
                    "--data",
                    f"stage={to_stage}",
                    str(clone),
                ]
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if proc.returncode not in (0, 3):
                raise SystemExit(f"{which} failed: {proc.stderr.strip()}")
            (ours if which == "ours" else plain).append(elapsed)
    return statistics.median(ours), statistics.median(plain)


def _plain_conflicts(repo: Path) -> set[str]:
    conflicted = {
        line.split("\t", 1)[1] for line in git(repo, "ls-files", "-u").splitlines() if line
    }
    status = git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored")
    for line in status.splitlines():
        path = line[3:]
        if path.endswith(".rej"):
            conflicted.add(path.removesuffix(".rej"))
        elif (repo / path).is_file():
            text = (repo / path).read_text(encoding="utf-8", errors="replace")
            if "\n<<<<<<< " in f"\n{text}":
                conflicted.add(path)
    return conflicted


def compare_scenarios(
    template: Path, profile: sc.Profile, from_stage: str, to_stage: str, work: Path
) -> dict[str, int]:
    totals = {
        "scenarios": 0,
        "ours_conflicts": 0,
        "plain_conflicts": 0,
        "ours_losses": 0,
        "plain_losses": 0,
        "plain_exit_0_with_conflicts": 0,
    }
    print(f"\n{'scenario':58} {'ours c/l':>9} {'copier c/l':>11}")
    for n, edits in enumerate(sc.STANDARD_SCENARIOS):
        base = generate(template, work / f"s{n}", from_stage)
        scenario = sc.apply_scenario(base, profile, edits, seed=n)
        commit_all(base, scenario.name)
        plain = _fresh_clone(base, work / f"s{n}-plain")

        report = upgrade_stage(base, to=to_stage)
        ours_read = functools.partial(show, base, report.branch)
        ours_losses = sum(
            not e.holds(ours_read) and not (report.exit_code and e.path in report.conflicted)
            for e in scenario.expectations
        )

        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            copier.run_update(
                plain, data={"stage": to_stage}, defaults=True, overwrite=True, quiet=True
            )
        conflicts = _plain_conflicts(plain)
        plain_read = functools.partial(_read_file, plain)
        # plain copier exits 0 even with conflicts, so any lost edit is a silent loss
        plain_losses = sum(not e.holds(plain_read) for e in scenario.expectations)

        totals["scenarios"] += 1
        totals["ours_conflicts"] += len(report.conflicted)
        totals["plain_conflicts"] += len(conflicts)
        totals["ours_losses"] += ours_losses
        totals["plain_losses"] += plain_losses
        totals["plain_exit_0_with_conflicts"] += bool(conflicts)
        name = "+".join(edits)[:58]
        print(
            f"{name:58} {len(report.conflicted):>4}/{ours_losses:<4} "
            f"{len(conflicts):>5}/{plain_losses:<5}"
        )
    return totals


def _read_file(repo: Path, path: str) -> str | None:
    file = repo / path
    return file.read_text(encoding="utf-8") if file.is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", help="template path (default: a synthetic a/b/c template)")
    parser.add_argument("--from-stage", default=None)
    parser.add_argument("--to-stage", default=None)
    parser.add_argument(
        "--profile",
        default="SYNTHETIC_PROFILE",
        help="name of a Profile in tests/upgrade_scenarios.py",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument(
        "--no-scenarios", action="store_true", help="time only; skip the edit-scenario comparison"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-upgrade-") as tmp:
        work = Path(tmp)
        # A real template is committed into a snapshot repo first: upgrades need the
        # commit the generated repo records, which a dirty checkout does not have.
        template = (
            snapshot_template(Path(args.template).resolve(), work / "template")
            if args.template
            else build_synthetic_template(work / "template")
        )
        from scaffold._template import Template

        stages = Template(str(template)).stages
        from_stage = args.from_stage or stages[0]
        to_stage = args.to_stage or stages[stages.index(from_stage) + 1]
        profile = getattr(sc, args.profile)

        repo = generate(template, work / "timed", from_stage)
        ours, plain = time_runs(repo, to_stage, args.runs, work)
        print(
            f"template {template}  {from_stage} -> {to_stage}  ({args.runs} runs each, alternating)"
        )
        print(f"scaffold upgrade   median {ours:6.2f} s")
        print(f"copier update      median {plain:6.2f} s")
        print(f"ratio (scaffold / copier) {ours / plain:5.2f}")

        if args.no_scenarios:
            return
        totals = compare_scenarios(template, profile, from_stage, to_stage, work)
        print(f"\n{totals['scenarios']} standard scenarios")
        print(
            f"conflicted files: scaffold {totals['ours_conflicts']}, "
            f"copier {totals['plain_conflicts']}"
        )
        print(
            f"silent losses:    scaffold {totals['ours_losses']}, copier {totals['plain_losses']}"
        )
        print(
            "copier exited 0 with conflicts left in "
            f"{totals['plain_exit_0_with_conflicts']} scenario(s)"
        )


if __name__ == "__main__":
    main()
