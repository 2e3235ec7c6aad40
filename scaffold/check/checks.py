"""The checks: one small class each, grouped in one family per maturity stage.

A check's docstring is its title and its ``check()`` docstring the failure
message (a returned string replaces it with specifics). Checks receive parsed
files as fixtures by parameter name and never read anything themselves. IDs are
the family prefix and a number whose hundreds digit is the stage (1 data-centric,
2 model-centric, 3 pipeline-centric) and whose tens digit groups one MLOps concern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from scaffold.check._helpers import (
    ci_text,
    dvc_stages,
    github_triggers,
    is_ignored,
    stages_playing,
    strings_in,
    upstream,
)
from scaffold.check.fixtures import ANSWERS_FILE, ModuleInfo

__all__ = ["STAGES", "repo_review_checks", "repo_review_families"]

STAGES = ("data-centric", "model-centric", "pipeline-centric")

_LOCK_FILES = frozenset(
    {"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock", "conda-lock.yml"}
)
_SCHEMA_LIBS = ("pandera", "great_expectations", "pydantic", "pandas_schema", "jsonschema")
_TRACKING_LIBS = ("mlflow", "wandb", "neptune", "comet_ml", "clearml", "aim")
_SERVING_LIBS = ("fastapi", "flask", "bentoml", "litserve", "starlette", "ray.serve")
_DRIFT_LIBS = ("evidently", "alibi_detect", "nannyml", "whylogs", "deepchecks")
_REGISTRY_NAMES = frozenset(
    {
        "register_model",
        "registered_model_name",
        "create_registered_model",
        "set_registered_model_alias",
        "transition_model_version_stage",
        "create_model_version",
    }
)
_NOTEBOOK_HOOKS = ("nbstripout", "nb-clean", "nb_clean", "jupyter-notebook-cleanup")
_VALIDATE = r"validat|expectation|data[_-]?check"
_TRAIN = r"\btrain|\bfit\b"
_EVALUATE = r"evaluat|\bscore\b"
_GATE = r"\bgate|promot"


# ---------------------------------------------------------------------------
# helpers over fixtures
# ---------------------------------------------------------------------------


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        path.startswith(("tests/", "test/"))
        or "/tests/" in path
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _source(modules: Mapping[str, ModuleInfo]) -> dict[str, ModuleInfo]:
    return {path: info for path, info in modules.items() if not _is_test(path)}


def _tests(modules: Mapping[str, ModuleInfo]) -> dict[str, ModuleInfo]:
    return {path: info for path, info in modules.items() if _is_test(path)}


def _imports_any(info: ModuleInfo, targets: Iterable[str]) -> bool:
    return any(
        imported == target or imported.startswith(target + ".")
        for imported in info["imports"]
        for target in targets
    )


def _importers(modules: Mapping[str, ModuleInfo], targets: Iterable[str]) -> dict[str, ModuleInfo]:
    targets = tuple(targets)
    return {path: info for path, info in modules.items() if _imports_any(info, targets)}


def _basenames(files: Iterable[str]) -> dict[str, str]:
    return {path: path.rsplit("/", 1)[-1].lower() for path in files}


def _files_named(files: Iterable[str], pattern: str, suffix: str = ".py") -> list[str]:
    regex = re.compile(pattern, re.IGNORECASE)
    return sorted(
        path
        for path, name in _basenames(files).items()
        if name.endswith(suffix) and regex.search(name) and not _is_test(path)
    )


def _dirs(files: Iterable[str]) -> set[str]:
    return {path.rsplit("/", 1)[0] for path in files if "/" in path}


def _has_dir_named(files: Iterable[str], name: str) -> bool:
    return any(d == name or d.endswith("/" + name) for d in _dirs(files) if not _is_test(d + "/"))


def _keys(value: Any) -> Iterable[tuple[str, Any]]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, sub in item.items():
                yield str(key), sub
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


def _pinned(requirement: str) -> bool:
    spec = requirement.split(";", 1)[0]
    return "==" in spec or " @ " in spec


def _missing_ignores(gitignore: Iterable[str], probes: Iterable[str]) -> list[str]:
    patterns = tuple(gitignore)
    return [probe for probe in probes if not is_ignored(probe, patterns)]


def _listing(items: Iterable[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


# ---------------------------------------------------------------------------
# families
# ---------------------------------------------------------------------------


class DataCentric:
    family = "DC"
    stage = "data-centric"
    requires: ClassVar[frozenset[str]] = frozenset()


class ModelCentric:
    family = "MC"
    stage = "model-centric"
    requires: ClassVar[frozenset[str]] = frozenset()


class PipelineCentric:
    family = "PC"
    stage = "pipeline-centric"
    requires: ClassVar[frozenset[str]] = frozenset()


# ---------------------------------------------------------------------------
# DC: data-centric — "can we trust and use our data?"
# ---------------------------------------------------------------------------


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
            return f"`{ANSWERS_FILE}` declares stage {stage!r}; use one of {_listing(STAGES)}."
        return True


class DC102(DataCentric):
    "Configuration files parse"

    principle = "reproducibility"

    @staticmethod
    def check(config_errors: tuple[str, ...]) -> bool | str:
        """Every configuration file and notebook must parse (YAML, TOML, INI, notebook JSON)."""
        if config_errors:
            return f"These files exist but do not parse: {_listing(config_errors)}."
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
        if _LOCK_FILES & repo_files:
            return True
        pinned_files = [
            path for path, lines in requirements.items() if lines and all(map(_pinned, lines))
        ]
        if pinned_files:
            return True
        project = pyproject.get("project")
        deps = project.get("dependencies") if isinstance(project, Mapping) else None
        if not isinstance(deps, list) or not deps:
            return False
        loose = [str(dep) for dep in deps if not _pinned(str(dep))]
        if loose:
            return (
                f"No lock file, and these dependencies are not pinned with `==`: {_listing(loose)}."
            )
        return True


class DC104(DataCentric):
    "Tests exist"

    principle = "ci/cd"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """Add tests (`tests/test_*.py`), starting with the data contract."""
        return any(
            path.startswith(("tests/", "test/"))
            and path.endswith(".py")
            and (path.rsplit("/", 1)[-1].startswith("test_") or path.endswith("_test.py"))
            for path in repo_files
        )


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
            return f"Strip the outputs of {_listing(dirty)} (e.g. `nbstripout`)."
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
        return any(hook in text for hook in _NOTEBOOK_HOOKS)


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


class DC111(DataCentric):
    "Data directories kept out of git"

    principle = "versioning"

    @staticmethod
    def check(gitignore: tuple[str, ...]) -> bool | str:
        """
        `.gitignore` must keep `data/raw/` and `data/processed/` out of git; data is
        versioned with DVC instead.
        """
        missing = _missing_ignores(
            gitignore, ["data/raw/example.csv", "data/processed/example.parquet"]
        )
        if missing:
            return (
                f"Not ignored by git: {_listing(missing)}. Add `/data/raw/` and "
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


class DC121(DataCentric):
    "Data schema declared"

    principle = "data quality"

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Declare the data contract as code: a module that defines a schema with
        `pandera`, `great_expectations` or `pydantic`.
        """
        return bool(_importers(_source(python_modules), _SCHEMA_LIBS))


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
        source = _source(python_modules)
        declaring = _importers(source, _SCHEMA_LIBS)
        names = {info["module"] for info in declaring.values()}
        return any(
            _imports_any(info, names) for path, info in source.items() if path not in declaring
        )


