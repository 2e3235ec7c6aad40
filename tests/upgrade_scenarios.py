"""Edit scenarios for testing and benchmarking upgrades.

A *profile* names the files of a template where users typically edit (README,
dependency list, params, schema, a file the next stage extends, ...). Edits are
small functions applied to a generated repo; each returns the *expectations*
that must hold after an upgrade: the edit is still present, or the upgrade
reported a conflict naming the file. The synthetic template and the real stages
each have a profile; every edit works on either.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Profile:
    """Where a template's users edit, by role (paths relative to the repo root)."""

    package_dir: str
    readme: str
    pyproject: str
    dependency_anchor: str
    params: str
    param_line: str
    schema: str
    schema_anchor: str
    extended_file: str
    deletable: tuple[str, ...]
    renamable: tuple[str, ...]
    later_stage_files: tuple[str, ...] = ()


SYNTHETIC_PROFILE = Profile(
    package_dir="src/demo",
    readme="README.md",
    pyproject="pyproject.toml",
    dependency_anchor="# Your own dependencies below",
    params="params.yaml",
    param_line="sample_rows:",
    schema="src/demo/schema.py",
    schema_anchor="# Your own columns below",
    extended_file="src/demo/cli.py",
    deletable=("notebooks/explore.md", "src/demo/legacy.py", "src/demo/schema.py"),
    renamable=("src/demo/legacy.py", "notebooks/explore.md", "src/demo/cli.py"),
    later_stage_files=("src/demo/train.py", "src/demo/serve.py"),
)


def _stage_profile(stage: str, pkg: str = "my_ml_project") -> Profile:
    """Where users of the real templates edit, for a repo at ``stage`` (default answers)."""
    src = f"src/{pkg}"
    later = {
        "data-centric": (f"{src}/models/train.py", f"{src}/features/build.py"),
        "model-centric": (f"{src}/serving/app.py", f"{src}/models/gate.py"),
    }[stage]
    return Profile(
        package_dir=src,
        readme="README.md",
        pyproject="pyproject.toml",
        dependency_anchor="# Your own dependencies below this line",
        params="params.yaml",
        param_line="rows:",
        schema=f"{src}/data/schema.py",
        schema_anchor="(pa.DataFrameModel):",
        extended_file=f"{src}/cli.py",
        deletable=(
            "notebooks/01-exploration.ipynb",
            "tests/data/test_report.py",
            f"{src}/data/report.py",
        ),
        renamable=("notebooks/01-exploration.ipynb", f"{src}/data/report.py", f"{src}/config.py"),
        later_stage_files=later,
    )


DATA_CENTRIC_PROFILE = _stage_profile("data-centric")
MODEL_CENTRIC_PROFILE = _stage_profile("model-centric")


@dataclass(frozen=True)
class Expectation:
    """After the upgrade ``path`` contains ``text`` (or is absent when ``absent``)."""

    path: str
    text: str = ""
    absent: bool = False

    def holds(self, read: Callable[[str], str | None]) -> bool:
        content = read(self.path)
        if self.absent:
            return content is None
        return content is not None and self.text in content


@dataclass
class Scenario:
    """A named combination of edits and what each promises."""

    name: str
    edits: list[str] = field(default_factory=list)
    expectations: list[Expectation] = field(default_factory=list)


def _insert_after(path: Path, anchor: str, line: str) -> bool:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for i, existing in enumerate(lines):
        if anchor in existing:
            indent = existing[: len(existing) - len(existing.lstrip())]
            lines.insert(i + 1, f"{indent}{line}\n")
            path.write_text("".join(lines), encoding="utf-8")
            return True
    return False


Edit = Callable[[Path, Profile, random.Random, str], list[Expectation]]


def add_module(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    rel = f"{p.package_dir}/user_{tag}.py"
    text = f'"""User module {tag}."""\n\nANSWER = {rng.randint(1, 999)}\n'
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text, encoding="utf-8")
    return [Expectation(rel, text)]


