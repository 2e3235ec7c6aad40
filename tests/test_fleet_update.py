"""``scaffold fleet update``: a branch per repo as ``scaffold update`` makes it, pushed to
each repo's ``origin`` (a bare repository on disk), resumable and Ctrl-C safe."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import copier
import pytest
from helpers import IDENTITY, commit_all, generate, git, init_repo, snapshot_template, tree

from scaffold.cli import main
from scaffold.errors import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK
from scaffold.profile import PROFILE_ENV

ROOT = Path(__file__).resolve().parents[1]
GITIGNORE = "templates/data-centric/.gitignore.jinja"
OWN_LINE = "# Your own entries below this line."
README_EDIT = "Our model, owned by the risk team.\n"
ORG_TEAM = "@acme/data-science"
STAGE_NAMES = ("data-centric", "model-centric", "pipeline-centric")


@pytest.fixture(autouse=True)
def no_ambient_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def _fork(base: Path) -> Path:
    """An organisation's fork of the template: its own default answers and an extra file."""
    template = snapshot_template(ROOT, base / "template")
    config = template / "copier.yml"
    config.write_text(
        config.read_text().replace('default: "@my-org/data-science"', f'default: "{ORG_TEAM}"')
    )
    for stage in STAGE_NAMES:
        (template / "templates" / stage / "SUPPORT.md").write_text("Ask #ml-platform.\n")
    commit_all(template, "Acme's fork")
    return template


