"""Data-centric checks: can the team trust and use its data?

DC: data-centric — "Can we trust and use our data?" Concern groups by tens digit: DC10x
project hygiene, DC11x data versioning, DC12x data contract, DC13x data pipeline, DC14x
continuous integration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scaffold._copier import ANSWERS_FILE
from scaffold.check._helpers import (
    LOCK_FILES,
    NOTEBOOK_HOOKS,
    SCHEMA_LIBS,
    VALIDATE,
    any_importer,
    both_import,
    cheapest_pairs,
    ci_text,
    cost,
    dvc_stages,
    imports_any,
    keys_in,
    listing,
    may_import,
    may_import_module,
    missing_ignores,
    pinned,
    source_modules,
    stages_playing,
    strings_in,
    test_modules,
)
from scaffold.check.checks._base import DataCentric
from scaffold.check.fixtures import ModuleInfo
from scaffold.stages import STAGES

CONCERNS = {
    "DC10": "Project hygiene",
    "DC11": "Data versioning",
    "DC12": "Data contract",
    "DC13": "Data pipeline",
    "DC14": "Continuous integration",
}


## DC10x: Project hygiene


class DC101(DataCentric):
    "Answers file declares a stage"

    principle = "collaboration"

    @staticmethod
    def check(copier_answers: Mapping[str, Any] | None) -> bool | str:
        """
        `.copier-answers.yml` must exist and record `stage` (one of data-centric,
        model-centric, pipeline-centric). Create the repo with `scaffold new`, or
        bring an existing repo under management with `scaffold adopt`.
        """
        if copier_answers is None:
            return False
        stage = copier_answers.get("stage")
        if stage not in STAGES:
            return f"`{ANSWERS_FILE}` declares stage {stage!r}; use one of {listing(STAGES)}."
        return True


class DC102(DataCentric):
    "Configuration files parse"

    principle = "reproducibility"

    @staticmethod
    def check(config_errors: tuple[str, ...]) -> bool | str:
        """Every configuration file and notebook must parse (YAML, TOML, INI, notebook JSON)."""
        if config_errors:
            return f"These files exist but do not parse: {listing(config_errors)}."
        return True


class DC103(DataCentric):
    "Dependencies are locked"

    principle = "reproducibility"

    @staticmethod
    def check(
        pyproject: Mapping[str, Any],
        requirements: Mapping[str, tuple[str, ...]],
        repo_files: frozenset[str],
    ) -> bool | str:
        """
        Pin every dependency in `pyproject.toml` with `==`, or commit a lock file
        (`uv.lock`, `poetry.lock`, `pdm.lock`, `pylock.toml`, fully pinned
        `requirements.txt`), so the data pipeline runs with the same versions everywhere.
        """
        if LOCK_FILES & repo_files:
            return True
        pinned_files = [
            path for path, lines in requirements.items() if lines and all(map(pinned, lines))
        ]
        if pinned_files:
            return True
        project = pyproject.get("project")
        deps = project.get("dependencies") if isinstance(project, Mapping) else None
        if not isinstance(deps, list) or not deps:
            return False
        loose = [str(dep) for dep in deps if not pinned(str(dep))]
        if loose:
            return (
                f"No lock file, and these dependencies are not pinned with `==`: {listing(loose)}."
            )
        return True


class DC104(DataCentric):
    "Tests exist"

    principle = "ci/cd"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """Add tests (`tests/test_*.py`), starting with the data contract."""
        return any(_is_test_module(path) for path in repo_files)


def _is_test_module(path: str) -> bool:
    """A module of tests under ``tests/``: pytest's ``test_*.py``/``*_test.py``, or any
    module whose name says tests (``unit_tests.py``); helpers such as conftest do not count."""
    name = path.rsplit("/", 1)[-1]
    if not path.startswith(("tests/", "test/")) or not name.endswith(".py"):
        return False
    return name not in {"conftest.py", "__init__.py"} and "test" in name.lower()


class DC105(DataCentric):
    "pre-commit hooks configured"

    principle = "collaboration"

    @staticmethod
    def check(precommit_config: Mapping[str, Any] | None) -> bool:
        """
        Add a `.pre-commit-config.yaml` with at least one hook (formatter, linter,
        notebook stripping) so every commit meets the same standard.
        """
        repos = precommit_config.get("repos") if precommit_config else None
        return isinstance(repos, list) and any(
            isinstance(repo, Mapping) and repo.get("hooks") for repo in repos
        )


class DC106(DataCentric):
    "Notebook outputs stripped"

    principle = "versioning"

    @staticmethod
    def check(notebooks: Mapping[str, int | None]) -> bool | str:
        """
        Committed notebooks must have no outputs and no execution counts: outputs
        leak data into git and make diffs unreadable.
        """
        dirty = [path for path, count in notebooks.items() if count]
        if dirty:
            return f"Strip the outputs of {listing(dirty)} (e.g. `nbstripout`)."
        return True


class DC107(DataCentric):
    "Notebook stripping enforced"

    principle = "versioning"
    requires = frozenset({"DC105"})

    @staticmethod
    def check(
        precommit_config: Mapping[str, Any] | None, notebooks: Mapping[str, int | None]
    ) -> bool:
        """
        Add a pre-commit hook that strips notebook outputs (`nbstripout` or
        `nb-clean`), so outputs never reach git.
        """
        if not notebooks:
            return True
        text = " ".join(strings_in(precommit_config))
        return any(hook in text for hook in NOTEBOOK_HOOKS)


class DC108(DataCentric):
    "CODEOWNERS assigns owners"

    principle = "collaboration"

    @staticmethod
    def check(codeowners: tuple[tuple[str, tuple[str, ...]], ...] | None) -> bool:
        """
        Add a `CODEOWNERS` file (root, `.github/` or `.gitlab/`) that maps the data,
        model and serving code to the teams that own them.
        """
        return bool(codeowners) and any(owners for _, owners in codeowners or ())


## DC11x: Data versioning


class DC111(DataCentric):
    "Data directories kept out of git"

    principle = "versioning"

    @staticmethod
    def check(gitignore: tuple[str, ...]) -> bool | str:
        """
        `.gitignore` must keep `data/raw/` and `data/processed/` out of git; data is
        versioned with DVC instead.
        """
        missing = missing_ignores(
            gitignore, ["data/raw/example.csv", "data/processed/example.parquet"]
        )
        if missing:
            return (
                f"Not ignored by git: {listing(missing)}. Add `/data/raw/` and "
                "`/data/processed/` (or `/data/`) to `.gitignore`."
            )
        return True


class DC112(DataCentric):
    "DVC initialised"

    principle = "versioning"

    @staticmethod
    def check(dvc_config: Mapping[str, Any] | None) -> bool:
        """Run `dvc init` and commit `.dvc/config` to version data alongside code."""
        return dvc_config is not None


class DC113(DataCentric):
    "DVC remote configured"

    principle = "versioning"
    requires = frozenset({"DC112"})

    @staticmethod
    def check(dvc_config: Mapping[str, Mapping[str, str]] | None) -> bool | str:
        """
        `.dvc/config` must name a default remote (`dvc remote add -d NAME URL`); a
        local directory is fine to start, an object store later.
        """
        config = dvc_config or {}
        default = config.get("core", {}).get("remote")
        if not default:
            return False
        remote = config.get(f'remote "{default}"', {})
        if not remote.get("url"):
            return f"The default DVC remote `{default}` has no `url` in `.dvc/config`."
        return True


class DC114(DataCentric):
    "Data versioned with DVC"

    principle = "versioning"
    requires = frozenset({"DC112"})

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None, repo_files: frozenset[str]) -> bool:
        """
        Track data with DVC: `dvc.yaml` stages whose outs live under `data/`, or
        `.dvc` files next to the data.
        """
        outs = (out for stage in dvc_stages(dvc_pipeline) for out in stage.outs)
        if any(out.lstrip("./").startswith("data/") for out in outs):
            return True
        return any(path.endswith(".dvc") and path != ".dvc" for path in repo_files)


## DC12x: Data contract


class DC121(DataCentric):
    "Data schema declared"

    principle = "data quality"

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Declare the data contract as code: a module that defines a schema with
        `pandera`, `great_expectations` or `pydantic`.
        """
        return any_importer(source_modules(python_modules), SCHEMA_LIBS)


