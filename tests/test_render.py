"""Rendering each stage: the exact file set, no leftover Jinja, stages nest, copier agrees."""

from __future__ import annotations

import re
from pathlib import Path

import copier
import pytest
from conftest import ANSWERS, CI_PROVIDERS, ROOT, STAGES, render, stage_exists
from helpers import tree

EXPECTED = Path(__file__).parent / "expected"
PRESENT = [s for s in STAGES if stage_exists(s)]
# GitHub expressions `${{ ... }}` are the only braces allowed to survive rendering.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%")
CI_FILES = {
    "github": {".github/workflows/ci.yml"},
    "gitlab": {".gitlab-ci.yml"},
}


def expected_files(stage: str, ci: str) -> set[str]:
    """The listed file set of a stage, with `<pkg>` for the package and the CI files swapped."""
    lines = (EXPECTED / f"{stage}.txt").read_text().split()
    files = {line.replace("<pkg>", ANSWERS["package_name"]) for line in lines}
    ci_specific = {f for f in files if f.startswith(".github/") or f == ".gitlab-ci.yml"}
    if ci == "gitlab":
        files = (files - ci_specific) | {".gitlab-ci.yml"} | _gitlab_extras(stage)
    return files


def without_commit(files: dict[str, bytes]) -> dict[str, bytes]:
    """Drop the answers file's `_commit`: a dirty template gets a fresh commit per render."""
    answers = files.get(".copier-answers.yml", b"")
    kept = b"".join(line for line in answers.splitlines(True) if not line.startswith(b"_commit:"))
    return {**files, ".copier-answers.yml": kept}


def _gitlab_extras(stage: str) -> set[str]:
    path = EXPECTED / f"{stage}.gitlab.txt"
    return set(path.read_text().split()) if path.exists() else set()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    out: dict[tuple[str, str], Path] = {}
    for stage in PRESENT:
        for ci in CI_PROVIDERS:
            dest = tmp_path_factory.mktemp("render") / f"{stage}-{ci}"
            out[stage, ci] = render(stage, dest, git=False, ci_provider=ci)
    return out


@pytest.mark.parametrize("ci", CI_PROVIDERS)
@pytest.mark.parametrize("stage", PRESENT)
def test_exact_file_set(rendered: dict[tuple[str, str], Path], stage: str, ci: str) -> None:
    assert set(tree(rendered[stage, ci])) == expected_files(stage, ci)


@pytest.mark.parametrize("ci", CI_PROVIDERS)
@pytest.mark.parametrize("stage", PRESENT)
def test_no_template_syntax_left(
    rendered: dict[tuple[str, str], Path], stage: str, ci: str
) -> None:
    leftovers = [
        f"{name}:{number}: {line.strip()}"
        for name, content in tree(rendered[stage, ci]).items()
        for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), 1)
        if LEFTOVER_JINJA.search(line)
    ]
    assert leftovers == []


@pytest.mark.parametrize("ci", CI_PROVIDERS)
@pytest.mark.parametrize("stage", PRESENT[1:])
def test_stage_contains_previous_stage(
    rendered: dict[tuple[str, str], Path], stage: str, ci: str
) -> None:
    previous = STAGES[STAGES.index(stage) - 1]
    missing = set(tree(rendered[previous, ci])) - set(tree(rendered[stage, ci]))
    assert missing == set()


@pytest.mark.parametrize("stage", PRESENT)
def test_plain_copier_copy_gives_the_same_tree(
    rendered: dict[tuple[str, str], Path], tmp_path: Path, stage: str
) -> None:
    dest = tmp_path / "copier"
    copier.run_copy(
        str(ROOT),
        dest,
        data={**ANSWERS, "ci_provider": "github", "stage": stage},
        defaults=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    assert without_commit(tree(dest)) == without_commit(tree(rendered[stage, "github"]))


def test_answers_file_records_stage_and_source(rendered: dict[tuple[str, str], Path]) -> None:
    for (stage, _ci), path in rendered.items():
        answers = (path / ".copier-answers.yml").read_text()
        assert f"stage: {stage}" in answers
        assert f"_src_path: {ROOT}" in answers


def test_templates_need_no_trust() -> None:
    config = (ROOT / "copier.yml").read_text()
    for key in ("_tasks", "_migrations", "_jinja_extensions"):
        assert not re.search(rf"^{key}\s*:", config, re.MULTILINE), key


def _windows(path: Path, size: int) -> set[tuple[str, ...]]:
    lines = [
        line.strip()
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if len(line.strip()) > 3
        and not line.strip().startswith(("{%", "{{-", "#", "import ", "from "))
    ]
    return {tuple(lines[i : i + size]) for i in range(len(lines) - size + 1)}


def test_no_template_text_is_copied_between_stage_directories() -> None:
    """Later stages reuse earlier files by include/extends; no run of 4 lines is repeated."""
    seen: dict[tuple[str, ...], str] = {}
    copies: list[str] = []
    for stage in PRESENT:
        stage_windows: dict[tuple[str, ...], str] = {}
        for path in sorted((ROOT / "templates" / stage).rglob("*")):
            if path.is_file():
                for window in _windows(path, 4):
                    stage_windows.setdefault(window, path.relative_to(ROOT).as_posix())
        copies += [
            f"{where} repeats {seen[window]}: {window[0]}"
            for window, where in stage_windows.items()
            if window in seen
        ]
        seen.update(stage_windows)
    assert copies == []
