"""Pure helpers the checks share: what fixtures hold, gitignore matching, the DVC DAG, CI text."""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scaffold.check.fixtures import FrozenDict, LazyModule, ModuleInfo, Modules

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
class DvcStage:
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


def dvc_stages(pipeline: Mapping[str, Any] | None) -> tuple[DvcStage, ...]:
    """The stages of a parsed ``dvc.yaml`` (``foreach``/``matrix`` bodies included)."""
    if isinstance(pipeline, FrozenDict):  # the fixture: read once for every check
        return pipeline.derived("dvc_stages", _dvc_stages)  # type: ignore[no-any-return]
    return _dvc_stages(pipeline)


def _dvc_stages(pipeline: Mapping[str, Any] | None) -> tuple[DvcStage, ...]:
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
            DvcStage(
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


@lru_cache(maxsize=256)
def _feeding(stage: DvcStage, stages: tuple[DvcStage, ...]) -> tuple[DvcStage, ...]:
    """The other stages whose outputs ``stage`` depends on directly (stages are values:
    the same ones give the same answer, so several checks share it)."""
    return tuple(
        other
        for other in stages
        if other.name != stage.name
        and any(_overlap(dep, out) for dep in stage.deps for out in other.produces)
    )


def upstream(stage: DvcStage, stages: Iterable[DvcStage]) -> set[str]:
    """Names of every stage whose outputs ``stage`` depends on, transitively."""
    stages = tuple(stages)
    seen: set[str] = set()
    todo = [stage]
    while todo:
        current = todo.pop()
        for other in _feeding(current, stages):
            if other.name not in seen:
                seen.add(other.name)
                todo.append(other)
    return seen


def stages_playing(role: str, stages: Iterable[DvcStage]) -> list[DvcStage]:
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
    if isinstance(ci_configs, FrozenDict):  # the fixture: joined once for every check
        return ci_configs.derived("ci_text", _ci_text)  # type: ignore[no-any-return]
    return _ci_text(ci_configs)


def _ci_text(ci_configs: Mapping[str, Any]) -> str:
    return "\n".join(s for config in ci_configs.values() for s in strings_in(config))


def github_triggers(workflow: Mapping[str, Any]) -> Any:
    """A workflow's ``on:`` (YAML 1.1 reads the bare key ``on`` as ``True``)."""
    return workflow.get("on", workflow.get(True))


# ---------------------------------------------------------------------------
# what the checks look for
# ---------------------------------------------------------------------------

LOCK_FILES = frozenset(
    {"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock", "conda-lock.yml"}
)
SCHEMA_LIBS = ("pandera", "great_expectations", "pydantic", "pandas_schema", "jsonschema")
TRACKING_LIBS = ("mlflow", "wandb", "neptune", "comet_ml", "clearml", "aim")
SERVING_LIBS = ("fastapi", "flask", "bentoml", "litserve", "starlette", "ray.serve")
DRIFT_LIBS = ("evidently", "alibi_detect", "nannyml", "whylogs", "deepchecks")
REGISTRY_NAMES = frozenset(
    {
        "register_model",
        "registered_model_name",
        "create_registered_model",
        "set_registered_model_alias",
        "transition_model_version_stage",
        "create_model_version",
    }
)
NOTEBOOK_HOOKS = ("nbstripout", "nb-clean", "nb_clean", "jupyter-notebook-cleanup")
VALIDATE = r"validat|expectation|data[_-]?check"
TRAIN = r"\btrain|\bfit\b"
EVALUATE = r"evaluat|\bscore\b"
GATE = r"\bgate|promot"


# ---------------------------------------------------------------------------
# questions over fixtures
# ---------------------------------------------------------------------------


def is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        path.startswith(("tests/", "test/"))
        or "/tests/" in path
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def candidates(modules: Mapping[str, ModuleInfo]) -> Mapping[str, ModuleInfo]:
    """Every module of the fixture without parsing any (``Modules.candidates``).

    A file among them that does not parse declares nothing, so the questions below
    give the answers they would give without it.
    """
    return modules.candidates() if isinstance(modules, Modules) else modules


def source_modules(modules: Mapping[str, ModuleInfo]) -> Mapping[str, ModuleInfo]:
    """The candidate modules that are not tests (read-only)."""
    if isinstance(modules, Modules):  # the fixture: split once for every check
        return modules.derived("source", lambda m: _tests_or_not(m.candidates(), False))  # type: ignore[no-any-return]
    return _tests_or_not(modules, False)


def test_modules(modules: Mapping[str, ModuleInfo]) -> Mapping[str, ModuleInfo]:
    """The candidate modules that are tests (read-only)."""
    if isinstance(modules, Modules):
        return modules.derived("tests", lambda m: _tests_or_not(m.candidates(), True))  # type: ignore[no-any-return]
    return _tests_or_not(modules, True)


def _tests_or_not(modules: Mapping[str, ModuleInfo], tests: bool) -> FrozenDict:
    return FrozenDict({path: info for path, info in modules.items() if is_test(path) is tests})


def parses(info: ModuleInfo) -> bool:
    """Whether the module is in the fixture as a mapping (a lazily read file parses)."""
    return info.ok if isinstance(info, LazyModule) else True


def imports_any(info: ModuleInfo, targets: Iterable[str]) -> bool:
    """Whether the module imports a target or something inside one (``pkg.sub`` for ``pkg``)."""
    wanted = targets if isinstance(targets, frozenset) else frozenset(targets)
    if isinstance(info, LazyModule) and not info.could_import(wanted):
        return False  # its text cannot hold such an import: not parsed
    for imported in info["imports"]:
        if imported in wanted:
            return True
        dot = imported.find(".")
        while dot != -1:  # each dotted prefix: "a" and "a.b" of "a.b.c"
            if imported[:dot] in wanted:
                return True
            dot = imported.find(".", dot + 1)
    return False


def importers(modules: Mapping[str, ModuleInfo], targets: Iterable[str]) -> dict[str, ModuleInfo]:
    targets = frozenset(targets)
    return {path: info for path, info in candidates(modules).items() if imports_any(info, targets)}


def any_importer(modules: Mapping[str, ModuleInfo], targets: Iterable[str]) -> bool:
    """Whether some module imports a target (``bool(importers(...))``, stopping at the first)."""
    targets = frozenset(targets)
    return any(imports_any(info, targets) for _, info in cheapest_first(candidates(modules)))


def cost(info: ModuleInfo) -> int:
    """What reading a module's imports costs now (0 once read; see ``LazyModule.cost``)."""
    return info.cost if isinstance(info, LazyModule) else 0


def names_cost(info: ModuleInfo) -> int:
    """What reading a module's names and strings costs now (``LazyModule.names_cost``)."""
    return info.names_cost if isinstance(info, LazyModule) else 0


def cheapest_first(
    modules: Mapping[str, ModuleInfo], names: bool = False
) -> list[tuple[str, ModuleInfo]]:
    """The modules, those already read first, then the shorter files (quicker to parse).

    For questions that stop at the first module that answers them; ``names`` for
    questions about names or strings (a module whose imports were read still has
    its tree to walk).
    """
    price = names_cost if names else cost
    return sorted(modules.items(), key=lambda item: price(item[1]))


def may_import(info: ModuleInfo, targets: Iterable[str]) -> bool:
    """Whether the module's text can hold an import of a target (reads nothing).

    ``False`` is a proof that ``imports_any(info, targets)`` is false.
    """
    if not isinstance(info, LazyModule):
        return True
    return info.could_import(targets if isinstance(targets, frozenset) else frozenset(targets))


def may_import_module(info: ModuleInfo, name: str) -> bool:
    """``may_import(info, (name,))`` for one dotted module name, quicker."""
    return not isinstance(info, LazyModule) or info.could_import_module(name)


def cheapest_pairs(
    importers: Iterable[ModuleInfo],
    imported: Iterable[ModuleInfo],
    related: Callable[[ModuleInfo, ModuleInfo], bool],
) -> Iterator[tuple[ModuleInfo, ModuleInfo]]:
    """The pairs ``(a, b)`` of an importer and an imported module that ``related`` lets
    through, each time the one whose two modules cost least to read now.

    For questions that ask whether some pair of modules is related (a test and a
    module it imports) and stop at the first that is. ``related`` is a text screen
    that parses nothing (``may_import_module``); it is asked only of the pairs
    that come up, in order of what reading both modules would cost at least, so
    the screens of the dearer pairs are skipped when a cheap one answers. Pairs
    whose modules were read already, by this question or an earlier one, come
    first. The order never changes an answer, only how much is read to reach it.
    """
    firsts, seconds = list(importers), list(imported)
    second_costs = [cost(b) for b in seconds]
    heap = [
        (cost_a + cost_b, i, j, False)
        for i, cost_a in enumerate([cost(a) for a in firsts])
        for j, cost_b in enumerate(second_costs)
    ]
    heapq.heapify(heap)
    roles: dict[int, tuple[list[int], list[int]]] = {}
    for i, a in enumerate(firsts):
        roles.setdefault(id(a), ([], []))[0].append(i)
    for j, b in enumerate(seconds):
        roles.setdefault(id(b), ([], []))[1].append(j)
    done: set[tuple[int, int]] = set()
    while heap:
        key, i, j, screened = heapq.heappop(heap)
        if (i, j) in done:
            continue
        a, b = firsts[i], seconds[j]
        if not screened:
            if not related(a, b):
                done.add((i, j))
                continue
            price = _pair_cost(a, b)
            if price > key:  # dearer than it looked: back in line at its price
                heapq.heappush(heap, (price, i, j, True))
                continue
        done.add((i, j))
        before = cost(a), cost(b)
        yield a, b
        for info, was in zip((a, b), before, strict=True):
            if cost(info) < was:  # read for this pair: its other pairs got cheaper
                as_first, as_second = roles[id(info)]
                for k in as_first:
                    for m in range(len(seconds)):
                        if (k, m) not in done:
                            heapq.heappush(heap, (cost(info) + cost(seconds[m]), k, m, False))
                for m in as_second:
                    for k in range(len(firsts)):
                        if (k, m) not in done:
                            heapq.heappush(heap, (cost(firsts[k]) + cost(info), k, m, False))


#: How much more reading a module costs when it is read to learn whether it
#: imports the other, unless its text spells the other's full dotted name: most
#: modules whose text merely allows the import do not import it.
SPECULATION = 8


def _pair_cost(importer: ModuleInfo, imported: ModuleInfo) -> int:
    price = cost(importer)
    if price and not (isinstance(importer, LazyModule) and importer.spells(imported["module"])):
        price *= SPECULATION
    return price + cost(imported)


def both_import(
    first: ModuleInfo,
    first_targets: Iterable[str],
    second: ModuleInfo,
    second_targets: Iterable[str],
) -> bool:
    """``imports_any(first, ...) and imports_any(second, ...)``, the cheaper module read first."""
    questions = sorted(
        ((first, first_targets), (second, second_targets)), key=lambda item: cost(item[0])
    )
    return all(imports_any(info, targets) for info, targets in questions)


def names_any(info: ModuleInfo, wanted: frozenset[str]) -> bool:
    """Whether the module uses one of the identifiers ``wanted``."""
    if isinstance(info, LazyModule) and not info.could_name(wanted):
        return False
    return not info["names"].isdisjoint(wanted)


def names_match(
    info: ModuleInfo, pattern: re.Pattern[str], literals: Iterable[str], ignore_case: bool = False
) -> bool:
    """Whether an identifier of the module matches ``pattern``.

    Every match of ``pattern`` contains one of ``literals`` (lower case when
    ``ignore_case``); a file whose text holds none is not parsed.
    """
    if isinstance(info, LazyModule) and not info.could_name(literals, ignore_case):
        return False
    return any(pattern.search(name) for name in info["names"])


def strings_match(info: ModuleInfo, pattern: re.Pattern[str], literals: Iterable[str]) -> bool:
    """Whether a short string constant of the module matches ``pattern``.

    Every match of ``pattern`` contains one of ``literals`` (no quotes, braces,
    backslashes or line breaks in them).
    """
    if isinstance(info, LazyModule) and not info.could_string(literals):
        return False
    return any(pattern.search(string) for string in info["strings"])


def has_import(info: ModuleInfo, name: str) -> bool:
    """Whether the module imports exactly ``name``."""
    if isinstance(info, LazyModule) and not info.could_import(frozenset((name,))):
        return False
    return name in info["imports"]


def has_string(info: ModuleInfo, string: str) -> bool:
    if isinstance(info, LazyModule) and not info.could_string((string,)):
        return False
    return string in info["strings"]


def basenames(files: Iterable[str]) -> dict[str, str]:
    return {path: path.rsplit("/", 1)[-1].lower() for path in files}


def files_named(files: Iterable[str], pattern: str, suffix: str = ".py") -> list[str]:
    regex = re.compile(pattern, re.IGNORECASE)
    return sorted(
        path
        for path, name in basenames(files).items()
        if name.endswith(suffix) and regex.search(name) and not is_test(path)
    )


def dirs_of(files: Iterable[str]) -> set[str]:
    return {path.rsplit("/", 1)[0] for path in files if "/" in path}


def has_dir_named(files: Iterable[str], name: str) -> bool:
    return any(d == name or d.endswith("/" + name) for d in dirs_of(files) if not is_test(d + "/"))


def keys_in(value: Any) -> Iterable[tuple[str, Any]]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, sub in item.items():
                yield str(key), sub
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


def pinned(requirement: str) -> bool:
    spec = requirement.split(";", 1)[0]
    return "==" in spec or " @ " in spec


def missing_ignores(gitignore: Iterable[str], probes: Iterable[str]) -> list[str]:
    patterns = tuple(gitignore)
    return [probe for probe in probes if not is_ignored(probe, patterns)]


def listing(items: Iterable[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)
