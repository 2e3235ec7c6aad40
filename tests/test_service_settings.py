"""Shared-service settings: copier answers that reach every file reading them.

The four answers (``dvc_remote_url``, ``mlflow_tracking_uri``, ``image_registry``,
``prefect_api_url``) are empty by default (local services); set, they are
wired into ``.dvc/config``, the tracking code, CI, the k8s Deployment and
``prefect.yaml``, survive stage upgrades, come from an organisation profile,
and ``scaffold check`` verifies that the files agree with them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from check_cases import case_tests, mod, parse_yaml
from conftest import ANSWERS, ROOT
from helpers import git, snapshot_template, tree

from scaffold.check import check_repo
from scaffold.cli import main
from scaffold.errors import EXIT_OK, EXIT_USER_ERROR
from scaffold.new import create_repo
from scaffold.profile import PROFILE_ENV
from scaffold.upgrade import upgrade_stage

TRACKING = "https://mlflow.acme.internal"
REMOTE = "s3://acme-ml-data/dvc"
REGISTRY = "registry.acme.internal/ml"
PREFECT = "https://prefect.acme.internal/api"
SHARED = {
    "mlflow_tracking_uri": TRACKING,
    "dvc_remote_url": REMOTE,
    "image_registry": REGISTRY,
    "prefect_api_url": PREFECT,
}
PKG = ANSWERS["package_name"]
# GitHub expressions `${{ ... }}` are the only braces allowed to survive rendering.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%")
DASHED = PKG.replace("_", "-")


@pytest.fixture(autouse=True)
def no_ambient_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(ROOT, tmp_path_factory.mktemp("snapshot") / "template")


def create(template: Path, stage: str, dest: Path, **answers: str) -> Path:
    data = {**ANSWERS, "ci_provider": "github", **answers}
    create_repo(dest, stage, data=data, defaults=True, template=str(template), vcs_ref="HEAD")
    return dest


def answers_of(repo: Path) -> dict[str, object]:
    return yaml.safe_load((repo / ".copier-answers.yml").read_text())


def read(repo: Path, path: str) -> str:
    return (repo / path).read_text(encoding="utf-8")


def failing(repo: Path) -> dict[str, str]:
    return {r.id: r.message for r in check_repo(repo).results if r.status == "fail"}


# --------------------------------------------------------------------------- questions


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("dvc_remote_url", "relative/path", id="remote-relative-path"),
        pytest.param("dvc_remote_url", "s3://bucket with space", id="remote-space"),
        pytest.param("mlflow_tracking_uri", "mlflow.acme.internal", id="tracking-no-scheme"),
        pytest.param("mlflow_tracking_uri", 'https://a"b', id="tracking-quote"),
        pytest.param("image_registry", "https://registry.acme/ml", id="registry-scheme"),
        pytest.param("prefect_api_url", "ftp://prefect/api", id="prefect-not-http"),
    ],
)
def test_a_malformed_setting_is_refused_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, value: str
) -> None:
    before = tree(tmp_path)
    code = main(
        [
            *("new", str(tmp_path / "repo"), "--stage", "pipeline-centric", "--defaults"),
            *("--template", str(ROOT), "--vcs-ref", "HEAD", "-d", f"{key}={value}"),
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert len(err.strip().splitlines()) == 1 and key in err, err
    assert tree(tmp_path) == before


def test_empty_settings_keep_the_local_defaults(snapshot: Path, tmp_path: Path) -> None:
    repo = create(snapshot, "pipeline-centric", tmp_path / "repo")
    assert {key: answers_of(repo)[key] for key in SHARED} == dict.fromkeys(SHARED, "")
    dvc = read(repo, ".dvc/config")
    assert "remote = local" in dvc and f"url = ../../{PKG}-dvc-remote" in dvc
    tracking = read(repo, f"src/{PKG}/models/tracking.py")
    assert 'SHARED_TRACKING_URI = ""' in tracking
    deployment = read(repo, "deploy/k8s/deployment.yaml")
    assert f"image: {DASHED}:latest" in deployment
    assert "MLFLOW_TRACKING_URI" not in yaml.safe_dump(yaml.safe_load(deployment)["spec"])
    cd = read(repo, ".github/workflows/cd.yml")
    assert "MLFLOW_TRACKING_URI: ${{ vars.MLFLOW_TRACKING_URI }}" in cd
    assert 'image="ghcr.io/${GITHUB_REPOSITORY,,}"' in cd
    assert failing(repo) == {}


# --------------------------------------------------------------------------- wiring


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_set_settings_reach_every_file_and_check_passes(
    snapshot: Path, tmp_path: Path, ci: str
) -> None:
    repo = create(
        snapshot,
        "pipeline-centric",
        tmp_path / "repo",
        ci_provider=ci,
        orchestrator="prefect",
        **SHARED,
    )
    assert {key: answers_of(repo)[key] for key in SHARED} == SHARED
    leftovers = [
        name
        for name, content in tree(repo).items()
        if LEFTOVER_JINJA.search(content.decode("utf-8", "replace"))
    ]
    assert leftovers == []
    assert "remote = storage\n    analytics = false" in read(repo, ".dvc/config")
    assert f"url = {REMOTE}" in read(repo, ".dvc/config")
    assert f'SHARED_TRACKING_URI = "{TRACKING}"' in read(repo, f"src/{PKG}/models/tracking.py")
    deployment = yaml.safe_load(read(repo, "deploy/k8s/deployment.yaml"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"{REGISTRY}/{DASHED}:latest"
    assert {"name": "MLFLOW_TRACKING_URI", "value": TRACKING} in container["env"]
    assert f"export PREFECT_API_URL={PREFECT}" in read(repo, "prefect.yaml")
    readme = read(repo, "README.md")
    for key, value in SHARED.items():
        assert re.search(rf"\| `{key}` \|[^\n]*\| `{re.escape(value)}` \|", readme), key
    if ci == "github":
        cd = read(repo, ".github/workflows/cd.yml")
        assert f"${{{{ vars.MLFLOW_TRACKING_URI || '{TRACKING}' }}}}" in cd
        assert f"${{{{ vars.IMAGE_REGISTRY || '{REGISTRY}' }}}}" in cd
        assert f"${{{{ vars.PREFECT_API_URL || '{PREFECT}' }}}}" in cd
        retrain = read(repo, ".github/workflows/retrain.yml")
        assert f"${{{{ vars.MLFLOW_TRACKING_URI || '{TRACKING}' }}}}" in retrain
    else:
        variables = yaml.safe_load(read(repo, ".gitlab-ci.yml"))["variables"]
        assert variables["MLFLOW_TRACKING_URI"] == TRACKING
        assert variables["IMAGE_REGISTRY"] == REGISTRY
        assert variables["PREFECT_API_URL"] == PREFECT
    assert failing(repo) == {}


def test_a_file_that_disagrees_with_the_answers_fails_check(snapshot: Path, tmp_path: Path) -> None:
    repo = create(snapshot, "pipeline-centric", tmp_path / "repo", ci_provider="gitlab", **SHARED)
    for path, old, new in [
        (".dvc/config", REMOTE, "s3://elsewhere/dvc"),
        (".gitlab-ci.yml", f'IMAGE_REGISTRY: "{REGISTRY}"', 'IMAGE_REGISTRY: "other.io/ml"'),
        ("deploy/k8s/deployment.yaml", f'value: "{TRACKING}"', 'value: "http://old:5000"'),
        (f"src/{PKG}/models/tracking.py", f'"{TRACKING}"', '"http://old:5000"'),
    ]:
        text = read(repo, path)
        assert old in text, path
        (repo / path).write_text(text.replace(old, new), encoding="utf-8")
    failed = failing(repo)
    assert set(failed) == {"DC151", "MC251", "PC351", "PC352"}
    assert "`s3://elsewhere/dvc`; the answer `dvc_remote_url` is" in failed["DC151"]
    assert "`http://old:5000`" in failed["MC251"]
    assert "`IMAGE_REGISTRY` to `other.io/ml`" in failed["PC351"]
    assert "`MLFLOW_TRACKING_URI` to `http://old:5000`" in failed["PC352"]


# --------------------------------------------------------------------------- upgrades


def test_answers_given_at_data_centric_survive_every_upgrade(
    snapshot: Path, tmp_path: Path
) -> None:
    """Settings a later stage asks are recorded early and reach that stage's files."""
    repo = create(snapshot, "data-centric", tmp_path / "repo", **SHARED)
    assert {key: answers_of(repo)[key] for key in SHARED} == SHARED
    assert f"url = {REMOTE}" in read(repo, ".dvc/config")
    for stage in ("model-centric", "pipeline-centric"):
        report = upgrade_stage(repo, to=stage)
        assert report.exit_code == 0, report.to_text()
        git(repo, "checkout", "-q", report.branch)
        assert {key: answers_of(repo)[key] for key in SHARED} == SHARED, stage
        assert f'SHARED_TRACKING_URI = "{TRACKING}"' in read(repo, f"src/{PKG}/models/tracking.py")
    deployment = read(repo, "deploy/k8s/deployment.yaml")
    assert f"image: {REGISTRY}/{DASHED}:latest" in deployment
    assert failing(repo) == {}


