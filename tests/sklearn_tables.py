"""Real tables that scikit-learn ships, shaped the way a user would deliver them.

Used by the bring-your-own-data tests and benchmark: a binary table with an ID
column, a multiclass table with text labels, and a regression table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


def _breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "benign"})
    # An ID column, as delivered tables have: it must not become a feature.
    frame.insert(0, "case_id", [f"case-{i:04d}" for i in range(len(frame))])
    return frame


def _wine() -> pd.DataFrame:
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    labels = {0: "cultivar_a", 1: "cultivar_b", 2: "cultivar_c"}
    return frame.assign(cultivar=frame.pop("target").map(labels))


def _diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    return frame.rename(columns={"target": "progression"})


@dataclass(frozen=True)
class Table:
    name: str
    load: Callable[[], pd.DataFrame]
    task: str
    target: str
    id: str | None
    ci: str  # CI providers alternate across tables instead of multiplying runs

    def infer_args(self, csv: Path) -> list[str]:
        args = ["contract", "infer", str(csv), "--target", self.target, "--task", self.task]
        return [*args, "--id", self.id] if self.id else args


TABLES = [
    Table("breast_cancer", _breast_cancer, "binary", "benign", "case_id", "github"),
    Table("wine", _wine, "multiclass", "cultivar", None, "gitlab"),
    Table("diabetes", _diabetes, "regression", "progression", None, "github"),
]
