"""The pipeline-centric checks (PC): one passing and one failing case each, at least.

Cases mirror ``scaffold/check/checks/pipeline_centric.py``; files are inline YAML/TOML.
"""

from __future__ import annotations

from check_cases import (
    APP,
    CI,
    CI_PUSH_ONLY,
    CODEOWNERS,
    DVC,
    FILES,
    GITLAB_SCHEDULED,
    MODULES,
    TEST_SCHEMA,
    TRAIN,
    Case,
    case_tests,
    dvc_without,
    mod,
    parse_yaml,
)

PASSING: list[Case] = [
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

FAILING: list[Case] = [
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
                ".github/workflows/nightly.yml": parse_yaml("""
                    on:
                      schedule: [{cron: "0 0 * * *"}]
                    jobs:
                      x:
                        steps: [{run: echo}]
                """)
            }
        },
    ),
    ("PC334", "no-drift-in-ci", {"ci_configs": CI_PUSH_ONLY}),
    ("PC341", "no-image-build", {"ci_configs": CI_PUSH_ONLY}),
    ("PC342", "serving-unowned", {"codeowners": CODEOWNERS[:3]}),
]

test_check_passes, test_check_fails_with_a_message = case_tests(PASSING, FAILING)