# --------------------------------------------------------------------------- profile


def readme_profile(template: Path) -> str:
    """The example profile of this project's README, pointed at ``template``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### The organisation profile", 1)[1]
    profile = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])
    profile["template"] = {"source": str(template), "version": "HEAD"}
    return yaml.safe_dump(profile)


def test_the_readme_profile_sets_the_services_and_check_passes(
    capsys: pytest.CaptureFixture[str], snapshot: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.yml"
    profile.write_text(readme_profile(snapshot), encoding="utf-8")
    defaults = yaml.safe_load(profile.read_text())["defaults"]
    repo = tmp_path / "serve-churn"
    code = main(
        ["new", str(repo), "--stage", "pipeline-centric", "--defaults", "--profile", str(profile)]
    )
    assert code == EXIT_OK, capsys.readouterr().err
    assert f"url = {defaults['dvc_remote_url']}" in read(repo, ".dvc/config")
    package = answers_of(repo)["package_name"]
    assert f'SHARED_TRACKING_URI = "{defaults["mlflow_tracking_uri"]}"' in read(
        repo, f"src/{package}/models/tracking.py"
    )
    gitlab = yaml.safe_load(read(repo, ".gitlab-ci.yml"))  # the profile locks GitLab
    assert gitlab["variables"]["MLFLOW_TRACKING_URI"] == defaults["mlflow_tracking_uri"]
    assert gitlab["variables"]["IMAGE_REGISTRY"] == defaults["image_registry"]
    assert f"image: {defaults['image_registry']}/{str(package).replace('_', '-')}:latest" in read(
        repo, "deploy/k8s/deployment.yaml"
    )
    capsys.readouterr()
    code = main(["check", str(repo), "--profile", str(profile), "--select", "DC,MC,PC"])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    for check in ("DC151", "MC251", "PC351", "PC352"):
        assert f"PASS  {check}" in out


def test_a_locked_remote_cannot_be_overridden(
    capsys: pytest.CaptureFixture[str], snapshot: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.yml"
    profile.write_text(
        yaml.safe_dump(
            {"template": {"source": str(snapshot)}, "locked": {"dvc_remote_url": REMOTE}}
        )
    )
    before = tree(tmp_path)
    code = main(
        [
            *("new", str(tmp_path / "repo"), "--stage", "data-centric", "--defaults"),
            *("--profile", str(profile), "-d", "dvc_remote_url=s3://my-own/dvc"),
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert err.strip() == (
        f"scaffold: error: answer dvc_remote_url=s3://my-own/dvc is locked by the "
        f"organisation profile {profile} to {REMOTE}"
    )
    assert tree(tmp_path) == before


# --------------------------------------------------------------------------- checks

DVC_SHARED = {
    "core": {"remote": "storage"},
    'remote "storage"': {"url": REMOTE},
    'remote "local"': {"url": "../../x-dvc-remote"},
}
TRACKING_MODULE = mod(
    f"src/{PKG}/models/tracking.py",
    imports={"mlflow"},
    strings={"MLFLOW_TRACKING_URI", TRACKING},
)
GITHUB_CD = parse_yaml(
    f"""
    env:
      MLFLOW_TRACKING_URI: ${{{{ vars.MLFLOW_TRACKING_URI || '{TRACKING}' }}}}
      IMAGE_REGISTRY: ${{{{ vars.IMAGE_REGISTRY || '{REGISTRY}' }}}}
    jobs:
      flows:
        env:
          PREFECT_API_URL: ${{{{ vars.PREFECT_API_URL || '{PREFECT}' }}}}
    """
)
DEPLOYMENT = parse_yaml(
    f"""
    kind: Deployment
    spec:
      template:
        spec:
          containers:
            - name: app
              image: {REGISTRY}/app:latest
              env:
                - name: MLFLOW_TRACKING_URI
                  value: {TRACKING}
    """
)
ALL_ANSWERS = {"copier_answers": {**SHARED, "orchestrator": "prefect"}}
NO_ANSWERS = {"copier_answers": dict.fromkeys(SHARED, "")}

PASSING = [
    ("DC151", "shared-default", {**ALL_ANSWERS, "dvc_config": DVC_SHARED}),
    ("DC151", "local", {**NO_ANSWERS, "dvc_config": {"core": {"remote": "local"}}}),
    ("MC251", "falls-back-to-answer", {**ALL_ANSWERS, "python_modules": dict([TRACKING_MODULE])}),
    ("MC251", "local", {**NO_ANSWERS, "python_modules": {}}),
    ("PC351", "github-fallbacks", {**ALL_ANSWERS, "ci_configs": {"cd.yml": GITHUB_CD}}),
    (
        "PC351",
        "gitlab-variables",
        {
            **ALL_ANSWERS,
            "ci_configs": {
                ".gitlab-ci.yml": {
                    "variables": {
                        "MLFLOW_TRACKING_URI": TRACKING,
                        "IMAGE_REGISTRY": REGISTRY,
                        "PREFECT_API_URL": PREFECT,
                    }
                }
            },
        },
    ),
    ("PC351", "local", {**NO_ANSWERS, "ci_configs": {}}),
    (
        "PC351",
        "prefect-url-kept-for-later",
        {"copier_answers": {"prefect_api_url": PREFECT, "orchestrator": "dvc"}, "ci_configs": {}},
    ),
    ("PC352", "image-and-env", {**ALL_ANSWERS, "deploy_manifests": {"d.yaml": [DEPLOYMENT]}}),
]

FAILING = [
    ("DC151", "local-default", {**ALL_ANSWERS, "dvc_config": {"core": {"remote": "local"}}}),
    ("DC151", "no-config", {**ALL_ANSWERS, "dvc_config": None}),
    (
        "MC251",
        "other-server",
        {
            **ALL_ANSWERS,
            "python_modules": dict(
                [
                    TRACKING_MODULE,
                    mod("src/x/train.py", imports={"mlflow"}, strings={"http://mlflow.old:5000"}),
                ]
            ),
        },
    ),
    (
        "MC251",
        "no-fallback",
        {
            **ALL_ANSWERS,
            "python_modules": dict(
                [mod("src/x/tracking.py", imports={"mlflow"}, strings={"MLFLOW_TRACKING_URI"})]
            ),
        },
    ),
    (
        "PC351",
        "no-fallback",
        {
            **ALL_ANSWERS,
            "ci_configs": {"cd.yml": {"env": {"MLFLOW_TRACKING_URI": "${{ vars.X }}"}}},
        },
    ),
    ("PC351", "unset", {**ALL_ANSWERS, "ci_configs": {}}),
    (
        "PC352",
        "other-registry",
        {
            **ALL_ANSWERS,
            "deploy_manifests": {
                "d.yaml": [parse_yaml(yaml.safe_dump(DEPLOYMENT).replace(REGISTRY, "ghcr.io/x"))]
            },
        },
    ),
]

test_check_passes, test_check_fails_with_a_message = case_tests(PASSING, FAILING)
