"""Forecasting at scale: backtest wall time and peak memory, and batch forecast rows per second.

For each size (series of two years of daily data), a child process of a
generated repo's environment builds a synthetic panel (a level per series,
trend, weekly and yearly seasonality, noise), then runs the repo's own
forecasting code as the pipeline does: the rolling-origin backtest
(``forecast.backtest.backtest``: ``--windows`` folds of ``--horizon`` steps),
a final fit (``Forecaster.fit``) and a batch forecast of the next ``--horizon``
steps of every series (``Forecaster.forecast``). Features are those of the
template's ``forecast:`` defaults. Peak memory is the child's maximum resident
set size (from wait4), panel included.

The package comes from ``--python`` (an interpreter with a generated
model-centric or pipeline-centric repo installed), or else a model-centric repo
is generated and installed into the benchmarks' cached environment.

    python benchmarks/bench_forecast.py [--series 100 1000 10000] [--python PATH]
                                        [--estimator CLASS] [--estimator-params JSON]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _generated import VENV, bench_env, generate_and_install

DAYS = 730

# Run by the generated repo's Python: argv = series, days, horizon, windows, estimator JSON.
WORKER = """
import json, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pandera.pandas as pa
from my_ml_project.forecast.backtest import backtest
from my_ml_project.forecast.model import ForecastSettings, Forecaster, make_regressor
from my_ml_project.forecast.panel import PanelSpec, series_values, to_panel
from my_ml_project.problem import Problem

series, days, horizon, windows = map(int, sys.argv[1:5])
estimator = json.loads(sys.argv[5])
schema = pa.DataFrameSchema({"series": pa.Column(str), "day": pa.Column("datetime64[ns]"),
                             "value": pa.Column(float)})
problem = Problem.from_declaration(
    {"source": "data/raw/bench.csv", "task": "forecasting", "target": "value", "id": None,
     "timestamp": "day", "series": ["series"], "frequency": "D", "horizon": horizon,
     "covariates": [], "positive_class": None, "estimator": estimator}, schema, Path.cwd())
params = {"seed": 0, "featurize": {"fill": "interpolate"}, "forecast": {
    "lags": "auto", "rolling": "auto", "date_features": "auto", "backtest_windows": windows,
    "season_length": None, "keep_last_n": None}}
rng = np.random.default_rng(0)
step = np.arange(days)
level = rng.uniform(10, 100, series)[:, None]
values = (level * (1 + 0.0005 * step) + 0.2 * level * np.sin(2 * np.pi * step / 7)
          + 0.1 * level * np.sin(2 * np.pi * step / 365.25) + rng.normal(0, 1, (series, days)))
rows = pd.DataFrame({
    "series": np.repeat([f"s{i:05d}" for i in range(series)], days),
    "day": np.tile(pd.date_range("2023-01-01", periods=days, freq="D"), series),
    "value": values.ravel(),
})
spec = PanelSpec.from_problem(problem, params)
settings = ForecastSettings.from_params(params, "D")
panel = to_panel(rows, spec)
start = time.perf_counter()
result = backtest(panel, regressor=make_regressor(problem, 0), frequency="D", horizon=horizon,
                  settings=settings, season=7)
backtest_seconds = time.perf_counter() - start
forecaster = Forecaster.fit(panel, regressor=make_regressor(problem, 0), panel_spec=spec,
                            horizon=horizon, settings=settings,
                            series_columns=series_values(rows, spec))
start = time.perf_counter()
forecast = forecaster.forecast()
forecast_seconds = time.perf_counter() - start
print(json.dumps({"rows": len(panel), "backtest_s": backtest_seconds,
                  "forecast_rows": len(forecast), "forecast_s": forecast_seconds,
                  "mase": result.overall["model"]["mase"],
                  "seasonal_naive_mase": result.overall["seasonal_naive"]["mase"]}))
"""


def run_size(python: str, series: int, args: argparse.Namespace, env: dict[str, str]) -> dict:
    """One child process for one size: its figures, wall time and peak RSS."""
    estimator = {"class": args.estimator, "params": json.loads(args.estimator_params)}
    cmd = [python, "-c", WORKER, str(series), str(DAYS), str(args.horizon), str(args.windows),
           json.dumps(estimator)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 gives this child's own peak; the pipes carry a line, so waiting first cannot block.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(err.decode())
        raise SystemExit(f"bench_forecast: the run with {series} series failed")
    figures = json.loads(out.decode().strip().splitlines()[-1])
    figures.update(series=series, wall_s=wall, peak_mib=usage.ru_maxrss / 1024)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="example: python benchmarks/bench_forecast.py --series 100 1000",
    )
    parser.add_argument("--series", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--windows", type=int, default=3, help="backtest folds")
    parser.add_argument("--estimator", default="sklearn.ensemble.HistGradientBoostingRegressor")
    parser.add_argument("--estimator-params", default='{"max_iter": 100}', metavar="JSON")
    parser.add_argument(
        "--python", help="an interpreter with a generated repo installed (default: generate one)"
    )
    args = parser.parse_args()

    env = bench_env()
    with tempfile.TemporaryDirectory() as scratch:
        python = args.python
        if python is None:  # the repo is installed editable: it must outlive the runs
            generate_and_install(Path(scratch) / "repo", "model-centric")
            python = str(VENV / "bin" / "python")
        run_sizes(python, args, env)
    return 0


def run_sizes(python: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    """Print the table: one row per size, as each finishes."""
    print(
        f"{DAYS} daily steps per series, horizon {args.horizon}, {args.windows} backtest folds, "
        f"{args.estimator.rsplit('.', 1)[-1]} {args.estimator_params}"
    )
    header = (
        f"{'series':>7} {'rows':>10} {'backtest s':>11} {'peak MiB':>9} "
        f"{'forecast rows/s':>16} {'MASE':>6} {'seas.naive':>10}"
    )
    print(header)
    for series in args.series:
        f = run_size(python, series, args, env)
        print(
            f"{f['series']:>7} {f['rows']:>10} {f['backtest_s']:>11.1f} {f['peak_mib']:>9.0f} "
            f"{f['forecast_rows'] / f['forecast_s']:>16,.0f} {f['mase']:>6.3f} "
            f"{f['seasonal_naive_mase']:>10.3f}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
