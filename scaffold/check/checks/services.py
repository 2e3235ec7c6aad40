"""Shared-service checks: a service the answers declare is wired the same way everywhere.

A repo's shared services (DVC remote, MLflow tracking server, image registry,
Prefect server) are copier answers; empty means the local default, and then
there is nothing to check. When one is set, every file that reads it must agree
with the answer, so that switching a setting is one answer and never a hunt
through CI files and manifests. The checks belong to the stage that first uses
the service. Concern groups: DC15x, MC25x and PC35x shared services.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from scaffold.check._helpers import candidates, has_import, has_string
from scaffold.check.checks._base import DataCentric, ModelCentric, PipelineCentric
from scaffold.check.fixtures import ModuleInfo

CONCERNS = {
    "DC15": "Shared services",
    "MC25": "Shared services",
    "PC35": "Shared services",
}

#: The variable CI and deployments read for each shared-service answer.
SETTING_VARIABLES = {
    "mlflow_tracking_uri": "MLFLOW_TRACKING_URI",
    "image_registry": "IMAGE_REGISTRY",
    "prefect_api_url": "PREFECT_API_URL",
}

# A GitHub expression naming a variable, with an optional quoted fallback:
# ${{ vars.NAME }} or ${{ vars.NAME || 'value' }}.
_GITHUB_EXPRESSION = re.compile(r"^\$\{\{\s*[\w.]+\s*(?:\|\|\s*'(?P<fallback>[^']*)'\s*)?\}\}$")
_SERVER_URL = re.compile(r"^https?://")


#: Answers recorded but unused until the repo's orchestrator is Prefect.
_PREFECT_ONLY = frozenset({"prefect_api_url"})


def _uses_prefect(copier_answers: Mapping[str, Any] | None) -> bool:
    return _answer(copier_answers, "orchestrator") == "prefect"


def _answer(copier_answers: Mapping[str, Any] | None, key: str) -> str:
    value = (copier_answers or {}).get(key)
    return str(value).strip() if value else ""


def _assigned(document: Any, name: str) -> Iterator[Any]:
    """Every value given to the key ``name`` anywhere in a parsed YAML document."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if key == name:
                    yield value
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _default_of(value: Any) -> str | None:
    """A CI variable's value when nobody overrides it: a literal or an expression's fallback."""
    if value is None:
        return ""
    text = str(value).strip()
    match = _GITHUB_EXPRESSION.match(text)
    if match:
        return match.group("fallback") or ""
    if "$" in text:
        return None  # another variable: not this repo's answer
    return text


def _containers(manifests: Mapping[str, list[Any]]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for path, documents in manifests.items():
        for document in documents:
            spec = document.get("spec")
            template = spec.get("template") if isinstance(spec, Mapping) else None
            pod = template.get("spec") if isinstance(template, Mapping) else None
            containers = pod.get("containers") if isinstance(pod, Mapping) else None
            for container in containers if isinstance(containers, list) else []:
                if isinstance(container, Mapping):
                    yield path, container


def _env(container: Mapping[str, Any]) -> dict[str, Any]:
    entries = container.get("env")
    return {
        str(entry.get("name")): entry.get("value")
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping)
    }


## DC15x: Shared services


class DC151(DataCentric):
    "Shared DVC remote is the default remote"

    principle = "versioning"

    @staticmethod
    def check(
        copier_answers: Mapping[str, Any] | None, dvc_config: Mapping[str, Mapping[str, str]] | None
    ) -> bool | str:
        """
        The `dvc_remote_url` answer names the team's DVC remote: make it the default
        remote in `.dvc/config` (`dvc remote add -d storage URL`), or clear the answer.
        """
        answer = _answer(copier_answers, "dvc_remote_url")
        if not answer:
            return True
        core = (dvc_config or {}).get("core", {})
        name = core.get("remote", "")
        url = (dvc_config or {}).get(f'remote "{name}"', {}).get("url", "")
        if not name:
            return (
                f"`.dvc/config` has no default remote; the answer `dvc_remote_url` is `{answer}`."
            )
        if url != answer:
            return (
                f"The default DVC remote `{name}` is `{url or '(no url)'}`; "
                f"the answer `dvc_remote_url` is `{answer}`."
            )
        return True


## MC25x: Shared services


