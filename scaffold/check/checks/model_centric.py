"""Model-centric checks: which model, and can the team reproduce it?

MC: model-centric — "Which model, and can we reproduce it?" Concern groups by tens
digit: MC20x model entry points, MC21x experiment tracking and registry, MC22x model
artifacts, MC23x training pipeline, MC24x model tests and ownership.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scaffold.check._helpers import (
    EVALUATE,
    REGISTRY_NAMES,
    TRACKING_LIBS,
    TRAIN,
    VALIDATE,
    any_importer,
    candidates,
    cheapest_first,
    cheapest_pairs,
    ci_text,
    cost,
    dvc_stages,
    files_named,
    has_dir_named,
    imports_any,
    is_test,
    keys_in,
    listing,
    may_import_module,
    missing_ignores,
    names_any,
    names_match,
    parses,
    source_modules,
    stages_playing,
    strings_match,
    test_modules,
    upstream,
)
from scaffold.check.checks._base import ModelCentric
from scaffold.check.fixtures import ModuleInfo

CONCERNS = {
    "MC20": "Model entry points",
    "MC21": "Experiment tracking and registry",
    "MC22": "Model artifacts",
    "MC23": "Training pipeline",
    "MC24": "Model tests and ownership",
}


## MC20x: Model entry points


class MC201(ModelCentric):
    "Training entry point"

    principle = "reproducibility"

    @staticmethod
    def check(repo_files: frozenset[str], dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """Add a training entry point: a `train.py` module or a `train` stage in `dvc.yaml`."""
        return bool(
            files_named(repo_files, r"^train") or stages_playing(TRAIN, dvc_stages(dvc_pipeline))
        )


class MC202(ModelCentric):
    "Evaluation entry point"

    principle = "continuous evaluation"

    @staticmethod
    def check(repo_files: frozenset[str], dvc_pipeline: Mapping[str, Any] | None) -> bool:
        """Add an evaluation entry point: an `evaluate.py` module or an `evaluate` stage."""
        return bool(
            files_named(repo_files, r"^evaluat")
            or stages_playing(EVALUATE, dvc_stages(dvc_pipeline))
        )


class MC203(ModelCentric):
    "Prediction entry point"

    principle = "reproducibility"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """Add a `predict.py` module that loads a trained model and scores new data."""
        return bool(files_named(repo_files, r"^predict"))


class MC204(ModelCentric):
    "Feature code kept apart from model code"

    principle = "collaboration"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """
        Put feature engineering in its own package (`src/<pkg>/features/`) or module
        (`features.py`, `featurize.py`), owned apart from the model code.
        """
        return has_dir_named(repo_files, "features") or bool(
            files_named(repo_files, r"^(build_)?(features?|featurize)\.py$")
        )


## MC21x: Experiment tracking and registry


class MC211(ModelCentric):
    "Experiment tracking"

    principle = "metadata tracking"

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """Track experiments: training code must log runs to `mlflow` (or another tracker)."""
        return any_importer(source_modules(python_modules), TRACKING_LIBS)


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
        source = source_modules(python_modules)
        probes = []
        if any_importer(source, ["mlflow"]):
            probes += ["mlruns/0/meta.yaml", "mlflow.db"]
        if any_importer(source, ["wandb"]):
            probes += ["wandb/run/files.json"]
        missing = missing_ignores(gitignore, probes)
        if missing:
            return f"Not ignored by git: {listing(missing)}."
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
        return any(
            names_any(info, REGISTRY_NAMES)
            for _, info in cheapest_first(source_modules(python_modules), names=True)
        )


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
        variables = ("MLFLOW_TRACKING_URI", "WANDB_BASE_URL", "NEPTUNE_PROJECT")
        needle = re.compile("|".join(variables))
        if needle.search(ci_text(ci_configs)):
            return True
        return any(
            strings_match(info, needle, variables) or names_match(info, needle, variables)
            for _, info in cheapest_first(candidates(python_modules), names=True)
        )


## MC22x: Model artifacts


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
        return not missing_ignores(gitignore, ["models/model.pkl"])


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
        if any(card.search(path.rsplit("/", 1)[-1]) for path in repo_files if not is_test(path)):
            return True
        stages = dvc_stages(dvc_pipeline)
        return any(card.search(path) for stage in stages for path in stage.produces)


## MC23x: Training pipeline


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
        trains = stages_playing(TRAIN, stages)
        evaluates = [s for s in stages_playing(EVALUATE, stages) if s not in trains]
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
        validators = {stage.name for stage in stages_playing(VALIDATE, stages)}
        return any(validators & upstream(stage, stages) for stage in stages_playing(TRAIN, stages))


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
        return any(stage.params for stage in stages_playing(TRAIN, dvc_stages(dvc_pipeline)))


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
            for key, value in keys_in(params)
        )


## MC24x: Model tests and ownership


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
        models = [
            info
            for info in source_modules(python_modules).values()
            if re.search(r"(^|\.)(models?|train\w*)(\.|$)", info["module"])
        ]
        # A test counts if a module it imports parses: only the pairs on the way
        # are confirmed, the cheapest first.
        tests = test_modules(python_modules).values()
        for test, model in cheapest_pairs(tests, models, _may_use):
            name = (model["module"],)
            if cost(model) <= cost(test):
                if parses(model) and imports_any(test, name):
                    return True
            elif imports_any(test, name) and parses(model):
                return True
        return False


def _may_use(importer: ModuleInfo, module: ModuleInfo) -> bool:
    return may_import_module(importer, module["module"])


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
