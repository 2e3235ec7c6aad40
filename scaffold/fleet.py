"""``scaffold fleet check``: where every repo of an organisation stands, in one report.

Repos come from a directory (every git repo below it) or a file of paths. Each is
checked in a worker process (``check_with_profile``: the stage checks, the
organisation's plugin checks and locked answers); the template version it was
rendered from is compared with the newest release of its template. A repo that
is missing, not a git repo, not made from the template, or that cannot be
checked is reported as such; it never stops the run.

A repo breaks the policy when it meets a lower stage than the one required of
it (the profile's policy, else the stage its answers file declares), fails an
organisation check or locked answer, or cannot be checked although a stage is
required of it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from packaging.version import InvalidVersion, Version

from scaffold._copier import ANSWERS_FILE, first_line, is_url
from scaffold.check import CheckReport
from scaffold.errors import EXIT_CHECK_FAILED, EXIT_OK, UserError
from scaffold.profile import Profile, check_with_profile
from scaffold.stages import STAGES

Kind = Literal["managed", "foreign", "not-git", "broken"]

#: Directories never searched for repos below ``--root``.
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", ".venv"})


@dataclass
class RepoStatus:
    """One repo's line in the fleet report."""

    path: str
    name: str
    kind: Kind
    group: str | None = None
    declared_stage: str | None = None
    met_stage: str | None = None
    required_stage: str | None = None
    template: str | None = None
    version: str | None = None
    behind: int | None = None
    failing: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    breaches: list[str] = field(default_factory=list)

    @property
    def breach(self) -> bool:
        return bool(self.breaches)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failing"] = [{"id": id_, "title": title} for id_, title in self.failing]
        data["breach"] = self.breach
        return data