def _generate(template: Path, dest: Path, stage: str, **answers: str) -> Path:
    copier.run_copy(
        str(template),
        dest,
        data={"stage": stage, **answers},
        defaults=True,
        quiet=True,
        vcs_ref="v1.0.0",
    )
    return init_repo(dest, "generated")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The forked template at v1.0.0 and v1.1.0; repos of every stage from v1.0.0,
    on GitHub and on GitLab."""
    base = tmp_path_factory.mktemp("fleet-update-src")
    template = _fork(base)
    git(template, "tag", "v1.0.0")
    repos = {stage: _generate(template, base / stage, stage) for stage in STAGE_NAMES}
    repos["model-centric-gitlab"] = _generate(
        template, base / "mc-gitlab", "model-centric", ci_provider="gitlab"
    )
    # v1.1.0: a new file in every stage, and a changed line users may also edit.
    for stage in STAGE_NAMES:
        (template / "templates" / stage / "RELEASE-NOTES.md").write_text("New in v1.1.0.\n")
    gitignore = template / GITIGNORE
    gitignore.write_text(gitignore.read_text().replace(OWN_LINE, OWN_LINE + " Keep them short."))
    commit_all(template, "release v1.1.0")
    git(template, "tag", "v1.1.0")
    return {"template": template, **repos}


def _with_origin(repo: Path, origins: Path) -> Path:
    bare = origins / f"{repo.name}.git"
    git(origins, "init", "--quiet", "--bare", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "--quiet", "origin", "main")
    return repo


@pytest.fixture
def fleet(sources: dict[str, Path], tmp_path: Path) -> Path:
    root, origins = tmp_path / "fleet", tmp_path / "origins"
    root.mkdir()
    origins.mkdir()

    def copy(stage: str, name: str) -> Path:
        repo = Path(shutil.copytree(sources[stage], root / name, symlinks=True))
        return _with_origin(repo, origins)

    edited = copy("data-centric", "dc-edited")  # an edit the update must keep
    (edited / "README.md").write_text((edited / "README.md").read_text() + README_EDIT)
    commit_all(edited, "describe the project")
    clash = copy("model-centric-gitlab", "mc-clash")  # edits the line v1.1.0 changes
    ignore = clash / ".gitignore"
    ignore.write_text(ignore.read_text().replace(OWN_LINE, "# Entries of the risk team."))
    commit_all(clash, "own .gitignore heading")
    copy("pipeline-centric", "pc-plain")
    dirty = copy("data-centric", "dc-dirty")
    (dirty / "notes.txt").write_text("work in progress\n")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def by_path(out: str) -> dict[str, dict]:
    return {Path(repo["path"]).name: repo for repo in json.loads(out)["repos"]}


BRANCH = "scaffold/update-to-v1.1.0"


def test_fleet_update_pushes_branches_that_keep_every_edit(
    capsys: pytest.CaptureFixture[str], fleet: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.jsonl"
    before = {repo.name: (tree(repo), git(repo, "rev-parse", "HEAD")) for repo in fleet.iterdir()}
    code, out, err = run(
        capsys,
        *("fleet", "update", "--root", str(fleet), "--push", "--jobs", "2"),
        *("--state", str(state), "--json"),
    )
    assert code == EXIT_CHECK_FAILED  # dc-dirty was refused
    assert "fleet update: 4/4" in err
    repos = by_path(out)
    assert repos["dc-edited"]["outcome"] == "clean"
    assert repos["pc-plain"]["outcome"] == "clean"
    assert repos["mc-clash"]["outcome"] == "conflicts"
    assert repos["mc-clash"]["conflicts"] == [".gitignore"]
    assert repos["dc-dirty"]["outcome"] == "refused"
    assert "uncommitted changes" in repos["dc-dirty"]["reason"]
    for name in ("dc-edited", "pc-plain", "mc-clash"):
        assert repos[name]["branch"] == BRANCH and repos[name]["pushed"] is True

    # Checked-out branches and working trees are untouched.
    for repo in fleet.iterdir():
        assert (tree(repo), git(repo, "rev-parse", "HEAD")) == before[repo.name]
        assert git(repo, "branch", "--show-current").strip() == "main"

    # The pushed branches hold the release and every user edit.
    origins = tmp_path / "origins"
    edited = git(origins / "dc-edited.git", "show", f"{BRANCH}:README.md")
    assert README_EDIT.strip() in edited
    assert (
        git(origins / "pc-plain.git", "show", f"{BRANCH}:RELEASE-NOTES.md").strip()
        == "New in v1.1.0."
    )
    for name in ("dc-edited", "pc-plain", "mc-clash"):  # the fork's own file and default
        assert git(origins / f"{name}.git", "show", f"{BRANCH}:SUPPORT.md") == "Ask #ml-platform."
        assert ORG_TEAM in git(origins / f"{name}.git", "show", f"{BRANCH}:CODEOWNERS")
    assert git(origins / "mc-clash.git", "show", f"{BRANCH}:.gitlab-ci.yml")
    clash = git(origins / "mc-clash.git", "show", f"{BRANCH}:.gitignore")
    assert "# Entries of the risk team." in clash and "<<<<<<<" in clash
    with pytest.raises(subprocess.CalledProcessError):
        git(origins / "dc-dirty.git", "rev-parse", "--verify", BRANCH)

    # A re-run skips what is done and retries the refused repo once it is fixed.
    (fleet / "dc-dirty" / "notes.txt").unlink()
    code, out, _ = run(
        capsys,
        *("fleet", "update", "--root", str(fleet), "--push", "-q"),
        *("--state", str(state), "--json"),
    )
    assert code == EXIT_OK, out
    repos = by_path(out)
    assert {name: repo["outcome"] for name, repo in repos.items()} == {
        "dc-edited": "done-earlier",
        "mc-clash": "done-earlier",
        "pc-plain": "done-earlier",
        "dc-dirty": "clean",
    }
    assert git(origins / "dc-dirty.git", "rev-parse", "--verify", BRANCH).strip()

    # Without the state file, a branch that exists still means the repo is done.
    code, out, _ = run(
        capsys,
        *("fleet", "update", "--root", str(fleet), "-q"),
        *("--state", str(tmp_path / "fresh.jsonl"), "--json"),
    )
    assert code == EXIT_OK, out
    assert {repo["outcome"] for repo in by_path(out).values()} == {"done-earlier"}


def test_current_repos_and_text_summary(
    capsys: pytest.CaptureFixture[str], sources: dict[str, Path], tmp_path: Path
) -> None:
    current = generate(sources["template"], tmp_path / "fleet" / "current", "data-centric")
    listing = tmp_path / "repos.txt"
    listing.write_text("fleet/current\n")
    code, out, _ = run(
        capsys, "fleet", "update", "--from", str(listing), "--state", str(tmp_path / "s"), "-q"
    )
    assert code == EXIT_OK
    assert f"already current: 1\n  {current}" in out


def test_ctrl_c_stops_after_the_repos_in_flight(sources: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    for index in range(5):
        shutil.copytree(sources["data-centric"], root / f"repo-{index}", symlinks=True)
    state = tmp_path / "state.jsonl"
    command = [sys.executable, "-m", "scaffold", "fleet", "update", "--root", str(root)]
    command += ["--state", str(state), "--jobs", "1"]
    env = {**os.environ, **IDENTITY}
    env.pop(PROFILE_ENV, None)
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert "fleet update: 1/5" in first, first
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_INTERRUPTED, out
    assert "not started (interrupted)" in out
    recorded = [json.loads(line) for line in state.read_text().splitlines()]
    assert len({entry["path"] for entry in recorded}) == len(recorded)  # each once
    assert 2 <= len(recorded) < 5  # the finished repo and the ones in flight, no more
    assert all(entry["outcome"] == "clean" for entry in recorded)
    for entry in recorded:  # each recorded repo really has its branch
        assert git(entry["path"], "rev-parse", "--verify", BRANCH).strip()

    rerun = subprocess.run([*command, "--json", "-q"], capture_output=True, text=True, env=env)
    assert rerun.returncode == EXIT_OK, rerun.stderr
    outcomes = [repo["outcome"] for repo in json.loads(rerun.stdout)["repos"]]
    assert outcomes.count("done-earlier") == len(recorded)
    assert outcomes.count("clean") == 5 - len(recorded)
