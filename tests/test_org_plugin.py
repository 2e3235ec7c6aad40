"""An organisation's own checks, as a repo-review plugin, run in ``scaffold check``.

The example plugin in ``tests/org_plugin`` is installed (with its entry points,
as a real package) into a throw-away directory; ``scaffold`` runs in a
subprocess that has that directory on its path, so this test process and the
other tests never see the plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import build_file_tree

HERE = Path(__file__).resolve().parent

CATALOG = "metadata:\n  name: churn\nspec:\n  owner: group:acme/data\n"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plugin")
    subprocess.run(
        [
            *(sys.executable, "-m", "uv", "pip", "install", "-q", "--no-deps"),
            *("--target", str(target), str(HERE / "org_plugin")),
        ],
        check=True,
    )
    assert (target / "acme_checks" / "__init__.py").is_file()
    return target


def scaffold(plugin: Path | None, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("SCAFFOLD_PROFILE", None)
    if plugin is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugin), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "scaffold", *argv], capture_output=True, text=True, env=env
    )


def results(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, str]]:
    return {check["id"]: check for check in json.loads(proc.stdout)["checks"]}


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return build_file_tree(
        tmp_path / "good",
        {"CODEOWNERS": "* @acme/data @acme/ml\n", "catalog-info.yaml": CATALOG},
    )


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return build_file_tree(tmp_path / "bad", {"CODEOWNERS": "* @acme/data @someone\n"})


def test_plugin_checks_pass(plugin_path: Path, good: Path) -> None:
    proc = scaffold(plugin_path, "check", str(good), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    found = results(proc)
    assert found["ACME001"]["status"] == "pass"
    assert found["ACME002"]["status"] == "pass"
    assert found["ACME001"]["stage"] == "organisation"


def test_failing_plugin_check_fails_the_check(plugin_path: Path, bad: Path) -> None:
    proc = scaffold(plugin_path, "check", str(bad))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL  ACME001  Listed in the service catalog" in proc.stdout
    assert "owners outside @acme/: @someone" in proc.stdout
    assert "organisation checks failing: ACME001, ACME002" in proc.stdout
    # The plugin's checks never change the stage a repo meets.
    assert "met stage:      none" in proc.stdout


def test_plugin_checks_follow_select_and_ignore(plugin_path: Path, bad: Path) -> None:
    ignored = scaffold(plugin_path, "check", str(bad), "--ignore", "ACME")
    assert ignored.returncode == 0, ignored.stdout
    assert "ACME" not in ignored.stdout
    only = scaffold(plugin_path, "check", str(bad), "--select", "ACME002", "--format", "json")
    assert only.returncode == 1
    assert set(results(only)) == {"ACME002"}


def test_without_the_plugin_there_are_no_organisation_checks(bad: Path) -> None:
    proc = scaffold(None, "check", str(bad), "--format", "json")
    assert proc.returncode == 0
    assert not [check for check in results(proc) if check.startswith("ACME")]


def test_fleet_check_runs_the_plugin(plugin_path: Path, good: Path, bad: Path) -> None:
    for repo in (good, bad):
        subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    proc = scaffold(
        plugin_path,
        *("fleet", "check", "--root", str(good.parent), "--format", "json", "--select", "ACME"),
    )
    assert proc.returncode == 1, proc.stderr
    repos = {repo["name"]: repo for repo in json.loads(proc.stdout)["repos"]}
    assert repos["good"]["breach"] is False
    assert [c["id"] for c in repos["bad"]["failing"]] == ["ACME001", "ACME002"]
    assert repos["bad"]["breaches"] == ["fails organisation checks: ACME001, ACME002"]
    most_failed = json.loads(proc.stdout)["summary"]["most_failed"]
    assert most_failed == [
        {"id": "ACME001", "title": "Listed in the service catalog", "repos": 1},
        {"id": "ACME002", "title": "Code owned by Acme teams", "repos": 1},
    ]
