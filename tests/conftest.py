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


# The longest files first: under `-n 2 --dist loadfile` (the README's command) a file runs on one worker, so one
# that starts last would run alone at the end; longest first, each worker taking the next file when it is free,
# keeps the two busy to the end. Ranked by the summed --durations of each file (2026-12-04, -n 2, loaded
# machine); validate --quick's checks are in three files (test_validation_quick_*.py) so that they spread.
LONGEST_FIRST = ("test_validation_quick_trust.py", "test_dashboard.py", "test_marketing.py",
                 "test_naive_reference.py", "test_calibration.py", "test_experiment.py", "test_behaviour.py",
                 "test_business_models.py", "test_scenarios.py", "test_stickiness.py",
                 "test_validation_quick_cascades.py", "test_wheel.py", "test_group_buying.py",
                 "test_validation_quick_diffusion.py", "test_results.py", "test_network_scale.py", "test_optimize.py",
                 "test_compare.py", "test_distribution.py", "test_livestream.py", "test_serum.py")


def pytest_configure(config):
    # pytest-xdist's loadfile otherwise reorders the files by their number of tests (--loadscope-reorder, on by
    # default), which undoes LONGEST_FIRST: the two-test wheel file used to start last and run alone for minutes
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
