"""Time ``scaffold fleet check`` over a generated fleet (default 200 repos, mixed stages).

Renders each stage once with ``scaffold new`` from a tagged snapshot of this
template (v1.0.0, then a v1.1.0 release so every repo is one behind), then makes
the fleet by copying those repos (git history included) and giving each copy
distinct answers (project name, team, and a package name of its own, renamed
through every file, left uncommitted: fleet check reads the working tree); every
tenth repo loses its CODEOWNERS so that the fleet has breaches. Rendering is
not timed.

It prints the wall time of the whole command (``scaffold fleet check --root``,
process start and report included), first with an empty parsed-module cache
(cold) and then with the one that run left (warm: the fleet checked again), and
of ``check_fleet`` alone with 1 and N worker processes, and the cost per repo.

Then it compares ``scaffold fleet update`` over 20 clean repos (mixed stages, to a
release that adds a file) with the sum of 20 single ``scaffold update`` runs.

    python benchmarks/bench_fleet.py [--repos 200] [--jobs N] [--update-repos 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402
from helpers import IDENTITY, commit_all, git, snapshot_template  # noqa: E402

from scaffold.check._cache import CACHE_ENV  # noqa: E402
from scaffold.fleet import check_fleet, repos_below  # noqa: E402
from scaffold.new import create_repo  # noqa: E402
from scaffold.stages import STAGES  # noqa: E402


def distinct(repo: Path, index: int) -> None:
    """Give a copy its own answers: project name, team, and package name (renamed in
    every file and directory, so no two repos share their Python sources)."""
    package = f"fleet_repo_{index:03d}"
    for path in repo.rglob("*"):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "fleet_repo" in text:
            path.write_text(text.replace("fleet_repo", package), encoding="utf-8")
    (repo / "src" / "fleet_repo").rename(repo / "src" / package)
    answers_file = repo / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text())
    answers["project_name"] = f"Fleet repo {index}"
    answers["team_data_science"] = f"@org/ds-{index % 7}"
    answers_file.write_text(yaml.safe_dump(answers, sort_keys=False))


def make_fleet(workdir: Path, repos: int) -> Path:
    """``repos`` repos under ``workdir/fleet``, stages round-robin."""
    template = snapshot_template(ROOT, workdir / "template")
    git(template, "tag", "v1.0.0")
    originals = {}
    (workdir / "originals").mkdir()
    for stage in STAGES:
        originals[stage] = create_repo(
            workdir / "originals" / stage,
            stage,
            data={"project_name": "Fleet repo", "package_name": "fleet_repo"},
            defaults=True,
            template=str(template),
            vcs_ref="v1.0.0",
        ).path
    for stage in STAGES:  # the release brings one new file per stage
        (template / "templates" / stage / "RELEASE-NOTES.md").write_text("New in v1.1.0.\n")
    commit_all(template, "release v1.1.0")
    git(template, "tag", "v1.1.0")

    for stage, repo in originals.items():
        shutil.copytree(repo, workdir / "clean" / stage, symlinks=True)
    fleet = workdir / "fleet"
    fleet.mkdir()
    for index in range(repos):
        stage = STAGES[index % len(STAGES)]
        repo = fleet / f"repo-{index:03d}"
        shutil.copytree(originals[stage], repo, symlinks=True)
        distinct(repo, index)
        if index % 10 == 9:
            (repo / "CODEOWNERS").unlink()
    return fleet


def bench_update(workdir: Path, repos: int, jobs: int) -> None:
    """``scaffold fleet update`` over ``repos`` repos against as many ``scaffold update`` runs."""
    scaffold = str(Path(sys.executable).with_name("scaffold"))
    sets = {}
    for name in ("singles", "fleet-update"):
        sets[name] = workdir / name
        for index in range(repos):
            stage = STAGES[index % len(STAGES)]
            shutil.copytree(
                workdir / "clean" / stage, sets[name] / f"repo-{index:02d}", symlinks=True
            )
    start = time.perf_counter()
    for repo in sorted(sets["singles"].iterdir()):
        subprocess.run([scaffold, "update", str(repo)], check=True, capture_output=True)
    singles = time.perf_counter() - start
    command = [scaffold, "fleet", "update", "--root", str(sets["fleet-update"]), "-q"]
    command += ["--jobs", str(jobs), "--state", str(workdir / "update-state.jsonl"), "--json"]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    fleet = time.perf_counter() - start
    counts = json.loads(proc.stdout)["counts"]
    print(
        f"update of {repos} repos: {repos} single `scaffold update` runs {singles:.1f}s "
        f"({singles / repos:.2f}s/repo); `scaffold fleet update --jobs {jobs}` {fleet:.1f}s "
        f"({fleet / repos:.2f}s/repo, {singles / fleet:.2f}x); outcomes {counts}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="build the fleet here and keep it")
    parser.add_argument(
        "--update-repos", type=int, default=20, help="repos for the update comparison (0: skip)"
    )
    args = parser.parse_args()
    os.environ.update({k: os.environ.get(k, v) for k, v in IDENTITY.items()})

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        fleet = make_fleet(workdir, args.repos)
        print(f"generated {args.repos} repos in {time.perf_counter() - start:.1f}s (not timed)")

        # The parsed-module cache starts empty ("cold": a fleet checked for the first
        # time); the second run finds what the first left ("warm": files unchanged).
        os.environ[CACHE_ENV] = str(workdir / "check-cache")
        shutil.rmtree(workdir / "check-cache", ignore_errors=True)
        scaffold = Path(sys.executable).with_name("scaffold")
        command = [str(scaffold), "fleet", "check", "--root", str(fleet), "-q"]
        command += ["--format", "json", "--jobs", str(args.jobs)]
        for cache in ("cold", "warm"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True)
            cli = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            summary = json.loads(proc.stdout)["summary"]
            print(
                f"scaffold fleet check (CLI, {args.jobs} jobs, {cache} cache): {cli:.2f}s wall, "
                f"{cli / args.repos * 1000:.1f}ms/repo; exit {proc.returncode}; "
                f"breaches {summary['breaches']}, behind {summary['behind_newest']}, "
                f"met {summary['met_stage']}"
            )
            print(
                f"  CPU of the command (all processes): {cpu:.2f}s, "
                f"{cpu / args.repos * 1000:.1f}ms/repo; on {os.cpu_count()} idle cores "
                f"at best {cpu / (os.cpu_count() or 1):.1f}s wall "
                f"(load average now {os.getloadavg()[0]:.1f})"
            )

        repos = repos_below(fleet)
        for jobs in sorted({1, args.jobs}):
            start = time.perf_counter()
            check_fleet(repos, jobs=jobs)
            wall = time.perf_counter() - start
            print(
                f"check_fleet (warm cache), {jobs} job(s): {wall:.2f}s wall, "
                f"{wall / len(repos) * 1000:.1f}ms/repo wall, "
                f"{wall * jobs / len(repos) * 1000:.1f}ms/repo of worker time"
            )
        if args.update_repos:
            bench_update(workdir, args.update_repos, args.jobs)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
