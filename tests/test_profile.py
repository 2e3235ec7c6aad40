"""The organisation profile: defaults, locked answers, template source, check policy."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from helpers import build_file_tree, git, init_repo, tree

from scaffold.cli import main
from scaffold.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USER_ERROR, UserError
from scaffold.profile import PROFILE_ENV, load_profile, parse_profile

ROOT = Path(__file__).resolve().parents[1]

PROFILE = f"""\
template:
  source: {ROOT}
  version: HEAD
defaults:
  team_data_science: "@acme/data-science"
  python_version: "3.12"
  mlflow_tracking_uri: http://mlflow.acme.internal
locked:
  ci_provider: gitlab
  team_application: "@acme/platform"
policy:
  stage: data-centric
  groups:
    serving:
      stage: pipeline-centric
      repos: ["serve-*", "api-*"]
  repos:
    serve-legacy: model-centric
  ignore: [DC108]
"""


@pytest.fixture(autouse=True)
def no_ambient_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No profile of the machine running the tests applies."""
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def answers_of(repo: Path) -> dict[str, object]:
    return yaml.safe_load((repo / ".copier-answers.yml").read_text())


# --------------------------------------------------------------------------- parsing


def test_policy_stage_per_repo_group_and_default(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path / "p.yml", PROFILE))
    assert profile is not None
    assert profile.required_stage("repos/serve-legacy") == "model-centric"  # repo wins
    assert profile.required_stage("repos/serve-churn") == "pipeline-centric"
    assert profile.required_stage("repos/api-x") == "pipeline-centric"
    assert profile.required_stage("repos/etl") == "data-centric"
    assert profile.group_of("serve-churn") == "serving"
    assert profile.group_of("etl") is None
    assert profile.ignore == ("DC108",)
    assert profile.template_source() == str(ROOT)


def test_relative_template_source_is_taken_from_the_profile_directory(tmp_path: Path) -> None:
    profile = parse_profile({"template": {"source": "../tpl"}}, tmp_path / "org" / "p.yml")
    assert profile.template_source() == str(tmp_path / "tpl")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("- a\n", "the file must be a mapping", id="not-a-mapping"),
        pytest.param("lockd: {}\n", "unknown key 'lockd'", id="unknown-top-key"),
        pytest.param("template: {ref: v1}\n", "unknown key template.ref", id="template-key"),
        pytest.param("locked: [ci_provider]\n", "locked must be a mapping", id="locked-list"),
        pytest.param("defaults: {stage: x}\n", "use policy.stage", id="stage-answer"),
        pytest.param("policy: {stage: gold}\n", "policy.stage is 'gold'", id="bad-stage"),
        pytest.param("policy: {stages: x}\n", "unknown key policy.stages", id="policy-key"),
        pytest.param(
            "policy: {groups: {g: {stage: data-centric}}}\n",
            "policy.groups.g.repos must list",
            id="group-without-repos",
        ),
        pytest.param(
            "policy: {repos: {etl: silver}}\n", "policy.repos.etl is 'silver'", id="repo-stage"
        ),
        pytest.param("policy: {select: 3}\n", "policy.select must be a list", id="select"),
        pytest.param("a: [\n", "is not valid YAML", id="yaml"),
    ],
)
def test_malformed_profile_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, fragment: str
) -> None:
    profile = write(tmp_path / "p.yml", text)
    code, out, err = run(capsys, "check", str(tmp_path), "--profile", str(profile))
    assert code == EXIT_USER_ERROR
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert fragment in err


def test_missing_profile_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="organisation profile not found"):
        load_profile(tmp_path / "absent.yml")


def test_default_locations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert load_profile(None) is None  # nothing configured: no profile
    xdg = write(tmp_path / "xdg" / "scaffold" / "profile.yml", "locked: {ci_provider: gitlab}\n")
    found = load_profile(None)
    assert found is not None and found.path == xdg
    env = write(tmp_path / "env.yml", "locked: {ci_provider: github}\n")
    monkeypatch.setenv(PROFILE_ENV, str(env))
    found = load_profile(None)
    assert found is not None and found.locked == {"ci_provider": "github"}


# --------------------------------------------------------------------------- new


