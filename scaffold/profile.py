"""An organisation profile: the standard a platform team states once for many repos.

A profile is one YAML file the platform team keeps in its own repository::

    template:                      # the template every repo is made from
      source: https://git.example.org/platform/mlops-scaffold.git
      version: v1.4.0
    defaults:                      # answers used unless a repo gives its own
      team_data_science: "@acme/data-science"
      python_version: "3.12"
    locked:                        # answers no repo may change
      ci_provider: gitlab
    policy:
      stage: data-centric          # the stage every repo must meet
      groups:                      # ... or a group's stage, matched on the repo's directory name
        serving:
          stage: pipeline-centric
          repos: ["demand-*", "fraud-*"]
      repos:                       # ... or one repo's stage (wins over groups)
        legacy-etl: data-centric
      select: [DC, MC]             # checks to run (IDs or families), as repo-review takes them
      ignore: [DC108]

It is found at ``--profile PATH``, else at ``$SCAFFOLD_PROFILE``, else at
``$XDG_CONFIG_HOME/scaffold/profile.yml`` (``~/.config/scaffold/profile.yml``);
without any of these no profile applies. ``new`` and ``adopt`` render with its
defaults and locked answers (a ``--data`` that contradicts a locked answer is
refused, exit 2), its template source and version; ``check`` and ``fleet check``
apply its select/ignore and report a repo whose answers differ from a locked one.

Defaults and locked answers are passed to copier as answers. A key the template
does not ask (yet) is left out of the render, so a profile may already carry the
shared-service settings (tracking URI, DVC remote, registry) a newer template asks.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from scaffold._copier import ANSWERS_FILE, first_line, is_url
from scaffold.check import CheckReport, CheckResult, check_repo
from scaffold.check._plugins import ORGANISATION
from scaffold.errors import UserError
from scaffold.stages import STAGES

#: The environment variable naming a profile when ``--profile`` is not given.
PROFILE_ENV = "SCAFFOLD_PROFILE"

_TOP_KEYS = {"template", "defaults", "locked", "policy"}
_POLICY_KEYS = {"stage", "groups", "repos", "select", "ignore"}


def default_profile_path() -> Path | None:
    """The profile that applies when ``--profile`` is not given, or ``None``."""
    env = os.environ.get(PROFILE_ENV)
    if env:
        return Path(env).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = config / "scaffold" / "profile.yml"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Group:
    name: str
    stage: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """A parsed, validated organisation profile."""

    path: Path
    template: str | None = None
    version: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    locked: Mapping[str, Any] = field(default_factory=dict)
    stage: str | None = None
    groups: tuple[Group, ...] = ()
    repos: Mapping[str, str] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def template_source(self) -> str | None:
        """The template source; a relative path is taken from the profile's directory."""
        if self.template is None or is_url(self.template):
            return self.template
        return str((self.path.parent / Path(self.template).expanduser()).resolve())

    # -- answers ------------------------------------------------------------

    def answers(
        self, given: Mapping[str, Any], questions: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """``given`` answers over the defaults, with the locked answers on top.

        Raises ``UserError`` when ``given`` contradicts a locked answer. When
        ``questions`` (the template's) is known, keys it does not ask are dropped.
        """
        for key, value in given.items():
            if key in self.locked and str(value) != str(self.locked[key]):
                raise UserError(
                    f"answer {key}={value} is locked by the organisation profile "
                    f"{self.path} to {self.locked[key]}"
                )
        merged = {**self.defaults, **given, **self.locked}
        if questions is not None:
            asked = set(questions)
            merged = {k: v for k, v in merged.items() if k in asked or k in given}
        return merged

    # -- policy -------------------------------------------------------------

    def required_stage(self, repo: Path | str) -> str | None:
        """The stage the policy requires of ``repo`` (matched on its directory name)."""
        name = Path(repo).name
        if name in self.repos:
            return self.repos[name]
        for group in self.groups:
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in group.patterns):
                return group.stage
        return self.stage

    def group_of(self, repo: Path | str) -> str | None:
        name = Path(repo).name
        for group in self.groups:
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in group.patterns):
                return group.name
        return None


def _fail(path: Path, what: str) -> UserError:
    return UserError(f"organisation profile {path}: {what}")


