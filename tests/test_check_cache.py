"""The parsed-module cache of ``scaffold check``: same results, reused only for the same bytes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers import build_file_tree

from scaffold.check import check_repo
from scaffold.check._cache import CACHE_ENV
from scaffold.check.fixtures import python_modules

FILES = {
    "pyproject.toml": '[project]\nname = "demo"\n',
    "src/demo/__init__.py": "",
    "src/demo/app.py": """\
        from fastapi import FastAPI
        from .schema import Rows

        app = FastAPI()

        @app.get("/health")
        def health() -> dict:
            return {"ok": True}
        """,
    "src/demo/schema.py": "import pandera as pa\n\nRows = pa.DataFrameSchema({})\n",
    "src/demo/broken.py": "def (:\n",
    "tests/test_app.py": "from fastapi.testclient import TestClient\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_file_tree(tmp_path / "repo", FILES)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def _modules(repo: Path) -> dict[str, object]:
    files = frozenset(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    return python_modules(repo, files)


def test_cold_warm_and_off_give_the_same_report(
    repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = check_repo(repo).to_dict()
    assert len(list(cache.glob("*.marshal"))) == 1
    warm = check_repo(repo).to_dict()
    monkeypatch.setenv(CACHE_ENV, "")
    off = check_repo(repo).to_dict()
    assert cold == warm == off


def test_a_changed_file_is_read_again(repo: Path, cache: Path) -> None:
    before = _modules(repo)
    assert "pandera" in before["src/demo/schema.py"]["imports"]  # type: ignore[index]
    assert "src/demo/broken.py" not in before  # does not parse, cached as such
    (repo / "src/demo/schema.py").write_text("import pydantic\n")
    (repo / "src/demo/broken.py").write_text("import mlflow\n")
    after = _modules(repo)
    assert after["src/demo/schema.py"]["imports"] == {"pydantic"}  # type: ignore[index]
    assert after["src/demo/broken.py"]["imports"] == {"mlflow"}  # type: ignore[index]


def test_a_corrupt_cache_is_ignored_and_rewritten(repo: Path, cache: Path) -> None:
    expected = _modules(repo)
    (entry,) = cache.glob("*.marshal")
    entry.write_bytes(b"not a cache")
    assert _modules(repo) == expected
    assert entry.read_bytes() != b"not a cache"


def test_an_empty_setting_turns_it_off(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _modules(repo)
    assert not (tmp_path / "xdg").exists()


def test_entries_of_repos_unused_for_a_month_are_pruned(
    repo: Path, tmp_path: Path, cache: Path
) -> None:
    _modules(repo)
    (kept,) = cache.glob("*.marshal")
    month_ago = time.time() - 31 * 24 * 3600
    stale = cache / "0123.marshal"
    stale.write_bytes(b"")
    for path in (kept, stale):
        os.utime(path, (month_ago, month_ago))
    _modules(repo)  # unchanged repo: its entry is marked as used
    assert kept.stat().st_mtime > month_ago + 60
    _modules(build_file_tree(tmp_path / "other", {"a.py": "import os\n"}))  # a new repo
    assert kept.exists() and not stale.exists()
