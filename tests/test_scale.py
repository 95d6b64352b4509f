"""The scale machinery: the all-mechanisms benchmark scenario, per-consumer counter-based draws,
sparse cells and the benchmark's own arithmetic (speed itself is measured by benchmarks/scale.py,
never asserted here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from simcommerce import Market, load_scenario
from simcommerce.mechanisms import REGISTRY
from simcommerce.mechanisms.base import consumer_uniforms
from simcommerce.population import SparseCells

ROOT = Path(__file__).resolve().parents[1]
SCALE = ROOT / "benchmarks" / "scale.py"
ALL = ROOT / "benchmarks" / "all_mechanisms.yaml"


def scale_module():
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCALE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_scale_scenario_switches_every_mechanism_on():
    sc = load_scenario(ALL, overrides=scale_module().scaled_overrides(ALL, 2000))
    off = [name for name in REGISTRY if not sc["mechanisms"][name]["enabled"]]
    assert off == [], f"benchmarks/scale.py must enable every registered mechanism: {off}"


@pytest.mark.slow
def test_the_scale_scenario_runs_every_mechanism_and_balances():
    n = 6000  # at 3,000 a seed can end with no review left standing (few orders, fake ones removed)
    sc = load_scenario(ALL, overrides=scale_module().scaled_overrides(ALL, n))
    assert sc["brands"][0]["policy"]["seeding"]["count"] == 6 and sc["brands"][0]["policy"]["livestream"]["stock"] == 60
    assert sc["mechanisms"]["stickiness"]["half_users"] == n
    m = Market(sc, seed=2)
    m.run()
    last = m.recorder.frames()[0].iloc[-1]
    for metric in ("cum_impressions", "cum_posts", "cum_buzz_aware", "cum_exposures", "cum_orders", "cum_shares",
                   "cum_commission", "cum_commercial_shares", "cum_groups_opened", "cum_live_orders",
                   "cum_fake_reviews", "cum_seeded", "cum_funnel_intent", "n_reviews", "n_heard_news"):
        assert last[metric] > 0, metric
    assert last["money_imbalance"] < 1e-6 * last["cum_gmv"]


def test_slope_fit():
    fit_slope = scale_module().fit_slope
    rows = [{"consumers": n, "day_seconds": [2e-7 * n ** 1.05] * 3} for n in (10_000, 100_000, 1_000_000, 10**7)]
    assert fit_slope(rows) == pytest.approx(1.05)
    assert fit_slope(rows[:2]) is None  # one size from 10^5 up: no slope


# ------------------------------------------------------------------ per-consumer draws


def test_consumer_uniforms_depend_only_on_key_day_slot_and_id():
    ids = np.arange(200_000)
    u = consumer_uniforms(11, 5, 0, ids)
    some = np.random.default_rng(0).choice(ids, 1000, replace=False)
    assert np.array_equal(consumer_uniforms(11, 5, 0, some), u[some])  # any subset, any order
    assert np.array_equal(consumer_uniforms(11, 5, 0, np.array([7, 7])), [u[7], u[7]])
    for other in (consumer_uniforms(12, 5, 0, ids), consumer_uniforms(11, 6, 0, ids), consumer_uniforms(11, 5, 1, ids)):
        assert abs(np.corrcoef(u, other)[0, 1]) < 0.01  # another key, day or slot: independent
        assert not np.array_equal(u, other)


def test_consumer_uniforms_are_uniform():
    u = consumer_uniforms(3, 1, 0, np.arange(400_000))
    assert 0 <= u.min() and u.max() < 1
    counts = np.bincount((u * 20).astype(int), minlength=20)
    chi2 = ((counts - 20_000) ** 2 / 20_000).sum()
    assert chi2 < 45  # 19 degrees of freedom: p ~ 0.001
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01  # neighbouring ids
    assert u.mean() == pytest.approx(0.5, abs=0.002) and u.var() == pytest.approx(1 / 12, abs=0.001)


@pytest.mark.slow
def test_mechanisms_get_distinct_keys_from_seed_and_name():
    sc = load_scenario(ALL, overrides={"population.consumers": 500})
    a, b = Market(sc, seed=4), Market(sc, seed=4)
    keys = {m.name: m.key for m in a.mechanisms}
    assert keys == {m.name: m.key for m in b.mechanisms}
    assert len(set(keys.values())) == len(keys)
    assert Market(sc, seed=5).mechanisms[0].key != a.mechanisms[0].key


# ------------------------------------------------------------------ sparse cells


def test_sparse_cells_behave_like_a_dense_array():
    rng = np.random.default_rng(1)
    dense = np.full((60, 4), -1, dtype=np.int32)
    sparse = SparseCells((60, 4), -1)
    for _ in range(300):
        k = int(rng.integers(1, 12))
        rows = rng.integers(0, 60, k)
        cols = rng.integers(0, 4, k) if rng.random() < 0.5 else int(rng.integers(0, 4))
        vals = rng.integers(-1, 6, k) if rng.random() < 0.7 else int(rng.integers(-1, 6))
        dense[rows, cols] = vals  # repeated cells: the last write wins in both
        sparse[rows, cols] = vals
        r, c = rng.integers(0, 60, 30), rng.integers(0, 4, 30)
        assert np.array_equal(sparse[r, c], dense[r, c])
        assert sparse[5, 2] == dense[5, 2]
    assert len(sparse.keys) == np.count_nonzero(dense != -1)  # only the cells set are stored
    assert np.all(np.diff(sparse.keys) > 0)