@dataclass
class FleetReport:
    repos: list[RepoStatus]
    newest: dict[str, str | None] = field(default_factory=dict)  # template source -> version

    @property
    def exit_code(self) -> int:
        return EXIT_CHECK_FAILED if any(repo.breach for repo in self.repos) else EXIT_OK

    def summary(self) -> dict[str, Any]:
        kinds = Counter(repo.kind for repo in self.repos)
        met = Counter(repo.met_stage or "none" for repo in self.repos if repo.kind != "not-git")
        declared = Counter(
            repo.declared_stage or "none" for repo in self.repos if repo.kind == "managed"
        )
        failed: Counter[tuple[str, str]] = Counter(
            check for repo in self.repos for check in repo.failing
        )
        behind = [repo for repo in self.repos if repo.behind]
        return {
            "repos": len(self.repos),
            "kinds": {
                kind: kinds.get(kind, 0) for kind in ("managed", "foreign", "not-git", "broken")
            },
            "breaches": sum(1 for repo in self.repos if repo.breach),
            "met_stage": {stage: met.get(stage, 0) for stage in ("none", *STAGES)},
            "declared_stage": {stage: declared.get(stage, 0) for stage in STAGES},
            "behind_newest": len(behind),
            "most_failed": [
                {"id": id_, "title": title, "repos": count}
                for (id_, title), count in failed.most_common(10)
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "newest_template_versions": self.newest,
            "repos": [repo.to_dict() for repo in self.repos],
        }


# ---------------------------------------------------------------------------
# Finding repos
# ---------------------------------------------------------------------------


def _is_git(path: Path) -> bool:
    return (path / ".git").exists()


def _git_problem(path: Path) -> str | None:
    """Why ``path/.git`` is not a usable git repository (stat calls only), or ``None``."""
    dot_git = path / ".git"
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        try:
            text = dot_git.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return "unreadable .git file"
        if not text.startswith("gitdir:"):
            return ".git file does not name a git directory"
        target = Path(text.removeprefix("gitdir:").strip())
        target = target if target.is_absolute() else path / target
        return None if (target / "HEAD").is_file() else f"git directory {target} is missing"
    if not (dot_git / "HEAD").is_file() or not (dot_git / "objects").is_dir():
        return "corrupt .git directory (no HEAD or objects)"
    return None


def repos_below(root: Path | str) -> list[Path]:
    """Every git repo below ``root`` (not descending into one), plus the top-level
    directories that hold none, so that they are reported as not git repos."""
    top = Path(root)
    if not top.is_dir():
        raise UserError(f"--root is not a directory: {root}")
    found: list[Path] = []
    if _is_git(top):
        return [top]
    for child in sorted(top.iterdir()):
        if not child.is_dir() or child.name.startswith(".") or child.name in _SKIP_DIRS:
            continue
        below = _walk(child)
        found.extend(below or [child])
    return found


def _walk(directory: Path) -> list[Path]:
    if _is_git(directory):
        return [directory]
    found: list[Path] = []
    with contextlib.suppress(OSError):
        for dirpath, dirnames, _ in os.walk(directory):
            here = Path(dirpath)
            keep = []
            for name in sorted(dirnames):
                if name.startswith(".") or name in _SKIP_DIRS:
                    continue
                if _is_git(here / name):
                    found.append(here / name)
                else:
                    keep.append(name)
            dirnames[:] = keep
    return found


def repos_from_file(path: Path | str) -> list[Path]:
    """The repos listed in ``path``: one per line, ``#`` comments, relative to the file."""
    listing = Path(path)
    try:
        text = listing.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read --from file {path}: {first_line(exc)}") from exc
    repos = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            repos.append((listing.parent / Path(line).expanduser()).absolute())
    if not repos:
        raise UserError(f"--from file {path} lists no repos")
    return repos


# ---------------------------------------------------------------------------
# Template versions
# ---------------------------------------------------------------------------


def _version(text: str | None) -> Version | None:
    """A release version from a tag or ``git describe`` output (``v1.2.0-3-gabc``)."""
    if not text:
        return None
    base = text.split("-", 1)[0] if "-g" in text else text
    try:
        version = Version(base)
    except InvalidVersion:
        return None
    return None if version.is_prerelease else version


def release_tags(source: str) -> list[tuple[Version, str]]:
    """The template's release tags, oldest first; empty when they cannot be read."""
    if is_url(source):
        args = ["git", "ls-remote", "--tags", "--refs", source]
    elif Path(source).is_dir():
        args = ["git", "-C", source, "tag", "--list"]
    else:
        return []
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    tags = []
    for line in out.splitlines():
        tag = line.rsplit("refs/tags/", 1)[-1].strip()
        version = _version(tag)
        if version is not None:
            tags.append((version, tag))
    return sorted(tags)


def _newest_and_behind(
    repos: Sequence[RepoStatus], profile: Profile | None
) -> dict[str, str | None]:
    """Fill in how many releases each repo is behind; return the newest per source."""
    newest: dict[str, str | None] = {}
    tags_of: dict[str, list[tuple[Version, str]]] = {}
    for repo in repos:
        if repo.template is None:
            continue
        if repo.template not in tags_of:
            tags_of[repo.template] = release_tags(repo.template)
            tags = tags_of[repo.template]
            pinned = profile.version if profile and profile.version else None
            newest[repo.template] = pinned or (tags[-1][1] if tags else None)
        tags = tags_of[repo.template]
        current = _version(repo.version)
        target = _version(newest[repo.template])
        if current is not None and target is not None:
            repo.behind = sum(1 for version, _ in tags if current < version <= target)
            if target > current and repo.behind == 0:
                repo.behind = 1  # the profile pins a version not (yet) tagged in the source
    return newest


# ---------------------------------------------------------------------------
# Checking one repo (runs in a worker process)
# ---------------------------------------------------------------------------


# libyaml's safe loader when PyYAML has it (as the check fixtures use): same result, faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _answers(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.load((path / ANSWERS_FILE).read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def check_one(
    path: Path, profile: Profile | None, select: Sequence[str], ignore: Sequence[str]
) -> RepoStatus:
    """One repo's status; never raises for a problem with the repo itself."""
    status = RepoStatus(path=str(path), name=path.name, kind="managed")
    if profile is not None:
        status.group = profile.group_of(path)
        status.required_stage = profile.required_stage(path)
    if not path.is_dir():
        status.kind, status.error = "broken", "no such directory"
    elif not _is_git(path):
        status.kind, status.error = "not-git", "not a git repository"
        return status
    elif problem := _git_problem(path):
        status.kind, status.error = "broken", problem
    else:
        answers = _answers(path)
        if answers is None or not answers.get("stage"):
            status.kind = "foreign"
        else:
            status.template = str(answers.get("_src_path") or "") or None
            status.version = str(answers.get("_commit") or "") or None
        try:
            report = check_with_profile(path, profile, select, ignore)
        except Exception as exc:  # a repo that breaks a check must not stop the fleet
            status.kind, status.error = "broken", first_line(exc)
        else:
            status.declared_stage = report.declared_stage
            status.met_stage = report.met_stage
            if status.required_stage is None and status.kind == "managed":
                status.required_stage = report.declared_stage
            status.failing = _failing(report, status.required_stage)
            organisation = [r.id for r in report.organisation_failures]
            if organisation:
                status.breaches.append(f"fails organisation checks: {', '.join(organisation)}")
    required = status.required_stage
    if required in STAGES and status.kind != "broken":
        met = STAGES.index(status.met_stage) if status.met_stage in STAGES else -1
        if met < STAGES.index(required):
            status.breaches.insert(0, f"{required} required, {status.met_stage or 'none'} met")
    elif required is not None and status.kind != "broken":
        status.breaches.insert(0, f"declares an unknown stage {required!r}")
    elif required is not None and status.kind == "broken":
        status.breaches.insert(0, f"{required} required, cannot check: {status.error}")
    return status


