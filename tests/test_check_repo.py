"""``check_repo`` and ``scaffold check`` on whole repositories written to disk."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from scaffold.check import STAGES, check_repo, format_report
from scaffold.check._helpers import is_ignored
from scaffold.check.fixtures import gitignore, notebooks, python_modules, repo_files
from scaffold.cli import main
from scaffold.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USER_ERROR, UserError

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK_CLEAN = json.dumps(
    {
        "cells": [
            {
                "cell_type": "code",
                "source": "1 + 1",
                "outputs": [],
                "execution_count": None,
                "metadata": {},
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)
NOTEBOOK_DIRTY = json.dumps(
    {
        "cells": [
            {
                "cell_type": "code",
                "source": "df.head()",
                "outputs": [
                    {"output_type": "execute_result", "data": {"text/plain": "customer_id"}}
                ],
                "execution_count": 3,
                "metadata": {},
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)


def _text(block: str) -> str:
    """A file's content written as an indented triple-quoted block."""
    return textwrap.dedent(block).lstrip("\n")


DATA_CENTRIC = {
    ".copier-answers.yml": "_src_path: /templates\nstage: data-centric\npackage_name: churn\n",
    "pyproject.toml": _text(
        """
        [project]
        name = "churn"
        version = "0.1.0"
        dependencies = ["pandas==2.3.3", "pandera==0.26.1", "dvc==3.59.1"]
        """
    ),
    ".gitignore": "/data/raw/*\n/data/interim/*\n/data/processed/*\n!/data/*/.gitkeep\n",
    ".pre-commit-config.yaml": _text(
        """
        repos:
          - repo: local
            hooks:
              - {id: ruff, name: ruff, entry: ruff check, language: system, types: [python]}
              - {id: nbstripout, name: nbstripout, entry: nbstripout, language: system}
        """
    ),
    ".dvc/config": "[core]\n    remote = local\n['remote \"local\"']\n    url = ../dvc-store\n",
    ".dvcignore": "",
    "dvc.yaml": _text(
        """
        stages:
          ingest:
            cmd: python -m churn ingest
            deps: [src/churn/data/ingest.py]
            outs: [data/raw/customers.csv]
          validate:
            cmd: python -m churn validate
            deps: [data/raw/customers.csv, src/churn/data/schema.py]
            outs: [data/interim/customers.parquet]
          prepare:
            cmd: python -m churn prepare
            deps: [data/interim/customers.parquet]
            params: [seed]
            outs: [data/processed/customers.parquet]
        """
    ),
    "params.yaml": "seed: 42\nprepare:\n  test_size: 0.2\n",
    "CODEOWNERS": "* @acme/leads\n/src/churn/data/ @acme/data-eng\n",
    ".github/workflows/ci.yml": _text(
        """
        name: ci
        on:
          push:
          pull_request:
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: pre-commit run --all-files
              - run: pytest
              - run: dvc repro
        """
    ),
    "data/raw/.gitkeep": "",
    "notebooks/explore.ipynb": NOTEBOOK_CLEAN,
    "src/churn/__init__.py": "",
    "src/churn/data/__init__.py": "",
    "src/churn/data/schema.py": "import pandera.pandas as pa\n\nCustomers = pa.DataFrameSchema()\n",
    "src/churn/data/validate.py": "from .schema import Customers\n",
    "src/churn/data/ingest.py": "def ingest():\n    pass\n",
    "tests/test_schema.py": "from churn.data.schema import Customers\n",
}

