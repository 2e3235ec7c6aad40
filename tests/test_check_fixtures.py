"""The fixtures' shortcuts give what the plain way gives.

Read-only YAML values equal what ``yaml.safe_load`` builds; the local walk lists
what the portable ``Traversable`` walk lists; a check leaves the cycle collector
as it found it; the stored signatures are the functions' own.
"""

from __future__ import annotations

import copy
import gc
import inspect
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import build_file_tree

from scaffold.check import check_repo, fixtures
from scaffold.check._cache import CACHE_ENV
from scaffold.check.checks import repo_review_checks
from scaffold.check.fixtures import FrozenDict, FrozenList, repo_files

YAML_DOCUMENTS = {
    "anchors-and-merge-keys": """\
        base: &base {image: python, tags: [a, b]}
        job:
          <<: *base
          script: [pytest]
        other: *base
        """,
    "scalars-of-every-kind": """\
        on: yes
        off_value: off
        count: 0x1f
        ratio: 1_000.5
        nothing: ~
        when: 2024-01-02
        stamp: 2024-01-02T03:04:05Z
        text: !!str 12
        quoted: "01"
        blob: !!binary aGVsbG8=
        """,
    "sets-and-ordered-maps": """\
        unique: !!set {a, b}
        ordered: !!omap [{x: 1}, {y: 2}]
        pairs: !!pairs [{x: 1}, {x: 2}]
        """,
    "nested-lists": "- [1, [2, [3, {k: [v]}]]]\n- {}\n- []\n",
    "a-plain-string": "just text\n",
}


def _plain(value: Any) -> Any:
    """``value`` with frozen containers as plain ones, to compare types too."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, frozenset):
        return set(value)
    return value


@pytest.mark.parametrize("name", sorted(YAML_DOCUMENTS))
def test_read_only_yaml_equals_the_safe_loader(name: str) -> None:
    text = YAML_DOCUMENTS[name].replace("        ", "")
    frozen = yaml.load(text, Loader=fixtures._FrozenLoader)
    assert _plain(frozen) == yaml.safe_load(text)
    assert repr(_plain(frozen)) == repr(yaml.safe_load(text))  # same types, same order


def test_a_recursive_alias_still_refers_to_itself() -> None:
    frozen = yaml.load("&x [1, *x]\n", Loader=fixtures._FrozenLoader)
    assert isinstance(frozen, FrozenList)
    assert frozen[1] is frozen


def test_read_only_values_refuse_changes_and_copy_as_themselves() -> None:
    value = fixtures.freeze({"stages": {"train": {"deps": ["a", {"b": 1}]}}, "tags": {"x"}})
    assert isinstance(value, FrozenDict)
    assert isinstance(value["stages"]["train"]["deps"], FrozenList)
    assert value["tags"] == frozenset({"x"})
    assert copy.deepcopy(value) is value and copy.copy(value) is value
    for change in (
        lambda: value.__setitem__("k", 1),
        lambda: value.update(k=1),
        lambda: value.pop("stages"),
        lambda: value["stages"]["train"]["deps"].append("c"),
        lambda: value["stages"]["train"]["deps"].__setitem__(0, "c"),
    ):
        with pytest.raises(TypeError, match="read-only fixture value"):
            change()
    changeable = dict(value)
    changeable["k"] = 1  # a copy is an ordinary dict
    assert pickle.loads(pickle.dumps(value)) == value


def test_derived_values_are_computed_once() -> None:
    value = FrozenDict({"a": 1})
    calls: list[object] = []

    def make(mapping: FrozenDict) -> int:
        calls.append(mapping)
        return len(mapping)

    assert value.derived("size", make) == value.derived("size", make) == 1
    assert calls == [value]


def test_the_fixtures_repo_review_copies_are_the_values_themselves(tmp_path: Path) -> None:
    repo = build_file_tree(
        tmp_path / "repo",
        {
            "pyproject.toml": '[project]\nname = "pkg"\n[tool.x]\nitems = [{a = 1}]\n',
            "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n    deps: [data]\n",
            "params.yaml": "seed: 1\n",
            ".github/workflows/ci.yml": "on: push\njobs: {test: {steps: [{run: pytest}]}}\n",
            "deploy/app.yaml": "kind: Deployment\n---\nkind: Service\n",
            ".dvc/config": "[core]\nremote = local\n",
            "requirements.txt": "pandas==2.2.0\n",
        },
    )
    from repo_review.fixtures import compute_fixtures

    values = compute_fixtures(repo, repo, fixtures.FIXTURES)
    for name in (
        "pyproject",
        "dvc_pipeline",
        "params",
        "ci_configs",
        "deploy_manifests",
        "dvc_config",
        "requirements",
        "repo_files",
        "python_modules",
    ):
        assert copy.deepcopy(values[name]) is values[name], name


def _tricky_tree(root: Path) -> Path:
    build_file_tree(
        root,
        {
            "src/pkg/a.py": "",
            "README.md": "",
            ".venv/lib/x.py": "",
            "env/pyvenv.cfg": "",
            "env/lib/site.py": "",
            "conda/conda-meta/history": "",
            "conda/lib/x.py": "",
            "markerdir/pyvenv.cfg/inner": "",  # a directory named like the marker
            "markerdir/kept.py": "",
            "data/raw.csv": "",
            "data/raw.csv.dvc": "",
            "data/set/part.csv": "",
            "data/set/part.csv.dvc": "",
            "data/set/.gitignore": "",
            "data/set/deeper/x.dvc": "",
            "node_modules/m/index.js": "",
            ".dvc/cache/ab": "",
            ".dvc/config": "",
            "notes/.ipynb_checkpoints/n.ipynb": "",
        },
    )
    (root / "linked_dir").symlink_to(root / "src", target_is_directory=True)
    (root / "linked_file.py").symlink_to(root / "src/pkg/a.py")
    (root / "broken_link.py").symlink_to(root / "missing.py")
    (root / "loop").symlink_to(root, target_is_directory=True)
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.yaml")
    return root


class _Portable:
    """A tree seen only through the ``Traversable`` API (as a remote one would be)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def name(self) -> str:
        return self._path.name

    def iterdir(self) -> list[_Portable]:
        return [_Portable(child) for child in self._path.iterdir()]

    def is_dir(self) -> bool:
        return self._path.is_dir()

    def is_file(self) -> bool:
        return self._path.is_file()

    def is_symlink(self) -> bool:
        return self._path.is_symlink()

    def joinpath(self, *parts: str) -> _Portable:
        return _Portable(self._path.joinpath(*parts))

    def read_bytes(self) -> bytes:
        return self._path.read_bytes()


