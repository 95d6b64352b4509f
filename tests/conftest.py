"""Shared helpers: small markets run over several seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simcommerce import Market, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SEEDS = (1, 2, 3, 4, 5)


def scenario(name: str = "baseline", **overrides) -> dict:
    """A shipped scenario with dotted-key overrides (``population__consumers`` style is not used)."""
    return load_scenario(SCENARIOS / f"{name}.yaml", overrides=overrides)


def run_market(sc: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, Market]:
    m = Market(sc, seed=seed)
    m.run()
    market, brands = m.recorder.frames()
    return market, brands, m


def final(sc: dict, metric: str, seeds=SEEDS) -> np.ndarray:
    """End-of-run market value of ``metric`` for each seed."""
    return np.array([run_market(sc, s)[0].iloc[-1][metric] for s in seeds])


@pytest.fixture
def small():
    """The baseline shrunk to 3,000 consumers and 60 days."""
    return lambda **ov: scenario("baseline", **{"population.consumers": 3000, "steps": 60, **ov})
