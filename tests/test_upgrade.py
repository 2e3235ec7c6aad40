"""``scaffold upgrade`` / ``scaffold update`` against a small template built on the fly.

Copier's own pattern: write a three-stage template (a -> b -> c) into a temp git
repo, tag it, generate a repo, edit it, upgrade, assert on what the user sees:
branches, files, the report and the exit code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from helpers import commit_all, generate, git, show
from synthetic_template import build_synthetic_template, release_template

from scaffold.cli import main as cli
from scaffold.errors import EXIT_CONFLICT, EXIT_OK, EXIT_USER_ERROR, UserError
from scaffold.upgrade import update_template, upgrade_stage

ROOT = Path(__file__).resolve().parent.parent


def snapshot(repo: Path) -> dict[str, object]:
    """Everything the user could notice: refs, HEAD, index bytes, working-tree bytes."""
    files = {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return {
        "HEAD": (repo / ".git" / "HEAD").read_bytes(),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": (repo / ".git" / "index").read_bytes(),
        "files": files,
    }


# ---------------------------------------------------------------------------
# The happy path
# ---------------------------------------------------------------------------


def test_upgrade_commits_on_a_new_branch_and_leaves_the_users_branch(repo: Path) -> None:
    (repo / "README.md").write_text("# Demo\n\nOur own words.\n" + (repo / "README.md").read_text())
    commit_all(repo)
    before = snapshot(repo)

    report = upgrade_stage(repo)

    assert report.status == "ok" and report.exit_code == EXIT_OK
    assert report.branch == "scaffold/upgrade-to-b"
    assert set(report.added) == {"src/demo/train.py", "src/demo/compat.py"}
    assert "README.md" in report.merged and "pyproject.toml" in report.merged
    assert report.removed == ["notebooks/explore.md", "src/demo/legacy.py"]
    after = snapshot(repo)
    assert after["files"] == before["files"] and after["index"] == before["index"]
    assert git(repo, "rev-parse", "scaffold/upgrade-to-b^") == git(repo, "rev-parse", "main")
    assert "Our own words." in show(repo, report.branch, "README.md")
    assert "Stage b: models." in show(repo, report.branch, "README.md")
    answers = yaml.safe_load(show(repo, report.branch, ".copier-answers.yml"))
    assert answers["stage"] == "b"
    message = git(repo, "log", "-1", "--format=%B", report.branch)
    assert message.startswith("Upgrade to stage b") and "src/demo/train.py" in message


def test_to_goes_through_each_stage_in_one_commit(repo: Path) -> None:
    report = upgrade_stage(repo, to="c")

    assert [(s.from_stage, s.to_stage) for s in report.steps] == [("a", "b"), ("b", "c")]
    assert report.branch == "scaffold/upgrade-to-c"
    assert git(repo, "rev-list", "--count", "main..scaffold/upgrade-to-c") == "1"
    cli_py = show(repo, report.branch, "src/demo/cli.py")
    assert '"train"' in cli_py and '"serve"' in cli_py


def test_dry_run_prints_the_diff_and_changes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)

    code = cli(["upgrade", str(repo), "--dry-run"])

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "+++ b/src/demo/train.py" in out and "-stage: a" in out and "Dry run" in out
    assert snapshot(repo) == before


def test_dry_run_that_would_conflict_exits_3(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "src/demo/train.py").write_text("MODEL = 'ours'\n")
    commit_all(repo)
    before = snapshot(repo)

    code = cli(["upgrade", str(repo), "--dry-run", "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == EXIT_CONFLICT and data["status"] == "dry-run"
    assert data["conflicted"] == ["src/demo/train.py"] and "<<<<<<<" in data["diff"]
    assert snapshot(repo) == before


def test_json_report(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(["upgrade", str(repo), "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK and data["exit_code"] == EXIT_OK
    assert data["status"] == "ok" and data["branch"] == "scaffold/upgrade-to-b"
    assert data["from_stage"] == "a" and data["reached_stage"] == "b"
    assert "src/demo/train.py" in data["added"] and data["conflicted"] == []
    assert data["next_steps"][-1] == "git merge scaffold/upgrade-to-b"


def test_relative_template_path_is_repaired(template: Path, tmp_path: Path) -> None:
    repo = generate(template, tmp_path / "repo", "a")
    answers = (repo / ".copier-answers.yml").read_text()
    relative = os.path.relpath(template, repo)
    (repo / ".copier-answers.yml").write_text(
        answers.replace(f"_src_path: {template}", f"_src_path: {relative}")
    )
    commit_all(repo)

    report = upgrade_stage(repo)

    answers = yaml.safe_load(show(repo, report.branch, ".copier-answers.yml"))
    assert answers["_src_path"] == str(template)


# ---------------------------------------------------------------------------
# Conflicts and edits the new stage would remove
# ---------------------------------------------------------------------------


def test_conflict_exits_3_names_the_file_and_commits_markers(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "src/demo/train.py").write_text('"""Our own trainer."""\n\nMODEL = "ours"\n')
    commit_all(repo)
    before = snapshot(repo)

    code = cli(["upgrade", str(repo)])

    out = capsys.readouterr().out
    assert code == EXIT_CONFLICT
    assert "CONFLICTS in 1 file(s)" in out and "src/demo/train.py" in out
    assert "git switch scaffold/upgrade-to-b" in out
    text = show(repo, "scaffold/upgrade-to-b", "src/demo/train.py")
    assert "<<<<<<<" in text and 'MODEL = "ours"' in text
    assert snapshot(repo)["files"] == before["files"]
    assert git(repo, "rev-parse", "main") == git(repo, "rev-parse", "scaffold/upgrade-to-b^")


def test_conflict_stops_a_multi_step_upgrade_at_that_stage(repo: Path) -> None:
    (repo / "src/demo/train.py").write_text("MODEL = 'ours'\n")
    commit_all(repo)

    report = upgrade_stage(repo, to="c")

    assert report.status == "conflict" and report.branch == "scaffold/upgrade-to-b"
    assert report.conflicted == ["src/demo/train.py"]
    assert report.next_steps[-1] == "run scaffold upgrade again to continue to c"


def test_edited_file_the_new_stage_deletes_is_kept(repo: Path) -> None:
    with (repo / "notebooks/explore.md").open("a") as fh:
        fh.write("Our findings: amount is skewed.\n")
    commit_all(repo)

    report = upgrade_stage(repo)

    assert report.kept == ["notebooks/explore.md"]
    assert "Our findings" in show(repo, report.branch, "notebooks/explore.md")


def test_edited_file_the_new_stage_renames_is_kept(repo: Path) -> None:
    with (repo / "src/demo/legacy.py").open("a") as fh:
        fh.write("OURS = 2\n")
    commit_all(repo)

    report = upgrade_stage(repo)

    assert "src/demo/legacy.py" in report.kept
    assert "OURS = 2" in show(repo, report.branch, "src/demo/legacy.py")
    assert show(repo, report.branch, "src/demo/compat.py") is not None


def test_user_file_in_a_directory_the_stage_drops_is_kept(repo: Path) -> None:
    (repo / "notebooks/ours.md").write_text("# Our notebook\n")
    commit_all(repo)

    report = upgrade_stage(repo)

    assert show(repo, report.branch, "notebooks/ours.md") == "# Our notebook\n"
    assert "notebooks/explore.md" in report.removed


def test_renamed_generated_file_is_not_recreated(repo: Path) -> None:
    git(repo, "mv", "src/demo/cli.py", "src/demo/commands.py")
    commit_all(repo)

    report = upgrade_stage(repo)

    assert report.not_recreated == ["src/demo/cli.py"]
    assert show(repo, report.branch, "src/demo/cli.py") is None
    assert show(repo, report.branch, "src/demo/commands.py") is not None


# ---------------------------------------------------------------------------
# Preflight: one line, exit 2, nothing changed
# ---------------------------------------------------------------------------


def _break_answers(repo: Path, text: str) -> None:
    (repo / ".copier-answers.yml").write_text(text)
    commit_all(repo)


PREFLIGHT = {
    "not a git repository": lambda repo: subprocess.run(["rm", "-rf", str(repo / ".git")]),
    "uncommitted changes": lambda repo: (repo / "README.md").write_text("changed\n"),
    "untracked": lambda repo: (repo / "scratch.txt").write_text("new\n"),
    "merge is in progress": lambda repo: (repo / ".git" / "MERGE_HEAD").write_text(
        git(repo, "rev-parse", "HEAD") + "\n"
    ),
    "no .copier-answers.yml": lambda repo: (
        (repo / ".copier-answers.yml").unlink(),
        commit_all(repo),
    ),
    "not valid YAML": lambda repo: _break_answers(repo, "stage: [a\n"),
    "missing or empty '_src_path'": lambda repo: _break_answers(repo, "_commit: v1\nstage: a\n"),
    "missing or empty 'stage'": lambda repo: _break_answers(
        repo, (repo / ".copier-answers.yml").read_text().replace("stage: a", "stage: ''")
    ),
    "expected a mapping": lambda repo: _break_answers(repo, "- a\n- b\n"),
    "unknown stage 'zz'": lambda repo: _break_answers(
        repo, (repo / ".copier-answers.yml").read_text().replace("stage: a", "stage: zz")
    ),
    "template source recorded in .copier-answers.yml not found": lambda repo: _break_answers(
        repo,
        "\n".join(
            "_src_path: /nonexistent/template" if line.startswith("_src_path") else line
            for line in (repo / ".copier-answers.yml").read_text().splitlines()
        )
        + "\n",
    ),
    "is not in": lambda repo: _break_answers(
        repo, (repo / ".copier-answers.yml").read_text().replace("_commit: v1", "_commit: 0123abc")
    ),
    "already exists": lambda repo: git(repo, "branch", "scaffold/upgrade-to-b"),
}


@pytest.mark.parametrize("message", list(PREFLIGHT))
def test_preflight_errors(message: str, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    PREFLIGHT[message](repo)
    before = {
        p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*") if p.is_file()
    }

    code = cli(["upgrade", str(repo)])

    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert message in err and err.count("\n") == 1, err
    after = {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize(
    ("stage", "to", "message"),
    [
        ("c", None, "already at the last stage (c)"),
        ("b", "a", "cannot downgrade from b to a"),
        ("b", "b", "already at stage b"),
        ("a", "zz", "unknown stage 'zz'"),
    ],
)
def test_stage_preflight_errors(
    template: Path, tmp_path: Path, stage: str, to: str | None, message: str
) -> None:
    repo = generate(template, tmp_path / "repo", stage)
    refs = git(repo, "for-each-ref")

    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        upgrade_stage(repo, to=to)
    assert git(repo, "for-each-ref") == refs


def test_missing_template_given_on_the_command_line(repo: Path) -> None:
    with pytest.raises(UserError, match="template source not found"):
        upgrade_stage(repo, template=str(repo.parent / "nowhere"))


# ---------------------------------------------------------------------------
# Template versions: update, and a template older than the repo
# ---------------------------------------------------------------------------

V2_README_A = textwrap.dedent("""\
    # {{ project_name }}

    Describe your project here.

    ## Stage
    {% block readme_stage %}
    Stage a: data only.
    {% endblock %}

    ## License
    MIT
    """)


@pytest.fixture
def versioned_template(tmp_path: Path) -> Path:
    tpl = build_synthetic_template(tmp_path / "tpl-versions")
    release_template(tpl, {"templates/a/README.md.jinja": V2_README_A}, "v2")
    return tpl


def test_update_to_a_newer_version_of_the_same_stage(
    versioned_template: Path, tmp_path: Path
) -> None:
    repo = generate(versioned_template, tmp_path / "repo", "a", vcs_ref="v1")
    readme = (
        (repo / "README.md").read_text().replace("Describe your project here.", "We predict churn.")
    )
    (repo / "README.md").write_text(readme)
    commit_all(repo)

    report = update_template(repo)

    assert report.status == "ok" and report.branch == "scaffold/update-to-v2"
    assert report.from_version == "v1" and report.to_version == "v2"
    text = show(repo, report.branch, "README.md")
    assert "We predict churn." in text and "## License" in text
    answers = yaml.safe_load(show(repo, report.branch, ".copier-answers.yml"))
    assert answers["_commit"] == "v2" and answers["stage"] == "a"


def test_update_when_already_current_does_nothing(versioned_template: Path, tmp_path: Path) -> None:
    repo = generate(versioned_template, tmp_path / "repo", "a", vcs_ref="v2")
    refs = git(repo, "for-each-ref")

    report = update_template(repo)

    assert report.status == "up-to-date" and report.exit_code == EXIT_OK
    assert git(repo, "for-each-ref") == refs


def test_template_older_than_the_repo_is_refused(versioned_template: Path, tmp_path: Path) -> None:
    repo = generate(versioned_template, tmp_path / "repo", "a", vcs_ref="v2")

    with pytest.raises(UserError, match="older than the version this repo was generated from"):
        upgrade_stage(repo, vcs_ref="v1")
    with pytest.raises(UserError, match="older than"):
        update_template(repo, vcs_ref="v1")


# ---------------------------------------------------------------------------
# Interruption: kill the upgrade at several points
# ---------------------------------------------------------------------------

# Runs the CLI in a subprocess; when scaffold makes the Nth git call of a
# given subcommand (e.g. the 1st "fetch"), it prints READY and sleeps, so the test
# can kill it at a known point of the work.
_DRIVER = textwrap.dedent("""\
    import sys, time
    import scaffold._git
    from scaffold.cli import main
    command, nth = sys.argv[1].split(":")
    seen, real = [0], scaffold._git.git
    def counting_git(cwd, *args, **kwargs):
        if args and args[0] == command:
            seen[0] += 1
            if seen[0] == int(nth):
                print("READY", flush=True)
                time.sleep(60)
        return real(cwd, *args, **kwargs)
    for name, module in list(sys.modules.items()):
        if name.startswith("scaffold") and getattr(module, "git", None) is real:
            module.git = counting_git
    sys.exit(main(sys.argv[2:]))
    """)


def _start(repo: Path, stop_at: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", _DRIVER, stop_at, "upgrade", str(repo), "--to", "c"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


# For a -> c with one kept file, scaffold's git calls go: "tag" (which
# template version), "clone" (the scratch clone), per stage "ls-tree" (the files of
# copier's render of the old version, read while copier's update runs), "ls-files"
# (after copier's update) and "ls-tree" (the deleted files: is one the user's?), then
# "commit-tree" (the squashed commit) and "fetch" (the one write that publishes it).
KILL_POINTS = [
    *((signal.SIGKILL, point) for point in (
        "tag:1", "clone:1", "ls-files:1", "ls-tree:2", "ls-files:2", "commit-tree:1",
        "fetch:1",
    )),
    (signal.SIGTERM, "ls-tree:2"),
    (signal.SIGTERM, "fetch:1"),
    (signal.SIGINT, "checkout:1"),
    (signal.SIGINT, "ls-files:2"),
]  # fmt: skip


@pytest.mark.parametrize(("sig", "stop_at"), KILL_POINTS, ids=lambda v: getattr(v, "name", str(v)))
def test_interrupted_upgrade_leaves_the_repo_untouched(
    repo: Path, stop_at: str, sig: signal.Signals
) -> None:
    with (repo / "notebooks/explore.md").open("a") as fh:
        fh.write("edited\n")
    commit_all(repo)
    before = snapshot(repo)

    proc = _start(repo, stop_at)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "READY", proc.communicate()
    proc.send_signal(sig)
    proc.wait(timeout=30)

    assert snapshot(repo) == before
    assert proc.returncode != 0
    # the next run works: no stale branch or worktree blocks it
    assert upgrade_stage(repo, to="c").status == "ok"


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.3, 1.8])
def test_timed_sigkill_leaves_the_users_branch_untouched(repo: Path, delay: float) -> None:
    before = snapshot(repo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "upgrade", str(repo), "--to", "c"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.kill()
    proc.wait(timeout=30)

    after = snapshot(repo)
    # killed after publishing, the branch may exist (complete); nothing else may differ
    refs = [r for r in str(after["refs"]).splitlines() if "scaffold/upgrade-to-" not in r]
    assert "\n".join(refs) == before["refs"]
    assert {k: v for k, v in after.items() if k != "refs"} == {
        k: v for k, v in before.items() if k != "refs"
    }