class DC123(DataCentric):
    "Data contract tested"

    principle = "data quality"
    requires = frozenset({"DC121", "DC104"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """Test the data contract: a test module must import the schema module."""
        declaring = _importers(_source(python_modules), _SCHEMA_LIBS)
        names = {info["module"] for info in declaring.values()}
        return bool(_importers(_tests(python_modules), names))


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
            return f"These `dvc.yaml` stages have no `cmd`: {_listing(no_cmd)}."
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
        return bool(stages_playing(_VALIDATE, dvc_stages(dvc_pipeline)))


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
            for key, value in _keys(params)
        )


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


# ---------------------------------------------------------------------------
# MC: model-centric — "which model, and can we reproduce it?"
# ---------------------------------------------------------------------------


class MC201(ModelCentric):
    "Training entry point"

    principle = "reproducibility"

    @staticmethod
    def check(repo_files: frozenset[str], dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """Add a training entry point: a `train.py` module or a `train` stage in `dvc.yaml`."""
        return bool(
            _files_named(repo_files, r"^train") or stages_playing(_TRAIN, dvc_stages(dvc_pipeline))
        )


class MC202(ModelCentric):
    "Evaluation entry point"

    principle = "continuous evaluation"

    @staticmethod
    def check(repo_files: frozenset[str], dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """Add an evaluation entry point: an `evaluate.py` module or an `evaluate` stage."""
        return bool(
            _files_named(repo_files, r"^evaluat")
            or stages_playing(_EVALUATE, dvc_stages(dvc_pipeline))
        )


class MC203(ModelCentric):
    "Prediction entry point"

    principle = "reproducibility"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """Add a `predict.py` module that loads a trained model and scores new data."""
        return bool(_files_named(repo_files, r"^predict"))


class MC204(ModelCentric):
    "Feature code kept apart from model code"

    principle = "collaboration"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """
        Put feature engineering in its own package (`src/<pkg>/features/`) or module
        (`features.py`, `featurize.py`), owned apart from the model code.
        """
        return _has_dir_named(repo_files, "features") or bool(
            _files_named(repo_files, r"^(build_)?(features?|featurize)\.py$")
        )


class MC211(ModelCentric):
    "Experiment tracking"

    principle = "metadata tracking"

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """Track experiments: training code must log runs to `mlflow` (or another tracker)."""
        return bool(_importers(_source(python_modules), _TRACKING_LIBS))


class MC212(ModelCentric):
    "Tracking store kept out of git"

    principle = "versioning"
    requires = frozenset({"MC211"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo], gitignore: tuple[str, ...]) -> bool | str:
        """
        `.gitignore` must keep the local tracking store (`mlruns/`, `mlflow.db`,
        `wandb/`) out of git.
        """
        source = _source(python_modules)
        probes = []
        if _importers(source, ["mlflow"]):
            probes += ["mlruns/0/meta.yaml", "mlflow.db"]
        if _importers(source, ["wandb"]):
            probes += ["wandb/run/files.json"]
        missing = _missing_ignores(gitignore, probes)
        if missing:
            return f"Not ignored by git: {_listing(missing)}."
        return True


class MC213(ModelCentric):
    "Model registry used"

    principle = "versioning"
    requires = frozenset({"MC211"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Register trained models in a model registry (e.g. `mlflow.register_model`
        or `registered_model_name=`), so every model has a version.
        """
        return any(info["names"] & _REGISTRY_NAMES for info in _source(python_modules).values())


class MC214(ModelCentric):
    "Tracking server set by environment"

    principle = "metadata tracking"
    requires = frozenset({"MC211"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo], ci_configs: Mapping[str, Any]) -> bool:
        """
        Read the tracking server from `MLFLOW_TRACKING_URI` (local sqlite by default),
        so a shared server is one environment variable away.
        """
        needle = re.compile(r"MLFLOW_TRACKING_URI|WANDB_BASE_URL|NEPTUNE_PROJECT")
        if needle.search(ci_text(ci_configs)):
            return True
        return any(
            needle.search(s) for info in python_modules.values() for s in info["strings"]
        ) or any(needle.search(n) for info in python_modules.values() for n in info["names"])


class MC221(ModelCentric):
    "Model artifacts kept out of git"

    principle = "versioning"

    @staticmethod
    def check(gitignore: tuple[str, ...], dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """
        Keep trained models out of git: ignore `models/` (or `*.pkl`, `*.joblib`) or
        make them DVC outs.
        """
        outs = [out for stage in dvc_stages(dvc_pipeline) for out in stage.outs]
        if any(re.search(r"(^|/)models?(/|$)|\.(pkl|joblib|onnx|pt)$", out) for out in outs):
            return True
        return not _missing_ignores(gitignore, ["models/model.pkl"])


class MC222(ModelCentric):
    "Model card"

    principle = "collaboration"

    @staticmethod
    def check(repo_files: frozenset[str], dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """
        Document the model in a model card (`MODEL_CARD.md`, `reports/model_card.md`
        or `docs/model_card.md`), generated or written, covering data, metrics and limits.
        """
        card = re.compile(r"model[_-]?card", re.IGNORECASE)
        if any(card.search(path.rsplit("/", 1)[-1]) for path in repo_files if not _is_test(path)):
            return True
        stages = dvc_stages(dvc_pipeline)
        return any(card.search(path) for stage in stages for path in stage.produces)


class MC231(ModelCentric):
    "Pipeline trains and evaluates"

    principle = "orchestration"
    requires = frozenset({"DC131"})

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None) -> bool | str:
        """
        `dvc.yaml` must have a `train` stage and an `evaluate` stage that depends on
        the trained model.
        """
        stages = dvc_stages(dvc_pipeline)
        trains = stages_playing(_TRAIN, stages)
        evaluates = [s for s in stages_playing(_EVALUATE, stages) if s not in trains]
        if not trains or not evaluates:
            return False
        train_names = {stage.name for stage in trains}
        if not any(train_names & upstream(stage, stages) for stage in evaluates):
            return "The `evaluate` stage does not depend on any output of the `train` stage."
        return True


class MC232(ModelCentric):
    "Validation upstream of training"

    principle = "data quality"
    requires = frozenset({"MC231", "DC132"})

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """
        In `dvc.yaml`, training must (transitively) depend on the output of the
        validation stage, so a model is never trained on data that failed its contract.
        """
        stages = dvc_stages(dvc_pipeline)
        validators = {stage.name for stage in stages_playing(_VALIDATE, stages)}
        return any(validators & upstream(stage, stages) for stage in stages_playing(_TRAIN, stages))


class MC233(ModelCentric):
    "Training declares its params"

    principle = "reproducibility"
    requires = frozenset({"MC231"})

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """
        The `train` stage must list its `params` in `dvc.yaml`, so a changed
        hyperparameter reruns training.
        """
        return any(stage.params for stage in stages_playing(_TRAIN, dvc_stages(dvc_pipeline)))


class MC234(ModelCentric):
    "Metrics tracked"

    principle = "continuous evaluation"

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """Declare evaluation `metrics` in `dvc.yaml`, so `dvc metrics diff` compares runs."""
        return any(stage.metrics for stage in dvc_stages(dvc_pipeline))


class MC235(ModelCentric):
    "Plots declared"

    principle = "continuous evaluation"

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """Declare evaluation `plots` in `dvc.yaml` (per stage or top-level)."""
        if isinstance(dvc_pipeline, Mapping) and dvc_pipeline.get("plots"):
            return True
        return any(stage.plots for stage in dvc_stages(dvc_pipeline))


class MC236(ModelCentric):
    "Hyperparameters in params"

    principle = "reproducibility"

    @staticmethod
    def check(params: Mapping[str, Any] | None) -> bool:
        """
        Keep hyperparameters in `params.yaml` (a `train:` or `model:` section), not
        in code, so experiments differ only by parameters.
        """
        section = re.compile(r"train|model|hyper|estimator", re.IGNORECASE)
        return any(
            section.search(key) and isinstance(value, Mapping) and value
            for key, value in _keys(params)
        )


class MC241(ModelCentric):
    "Model code tested"

    principle = "continuous evaluation"
    requires = frozenset({"DC104"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Test the model code (determinism, a metric floor, the input signature): a
        test module must import the training or model modules.
        """
        model_modules = {
            info["module"]
            for path, info in _source(python_modules).items()
            if re.search(r"(^|\.)(models?|train\w*)(\.|$)", info["module"])
        }
        return bool(model_modules and _importers(_tests(python_modules), model_modules))


class MC242(ModelCentric):
    "CODEOWNERS assigns model code"

    principle = "collaboration"
    requires = frozenset({"DC108"})

    @staticmethod
    def check(codeowners: tuple[tuple[str, tuple[str, ...]], ...] | None) -> bool:
        """`CODEOWNERS` must assign the features and models code to the data-science team."""
        return any(
            re.search(r"models?|features?", pattern) and owners
            for pattern, owners in codeowners or ()
        )


# ---------------------------------------------------------------------------
# PC: pipeline-centric — "can we retrain and redeploy safely, often?"
# ---------------------------------------------------------------------------


class PC301(PipelineCentric):
    "Promotion gate"

    principle = "continuous training"

    @staticmethod
    def check(repo_files: frozenset[str], dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """
        Add a quality gate that promotes a challenger over the champion only when
        it is better (`gate.py`/`promote.py`, or a `gate` stage in `dvc.yaml`).
        """
        return bool(
            _files_named(repo_files, r"^(gate|promot)")
            or stages_playing(_GATE, dvc_stages(dvc_pipeline))
        )


class PC302(PipelineCentric):
    "Gate runs after evaluation"

    principle = "continuous training"
    requires = frozenset({"PC301"})

    @staticmethod
    def check(dvc_pipeline: Mapping[str, Any] | None, ci_configs: Mapping[str, Any]) -> bool:
        """
        Run the gate automatically after evaluation: a `dvc.yaml` gate stage that
        depends on the evaluation outputs, or a CI step that runs it.
        """
        stages = dvc_stages(dvc_pipeline)
        evaluators = {stage.name for stage in stages_playing(_EVALUATE, stages)}
        if any(evaluators & upstream(stage, stages) for stage in stages_playing(_GATE, stages)):
            return True
        return bool(re.search(r"\bgate\b|promot", ci_text(ci_configs)))


class PC311(PipelineCentric):
    "Serving app"

    principle = "deployment"

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """Serve the model online: a module that builds an API app (e.g. FastAPI)."""
        return bool(_importers(_source(python_modules), _SERVING_LIBS))


class PC312(PipelineCentric):
    "Serving has a health endpoint"

    principle = "monitoring"
    requires = frozenset({"PC311"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """The serving app must expose a health endpoint (`/health`) for the platform's probes."""
        apps = _importers(_source(python_modules), _SERVING_LIBS)
        health = re.compile(r"^/(health|healthz|livez|readyz|ready|ping)\b")
        return any(health.search(s) for info in apps.values() for s in info["strings"])


class PC313(PipelineCentric):
    "Container image defined"

    principle = "deployment"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """Package the service as a container image: add a `Dockerfile`."""
        names = _basenames(repo_files).values()
        return any(
            name in {"dockerfile", "containerfile"}
            or name.endswith(".dockerfile")
            or name.startswith("dockerfile.")
            for name in names
        )


class PC314(PipelineCentric):
    "Build context trimmed with .dockerignore"

    principle = "deployment"
    requires = frozenset({"PC313"})

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """Add a `.dockerignore` so data, models and caches stay out of the image."""
        return any(path.rsplit("/", 1)[-1] == ".dockerignore" for path in repo_files)


class PC315(PipelineCentric):
    "Deployment manifests"

    principle = "deployment"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """
        Add deployment manifests: Kubernetes YAML under `deploy/` or `k8s/`, a Helm
        chart, or a compose file.
        """
        for path in repo_files:
            name = path.rsplit("/", 1)[-1]
            if path.startswith(("deploy/", "k8s/", "kubernetes/", "manifests/")) and name.endswith(
                (".yaml", ".yml")
            ):
                return True
            if name in {"Chart.yaml", "kustomization.yaml", "compose.yaml", "docker-compose.yml"}:
                return True
        return False


class PC316(PipelineCentric):
    "API contract tested"

    principle = "deployment"
    requires = frozenset({"PC311", "DC104"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """Test the API contract: a test must call the app (`fastapi.testclient`, `httpx`)."""
        apps = {
            info["module"] for info in _importers(_source(python_modules), _SERVING_LIBS).values()
        }
        clients = ("fastapi.testclient", "starlette.testclient", "httpx", "flask.testing", *apps)
        return bool(_importers(_tests(python_modules), clients))


class PC321(PipelineCentric):
    "Batch inference"

    principle = "deployment"

    @staticmethod
    def check(
        repo_files: frozenset[str],
        dvc_pipeline: Mapping[str, Any] | None,
        python_modules: Mapping[str, ModuleInfo],
    ) -> bool:
        """Add batch inference (a `batch.py` module or a `batch` stage) that scores whole tables."""
        batch = r"batch"
        if _files_named(repo_files, batch) or stages_playing(batch, dvc_stages(dvc_pipeline)):
            return True
        return any(
            re.search(r"batch_(predict|infer|score)", name)
            for info in _source(python_modules).values()
            for name in info["names"]
        )


class PC322(PipelineCentric):
    "Predictions logged"

    principle = "feedback loops"

    @staticmethod
    def check(repo_files: frozenset[str], python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Log every prediction with its inputs and model version (e.g. a
        `log_prediction` function), the raw material for monitoring and feedback.
        """
        pattern = re.compile(r"predictions?_?log|log_?predictions?", re.IGNORECASE)
        if any(pattern.search(path) for path in _files_named(repo_files, ".")):
            return True
        return any(
            pattern.search(name)
            for info in _source(python_modules).values()
            for name in info["names"]
        )


class PC331(PipelineCentric):
    "Drift monitoring"

    principle = "monitoring"

    @staticmethod
    def check(repo_files: frozenset[str], python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Monitor drift against the training reference: a `monitoring/` package, a
        `drift` module, or a drift library such as `evidently`.
        """
        source = _source(python_modules)
        if _importers(source, _DRIFT_LIBS) or _files_named(repo_files, r"drift"):
            return True
        return _has_dir_named({p for p in repo_files if p.endswith(".py")}, "monitoring")


class PC332(PipelineCentric):
    "Scheduled retraining"

    principle = "continuous training"

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """
        Retrain on a schedule: a CI workflow with `on: schedule: - cron:` (GitHub)
        or a job for `$CI_PIPELINE_SOURCE == "schedule"` (GitLab).
        """
        for path, config in ci_configs.items():
            if not isinstance(config, Mapping):
                continue
            if path.startswith(".github/"):
                triggers = github_triggers(config)
                if isinstance(triggers, Mapping) and triggers.get("schedule"):
                    return True
            elif re.search(r"CI_PIPELINE_SOURCE\s*==\s*[\"']schedule", ci_text({path: config})):
                return True
        return False


class PC333(PipelineCentric):
    "Scheduled run retrains the pipeline"

    principle = "continuous training"
    requires = frozenset({"PC332"})

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """The scheduled workflow must rerun the pipeline (`dvc repro`, a retrain command)."""
        for path, config in ci_configs.items():
            if not isinstance(config, Mapping):
                continue
            scheduled = path.startswith(".gitlab") or (
                isinstance(github_triggers(config), Mapping)
                and bool(github_triggers(config).get("schedule"))
            )
            if scheduled and re.search(r"dvc\s+repro|retrain|prefect", ci_text({path: config})):
                return True
        return False


class PC334(PipelineCentric):
    "CI checks drift"

    principle = "feedback loops"
    requires = frozenset({"PC331", "DC141"})

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """Run the drift report in CI, so drift can trigger retraining."""
        return bool(re.search(r"drift|monitor", ci_text(ci_configs), re.IGNORECASE))


class PC341(PipelineCentric):
    "CI builds or lints the image"

    principle = "ci/cd"
    requires = frozenset({"PC313", "DC141"})

    @staticmethod
    def check(ci_configs: Mapping[str, Any]) -> bool:
        """CI must build (or at least lint, e.g. `hadolint`) the container image."""
        pattern = r"docker\s+(build|buildx)|build-push-action|hadolint|kaniko|buildah"
        return bool(re.search(pattern, ci_text(ci_configs)))


class PC342(PipelineCentric):
    "CODEOWNERS assigns serving and deployment"

    principle = "collaboration"
    requires = frozenset({"DC108"})

    @staticmethod
    def check(codeowners: tuple[tuple[str, tuple[str, ...]], ...] | None) -> bool:
        """`CODEOWNERS` must assign the serving code and deployment files to the app team."""
        return any(
            re.search(r"serving|deploy|Dockerfile", pattern) and owners
            for pattern, owners in codeowners or ()
        )


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------

_FAMILY_BASES = (DataCentric, ModelCentric, PipelineCentric)


def _check_classes() -> list[type]:
    return [cls for base in _FAMILY_BASES for cls in base.__subclasses__()]


def repo_review_checks() -> dict[str, Any]:
    """Entry point ``repo_review.checks``: every check, keyed by ID."""
    return {cls.__name__: cls() for cls in _check_classes()}


def repo_review_families() -> dict[str, dict[str, Any]]:
    """Entry point ``repo_review.families``: one family per stage, in maturity order."""
    return {
        "DC": {
            "name": "Data-centric",
            "order": 1,
            "description": "Can we trust and use our data?",
        },
        "MC": {
            "name": "Model-centric",
            "order": 2,
            "description": "Which model, and can we reproduce it?",
        },
        "PC": {
            "name": "Pipeline-centric",
            "order": 3,
            "description": "Can we retrain and redeploy safely, often?",
        },
    }
