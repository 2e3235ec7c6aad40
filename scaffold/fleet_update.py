"""``scaffold fleet update`` / ``fleet upgrade``: the single-repo commands, repo by repo.

Each repo gets exactly what ``scaffold update`` (or ``upgrade``) gives it: one
commit on a new branch, made in a scratch clone, the checked-out branch and the
working tree untouched. With ``push`` the new branch goes to the repo's
``origin``. Every finished repo is appended at once to a state file (JSON
lines, by default under ``$XDG_CACHE_HOME/scaffold/``), so a re-run skips the
repos already done (clean, conflicts, current) and retries the ones refused.
Ctrl-C stops submitting repos; the ones in flight
finish (their workers ignore SIGINT) and are recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from scaffold._copier import first_line
from scaffold.errors import EXIT_CHECK_FAILED, EXIT_CONFLICT, EXIT_INTERRUPTED, EXIT_OK
from scaffold.upgrade import update_template, upgrade_stage

Command = Literal["update", "upgrade"]
Outcome = Literal["clean", "conflicts", "refused", "current", "done-earlier", "not-started"]

#: The preflight's refusal when the target branch exists: that repo's work is done.
_BRANCH_EXISTS = re.compile(r"^branch (scaffold/\S+) already exists")

#: Outcomes after which a re-run leaves the repo alone.
DONE = frozenset({"clean", "conflicts", "current", "done-earlier"})


@dataclass
class RepoUpdate:
    path: str
    outcome: Outcome
    branch: str | None = None
    conflicts: list[str] = field(default_factory=list)
    reason: str | None = None
    pushed: bool | None = None  # None: not asked to push
    push_error: str | None = None
    key: str = ""


@dataclass
class FleetUpdate:
    command: Command
    repos: list[RepoUpdate]
    interrupted: bool = False

    def by_outcome(self, outcome: Outcome) -> list[RepoUpdate]:
        return [repo for repo in self.repos if repo.outcome == outcome]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.by_outcome("refused") or any(r.push_error for r in self.repos):
            return EXIT_CHECK_FAILED
        if self.by_outcome("conflicts"):
            return EXIT_CONFLICT
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "interrupted": self.interrupted,
            "counts": {
                outcome: len(self.by_outcome(outcome))  # type: ignore[arg-type]
                for outcome in ("clean", "conflicts", "refused", "current", "done-earlier")
            },
            "repos": [asdict(repo) for repo in self.repos],
        }

    def to_text(self) -> str:
        out = [f"scaffold fleet {self.command}: {len(self.repos)} repos"]
        labels = {
            "clean": "clean",
            "conflicts": "conflicts",
            "refused": "refused",
            "current": "already current",
            "done-earlier": "done in an earlier run",
            "not-started": "not started (interrupted)",
        }
        for outcome, label in labels.items():
            repos = self.by_outcome(outcome)  # type: ignore[arg-type]
            if not repos:
                continue
            out.append(f"{label}: {len(repos)}")
            for repo in repos:
                detail = repo.branch or ""
                if repo.conflicts:
                    detail += f" ({', '.join(repo.conflicts)})"
                if repo.reason:
                    detail = repo.reason
                if repo.pushed:
                    detail += " [pushed to origin]"
                if repo.push_error:
                    detail += f" [push failed: {repo.push_error}]"
                out.append(f"  {repo.path}  {detail}".rstrip())
        if self.interrupted:
            out.append("interrupted: re-run the same command to continue")
        return "\n".join(out) + "\n"


def _key(command: Command, to: str | None, template: str | None, vcs_ref: str | None) -> str:
    """What a run aims at; a state entry only counts for the same aim."""
    return json.dumps([command, to, template, vcs_ref])


def default_state_path(command: Command, repos: Sequence[Path | str]) -> Path:
    """``$XDG_CACHE_HOME/scaffold/fleet-<command>-<digest>.jsonl``: one file per command
    and set of repos, outside every repo (a file inside one would make its tree dirty)."""
    digest = hashlib.sha1(
        "\n".join(sorted(str(Path(repo).absolute()) for repo in repos)).encode()
    ).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "scaffold" / f"fleet-{command}-{digest}.jsonl"


def read_state(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The last entry per (repo, aim) in the state file; a torn last line is ignored."""
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    if not path.is_file():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            entries[(entry["path"], entry["key"])] = entry
        except (ValueError, KeyError, TypeError):
            continue
    return entries


