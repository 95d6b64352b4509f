"""Money balances every day, with every money-moving mechanism active."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_market, scenario
from simcommerce import Market
from simcommerce.buffers import CHANNELS
from simcommerce.ledger import BRAND_FLOWS


def busy_market() -> dict:
    """Every mechanism that moves money at once; a rival brand sells through an external link."""
    glow = {"name": "Glow", "products": [{"name": "serum", "category": "beauty", "price": 199, "cost": 60,
                                          "quality": 0.4, "claimed_quality": 0.8}],
            "policy": {"ads": {"impressions_per_day": 1500, "targeting": "interest"},
                       "influencer_posts": {"sponsored": 5},
                       "referral": {"rates": [0.15, 0.05], "buyer_discount": 0.1, "entry_fee": 5,
                                    "headcount_bonus": 2},
                       "fake_reviews": {"per_day": 5},
                       "group_buying": {"discount": 0.3, "group_size": 1},
                       "livestream": {"sessions_per_week": 2, "host_tier": "micro", "stock": 30},
                       "seeding": {"count": 20, "strategy": "degree"}}}
    rival = {"name": "Rival", "products": [{"name": "cream", "category": "beauty", "price": 150, "cost": 50,
                                            "quality": 0.7}],
             "policy": {"ads": {"impressions_per_day": 1000}, "storefront": {"storefront": "external"}}}
    return scenario("baseline", **{
        "population.consumers": 3000, "steps": 60, "brands": [glow, rival],
        "mechanisms.group_buying.enabled": True,
        "mechanisms.false_advertising.enabled": True,  # Glow claims 0.8 for quality 0.4: fined
        "mechanisms.false_advertising.detection_rate": 0.2,
        "events": [{"day": 20, "type": "quality_scandal", "brand": "Glow"},
                   {"day": 30, "type": "privacy_breach"},
                   {"day": 40, "type": "fake_reviews_exposed", "brand": "Glow"}],
    })


MARKETING_CHANNELS = ("ad_spend", "influencer_fees", "live_slot_fees", "live_commission", "commission",
                      "headcount_pay", "fake_review_spend", "referral_discounts", "group_discounts", "live_discounts",
                      "sample_discounts")


def assert_marketing_adds_up(brands, m) -> None:
    """Per brand and day: the channels' spend sums to new_marketing_spend; the totals match the ledger; return on
    marketing spend and cost per new customer follow from their definitions."""
    channels = sum(brands[f"new_{c}"] for c in MARKETING_CHANNELS)
    assert np.allclose(channels, brands["new_marketing_spend"], rtol=1e-9, atol=1e-6)
    last = brands[brands["day"] == brands["day"].max()].set_index("brand")
    spend = last["cum_marketing_spend"].to_numpy()
    assert np.allclose(spend, m.ledger.marketing_spend()) and (spend > 0).all()
    for c in MARKETING_CHANNELS:  # every channel spent something (Glow), so none is left out of the sum
        assert last[f"cum_{c}"].sum() > 0, c
    f = m.ledger.brand
    assert np.allclose(last["return_on_marketing_spend"], (f["revenue"] - f["discounts"] - f["refunds"]) / spend)
    assert np.allclose(last["cost_per_new_customer"], spend / np.maximum(last["n_customers"], 1))


@pytest.mark.slow
def test_money_balances_every_day():
    for seed in (1, 2, 3):
        m = Market(busy_market(), seed=seed)
        seeds = next(x for x in m.mechanisms if x.name == "seeding").seeds[0]
        m.step()  # day 1, the seeding day: a seed already ordering that day gets no free sample
        other = m.orders.consumers[m.orders.channel != CHANNELS.index("seeding")]
        buying = int(np.isin(seeds, other).sum())
        m.run(m.config["steps"] - 1)
        market, brands = m.recorder.frames()
        # every flow happened, so the identity is exercised by all of them
        for flow in BRAND_FLOWS:
            assert m.ledger.brand[flow].sum() > 0, flow
        assert market["cum_group_gmv"].iloc[-1] > 0 and market["cum_live_gmv"].iloc[-1] > 0
        assert market["cum_entry_fees"].iloc[-1] > 0 and market["cum_seeded"].iloc[-1] == 20 - buying
        assert market["money_imbalance"].max() < 1e-6 * market["cum_gmv"].iloc[-1]
        assert_marketing_adds_up(brands, m)


@pytest.mark.slow
def test_profit_identity_and_counterparties():
    market, brands, m = run_market(busy_market(), 7)
    f, pop = m.ledger.brand, m.population
    profit = (f["revenue"] - f["discounts"] - f["refunds"] - f["platform_fees"] - f["cogs"] - f["ad_spend"]
              - f["influencer_fees"] - f["commissions"] - f["fake_review_spend"] - f["payment_fees"] - f["fines"])
    assert np.allclose(profit, m.ledger.profit())
    last = brands[brands["day"] == brands["day"].max()].set_index("brand")
    assert np.allclose(last.loc[["Glow", "Rival"], "profit"], profit)
    # consumers' net payments = brands' net receipts + what the platform still holds for open group deals
    assert np.isclose(pop.spent.sum() - pop.refunded.sum(),
                      f["revenue"].sum() - f["discounts"].sum() - f["refunds"].sum() + m.ledger.escrow)
    assert np.isclose(pop.earned.sum(), f["commissions"].sum())  # promoters got the commissions
    assert np.isclose(sum(i.earnings for i in m.influencers), f["influencer_fees"].sum())
    assert np.isclose(m.ledger.platform_income, f["platform_fees"].sum() + f["ad_spend"].sum())
    # the external shop's ordinary orders pay the payment processor, not the platform (Rival sells only there)
    gmv_rival = f["revenue"][1] - f["discounts"][1]
    assert f["payment_fees"][0] == 0 and 0 < f["payment_fees"][1] <= 0.006 * gmv_rival + 1e-9
    assert f["fines"][1] == 0 < f["fines"][0]  # only the brand claiming more than its quality is fined
    # GMV is what was paid at checkout: everything consumers paid brands except entry fees
    assert np.isclose(market["cum_gmv"].iloc[-1],
                      f["revenue"].sum() - f["discounts"].sum() - market["cum_entry_fees"].iloc[-1])
    assert np.isclose(market["cum_commission"].iloc[-1] + market["cum_headcount_pay"].iloc[-1],
                      f["commissions"].sum())


@pytest.mark.slow
def test_marketing_budget_is_a_hard_cap():
    # a day of baseline's ads costs 16,000 x 40 / 1,000 = 640: the budget runs out after a week of ads
    sc = scenario("baseline", **{"population.consumers": 2000, "steps": 60, "brands.Glow.marketing_budget": 5000})
    _, _, m = run_market(sc, 1)
    spent = m.ledger.brand["ad_spend"][0] + m.ledger.brand["influencer_fees"][0]
    assert 4000 < spent <= 5000 + 1e-9
    assert m.brands[0].marketing_spent == pytest.approx(m.ledger.marketing_spend()[0])
    assert m.brands[0].marketing_spent <= 5000 + 1e-9


@pytest.mark.slow
def test_the_budget_also_caps_commissions_and_discounts():
    """A referral programme (30% commission, 20% off) under a budget: its discounts and commissions count, and
    once the budget is spent the links pay nothing more (the programme pauses), so the brand's whole marketing
    spend ends within a day's referral costs of the budget; without the budget the programme goes on. 3 seeds."""
    base = {"population.consumers": 3000, "steps": 60, "brands.Glow.policy.referral.rates": [0.3],
            "brands.Glow.policy.referral.buyer_discount": 0.2, "brands.Glow.policy.ads.impressions_per_day": 3000,
            "mechanisms.word_of_mouth.reach": "random_friends", "mechanisms.word_of_mouth.attention": 1.0}
    for seed in (1, 2, 3):
        _, capped, m = run_market(scenario("baseline", **base, **{"brands.Glow.marketing_budget": 4000}), seed)
        _, free, _ = run_market(scenario("baseline", **base), seed)
        spend = capped["cum_marketing_spend"].to_numpy()
        assert m.brands[0].marketing_spent == pytest.approx(spend[-1])
        out = np.flatnonzero(spend >= 4000 - 1e-9)
        assert len(out) and out[0] < 59, spend[-1]  # the budget is spent before the end
        after = capped.iloc[out[0] + 1:]
        assert after["new_commission"].sum() == 0 and after["new_referral_discounts"].sum() == 0
        day_costs = (capped["new_commission"] + capped["new_referral_discounts"]).max() + 120  # + a day of ads
        assert 4000 - 1e-9 <= spend[-1] <= 4000 + day_costs
        assert free["new_commission"].iloc[out[0] + 1:].sum() > 0  # without the cap the links go on paying