def _failing(report: CheckReport, required: str | None) -> list[tuple[str, str]]:
    """The failures that matter: up to the required stage (else those that stand
    between the repo and its next stage), and every organisation check."""
    if required in STAGES:
        upto = STAGES[: STAGES.index(required) + 1]
        stage_failures = [r for r in report.failures if r.stage in upto]
    else:
        stage_failures = list(report.missing)
    return [(r.id, r.title) for r in [*stage_failures, *report.organisation_failures]]


# ---------------------------------------------------------------------------
# The fleet
# ---------------------------------------------------------------------------


def check_fleet(
    repos: Iterable[Path | str],
    *,
    profile: Profile | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    jobs: int | None = None,
    progress: Callable[[int, int, RepoStatus], None] | None = None,
) -> FleetReport:
    """Check every repo in parallel (``jobs`` worker processes, default: one per core)."""
    paths = [Path(repo) for repo in repos]
    _validate_selectors(profile, select, ignore)
    jobs = max(1, jobs or os.cpu_count() or 1)
    statuses: list[RepoStatus | None] = [None] * len(paths)
    done = 0
    select, ignore = tuple(select), tuple(ignore)
    if jobs == 1 or len(paths) < 2:
        for index, path in enumerate(paths):
            statuses[index] = check_one(path, profile, select, ignore)
            done += 1
            if progress:
                progress(done, len(paths), statuses[index])
    else:
        with _pool(min(jobs, len(paths))) as pool:
            futures: dict[Future[RepoStatus], int] = {
                pool.submit(check_one, path, profile, select, ignore): index
                for index, path in enumerate(paths)
            }
            for future in as_completed(futures):
                index = futures[future]
                try:
                    statuses[index] = future.result()
                except Exception as exc:  # the worker itself died
                    statuses[index] = RepoStatus(
                        str(paths[index]), paths[index].name, "broken", error=first_line(exc)
                    )
                done += 1
                if progress:
                    progress(done, len(paths), statuses[index])  # type: ignore[arg-type]
    report = FleetReport([status for status in statuses if status is not None])
    report.newest = _newest_and_behind(report.repos, profile)
    return report


def _validate_selectors(
    profile: Profile | None, select: Sequence[str], ignore: Sequence[str]
) -> None:
    """Raise ``UserError`` for an unknown check ID before any repo is checked."""
    if not (select or ignore or (profile and (profile.select or profile.ignore))):
        return
    with tempfile.TemporaryDirectory() as empty:
        check_with_profile(empty, profile, select, ignore)


@contextlib.contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)


def stderr_progress() -> Callable[[int, int, RepoStatus], None]:
    """Progress on stderr: one rewritten line on a terminal, a line per repo otherwise."""
    tty = sys.stderr.isatty()

    def report(done: int, total: int, repo: RepoStatus) -> None:
        state = "BREACH" if repo.breach else repo.kind
        line = f"fleet check: {done}/{total} {repo.name} ({state})"
        if tty:
            end = "\n" if done == total else ""
            print(f"\r\033[K{line}", end=end, file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr)

    return report
