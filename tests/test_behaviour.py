"""Behaviour over 5 seeds: direction and size of the core effects (paired seeds: common random numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SEEDS, run_market, scenario

N, DAYS = 4000, 90


def ends(overrides: dict, metrics: list[str], name: str = "baseline") -> dict[str, np.ndarray]:
    sc = scenario(name, **{"population.consumers": N, "steps": DAYS, **overrides})
    rows = [run_market(sc, s)[0].iloc[-1] for s in SEEDS]
    return {m: np.array([r.get(m, 0.0) for r in rows]) for m in metrics}


@pytest.mark.slow
def test_more_ad_impressions_more_awareness_and_orders():
    metrics = ["n_aware", "cum_orders"]
    low = ends({"brands.Glow.policy.ads.impressions_per_day": 500}, metrics)
    high = ends({"brands.Glow.policy.ads.impressions_per_day": 3000}, metrics)
    assert (high["n_aware"] > low["n_aware"]).all()
    assert (high["cum_orders"] > low["cum_orders"]).all()
    assert high["n_aware"].mean() > 1.3 * low["n_aware"].mean()
    assert high["cum_orders"].mean() > 1.3 * low["cum_orders"].mean()


@pytest.mark.slow
def test_no_marketing_almost_no_market():
    none = ends({"brands.Glow.policy.ads.impressions_per_day": 0,
                 "brands.Glow.policy.influencer_posts.sponsored": 0}, ["n_aware", "cum_orders"])
    assert none["n_aware"].max() == 0 and none["cum_orders"].max() == 0


@pytest.mark.slow
def test_referral_commission_more_shares_and_referral_orders():
    metrics = ["cum_shares", "cum_referral_orders", "cum_commission"]
    off = ends({}, metrics)
    on = ends({"brands.Glow.policy.referral.rates": 0.1}, metrics)
    assert off["cum_referral_orders"].max() == 0 and off["cum_commission"].max() == 0
    assert (on["cum_shares"] > off["cum_shares"]).all()
    assert on["cum_shares"].mean() > 1.25 * off["cum_shares"].mean()
    assert (on["cum_referral_orders"] >= 10).all()
    assert (on["cum_commission"] > 0).all()


@pytest.mark.slow
def test_quality_scandal_trust_and_orders_fall_then_partly_recover():
    """Against the same seeds without the event (common random numbers)."""
    # the shipped scenario's ad pressure (20,000 impressions a day for 20,000 consumers) kept at N consumers: half
    # the CPU of 20,000 impressions for N. Seeds 1-10 (2026-12-04): trust drop 0.197-0.204 (> 0.1), late/drop
    # 0.33-0.34 (< 0.6), orders early 0.76 (seeds 1-5) and 0.73 (6-10) (< 0.85), late 0.96 and 0.95 (< 1, and
    # > early + 0.05 by 0.20 and 0.22); with 20,000 impressions: 0.20, 0.33, 0.78, 0.96
    ads = {"population.consumers": N, "brands.Glow.policy.ads.impressions_per_day": N}
    sc = scenario("quality_scandal", **ads)
    clean = scenario("quality_scandal", **ads, events=[])
    day = sc["events"][0]["day"]
    gaps = []
    for s in SEEDS:
        a = run_market(sc, s)[0].set_index("day")
        b = run_market(clean, s)[0].set_index("day")
        # identical before the scandal: the event draws from the trust stream only
        assert a.loc[: day - 1].equals(b.loc[: day - 1])
        trust_drop = b.loc[day + 5, "mean_trust"] - a.loc[day + 5, "mean_trust"]
        trust_late = b.loc[day + 350, "mean_trust"] - a.loc[day + 350, "mean_trust"]
        orders_early = a.loc[day + 1: day + 30, "new_orders"].sum() / b.loc[day + 1: day + 30, "new_orders"].sum()
        orders_late = a.loc[day + 300: day + 360, "new_orders"].sum() / b.loc[day + 300: day + 360,
                                                                                "new_orders"].sum()
        gaps.append((trust_drop, trust_late, orders_early, orders_late))
    trust_drop, trust_late, orders_early, orders_late = np.array(gaps).T
    assert (trust_drop > 0.1).all()  # trust falls sharply
    assert (trust_late > 0).all() and (trust_late < 0.6 * trust_drop).all()  # recovers, partly
    assert orders_early.mean() < 0.85  # daily orders fall
    assert orders_late.mean() > orders_early.mean() + 0.05  # and recover part of the loss
    assert orders_late.mean() < 1.0


@pytest.mark.slow
def test_higher_quality_higher_ratings():
    metrics = ["mean_rating", "n_rating_1"]
    low = ends({"brands.Glow.products.serum.quality": 0.5}, metrics)
    high = ends({"brands.Glow.products.serum.quality": 0.9}, metrics)
    assert (high["mean_rating"] > low["mean_rating"] + 1.0).all()


@pytest.mark.slow
def test_ratings_are_j_shaped():
    stars = ends({}, [f"n_rating_{k}" for k in range(1, 6)])
    n1, n2, n3, n4, n5 = (stars[f"n_rating_{k}"].sum() for k in range(1, 6))
    assert n5 > n4 > n3 and n5 > n1  # most reviews are 5 stars
    assert n1 > n2 and n1 > n3  # more 1s than 2s or 3s: the J
