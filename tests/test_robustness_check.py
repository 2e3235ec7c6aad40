"""Issue 12, ``scaffold check``: a verdict only from a whole walk, heuristics that fit real repos,
and configuration errors that are errors (exit 2), never a silent pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from check_cases import run
from helpers import build_file_tree

from scaffold.check import check_repo
from scaffold.check.fixtures import repo_files
from scaffold.cli import main as cli
from scaffold.errors import EXIT_USER_ERROR


def status(report, check_id: str) -> str:  # type: ignore[no-untyped-def]
    return next(r.status for r in report.results if r.id == check_id)


# ---------------------------------------------------------------------------
# Item 4: a large data directory never cuts the walk short
# ---------------------------------------------------------------------------


def test_a_large_data_directory_does_not_hide_the_tests(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"tests/test_contract.py": "def test_x():\n    pass\n"})
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    for i in range(25_000):
        (raw / f"part-{i:05}.csv").touch()
    (tmp_path / "data" / "raw.dvc").write_text("outs:\n- path: raw\n")

    files = repo_files(tmp_path)

    assert "tests/test_contract.py" in files and "data/raw.dvc" in files
    assert status(check_repo(tmp_path, select=["DC104"]), "DC104") == "pass"


def test_a_virtual_env_under_any_name_is_not_walked(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "env/pyvenv.cfg": "home = /usr/bin\n",
            "env/lib/python3.12/site/test_thing.py": "",
            "conda/conda-meta/history": "",
            "conda/lib/test_other.py": "",
            "src/pkg/__init__.py": "",
        },
    )
    assert repo_files(tmp_path) == frozenset({"src/pkg/__init__.py"})


# ---------------------------------------------------------------------------
# Item 17: heuristics seen on real repos
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["tests/unit_tests.py", "test/tests.py", "tests/unit/checks_test.py"]
)
def test_test_modules_under_tests_count_as_tests(path: str) -> None:
    assert run("DC104", repo_files=frozenset({path})) == ""


def test_helpers_under_tests_alone_are_not_tests() -> None:
    assert run("DC104", repo_files=frozenset({"tests/__init__.py", "tests/conftest.py"})) != ""


@pytest.mark.parametrize(
    "path", ["tools/releases/Dockerfile", ".devcontainer/Dockerfile", "ci/build/Dockerfile"]
)
def test_a_tooling_dockerfile_is_not_the_service_image(path: str) -> None:
    assert run("PC313", repo_files=frozenset({path})) != ""


@pytest.mark.parametrize(
    "path", ["Dockerfile", "serving/Dockerfile", "deploy/api/Dockerfile", "docker/app.Dockerfile"]
)
def test_a_service_dockerfile_is_the_service_image(path: str) -> None:
    assert run("PC313", repo_files=frozenset({path})) == ""


# ---------------------------------------------------------------------------
# Item 10: invalid configuration is exit 2; running no checks is never a pass
# ---------------------------------------------------------------------------


def failing_repo(root: Path, config: str) -> Path:
    """A repo declaring data-centric that meets nothing, with a ``[tool.repo-review]`` table."""
    return build_file_tree(
        root,
        {
            ".copier-answers.yml": "_commit: v1\n_src_path: x\nstage: data-centric\n",
            "pyproject.toml": f"[project]\nname = 'x'\n\n[tool.repo-review]\n{config}\n",
        },
    )


@pytest.mark.parametrize(
    "config",
    ["select = 5", 'select = "DC"', 'ignore = "DC101"', "select = [1]", 'select = ["XX9"]'],
    ids=["number", "string", "string-ignore", "list-of-numbers", "unknown-id"],
)
def test_an_invalid_repo_review_table_is_exit_2(
    tmp_path: Path, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = failing_repo(tmp_path, config)

    assert cli(["check", str(repo)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[tool.repo-review]" in err


def test_a_valid_repo_review_table_is_honoured(tmp_path: Path) -> None:
    repo = failing_repo(tmp_path, 'select = ["DC"]\nignore = {DC101 = "no lock file here"}')
    report = check_repo(repo)
    assert {r.stage for r in report.results} == {"data-centric"}
    assert status(report, "DC101") == "ignored"


@pytest.mark.parametrize(
    "argv", [["--select", "DC", "--ignore", "DC"], ["--select", "DC101", "--ignore", "DC"]]
)
def test_selecting_no_check_is_exit_2(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = failing_repo(tmp_path, "")
    assert cli(["check", str(repo), *argv]) == EXIT_USER_ERROR
    assert "no check is selected" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Item 11: a reader that stops early (| head -1) is not an error
# ---------------------------------------------------------------------------


def test_check_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    repo = failing_repo(tmp_path, "")
    script = (
        f"{sys.executable} -m scaffold check {repo} --format json | true; echo ${{PIPESTATUS[0]}}"
    )
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.stdout.strip() in {"0", "1"}


# ---------------------------------------------------------------------------
# Item 16: the documented `repo-review PATH` works from a fresh install
# ---------------------------------------------------------------------------


def test_the_package_requires_repo_reviews_command_line() -> None:
    """A fresh install must bring what `repo-review PATH` imports (its ``cli`` extra)."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    wanted = [Requirement(r) for r in requires("mlops-scaffold") or []]
    assert any(r.name == "repo-review" and "cli" in r.extras and not r.marker for r in wanted)


def test_repo_review_command_runs_our_checks(tmp_path: Path) -> None:
    repo = failing_repo(tmp_path, "")
    command = Path(sys.executable).parent / "repo-review"
    proc = subprocess.run(
        [str(command), str(repo)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "DC104" in proc.stdout and "Data-centric" in proc.stdout