@pytest.fixture(scope="module")
def profiled_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One repo made with the profile (its template and version, defaults, locks)."""
    base = tmp_path_factory.mktemp("profiled")
    profile = write(base / "org" / "profile.yml", PROFILE)
    dest = base / "etl"
    code = main(
        [
            *("new", str(dest), "--stage", "data-centric", "--defaults"),
            *("--profile", str(profile), "-d", "python_version=3.11"),
        ]
    )
    assert code == EXIT_OK
    return dest


def test_new_takes_defaults_locks_and_template_from_the_profile(profiled_repo: Path) -> None:
    answers = answers_of(profiled_repo)
    assert answers["_src_path"] == str(ROOT)
    assert answers["ci_provider"] == "gitlab"  # locked
    assert answers["team_application"] == "@acme/platform"  # locked
    assert answers["team_data_science"] == "@acme/data-science"  # default
    assert answers["python_version"] == "3.11"  # the user's answer beats a default
    # A setting of a later stage is recorded now (copier's `ask:`), for the upgrade.
    assert answers["mlflow_tracking_uri"] == "http://mlflow.acme.internal"
    assert (profiled_repo / ".gitlab-ci.yml").is_file()
    assert not (profiled_repo / ".github" / "workflows").exists()


def test_new_refuses_to_change_a_locked_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    profile = write(tmp_path / "p.yml", PROFILE)
    before = tree(tmp_path)
    code, _, err = run(
        capsys,
        "new",
        str(tmp_path / "repo"),
        "--stage",
        "data-centric",
        "--defaults",
        "--profile",
        str(profile),
        "-d",
        "ci_provider=github",
    )
    assert code == EXIT_USER_ERROR
    assert err.strip() == (
        f"scaffold: error: answer ci_provider=github is locked by the organisation "
        f"profile {profile} to gitlab"
    )
    assert tree(tmp_path) == before


def test_answer_order_and_template_questions(tmp_path: Path) -> None:
    """Giving a locked key its locked value is fine; keys the template does not ask drop."""
    profile = write(tmp_path / "p.yml", PROFILE)
    assert load_profile(None) is None
    loaded = load_profile(profile)
    assert loaded is not None
    assert loaded.answers({"ci_provider": "gitlab"})["ci_provider"] == "gitlab"
    merged = loaded.answers({}, questions=["ci_provider", "team_data_science"])
    assert merged == {"ci_provider": "gitlab", "team_data_science": "@acme/data-science"}


# --------------------------------------------------------------------------- check


def test_check_reports_a_changed_locked_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, profiled_repo: Path
) -> None:
    profile = write(tmp_path / "p.yml", PROFILE)
    code, out, _ = run(capsys, "check", str(profiled_repo), "--profile", str(profile))
    assert code == EXIT_OK, out
    assert "PASS  locked:ci_provider" in out
    assert "DC108" not in out  # the profile's ignore applies

    other = write(tmp_path / "q.yml", PROFILE.replace("ci_provider: gitlab", "ci_provider: github"))
    code, out, _ = run(
        capsys, "check", str(profiled_repo), "--profile", str(other), "--format", "json"
    )
    assert code == EXIT_CHECK_FAILED
    report = yaml.safe_load(out)
    assert report["declared_stage_met"] is True  # the stage is met; the lock is not
    locked = [c for c in report["checks"] if c["id"] == "locked:ci_provider"]
    assert locked[0]["status"] == "fail"
    assert locked[0]["message"] == (
        "ci_provider is gitlab; the organisation profile locks it to github"
    )


def test_check_options_override_the_profile_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, profiled_repo: Path
) -> None:
    profile = write(tmp_path / "p.yml", PROFILE)
    code, out, _ = run(
        capsys, "check", str(profiled_repo), "--profile", str(profile), "--select", "DC108"
    )
    assert code == EXIT_OK
    assert "DC108" in out and "DC101" not in out


# --------------------------------------------------------------------------- adopt


def test_adopt_applies_locks_and_refuses_a_contradiction(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = build_file_tree(
        tmp_path / "legacy",
        {"pyproject.toml": '[project]\nname = "legacy"\nversion = "0.1"\n', "README.md": "# x\n"},
    )
    init_repo(repo)
    profile = write(tmp_path / "p.yml", PROFILE)
    before = tree(repo)
    code, out, err = run(
        capsys, "adopt", str(repo), "--stage", "data-centric", "--profile", str(profile)
    )
    assert code == EXIT_OK, err
    assert "ci_provider=gitlab" in out
    shown = git(repo, "show", "scaffold/adopt-data-centric:.copier-answers.yml")
    assert "ci_provider: gitlab" in shown and "team_data_science: '@acme/data-science'" in shown

    git(repo, "branch", "-D", "scaffold/adopt-data-centric")
    code, _, err = run(
        capsys,
        "adopt",
        str(repo),
        "--stage",
        "data-centric",
        "--profile",
        str(profile),
        "-d",
        "team_application=@someone/else",
    )
    assert code == EXIT_USER_ERROR
    assert "team_application=@someone/else is locked" in err
    assert tree(repo) == before