def _push(repo: Path, branch: str) -> str | None:
    """Push ``branch`` to ``origin``; the first line of git's error, or ``None``."""
    proc = subprocess.run(
        ["git", "-C", str(repo), "push", "--quiet", "origin", f"refs/heads/{branch}"],
        capture_output=True,
        text=True,
    )
    if proc.returncode == 0:
        return None
    return (proc.stderr.strip().splitlines() or ["git push failed"])[-1]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def update_one(
    path: str,
    command: Command,
    to: str | None,
    template: str | None,
    vcs_ref: str | None,
    push: bool,
    key: str,
) -> RepoUpdate:
    """One repo, as the single-repo command does it; never raises for the repo's sake."""
    try:
        if command == "upgrade":
            report = upgrade_stage(path, to, template=template, vcs_ref=vcs_ref)
        else:
            report = update_template(path, template=template, vcs_ref=vcs_ref)
    except Exception as exc:  # a preflight refusal or a failed merge: this repo only
        reason = first_line(exc)
        made = _BRANCH_EXISTS.search(reason)
        if made:  # an earlier run (or the single-repo command) already made this branch
            result = RepoUpdate(path, "done-earlier", branch=made.group(1), key=key)
            if push:
                result.push_error = _push(Path(path), made.group(1))
                result.pushed = result.push_error is None
            return result
        return RepoUpdate(path, "refused", reason=reason, key=key)
    if report.status == "up-to-date":
        return RepoUpdate(path, "current", key=key)
    result = RepoUpdate(
        path,
        "conflicts" if report.conflicted else "clean",
        branch=report.branch,
        conflicts=list(report.conflicted),
        key=key,
    )
    if push and report.branch:
        result.push_error = _push(Path(path), report.branch)
        result.pushed = result.push_error is None
    return result


def update_fleet(
    repos: Iterable[Path | str],
    command: Command,
    *,
    to: str | None = None,
    template: str | None = None,
    vcs_ref: str | None = None,
    push: bool = False,
    jobs: int = 1,
    state: Path | None = None,
    progress: Callable[[int, int, RepoUpdate], None] | None = None,
) -> FleetUpdate:
    """Update or upgrade every repo; resumable through ``state``, Ctrl-C safe."""
    paths = [str(Path(repo).absolute()) for repo in repos]
    key = _key(command, to, template, vcs_ref)
    earlier = read_state(state) if state else {}
    results: dict[str, RepoUpdate] = {}
    todo: list[str] = []
    for path in paths:
        entry = earlier.get((path, key))
        if (
            entry
            and entry["outcome"] in DONE
            and not (push and entry.get("branch") and not entry.get("pushed"))
        ):
            results[path] = RepoUpdate(
                path,
                "done-earlier",
                branch=entry.get("branch"),
                pushed=entry.get("pushed"),
                key=key,
            )
        elif entry and entry["outcome"] in DONE:  # done, but its push is still owed
            error = _push(Path(path), entry["branch"])
            results[path] = RepoUpdate(
                path,
                "done-earlier",
                branch=entry["branch"],
                pushed=error is None,
                push_error=error,
                key=key,
            )
            _record(state, results[path], entry["outcome"])
        else:
            todo.append(path)

    interrupted = False
    done = len(results)
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(jobs, len(todo) or 1)), initializer=_ignore_sigint
    )
    futures: dict[Future[RepoUpdate], str] = {}
    try:
        futures = {
            pool.submit(update_one, path, command, to, template, vcs_ref, push, key): path
            for path in todo
        }
        for future in as_completed(futures):
            result = _result(future, futures[future], key)
            results[result.path] = result
            _record(state, result)
            done += 1
            if progress:
                progress(done, len(paths), result)
    except KeyboardInterrupt:
        interrupted = True
        for future in futures:
            future.cancel()  # not started yet: stays not started
        for future, path in futures.items():
            if path in results:
                continue  # finished and recorded before the interrupt
            if future.cancelled():
                results[path] = RepoUpdate(path, "not-started", key=key)
                continue
            result = _result(future, path, key)  # in flight: wait for it to finish
            results[path] = result
            _record(state, result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    ordered = [results[path] for path in paths if path in results]
    return FleetUpdate(command, ordered, interrupted=interrupted)


def _result(future: Future[RepoUpdate], path: str, key: str) -> RepoUpdate:
    try:
        return future.result()
    except Exception as exc:  # the worker process died
        return RepoUpdate(path, "refused", reason=first_line(exc), key=key)


def _record(state: Path | None, result: RepoUpdate, outcome: str | None = None) -> None:
    """Append one finished repo to the state file at once (a kill keeps what is done)."""
    if state is None or result.outcome == "not-started":
        return
    entry = asdict(result)
    if outcome:
        entry["outcome"] = outcome
    state.parent.mkdir(parents=True, exist_ok=True)
    with state.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()


__all__: Sequence[str] = [
    "FleetUpdate",
    "RepoUpdate",
    "default_state_path",
    "read_state",
    "update_fleet",
]
