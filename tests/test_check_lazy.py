"""``scaffold check`` parses a Python file only when its text can hold what a check asks.

The text screens (``LazyModule.could_import``, ``could_name``, ``could_string``) may
only skip a parse when the parse could not change the answer. Each case spells a
fact in a way a naive text search misses; the report must be the same with the
screens as with every file parsed, and the named check must see the fact.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers import build_file_tree

from scaffold.check import check_repo, fixtures
from scaffold.check._cache import CACHE_ENV
from scaffold.check.fixtures import LazyModule, python_modules, repo_files

PYPROJECT = {"pyproject.toml": '[project]\nname = "pkg"\n'}

# The tracking library, imported by a module the string checks do not need.
TRACKED = {"src/pkg/track.py": "import mlflow\n"}


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the files parsed from here on, in order."""
    seen: list[str] = []
    real = fixtures._parse_tree

    def counting(path: str, text: str) -> object:
        seen.append(path)
        return real(path, text)

    monkeypatch.setattr(fixtures, "_parse_tree", counting)
    return seen


# case -> (files, check ID, expected status)
CASES = {
    "env-var-glued-from-two-literals": (
        {**TRACKED, "src/pkg/settings.py": 'URI = os.environ["MLFLOW_" "TRACKING_URI"]\n'},
        "MC214",
        "pass",
    ),
    "env-var-glued-across-lines": (
        {
            **TRACKED,
            "src/pkg/settings.py": 'URI = (\n    "MLFLOW_TRA"  # why\n    f"CKING_URI"\n)\n',
        },
        "MC214",
        "pass",
    ),
    "env-var-with-an-escape": (
        {**TRACKED, "src/pkg/settings.py": 'URI = "MLFLOW\\x5fTRACKING_URI"\n'},
        "MC214",
        "pass",
    ),
    "env-var-absent": (
        {**TRACKED, "src/pkg/settings.py": 'URI = "MLFLOW_TRACKING"\nX = "_URI"\n'},
        "MC214",
        "fail",
    ),
    "import-after-a-comma": ({"src/pkg/schema.py": "import os, pandera\n"}, "DC121", "pass"),
    "import-across-a-line-continuation": (
        {"src/pkg/schema.py": "from \\\n    pandera import DataFrameSchema\n"},
        "DC121",
        "pass",
    ),
    "import-after-a-comma-and-a-line-continuation": (
        {"src/pkg/schema.py": "import os, \\\n    json as j, pandera.typing\n"},
        "DC121",
        "pass",
    ),
    "import-spelled-with-unicode": (
        {"src/pkg/schema.py": "import \uff50andera\n"},
        "DC121",
        "pass",
    ),
    "library-named-only-in-a-docstring": (
        {"src/pkg/schema.py": '"""Written without pandera."""\nimport os\n'},
        "DC121",
        "fail",
    ),
    "schema-used-through-a-relative-import": (
        {
            "src/pkg/schema.py": "import pandera\n",
            "src/pkg/validate.py": "from . import schema\n",
            "tests/test_schema.py": "from pkg.schema import x\n",
        },
        "DC122",
        "pass",
    ),
    "schema-imported-only-by-another-schema": (
        {
            "src/pkg/schema.py": "import pandera\n",
            "src/pkg/rules.py": "import pydantic\nfrom pkg import schema\n",
            "src/pkg/train.py": "import pkg\nfrom pkg import rules_not_schema\n",
        },
        "DC122",
        "fail",
    ),
    "schema-tested-through-a-package-import": (
        {
            "src/pkg/data/schema.py": "import pandera\n",
            "src/pkg/data/validate.py": "from .schema import x\n",
            "tests/test_data.py": "import pkg.data.schema.extra\n",
        },
        "DC123",
        "pass",
    ),
    "schema-untested": (
        {
            "src/pkg/data/schema.py": "import pandera\n",
            "src/pkg/data/validate.py": "from .schema import x\n",
            "tests/test_data.py": "import pkg.data\n",
        },
        "DC123",
        "fail",
    ),
    "dotted-library-imported-by-parts": (
        {"src/pkg/app.py": "from ray import serve\n"},
        "PC311",
        "pass",
    ),
    "dotted-library-only-inside-words": (
        {"src/pkg/app.py": "import numpy\narray = numpy.array\nserving = 1\n"},
        "PC311",
        "fail",
    ),
    "tested-model-module-that-does-not-parse": (
        {
            "src/pkg/models.py": "def (:\n",
            "tests/test_models.py": "from pkg import models\n",
        },
        "MC241",
        "fail",
    ),
    "tested-model-module": (
        {
            "src/pkg/models.py": "X = 1\n",
            "tests/test_models.py": "from pkg import models\n",
        },
        "MC241",
        "pass",
    ),
    "prediction-log-in-another-case": (
        {"src/pkg/serve.py": "def LogPrediction(row):\n    return row\n"},
        "PC322",
        "pass",
    ),
    "predictions-log-in-upper-case": (
        {"src/pkg/serve.py": "PREDICTIONS_LOG = 'x'\n"},
        "PC322",
        "pass",
    ),
    "prediction-log-glued-to-another-word": (
        {"src/pkg/serve.py": "def write_predictionlogfile(row):\n    return row\n"},
        "PC322",
        "pass",
    ),
    "predictions-named-but-never-logged": (
        {"src/pkg/serve.py": "def predictions(rows):\n    log = rows\n    return log\n"},
        "PC322",
        "fail",
    ),
    "registry-call": (
        {"src/pkg/train.py": "import mlflow\nmlflow.set_registered_model_alias('m', 'a', 1)\n"},
        "MC213",
        "pass",
    ),
    # The module screen (``could_import_module``): a module's last part must follow a
    # dot, ``import``, a comma or a parenthesis, comment lines allowed in between.
    "schema-imported-in-parentheses-after-comments": (
        {
            "src/pkg/data/schema.py": "import pandera\n",
            "src/pkg/data/validate.py": (
                "from pkg.data import (  # the contract\n    # and no more\n    schema,\n)\n"
            ),
        },
        "DC122",
        "pass",
    ),
    "schema-imported-relatively-in-parentheses-only": (
        {
            "src/pkg/data/schema.py": "import pandera\n",
            "src/pkg/data/validate.py": "from . import (\n    schema,\n)\n",
        },
        "DC122",
        "pass",
    ),
    "schema-imported-with-spaces-in-its-dotted-name": (
        {
            "src/pkg/data/schema.py": "import pandera\n",
            "src/pkg/data/validate.py": "import pkg . data .\\\n    schema\n",
        },
        "DC122",
        "pass",
    ),
    "schema-named-after-a-dot-but-not-imported": (
        {
            "src/pkg/data/schema.py": "import pandera\n",
            "src/pkg/data/rules.py": "X = 1\n",
            "src/pkg/data/validate.py": "from pkg.data import rules\nCHECK = rules.schema\n",
        },
        "DC122",
        "fail",
    ),
    "schema-tested-through-a-parenthesized-import": (
        {
            "src/pkg/data/schema.py": "import pandera\n",
            "tests/test_data.py": "from pkg.data import (\n    schema as contract,\n)\n",
        },
        "DC123",
        "pass",
    ),
    "tested-model-modules-one-of-which-parses": (
        {
            "src/pkg/models/a.py": "def (:\n",
            "src/pkg/models/b.py": "X = 1\n",
            "tests/test_a.py": "import pkg.models.a\n",
            "tests/test_b.py": "# checks pkg.models.a too\nfrom pkg.models import (\n    b,\n)\n",
        },
        "MC241",
        "pass",
    ),
    "tested-model-modules-none-of-which-parses": (
        {
            "src/pkg/models/a.py": "def (:\n",
            "src/pkg/models/b.py": "class :\n",
            "src/pkg/models/c.py": "X = 1\n",
            "tests/test_a.py": "import pkg.models.a\n",
            "tests/test_b.py": "# pkg.models.c is not tested\nfrom pkg.models import b\n",
        },
        "MC241",
        "fail",
    ),
}


