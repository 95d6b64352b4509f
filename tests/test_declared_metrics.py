"""Metrics are declared by the mechanisms: every run writes exactly the declared columns, whatever happens
in it; experiment files are checked against the declarations (no probe run); the store's loader unifies
the runs' schemas and ``compare`` refuses a metric that is not there instead of dropping it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simcommerce import Market, load_scenario
from simcommerce.cli import main
from simcommerce.compare import compare
from simcommerce.experiment import load_experiment
from simcommerce.metrics import declared_columns
from simcommerce.spec import ScenarioError
from simcommerce.store import read_table

from conftest import ROOT, SCENARIOS, run_market

SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + [ROOT / "benchmarks" / "all_mechanisms.yaml"]
IDS = ("day", "brand")


def small(path: Path, **overrides):
    return load_scenario(path, overrides={"population.consumers": 400, "steps": 3, "events": [], **overrides})


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_a_run_writes_exactly_the_declared_columns(path):
    sc = small(path)
    market, brands, _ = run_market(sc, seed=1)
    declared = set(declared_columns(sc))
    assert set(market.columns) - {"day"} == declared
    assert set(brands.columns) - set(IDS) <= declared  # market-only stocks and flows have no brand rows


@pytest.mark.slow
def test_columns_do_not_depend_on_what_happened():
    """Livestream with no brand streaming, or a 1-day run: the same columns as a run where brands stream."""
    live = SCENARIOS / "livestream.yaml"
    streaming = run_market(small(live, steps=8), seed=2)[0]  # sessions on days 4 and 7
    silent = run_market(small(live, steps=8, **{"brands.Glow.policy.livestream.sessions_per_week": 0}), seed=2)[0]
    one_day = run_market(small(live, steps=1), seed=2)[0]
    assert list(streaming.columns) == list(silent.columns) == list(one_day.columns)
    assert "live_conversion" in silent.columns and silent["cum_live_orders"].eq(0).all()
    assert streaming["cum_sessions"].iloc[-1] > 0


def test_deeper_commission_levels_are_declared_from_the_scenario():
    sc = small(SCENARIOS / "baseline.yaml", **{"brands.Glow.policy.referral.rates": [0.1, 0.05, 0.02]})
    cols = declared_columns(sc)
    assert {"new_commission_level_3", "cum_commission_level_3"} <= set(cols)
    assert "new_commission_level_4" not in cols
    assert "cum_in_market" in cols  # a market-only flow has its running total too
    market = Market(sc, seed=3)
    market.run()
    assert "cum_commission_level_3" in market.recorder.frames()[0].columns


EXPERIMENT = """\
name: declared
base: {base}
replications: 2
seed: 5
policies:
  streams: {{population.consumers: 1000, steps: 12}}
  silent: {{population.consumers: 1000, steps: 12, brands.Glow.policy.livestream.sessions_per_week: 0}}
  deep_referral: {{population.consumers: 1000, steps: 12, brands.Glow.policy.referral.rates: [0.2, 0.1, 0.05]}}
metrics: {metrics}
"""


def write(tmp_path, metrics: str, base: Path = SCENARIOS / "livestream.yaml") -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(EXPERIMENT.format(base=base, metrics=metrics))
    return path


def test_experiment_metrics_are_checked_against_declarations_without_a_run(tmp_path, monkeypatch):
    def no_market(*args, **kwargs):
        raise AssertionError("loading an experiment file must not build a market")

    monkeypatch.setattr(Market, "__init__", no_market)
    # cum_share_reach exists in real runs but was refused by the old 1-day, 300-consumer probe
    exp = load_experiment(write(tmp_path, "[cum_share_reach, live_conversion, cum_commission_level_3, days]"))
    assert exp.metrics[0] == "cum_share_reach"
    with pytest.raises(ScenarioError) as err:
        load_experiment(write(tmp_path, "[cum_share_reech]"))
    assert err.value.path == "metrics[0]" and "did you mean 'cum_share_reach'" in str(err.value)
    with pytest.raises(ScenarioError):  # a daily flow is no end-of-run metric
        load_experiment(write(tmp_path, "[new_orders]"))


@pytest.mark.slow
def test_store_unifies_schemas_and_compare_refuses_missing_metrics(tmp_path):
    out = tmp_path / "store"
    exp = write(tmp_path, "[cum_orders, cum_live_orders, live_conversion, cum_commission_level_3]")
    assert main(["experiment", str(exp), "--out", str(out), "--workers", "1"]) == 0
    runs, market = read_table(out, "runs"), read_table(out, "market")
    assert len(runs) == 6 and set(runs["policy"]) == {"streams", "silent", "deep_referral"}
    streams, silent = (runs[runs["policy"] == p] for p in ("streams", "silent"))
    assert (streams["cum_live_orders"] > 0).all() and (silent["cum_live_orders"] == 0).all()
    assert runs["cum_commission_level_3"].notna().all()
    assert (runs.loc[runs["policy"] != "deep_referral", "cum_commission_level_3"] == 0).all()
    assert market["live_conversion"].notna().all()
    _, summary = compare([out], tmp_path / "report.html", reference="silent")
    assert set(summary["metric"]) == {"cum_orders", "cum_live_orders", "live_conversion", "cum_commission_level_3"}
    with pytest.raises(ValueError, match="no_such_metric"):
        compare([out], tmp_path / "report2.html", metrics=["cum_orders", "no_such_metric"])


def test_the_frames_hold_each_days_values_in_day_and_brand_order():
    """The recorder's tables: a flow first tallied on day 3 is 0 before and keeps its running total after, a
    reported NaN is written as 0, brand rows run day by day and brand by brand, and the market row is the sum."""
    from simcommerce.testing import mock_market

    m = mock_market(["checkout"], n=50)
    rec = m.recorder
    nan_report = {"mean_test": (np.array([np.nan, 2.0]), np.nan)}
    m.mechanisms[0].report = lambda market: nan_report  # any mechanism's report: the recorder writes what it gives
    for day in range(1, 6):
        m.day = day
        if day >= 3:
            rec.tally("new_test_flow", np.array([0, 1, 1]), np.array([1.0, 2.0, 0.5 * day]))
        rec.record()
    market, brands = rec.frames()
    assert list(market["day"]) == [1, 2, 3, 4, 5]
    assert list(market["new_test_flow"]) == [0.0, 0.0, 4.5, 5.0, 5.5]
    assert list(market["cum_test_flow"]) == [0.0, 0.0, 4.5, 9.5, 15.0]
    assert list(brands["day"]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(brands["brand"]) == [b.name for b in m.brands] * 5
    assert list(brands["new_test_flow"]) == [0.0, 0.0, 0.0, 0.0, 1.0, 3.5, 1.0, 4.0, 1.0, 4.5]
    assert list(brands["cum_test_flow"])[-2:] == [3.0, 12.0]
    assert list(market["mean_test"]) == [0.0] * 5 and list(brands["mean_test"]) == [0.0, 2.0] * 5
    assert rec.running_total("new_test_flow").tolist() == [3.0, 12.0]
    assert rec.running_total("new_never_tallied").tolist() == [0.0, 0.0]
    assert list(market.columns) == ["day", *sorted(market.columns[1:])]
    assert list(brands.columns) == ["day", "brand", *sorted(brands.columns[2:])]
