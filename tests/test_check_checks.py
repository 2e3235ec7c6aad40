"""Every check, one passing and one failing case, with plain fixture values.

Checks read nothing themselves, so each case is just the parsed values the
fixtures would hand them.
"""

from __future__ import annotations

from typing import Any

import pytest
from repo_review.checks import process_result_bool
from repo_review.fixtures import apply_fixtures

from scaffold.check import STAGES, repo_review_checks, repo_review_families
from scaffold.check.fixtures import ModuleInfo, module_name

CHECKS = repo_review_checks()


def run(check_id: str, **fixtures: Any) -> str:
    """The check's outcome: ``""`` when it passes, its failure message otherwise."""
    check = CHECKS[check_id]
    result = process_result_bool(apply_fixtures(fixtures, check.check), check, check_id)
    assert result is not None, f"{check_id} skipped itself; checks must pass or fail"
    return result


def mod(path: str, imports=(), names=(), strings=()) -> tuple[str, ModuleInfo]:
    return path, ModuleInfo(
        module=module_name(path),
        imports=frozenset(imports),
        names=frozenset(names),
        strings=frozenset(strings),
    )


# --- building blocks --------------------------------------------------------

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

DVC = {
    "stages": {
        "ingest": {
            "cmd": "python -m pkg ingest",
            "deps": ["src/pkg/data/ingest.py"],
            "outs": ["data/raw/customers.csv"],
        },
        "validate": {
            "cmd": "python -m pkg validate",
            "deps": ["data/raw/customers.csv"],
            "outs": ["data/interim/validated.parquet"],
        },
        "prepare": {
            "cmd": "python -m pkg prepare",
            "deps": ["data/interim/validated.parquet"],
            "outs": ["data/processed"],
        },
        "featurize": {
            "cmd": "python -m pkg featurize",
            "deps": ["data/processed/"],
            "outs": ["data/features/features.parquet"],
        },
        "train": {
            "cmd": "python -m pkg.models.train",
            "deps": ["data/features"],
            "params": ["seed", "train"],
            "outs": ["models/model.pkl"],
        },
        "evaluate": {
            "cmd": "python -m pkg.models.evaluate",
            "deps": ["models/model.pkl"],
            "metrics": [{"reports/metrics.json": {"cache": False}}],
            "plots": ["reports/plots/roc.json"],
            "outs": ["reports/model_card.md"],
        },
        "gate": {
            "cmd": "python -m pkg.models.gate",
            "deps": ["reports/metrics.json"],
            "outs": ["reports/promotion.json"],
        },
    }
}


def dvc_without(*names: str, **changes: dict[str, Any]) -> dict[str, Any]:
    stages = {k: dict(v) for k, v in DVC["stages"].items() if k not in names}
    for name, change in changes.items():
        stages[name] = {**stages[name], **change}
    return {"stages": stages}


CI = {
    ".github/workflows/ci.yml": {
        True: {"push": None, "pull_request": None},
        "jobs": {
            "test": {
                "steps": [
                    {"run": "pre-commit run --all-files"},
                    {"run": "uv run pytest -q"},
                    {"run": "dvc repro"},
                    {"run": "hadolint Dockerfile"},
                ]
            }
        },
    },
    ".github/workflows/retrain.yml": {
        "on": {"schedule": [{"cron": "0 3 * * 1"}], "workflow_dispatch": None},
        "jobs": {
            "retrain": {
                "steps": [{"run": "dvc repro"}, {"run": "python -m pkg monitor drift-report"}]
            }
        },
    },
}
GITLAB_SCHEDULED = {
    ".gitlab-ci.yml": {
        "retrain": {
            "rules": [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}],
            "script": ["dvc repro"],
        }
    }
}
CI_PUSH_ONLY = {
    ".github/workflows/ci.yml": {"on": "push", "jobs": {"build": {"steps": [{"run": "echo hi"}]}}}
}

