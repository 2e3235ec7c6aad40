"""The check runner: ``check_repo`` runs every check through repo-review and works out
the stage a repository reaches."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scaffold.check._plugins import ORGANISATION, plugin_checks, plugin_families, plugin_fixtures
from scaffold.check.checks import repo_review_checks, repo_review_families
from scaffold.check.fixtures import FIXTURES, Modules
from scaffold.errors import EXIT_CHECK_FAILED, EXIT_OK, UserError
from scaffold.stages import STAGES

if TYPE_CHECKING:
    from repo_review.processor import Result

Status = Literal["pass", "fail", "skip", "ignored"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, as a user reads it."""

    id: str
    title: str
    stage: str
    principle: str
    status: Status
    message: str = ""

    @property
    def ok(self) -> bool:
        """Passed, or deliberately ignored by the repo's configuration."""
        return self.status in {"pass", "ignored"}

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "stage": self.stage,
            "principle": self.principle,
            "status": self.status,
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckReport:
    """Where a repository stands: the stage it declares, the stage it meets, and why."""

    path: Path
    declared_stage: str | None
    results: tuple[CheckResult, ...] = field(default=())

    def results_for(self, stage: str) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if result.stage == stage)

    def stage_ok(self, stage: str) -> bool:
        return all(result.ok for result in self.results_for(stage))

    @property
    def met_stage(self) -> str | None:
        """The highest stage whose checks, and every earlier stage's, all pass.

        A stage none of whose checks were selected neither counts for nor against.
        """
        met = None
        for stage in STAGES:
            if not self.stage_ok(stage):
                break
            if self.results_for(stage):
                met = stage
        return met

    @property
    def next_stage(self) -> str | None:
        met = self.met_stage
        index = STAGES.index(met) + 1 if met else 0
        return STAGES[index] if index < len(STAGES) else None

    @property
    def missing(self) -> tuple[CheckResult, ...]:
        """The checks that stand between the repo and the next stage."""
        nxt = self.next_stage
        return tuple(r for r in self.results_for(nxt) if not r.ok) if nxt else ()

    @property
    def declared_met(self) -> bool | None:
        """Whether the declared stage is met; ``None`` when no stage is declared."""
        if self.declared_stage is None:
            return None
        if self.declared_stage not in STAGES:
            return False
        upto = STAGES[: STAGES.index(self.declared_stage) + 1]
        return all(self.stage_ok(stage) for stage in upto)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if not result.ok)

    @property
    def organisation_failures(self) -> tuple[CheckResult, ...]:
        """Failing checks that belong to no stage: an organisation's plugin or profile."""
        return tuple(r for r in self.failures if r.stage not in STAGES)

    @property
    def exit_code(self) -> int:
        failed = self.declared_met is False or bool(self.organisation_failures)
        return EXIT_CHECK_FAILED if failed else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "declared_stage": self.declared_stage,
            "declared_stage_met": self.declared_met,
            "met_stage": self.met_stage,
            "next_stage": self.next_stage,
            "missing_for_next_stage": [result.id for result in self.missing],
            "counts": {
                status: sum(1 for r in self.results if r.status == status)
                for status in ("pass", "fail", "skip", "ignored")
            },
            "checks": [result.to_dict() for result in self.results],
        }


def _split(ids: Iterable[str]) -> frozenset[str]:
    return frozenset(part.strip() for item in ids for part in item.split(",") if part.strip())


def _validate_selectors(selectors: frozenset[str], known: Iterable[str], option: str) -> None:
    known = set(known)
    unknown = sorted(s for s in selectors if s != "*" and s not in known)
    if unknown:
        raise UserError(f"unknown check ID in {option}: {', '.join(unknown)}")