def add_dependency(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    line = f'"userdep-{tag}>={rng.randint(1, 9)}",'
    if not _insert_after(repo / p.pyproject, p.dependency_anchor, line):
        return []
    return [Expectation(p.pyproject, line)]


def change_param(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    path = repo / p.params
    value = f"{p.param_line} {rng.randint(2000, 99999)}"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.lstrip().startswith(p.param_line):
            indent = line[: len(line) - len(line.lstrip())]
            lines[i] = f"{indent}{value}\n"
            path.write_text("".join(lines), encoding="utf-8")
            return [Expectation(p.params, value)]
    return []


def add_schema_column(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    line = f'"user_col_{tag}": "{rng.choice(["int", "float", "str"])}",'
    if not (repo / p.schema).exists() or not _insert_after(repo / p.schema, p.schema_anchor, line):
        return []
    return [Expectation(p.schema, line)]


def edit_readme(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    path = repo / p.readme
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    sentence = f"Our team note {tag}: the data is refreshed weekly ({rng.randint(1, 99)}).\n"
    # prose goes after the title paragraph, where people write about their project
    lines.insert(min(2, len(lines)), sentence)
    path.write_text("".join(lines), encoding="utf-8")
    return [Expectation(p.readme, sentence.strip())]


def delete_generated(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    candidates = [c for c in p.deletable if (repo / c).exists()]
    if not candidates:
        return []
    rel = rng.choice(candidates)
    (repo / rel).unlink()
    return [Expectation(rel, absent=True)]


def rename_file(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    candidates = [c for c in p.renamable if (repo / c).exists()]
    if not candidates:
        return []
    rel = rng.choice(candidates)
    src = repo / rel
    new_rel = f"{Path(rel).parent.as_posix()}/renamed_{tag}_{src.name}".lstrip("./")
    text = src.read_text(encoding="utf-8") + f"# moved by the team {tag}\n"
    (repo / new_rel).write_text(text, encoding="utf-8")
    src.unlink()
    return [Expectation(new_rel, text)]


def edit_extended_file(repo: Path, p: Profile, rng: random.Random, tag: str) -> list[Expectation]:
    path = repo / p.extended_file
    if not path.exists():
        return []
    addition = f"\n\ndef user_helper_{tag}() -> int:\n    return {rng.randint(1, 99)}\n"
    path.write_text(path.read_text(encoding="utf-8") + addition, encoding="utf-8")
    return [Expectation(p.extended_file, f"def user_helper_{tag}()")]


def edit_generated_file_the_stage_drops(
    repo: Path, p: Profile, rng: random.Random, tag: str
) -> list[Expectation]:
    candidates = [c for c in p.deletable if (repo / c).exists()]
    if not candidates:
        return []
    rel = rng.choice(candidates)
    line = f"# team edit {tag}\n"
    with (repo / rel).open("a", encoding="utf-8") as fh:
        fh.write(line)
    return [Expectation(rel, line.strip())]


def write_file_a_later_stage_brings(
    repo: Path, p: Profile, rng: random.Random, tag: str
) -> list[Expectation]:
    """The team wrote its own ``train.py`` before upgrading: a both-added conflict."""
    candidates = [c for c in p.later_stage_files if not (repo / c).exists()]
    if not candidates:
        return []
    rel = candidates[0]
    text = f'"""Our own version, written before the upgrade ({tag})."""\n'
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text, encoding="utf-8")
    return [Expectation(rel, text.strip())]


EDITS: dict[str, Edit] = {
    "add_module": add_module,
    "add_dependency": add_dependency,
    "change_param": change_param,
    "add_schema_column": add_schema_column,
    "edit_readme": edit_readme,
    "delete_generated": delete_generated,
    "rename_file": rename_file,
    "edit_extended_file": edit_extended_file,
    "edit_dropped_file": edit_generated_file_the_stage_drops,
    "write_later_stage_file": write_file_a_later_stage_brings,
}

STANDARD_SCENARIOS: tuple[tuple[str, ...], ...] = (
    *((name,) for name in EDITS),
    ("add_dependency", "change_param", "add_schema_column", "edit_readme"),
    ("add_module", "edit_extended_file", "rename_file"),
    ("delete_generated", "edit_dropped_file"),
    tuple(EDITS),
)


def apply_scenario(repo: Path, profile: Profile, edits: tuple[str, ...], seed: int) -> Scenario:
    """Apply the named edits in order; the expectations skip edits that had no target."""
    rng = random.Random(seed)
    scenario = Scenario(name="+".join(edits) + f"@{seed}")
    for i, name in enumerate(edits):
        expectations = EDITS[name](repo, profile, rng, f"{seed}_{i}")
        if expectations:
            scenario.edits.append(name)
            # a later edit may undo what an earlier one promised (delete or rename
            # after an edit): keep only promises about files still in that state
            scenario.expectations = [
                e
                for e in scenario.expectations
                if not any(x.path == e.path for x in expectations)
                and (repo / e.path).exists() != e.absent
            ]
            scenario.expectations += expectations
    return scenario


def random_scenario_edits(rng: random.Random) -> tuple[str, ...]:
    """A random non-empty combination of 1-5 edits (repeats allowed)."""
    return tuple(rng.choice(list(EDITS)) for _ in range(rng.randint(1, 5)))
