"""The data-centric checks (DC): one passing and one failing case each, at least.

Cases mirror ``scaffold/check/checks/data_centric.py``; files are inline YAML/TOML.
"""

from __future__ import annotations

from check_cases import (
    CI,
    CI_PUSH_ONLY,
    CODEOWNERS,
    DVC,
    FILES,
    GITIGNORE,
    MODULES,
    PARAMS,
    PRECOMMIT,
    SCHEMA,
    TEST_TRAIN,
    TRAIN,
    VALIDATE,
    Case,
    case_tests,
    dvc_without,
    mod,
    parse_toml,
    parse_yaml,
)

PASSING: list[Case] = [
    ("DC101", "answers-with-stage", {"copier_answers": parse_yaml("stage: data-centric")}),
    ("DC102", "all-parse", {"config_errors": ()}),
    ("DC103", "lock-file", {"pyproject": {}, "requirements": {}, "repo_files": FILES}),
    (
        "DC103",
        "all-pinned",
        {
            "pyproject": parse_toml("""
                [project]
                dependencies = ["pandas==2.3.3", "dvc==3.59.1"]
            """),
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
    ("DC133", "nested-random-state", {"params": parse_yaml("split: {random_state: 7}")}),
    ("DC141", "workflow", {"ci_configs": CI}),
    ("DC142", "pytest", {"ci_configs": CI}),
    ("DC143", "dvc-repro", {"ci_configs": CI}),
    ("DC144", "pre-commit", {"ci_configs": CI}),
]

FAILING: list[Case] = [
    ("DC101", "no-answers-file", {"copier_answers": None}),
    ("DC101", "unknown-stage", {"copier_answers": parse_yaml("stage: production")}),
    ("DC102", "malformed-dvc-yaml", {"config_errors": ("dvc.yaml",)}),
    (
        "DC103",
        "loose-deps",
        {
            "pyproject": parse_toml("""
                [project]
                dependencies = ["pandas>=2", "dvc==3.59.1"]
            """),
            "requirements": {},
            "repo_files": frozenset(),
        },
    ),
    (
        "DC103",
        "no-deps",
        {"pyproject": parse_toml("[project]"), "requirements": {}, "repo_files": frozenset()},
    ),
    ("DC104", "no-tests", {"repo_files": frozenset({"src/pkg/__init__.py", "tests/conftest.py"})}),
    ("DC105", "no-config", {"precommit_config": None}),
    ("DC105", "no-hooks", {"precommit_config": parse_yaml("repos: []")}),
    ("DC106", "outputs", {"notebooks": {"notebooks/explore.ipynb": 3}}),
    (
        "DC107",
        "no-strip-hook",
        {
            "precommit_config": parse_yaml("""
                repos:
                  - repo: local
                    hooks: [{id: ruff}]
            """),
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
            "dvc_pipeline": parse_yaml("""
                stages:
                  x: {cmd: c, outs: [out.txt]}
            """),
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
        {"dvc_pipeline": parse_yaml("stages: {a: {deps: [x], outs: [y]}}")},
    ),
    (
        "DC131",
        "no-deps-and-outs",
        {"dvc_pipeline": parse_yaml("stages: {a: {cmd: run, outs: [y]}}")},
    ),
    ("DC132", "no-validate", {"dvc_pipeline": dvc_without("validate")}),
    ("DC133", "no-seed", {"params": parse_yaml("train: {n_estimators: 10}")}),
    ("DC133", "seed-not-int", {"params": parse_yaml("seed: forty-two")}),
    ("DC141", "no-ci", {"ci_configs": {}}),
    ("DC141", "malformed-ci", {"ci_configs": {".github/workflows/ci.yml": None}}),
    ("DC142", "no-tests-in-ci", {"ci_configs": CI_PUSH_ONLY}),
    ("DC143", "no-pipeline-in-ci", {"ci_configs": CI_PUSH_ONLY}),
    ("DC144", "no-lint-in-ci", {"ci_configs": CI_PUSH_ONLY}),
]

test_check_passes, test_check_fails_with_a_message = case_tests(PASSING, FAILING)