GITIGNORE = ("/data/raw/", "/data/processed/", "mlruns/", "mlflow.db", "/models/")
CODEOWNERS = (
    ("*", ("@acme/leads",)),
    ("/src/pkg/data/", ("@acme/data-eng",)),
    ("/src/pkg/models/", ("@acme/data-science",)),
    ("/src/pkg/serving/", ("@acme/ml-platform",)),
    ("Dockerfile", ("@acme/ml-platform",)),
)
PRECOMMIT = {
    "repos": [
        {"repo": "local", "hooks": [{"id": "ruff", "entry": "ruff check"}]},
        {"repo": "local", "hooks": [{"id": "nbstripout", "entry": "nbstripout"}]},
    ]
}
PARAMS = {"seed": 42, "train": {"n_estimators": 200, "max_depth": 6}}
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

# --- cases: (check, readable id, fixtures) -----------------------------------

PASSING: list[tuple[str, str, dict[str, Any]]] = [
    ("DC101", "answers-with-stage", {"copier_answers": {"stage": "data-centric"}}),
    ("DC102", "all-parse", {"config_errors": ()}),
    ("DC103", "lock-file", {"pyproject": {}, "requirements": {}, "repo_files": FILES}),
    (
        "DC103",
        "all-pinned",
        {
            "pyproject": {"project": {"dependencies": ["pandas==2.3.3", "dvc==3.59.1"]}},
            "requirements": {},
            "repo_files": frozenset(),
        },
    ),
    (
        "DC103",
        "pinned-requirements-txt",
        {
            "pyproject": {},
            "requirements": {"requirements.txt": ("pandas==2.3.3",)},
            "repo_files": frozenset(),
        },
    ),
    ("DC104", "tests-dir", {"repo_files": FILES}),
    ("DC105", "hooks", {"precommit_config": PRECOMMIT}),
    ("DC106", "stripped", {"notebooks": {"notebooks/explore.ipynb": 0}}),
    ("DC106", "no-notebooks", {"notebooks": {}}),
    ("DC107", "nbstripout-hook", {"precommit_config": PRECOMMIT, "notebooks": {"n.ipynb": 0}}),
    ("DC108", "owners", {"codeowners": CODEOWNERS}),
    ("DC111", "data-ignored", {"gitignore": GITIGNORE}),
    ("DC111", "whole-data-dir", {"gitignore": ("data/", "!data/raw/.gitkeep")}),
    ("DC112", "dvc-config", {"dvc_config": {"core": {"remote": "local"}}}),
    (
        "DC113",
        "default-remote",
        {"dvc_config": {"core": {"remote": "local"}, 'remote "local"': {"url": "../dvc-store"}}},
    ),
    ("DC114", "data-outs", {"dvc_pipeline": DVC, "repo_files": frozenset()}),
    ("DC114", "dvc-files", {"dvc_pipeline": None, "repo_files": frozenset({"data/raw.dvc"})}),
    ("DC121", "pandera", {"python_modules": MODULES}),
    ("DC122", "validate-imports-schema", {"python_modules": MODULES}),
    ("DC123", "test-imports-schema", {"python_modules": MODULES}),
    ("DC131", "stages", {"dvc_pipeline": DVC}),
    ("DC132", "validate-stage", {"dvc_pipeline": DVC}),
    ("DC133", "seed", {"params": PARAMS}),
    ("DC133", "nested-random-state", {"params": {"split": {"random_state": 7}}}),
    ("DC141", "workflow", {"ci_configs": CI}),
    ("DC142", "pytest", {"ci_configs": CI}),
    ("DC143", "dvc-repro", {"ci_configs": CI}),
    ("DC144", "pre-commit", {"ci_configs": CI}),
    ("MC201", "train-module", {"repo_files": FILES, "dvc_pipeline": None}),
    ("MC201", "train-stage", {"repo_files": frozenset(), "dvc_pipeline": DVC}),
    ("MC202", "evaluate-module", {"repo_files": FILES, "dvc_pipeline": None}),
    ("MC203", "predict-module", {"repo_files": FILES}),
    ("MC204", "features-package", {"repo_files": FILES}),
    ("MC204", "featurize-module", {"repo_files": frozenset({"src/pkg/featurize.py"})}),
    ("MC211", "mlflow", {"python_modules": MODULES}),
    ("MC212", "mlruns-ignored", {"python_modules": MODULES, "gitignore": GITIGNORE}),
    ("MC213", "registered-model-name", {"python_modules": MODULES}),
    ("MC214", "env-var-in-code", {"python_modules": MODULES, "ci_configs": {}}),
    ("MC221", "models-ignored", {"gitignore": GITIGNORE, "dvc_pipeline": None}),
    ("MC221", "models-dvc-out", {"gitignore": (), "dvc_pipeline": DVC}),
    ("MC222", "reports-model-card", {"repo_files": FILES, "dvc_pipeline": None}),
    ("MC222", "generated-card", {"repo_files": frozenset(), "dvc_pipeline": DVC}),
    ("MC231", "train-then-evaluate", {"dvc_pipeline": DVC}),
    ("MC232", "validate-upstream", {"dvc_pipeline": DVC}),
    ("MC233", "train-params", {"dvc_pipeline": DVC}),
    ("MC234", "metrics", {"dvc_pipeline": DVC}),
    ("MC235", "stage-plots", {"dvc_pipeline": DVC}),
    ("MC235", "top-level-plots", {"dvc_pipeline": {"plots": ["reports/roc.json"], "stages": {}}}),
    ("MC236", "train-section", {"params": PARAMS}),
    ("MC241", "test-imports-train", {"python_modules": MODULES}),
    ("MC242", "models-owned", {"codeowners": CODEOWNERS}),
    ("PC301", "gate-module", {"repo_files": FILES, "dvc_pipeline": None}),
    ("PC302", "gate-after-evaluate", {"dvc_pipeline": DVC, "ci_configs": {}}),
    ("PC311", "fastapi", {"python_modules": MODULES}),
    ("PC312", "health-route", {"python_modules": MODULES}),
    ("PC313", "dockerfile", {"repo_files": FILES}),
    ("PC313", "suffixed", {"repo_files": frozenset({"docker/serve.Dockerfile"})}),
    ("PC314", "dockerignore", {"repo_files": FILES}),
    ("PC315", "k8s", {"repo_files": FILES}),
    ("PC315", "compose", {"repo_files": frozenset({"compose.yaml"})}),
    ("PC316", "testclient", {"python_modules": MODULES}),
    ("PC321", "batch-module", {"repo_files": FILES, "dvc_pipeline": None, "python_modules": {}}),
    ("PC322", "log-prediction", {"repo_files": frozenset(), "python_modules": MODULES}),
    ("PC331", "monitoring-drift", {"repo_files": FILES, "python_modules": MODULES}),
    ("PC332", "github-cron", {"ci_configs": CI}),
    ("PC332", "gitlab-schedule", {"ci_configs": GITLAB_SCHEDULED}),
    ("PC333", "scheduled-dvc-repro", {"ci_configs": CI}),
    ("PC334", "drift-in-ci", {"ci_configs": CI}),
    ("PC341", "hadolint", {"ci_configs": CI}),
    ("PC342", "serving-owned", {"codeowners": CODEOWNERS}),
]

