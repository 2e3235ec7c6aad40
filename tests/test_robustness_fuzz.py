"""Issue 12: the command line driven with generated arguments, answers and repo states.

Every run must end without a traceback, with an exit code from the documented
table, and, when it refuses (exit 2), with nothing on disk changed. Each example
works on a fresh copy of a small sandbox: a generated repo (clean, dirty, with a
branch in the way), a plain git repo, a plain directory, a file and symlinks,
next to a good and a malformed template.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import build_file_tree, generate, git, init_repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synthetic_template import build_synthetic_template

from scaffold.cli import EXIT_CODES
from scaffold.cli import main as cli

# Each code opens a line of the table; wrapped explanations are indented further.
DOCUMENTED = {int(code) for code in re.findall(r"^  (\d+) ", EXIT_CODES, re.MULTILINE)}

# Placeholders in generated argument lists, replaced by paths in the example's sandbox.
PLACES = [
    "{generated}",
    "{dirty}",
    "{blocked}",
    "{plain}",
    "{folder}",
    "{file}",
    "{dangling}",
    "{linked}",
    "{absent}",
    "{generated}/src",
    "{new}",
]
TEMPLATES = ["{template}", "{broken}", "{absent}", "{file}"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox every example copies: repo states and templates, built once."""
    root = tmp_path_factory.mktemp("fuzz") / "sandbox"
    root.mkdir()
    template = build_synthetic_template(root / "template")
    broken = build_file_tree(root / "broken", {"copier.yml": "stage: [a\n", "templates/a/x": ""})
    init_repo(broken)
    generate(template, root / "generated", "a")
    generate(template, root / "dirty", "a")
    (root / "dirty" / "README.md").write_text("edited, not committed\n")
    generate(template, root / "blocked", "a")
    git(root / "blocked", "branch", "scaffold")
    init_repo(build_file_tree(root / "plain", {"pyproject.toml": '[project]\nname = "p q"\n'}))
    build_file_tree(root / "folder", {"notes.txt": "hello\n"})
    (root / "file").write_text("a file\n")
    (root / "dangling").symlink_to(root / "nowhere")
    (root / "linked").symlink_to(root / "folder")
    return root


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root`` (git directories included): kind, mode and content."""
    state: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                state[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                state[rel] = ("dir", path.stat().st_mode)
            else:
                state[rel] = ("file", path.stat().st_mode, path.read_bytes())
    return state


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
answer = st.sampled_from(
    ["project_name", "package_name", "description", "author_email", "stage", "nope", ""]
).flatmap(lambda key: text.map(lambda value: f"{key}={value}"))
stage = st.sampled_from(["a", "b", "c", "data-centric", "z", ""]) | text
ids = st.sampled_from(["DC", "MC", "PC", "DC104", "XX1", "*", "", ","]) | text

OPTIONS = {
    "new": st.lists(
        st.one_of(
            st.tuples(st.just("--stage"), stage),
            st.tuples(st.just("--data"), answer),
            st.tuples(st.just("--template"), st.sampled_from(TEMPLATES)),
            st.tuples(st.just("--vcs-ref"), st.sampled_from(["v1", "HEAD", "nope"]) | text),
            st.tuples(st.just("--defaults")),
            st.tuples(st.just("--no-git")),
        ),
        max_size=5,
    ),
    "upgrade": st.lists(
        st.one_of(
            st.tuples(st.just("--to"), stage),
            st.tuples(st.just("--template"), st.sampled_from(TEMPLATES)),
            st.tuples(st.just("--vcs-ref"), st.sampled_from(["v1", "HEAD", "nope"]) | text),
            st.tuples(st.sampled_from(["--dry-run", "--json"])),
        ),
        max_size=4,
    ),
    "adopt": st.lists(
        st.one_of(
            st.tuples(st.just("--stage"), stage),
            st.tuples(st.just("--data"), answer),
            st.tuples(st.just("--template"), st.sampled_from(TEMPLATES)),
            st.tuples(st.sampled_from(["--dry-run", "--json"])),
        ),
        max_size=5,
    ),
    "check": st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["--select", "--ignore"]), ids),
            st.tuples(st.just("--format"), st.sampled_from(["table", "json", "markdown", "xml"])),
        ),
        max_size=4,
    ),
}
OPTIONS["update"] = OPTIONS["upgrade"]

command_lines = st.sampled_from(sorted(OPTIONS)).flatmap(
    lambda command: st.tuples(
        st.just(command),
        st.lists(st.sampled_from(PLACES) | text, max_size=2),
        OPTIONS[command],
    )
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line=command_lines)
def test_the_cli_never_crashes_and_refusals_change_nothing(
    pristine: Path, tmp_path: Path, line: tuple[str, list[str], list[tuple[str, ...]]]
) -> None:
    command, positional, options = line
    work = tmp_path / "example"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pristine, work, symlinks=True)
    (work / "dangling").unlink()
    (work / "dangling").symlink_to(work / "nowhere")
    (work / "linked").unlink()
    (work / "linked").symlink_to(work / "folder")
    places = {
        name: str(work / name)
        for name in (
            "generated",
            "dirty",
            "blocked",
            "plain",
            "folder",
            "file",
            "dangling",
            "linked",
            "absent",
            "new",
            "template",
            "broken",
        )
    }
    argv = [command, *positional, *(part for option in options for part in option)]
    argv = [arg.format_map(places) if arg.startswith("{") else arg for arg in argv]
    before = snapshot(work)
    err = io.StringIO()

    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli(argv)
        except SystemExit as exited:  # argparse's usage errors and --help
            code = exited.code if isinstance(exited.code, int) else 2

    assert code in DOCUMENTED, (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue(), (argv, err.getvalue())
    if code == 2:
        assert err.getvalue().count("\n") == 1, (argv, err.getvalue())
        assert snapshot(work) == before, argv
    shutil.rmtree(work, ignore_errors=True)
