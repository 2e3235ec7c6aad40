"""Pipeline-centric checks: can the team retrain and redeploy safely, often?

PC: pipeline-centric — "Can we retrain and redeploy safely, often?" Concern groups by
tens digit: PC30x promotion gate, PC31x online serving, PC32x batch inference and
prediction logs, PC33x monitoring and retraining, PC34x delivery and ownership.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scaffold.check._helpers import (
    DRIFT_LIBS,
    EVALUATE,
    GATE,
    SERVING_LIBS,
    any_importer,
    basenames,
    cheapest_first,
    ci_text,
    dvc_stages,
    files_named,
    github_triggers,
    has_dir_named,
    importers,
    names_match,
    source_modules,
    stages_playing,
    test_modules,
    upstream,
)
from scaffold.check.checks._base import PipelineCentric
from scaffold.check.fixtures import ModuleInfo

CONCERNS = {
    "PC30": "Promotion gate",
    "PC31": "Online serving",
    "PC32": "Batch inference and prediction logs",
    "PC33": "Monitoring and retraining",
    "PC34": "Delivery and ownership",
}


## PC30x: Promotion gate


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
            files_named(repo_files, r"^(gate|promot)")
            or stages_playing(GATE, dvc_stages(dvc_pipeline))
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
        evaluators = {stage.name for stage in stages_playing(EVALUATE, stages)}
        if any(evaluators & upstream(stage, stages) for stage in stages_playing(GATE, stages)):
            return True
        return bool(re.search(r"\bgate\b|promot", ci_text(ci_configs)))


## PC31x: Online serving


class PC311(PipelineCentric):
    "Serving app"

    principle = "deployment"

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """Serve the model online: a module that builds an API app (e.g. FastAPI)."""
        return any_importer(source_modules(python_modules), SERVING_LIBS)


class PC312(PipelineCentric):
    "Serving has a health endpoint"

    principle = "monitoring"
    requires = frozenset({"PC311"})

    @staticmethod
    def check(python_modules: Mapping[str, ModuleInfo]) -> bool:
        """The serving app must expose a health endpoint (`/health`) for the platform's probes."""
        apps = importers(source_modules(python_modules), SERVING_LIBS)
        health = re.compile(r"^/(health|healthz|livez|readyz|ready|ping)\b")
        return any(health.search(s) for info in apps.values() for s in info["strings"])


# Where a service's image lives: the root, or a directory named for serving or
# deployment (a Dockerfile under tools/ or .devcontainer/ builds something else).
_SERVICE_IMAGE_DIR = re.compile(
    r"(?:|(?:[^/]+/)*(?:serving|serve|server|service|services|app|api|deploy|deployment"
    r"|docker|container|containers|image|images)(?:/[^/]+)*)"
)


class PC313(PipelineCentric):
    "Container image defined"

    principle = "deployment"

    @staticmethod
    def check(repo_files: frozenset[str]) -> bool:
        """Package the service as a container image: add a `Dockerfile`."""
        return any(
            (
                name in {"dockerfile", "containerfile"}
                or name.endswith(".dockerfile")
                or name.startswith("dockerfile.")
            )
            and _SERVICE_IMAGE_DIR.fullmatch(path.rpartition("/")[0].lower())
            for path, name in basenames(repo_files).items()
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
            info["module"]
            for info in importers(source_modules(python_modules), SERVING_LIBS).values()
        }
        clients = ("fastapi.testclient", "starlette.testclient", "httpx", "flask.testing", *apps)
        return any_importer(test_modules(python_modules), clients)


## PC32x: Batch inference and prediction logs


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
        if files_named(repo_files, batch) or stages_playing(batch, dvc_stages(dvc_pipeline)):
            return True
        pattern = re.compile(r"batch_(predict|infer|score)")
        return any(
            names_match(info, pattern, ("batch_",))
            for _, info in cheapest_first(source_modules(python_modules), names=True)
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
        if any(pattern.search(path) for path in files_named(repo_files, ".")):
            return True
        return any(
            names_match(info, pattern, _PREDICTION_LOG, ignore_case=True)
            for _, info in cheapest_first(source_modules(python_modules), names=True)
        )


# What every match of PC322's pattern contains, in lower case: a module that merely
# speaks of predictions is not parsed for it.
_PREDICTION_LOG = (
    "predictionlog",
    "prediction_log",
    "predictionslog",
    "predictions_log",
    "logprediction",
    "log_prediction",
)


## PC33x: Monitoring and retraining


class PC331(PipelineCentric):
    "Drift monitoring"

    principle = "monitoring"

    @staticmethod
    def check(repo_files: frozenset[str], python_modules: Mapping[str, ModuleInfo]) -> bool:
        """
        Monitor drift against the training reference: a `monitoring/` package, a
        `drift` module, or a drift library such as `evidently`.
        """
        # The file names first: they answer without parsing.
        if files_named(repo_files, r"drift"):
            return True
        if has_dir_named({p for p in repo_files if p.endswith(".py")}, "monitoring"):
            return True
        return any_importer(source_modules(python_modules), DRIFT_LIBS)


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


## PC34x: Delivery and ownership


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