FAILING: list[tuple[str, str, dict[str, Any]]] = [
    ("DC101", "no-answers-file", {"copier_answers": None}),
    ("DC101", "unknown-stage", {"copier_answers": {"stage": "production"}}),
    ("DC102", "malformed-dvc-yaml", {"config_errors": ("dvc.yaml",)}),
    (
        "DC103",
        "loose-deps",
        {
            "pyproject": {"project": {"dependencies": ["pandas>=2", "dvc==3.59.1"]}},
            "requirements": {},
            "repo_files": frozenset(),
        },
    ),
    ("DC103", "no-deps", {"pyproject": {}, "requirements": {}, "repo_files": frozenset()}),
    ("DC104", "no-tests", {"repo_files": frozenset({"src/pkg/__init__.py", "tests/conftest.py"})}),
    ("DC105", "no-config", {"precommit_config": None}),
    ("DC105", "no-hooks", {"precommit_config": {"repos": []}}),
    ("DC106", "outputs", {"notebooks": {"notebooks/explore.ipynb": 3}}),
    (
        "DC107",
        "no-strip-hook",
        {
            "precommit_config": {"repos": [{"repo": "local", "hooks": [{"id": "ruff"}]}]},
            "notebooks": {"n.ipynb": 0},
        },
    ),
    ("DC108", "missing", {"codeowners": None}),
    ("DC108", "no-owners", {"codeowners": (("*", ()),)}),
    ("DC111", "not-ignored", {"gitignore": ("__pycache__/",)}),
    ("DC111", "re-included", {"gitignore": ("/data/*", "!/data/raw")}),
    ("DC112", "no-dvc", {"dvc_config": None}),
    ("DC113", "no-default", {"dvc_config": {'remote "local"': {"url": "/tmp/x"}}}),
    ("DC113", "remote-without-url", {"dvc_config": {"core": {"remote": "s3"}}}),
    (
        "DC114",
        "untracked",
        {
            "dvc_pipeline": {"stages": {"x": {"cmd": "c", "outs": ["out.txt"]}}},
            "repo_files": frozenset(),
        },
    ),
    ("DC121", "no-schema-lib", {"python_modules": dict([VALIDATE, TRAIN])}),
    (
        "DC121",
        "only-tests-use-pydantic",
        {"python_modules": dict([mod("tests/test_x.py", imports={"pydantic"})])},
    ),
    ("DC122", "schema-unused", {"python_modules": dict([SCHEMA, TRAIN])}),
    ("DC123", "schema-untested", {"python_modules": dict([SCHEMA, VALIDATE, TEST_TRAIN])}),
    ("DC131", "no-pipeline", {"dvc_pipeline": None}),
    (
        "DC131",
        "stage-without-cmd",
        {"dvc_pipeline": {"stages": {"a": {"deps": ["x"], "outs": ["y"]}}}},
    ),
    (
        "DC131",
        "no-deps-and-outs",
        {"dvc_pipeline": {"stages": {"a": {"cmd": "run", "outs": ["y"]}}}},
    ),
    ("DC132", "no-validate", {"dvc_pipeline": dvc_without("validate")}),
    ("DC133", "no-seed", {"params": {"train": {"n_estimators": 10}}}),
    ("DC133", "seed-not-int", {"params": {"seed": "forty-two"}}),
    ("DC141", "no-ci", {"ci_configs": {}}),
    ("DC141", "malformed-ci", {"ci_configs": {".github/workflows/ci.yml": None}}),
    ("DC142", "no-tests-in-ci", {"ci_configs": CI_PUSH_ONLY}),
    ("DC143", "no-pipeline-in-ci", {"ci_configs": CI_PUSH_ONLY}),
    ("DC144", "no-lint-in-ci", {"ci_configs": CI_PUSH_ONLY}),
    (
        "MC201",
        "no-train",
        {"repo_files": frozenset({"src/pkg/data/ingest.py"}), "dvc_pipeline": dvc_without("train")},
    ),
    ("MC202", "no-evaluate", {"repo_files": frozenset(), "dvc_pipeline": dvc_without("evaluate")}),
    ("MC203", "no-predict", {"repo_files": frozenset({"tests/test_predict.py"})}),
    ("MC204", "no-features", {"repo_files": frozenset({"src/pkg/models/train.py"})}),
    ("MC211", "no-tracker", {"python_modules": dict([SCHEMA, VALIDATE])}),
    ("MC212", "mlruns-committed", {"python_modules": MODULES, "gitignore": ("/data/",)}),
    (
        "MC213",
        "no-registry",
        {"python_modules": dict([mod("src/pkg/train.py", imports={"mlflow"})])},
    ),
    (
        "MC214",
        "no-env-var",
        {
            "python_modules": dict([mod("src/pkg/train.py", imports={"mlflow"})]),
            "ci_configs": CI_PUSH_ONLY,
        },
    ),
    ("MC221", "models-committed", {"gitignore": ("/data/",), "dvc_pipeline": None}),
    ("MC222", "no-card", {"repo_files": FILES - {"reports/model_card.md"}, "dvc_pipeline": None}),
    ("MC231", "no-evaluate", {"dvc_pipeline": dvc_without("evaluate")}),
    (
        "MC231",
        "evaluate-detached",
        {"dvc_pipeline": dvc_without(evaluate={"deps": ["data/processed"]})},
    ),
    (
        "MC232",
        "train-before-validate",
        {"dvc_pipeline": dvc_without(train={"deps": ["data/raw/customers.csv"]})},
    ),
    ("MC233", "train-without-params", {"dvc_pipeline": dvc_without(train={"params": []})}),
    ("MC234", "no-metrics", {"dvc_pipeline": dvc_without("evaluate")}),
    ("MC235", "no-plots", {"dvc_pipeline": dvc_without("evaluate")}),
    ("MC236", "seed-only", {"params": {"seed": 42}}),
    ("MC241", "models-untested", {"python_modules": dict([TRAIN, TEST_SCHEMA])}),
    ("MC242", "only-catch-all", {"codeowners": (("*", ("@acme/all",)),)}),
    ("PC301", "no-gate", {"repo_files": frozenset(), "dvc_pipeline": dvc_without("gate")}),
    (
        "PC302",
        "gate-detached",
        {
            "dvc_pipeline": dvc_without(gate={"deps": ["data/processed"]}),
            "ci_configs": CI_PUSH_ONLY,
        },
    ),
    ("PC311", "no-app", {"python_modules": dict([TRAIN])}),
    (
        "PC312",
        "no-health",
        {
            "python_modules": dict(
                [mod("src/pkg/serving/app.py", imports={"fastapi"}, strings={"/predict"})]
            )
        },
    ),
    ("PC313", "no-dockerfile", {"repo_files": frozenset({"docker-notes.md"})}),
    ("PC314", "no-dockerignore", {"repo_files": frozenset({"Dockerfile"})}),
    ("PC315", "no-manifests", {"repo_files": frozenset({"deploy/README.md"})}),
    ("PC316", "api-untested", {"python_modules": dict([APP, TEST_SCHEMA])}),
    (
        "PC321",
        "no-batch",
        {"repo_files": frozenset(), "dvc_pipeline": DVC, "python_modules": MODULES},
    ),
    ("PC322", "no-logging", {"repo_files": frozenset(), "python_modules": dict([TRAIN])}),
    ("PC331", "no-monitoring", {"repo_files": frozenset(), "python_modules": dict([TRAIN])}),
    ("PC332", "push-only", {"ci_configs": CI_PUSH_ONLY}),
    (
        "PC333",
        "schedule-without-retrain",
        {
            "ci_configs": {
                ".github/workflows/nightly.yml": {
                    "on": {"schedule": [{"cron": "0 0 * * *"}]},
                    "jobs": {"x": {"steps": [{"run": "echo"}]}},
                }
            }
        },
    ),
    ("PC334", "no-drift-in-ci", {"ci_configs": CI_PUSH_ONLY}),
    ("PC341", "no-image-build", {"ci_configs": CI_PUSH_ONLY}),
    ("PC342", "serving-unowned", {"codeowners": CODEOWNERS[:3]}),
]


