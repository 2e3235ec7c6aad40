"""Building blocks for the check tests: parsed files written as the YAML/TOML a repo holds.

Checks read nothing themselves, so a case is just the values the fixtures would
hand them. Files are written inline as text and parsed here, as the fixtures do;
``run`` feeds them to repo-review's own ``compute_check``.
"""

from __future__ import annotations

import textwrap
import tomllib
from typing import Any

import pytest
import yaml
from repo_review.testing import compute_check

from scaffold.check.fixtures import ModuleInfo, module_name

Case = tuple[str, str, dict[str, Any]]


def run(check_id: str, **fixtures: Any) -> str:
    """The check's outcome: ``""`` when it passes, its failure message otherwise."""
    result = compute_check(check_id, **fixtures)
    assert result.result is not None, f"{check_id} skipped itself; checks must pass or fail"
    return "" if result.result else result.err_msg or "(no message)"


def cases(cases: list[Case]) -> list[Any]:
    """``pytest.param``s with readable ids: ``CHECK-label``."""
    return [
        pytest.param(check_id, fixtures, id=f"{check_id}-{label}")
        for check_id, label, fixtures in cases
    ]


def case_tests(passing: list[Case], failing: list[Case]) -> tuple[Any, Any]:
    """The two tests every stage's case module runs: each passing case passes, each
    failing case fails with a message. Assign them to ``test_*`` names in the module."""

    @pytest.mark.parametrize(("check_id", "fixtures"), cases(passing))
    def test_check_passes(check_id: str, fixtures: dict[str, object]) -> None:
        assert run(check_id, **fixtures) == ""

    @pytest.mark.parametrize(("check_id", "fixtures"), cases(failing))
    def test_check_fails_with_a_message(check_id: str, fixtures: dict[str, object]) -> None:
        assert run(check_id, **fixtures).strip()

    return test_check_passes, test_check_fails_with_a_message


def parse_yaml(text: str) -> Any:
    """A YAML file's content, as the fixtures parse it (indentation of the literal removed)."""
    return yaml.safe_load(textwrap.dedent(text))


def parse_toml(text: str) -> dict[str, Any]:
    """A TOML file's content, as the ``pyproject`` fixture parses it."""
    return tomllib.loads(textwrap.dedent(text))


def mod(path: str, imports=(), names=(), strings=()) -> tuple[str, ModuleInfo]:
    """What the ``python_modules`` fixture records for one file."""
    return path, ModuleInfo(
        module=module_name(path),
        imports=frozenset(imports),
        names=frozenset(names),
        strings=frozenset(strings),
    )


SCHEMA = mod("src/pkg/data/schema.py", imports={"pandera", "pandera.pandas"})
VALIDATE = mod("src/pkg/data/validate.py", imports={"pkg.data", "pkg.data.schema"})
TEST_SCHEMA = mod("tests/test_schema.py", imports={"pkg.data.schema"})
TRAIN = mod(
    "src/pkg/models/train.py",
    imports={"mlflow", "mlflow.sklearn"},
    names={"registered_model_name", "environ"},
    strings={"MLFLOW_TRACKING_URI", "sqlite:///mlflow.db"},
)
TEST_TRAIN = mod("tests/test_train.py", imports={"pkg.models.train"})
APP = mod(
    "src/pkg/serving/app.py",
    imports={"fastapi", "pkg.serving.logging"},
    names={"log_prediction", "FastAPI"},
    strings={"/health", "/predict"},
)
TEST_APP = mod("tests/test_api.py", imports={"fastapi.testclient", "pkg.serving.app"})
DRIFT = mod("src/pkg/monitoring/drift.py", imports={"evidently"})
MODULES = dict([SCHEMA, VALIDATE, TEST_SCHEMA, TRAIN, TEST_TRAIN, APP, TEST_APP, DRIFT])

DVC = parse_yaml("""
stages:
  ingest:
    cmd: python -m pkg ingest
    deps: [src/pkg/data/ingest.py]
    outs: [data/raw/customers.csv]
  validate:
    cmd: python -m pkg validate
    deps: [data/raw/customers.csv]
    outs: [data/interim/validated.parquet]
  prepare:
    cmd: python -m pkg prepare
    deps: [data/interim/validated.parquet]
    outs: [data/processed]
  featurize:
    cmd: python -m pkg featurize
    deps: [data/processed/]
    outs: [data/features/features.parquet]
  train:
    cmd: python -m pkg.models.train
    deps: [data/features]
    params: [seed, train]
    outs: [models/model.pkl]
  evaluate:
    cmd: python -m pkg.models.evaluate
    deps: [models/model.pkl]
    metrics:
      - reports/metrics.json:
          cache: false
    plots: [reports/plots/roc.json]
    outs: [reports/model_card.md]
  gate:
    cmd: python -m pkg.models.gate
    deps: [reports/metrics.json]
    outs: [reports/promotion.json]
""")


def dvc_without(*names: str, **changes: dict[str, Any]) -> dict[str, Any]:
    """``DVC`` without the named stages, and with some stages' fields replaced."""
    stages = {k: dict(v) for k, v in DVC["stages"].items() if k not in names}
    for name, change in changes.items():
        stages[name] = {**stages[name], **change}
    return {"stages": stages}


CI = {
    ".github/workflows/ci.yml": parse_yaml("""
        on: [push, pull_request]
        jobs:
          test:
            steps:
              - run: pre-commit run --all-files
              - run: uv run pytest -q
              - run: dvc repro
              - run: hadolint Dockerfile
    """),
    ".github/workflows/retrain.yml": parse_yaml("""
        on:
          schedule:
            - cron: "0 3 * * 1"
          workflow_dispatch:
        jobs:
          retrain:
            steps:
              - run: dvc repro
              - run: python -m pkg monitor drift-report
    """),
}
GITLAB_SCHEDULED = {
    ".gitlab-ci.yml": parse_yaml("""
        retrain:
          rules:
            - if: $CI_PIPELINE_SOURCE == "schedule"
          script: [dvc repro]
    """)
}
CI_PUSH_ONLY = {
    ".github/workflows/ci.yml": parse_yaml("""
        on: push
        jobs:
          build:
            steps:
              - run: echo hi
    """)
}

GITIGNORE = ("/data/raw/", "/data/processed/", "mlruns/", "mlflow.db", "/models/")
CODEOWNERS = (
    ("*", ("@acme/leads",)),
    ("/src/pkg/data/", ("@acme/data-eng",)),
    ("/src/pkg/models/", ("@acme/data-science",)),
    ("/src/pkg/serving/", ("@acme/ml-platform",)),
    ("Dockerfile", ("@acme/ml-platform",)),
)
PRECOMMIT = parse_yaml("""
repos:
  - repo: local
    hooks:
      - {id: ruff, entry: ruff check}
  - repo: local
    hooks:
      - {id: nbstripout, entry: nbstripout}
""")
PARAMS = parse_yaml("""
seed: 42
train:
  n_estimators: 200
  max_depth: 6
""")
FILES = frozenset(
    {
        "pyproject.toml",
        "uv.lock",
        "tests/test_schema.py",
        "src/pkg/features/build.py",
        "src/pkg/models/train.py",
        "src/pkg/models/evaluate.py",
        "src/pkg/models/predict.py",
        "src/pkg/models/gate.py",
        "src/pkg/serving/app.py",
        "src/pkg/serving/batch.py",
        "src/pkg/monitoring/drift.py",
        "reports/model_card.md",
        "Dockerfile",
        ".dockerignore",
        "deploy/k8s/deployment.yaml",
    }
)
