"""Shared by the benchmarks that run a generated repo: make it, install it, train it.

Generated repos are installed into one virtual environment cached at
``.cache/bench-venv``; the benchmarks share it, so run them one after another.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".cache" / "bench-venv"


def uv() -> str:
    found = Path(sys.executable).parent / "uv"
    return str(found) if found.exists() else (shutil.which("uv") or "uv")


def bench_env() -> dict[str, str]:
    """The venv first on PATH; no tracking server or model override from the caller."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MLFLOW_", "MY_ML_PROJECT_")) and k != "PYTHONPATH"
    }
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(VENV)
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    return env


def generate_and_install(repo: Path, stage: str) -> None:
    """`scaffold new` the stage with default answers and install it (editable, dev extra)."""
    if not (VENV / "bin" / "python").exists():
        subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(VENV)], check=True)
    subprocess.run(
        [sys.executable, "-m", "scaffold", "new", str(repo), "--stage", stage,
         "--defaults", "--vcs-ref", "HEAD"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [uv(), "pip", "install", "-q", "--python", str(VENV / "bin" / "python"),
         "-e", f"{repo}[dev]"],
        check=True,
    )  # fmt: skip


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds one command takes (it must succeed)."""
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def trained_repo(repo: Path, stage: str, env: dict[str, str]) -> float:
    """Generate and install the repo, run `dvc repro`; return the repro time."""
    generate_and_install(repo, stage)
    return timed(["dvc", "repro"], repo, env)