def test_the_local_walk_lists_what_the_portable_walk_lists(tmp_path: Path) -> None:
    root = _tricky_tree(tmp_path / "repo")
    local = repo_files(root)
    assert local == repo_files(_Portable(root))  # type: ignore[arg-type]
    assert "markerdir/kept.py" in local  # the marker is a file; a directory of that name is not
    assert {"src/pkg/a.py", "linked_file.py", "data/raw.csv.dvc", ".dvc/config"} <= local
    assert not {"data/raw.csv", "env/lib/site.py", "conda/lib/x.py", "broken_link.py"} & local
    assert not any(path.startswith(("linked_dir/", "loop/", "data/set/deeper/")) for path in local)


def test_local_reads_skip_what_is_not_a_regular_file(tmp_path: Path) -> None:
    root = _tricky_tree(tmp_path / "repo")
    assert fixtures._read_bytes(root, "linked_file.py") == b""
    assert fixtures._read_bytes(root, "src") is None
    assert fixtures._read_bytes(root, "broken_link.py") is None
    assert fixtures._read_bytes(root, "missing.txt") is None
    if hasattr(os, "mkfifo"):
        assert fixtures._read_bytes(root, "pipe.yaml") is None  # returns, does not wait


@pytest.mark.parametrize("enabled", [True, False])
def test_a_check_leaves_the_cycle_collector_as_it_found_it(
    enabled: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = build_file_tree(tmp_path / "repo", {"pyproject.toml": '[project]\nname = "p"\n'})
    monkeypatch.setenv(CACHE_ENV, "")
    seen: list[bool] = []
    real = fixtures.python_modules

    def spying(**kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(**kwargs)

    monkeypatch.setitem(fixtures.FIXTURES, "python_modules", spying)
    spying.__signature__ = inspect.signature(real)  # type: ignore[attr-defined]
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        check_repo(repo)
        assert seen == [False]  # paused while the fixtures are read
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


def test_stored_signatures_are_the_functions_own() -> None:
    checks = [check.check for check in repo_review_checks().values()]
    for func in [*fixtures.FIXTURES.values(), *checks]:
        stored = vars(func).pop("__signature__")
        try:
            assert stored == inspect.signature(func), func
        finally:
            func.__signature__ = stored  # type: ignore[attr-defined]