MODEL_CENTRIC = {
    **DATA_CENTRIC,
    ".copier-answers.yml": "stage: model-centric\npackage_name: churn\n",
    ".gitignore": DATA_CENTRIC[".gitignore"] + "/models/\nmlruns/\nmlflow.db\n",
    "CODEOWNERS": DATA_CENTRIC["CODEOWNERS"] + "/src/churn/models/ @acme/data-science\n",
    "params.yaml": "seed: 42\ntrain:\n  n_estimators: 100\n",
    "dvc.yaml": DATA_CENTRIC["dvc.yaml"]
    + textwrap.indent(
        _text(
            """
            featurize:
              cmd: python -m churn featurize
              deps: [data/processed/customers.parquet]
              outs: [data/features/features.parquet]
            train:
              cmd: python -m churn train
              deps: [data/features/features.parquet]
              params: [seed, train]
              outs: [models/model.pkl]
            evaluate:
              cmd: python -m churn evaluate
              deps: [models/model.pkl]
              metrics: [{reports/metrics.json: {cache: false}}]
              plots: [reports/plots/confusion.json]
              outs: [reports/model_card.md]
            """
        ),
        "  ",
    ),
    "src/churn/features/__init__.py": "",
    "src/churn/features/build.py": "def build(df):\n    return df\n",
    "src/churn/models/__init__.py": "",
    "src/churn/models/train.py": _text(
        """
        import os

        import mlflow

        URI = os.environ.get("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")


        def train():
            mlflow.sklearn.log_model(None, "model", registered_model_name="churn")
        """
    ),
    "src/churn/models/evaluate.py": "def evaluate():\n    pass\n",
    "src/churn/models/predict.py": "def predict():\n    pass\n",
    "tests/test_train.py": "from churn.models.train import train\n",
}

PIPELINE_CENTRIC = {
    **MODEL_CENTRIC,
    ".copier-answers.yml": "stage: pipeline-centric\npackage_name: churn\n",
    "CODEOWNERS": MODEL_CENTRIC["CODEOWNERS"]
    + "/src/churn/serving/ @acme/ml-platform\nDockerfile @acme/ml-platform\n",
    "dvc.yaml": MODEL_CENTRIC["dvc.yaml"]
    + "  gate:\n    cmd: python -m churn gate\n    deps: [reports/metrics.json]\n"
    + "    outs: [reports/promotion.json]\n",
    "src/churn/models/gate.py": "def promote():\n    pass\n",
    "src/churn/serving/__init__.py": "",
    "src/churn/serving/app.py": _text(
        """
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/health")
        def health():
            return {}


        def log_prediction(row):
            pass
        """
    ),
    "src/churn/serving/batch.py": "def score_table():\n    pass\n",
    "src/churn/monitoring/__init__.py": "",
    "src/churn/monitoring/drift.py": "def drift_report():\n    pass\n",
    "tests/test_api.py": "from fastapi.testclient import TestClient\n",
    "Dockerfile": "FROM python:3.11-slim\n",
    ".dockerignore": "data/\n",
    "deploy/k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\n",
    ".github/workflows/retrain.yml": _text(
        """
        name: retrain
        on:
          schedule:
            - cron: "0 3 * * 1"
        jobs:
          retrain:
            runs-on: ubuntu-latest
            steps:
              - run: dvc repro
              - run: python -m churn drift-report
              - run: hadolint Dockerfile
        """
    ),
}

STAGE_TREES = {
    "data-centric": DATA_CENTRIC,
    "model-centric": MODEL_CENTRIC,
    "pipeline-centric": PIPELINE_CENTRIC,
}

# Laid out like a cookiecutter-data-science v2 project.
COOKIECUTTER_DATA_SCIENCE = {
    "Makefile": "data:\n\tpython ccds/dataset.py\n",
    "README.md": "# ccds\n",
    "LICENSE": "MIT\n",
    "pyproject.toml": '[project]\nname = "ccds"\nversion = "0.0.1"\n',
    "requirements.txt": "pandas\nscikit-learn>=1.5\nloguru\ntyper\n",
    ".gitignore": "/data/\n/models/\n*.pyc\n.ipynb_checkpoints\n",
    "data/external/.gitkeep": "",
    "data/interim/.gitkeep": "",
    "data/processed/.gitkeep": "",
    "data/raw/.gitkeep": "",
    "docs/mkdocs.yml": "site_name: ccds\n",
    "models/.gitkeep": "",
    "notebooks/1.0-jqp-initial-data-exploration.ipynb": NOTEBOOK_DIRTY,
    "references/.gitkeep": "",
    "reports/figures/.gitkeep": "",
    "ccds/__init__.py": "from ccds import config  # noqa: F401\n",
    "ccds/config.py": "from pathlib import Path\n\nPROJ_ROOT = Path(__file__).parents[1]\n",
    "ccds/dataset.py": "import typer\n\napp = typer.Typer()\n",
    "ccds/features.py": "import typer\n",
    "ccds/plots.py": "import typer\n",
    "ccds/modeling/__init__.py": "",
    "ccds/modeling/train.py": "import typer\nfrom ccds.config import PROJ_ROOT\n",
    "ccds/modeling/predict.py": "import typer\n",
}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


