"""Platform coupons: issuing, one use per coupon, the platform pays, the decision term, and the effect over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SCENARIOS, run_market, scenario
from simcommerce.buffers import Orders
from simcommerce.population import NEVER
from simcommerce.testing import mock_market

CHEAP_AND_DEAR = [  # a 40 product under min_spend and a 150 product over it
    {"name": "A", "products": [{"name": "a", "category": "c", "price": 40, "cost": 10, "quality": 0.8}]},
    {"name": "B", "products": [{"name": "b", "category": "c", "price": 150, "cost": 30, "quality": 0.8}]},
]


def coupons(n=1000, **overrides):
    return mock_market(["coupon", "checkout"], n=n, brands=CHEAP_AND_DEAR, **{
        "mechanisms.coupon.value": 20.0, "mechanisms.coupon.min_spend": 50.0, **overrides})


def orders(consumers, products) -> Orders:
    o = Orders()
    o.append(np.asarray(consumers), np.asarray(products), np.full(len(consumers), 0.5, dtype=np.float32), "organic")
    return o


def test_a_coupon_takes_its_value_off_one_eligible_order_and_the_platform_pays():
    m = coupons(**{"mechanisms.coupon.daily_issue_share": 0.0})
    pop = m.population
    pop.coupon_until[[1, 2, 3]] = 5  # valid through day 5
    m.orders = orders([1, 1, 2, 3, 4], [1, 1, 0, 1, 1])  # 1: two dear orders; 2: a cheap one; 4: no coupon
    for mech in m.mechanisms:
        mech.step(m)
    assert m.orders.subsidy.tolist() == [20.0, 0.0, 0.0, 20.0, 0.0]  # once per consumer, never below min_spend
    assert m.orders.paid.tolist() == [130.0, 150.0, 40.0, 130.0, 150.0]
    assert pop.coupon_until[[1, 3]].tolist() == [NEVER, NEVER] and pop.coupon_until[2] == 5  # 2 keeps it
    led = m.ledger
    assert led.platform["coupons"] == pytest.approx(40.0)
    assert led.brand["revenue"].tolist() == [40.0, 600.0] and led.brand["discounts"].tolist() == [0.0, 0.0]
    assert led.brand["platform_fees"][1] == pytest.approx(0.05 * 600.0)  # the brand's sale is as without
    assert led.platform_income == pytest.approx(0.05 * 640.0 - 40.0)
    assert led.imbalance() < 1e-9
    m.recorder.record()
    brands = m.recorder.frames()[1]
    b = brands[brands["brand"] == "B"].iloc[-1]
    assert b["new_coupons_used"] == 2 and b["new_coupon_value"] == pytest.approx(40.0)


def test_an_expired_coupon_is_not_used_and_new_ones_go_to_active_consumers_without_one():
    m = coupons(n=20000, **{"mechanisms.coupon.daily_issue_share": 0.1, "mechanisms.coupon.valid_days": 7})
    pop = m.population
    m.day = 9
    pop.coupon_until[:100] = 8  # expired yesterday
    pop.coupon_until[100:200] = 12  # still valid: not given another
    m.active[10000:] = False
    m.orders = orders([5], [1])
    for mech in m.mechanisms:
        mech.step(m)
    assert m.orders.subsidy.tolist() == [0.0]
    new = np.flatnonzero(pop.coupon_until == 9 + 7)
    assert (new < 10000).all() and not np.isin(new, np.arange(100, 200)).any()
    eligible = 10000 - 100
    assert abs(len(new) - 0.1 * eligible) < 4 * np.sqrt(eligible * 0.1 * 0.9)


def test_the_decision_weighs_a_coupon_as_a_price_cut_of_its_value():
    m = mock_market(["decision", "coupon"], n=40000, brands=CHEAP_AND_DEAR, **{
        "mechanisms.decision.intent_rate": 1.0, "mechanisms.decision.beta_social": 0.0,
        "mechanisms.decision.beta_rating": 0.0, "mechanisms.coupon.value": 20.0, "mechanisms.coupon.min_spend": 50.0})
    pop, d, c = m.population, m.mechanism("decision"), m.mechanism("coupon")
    pop.aware[:] = True
    pop.coupon_until[:20000] = 5
    ids, prods = np.arange(40000), np.array([0, 1])
    term = c.utility(m, ids, prods, d)
    expected = d.p.beta_price * pop.price_sensitivity[:20000] * 20.0 / d.p.price_scale
    assert np.allclose(term[:20000, 1], expected) and not term[:, 0].any() and not term[20000:].any()
    d.step(m)
    dear = m.orders.consumers[m.orders.products == 1]
    holders, others = np.count_nonzero(dear < 20000), np.count_nonzero(dear >= 20000)
    assert holders > 1.1 * others  # about +20% at these betas: far beyond the noise of ~2% here
    assert c.utility(m, np.arange(20000, 40000), prods, d) is None


@pytest.mark.slow
def test_coupons_raise_orders_and_what_the_platform_pays_is_what_buyers_saved():
    # generous coupons (¥60 off, a fifth of the actives without one get one each day), so that the effect stands
    # out of the seed noise: +11% to +16% over seeds 1-5 (at the shipped ¥20 and 2% a day, about +1% ± 1%)
    strong = {"population.consumers": 4000, "steps": 60, "mechanisms.coupon.daily_issue_share": 0.2,
              "mechanisms.coupon.value": 60.0}
    base = scenario("coupon", **strong)
    off = scenario("coupon", **strong, **{"mechanisms.coupon.enabled": False})
    gains = []
    for seed in (1, 2, 3):
        on_m, on_b, m = run_market(base, seed)
        off_m, _, _ = run_market(off, seed)
        gains.append(on_m["cum_orders"].iloc[-1] / off_m["cum_orders"].iloc[-1] - 1)
        assert m.ledger.platform["coupons"] == pytest.approx(on_b["new_coupon_value"].sum())
        assert on_m["cum_coupons_used"].iloc[-1] > 0 and on_m["money_imbalance"].max() < 1e-6 * on_m["cum_gmv"].max()
    assert min(gains) > 0.05 and np.mean(gains) > 0.08, gains


def test_the_shipped_coupon_scenario_switches_it_on():
    sc = scenario("coupon")
    assert sc["mechanisms"]["coupon"]["enabled"] and (SCENARIOS / "coupon.yaml").exists()