def _report(repo: Path) -> dict[str, object]:
    return check_repo(repo).to_dict()


@pytest.mark.parametrize("case", sorted(CASES))
def test_text_screens_never_change_a_verdict(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, check_id, expected = CASES[case]
    repo = build_file_tree(tmp_path / "repo", {**PYPROJECT, **files})
    monkeypatch.setenv(CACHE_ENV, "")
    screened = _report(repo)
    for name in ("could_import", "could_import_module", "could_name", "could_string"):
        monkeypatch.setattr(LazyModule, name, lambda self, *args, **kwargs: True)
    parsed = _report(repo)
    assert screened == parsed
    (status,) = [c["status"] for c in screened["checks"] if c["id"] == check_id]  # type: ignore[index, union-attr]
    assert status == expected


def test_a_file_is_parsed_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = build_file_tree(
        tmp_path / "repo",
        {"src/pkg/a.py": "import pandera\n", "src/pkg/b.py": "def (:\n", "src/pkg/c.py": "X = 1\n"},
    )
    monkeypatch.setenv(CACHE_ENV, "")
    modules = python_modules(repo, repo_files(repo))
    infos = modules.candidates()
    assert set(infos) == {"src/pkg/a.py", "src/pkg/b.py", "src/pkg/c.py"}
    assert not infos["src/pkg/c.py"].could_import(frozenset({"pandera"}))  # type: ignore[union-attr]
    assert infos["src/pkg/a.py"].could_import(frozenset({"pandera"}))  # type: ignore[union-attr]
    # As a mapping it is exact: the file that does not parse is not in it.
    assert "src/pkg/b.py" not in modules
    assert sorted(modules) == ["src/pkg/a.py", "src/pkg/c.py"]
    assert modules["src/pkg/a.py"]["imports"] == {"pandera"}


# Files, and what a first run parses (each then comes from the cache): modules read
# in full or for their imports only, and a module only asked whether it parses.
CACHED_READS = {
    "imports and full reads": (
        {
            "src/pkg/schema.py": "import pandera\n",
            "src/pkg/app.py": "from fastapi import FastAPI\n\n@app.get('/health')\ndef h(): ...\n",
        },
        ["src/pkg/app.py", "src/pkg/schema.py"],
    ),
    "whether it parses": (
        {"src/pkg/models.py": "X = 1\n", "tests/test_models.py": "from pkg import models\n"},
        ["src/pkg/models.py"],  # MC241 asks whether the tested module parses
    ),
}


@pytest.mark.parametrize("case", sorted(CACHED_READS))
def test_what_a_check_parsed_is_cached_for_the_next(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    files, first_parsed = CACHED_READS[case]
    repo = build_file_tree(tmp_path / "repo", {**PYPROJECT, **files})
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = _report(repo)
    assert set(first_parsed) <= set(parsed)
    parsed.clear()
    assert _report(repo) == first
    assert parsed == []  # every entry came from the cache


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_one_module_screen_agrees_with_the_general_one(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, _, _ = CASES[case]
    repo = build_file_tree(tmp_path / "repo", {**PYPROJECT, **files})
    monkeypatch.setenv(CACHE_ENV, "")
    infos = python_modules(repo, repo_files(repo)).candidates()
    names = {info["module"] for info in infos.values()} | {
        "pandera",
        "mlflow",
        "ray.serve",
        "pkg",
        "pkg.data",
        "pkg.models",
        "fastapi.testclient",
    }
    for info in infos.values():
        assert isinstance(info, LazyModule)
        for name in sorted(names):
            assert info.could_import_module(name) == info.could_import(frozenset({name})), name


def test_the_cheapest_pairs_are_confirmed_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    # Several tests may import the schema module; the short one that does is parsed
    # before the long ones, and the one whose text rules it out never is.
    long_test = "from pkg.data.schema import x\n" + "X = 1\n" * 2000
    repo = build_file_tree(
        tmp_path / "repo",
        {
            **PYPROJECT,
            "src/pkg/data/schema.py": "import pandera\n",
            "tests/test_long.py": long_test,
            "tests/test_short.py": "from pkg.data import schema\n",
            "tests/test_other.py": "import pkg.data.rules\n",
        },
    )
    monkeypatch.setenv(CACHE_ENV, "")
    report = _report(repo)
    (status,) = [c["status"] for c in report["checks"] if c["id"] == "DC123"]  # type: ignore[index, union-attr]
    assert status == "pass"
    assert "tests/test_short.py" in parsed
    assert "tests/test_long.py" not in parsed
    assert "tests/test_other.py" not in parsed


# Statements random modules are made of: imports in every spelling the screens
# must see through, the same words where they import nothing, and the names and
# strings other checks look for.
_STATEMENTS = (
    "import pandera",
    "import os, pydantic as pd",
    "from pandera import DataFrameSchema",
    "import mlflow",
    "from fastapi import FastAPI",
    "from fastapi.testclient import TestClient",
    "from pkg.data import schema",
    "from pkg.data import (  # the contract\n    # only\n    schema,\n)",
    "from . import schema",
    "from .schema import X",
    "from . import (\n    validate,\n)",
    "import pkg . data .\\\n    schema",
    "from ..data import validate",
    "from pkg.models import train",
    "import pkg.models.train as t",
    "from pkg.serving import app",
    "x = 'import pandera'",
    '"""from pkg.data import schema"""',
    "# import mlflow",
    "schema = check(frame, schema)",
    "result = pkg.data.schema",
    "def f():\n    import mlflow\n    return mlflow",
    "mlflow.register_model('m', 'v')",
    "URI = 'MLFLOW_TRACKING_URI'",
    "def log_prediction(row):\n    return row",
    "@app.get('/health')\ndef health():\n    return 1",
    "def batch_predict(rows):\n    return rows",
)
_MODULES = (
    "src/pkg/__init__.py",
    "src/pkg/data/__init__.py",
    "src/pkg/data/schema.py",
    "src/pkg/data/validate.py",
    "src/pkg/models/__init__.py",
    "src/pkg/models/train.py",
    "src/pkg/serving/app.py",
    "tests/test_data.py",
    "tests/test_models.py",
    "tests/serving/test_app.py",
)


@pytest.mark.parametrize("seed", range(40))
def test_random_modules_get_the_report_of_parsing_everything(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    files = {**PYPROJECT}
    for path in _MODULES:
        if rng.random() < 0.8:
            lines = rng.choices(_STATEMENTS, k=rng.randint(0, 5))
            if rng.random() < 0.1:
                lines.append("def (:")  # does not parse: declares nothing
            files[path] = "\n".join(lines) + "\n"
    repo = build_file_tree(tmp_path / "repo", files)
    monkeypatch.setenv(CACHE_ENV, "")
    screened = _report(repo)
    for name in ("could_import", "could_import_module", "could_name", "could_string"):
        monkeypatch.setattr(LazyModule, name, lambda self, *args, **kwargs: True)
    assert screened == _report(repo)