class DC122(DataCentric):
    "Schema used by the pipeline"

    principle = "data quality"
    requires = frozenset({"DC121"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Validate data against the schema in the pipeline: some module other than
        the schema's own (e.g. `validate.py`) must import it.
        """
        source = source_modules(python_modules)
        schemas = [info for info in source.values() if may_import(info, SCHEMA_LIBS)]

        def related(info: ModuleInfo, schema: ModuleInfo) -> bool:
            return (
                info is not schema
                and may_import_module(info, schema["module"])
                and (cost(info) > 0 or not imports_any(info, SCHEMA_LIBS))
            )

        # Only the modules on the way are parsed, the cheapest pairs first.
        for info, schema in cheapest_pairs(source.values(), schemas, related):
            used = both_import(info, (schema["module"],), schema, SCHEMA_LIBS)
            if used and not imports_any(info, SCHEMA_LIBS):  # not a schema's own module
                return True
        return False


class DC123(DataCentric):
    "Data contract tested"

    principle = "data quality"
    requires = frozenset({"DC121", "DC104"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """Test the data contract: a test module must import the schema module."""
        source = source_modules(python_modules)
        schemas = [info for info in source.values() if may_import(info, SCHEMA_LIBS)]
        pairs = cheapest_pairs(test_modules(python_modules).values(), schemas, _may_use)
        return any(
            both_import(test, (schema["module"],), schema, SCHEMA_LIBS) for test, schema in pairs
        )


def _may_use(importer: ModuleInfo, module: ModuleInfo) -> bool:
    return may_import_module(importer, module["module"])


## DC13x: Data pipeline


class DC131(DataCentric):
    "DVC pipeline with deps and outs"

    principle = "orchestration"

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None) -> bool | str:
        """
        Describe the data pipeline in `dvc.yaml`: stages with a `cmd`, `deps` and
        `outs`, so `dvc repro` reruns exactly what changed.
        """
        stages = dvc_stages(dvc_pipeline)
        if not stages:
            return False
        no_cmd = [stage.name for stage in stages if not stage.cmd]
        if no_cmd:
            return f"These `dvc.yaml` stages have no `cmd`: {listing(no_cmd)}."
        if not any(stage.deps and stage.outs for stage in stages):
            return "No `dvc.yaml` stage declares both `deps` and `outs`."
        return True


class DC132(DataCentric):
    "Data validation is a pipeline stage"

    principle = "data quality"
    requires = frozenset({"DC131"})

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """Add a `validate` stage to `dvc.yaml` that checks the data against its schema."""
        return bool(stages_playing(VALIDATE, dvc_stages(dvc_pipeline)))


class DC133(DataCentric):
    "Params declare a seed"

    principle = "reproducibility"

    @staticmethod
    def check(params: Mapping[str, Any] | None) -> bool:
        """
        `params.yaml` must set an integer `seed` (or `random_state`), so sampling
        and splits are reproducible.
        """
        return any(
            key.lower() in {"seed", "random_seed", "random_state"}
            and isinstance(value, int)
            and not isinstance(value, bool)
            for key, value in keys_in(params)
        )


## DC14x: Continuous integration


class DC141(DataCentric):
    "CI configured"

    principle = "ci/cd"

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """Add CI: a GitHub Actions workflow in `.github/workflows/` or a `.gitlab-ci.yml`."""
        return any(config for config in ci_configs.values())


class DC142(DataCentric):
    "CI runs the tests"

    principle = "ci/cd"
    requires = frozenset({"DC141"})

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """CI must run the test suite (`pytest`, `tox`, `nox` or `make test`)."""
        return bool(re.search(r"\bpytest\b|\btox\b|\bnox\b|make test", ci_text(ci_configs)))


class DC143(DataCentric):
    "CI runs the data pipeline"

    principle = "ci/cd"
    requires = frozenset({"DC141"})

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """CI must run the pipeline on sample data (`dvc repro`)."""
        return bool(re.search(r"dvc\s+(repro|exp\s+run)", ci_text(ci_configs)))


class DC144(DataCentric):
    "CI runs the linters"

    principle = "ci/cd"
    requires = frozenset({"DC141"})

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """CI must run `pre-commit` (or a linter such as `ruff`) on every change."""
        return bool(re.search(r"pre-commit|\bruff\b|flake8|pylint", ci_text(ci_configs)))