def _params(cases: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    return [
        pytest.param(check_id, fixtures, id=f"{check_id}-{label}")
        for check_id, label, fixtures in cases
    ]


@pytest.mark.parametrize(("check_id", "fixtures"), _params(PASSING))
def test_check_passes(check_id: str, fixtures: dict[str, Any]) -> None:
    assert run(check_id, **fixtures) == ""


@pytest.mark.parametrize(("check_id", "fixtures"), _params(FAILING))
def test_check_fails_with_a_message(check_id: str, fixtures: dict[str, Any]) -> None:
    message = run(check_id, **fixtures)
    assert message.strip(), f"{check_id} failed without a message"


def test_every_check_has_a_passing_and_a_failing_case() -> None:
    assert {c for c, _, _ in PASSING} == set(CHECKS)
    assert {c for c, _, _ in FAILING} == set(CHECKS)


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_check_is_well_formed(check_id: str) -> None:
    check = CHECKS[check_id]
    families = repo_review_families()
    assert check_id.startswith(check.family) and check.family in families
    assert check.stage == STAGES[int(check_id[len(check.family)]) - 1]
    assert check.__doc__ and check.__doc__.strip() == check.__doc__.strip().splitlines()[0]
    assert check.check.__doc__ and check.check.__doc__.strip()
    assert check.principle
    assert isinstance(check.requires, frozenset) and check.requires <= set(CHECKS)
    later = [r for r in check.requires if STAGES.index(CHECKS[r].stage) > STAGES.index(check.stage)]
    assert not later, "a check may only require checks of its own or earlier stages"


def test_there_are_at_least_25_checks_and_every_stage_has_some() -> None:
    assert len(CHECKS) >= 25
    assert {check.stage for check in CHECKS.values()} == set(STAGES)
