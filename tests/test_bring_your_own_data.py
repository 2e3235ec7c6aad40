"""A user's own table, through every stage: `contract infer`, then upgrade data → model → pipeline.

The tables are real ones that scikit-learn ships (binary, multiclass with text
labels, regression). Nothing in the generated repo is edited by hand: after
`contract infer` and after each `scaffold upgrade`, the repo's own tests, its
pipeline and its pre-commit hooks must pass, and at pipeline-centric a real
server answers a row of the table and refuses a row that breaks the contract.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ANSWERS, install_generated, make_runner, runner_env
from helpers import commit_all, git, snapshot_template
from serving_probe import broken_record, http, request_example, serving
from sklearn_tables import TABLES, Table

from scaffold.new import create_repo
from scaffold.upgrade import upgrade_stage

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PKG = "own_table"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(ROOT, tmp_path_factory.mktemp("snapshot") / "template")


def _works_at_its_stage(repo: Path, venv: Path, stage: str) -> None:
    """The repo's own tests, its pipeline and its hooks pass; then the lock file is committed."""
    install_generated(repo, venv)
    run = make_runner(repo, venv)
    tests = run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", timeout=1500)
    assert " passed" in tests.stdout and " failed" not in tests.stdout, f"{stage}: {tests.stdout}"
    run("dvc", "repro", timeout=1800)
    run("pre-commit", "run", "--all-files", "--show-diff-on-failure", timeout=1800)
    changed = {
        line.split(maxsplit=1)[1] for line in git(repo, "status", "--porcelain").splitlines()
    }
    assert changed <= {"dvc.lock"}, f"{stage}: the pipeline or the hooks changed {changed}"
    commit_all(repo, f"Run the pipeline at {stage}")


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_own_table_upgrades_through_every_stage_with_no_edits(
    table: Table, snapshot: Path, tmp_path: Path, generated_venv: Path
) -> None:
    repo = tmp_path / "repo"
    answers = {**ANSWERS, "package_name": PKG, "ci_provider": table.ci}
    create_repo(repo, "data-centric", data=answers, defaults=True, template=str(snapshot))
    frame = table.load()
    delivered = tmp_path / "delivered" / f"{table.name}.csv"
    delivered.parent.mkdir()
    frame.to_csv(delivered, index=False)

    install_generated(repo, generated_venv)
    run = make_runner(repo, generated_venv)
    inferred = run(PKG, *table.infer_args(delivered))
    assert table.target in inferred.stdout
    commit_all(repo, f"Declare our own table: {table.name}")
    _works_at_its_stage(repo, generated_venv, "data-centric")

    for stage in ("model-centric", "pipeline-centric"):
        report = upgrade_stage(repo, to=stage)
        assert report.exit_code == 0 and report.conflicted == [], report.to_text()
        git(repo, "merge", "-q", "--ff-only", report.branch)
        _works_at_its_stage(repo, generated_venv, stage)

    with serving([PKG, "serve"], repo, runner_env(generated_venv)) as base:
        _, openapi = http("GET", f"{base}/openapi.json")
        example = request_example(openapi)
        # The advertised example is a row of this table, not of the sample.
        assert set(example) - {table.id} <= set(frame.columns) - {table.target}
        status, answer = http("POST", f"{base}/predict", example)
        assert status == 200, answer
        row = json.loads(frame.drop(columns=[table.target]).iloc[[0]].to_json(orient="records"))[0]
        status, answer = http("POST", f"{base}/predict", row)
        assert status == 200, answer
        status, refused = http("POST", f"{base}/predict", broken_record(openapi))
        assert status == 422, refused
