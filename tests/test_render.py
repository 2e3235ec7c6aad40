"""Rendering every answer combination that changes the file set or the code path.

Each combination is rendered once (fast, no git) and checked for the exact file
set and for leftover Jinja. ``AXES`` names the questions whose answers matter,
with the values ``copier.yml`` offers; a new question of that kind is one more
entry there (and, if it adds files, a ``tests/expected/<stage>.<value>.txt``).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import copier
import pytest
from conftest import ANSWERS, ROOT, choices, render
from helpers import tree

from scaffold._template import Template
from scaffold.stages import STAGES

# Every combination is rendered once per worker: keep this module on one worker.
pytestmark = pytest.mark.xdist_group("render")
EXPECTED = Path(__file__).parent / "expected"
# GitHub expressions `${{ ... }}` are the only braces allowed to survive rendering.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%")

#: The questions whose answers change which files exist or what their code does.
AXES: dict[str, tuple[str, ...]] = {
    "stage": STAGES,
    "ci_provider": choices("ci_provider"),
    "orchestrator": choices("orchestrator"),
    "python_version": choices("python_version"),
    "task": choices("task"),
}
#: Questions copier asks only for some stages (their ``when:``); elsewhere they stay unset.
ONLY_AT = {"orchestrator": {"pipeline-centric"}}


def _combinations() -> list[dict[str, str]]:
    """Every valid combination of the axes; a question not asked at a stage is dropped."""
    combos: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for values in itertools.product(*AXES.values()):
        answers = dict(zip(AXES, values, strict=True))
        for question, stages in ONLY_AT.items():
            if answers["stage"] not in stages:
                answers.pop(question)
        combos.setdefault(tuple(answers.items()), answers)
    return list(combos.values())


COMBINATIONS = _combinations()
IDS = ["-".join(combo.values()) for combo in COMBINATIONS]


def expected_files(answers: dict[str, str]) -> set[str]:
    """The listed file set of a stage, `<pkg>` replaced, with the files each answer adds.

    ``tests/expected/<stage>.txt`` lists the stage with GitHub CI; a file
    ``<stage>.<answer>.txt`` (e.g. ``pipeline-centric.prefect.txt``) lists what an
    answer adds, and GitLab CI replaces the GitHub workflows by ``.gitlab-ci.yml``.
    """
    stage = answers["stage"]
    lines = (EXPECTED / f"{stage}.txt").read_text().split()
    for value in answers.values():
        extra = EXPECTED / f"{stage}.{value}.txt"
        if extra.exists():
            lines += extra.read_text().split()
    files = {line.replace("<pkg>", ANSWERS["package_name"]) for line in lines}
    if answers["ci_provider"] == "gitlab":
        github = {f for f in files if f.startswith(".github/")}
        files = (files - github) | {".gitlab-ci.yml"}
    return files


def without_commit(files: dict[str, bytes]) -> dict[str, bytes]:
    """Drop the answers file's `_commit`: a dirty template gets a fresh commit per render."""
    answers = files.get(".copier-answers.yml", b"")
    kept = b"".join(line for line in answers.splitlines(True) if not line.startswith(b"_commit:"))
    return {**files, ".copier-answers.yml": kept}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every combination rendered once, by its id."""
    out: dict[str, Path] = {}
    for combo, name in zip(COMBINATIONS, IDS, strict=True):
        answers = {k: v for k, v in combo.items() if k != "stage"}
        dest = tmp_path_factory.mktemp("render") / name
        out[name] = render(combo["stage"], dest, git=False, **answers)
    return out


def _id(stage: str, ci: str = "github") -> str:
    """The id of the default combination of ``stage`` with CI provider ``ci``."""
    defaults = {
        "stage": stage,
        "ci_provider": ci,
        "orchestrator": "dvc",
        "python_version": "3.11",
        "task": "binary",
    }
    return next(
        i for combo, i in zip(COMBINATIONS, IDS, strict=True) if combo.items() <= defaults.items()
    )


@pytest.mark.parametrize("combo", COMBINATIONS, ids=IDS)
def test_exact_file_set(rendered: dict[str, Path], combo: dict[str, str]) -> None:
    assert set(tree(rendered["-".join(combo.values())])) == expected_files(combo)


@pytest.mark.parametrize("combo", COMBINATIONS, ids=IDS)
def test_no_template_syntax_left(rendered: dict[str, Path], combo: dict[str, str]) -> None:
    leftovers = [
        f"{name}:{number}: {line.strip()}"
        for name, content in tree(rendered["-".join(combo.values())]).items()
        for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), 1)
        if LEFTOVER_JINJA.search(line)
    ]
    assert leftovers == []


@pytest.mark.parametrize("combo", COMBINATIONS, ids=IDS)
def test_python_version_reaches_packaging_and_ci(
    rendered: dict[str, Path], combo: dict[str, str]
) -> None:
    repo = rendered["-".join(combo.values())]
    version = combo["python_version"]
    assert f'requires-python = ">={version}"' in (repo / "pyproject.toml").read_text()
    ci = ".gitlab-ci.yml" if combo["ci_provider"] == "gitlab" else ".github/workflows/ci.yml"
    assert version in (repo / ci).read_text()


@pytest.mark.parametrize("ci", AXES["ci_provider"])
@pytest.mark.parametrize("stage", STAGES[1:])
def test_stage_contains_previous_stage(rendered: dict[str, Path], stage: str, ci: str) -> None:
    previous = STAGES[STAGES.index(stage) - 1]
    missing = set(tree(rendered[_id(previous, ci)])) - set(tree(rendered[_id(stage, ci)]))
    assert missing == set()


@pytest.mark.parametrize("stage", STAGES)
def test_plain_copier_copy_gives_the_same_tree(
    rendered: dict[str, Path], tmp_path: Path, stage: str
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
    assert without_commit(tree(dest)) == without_commit(tree(rendered[_id(stage)]))


def test_answers_file_records_stage_and_source(rendered: dict[str, Path]) -> None:
    for combo, name in zip(COMBINATIONS, IDS, strict=True):
        answers = (rendered[name] / ".copier-answers.yml").read_text()
        assert f"stage: {combo['stage']}" in answers
        assert f"_src_path: {ROOT}" in answers


def test_every_offered_answer_is_rendered() -> None:
    for question, values in AXES.items():
        assert {combo.get(question) for combo in COMBINATIONS} >= set(values), question
    assert set(Template(str(ROOT)).stages) == set(AXES["stage"])


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
    for stage in STAGES:
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


#: The files that may name the sample: its generator, the contract instance, the
#: problem declaration, the derived-feature hook and the generator's own test.
SAMPLE_FILES = (
    "data/sample.py",
    "data/schema.py",
    "params.yaml",
    "features/derived.py",
    "tests/data/test_sample.py",
)


def _sample_words(rendered: dict[str, Path]) -> set[str]:
    """Column names of every task's sample contract, plus the sample's domain words."""
    words = {"churn", "customer"}
    for combo, name in zip(COMBINATIONS, IDS, strict=True):
        if combo["stage"] == "data-centric":
            schema = rendered[name] / "src" / ANSWERS["package_name"] / "data" / "schema.py"
            words |= set(re.findall(r"^\s+(\w+): Series\[", schema.read_text(), re.MULTILINE))
    # "contract" is a sample column and also the generic word for the data contract.
    return words - {"contract"}


def test_only_the_sample_files_name_the_sample(rendered: dict[str, Path]) -> None:
    """Everything but the sample's own files works from the declared problem."""
    words = _sample_words(rendered)
    assert len(words) > 5, words
    pattern = re.compile(rf"\b({'|'.join(sorted(words))})", re.IGNORECASE)
    offenders = sorted(
        f"{path.relative_to(ROOT).as_posix()}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*")
        if path.is_file() and not path.as_posix().removesuffix(".jinja").endswith(SAMPLE_FILES)
        for match in [pattern.search(path.read_text(encoding="utf-8", errors="replace"))]
        if match
    )
    assert offenders == []
