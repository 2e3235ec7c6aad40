"""Pure helpers the checks share: gitignore matching, the DVC DAG, CI text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# ---------------------------------------------------------------------------
# gitignore
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _pattern_regex(body: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("/**", i) and i + 3 == len(body):
            out.append("/.*")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        elif body[i] == "[" and "]" in body[i + 1 :]:
            end = body.index("]", i + 1)
            out.append("[" + body[i + 1 : end].replace("!", "^", 1) + "]")
            i = end + 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    return re.compile("".join(out))


def _matches(pattern: str, path: str, is_dir: bool) -> bool:
    body = pattern
    if body.endswith("/"):
        if not is_dir:
            return False
        body = body.rstrip("/")
    if "/" not in body:
        return bool(_pattern_regex(body).fullmatch(path.rsplit("/", 1)[-1]))
    try:
        return bool(_pattern_regex(body.lstrip("/")).fullmatch(path))
    except re.error:
        return False


def is_ignored(path: str, patterns: Iterable[str]) -> bool:
    """Whether git would ignore ``path`` (a file) under root-anchored ``patterns``.

    A file is ignored when it, or any directory above it, is matched by the last
    pattern that matches it; as in git, a file inside an ignored directory cannot
    be re-included.
    """
    rules = [(p.startswith("!"), p.removeprefix("!")) for p in patterns if p.strip("!/")]
    parts = path.strip("/").split("/")
    for depth in range(1, len(parts) + 1):
        sub = "/".join(parts[:depth])
        is_dir = depth < len(parts)
        ignored = False
        for negated, body in rules:
            try:
                if _matches(body, sub, is_dir):
                    ignored = not negated
            except re.error:
                continue
        if ignored:
            return True
    return False


# ---------------------------------------------------------------------------
# DVC pipeline
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One ``dvc.yaml`` stage, normalised: every field present, paths as strings."""

    name: str
    cmd: str
    deps: tuple[str, ...]
    outs: tuple[str, ...]
    params: tuple[str, ...]
    metrics: tuple[str, ...]
    plots: tuple[str, ...]

    @property
    def produces(self) -> tuple[str, ...]:
        return self.outs + self.metrics + self.plots

    def plays(self, role: str) -> bool:
        """Whether the stage's name or command says it does ``role`` (a regex)."""
        pattern = re.compile(role, re.IGNORECASE)
        return bool(pattern.search(self.name) or pattern.search(self.cmd))


def _paths(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping):
        return tuple(str(key) for key in value)
    if isinstance(value, list):
        return tuple(path for item in value for path in _paths(item))
    return ()


def dvc_stages(pipeline: Mapping[str, Any] | None) -> tuple[Stage, ...]:
    """The stages of a parsed ``dvc.yaml`` (``foreach``/``matrix`` bodies included)."""
    raw = pipeline.get("stages") if isinstance(pipeline, Mapping) else None
    if not isinstance(raw, Mapping):
        return ()
    stages = []
    for name, body in raw.items():
        if isinstance(body, Mapping) and isinstance(body.get("do"), Mapping):
            body = body["do"]
        if not isinstance(body, Mapping):
            continue
        cmd = body.get("cmd", "")
        stages.append(
            Stage(
                name=str(name),
                cmd=" && ".join(map(str, cmd)) if isinstance(cmd, list) else str(cmd or ""),
                deps=_paths(body.get("deps")),
                outs=_paths(body.get("outs")),
                params=_paths(body.get("params")),
                metrics=_paths(body.get("metrics")),
                plots=_paths(body.get("plots")),
            )
        )
    return tuple(stages)


def _overlap(a: str, b: str) -> bool:
    a, b = a.strip("./").rstrip("/"), b.strip("./").rstrip("/")
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def upstream(stage: Stage, stages: Iterable[Stage]) -> set[str]:
    """Names of every stage whose outputs ``stage`` depends on, transitively."""
    stages = tuple(stages)
    seen: set[str] = set()
    todo = [stage]
    while todo:
        current = todo.pop()
        for other in stages:
            if other.name in seen or other.name == current.name:
                continue
            if any(_overlap(dep, out) for dep in current.deps for out in other.produces):
                seen.add(other.name)
                todo.append(other)
    return seen


def stages_playing(role: str, stages: Iterable[Stage]) -> list[Stage]:
    return [stage for stage in stages if stage.plays(role)]


# ---------------------------------------------------------------------------
# CI
# ---------------------------------------------------------------------------


def strings_in(value: Any) -> Iterator[str]:
    """Every string (keys and values) in a parsed YAML document, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                if isinstance(key, str):
                    yield key
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


def ci_text(ci_configs: Mapping[str, Any]) -> str:
    """All strings of all parsed CI files, one per line, for keyword searches."""
    return "\n".join(s for config in ci_configs.values() for s in strings_in(config))


def github_triggers(workflow: Mapping[str, Any]) -> Any:
    """A workflow's ``on:`` (YAML 1.1 reads the bare key ``on`` as ``True``)."""
    return workflow.get("on", workflow.get(True))
