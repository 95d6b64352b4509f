"""Group buying (pin-tuan): unit tests on small markets, behaviour over 5 seeds, money balance."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SEEDS, run_market, scenario
from simcommerce import Market, testing
from simcommerce.buffers import CHANNELS, Orders

ONE_BRAND = [{"name": "A", "products": [{"name": "a", "category": "c", "price": 100, "cost": 30, "quality": 0.8}]}]


def gb_market(n: int, k: int, only=("group_buying", "checkout"), graph: str = "complete", seed: int = 1,
              **overrides) -> Market:
    """A market with only ``only`` switched on, a group deal of 20% off for ``k`` partners, everyone
    active and fully interested, invitations seen at once and always accepted (unless overridden)."""
    m = testing.mock_market(only, n=n, graph=graph, brands=ONE_BRAND, seed=seed, day=0, **{
        "brands.A.policy.group_buying.discount": 0.2, "brands.A.policy.group_buying.group_size": k,
        "mechanisms.group_buying.open_prob": 1.0, "mechanisms.group_buying.join_prob": 1.0,
        "mechanisms.group_buying.response_delay_hours": 0.0, "mechanisms.group_buying.invites_per_member": 200,
        **overrides})
    m.population.interest[:] = 1.0
    m.population.price_sensitivity[:] = 1.0
    return m


def organic(consumers) -> Orders:
    c = np.asarray(consumers, dtype=np.int64)
    o = Orders()
    o.append(c, 0, np.full(len(c), 0.5, dtype=np.float32), "organic")
    return o


def run_day(m: Market, day: int, orders: Orders | None = None) -> None:
    """One day of the enabled mechanisms with the given organic orders placed before group buying."""
    m.day = day
    m.orders = orders if orders is not None else Orders()
    for mech in m.mechanisms:
        mech.step(m)
    m.recorder.record()


def gb(m: Market):
    return next(x for x in m.mechanisms if x.name == "group_buying")


@pytest.mark.parametrize("k", [1, 3])
def test_group_fills_exactly_when_k_partners_join(k):
    # complete graph of k + 1 consumers: the initiator's k friends all join => the group fills
    m = gb_market(k + 1, k)
    run_day(m, 1, organic([0]))
    market, _ = m.recorder.frames()
    day = market.iloc[-1]
    assert day["new_groups_opened"] == 1 and day["new_groups_filled"] == 1 and day["new_groups_failed"] == 0
    o = m.orders
    assert len(o) == k + 1 and (o.channel == CHANNELS.index("group")).all()
    assert sorted(o.consumers.tolist()) == list(range(k + 1))
    assert np.allclose(m.population.spent, 80.0) and np.allclose(o.paid, 80.0)  # group price, charged once
    assert m.ledger.brand["revenue"][0] == pytest.approx(100.0 * (k + 1))
    assert m.ledger.brand["discounts"][0] == pytest.approx(20.0 * (k + 1))
    assert m.ledger.escrow == pytest.approx(0.0) and m.ledger.imbalance() < 1e-9
    assert day["new_group_gmv"] == pytest.approx(80.0 * (k + 1))
    assert day["new_group_new_customers"] == k  # the partners (the initiator is not counted)
    assert day["group_success_rate"] == 1.0 and 0 < day["mean_fill_hours"] <= 6.0
    assert not gb(m).in_group.any()
    # one friend short (k - 1 others): the group cannot fill, whatever happens
    if k > 1:  # (a market needs two consumers)
        m = gb_market(k, k, **{"brands.A.policy.group_buying.window_hours": 6.0})
        run_day(m, 1, organic([0]))
        assert m.recorder.frames()[0].iloc[-1]["new_groups_failed"] == 1 and len(m.orders) == 0


def test_extra_joiners_are_turned_away_and_pay_nothing():
    m = gb_market(50, 3)  # 49 friends would all join; only 3 may
    run_day(m, 1, organic([0]))
    assert len(m.orders) == 4
    paid = m.population.spent > 0
    assert paid.sum() == 4 and set(np.flatnonzero(paid).tolist()) == set(m.orders.consumers.tolist())
    assert m.ledger.imbalance() < 1e-9


def test_unfilled_group_is_refunded_exactly_and_money_balances_while_held():
    # 3 consumers, k = 4: two friends join, the group can never fill; the window spans days
    m = gb_market(3, 4, **{"brands.A.policy.group_buying.window_hours": 48.0})
    run_day(m, 1, organic([0]))
    pop = m.population
    assert len(m.orders) == 0  # the initiator's order became a group
    assert np.allclose(pop.spent, 80.0) and pop.refunded.sum() == 0  # paid into escrow
    assert m.ledger.escrow == pytest.approx(240.0) and m.ledger.imbalance() < 1e-9
    assert m.ledger.brand["revenue"].sum() == 0  # the brand has not been paid
    market, _ = m.recorder.frames()
    assert market.iloc[-1]["n_groups_open"] == 1 and market.iloc[-1]["money_imbalance"] < 1e-9
    for day in (2, 3):
        run_day(m, day)
    market, _ = m.recorder.frames()
    assert market["cum_groups_failed"].iloc[-1] == 1 and market["cum_groups_filled"].iloc[-1] == 0
    assert np.allclose(pop.refunded, 80.0) and np.allclose(pop.spent - pop.refunded, 0.0)  # exactly refunded
    assert market["cum_group_refunds"].iloc[-1] == pytest.approx(240.0)
    assert m.ledger.escrow == pytest.approx(0.0) and m.ledger.profit().sum() == 0
    assert market["money_imbalance"].max() < 1e-9
    assert market.iloc[-1]["group_success_rate"] == 0.0 and market.iloc[-1]["n_groups_open"] == 0


def _joining(show: bool, effect: float = 3.0) -> tuple[float, float]:
    m = gb_market(16000, 4, graph="holme_kim", seed=3, **{
        "brands.A.policy.group_buying.show_headcount": show, "mechanisms.group_buying.join_prob": 0.05,
        "mechanisms.group_buying.invites_per_member": 5, "mechanisms.group_buying.headcount_effect": effect,
        "mechanisms.group_buying.response_delay_hours": 6.0})
    run_day(m, 1, organic(np.arange(0, 16000, 8)))  # 2,000 groups
    day = m.recorder.frames()[0].iloc[-1]
    return day["new_group_members"] - day["new_groups_opened"], day["new_group_invitations"]


@pytest.mark.slow
def test_showing_headcount_raises_joining():
    joined_on, seen_on = _joining(True)
    joined_off, seen_off = _joining(False)
    rate_on, rate_off = joined_on / seen_on, joined_off / seen_off
    # multiplier 1 + 3 m/(k+1) is between 1.6 (initiator alone) and 3.4 (one slot left) here
    assert rate_on > 1.4 * rate_off, (rate_on, rate_off)
    assert rate_on < 3.4 * rate_off, (rate_on, rate_off)
    # no effect size, no difference: the same draws give the same outcome
    assert _joining(True, 0.0) == _joining(False, 0.0)


@pytest.mark.slow
def test_window_is_respected():
    six = gb_market(8000, 2, graph="holme_kim", **{"brands.A.policy.group_buying.window_hours": 6.0,
                                                    "mechanisms.group_buying.join_prob": 0.1,
                                                    "mechanisms.group_buying.invites_per_member": 5,
                                                    "mechanisms.group_buying.response_delay_hours": 6.0})
    run_day(six, 1, organic(np.arange(0, 8000, 8)))
    g = gb(six)
    assert (g.g_deadline == g.g_open).all()  # a 6-hour window is one 6-hour round
    assert (g.g_state != 0).all()  # every group closed within its opening round
    filled = g.g_state == 1
    assert filled.any() and (~filled).any()
    assert (g.g_fill_round[filled] <= g.g_deadline[filled]).all()
    day = six.recorder.frames()[0].iloc[-1]
    assert day["mean_fill_hours"] == 6.0 and day["n_groups_open"] == 0
    # 48 hours: groups outlive the day and fill later, never after their deadline
    long = gb_market(8000, 2, graph="holme_kim", **{"brands.A.policy.group_buying.window_hours": 48.0,
                                                     "mechanisms.group_buying.join_prob": 0.1,
                                                     "mechanisms.group_buying.invites_per_member": 5,
                                                     "mechanisms.group_buying.response_delay_hours": 6.0})
    run_day(long, 1, organic(np.arange(0, 8000, 8)))
    assert long.recorder.frames()[0].iloc[-1]["n_groups_open"] > 0
    for day in (2, 3, 4):
        run_day(long, day)
    g = gb(long)
    assert (g.g_state != 0).all() and (g.g_deadline - g.g_open == 7).all()
    filled = g.g_state == 1
    assert (g.g_fill_round[filled] <= g.g_deadline[filled]).all()
    assert (g.g_fill_round[filled] >= 8).any()  # some filled on day 2 (round 8 onwards)
    rate = lambda m: m.recorder.frames()[0].iloc[-1]["group_success_rate"]  # noqa: E731
    assert rate(long) > rate(six) + 0.1
    assert long.ledger.imbalance() < 1e-6 and six.ledger.imbalance() < 1e-6


@pytest.mark.slow
def test_no_discount_is_inert():
    base = {"population.consumers": 2000, "steps": 30}
    off = run_market(scenario("baseline", **base), 1)[0]
    on = run_market(scenario("baseline", **base, **{"mechanisms.group_buying.enabled": True}), 1)[0]
    assert on["cum_groups_opened"].max() == 0
    assert off.equals(on[off.columns])


# ------------------------------------------------------------------ behaviour over 5 seeds

N, DAYS = 4000, 60


def success(**policy) -> np.ndarray:
    over = {f"brands.Glow.policy.group_buying.{k}": v for k, v in policy.items()}
    sc = scenario("baseline", **{"population.consumers": N, "steps": DAYS, "mechanisms.group_buying.enabled": True,
                                 **over})
    rows = [run_market(sc, s)[0].iloc[-1] for s in SEEDS]
    # enough groups that a success rate has a standard error of ~0.05 (86-143 opened a run since ads are
    # priced at real rates and 4 of baseline's impressions a consumer a day wear out; 258-352 before)
    assert all(r["cum_groups_opened"] > 80 for r in rows)
    return np.array([r["group_success_rate"] for r in rows])


@pytest.mark.slow
def test_bigger_discount_higher_success_rate():
    low, high = success(discount=0.1), success(discount=0.5)
    assert (high > low + 0.1).all(), (low, high)
    assert high.mean() > 2 * low.mean(), (low, high)


@pytest.mark.slow
def test_smaller_group_higher_success_rate():
    small, big = success(discount=0.3, group_size=1), success(discount=0.3, group_size=4)
    assert (small > big + 0.2).all(), (small, big)
    assert small.mean() > 3 * big.mean(), (small, big)


@pytest.mark.slow
def test_money_balances_every_day_with_group_buying():
    for seed in SEEDS:
        sc = scenario("baseline", **{
            "population.consumers": 3000, "steps": 45, "mechanisms.group_buying.enabled": True,
            "brands.Glow.policy.group_buying.discount": 0.3, "brands.Glow.policy.group_buying.window_hours": 36,
            "brands.Glow.policy.referral.rates": 0.1, "brands.Glow.products.serum.quality": 0.5,
            "events": [{"day": 20, "type": "quality_scandal", "brand": "Glow"}]})
        market, _, m = run_market(sc, seed)
        assert market["cum_groups_filled"].iloc[-1] > 0 and market["cum_groups_failed"].iloc[-1] > 0
        assert market["money_imbalance"].max() < 1e-6 * market["cum_gmv"].iloc[-1]
        f, pop = m.ledger.brand, m.population
        held = m.ledger.escrow
        assert held >= -1e-9
        # consumers' net payments = brand revenue − discounts − brand refunds + money still in escrow
        assert np.isclose(pop.spent.sum() - pop.refunded.sum(),
                          f["revenue"].sum() - f["discounts"].sum() - f["refunds"].sum() + held)


# ------------------------------------------------------------------ fallback, open groups, paired-seed economics


def test_failed_initiator_falls_back_to_list_price():
    # 3 consumers, k = 4: the group fails at the end of its 6-hour round; the refunded initiator buys alone
    for prob, expect in ((1.0, 1), (0.0, 0)):
        m = gb_market(3, 4, **{"brands.A.policy.group_buying.window_hours": 6.0,
                               "mechanisms.group_buying.fallback_prob": prob})
        run_day(m, 1, organic([0]))
        day = m.recorder.frames()[0].iloc[-1]
        assert day["new_groups_failed"] == 1 and day["new_group_fallback_orders"] == expect
        o, pop = m.orders, m.population
        assert len(o) == expect
        if expect:
            assert o.consumers.tolist() == [0] and o.channel[0] == CHANNELS.index("organic") and o.discount[0] == 0
            assert pop.spent[0] == pytest.approx(80.0 + 100.0) and pop.refunded[0] == pytest.approx(80.0)
            assert m.ledger.brand["revenue"][0] == pytest.approx(100.0) and m.ledger.brand["discounts"][0] == 0
        assert np.allclose(pop.spent[1:] - pop.refunded[1:], 0.0)  # partners are refunded and buy nothing
        assert m.ledger.escrow == pytest.approx(0.0) and m.ledger.imbalance() < 1e-9


def _stranger_market(listed: bool):
    m = gb_market(10, 2, **{"mechanisms.group_buying.join_prob": 0.0,  # invited friends never join
                            "mechanisms.group_buying.stranger_join_prob": 1.0,
                            "mechanisms.group_buying.rounds_per_day": 1,  # one round: all see the group
                            "mechanisms.group_buying.fallback_prob": 0.0,
                            "brands.A.policy.group_buying.list_open_groups": listed})
    shoppers = np.array([5, 6, 7], dtype=np.int64)  # in-market today, aware of product 0, not buying it
    m.shoppers = {0: (shoppers, np.array([0]), np.ones((3, 1), dtype=bool))}  # the decision's state (off here)
    run_day(m, 1, organic([0]))
    return m


def test_strangers_join_open_groups_listed_on_the_product_page():
    m = _stranger_market(True)
    day = m.recorder.frames()[0].iloc[-1]
    assert day["new_group_strangers"] == 2 and day["new_groups_filled"] == 1  # two of the three shoppers fill it
    assert sorted(m.orders.consumers.tolist())[0] == 0 and set(m.orders.consumers[1:].tolist()) <= {5, 6, 7}
    assert (m.orders.channel == CHANNELS.index("group")).all() and m.ledger.imbalance() < 1e-9
    m = _stranger_market(False)  # not listed: only invited friends may join, and none does
    day = m.recorder.frames()[0].iloc[-1]
    assert day["new_group_strangers"] == 0 and day["new_groups_filled"] == 0 and len(m.orders) == 0


def _paired(name: str, seeds=SEEDS) -> tuple[np.ndarray, np.ndarray]:
    """Relative differences (with − without group buying) of the brand's orders and profit, same seeds."""
    out = []
    for s in seeds:
        arms = []
        for on in (True, False):
            _, _, m = run_market(scenario(name, **{"mechanisms.group_buying.enabled": on}), s)
            arms.append((m.population.orders_by_brand.sum(), m.ledger.profit().sum()))
        (o1, p1), (o0, p0) = arms
        out.append(((o1 - o0) / o0, (p1 - p0) / p0))
    return np.array(out).T


@pytest.mark.slow
def test_group_buying_raises_orders_and_profit_in_shipped_scenario():
    # 20% off, 48 h, open groups listed, fallback 0.5, invitations to distinct friends, ads at real prices
    # (seeds 1-5: orders +27-34%, profit +17-23%, mean +19% since shares are read by 16% of friends; seeds 1-10
    # before: orders +25.8%, profit +14.9%; +22.8% and +8.3% with the old ad prices). 8c2bc54 (no fallback, friends
    # only) gives orders -0.3% and profit -9.8% on the same market and seeds.
    orders, profit = _paired("group_buying")
    assert (orders > 0.08).all() and orders.mean() < 0.4, orders
    assert (profit > 0).all() and 0.01 < profit.mean() < 0.25, profit


@pytest.mark.slow
def test_deep_group_discount_costs_more_than_it_brings():
    orders, profit = _paired("group_buying_deep_discount")  # 50% off: seeds 1-10 orders +40%, profit -21%
    assert (orders > 0.15).all(), orders
    assert (profit < -0.1).all() and profit.mean() > -0.3, profit