# --- stage reports -----------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_a_repo_laid_out_for_a_stage_meets_exactly_that_stage(tmp_path: Path, stage: str) -> None:
    report = check_repo(write_tree(tmp_path, STAGE_TREES[stage]))

    assert report.declared_stage == stage
    assert report.met_stage == stage, [
        f"{r.id}: {r.message}" for r in report.failures if r.stage == stage
    ]
    assert report.declared_met is True
    assert report.exit_code == EXIT_OK


def test_a_repo_below_its_declared_stage_fails_and_says_what_is_missing(tmp_path: Path) -> None:
    files = {**DATA_CENTRIC, ".copier-answers.yml": "stage: model-centric\n"}
    report = check_repo(write_tree(tmp_path, files))

    assert report.declared_stage == "model-centric"
    assert report.met_stage == "data-centric"
    assert report.declared_met is False
    assert report.exit_code == EXIT_CHECK_FAILED
    assert report.next_stage == "model-centric"
    assert {"MC201", "MC211", "MC231"} <= {r.id for r in report.missing}


def test_a_repo_without_a_declared_stage_is_reported_and_exits_zero(tmp_path: Path) -> None:
    report = check_repo(write_tree(tmp_path, COOKIECUTTER_DATA_SCIENCE))

    assert report.declared_stage is None
    assert report.declared_met is None
    assert report.met_stage is None
    assert report.exit_code == EXIT_OK
    by_id = {r.id: r for r in report.results}
    assert by_id["DC101"].status == "fail"
    assert by_id["DC106"].status == "fail" and "1.0-jqp" in by_id["DC106"].message
    assert by_id["DC111"].status == "pass"  # /data/ is ignored
    assert by_id["MC201"].status == "pass"  # ccds/modeling/train.py
    assert by_id["MC221"].status == "pass"  # /models/ is ignored


def test_select_and_ignore_limit_the_checks_and_the_stage_judgement(tmp_path: Path) -> None:
    files = {**DATA_CENTRIC}
    del files["CODEOWNERS"]
    write_tree(tmp_path, files)

    assert check_repo(tmp_path).exit_code == EXIT_CHECK_FAILED
    report = check_repo(tmp_path, ignore=["DC108"])
    assert report.exit_code == EXIT_OK
    assert "DC108" not in {r.id for r in report.results}
    only = check_repo(tmp_path, select=["DC101,DC104", "MC"])
    assert {r.id[:2] for r in only.results} == {"DC", "MC"}
    assert {r.id for r in only.results if r.stage == "data-centric"} == {"DC101", "DC104"}


