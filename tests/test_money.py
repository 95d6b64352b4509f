"""Money balances every day, with every money-moving mechanism active."""

from __future__ import annotations

import numpy as np

from conftest import run_market, scenario
from simcommerce.ledger import BRAND_FLOWS


def busy_market() -> dict:
    return scenario("baseline", **{
        "population.consumers": 3000, "steps": 60,
        "brands.Glow.policy.referral.rate": 0.15, "brands.Glow.policy.referral.buyer_discount": 0.1,
        "brands.Glow.policy.influencer_posts.sponsored": 5, "brands.Glow.products.serum.quality": 0.4,
        "events": [{"day": 20, "type": "quality_scandal", "brand": "Glow"}],
    })


def test_money_balances_every_day():
    for seed in (1, 2, 3):
        market, brands, m = run_market(busy_market(), seed)
        # every flow happened, so the identity is exercised by all of them
        for flow in BRAND_FLOWS:
            assert m.ledger.brand[flow].sum() > 0, flow
        assert market["money_imbalance"].max() < 1e-6 * market["cum_gmv"].iloc[-1]


def test_profit_identity_and_counterparties():
    market, brands, m = run_market(busy_market(), 7)
    f, pop = m.ledger.brand, m.population
    profit = (f["revenue"] - f["discounts"] - f["refunds"] - f["platform_fees"] - f["cogs"] - f["ad_spend"]
              - f["influencer_fees"] - f["commissions"])
    assert np.allclose(profit, m.ledger.profit())
    assert np.isclose(brands.iloc[-1]["profit"], profit[0])
    assert np.isclose(pop.spent.sum(), f["revenue"].sum() - f["discounts"].sum())  # paid = list − discounts
    assert np.isclose(pop.earned.sum(), f["commissions"].sum())  # promoters got the commissions
    assert np.isclose(sum(i.earnings for i in m.influencers), f["influencer_fees"].sum())
    assert np.isclose(m.ledger.platform_income, f["platform_fees"].sum() + f["ad_spend"].sum())
    assert np.isclose(market["cum_gmv"].iloc[-1], pop.spent.sum())
    assert np.isclose(market["cum_commission"].iloc[-1], f["commissions"].sum())


def test_marketing_budget_is_a_hard_cap():
    sc = scenario("baseline", **{"population.consumers": 2000, "steps": 60, "brands.Glow.marketing_budget": 500})
    _, _, m = run_market(sc, 1)
    spent = m.ledger.brand["ad_spend"][0] + m.ledger.brand["influencer_fees"][0]
    assert 400 < spent <= 500 + 1e-9
