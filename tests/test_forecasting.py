"""A forecasting user's own table, through every stage, with zero manual edits.

The table is written here, not taken from the template's sample: hourly
electricity load for two regions x two feeders (two series-ID columns), a
covariate known in advance (the forecast temperature of each hour), six missing
hours in one series, two in another and one reading delivered twice. The user
answers ``task=forecasting``, declares the table with ``contract infer``, and
upgrades data → model → pipeline; at each stage the repo's own tests and
``dvc repro`` pass, and at pipeline-centric ``batch-predict`` forecasts every
series and the service answers ``POST /forecast`` for two of them.

The stages build on each other, so one ``Journey`` walks them in order and each
test asks it to reach the stage it checks (running only what has not run yet).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ANSWERS, Runner, install_generated, make_runner, runner_env
from helpers import commit_all, git, snapshot_template, tree
from serving_probe import http, serving

from scaffold.new import create_repo
from scaffold.upgrade import upgrade_stage

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("forecasting")]
ROOT = Path(__file__).resolve().parents[1]
PKG = "grid_load"

# --- the table -------------------------------------------------------------------------------

START = pd.Timestamp("2024-03-04 00:00")
WEEKS = 8
REGIONS = ("north", "south")
FEEDERS = ("F1", "F2")
TARGET, TIMESTAMP, SERIES, COVARIATE = "load_mw", "reading_hour", ("region", "feeder"), "temp_fc"
# Two series-ID columns, each named by its own flag.
SERIES_FLAGS = ("--series", SERIES[0], "--series", SERIES[1])
KEYS = tuple(f"{region} | {feeder}" for region in REGIONS for feeder in FEEDERS)
# Steps of each series missing after validation: meter outages, and in north | F2
# the hour whose reading arrived twice (which copy is right cannot be told).
MISSING = {"north | F1": 2, "north | F2": 1, "south | F1": 0, "south | F2": 6}


def _temperature(hours: pd.DatetimeIndex, region: str) -> np.ndarray:
    """The forecast temperature of each hour: a daily cycle, a slow spring warming."""
    daily = 4.0 * np.sin(2 * np.pi * (hours.hour - 9) / 24)
    return np.round(8.0 + 3.0 * (region == "south") + daily + 0.05 * hours.dayofyear, 1)


def load_table(seed: int = 11) -> pd.DataFrame:
    """Eight weeks of hourly load per region and feeder, as a meter system exports it."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range(START, periods=WEEKS * 7 * 24, freq="h")
    parts = []
    for r, region in enumerate(REGIONS):
        for f, feeder in enumerate(FEEDERS):
            temperature = _temperature(hours, region)
            daily = np.sin(2 * np.pi * (hours.hour - 7) / 24)
            weekend = np.where(hours.dayofweek >= 5, -0.15, 0.0)
            load = (40.0 + 15.0 * r + 8.0 * f) * (1 + 0.25 * daily + weekend)
            load = load - 0.8 * (temperature - 10) + rng.normal(0, 1.5, len(hours))
            parts.append(
                pd.DataFrame(
                    {
                        TIMESTAMP: hours,
                        "region": region,
                        "feeder": feeder,
                        COVARIATE: temperature,
                        TARGET: load.round(3),
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)
    in_series = {
        key: frame.index[(frame["region"] + " | " + frame["feeder"]) == key] for key in KEYS
    }
    outages = [*in_series["south | F2"][400:406], *in_series["north | F1"][[150, 700]]]
    frame = frame.drop(index=outages)
    frame = pd.concat([frame, frame.loc[[in_series["north | F2"][1000]]]])  # sent twice
    # Ordered by time with the series interleaved, timestamps written as text.
    frame = frame.sort_values([TIMESTAMP, "region", "feeder"], kind="stable")
    return frame.assign(**{TIMESTAMP: frame[TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M")})


def future_covariates(after: pd.Timestamp, horizon: int) -> pd.DataFrame:
    """The temperature forecast of every series for the ``horizon`` hours after ``after``."""
    hours = pd.date_range(after + pd.Timedelta(hours=1), periods=horizon, freq="h")
    parts = [
        pd.DataFrame(
            {
                "region": region,
                "feeder": feeder,
                TIMESTAMP: hours,
                COVARIATE: _temperature(hours, region),
            }
        )
        for region in REGIONS
        for feeder in FEEDERS
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame


# --- the journey -----------------------------------------------------------------------------


PARQUET_TO_CSV = (
    "import sys, pandas as pd; pd.read_parquet(sys.argv[1]).to_csv(sys.argv[2], index=False)"
)


@dataclass
class Journey:
    """One repo walked through the stages; ``reach`` runs the steps not yet run."""

    repo: Path
    venv: Path
    delivered: Path
    frame: pd.DataFrame
    done: list[str] = field(default_factory=list)
    failed: str | None = None

    @property
    def run(self) -> Runner:
        return make_runner(self.repo, self.venv)

    def params(self) -> dict[str, Any]:
        return yaml.safe_load((self.repo / "params.yaml").read_text(encoding="utf-8"))

    def read(self, parquet: str) -> pd.DataFrame:
        """A Parquet file of the repo (read by its own environment, which has pyarrow)."""
        csv = self.delivered.with_name(Path(parquet).stem + ".csv")
        self.run("python", "-c", PARQUET_TO_CSV, parquet, str(csv))
        return pd.read_csv(csv, parse_dates=[TIMESTAMP])

    def horizon(self) -> int:
        return int(self.params()["problem"]["horizon"])

    def reach(self, step: str) -> None:
        if self.failed is not None:
            pytest.fail(f"an earlier step of the journey failed: {self.failed}")
        for name, action in STEPS:
            if name in self.done:
                if name == step:
                    return
                continue
            try:
                action(self)
            except BaseException:
                self.failed = name
                raise
            self.done.append(name)
            if name == step:
                return
        raise AssertionError(f"no step {step!r}")


def _declare(journey: Journey) -> None:
    """``contract infer`` with the forecasting flags, then commit as a user would."""
    result = journey.run(
        PKG,
        "contract",
        "infer",
        str(journey.delivered),
        "--target",
        TARGET,
        "--task",
        "forecasting",
        "--timestamp",
        TIMESTAMP,
        *SERIES_FLAGS,
        "--covariates",
        COVARIATE,
    )
    assert TARGET in result.stdout, result.stdout
    commit_all(journey.repo, "Declare our own table: hourly load per region and feeder")


def _works_at_its_stage(journey: Journey, stage: str, *, hooks: bool = False) -> None:
    """The repo's own tests and its pipeline pass; then the lock file is committed."""
    # From model-centric on, with the `dask` extra: the repo's own test of the
    # switch to a (local) Dask cluster runs instead of skipping.
    extras = ("dev",) if stage == "data-centric" else ("dev", "dask")
    install_generated(journey.repo, journey.venv, extras)
    run = journey.run
    tests = run(
        "python", "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", "-x", timeout=1500
    )
    assert " passed" in tests.stdout and " failed" not in tests.stdout, f"{stage}: {tests.stdout}"
    skipped = [line for line in tests.stdout.splitlines() if line.startswith("SKIPPED")]
    if stage != "data-centric":
        assert not [line for line in skipped if "test_distributed" in line], skipped
    run("dvc", "repro", timeout=1800)
    if hooks:
        run("pre-commit", "run", "--all-files", "--show-diff-on-failure", timeout=1800)
    changed = {
        line.split(maxsplit=1)[1]
        for line in git(journey.repo, "status", "--porcelain").splitlines()
    }
    assert changed <= {"dvc.lock"}, f"{stage}: the pipeline or the hooks changed {changed}"
    commit_all(journey.repo, f"Run the pipeline at {stage}")


def _upgrade_to(stage: str) -> Callable[[Journey], None]:
    def upgrade(journey: Journey) -> None:
        report = upgrade_stage(journey.repo, to=stage)
        assert report.exit_code == 0 and report.conflicted == [], report.to_text()
        git(journey.repo, "merge", "-q", "--ff-only", report.branch)
        _works_at_its_stage(journey, stage, hooks=stage == "pipeline-centric")

    return upgrade


STEPS: list[tuple[str, Callable[[Journey], None]]] = [
    ("declared", _declare),
    ("data-centric", lambda journey: _works_at_its_stage(journey, "data-centric")),
    ("model-centric", _upgrade_to("model-centric")),
    ("pipeline-centric", _upgrade_to("pipeline-centric")),
]


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory, generated_venv: Path) -> Journey:
    base = tmp_path_factory.mktemp("forecasting")
    snapshot = snapshot_template(ROOT, base / "template")
    repo = base / "repo"
    answers = {**ANSWERS, "package_name": PKG, "ci_provider": "github", "task": "forecasting"}
    create_repo(repo, "data-centric", data=answers, defaults=True, template=str(snapshot))
    frame = load_table()
    delivered = base / "delivered" / "grid_load.csv"
    delivered.parent.mkdir()
    frame.to_csv(delivered, index=False)
    install_generated(repo, generated_venv)
    return Journey(repo, generated_venv, delivered, frame)


# --- data-centric ----------------------------------------------------------------------------


def _refused(journey: Journey, table: pd.DataFrame, *flags: str) -> str:
    """Run ``contract infer`` on ``table``; assert it refused in one line and changed nothing."""
    path = journey.delivered.with_name("refused.csv")
    table.to_csv(path, index=False)
    before = tree(journey.repo)
    result = journey.run(
        PKG,
        "contract",
        "infer",
        str(path),
        "--target",
        TARGET,
        "--task",
        "forecasting",
        *flags,
        check=False,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1, result.stderr
    assert tree(journey.repo) == before, "a refused table changed the repo"
    return lines[0]


def test_contract_infer_refuses_what_cannot_be_forecast(journey: Journey) -> None:
    frame = journey.frame
    series = SERIES_FLAGS
    no_time = _refused(journey, frame, *series)
    assert "timestamp" in no_time
    unknown = _refused(journey, frame, "--timestamp", TIMESTAMP, "--series", "substation")
    assert "substation" in unknown
    text_target = frame.assign(**{TARGET: frame[TARGET].map(lambda v: f"{v} MW")})
    assert TARGET in _refused(journey, text_target, "--timestamp", TIMESTAMP, *series)
    # Readings at random moments have no frequency to forecast in steps of.
    rng = np.random.default_rng(0)
    jitter = pd.to_timedelta(rng.integers(0, 3600 * 24 * 5, len(frame)), unit="s")
    irregular = frame.assign(**{TIMESTAMP: (START + jitter).strftime("%Y-%m-%d %H:%M:%S")})
    assert "frequency" in _refused(journey, irregular, "--timestamp", TIMESTAMP, *series)


def test_contract_infer_declares_the_series_frequency_and_covariate(journey: Journey) -> None:
    journey.reach("declared")
    problem = journey.params()["problem"]
    assert problem["task"] == "forecasting"
    assert problem["target"] == TARGET and problem["timestamp"] == TIMESTAMP
    assert list(problem["series"]) == list(SERIES)
    assert problem["frequency"] in {"h", "H"}  # inferred from the readings, gaps and all
    assert list(problem["covariates"]) == [COVARIATE]
    assert isinstance(problem["horizon"], int) and problem["horizon"] >= 1


def test_data_centric_validates_and_splits_per_series(journey: Journey) -> None:
    journey.reach("data-centric")
    repo, horizon = journey.repo, journey.horizon()
    timeseries = json.loads((repo / "data" / "interim" / "validation.json").read_text())[
        "timeseries"
    ]
    assert timeseries["frequency"] == journey.params()["problem"]["frequency"]
    assert timeseries["duplicate_rows"] == 2, timeseries
    missing = {row["series"]: row["missing_steps"] for row in timeseries["per_series"]}
    assert missing == MISSING, timeseries["per_series"]
    train, test = (journey.read(f"data/processed/{split}.parquet") for split in ("train", "test"))
    keys = test[list(SERIES)].astype(str).agg(" | ".join, axis=1)
    # The test set is the last horizon steps of every series, after all of its train rows.
    assert keys.value_counts().to_dict() == dict.fromkeys(KEYS, horizon)
    train_keys = train[list(SERIES)].astype(str).agg(" | ".join, axis=1)
    for key in KEYS:
        assert (
            train.loc[train_keys == key, TIMESTAMP].max() < test.loc[keys == key, TIMESTAMP].min()
        )
    joined = pd.concat([train, test])
    assert not joined.duplicated([*SERIES, TIMESTAMP]).any()
    assert len(joined) == len(journey.frame) - 2  # both copies of the reading sent twice


# --- model-centric ---------------------------------------------------------------------------


def test_model_centric_backtests_on_train_only_against_both_baselines(journey: Journey) -> None:
    journey.reach("model-centric")
    repo, horizon = journey.repo, journey.horizon()
    metrics = json.loads((repo / "reports" / "metrics.json").read_text())
    for name in ("mae", "rmse", "mase", "wape"):
        assert np.isfinite(metrics[name]), metrics
        for baseline in ("naive", "seasonal_naive"):
            assert np.isfinite(metrics["baseline"][f"{baseline}_{name}"]), metrics["baseline"]
    backtest = json.loads((repo / "reports" / "evaluation" / "backtest.json").read_text())
    folds = backtest["folds"]
    assert len(folds) == journey.params()["forecast"]["backtest_windows"]
    # Rolling origin: each fold forecasts the horizon after the previous one, every
    # series, and the last fold ends before the test split (the last horizon hours).
    step = pd.Timedelta(hours=horizon)
    starts = [pd.Timestamp(fold["first_step"]) for fold in folds]
    assert all(later - earlier == step for earlier, later in itertools.pairwise(starts))
    assert all(fold["series"] == len(KEYS) for fold in folds)
    last = pd.Timestamp(journey.frame[TIMESTAMP].max())
    assert pd.Timestamp(folds[-1]["last_step"]) == last - step
    assert set(backtest["overall"]) >= {"model", "naive", "seasonal_naive"}
    assert (repo / "models" / "model.joblib").is_file()
    assert (repo / "reports" / "model_card.md").is_file()


# --- pipeline-centric ------------------------------------------------------------------------


def test_pipeline_centric_forecasts_every_series_in_batch(journey: Journey) -> None:
    journey.reach("pipeline-centric")
    horizon, last = journey.horizon(), pd.Timestamp(journey.frame[TIMESTAMP].max())
    future = journey.delivered.with_name("future.csv")
    future_covariates(last, horizon).to_csv(future, index=False)
    output = journey.delivered.with_name("forecasts.csv")
    journey.run(PKG, "batch-predict", str(output), "--future", str(future))
    forecasts = pd.read_csv(output)
    assert _keys(forecasts).value_counts().to_dict() == dict.fromkeys(KEYS, horizon)
    assert forecasts["prediction"].notna().all()
    # The next hours after the latest reading, the same for every series.
    steps = pd.date_range(last + pd.Timedelta(hours=1), periods=horizon, freq="h")
    for _, forecast in forecasts.groupby(list(SERIES)):
        assert list(pd.to_datetime(forecast[TIMESTAMP])) == list(steps)


def test_pipeline_centric_serves_forecasts_for_two_series(journey: Journey) -> None:
    journey.reach("pipeline-centric")
    horizon, last = journey.horizon(), pd.Timestamp(journey.frame[TIMESTAMP].max())
    south = [{"region": "south", "feeder": feeder} for feeder in FEEDERS]
    north = [{"region": "north", "feeder": feeder} for feeder in FEEDERS]
    # The served model continues its training data, which ends where the test
    # split (the last horizon hours of every series) begins.
    train_end = last - pd.Timedelta(hours=horizon)
    stored = {"series": south, "future": _records(future_covariates(train_end, horizon))}
    # With recent history in the request, the forecast continues that history.
    frame = journey.frame.assign(**{TIMESTAMP: pd.to_datetime(journey.frame[TIMESTAMP])})
    recent = frame[(frame["region"] == "north") & (frame[TIMESTAMP] > last - pd.Timedelta(days=14))]
    given = {
        "series": north,
        "history": _records(recent),
        "future": _records(future_covariates(last, horizon)),
    }
    with serving([PKG, "serve"], journey.repo, runner_env(journey.venv)) as base:
        for request, after in ((stored, train_end), (given, last)):
            status, answer = http("POST", f"{base}/forecast", request)
            assert status == 200, answer
            rows = pd.DataFrame(answer["forecasts"])
            wanted = {f"{s['region']} | {s['feeder']}" for s in request["series"]}
            assert _keys(rows).value_counts().to_dict() == dict.fromkeys(wanted, horizon)
            assert pd.to_datetime(rows[TIMESTAMP]).dt.tz_localize(
                None
            ).min() == after + pd.Timedelta(hours=1)
            assert rows["prediction"].notna().all()
        malformed = [{**row, TARGET: "a lot"} for row in given["history"][:3]]
        status, refused = http("POST", f"{base}/forecast", {**given, "history": malformed})
        assert status == 422, refused


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame[list(SERIES)].astype(str).agg(" | ".join, axis=1)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))
