"""What marketing costs and what it buys: spend shares of revenue in the shipped scenarios, wear-out of
repeated ad impressions, the frequency cap, targeting against random delivery, and opt-outs after a
privacy breach."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import ROOT, run_market, scenario
from simcommerce import Market

sys.path.insert(0, str(ROOT / "scripts"))
from marketing_share import SHIPPED, shares  # noqa: E402

# Deliberate exceptions (docs/model.md, "What marketing costs"): the same campaign as InApp's sells
# through a funnel that keeps 42% of buyers, so Redirect pays ~2.5x as much per unit of revenue; in the
# 30-day scale benchmark Rival's external shop sells a handful of units (its share is noise).
EXCEPTIONS = {("social_mall", "Redirect"): (0.15, 0.45), ("all_mechanisms", "Rival"): (0.0, np.inf)}


@pytest.mark.slow
def test_every_shipped_brand_spends_a_plausible_share_of_revenue_on_marketing():
    """Gartner CMO Spend Survey: 7.7% of revenue (2024), 9.1% (2023), ~11% before 2020; band 5-15%."""
    seen = []
    for path in SHIPPED:
        name = path.split("/")[-1][:-5]
        for brand, row in shares(str(ROOT / path), seeds=2).items():
            lo, hi = EXCEPTIONS.get((name, brand), (0.05, 0.15))
            assert (row["share"] >= lo).all() and (row["share"] <= hi).all(), (name, brand, row["share"])
            seen.append((name, brand))
    assert len(seen) >= 18 and ("baseline", "Glow") in seen
    redirect = shares(str(ROOT / "scenarios/social_mall.yaml"), seeds=1)
    assert redirect["Redirect"]["ads"] == redirect["InApp"]["ads"]  # the exception: same spend, less revenue


def flood(**over) -> dict:
    """300 consumers, all active every day, 3,000 random impressions a day (10 each), nothing else."""
    return scenario("baseline", **{"population.consumers": 300, "steps": 10, "population.daily_active_share": 1.0,
                                   "brands.Glow.policy.ads.impressions_per_day": 3000,
                                   "brands.Glow.policy.ads.targeting": "random",
                                   "brands.Glow.policy.influencer_posts.sponsored": 0,
                                   "mechanisms.word_of_mouth.enabled": False,
                                   "mechanisms.ads.attention": 0.5, **over})


def test_repeated_impressions_wear_out_within_the_window_and_recover_after_it():
    noticed = {}
    for decay in (1.0, 0.5):
        market, _, _ = run_market(flood(**{"mechanisms.ads.frequency_decay": decay}), 1)
        noticed[decay] = market.set_index("day")["new_ads_noticed"]
    flat, worn = noticed[1.0], noticed[0.5]
    assert abs(flat.loc[1] - 1500) < 100 and abs(flat.loc[2] - 1500) < 100  # no wear-out: half of 3,000
    # 10 impressions each on day 1: 0.5 * (1 + 0.5 + ... + 0.5^9) ~ 1 noticed each; day 2 starts at k = 11
    assert 0.8 * 300 < worn.loc[1] < 1.2 * 300
    assert worn.loc[2] < 0.01 * worn.loc[1]
    assert worn.loc[8] > 0.8 * worn.loc[1]  # day 8 opens a new 7-day window: counts start again


def test_frequency_cap_bounds_impressions_per_consumer_per_window():
    sc = flood(**{"brands.Glow.policy.ads.frequency_cap": 3, "steps": 1})
    m = Market(sc, seed=2)
    ads = next(x for x in m.mechanisms if x.name == "ads")
    bought = []
    for _ in range(9):
        m.step()
        assert ads.shown[0].max() <= 3
        bought.append(m.recorder.market_rows[-1]["new_impressions"])
    assert bought[0] == 900 and sum(bought[1:7]) == 0  # 300 consumers x 3: nothing more to buy this week
    assert bought[7] == 900  # day 8: a new window
    uncapped = run_market(flood(**{"steps": 1}), 2)[2]
    assert next(x for x in uncapped.mechanisms if x.name == "ads").shown[0].max() > 10


@pytest.mark.slow
def test_precision_targeting_beats_random_at_equal_spend_in_privacy():
    """privacy.yaml as shipped (precision 0.9, frequency cap 3 a week) against random delivery, paired seeds."""
    gain, spend_ratio = [], []
    for seed in range(1, 7):
        targeted = run_market(scenario("privacy"), seed)[0].iloc[-1]
        rand = run_market(scenario("privacy", **{"brands.Glow.policy.ads.targeting": "random"}), seed)[0].iloc[-1]
        gain.append(targeted["cum_orders"] / rand["cum_orders"] - 1)
        spend_ratio.append(targeted["cum_ad_spend"] / rand["cum_ad_spend"])
    gain = np.array(gain)
    assert np.allclose(spend_ratio, 1.0, atol=0.01)
    assert (gain > 0).all() and gain.mean() > 0.05, gain  # measured +7.3% +- 1.8% (seeds 1-6; before: -2.4%)


@pytest.mark.slow
def test_privacy_breach_raises_opt_outs_among_hearers_and_shrinks_the_targetable_audience():
    base = {"population.consumers": 4000, "steps": 30}
    breach = scenario("privacy", **base, events=[{"day": 10, "type": "privacy_breach", "severity": 0.5,
                                                  "reach": 0.4}])
    clean = scenario("privacy", **base, events=[])
    m0 = Market(clean, seed=3)
    m0.run()
    m = Market(breach, seed=3)
    ads = next(x for x in m.mechanisms if x.name == "ads")
    before_audience = len(ads.audience[0])
    m.run()
    pop, trust = m.population, next(x for x in m.mechanisms if x.name == "trust")
    was = m0.population.opt_out  # the same seed draws the same population and opt-outs
    new = pop.opt_out & ~was
    heard = trust.heard_any
    assert new.sum() > 0 and not (new & ~heard).any()  # only those who heard opt out
    share = new[heard & ~was].mean()  # first-hand: 0.3 x 0.5 = 15%; second-hand: 0.3 x 0.3 = 9%
    assert 0.09 < share < 0.17, share
    assert len(ads.audience[0]) < before_audience - 0.5 * new[ads.interested[0]].sum()
    assert not pop.opt_out[ads.audience[0]].any()
    market = m.recorder.frames()[0].set_index("day")
    assert market.loc[9, "n_opted_out"] == was.sum() and market.loc[30, "n_opted_out"] == pop.opt_out.sum()


def test_reach_share_impressions_wear_out_day_by_day_within_the_window():
    """reach_share 1: every consumer gets exactly one impression a day (distinct ids, the counting shortcut).
    Day k of a 7-day window is the k-th impression, noticed with prob. 0.6 x 0.5^(k-1); day 8 starts again."""
    sc = flood(**{"steps": 1, "brands.Glow.policy.ads.impressions_per_day": 0,
                  "brands.Glow.policy.ads.reach_share": 1.0, "mechanisms.ads.attention": 0.6,
                  "mechanisms.ads.frequency_decay": 0.5})
    for seed in (1, 2, 3):
        m = Market(sc, seed=seed)
        ads = next(x for x in m.mechanisms if x.name == "ads")
        for day in range(1, 9):
            m.step()
            k = (day - 1) % 7 + 1
            assert (ads.shown[0] == k).all(), (day, np.unique(ads.shown[0]))
            noticed = m.recorder.market_rows[-1]["new_ads_noticed"]
            expected = 300 * 0.6 * 0.5 ** (k - 1)
            assert abs(noticed - expected) <= 4 * np.sqrt(expected * (1 - 0.6 * 0.5 ** (k - 1))) + 1, (day, noticed)