def test_the_repos_own_repo_review_config_can_ignore_a_check_with_a_reason(tmp_path: Path) -> None:
    files = {**DATA_CENTRIC}
    del files["CODEOWNERS"]
    files["pyproject.toml"] += (
        '\n[tool.repo-review.ignore]\nDC108 = "ownership lives in the platform repo"\n'
    )
    report = check_repo(write_tree(tmp_path, files))

    by_id = {r.id: r for r in report.results}
    assert by_id["DC108"].status == "ignored"
    assert by_id["DC108"].message == "ownership lives in the platform repo"
    assert report.exit_code == EXIT_OK


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"select": ["DC999"]}, "DC999", id="unknown-select"),
        pytest.param({"ignore": ["XY"]}, "XY", id="unknown-ignore-prefix"),
    ],
)
def test_unknown_check_ids_are_user_errors(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        check_repo(tmp_path, **kwargs)


def test_a_path_that_is_not_a_directory_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        check_repo(tmp_path / "file.txt")
    with pytest.raises(UserError, match="not a directory"):
        check_repo(tmp_path / "absent")


# --- never crashes -------------------------------------------------------------

MALFORMED = {
    ".copier-answers.yml": "stage: [data-centric\n",
    "pyproject.toml": "[project\nname = ",
    "dvc.yaml": "stages:\n  train: {cmd: [\n",
    "params.yaml": "- just\n- a list\n",
    ".pre-commit-config.yaml": "repos: !!python/object:os.system {}\n",
    ".dvc/config": "[core\nremote = \n",
    ".github/workflows/ci.yml": "on: [push\n",
    ".gitlab-ci.yml": "\t- tabs: are: bad\n",
    "CODEOWNERS": "\n\n#only comments\n",
    "notebooks/broken.ipynb": "{not json",
    "notebooks/list.ipynb": "[1, 2]",
    "src/pkg/bad_syntax.py": "def broken(:\n",
    "src/pkg/deep.py": "x = " + "(" * 500 + "1" + ")" * 500 + "\n",
}

BINARY = {
    ".copier-answers.yml": b"\x00\xff\xfe\x00stage",
    "dvc.yaml": b"\x89PNG\r\n\x1a\n\x00\x00",
    "pyproject.toml": b"\xff\xfe\x00\x00",
    "src/pkg/model.py": b"\x00\x01\x02",
    "notebooks/n.ipynb": b"\x00\x00\x00",
    ".gitignore": b"\xff\xfe/data/\n",
    "models/model.pkl": bytes(range(256)),
}


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({}, id="empty-dir"),
        pytest.param(MALFORMED, id="malformed-configs"),
        pytest.param(BINARY, id="binary-files"),
        pytest.param(COOKIECUTTER_DATA_SCIENCE, id="cookiecutter-data-science"),
        pytest.param(
            {"dvc.yaml": "stages: [a, b]\n", "params.yaml": "seed: true\n"}, id="odd-shapes"
        ),
        pytest.param(
            {"dvc.yaml": "stages:\n  a:\n    foreach: [1]\n    do: {cmd: r}\n  b: null\n"},
            id="dvc-foreach-and-null-stage",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_check_never_crashes_on_odd_layouts(tmp_path: Path, files: dict, fmt: str) -> None:
    report = check_repo(write_tree(tmp_path, files))

    assert report.results and format_report(report, fmt)
    assert report.exit_code in {EXIT_OK, EXIT_CHECK_FAILED}


def test_malformed_files_are_reported_not_raised(tmp_path: Path) -> None:
    report = check_repo(write_tree(tmp_path, MALFORMED))

    by_id = {r.id: r for r in report.results}
    assert by_id["DC102"].status == "fail"
    for name in (
        "dvc.yaml",
        "params.yaml",
        ".dvc/config",
        ".github/workflows/ci.yml",
        "notebooks/broken.ipynb",
    ):
        assert name in by_id["DC102"].message
    assert report.declared_stage is None  # the answers file did not parse


def test_directories_and_links_where_files_are_expected_do_not_crash(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").mkdir()
    (tmp_path / ".gitignore").mkdir()
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path, tmp_path / "loop" / "back")
    os.symlink(tmp_path / "missing", tmp_path / "dangling.py")

    report = check_repo(tmp_path)

    assert report.results


# --- fixtures -------------------------------------------------------------------


def test_repo_files_prunes_caches_and_environments(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "src/a.py": "",
            ".venv/lib/x.py": "",
            ".git/HEAD": "",
            "mlruns/0/meta.yaml": "",
            ".dvc/cache/ab": "",
        },
    )
    assert repo_files(tmp_path) == {"src/a.py"}


def test_nested_gitignores_are_rebased_to_the_root(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {".gitignore": "*.pyc\n", "data/raw/.gitignore": "/customers.csv\nsecret\n"}
    )
    patterns = gitignore(tmp_path, repo_files(tmp_path))

    assert patterns == ("*.pyc", "/data/raw/customers.csv", "/data/raw/**/secret")
    assert is_ignored("data/raw/customers.csv", patterns)
    assert is_ignored("data/raw/x/secret", patterns)
    assert not is_ignored("customers.csv", patterns)
    assert is_ignored("src/a.pyc", patterns)


def test_relative_imports_resolve_to_absolute_module_names(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "src/pkg/data/validate.py": "from .schema import Customers\nfrom .. import config\n",
            "src/pkg/data/__init__.py": "from . import schema\n",
        },
    )
    modules = python_modules(tmp_path, repo_files(tmp_path))

    validate = modules["src/pkg/data/validate.py"]
    assert validate["module"] == "pkg.data.validate"
    assert {"pkg.data.schema", "pkg.config"} <= validate["imports"]
    assert "pkg.data.schema" in modules["src/pkg/data/__init__.py"]["imports"]