def test_free_samples_stop_at_what_the_budget_pays():
    """100 samples of the ¥199 serum under a ¥1,990 budget (no other spend): 10 are given, the budget is spent
    exactly; without the budget, all 100."""
    over = {"population.consumers": 500, "steps": 3, "brands.Glow.policy.ads.impressions_per_day": 0,
            "brands.Glow.policy.influencer_posts.sponsored": 0, "brands.Glow.policy.seeding.count": 100}
    market, _, m = run_market(scenario("baseline", **over, **{"brands.Glow.marketing_budget": 1990}), 1)
    assert market["cum_seeded"].iloc[-1] == 10 and m.brands[0].marketing_spent == pytest.approx(1990)
    assert run_market(scenario("baseline", **over), 1)[0]["cum_seeded"].iloc[-1] == 100


@pytest.mark.slow
def test_no_group_deal_opens_once_the_budget_is_spent():
    """group_buying.yaml under a ¥2,650 budget: the ads stop when a day of them no longer fits (day 6), the group
    discounts use up the rest, and from the day the spend reaches the budget no group opens; without the budget
    they keep opening."""
    over = {"population.consumers": 3000, "steps": 40}
    _, capped, _ = run_market(scenario("group_buying", **over, **{"brands.Orchard.marketing_budget": 2650}), 1)
    _, free, _ = run_market(scenario("group_buying", **over), 1)
    out = np.flatnonzero(capped["cum_marketing_spend"].to_numpy() >= 2650 - 1e-9)
    assert len(out) and out[0] < 35
    assert capped["new_groups_opened"].iloc[:out[0] + 1].sum() > 0
    assert capped["new_groups_opened"].iloc[out[0] + 1:].sum() == 0
    assert free["new_groups_opened"].iloc[out[0] + 1:].sum() > 0