def _validate_config(pyproject: Any, known: list[str]) -> None:
    """Refuse a ``[tool.repo-review]`` table repo-review would misread or crash on.

    ``select = "DC"`` would be read letter by letter (selecting nothing) and
    ``select = 5`` would raise; both are configuration errors (exit 2).
    """
    tool = pyproject.get("tool") if isinstance(pyproject, dict) else None
    config = tool.get("repo-review") if isinstance(tool, dict) else None
    if config is None:
        return
    where = "[tool.repo-review] in pyproject.toml"
    if not isinstance(config, dict):
        raise UserError(f"{where} must be a table")
    # select takes a list; ignore a list, or a table of ID = reason (shown as "ignored")
    for key, shapes in (("select", (list,)), ("ignore", (list, dict))):
        value = config.get(key, [])
        if not isinstance(value, shapes) or not all(isinstance(item, str) for item in value):
            kind = "a list of check IDs" + (" or a table of ID = reason" if dict in shapes else "")
            raise UserError(f'{where}: {key} must be {kind}, e.g. {key} = ["DC"]; got {value!r}')
        _validate_selectors(frozenset(value), known, f"{where} {key}")


def _declared_stage(answers: Any) -> str | None:
    if not isinstance(answers, dict) or answers.get("stage") is None:
        return None
    return str(answers["stage"])


def check_repo(
    path: str | os.PathLike[str] = ".",
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> CheckReport:
    """Check the repository at ``path`` against every stage, without running its code.

    ``select`` and ``ignore`` take check IDs or family prefixes (``DC``, ``MC``,
    ``PC``), comma-separated or as separate items, as repo-review does; the repo's
    own ``[tool.repo-review]`` configuration applies when neither is given.
    Raises ``UserError`` when ``path`` is not a directory or an ID is unknown.
    """
    # repo-review's processor (and markdown-it under it) is imported in ``_check``,
    # not when the command line starts: upgrade, update, new and adopt never check.
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"not a directory: {path}")
    with _collector_paused():
        return _check(root, select, ignore)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for one check, as it was before afterwards.

    A check allocates many short-lived objects (parse trees, YAML documents) and
    almost no cycles; the collector would run many times over everything the
    process holds for nothing. What a check leaves is freed by reference
    counting; any cycle is collected after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check(root: Path, select: Iterable[str], ignore: Iterable[str]) -> CheckReport:
    from repo_review.fixtures import compute_fixtures
    from repo_review.processor import CollectionReturn, process

    # Other installed repo-review plugins (an organisation's checks) run next to ours.
    fixtures = compute_fixtures(root, root, {**plugin_fixtures(), **FIXTURES})
    checks = {**plugin_checks(fixtures), **repo_review_checks()}
    families = {**plugin_families(fixtures), **repo_review_families()}
    for check in checks.values():
        families.setdefault(check.family, {})
    selected, ignored = _split(select), _split(ignore)
    _validate_selectors(selected, [*checks, *families], "--select")
    _validate_selectors(ignored, [*checks, *families], "--ignore")

    _validate_config(fixtures["pyproject"], [*checks, *families])
    collected = CollectionReturn(fixtures, checks, dict(families))
    _, results = process(root, select=selected, ignore=ignored, collected=collected)
    modules = fixtures.get("python_modules")
    if isinstance(modules, Modules):
        modules.save()  # what the checks parsed, for the next run
    if not any(r.result is not None or not r.skip_reason for r in results):
        raise UserError(
            "no check is selected (--select/--ignore or [tool.repo-review] leave none); "
            "running no checks is not a pass"
        )
    return CheckReport(
        path=root.resolve(),
        declared_stage=_declared_stage(fixtures["copier_answers"]),
        results=tuple(_result(r, checks, results) for r in results),
    )


def _result(result: Result, checks: dict[str, Any], results: list[Result]) -> CheckResult:
    check = checks[result.name]
    message = result.err_msg.strip()
    if result.result is True:
        status: Status = "pass"
    elif result.result is False:
        status = "fail"
    elif result.skip_reason:
        status, message = "ignored", result.skip_reason
    else:
        status = "skip"
        passed = {r.name for r in results if r.result is True}
        blockers = sorted(set(check.requires) - passed)
        message = f"needs {', '.join(blockers)}" if blockers else ""
    return CheckResult(
        id=result.name,
        title=result.description,
        stage=getattr(check, "stage", ORGANISATION),
        principle=getattr(check, "principle", ORGANISATION),
        status=status,
        message=message,
    )
