"""The model-centric checks (MC): one passing and one failing case each, at least.

Cases mirror ``scaffold/check/checks/model_centric.py``; files are inline YAML/TOML.
"""

from __future__ import annotations

from check_cases import (
    CI_PUSH_ONLY,
    CODEOWNERS,
    DVC,
    FILES,
    GITIGNORE,
    MODULES,
    PARAMS,
    SCHEMA,
    TEST_SCHEMA,
    TRAIN,
    VALIDATE,
    Case,
    case_tests,
    dvc_without,
    mod,
    parse_yaml,
)

PASSING: list[Case] = [
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
    (
        "MC235",
        "top-level-plots",
        {"dvc_pipeline": parse_yaml("{plots: [reports/roc.json], stages: {}}")},
    ),
    ("MC236", "train-section", {"params": PARAMS}),
    ("MC241", "test-imports-train", {"python_modules": MODULES}),
    ("MC242", "models-owned", {"codeowners": CODEOWNERS}),
]

FAILING: list[Case] = [
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
    ("MC236", "seed-only", {"params": parse_yaml("seed: 42")}),
    ("MC241", "models-untested", {"python_modules": dict([TRAIN, TEST_SCHEMA])}),
    ("MC242", "only-catch-all", {"codeowners": (("*", ("@acme/all",)),)}),
]

test_check_passes, test_check_fails_with_a_message = case_tests(PASSING, FAILING)
