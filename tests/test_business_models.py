"""Competition, targeting and privacy, disclosure, fake reviews, influencer scandal, storefront funnel:
behaviour over 5 seeds (paired: common random numbers) and unit checks."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SEEDS, run_market, scenario
from simcommerce import Market

N = 4000


def brand_rows(sc, seed, brand):
    b = run_market(sc, seed)[1]
    return b[b["brand"] == brand].set_index("day")


@pytest.mark.slow
def test_competition_shares_sum_to_one_and_quality_wins_over_claims():
    sc = scenario("competition", **{"population.consumers": N, "steps": 150})
    hype_change, lux_change = [], []
    for s in SEEDS:
        b = run_market(sc, s)[1]
        shares = b.pivot(index="day", columns="brand", values="market_share")
        assert np.allclose(shares.sum(axis=1)[shares.sum(axis=1) > 0], 1.0)
        hype_change.append(shares.loc[150, "Hype"] - shares.loc[20, "Hype"])
        lux_change.append(shares.loc[150, "Lux"] - shares.loc[20, "Lux"])
    # inflated claims win early, lose as buyers learn and review. Measured with ads at real prices (seeds 1-5):
    # Hype -0.05 to -0.13 (mean -0.10), Lux +0.02 to +0.10 (mean +0.07); every seed in the same direction
    hype_change, lux_change = np.array(hype_change), np.array(lux_change)
    assert (hype_change < -0.04).all() and hype_change.mean() < -0.08
    assert (lux_change > 0.01).all() and lux_change.mean() > 0.05


@pytest.mark.slow
def test_privacy_breach_lowers_platform_trust_and_activity_then_recovers():
    base = {"population.consumers": N, "steps": 120}
    breach = scenario("baseline", **base, events=[{"day": 40, "type": "privacy_breach", "severity": 0.5,
                                                   "reach": 0.5}])
    clean = scenario("baseline", **base)
    for s in SEEDS:
        a, _, _ = run_market(breach, s)
        b, _, _ = run_market(clean, s)
        a, b = a.set_index("day"), b.set_index("day")
        assert a.loc[:39].equals(b.loc[:39])
        drop = b.loc[45, "mean_platform_trust"] - a.loc[45, "mean_platform_trust"]
        assert drop > 0.1
        assert a.loc[41:60, "n_active"].mean() < 0.9 * b.loc[41:60, "n_active"].mean()
        late = b.loc[120, "mean_platform_trust"] - a.loc[120, "mean_platform_trust"]
        assert 0 < late < 0.6 * drop


def test_opted_out_consumers_are_never_targeted():
    sc = scenario("baseline", **{"population.consumers": N, "steps": 20, "population.opt_out_share": 0.5,
                                 "brands.Glow.policy.ads.precision": 1.0,
                                 "brands.Glow.policy.influencer_posts.sponsored": 0,
                                 "mechanisms.word_of_mouth.enabled": False})
    _, _, m = run_market(sc, 1)
    pop = m.population
    audience = next(x for x in m.mechanisms if x.name == "ads").audience[0]
    # 16 impressions a day each to the ~1,000 targetable consumers wear out: at most 0.04 / (1 - 0.7) = 0.13
    # noticed a week each, so about a third become aware in 20 days (measured 345 of 998)
    assert pop.aware[~pop.opt_out, 0].sum() > 0.25 * len(audience)
    assert pop.aware[pop.opt_out, 0].sum() == 0


@pytest.mark.slow
def test_targeting_precision_raises_orders():
    ends = {}
    for precision in (0.0, 1.0):
        sc = scenario("baseline", **{"population.consumers": N, "steps": 60, "population.interest_concentration": 0.5,
                                     "brands.Glow.policy.ads.precision": precision,
                                     "brands.Glow.policy.ads.impressions_per_day": 600})
        ends[precision] = np.array([run_market(sc, s)[0].iloc[-1]["cum_orders"] for s in SEEDS])
    assert (ends[1.0] > ends[0.0]).all() and ends[1.0].mean() > 1.15 * ends[0.0].mean()


def influencer_only(**over):
    return scenario("baseline", **{"population.consumers": N, "steps": 30,
                                   "brands.Glow.policy.ads.impressions_per_day": 0,
                                   "brands.Glow.policy.influencer_posts.sponsored": 6,
                                   "brands.Glow.policy.influencer_posts.posts_per_week": 5, **over})


@pytest.mark.slow
def test_mandatory_disclosure_lowers_short_term_influencer_conversion():
    # Word of mouth dilutes the posts' 40% loss of persuasion to ~8% fewer orders (0.91-0.92 over 120 seeds),
    # so this needs a larger market and more seeds than the others to see it reliably.
    seeds, big = range(1, 9), {"population.consumers": 12000}
    free = np.array([run_market(influencer_only(**big), s)[0].iloc[-1]["cum_orders"] for s in seeds])
    flagged = np.array([run_market(influencer_only(**big, **{"mechanisms.influencer_posts.mandatory_disclosure": True}),
                                   s)[0].iloc[-1]["cum_orders"] for s in seeds])
    assert (flagged < free).sum() >= 7 and flagged.mean() < 0.96 * free.mean()


@pytest.mark.slow
def test_disclosed_sponsorship_keeps_trust_when_exposed():
    risky = {"mechanisms.influencer_posts.exposure_prob": 0.2, "steps": 60}
    hidden = [run_market(influencer_only(**risky), s)[0].iloc[-1]["mean_trust"] for s in SEEDS]
    shown = [run_market(influencer_only(**risky, **{"brands.Glow.policy.influencer_posts.disclose": True}),
                        s)[0].iloc[-1]["mean_trust"] for s in SEEDS]
    assert (np.array(shown) > np.array(hidden)).all()
    _, _, m = run_market(influencer_only(**risky), 1)
    assert m.recorder.market_rows[-1]["cum_sponsorships_exposed"] >= 1


TWO = [
    {"name": "Faker", "products": [{"name": "a", "category": "c", "price": 100, "cost": 30, "quality": 0.6}],
     "policy": {"ads": {"impressions_per_day": 1500}}},
    {"name": "Clean", "products": [{"name": "b", "category": "c", "price": 100, "cost": 30, "quality": 0.6}],
     "policy": {"ads": {"impressions_per_day": 1500}}},
]


@pytest.mark.slow
def test_fake_reviews_boost_early_sales_then_exposure_costs_trust():
    base = {"population.consumers": N, "steps": 70, "brands": TWO, "mechanisms.fake_reviews.detection_prob": 0.0}
    fakes = {"brands.Faker.policy.fake_reviews.per_day": 20,
             "events": [{"day": 40, "type": "fake_reviews_exposed", "brand": "Faker", "severity": 0.5,
                         "reach": 0.6}]}
    early_gain, trust_gap = [], []
    for s in SEEDS:
        honest = brand_rows(scenario("baseline", **base), s, "Faker")
        faking = run_market(scenario("baseline", **base, **fakes), s)[1]
        f = faking[faking["brand"] == "Faker"].set_index("day")
        c = faking[faking["brand"] == "Clean"].set_index("day")
        early_gain.append(f.loc[39, "cum_orders"] / honest.loc[39, "cum_orders"])
        assert f.loc[39, "mean_rating"] > honest.loc[39, "mean_rating"] + 0.3
        trust_gap.append(c.loc[45, "mean_trust"] - f.loc[45, "mean_trust"])
        assert f.loc[41, "fake_reviews_exposed"] == 1 and f.loc[41, "mean_review_trust"] < 0.9
    assert np.mean(early_gain) > 1.1 and (np.array(early_gain) > 1).all()
    assert (np.array(trust_gap) > 0.1).all()


@pytest.mark.slow
def test_fake_reviews_detected_by_moderation():
    sc = scenario("baseline", **{"population.consumers": 2000, "steps": 60, "brands": TWO,
                                 "brands.Faker.policy.fake_reviews.per_day": 10,
                                 "mechanisms.fake_reviews.detection_prob": 0.2})
    _, brands, m = run_market(sc, 3)
    f = brands[brands["brand"] == "Faker"].set_index("day")
    day = int(f.index[f["fake_reviews_exposed"] == 1][0])
    assert day < 40  # detected (P(not by day 40) = 0.8^40)
    assert f.loc[day + 1:, "new_fake_reviews"].sum() == 0  # stops buying once exposed
    assert m.ledger.imbalance() < 1e-6


@pytest.mark.slow
def test_influencer_scandal_unfollows_and_hurts_sponsors():
    sc = scenario("influencer_scandal", **{"population.consumers": N, "steps": 60})
    clean = scenario("influencer_scandal", **{"population.consumers": N, "steps": 60, "events": []})
    for s in SEEDS:
        m = Market(sc, seed=s)
        mia = next(i for i in m.influencers if i.name == "Mia")
        assert mia.sponsors == [0]
        fans = mia.followers.copy()
        m.run(44)
        before, credibility = m.population.trust_brand[fans, 0].mean(), mia.credibility
        m.run(1)
        assert 0.6 * len(fans) < len(mia.followers) < 0.9 * len(fans)  # ~ reach × severity × 0.5 unfollow
        assert mia.credibility == pytest.approx(credibility * 0.3)
        assert m.population.trust_brand[fans, 0].mean() < before - 0.1
        m.run(15)
        hit, calm = m.recorder.frames()[0].set_index("day"), run_market(clean, s)[0].set_index("day")
        assert hit.loc[45:60, "new_orders"].sum() < calm.loc[45:60, "new_orders"].sum()


@pytest.mark.slow
def test_external_link_loses_buyers_step_by_step():
    mall, external = [], []
    for s in SEEDS:
        a = run_market(scenario("baseline", **{"population.consumers": N, "steps": 60}), s)[0].iloc[-1]
        b = run_market(scenario("baseline", **{"population.consumers": N, "steps": 60,
                                               "brands.Glow.policy.storefront.storefront": "external"}), s)[0].iloc[-1]
        assert a["cum_funnel_intent"] >= a["cum_funnel_paid"] >= 0.9 * a["cum_funnel_intent"]
        assert b["cum_funnel_intent"] > b["cum_funnel_clicked"] > b["cum_funnel_landed"] > b["cum_funnel_paid"]
        assert b["cum_funnel_paid"] == b["cum_orders"] - b.get("cum_seeded", 0)
        mall.append(a["cum_orders"])
        external.append(b["cum_orders"])
    assert (np.array(external) < 0.7 * np.array(mall)).all()


@pytest.mark.slow
def test_external_shop_orders_pay_the_payment_fee_not_the_take_rate():
    """Same seed, a frictionless external funnel: the same orders, and the brand keeps
    (take_rate − external_payment_fee) × the GMV of its ordinary orders (issue 15, item 4)."""
    for s in SEEDS[:3]:
        base = {"population.consumers": 2000, "steps": 40}
        mall = run_market(scenario("baseline", **base), s)[2]
        ext = run_market(scenario("baseline", **base, **{
            "brands.Glow.policy.storefront.storefront": "external", "mechanisms.storefront.external_click_rate": 1.0,
            "mechanisms.storefront.external_landing_rate": 1.0, "mechanisms.storefront.external_checkout_rate": 1.0}),
            s)[2]
        fm, fe = mall.ledger.brand, ext.ledger.brand
        assert np.array_equal(fm["revenue"], fe["revenue"]) and fm["payment_fees"].sum() == 0
        take, fee = mall.config["platform"]["take_rate"], ext.config["mechanisms"]["storefront"]["external_payment_fee"]
        organic_gmv = fe["payment_fees"][0] / fee
        assert organic_gmv > 0.5 * (fe["revenue"][0] - fe["discounts"][0])  # most orders are ordinary ones
        assert np.isclose(fe["platform_fees"][0], fm["platform_fees"][0] - take * organic_gmv)
        assert np.isclose(ext.ledger.profit()[0] - mall.ledger.profit()[0], (take - fee) * organic_gmv)
        assert ext.ledger.imbalance() < 1e-6 * fe["revenue"].sum()
