"""Shared pieces of the validation checks: results, scenarios, replications."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..market import Market
from ..scenario import DATA, load_scenario

SCENARIOS = DATA / "validation"  # shipped inside the package (experiments/validation/ in the repository)


@dataclass
class Row:
    """One line of the validation table."""

    check: str
    target: str
    measured: str
    passed: bool
    known_deviation: bool = False  # a published fact the model does not reproduce (documented, not a failure)

    @property
    def status(self) -> str:
        if self.passed:
            return "pass"
        return "not reproduced (documented)" if self.known_deviation else "FAIL"


@dataclass
class Outcome:
    """A check module's rows and figure."""

    title: str
    rows: list[Row] = field(default_factory=list)
    figure: go.Figure | None = None

    @property
    def passed(self) -> bool:
        return all(r.passed or r.known_deviation for r in self.rows)


def validation_scenario(name: str, **overrides) -> dict:
    """A scenario of ``experiments/validation/`` with dotted-key overrides."""
    return load_scenario(SCENARIOS / f"{name}.yaml", overrides=overrides)


def replicate(scenario: dict, seeds, metric: str = "n_customers") -> np.ndarray:
    """(len(seeds), days) array of a market metric."""
    return np.array([market_frame(scenario, s)[metric].to_numpy() for s in seeds])


def market_frame(scenario: dict, seed: int) -> pd.DataFrame:
    m = Market(scenario, seed=seed)
    m.run()
    return m.recorder.frames()[0]


def fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}g}"
