"""``scaffold fleet check`` over a fleet that mixes stages, versions and broken repos."""

from __future__ import annotations

import json
import shutil
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import commit_all, generate, git, snapshot_template

from scaffold.cli import main
from scaffold.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USER_ERROR
from scaffold.fleet import check_fleet, repos_below
from scaffold.profile import PROFILE_ENV

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_ambient_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A template tagged v1.0.0 .. v1.2.0, and one repo per stage rendered from v1.0.0."""
    base = tmp_path_factory.mktemp("fleet-src")
    template = snapshot_template(ROOT, base / "template")
    git(template, "tag", "v1.0.0")
    repos = {
        stage: generate(template, base / stage, stage, vcs_ref="v1.0.0")
        for stage in ("data-centric", "pipeline-centric")
    }
    for tag in ("v1.1.0", "v1.2.0"):
        commit_all(template, f"release {tag}")
        git(template, "tag", tag)
    return {"template": template, **repos}


@pytest.fixture(scope="module")
def fleet(originals: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")

    def copy(stage: str, name: str) -> Path:
        return Path(shutil.copytree(originals[stage], root / name, symlinks=True))

    copy("data-centric", "etl-ok")
    copy("pipeline-centric", "serve-ok")
    copy("data-centric", "serve-early")  # meets data-centric only
    unowned = copy("data-centric", "etl-unowned")
    (unowned / "CODEOWNERS").unlink()
    commit_all(unowned, "drop CODEOWNERS")
    nested = root / "team-b" / "projects"
    nested.mkdir(parents=True)
    shutil.copytree(originals["pipeline-centric"], nested / "serve-nested", symlinks=True)
    corrupt = copy("data-centric", "etl-corrupt")
    (corrupt / ".git" / "HEAD").unlink()
    foreign = root / "legacy"
    foreign.mkdir()
    (foreign / "README.md").write_text("# legacy\n")
    git(foreign, "init", "--quiet")
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("not a repo\n")
    (root / ".hidden-repo").mkdir()
    git(root / ".hidden-repo", "init", "--quiet")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def by_name(report: dict) -> dict[str, dict]:
    return {repo["name"]: repo for repo in report["repos"]}


def test_root_finds_every_git_repo_and_reports_other_directories(fleet: Path) -> None:
    found = {path.relative_to(fleet).as_posix() for path in repos_below(fleet)}
    assert found == {
        "etl-ok",
        "serve-ok",
        "serve-early",
        "etl-unowned",
        "team-b/projects/serve-nested",
        "etl-corrupt",
        "legacy",
        "notes",
    }


def test_fleet_report_per_repo_and_summary(capsys: pytest.CaptureFixture[str], fleet: Path) -> None:
    code, out, err = run(capsys, "fleet", "check", "--root", str(fleet), "--format", "json")
    assert code == EXIT_CHECK_FAILED  # etl-unowned no longer meets its declared stage
    assert "fleet check: 8/8" in err
    report = json.loads(out)
    repos = by_name(report)

    ok = repos["etl-ok"]
    assert (ok["kind"], ok["declared_stage"], ok["met_stage"]) == (
        "managed",
        "data-centric",
        "data-centric",
    )
    assert (ok["version"], ok["behind"], ok["failing"], ok["breach"]) == ("v1.0.0", 2, [], False)
    assert repos["serve-nested"]["met_stage"] == "pipeline-centric"
    assert list(report["newest_template_versions"].values()) == ["v1.2.0"]

    unowned = repos["etl-unowned"]
    assert unowned["met_stage"] is None
    assert [c["id"] for c in unowned["failing"]] == ["DC108"]
    assert unowned["breaches"] == ["data-centric required, none met"]

    assert repos["etl-corrupt"]["kind"] == "broken"
    assert "corrupt .git directory" in repos["etl-corrupt"]["error"]
    assert repos["legacy"]["kind"] == "foreign"
    assert repos["legacy"]["breach"] is False  # nothing declared or required
    assert "DC101" in [c["id"] for c in repos["legacy"]["failing"]]
    assert repos["notes"]["kind"] == "not-git"

    summary = report["summary"]
    assert summary["repos"] == 8
    assert summary["kinds"] == {"managed": 5, "foreign": 1, "not-git": 1, "broken": 1}
    assert summary["met_stage"] == {
        "none": 3,  # etl-unowned, legacy, etl-corrupt
        "data-centric": 2,
        "model-centric": 0,
        "pipeline-centric": 2,
    }
    assert summary["breaches"] == 1
    assert summary["behind_newest"] == 5
    assert summary["most_failed"][0] == {
        "id": "DC108",
        "title": "CODEOWNERS assigns owners",
        "repos": 2,
    }


def test_profile_policy_and_pinned_version(
    capsys: pytest.CaptureFixture[str], fleet: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.yml"
    profile.write_text(
        textwrap.dedent(
            """\
            template: {version: v1.1.0}
            policy:
              stage: data-centric
              groups:
                serving: {stage: pipeline-centric, repos: ["serve-*"]}
              repos:
                etl-unowned: data-centric
              ignore: [DC108]
            """
        )
    )
    code, out, _ = run(
        capsys, "fleet", "check", "--root", str(fleet), "--profile", str(profile), "-q"
    )
    assert code == EXIT_CHECK_FAILED
    code, out, _ = run(
        capsys,
        *("fleet", "check", "--root", str(fleet), "--profile", str(profile), "-q"),
        *("--format", "json"),
    )
    repos = by_name(json.loads(out))
    assert repos["serve-early"]["group"] == "serving"
    assert repos["serve-early"]["breaches"] == ["pipeline-centric required, data-centric met"]
    assert repos["serve-ok"]["breach"] is False
    assert repos["etl-unowned"]["breach"] is False  # DC108 ignored by the policy
    assert repos["etl-ok"]["behind"] == 1  # pinned to v1.1.0
    assert repos["legacy"]["breaches"] == ["data-centric required, none met"]
    assert repos["etl-corrupt"]["breaches"][0].startswith("data-centric required, cannot check")
    assert repos["notes"]["breach"] is False


def test_from_file_relative_paths_and_missing_repos(
    capsys: pytest.CaptureFixture[str], fleet: Path
) -> None:
    listing = fleet.parent / "repos.txt"
    listing.write_text(
        f"# our repos\n{fleet.name}/etl-ok\n{fleet.name}/serve-ok  # api\n/no/such\n"
    )
    code, out, err = run(capsys, "fleet", "check", "--from", str(listing), "--format", "markdown")
    assert code == EXIT_OK, out
    assert "fleet check: 3/3" in err
    assert (
        "| etl-ok | - | data-centric | data-centric | data-centric | v1.0.0 | 2 | - | ok |" in out
    )
    assert "| such | - | - | none | - | - | - | - | broken: no such directory |" in out
    assert "- repos: 3 (2 managed, 1 broken)" in out


def test_table_and_output_file(
    capsys: pytest.CaptureFixture[str], fleet: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "fleet", "check", "--root", str(fleet), "-q")
    assert code == EXIT_CHECK_FAILED
    lines = out.splitlines()
    assert lines[0].split() == [
        *("repo", "group", "declared", "met", "required"),
        *("template", "behind", "failing", "result"),
    ]
    unowned = next(line for line in lines if line.startswith("etl-unowned"))
    assert unowned.split()[5:8] == ["v1.0.0", "2", "DC108"]
    legacy = next(line for line in lines if line.startswith("legacy"))
    assert "DC101, DC103, DC104, DC105, +16 more" in legacy
    assert unowned.endswith("BREACH: data-centric required, none met")
    assert "policy breaches: 1" in out

    target = tmp_path / "fleet.md"
    code, out, _ = run(
        capsys,
        "fleet",
        "check",
        "--root",
        str(fleet),
        "-q",
        "--format",
        "markdown",
        "-o",
        str(target),
    )
    assert out == ""
    assert target.read_text().startswith("# Fleet report")


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tags: set[str] = set()
        self.attrs: list[str] = []
        self._in_fleet = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += [name for name, _ in attrs]
        if tag == "table":
            self._in_fleet = ("id", "fleet") in attrs
        if self._in_fleet and tag == "tr":
            self.rows.append([])
        if self._in_fleet and tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        if tag == "table":
            self._in_fleet = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_html_is_one_self_contained_page(capsys: pytest.CaptureFixture[str], fleet: Path) -> None:
    code, out, _ = run(capsys, "fleet", "check", "--root", str(fleet), "-q", "--format", "html")
    assert code == EXIT_CHECK_FAILED
    page = _Cells()
    page.feed(out)
    assert not page.tags & {"script", "link", "img", "iframe"}
    assert not {"src", "href"} & set(page.attrs)
    assert "http" not in out
    header, *rows = page.rows
    assert header[0] == "repo" and len(rows) == 8
    unowned = next(row for row in rows if row[0] == "etl-unowned")
    assert unowned[7] == "DC108"
    assert unowned[8] == "BREACH: data-centric required, none met"


def test_unknown_declared_stage_breaks_the_policy(tmp_path: Path) -> None:
    repo = tmp_path / "odd"
    repo.mkdir()
    (repo / ".copier-answers.yml").write_text("stage: gold\n_commit: v1.0.0\n")
    git(repo, "init", "--quiet")
    report = check_fleet([repo], jobs=1)
    assert report.repos[0].breaches == ["declares an unknown stage 'gold'"]
    assert report.exit_code == EXIT_CHECK_FAILED


def test_parallel_and_serial_agree(fleet: Path) -> None:
    repos = repos_below(fleet)
    serial = check_fleet(repos, jobs=1).to_dict()
    parallel = check_fleet(repos, jobs=2).to_dict()
    assert serial == parallel


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        pytest.param(["--root", "/no/such/dir"], "--root is not a directory", id="root"),
        pytest.param(["--from", "/no/such/file"], "cannot read --from file", id="from"),
        pytest.param(["--root", ".", "--jobs", "0"], "--jobs must be at least 1", id="jobs"),
        pytest.param(["--root", ".", "--select", "XX9"], "unknown check ID", id="select"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], fragment: str
) -> None:
    (tmp_path / "a").mkdir()
    git(tmp_path / "a", "init", "--quiet")
    argv = [str(tmp_path) if arg == "." else arg for arg in argv]
    code, out, err = run(capsys, "fleet", "check", "-q", *argv)
    assert code == EXIT_USER_ERROR
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_root_or_from_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["fleet", "check"])
    assert exc.value.code == EXIT_USER_ERROR
