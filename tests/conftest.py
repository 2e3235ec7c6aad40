"""Shared fixtures: rendering stages and running generated repos as a user would.

``STAGES`` comes from ``scaffold.stages``; the other answer values from ``copier.yml``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from helpers import IDENTITY, generate
from synthetic_template import build_synthetic_template

from scaffold._template import Template
from scaffold.new import create_repo

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("SCAFFOLD_TEST_CACHE", ROOT / ".cache"))
# Under pytest-xdist each worker installs generated repos into a venv of its own
# (the editable install is re-linked per repo, which must not race); uv's cache
# makes the second venv cheap.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
GENERATED_VENV = CACHE / (f"generated-venv-{_WORKER}" if _WORKER else "generated-venv")
PRE_COMMIT_HOME = CACHE / "pre-commit"


def choices(question: str) -> tuple[str, ...]:
    """The values ``copier.yml`` offers for ``question``, in its order."""
    offered = Template(str(ROOT)).config[question]["choices"]
    return tuple(map(str, offered.values() if isinstance(offered, dict) else offered))


CI_PROVIDERS = choices("ci_provider")

# A developer's own organisation profile (scaffold/profile.py) must not leak into
# the tests: no $SCAFFOLD_PROFILE, and an empty config home instead of ~/.config.
os.environ.pop("SCAFFOLD_PROFILE", None)
os.environ["XDG_CONFIG_HOME"] = str(CACHE / "empty-config-home")

# Tests commit in generated repos; CI machines may have no git identity.
for _var, _value in IDENTITY.items():
    os.environ.setdefault(_var, _value)

# Explicit answers used by the rendering tests (everything but the stage).
ANSWERS = {
    "project_name": "Churn Insights",
    "package_name": "churn_insights",
    "description": "Predict which customers will churn.",
    "author_name": "Data Team",
    "author_email": "data-team@example.com",
    "python_version": "3.11",
    "team_data_engineering": "@acme/data-eng",
    "team_data_science": "@acme/data-science",
    "team_application": "@acme/ml-platform",
}


def render(stage: str, dest: Path, *, git: bool = True, **answers: str) -> Path:
    """Render ``stage`` of this checkout's template into ``dest`` with explicit answers."""
    data = {**ANSWERS, "ci_provider": "github", **answers}
    create_repo(dest, stage, data=data, defaults=True, template=str(ROOT), vcs_ref="HEAD", git=git)
    return dest


def _uv() -> str:
    candidate = Path(sys.executable).parent / "uv"
    found = str(candidate) if candidate.exists() else shutil.which("uv")
    if not found:
        pytest.skip("uv is needed to install generated repos")
    return found


@pytest.fixture(scope="session")
def generated_venv() -> Path:
    """One virtual environment shared by all generated repos' dependencies."""
    python = GENERATED_VENV / "bin" / "python"
    if not python.exists():
        GENERATED_VENV.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [_uv(), "venv", "-q", "--python", sys.executable, str(GENERATED_VENV)], check=True
        )
    return GENERATED_VENV


Runner = Callable[..., subprocess.CompletedProcess[str]]


def runner_env(venv: Path) -> dict[str, str]:
    """The environment a user has after activating the generated repo's venv."""
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PRE_COMMIT_HOME": str(PRE_COMMIT_HOME),
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        # In-process Prefect waits 20 s for its ephemeral server by default; a loaded
        # 2-core CI machine can take longer to start it.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    env.pop("PYTHONPATH", None)
    return env


def make_runner(repo: Path, venv: Path) -> Runner:
    """A function that runs a command inside ``repo`` with the shared venv first on PATH."""
    env = runner_env(venv)

    def run(
        *cmd: str, check: bool = True, timeout: float = 900, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        _activate(repo, venv)
        result = subprocess.run(
            list(cmd),
            cwd=repo,
            env={**env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"{' '.join(cmd)} exited {result.returncode} in {repo}\n"
                f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
            )
        return result

    return run


# Generated repos share package names, so the shared venv points at one of them
# at a time; the runner re-links the editable install when the repo changes.
_ACTIVE: dict[Path, Path] = {}


def _activate(repo: Path, venv: Path) -> None:
    if _ACTIVE.get(venv) != repo:
        install_generated(repo, venv, extras=(), no_deps=True)


def install_generated(
    repo: Path, venv: Path, extras: Sequence[str] = ("dev",), *, no_deps: bool = False
) -> None:
    """Install a generated repo (editable, with extras) into the shared venv."""
    spec = f"{repo}[{','.join(extras)}]" if extras else str(repo)
    flags = ["--no-deps"] if no_deps else []
    python = str(venv / "bin" / "python")
    packages = _site_packages(venv)
    before = set(os.listdir(packages)) if packages.is_dir() else set()
    subprocess.run(
        [_uv(), "pip", "install", "-q", *flags, "--python", python, "-e", spec],
        check=True,
        timeout=1200,
    )
    _ACTIVE[venv] = repo
    added = set(os.listdir(packages)) - before
    if any(not name.startswith("__editable__") and not name.endswith((".dist-info", ".pth"))
           for name in added):  # fmt: skip
        _compile_bytecode(venv, packages)


def _site_packages(venv: Path) -> Path:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return venv / "lib" / version / "site-packages"


def _compile_bytecode(venv: Path, packages: Path) -> None:
    """Compile what an install added, once, as pip does by default.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (CI machines often set it) and the
    installer does not compile, every process the tests start compiles pandas,
    scikit-learn and MLflow from source again: seconds per process. ``compileall``
    skips files whose bytecode is current, so only new packages cost anything.
    """
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "compileall", "-q", "-j", "0", str(packages)],
        check=False,
        capture_output=True,
        timeout=1200,
    )


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small synthetic a → b → c template (tests/synthetic_template.py), built once
    per test process; tests render from it and never change it."""
    return build_synthetic_template(tmp_path_factory.mktemp("tpl") / "template")


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    """A fresh repo at the synthetic template's stage ``a``, committed."""
    return generate(template, tmp_path / "repo", "a")


@pytest.fixture(scope="session", autouse=True)
def _check_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Checks keep their parsed-module cache in this session's temporary directory,
    never in the developer's home (subprocesses inherit the variable)."""
    os.environ["SCAFFOLD_CACHE_DIR"] = str(tmp_path_factory.mktemp("scaffold-cache"))
