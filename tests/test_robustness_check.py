"""Issue 12, ``scaffold check``: a verdict only from a whole walk, heuristics that fit real repos,
and configuration errors that are errors (exit 2), never a silent pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from check_cases import run
from helpers import build_file_tree

from scaffold.check import check_repo
from scaffold.check.fixtures import repo_files


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