class MC251(ModelCentric):
    "Shared tracking server is the default"

    principle = "metadata tracking"

    @staticmethod
    def check(
        copier_answers: Mapping[str, Any] | None, python_modules: Mapping[str, ModuleInfo]
    ) -> bool | str:
        """
        The `mlflow_tracking_uri` answer names the team's tracking server: the code
        that reads `MLFLOW_TRACKING_URI` must fall back to it, and no module may name
        another tracking server.
        """
        answer = _answer(copier_answers, "mlflow_tracking_uri")
        if not answer:
            return True
        tracking = {
            path: info
            for path, info in candidates(python_modules).items()
            if has_string(info, "MLFLOW_TRACKING_URI") or has_import(info, "mlflow")
        }
        others = sorted(
            f"`{path}` names `{string}`"
            for path, info in tracking.items()
            for string in info["strings"]
            if _SERVER_URL.match(string) and string != answer
        )
        if others:
            return (
                f"{'; '.join(others)}; the answer `mlflow_tracking_uri` is `{answer}` "
                "(read it from `MLFLOW_TRACKING_URI` or the answer instead)."
            )
        if not any(
            answer in info["strings"] and "MLFLOW_TRACKING_URI" in info["strings"]
            for info in tracking.values()
        ):
            return (
                f"No module that reads `MLFLOW_TRACKING_URI` falls back to `{answer}`, "
                "the answer `mlflow_tracking_uri`."
            )
        return True


## PC35x: Shared services


class PC351(PipelineCentric):
    "CI reads the shared-service settings"

    principle = "ci/cd"

    @staticmethod
    def check(
        copier_answers: Mapping[str, Any] | None, ci_configs: Mapping[str, Any]
    ) -> bool | str:
        """
        Each shared-service answer (`mlflow_tracking_uri`, `image_registry`,
        `prefect_api_url`) must reach CI as the variable of the same setting
        (`MLFLOW_TRACKING_URI`, `IMAGE_REGISTRY`, `PREFECT_API_URL` with the Prefect
        orchestrator), the answer being its default.
        """
        problems = []
        for key, variable in SETTING_VARIABLES.items():
            answer = _answer(copier_answers, key)
            if not answer or (key in _PREFECT_ONLY and not _uses_prefect(copier_answers)):
                continue  # local default, or kept for when the repo adopts Prefect
            values = [
                (path, value)
                for path, config in ci_configs.items()
                for value in _assigned(config, variable)
            ]
            if not values:
                problems.append(f"no CI file sets `{variable}` (the answer `{key}` is `{answer}`)")
            problems += [
                f"`{path}` sets `{variable}` to `{value}`, not `{answer}` (the answer `{key}`)"
                for path, value in values
                if _default_of(value) != answer
            ]
        return "; ".join(problems) + "." if problems else True


class PC352(PipelineCentric):
    "Deployment manifests use the shared-service settings"

    principle = "deployment"
    requires = frozenset({"PC315"})

    @staticmethod
    def check(
        copier_answers: Mapping[str, Any] | None, deploy_manifests: Mapping[str, list[Any]]
    ) -> bool | str:
        """
        The Kubernetes Deployment must pull its image from the `image_registry`
        answer and give the service `MLFLOW_TRACKING_URI` = the `mlflow_tracking_uri`
        answer, when those answers are set.
        """
        tracking = _answer(copier_answers, "mlflow_tracking_uri")
        registry = _answer(copier_answers, "image_registry")
        containers = list(_containers(deploy_manifests))
        if not (tracking or registry) or not containers:
            return True
        problems = []
        if registry and not any(
            str(container.get("image", "")).startswith(f"{registry}/")
            for _, container in containers
        ):
            images = ", ".join(f"`{c.get('image')}`" for _, c in containers)
            problems.append(f"no container image comes from `{registry}/` (found {images})")
        if tracking:
            given = [
                (path, _env(container)["MLFLOW_TRACKING_URI"])
                for path, container in containers
                if "MLFLOW_TRACKING_URI" in _env(container)
            ]
            if not given:
                problems.append(f"no container sets `MLFLOW_TRACKING_URI` to `{tracking}`")
            problems += [
                f"`{path}` sets `MLFLOW_TRACKING_URI` to `{value}`, not `{tracking}`"
                for path, value in given
                if value != tracking
            ]
        return "; ".join(problems) + "." if problems else True
