"""The parsed-module cache of ``scaffold check``: same results, reused only for the same bytes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers import build_file_tree

from scaffold.check import check_repo, fixtures
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


@pytest.fixture
def digested(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bytes of every file digested from here on."""
    seen: list[bytes] = []
    real = fixtures.cache_digest

    def counting(data: bytes) -> bytes:
        seen.append(data)
        return real(data)

    monkeypatch.setattr(fixtures, "cache_digest", counting)
    return seen


def _modules(repo: Path) -> dict[str, object]:
    files = frozenset(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    return python_modules(repo, files)


def _read_all(modules: object) -> dict[str, dict[str, object]]:
    """What every module declares, read in full (so kept when the mapping is dropped)."""
    return {path: dict(info) for path, info in modules.items()}  # type: ignore[attr-defined]


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
    expected = _read_all(_modules(repo))
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
    _read_all(_modules(repo))  # every file read (a repo with nothing read keeps no entry)
    (kept,) = cache.glob("*.marshal")
    month_ago = time.time() - 31 * 24 * 3600
    stale = cache / "0123.marshal"
    stale.write_bytes(b"")
    for path in (kept, stale):
        os.utime(path, (month_ago, month_ago))
    _read_all(_modules(repo))  # unchanged repo: its entry is marked as used
    assert kept.stat().st_mtime > month_ago + 60
    _read_all(_modules(build_file_tree(tmp_path / "other", {"a.py": "import os\n"})))  # a new repo
    assert kept.exists() and not stale.exists()


def test_with_the_cache_off_no_file_is_digested(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    expected = check_repo(repo).to_dict()

    def refuse(data: bytes) -> bytes:
        raise AssertionError("digested with the cache off")

    monkeypatch.setattr(fixtures, "cache_digest", refuse)
    assert check_repo(repo).to_dict() == expected


def test_a_cold_run_digests_only_what_it_keeps(
    repo: Path, cache: Path, digested: list[bytes]
) -> None:
    cold = check_repo(repo).to_dict()
    sources = {(repo / path).read_bytes() for path in FILES if path.endswith(".py")}
    kept = set(digested)
    assert kept and kept < sources  # not every file: only those parsed
    digested.clear()
    assert check_repo(repo).to_dict() == cold
    assert set(digested) == kept  # compared with their entries; nothing parsed again


def test_entries_are_keyed_by_the_files_bytes_ascii_or_not(
    tmp_path: Path, cache: Path, digested: list[bytes]
) -> None:
    files = {
        "src/demo/plain.py": "import pandera\n",
        "src/demo/accents.py": "# café\nimport pandera\nX = 'é'\n",
    }
    repo = build_file_tree(tmp_path / "repo", {**FILES, **files})
    (repo / "src/demo/latin.py").write_bytes(b"# caf\xe9 (not UTF-8)\nimport pandera\n")
    cold = _read_all(_modules(repo))
    on_disk = {(repo / path).read_bytes() for path in [*files, "src/demo/latin.py"]}
    assert on_disk <= set(digested)  # the very bytes of each file, whatever its encoding
    assert _read_all(_modules(repo)) == cold
