"""`scaffold new`: bad input gives one clear line, exit 2, and changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ANSWERS, ROOT
from helpers import git, tree

from scaffold.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(parent: Path) -> dict[str, bytes]:
    return tree(parent)


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    (tmp_path / "keep.txt").write_text("unrelated file\n")
    return tmp_path


def assert_user_error(code: int, err: str, fragment: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scaffold: error: ")
    assert fragment in lines[0]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        pytest.param(["--stage", "no-such-stage"], "unknown stage", id="unknown-stage"),
        pytest.param(
            ["--stage", "data-centric", "-d", "package_name=9lives"],
            "package_name",
            id="package-name-digit",
        ),
        pytest.param(
            ["--stage", "data-centric", "-d", "package_name=my-pkg"],
            "package_name",
            id="package-name-dash",
        ),
        pytest.param(
            ["--stage", "data-centric", "-d", "package_name=class"],
            "package_name",
            id="package-name-keyword",
        ),
        pytest.param(
            ["--stage", "data-centric", "-d", "package_name=../escape"],
            "package_name",
            id="package-name-path",
        ),
        pytest.param(["--stage", "data-centric", "-d", "oops"], "KEY=VALUE", id="malformed-data"),
        pytest.param(["--stage", "data-centric", "-d", "=x"], "KEY=VALUE", id="empty-key"),
        pytest.param(
            ["--stage", "data-centric", "-d", "colour=blue"], "unknown question", id="unknown-key"
        ),
        pytest.param(
            ["--stage", "data-centric", "-d", "ci_provider=jenkins"],
            "ci_provider",
            id="bad-choice",
        ),
        pytest.param(
            ["--stage", "data-centric", "-d", "team_data_science=data science"],
            "team handles",
            id="bad-team-handle",
        ),
        pytest.param(
            ["--stage", "data-centric", "--template", "/nonexistent/template"],
            "template source not found",
            id="missing-template",
        ),
        pytest.param(
            ["--stage", "data-centric", "--data-file", "/nonexistent/answers.yml"],
            "data file not found",
            id="missing-data-file",
        ),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], parent: Path, extra: list[str], fragment: str
) -> None:
    before = snapshot(parent)
    code, _, err = run_cli(capsys, "new", str(parent / "repo"), "--defaults", *extra)
    assert_user_error(code, err, fragment)
    assert snapshot(parent) == before
    assert sorted(p.name for p in parent.iterdir()) == ["keep.txt"]


def test_existing_non_empty_destination_is_refused(
    capsys: pytest.CaptureFixture[str], parent: Path
) -> None:
    dest = parent / "repo"
    dest.mkdir()
    (dest / "notes.md").write_text("mine\n")
    before = snapshot(parent)
    code, _, err = run_cli(capsys, "new", str(dest), "--stage", "data-centric", "--defaults")
    assert_user_error(code, err, "not empty")
    assert snapshot(parent) == before


def test_data_file_must_be_a_mapping(capsys: pytest.CaptureFixture[str], parent: Path) -> None:
    answers = parent / "answers.yml"
    answers.write_text("- just\n- a list\n")
    before = snapshot(parent)
    code, _, err = run_cli(
        capsys, "new", str(parent / "r"), "--stage", "data-centric", "--data-file", str(answers)
    )
    assert_user_error(code, err, "mapping")
    assert snapshot(parent) == before


def test_data_file_and_flags_fill_the_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(f"project_name: From File\npackage_name: from_file\nauthor_name: {'X'}\n")
    dest = tmp_path / "repo"
    code, out, _ = run_cli(
        capsys,
        "new",
        str(dest),
        "--stage",
        "data-centric",
        "--data-file",
        str(answers),
        "-d",
        "package_name=from_flag",
        "--template",
        str(ROOT),
        "--vcs-ref",
        "HEAD",
    )
    assert code == 0
    assert "data-centric" in out
    recorded = (dest / ".copier-answers.yml").read_text()
    assert "package_name: from_flag" in recorded
    assert "project_name: From File" in recorded
    assert (dest / "src" / "from_flag").is_dir()


def test_new_repo_is_committed_and_records_absolute_source(tmp_path: Path) -> None:
    dest = tmp_path / "repo"
    code = main(
        ["new", str(dest), "--stage", "data-centric", "--defaults", "--vcs-ref", "HEAD"]
        + [arg for k, v in ANSWERS.items() for arg in ("-d", f"{k}={v}")]
    )
    assert code == 0
    assert git(dest, "status", "--porcelain") == ""
    assert len(git(dest, "log", "--oneline").splitlines()) == 1
    recorded = (dest / ".copier-answers.yml").read_text()
    assert f"_src_path: {ROOT}" in recorded
    assert "stage: data-centric" in recorded


def test_no_git_leaves_a_plain_directory(tmp_path: Path) -> None:
    dest = tmp_path / "repo"
    assert main(["new", str(dest), "--stage", "data-centric", "--defaults", "--no-git"]) == 0
    assert not (dest / ".git").exists()
    assert (dest / ".copier-answers.yml").is_file()


def test_empty_destination_directory_is_accepted(tmp_path: Path) -> None:
    dest = tmp_path / "repo"
    dest.mkdir()
    assert main(["new", str(dest), "--stage", "data-centric", "--defaults", "--no-git"]) == 0
    assert (dest / "README.md").is_file()


@pytest.mark.parametrize("argv", [["--help"], ["new", "--help"]], ids=["top", "new"])
def test_help_shows_usage_examples_and_exit_codes(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scaffold", *argv], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "exit codes:" in result.stdout
    if argv[0] == "new":
        assert "examples:" in result.stdout
        assert "scaffold new" in result.stdout