def _mapping(path: Path, value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _fail(path, f"{where} must be a mapping of names to values")
    return dict(value)


def _stage(path: Path, value: Any, where: str) -> str:
    if value not in STAGES:
        raise _fail(path, f"{where} is {value!r}; choose one of {', '.join(STAGES)}")
    return str(value)


def _ids(path: Path, value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, f"{where} must be a list of check IDs or families")
    return tuple(v.strip() for v in value if v.strip())


def parse_profile(data: Any, path: Path) -> Profile:
    """Validate a profile's parsed YAML; every mistake is one ``UserError`` line."""
    data = _mapping(path, data, "the file")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise _fail(path, f"unknown key {unknown[0]!r}; known: {', '.join(sorted(_TOP_KEYS))}")
    template = _mapping(path, data.get("template"), "template")
    extra = sorted(set(template) - {"source", "version"})
    if extra:
        raise _fail(path, f"unknown key template.{extra[0]}; known: source, version")
    defaults = _mapping(path, data.get("defaults"), "defaults")
    locked = _mapping(path, data.get("locked"), "locked")
    if "stage" in defaults or "stage" in locked:
        raise _fail(path, "the stage is not an answer a profile sets; use policy.stage")
    policy = _mapping(path, data.get("policy"), "policy")
    extra = sorted(set(policy) - _POLICY_KEYS)
    if extra:
        raise _fail(
            path, f"unknown key policy.{extra[0]}; known: {', '.join(sorted(_POLICY_KEYS))}"
        )
    stage = _stage(path, policy["stage"], "policy.stage") if policy.get("stage") else None
    groups = []
    for name, spec in _mapping(path, policy.get("groups"), "policy.groups").items():
        spec = _mapping(path, spec, f"policy.groups.{name}")
        patterns = spec.get("repos")
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not patterns:
            raise _fail(path, f"policy.groups.{name}.repos must list repo name patterns")
        groups.append(
            Group(
                name,
                _stage(path, spec.get("stage"), f"policy.groups.{name}.stage"),
                tuple(map(str, patterns)),
            )
        )
    repos = {
        name: _stage(path, value, f"policy.repos.{name}")
        for name, value in _mapping(path, policy.get("repos"), "policy.repos").items()
    }
    return Profile(
        path=path,
        template=str(template["source"]) if template.get("source") else None,
        version=str(template["version"]) if template.get("version") else None,
        defaults=defaults,
        locked=locked,
        stage=stage,
        groups=tuple(groups),
        repos=repos,
        select=_ids(path, policy.get("select"), "policy.select"),
        ignore=_ids(path, policy.get("ignore"), "policy.ignore"),
    )


def load_profile(path: Path | str | None = None) -> Profile | None:
    """The profile at ``path``, or at the default location; ``None`` when there is none."""
    chosen = Path(path).expanduser() if path else default_profile_path()
    if chosen is None:
        return None
    if not chosen.is_file():
        raise UserError(f"organisation profile not found: {chosen}")
    try:
        data = yaml.safe_load(chosen.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(
            f"organisation profile {chosen} is not valid YAML: {first_line(exc)}"
        ) from exc
    return parse_profile(data, chosen)


def _answers_file(repo: Path) -> Any:
    try:
        return yaml.safe_load((repo / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None  # missing or malformed: reported by the stage checks (DC101, DC102)


def check_with_profile(
    path: Path | str,
    profile: Profile | None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> CheckReport:
    """``check_repo`` under a profile: its select/ignore unless given, and its locked answers.

    Each locked answer the repo's answers file records differently is one failing
    organisation result (ID ``locked:<key>``), so the check exits 1.
    """
    select, ignore = tuple(select), tuple(ignore)
    if profile is not None and not select and not ignore:
        select, ignore = profile.select, profile.ignore
    report = check_repo(path, select=select, ignore=ignore)
    if profile is None or not profile.locked:
        return report
    answers = _answers_file(report.path)
    if not isinstance(answers, Mapping):
        return report
    extra = []
    for key, value in profile.locked.items():
        if key not in answers:
            continue  # the repo's template does not ask it: nothing to enforce
        differs = str(answers[key]) != str(value)
        extra.append(
            CheckResult(
                id=f"locked:{key}",
                title=f"Answer {key} is the organisation's",
                stage=ORGANISATION,
                principle=ORGANISATION,
                status="fail" if differs else "pass",
                message=f"{key} is {answers[key]}; the organisation profile locks it to {value}"
                if differs
                else "",
            )
        )
    return replace(report, results=report.results + tuple(extra))