def test_notebooks_count_cells_with_outputs(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.ipynb": NOTEBOOK_CLEAN, "b.ipynb": NOTEBOOK_DIRTY, "c.ipynb": "nope"})
    assert notebooks(tmp_path, repo_files(tmp_path)) == {
        "a.ipynb": 0,
        "b.ipynb": 1,
        "c.ipynb": None,
    }


# --- CLI ------------------------------------------------------------------------


def cli(*argv: str) -> int:
    """Run ``scaffold check ARGV`` in-process; returns its exit code."""
    return main(["check", *argv])


def test_cli_json_output_is_machine_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, MODEL_CENTRIC)

    code = cli(str(tmp_path), "--format", "json")

    data = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert data["declared_stage"] == data["met_stage"] == "model-centric"
    assert data["declared_stage_met"] is True
    assert data["next_stage"] == "pipeline-centric"
    assert "PC301" in data["missing_for_next_stage"]
    assert {c["status"] for c in data["checks"]} <= {"pass", "fail", "skip", "ignored"}
    assert {"id", "title", "stage", "principle", "status", "message"} == set(data["checks"][0])


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        pytest.param("table", "FAIL  DC108  CODEOWNERS assigns owners", id="table"),
        pytest.param("markdown", "| FAIL | DC108 | CODEOWNERS assigns owners |", id="markdown"),
    ],
)
def test_cli_human_formats_show_failures_and_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, expected: str
) -> None:
    files = {**DATA_CENTRIC}
    del files["CODEOWNERS"]
    write_tree(tmp_path, files)

    code = cli(str(tmp_path), "--format", fmt)

    out = capsys.readouterr().out
    assert code == EXIT_CHECK_FAILED
    assert expected in out
    assert "the declared stage data-centric is NOT met" in out


def test_cli_select_and_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {**DATA_CENTRIC}
    del files["CODEOWNERS"]
    write_tree(tmp_path, files)

    assert cli(str(tmp_path), "--ignore", "DC108") == EXIT_OK
    capsys.readouterr()
    assert (
        cli(str(tmp_path), "--select", "DC101", "--select", "DC104", "--format", "json") == EXIT_OK
    )
    ids = [c["id"] for c in json.loads(capsys.readouterr().out)["checks"]]
    assert ids == ["DC101", "DC104"]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--select", "DC999"], id="unknown-select"),
        pytest.param(["--ignore", "NOPE"], id="unknown-ignore"),
    ],
)
def test_cli_unknown_ids_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert cli(str(tmp_path), *argv) == EXIT_USER_ERROR
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_cli_bad_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(str(tmp_path / "absent")) == EXIT_USER_ERROR
    assert "not a directory" in capsys.readouterr().err


def test_cli_defaults_to_the_current_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, DATA_CENTRIC)
    monkeypatch.chdir(tmp_path)

    assert cli("--format", "json") == EXIT_OK
    assert json.loads(capsys.readouterr().out)["met_stage"] == "data-centric"


# --- repo-review plugin ----------------------------------------------------------


def test_standalone_repo_review_runs_the_same_checks(tmp_path: Path) -> None:
    """Once the entry points are installed, ``repo-review`` sees every scaffold check."""
    from importlib.metadata import entry_points

    if not any(ep.value.startswith("scaffold.") for ep in entry_points(group="repo_review.checks")):
        pytest.skip("scaffold's repo_review entry points are not installed")
    from repo_review.processor import process

    write_tree(tmp_path, PIPELINE_CENTRIC)
    _, results = process(tmp_path)
    ours = {r.name: r.result for r in results if r.family in {"DC", "MC", "PC"}}
    report = check_repo(tmp_path)

    assert ours == {r.id: r.status == "pass" for r in report.results}


# --- freshly generated stages -----------------------------------------------------


def assert_meets_exactly(path: Path, stage: str) -> None:
    """A freshly generated repo declares ``stage``, meets it, and meets nothing above it."""
    report = check_repo(path)
    failing = [
        f"{r.id} {r.title}: {r.message}"
        for r in report.failures
        if STAGES.index(r.stage) <= STAGES.index(stage)
    ]
    assert report.declared_stage == stage
    assert report.met_stage == stage, failing
    assert report.exit_code == EXIT_OK


@pytest.mark.parametrize("ci_provider", ["github", "gitlab"])
@pytest.mark.parametrize("stage", STAGES)
def test_check_on_a_freshly_generated_stage_passes_exactly_that_stage(
    tmp_path: Path, stage: str, ci_provider: str
) -> None:
    from conftest import render

    repo = render(stage, tmp_path / "repo", git=False, ci_provider=ci_provider)
    assert_meets_exactly(repo, stage)
