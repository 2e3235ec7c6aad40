"""Time a generated repo's DVC pipeline: from scratch, per stage, and with nothing changed.

Generates the stage with default answers (pipeline-centric unless told), installs
it into the shared benchmark environment (.cache/bench-venv), then, per fresh repo:

* `dvc repro` from scratch, with the seconds of each stage (from DVC's
  "Running stage" lines, so a stage's time includes DVC hashing its outputs);
* `dvc repro` again with nothing changed, and `dvc status`;
* `import <pkg>.cli` and `<pkg> --help` in a new interpreter (what every stage
  and every command pays before it does anything).

The first repo runs with an empty user cache, as on a new machine; the others
reuse it. A repo writes its new MLflow store from the dump it ships
(`models/mlflow_store.json`) and runs MLflow's migrations into the user cache only
when the installed MLflow is not the one the dump was made with: the line after
run 1 says whether that happened. The machine's load (`uptime`) is printed before
and after, since the timings move with it.

Python's bytecode is cached as after `pip install` (compiled once, before timing):
with `PYTHONDONTWRITEBYTECODE` set and an installer that does not compile (uv's
default), every process compiles every module it imports from source, which
costs more than the pipeline's own work. `--as-is` keeps the caller's setting.

    python benchmarks/bench_pipeline.py [--stage pipeline-centric] [--runs 3] [--tests] [--as-is]
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _generated import VENV, bench_env, generate_and_install, timed

STAGE_LINE = re.compile(r"^Running stage '([^']+)'")
TARGETS = {"from scratch": 20.0, "no-op": 2.0}  # seconds, issue 15


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def repro_by_stage(repo: Path, env: dict[str, str]) -> tuple[float, float, dict[str, float]]:
    """Run `dvc repro`: its seconds, its CPU seconds and the seconds from each stage's start."""
    starts: list[tuple[str, float]] = []
    cpu = children_cpu()
    start = time.perf_counter()
    with subprocess.Popen(
        ["dvc", "repro"], cwd=repo, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        output = []
        for line in process.stdout:
            output.append(line)
            if match := STAGE_LINE.match(line):
                starts.append((match.group(1), time.perf_counter()))
    end = time.perf_counter()
    if process.returncode:
        sys.exit(f"dvc repro failed in {repo}:\n{''.join(output[-30:])}")
    ends = [moment for _, moment in starts[1:]] + [end]
    spans = zip(starts, ends, strict=True)
    return end - start, children_cpu() - cpu, {name: stop - began for (name, began), stop in spans}


def compile_bytecode(env: dict[str, str]) -> None:
    """Compile the environment's modules once, as `pip install` does (a few fail: ignored)."""
    start = time.perf_counter()
    subprocess.run(
        ["python", "-m", "compileall", "-q", "-j0", str(VENV / "lib")],
        env=env, check=False, capture_output=True,
    )  # fmt: skip
    print(f"bytecode of the environment compiled in {time.perf_counter() - start:.0f} s")


def package_name(repo: Path) -> str:
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text(encoding="utf-8"))
    return str(answers["package_name"])


def startup(repo: Path, env: dict[str, str], runs: int = 5) -> tuple[float, float]:
    """Median seconds of `python -c 'import <pkg>.cli'` and of `<pkg> --help`."""
    package = package_name(repo)
    imports = [timed(["python", "-c", f"import {package}.cli"], repo, env) for _ in range(runs)]
    helps = [timed([package, "--help"], repo, env) for _ in range(runs)]
    return statistics.median(imports), statistics.median(helps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="pipeline-centric")
    parser.add_argument("--runs", type=int, default=3, help="fresh repos to time (default: 3)")
    parser.add_argument("--tests", action="store_true", help="also time the repo's own tests")
    parser.add_argument(
        "--as-is", action="store_true", help="no bytecode cache unless the environment has one"
    )
    args = parser.parse_args()

    print(f"load before: {uptime()}", flush=True)
    full: list[float] = []
    full_cpu: list[float] = []
    noop: list[float] = []
    status: list[float] = []
    tests: list[float] = []
    per_stage: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**bench_env(), "XDG_CACHE_HOME": str(Path(tmp) / "user-cache")}
        if not args.as_is:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        for run in range(args.runs):
            repo = Path(tmp) / f"repo{run}"
            generate_and_install(repo, args.stage)
            if run == 0 and not args.as_is:
                compile_bytecode(env)
            total, cpu, stages = repro_by_stage(repo, env)
            full.append(total)
            full_cpu.append(cpu)
            for name, seconds in stages.items():
                per_stage.setdefault(name, []).append(seconds)
            noop.append(timed(["dvc", "repro"], repo, env))
            status.append(timed(["dvc", "status"], repo, env))
            line = (
                f"run {run + 1}{' (empty user cache)' if run == 0 else ''}: "
                f"from scratch {full[-1]:.1f} s ({full_cpu[-1]:.1f} s CPU), "
                f"no-op {noop[-1]:.2f} s, status {status[-1]:.2f} s"
            )
            if args.tests:
                tests.append(
                    timed(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], repo, env)
                )
                line += f", tests {tests[-1]:.1f} s"
            print(line, flush=True)
            if run == 0:
                migrated = sorted(Path(env["XDG_CACHE_HOME"]).glob("*/mlflow-*-blank.db"))
                print(
                    "  MLflow store from migrations (user cache): "
                    + (", ".join(path.name for path in migrated) or "none (from the dump)"),
                    flush=True,
                )
        import_cli, help_cli = startup(repo, env)

    print(f"\nstage {args.stage}, median of {args.runs} fresh repos:")
    print("  dvc repro from scratch, per stage:")
    for name, seconds in per_stage.items():
        print(f"    {name:<22}{statistics.median(seconds):7.2f} s")
    print(
        f"  dvc repro from scratch  {statistics.median(full):7.1f} s"
        f"   (target <= {TARGETS['from scratch']:.0f} s)"
    )
    print(
        f"  ... its CPU (user+sys)  {statistics.median(full_cpu):7.1f} s"
        "   (stages run one at a time: roughly the wall time when idle)"
    )
    print(
        f"  dvc repro, no change    {statistics.median(noop):7.2f} s"
        f"   (target <= {TARGETS['no-op']:.0f} s)"
    )
    print(f"  dvc status, no change   {statistics.median(status):7.2f} s")
    print(f"  import <pkg>.cli        {import_cli:7.2f} s   (median of 5, new interpreter)")
    print(f"  <pkg> --help            {help_cli:7.2f} s")
    if tests:
        print(f"  generated test suite    {statistics.median(tests):7.1f} s")
    print(f"load after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
