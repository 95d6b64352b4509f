"""Stickiness and network effects (mechanism ``stickiness``): activity rises with friends' activity, the
user base and one's own purchases, stays a probability, and makes the value per user grow with the
number of users (flat without it)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import scenario
from simcommerce import Market
from simcommerce.buffers import CHANNELS, Orders
from simcommerce.mechanisms import REGISTRY
from simcommerce.network import CompleteGraph, CSRGraph, holme_kim

SEEDS = (1, 2, 3)


def only_stickiness(n: int, steps: int = 60, base: float = 0.3, model: str = "holme_kim", **params) -> dict:
    """The baseline with every mechanism off but stickiness (no purchases: the habit stays 0)."""
    switches = {f"mechanisms.{name}.enabled": name == "stickiness" for name in REGISTRY}
    return scenario("baseline", **{"population.consumers": n, "steps": steps, "population.daily_active_share": base,
                                   "network.friendship.model": model, **switches,
                                   **{f"mechanisms.stickiness.{k}": v for k, v in params.items()}})


def network_effects(n: int, steps: int = 90, **overrides) -> dict:
    return scenario("network_effects", **{"population.consumers": n, "steps": steps, **overrides})


def mech(m: Market):
    return next(x for x in m.mechanisms if x.name == "stickiness")


@pytest.mark.slow
def test_off_by_default_and_without_effects_nothing_changes():
    cls = REGISTRY["stickiness"]
    assert not cls.enabled_by_default and not scenario("baseline")["mechanisms"]["stickiness"]["enabled"]
    assert set(cls.params) == {"peer_effect", "size_effect", "half_users", "habit_effect", "habit_half_life",
                               "window_days"}
    off = scenario("baseline", **{"population.consumers": 2000, "steps": 40})
    zero = scenario("baseline", **{"population.consumers": 2000, "steps": 40, "mechanisms.stickiness.enabled": True,
                                   "mechanisms.stickiness.peer_effect": 0.0, "mechanisms.stickiness.size_effect": 0.0,
                                   "mechanisms.stickiness.habit_effect": 0.0})
    for seed in (1, 2):
        a, b = Market(off, seed=seed), Market(zero, seed=seed)
        a.run()
        b.run()
        da, db = a.recorder.frames()[0], b.recorder.frames()[0]
        assert a.activity_hook is None and b.activity_hook is not None
        assert da["n_active"].tolist() == db["n_active"].tolist()
        assert da["cum_orders"].iloc[-1] == db["cum_orders"].iloc[-1] > 0
        assert db["mean_activity"].iloc[5:].between(0.59, 0.61).all()  # the baseline's daily_active_share 0.6


def test_random_neighbor_is_a_uniform_friend():
    rng = np.random.default_rng(3)
    g = holme_kim(300, 3, 0.5, rng)
    g = CSRGraph(301, np.r_[g.indptr, g.indptr[-1]], g.indices)  # node 300 has no friends
    counts = np.zeros((301, 301))
    for _ in range(400):
        pick = g.random_neighbor(rng.random(301))
        assert pick[300] == -1
        counts[np.arange(300), pick[:300]] += 1
    for i in range(300):
        friends = g.neighbors(i)
        assert counts[i].sum() == counts[i, friends].sum() == 400  # always a friend
    # uniform: the chi-square of the picks over each node's friends, summed, is near its degrees of freedom
    chi2 = sum(((counts[i, g.neighbors(i)] - 400 / g.degree[i]) ** 2 / (400 / g.degree[i])).sum() for i in range(300))
    dof = int((g.degree[:300] - 1).sum())
    assert abs(chi2 - dof) < 4 * np.sqrt(2 * dof)
    c = CompleteGraph(50)
    picks = np.stack([c.random_neighbor(rng.random(50)) for _ in range(2000)])
    assert not (picks == np.arange(50)).any() and picks.min() == 0 and picks.max() == 49
    assert np.allclose(np.bincount(picks[:, 7], minlength=50)[np.arange(50) != 7] / 2000, 1 / 49, atol=0.012)


@pytest.mark.slow
def test_multiplier_follows_the_formula_for_each_consumer():
    """Multiplier = 1 + peer_effect × (a random friend active yesterday) + size term + habit term; the
    peer indicator's mean is the share of friends active yesterday."""
    m = Market(only_stickiness(3000, peer_effect=0.5, size_effect=0.4, half_users=1000.0, habit_effect=0.3), seed=2)
    m.run(10)
    st, g = mech(m), m.friends
    m.active[:] = np.random.default_rng(0).random(3000) < 0.5
    st.habit[:] = np.random.default_rng(1).uniform(0, 2, 3000).astype(np.float32)
    users = st.recent_users
    assert 0.85 * 3000 < users <= 3000  # 1 − 0.7^7 of them were active in the last 7 days
    share = np.array([m.active[g.neighbors(i)].mean() for i in range(3000)])
    rest = 1 + 0.4 * users / (users + 1000.0) + 0.3 * np.minimum(st.habit, 1.0)
    seen = np.zeros(3000)
    for _ in range(200):
        peer = (st.multiplier(m) - rest) / 0.5
        assert np.allclose(peer, np.round(peer), atol=1e-5) and set(np.round(peer)) <= {0.0, 1.0}
        assert not peer[share == 0].round().any() and peer[share == 1].round().all()
        seen += np.round(peer) / 200
    assert abs(seen.mean() - share.mean()) < 0.005
    for lo in np.arange(0, 1, 0.2):  # by share of friends active: the indicator's mean is the share
        group = (share >= lo) & (share < lo + 0.2)
        assert abs(seen[group].mean() - share[group].mean()) < 0.01
    base = np.full(3000, 0.3, dtype=np.float32)
    probs = st.activity(m, base)
    assert np.all((np.isclose(probs, 0.3 * rest)) | np.isclose(probs, 0.3 * (rest + 0.5)))
    assert st.mean_activity == pytest.approx(probs.mean(), abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["complete", "holme_kim"])
def test_peer_effect_gives_the_social_multiplier(model):
    """With the peer effect alone and base activity a, activity settles at a / (1 − a × peer_effect) (0.353 at
    a = 0.3, peer_effect 0.5; 0.429 at peer_effect 1): more than a, and more than one round of the
    effect (a × (1 + a × peer_effect) = 0.345), the same at every size (fixed mean degree)."""
    for peer, target in ((0.5, 0.3 / 0.85), (1.0, 0.3 / 0.7)):
        for n in (1000, 4000):
            means = []
            for seed in SEEDS:
                m = Market(only_stickiness(n, model=model, peer_effect=peer, size_effect=0.0, habit_effect=0.0),
                           seed=seed)
                m.run()
                daily = m.recorder.frames()[0].iloc[20:]
                means.append(daily["mean_activity"].mean())
                assert daily["n_active"].mean() / n == pytest.approx(target, abs=0.012)
            assert np.mean(means) == pytest.approx(target, abs=0.002), (model, peer, n, means)
    off = Market(only_stickiness(2000, model=model, peer_effect=0.0, size_effect=0.0), seed=1)
    off.run()
    assert off.recorder.frames()[0]["mean_activity"].iloc[20:].mean() == pytest.approx(0.3, abs=1e-6)


@pytest.mark.slow
def test_size_effect_grows_with_the_user_base_and_adoption_share_is_weekly_activity():
    """Size effect alone: activity a (1 + size_effect U / (U + half_users)), U the users active in the
    last week (adoption share × N): higher in a bigger market."""
    act = {}
    for n in (1000, 4000):
        got, expected, act[n] = [], [], 0.0
        for seed in SEEDS:
            m = Market(only_stickiness(n, steps=40, peer_effect=0.0, size_effect=0.5, half_users=2000.0), seed=seed)
            m.run()
            daily = m.recorder.frames()[0]
            users = daily["adoption_share"].iloc[-1] * n
            assert daily["mean_activity"].iloc[-1] == pytest.approx(0.3 * (1 + 0.5 * users / (users + 2000)),
                                                                    abs=0.002)
            got.append(daily["adoption_share"].iloc[-1])
            expected.append(1 - np.prod(1 - daily["mean_activity"].iloc[-7:].to_numpy()))  # active in the last week
            act[n] += daily["mean_activity"].iloc[20:].mean() / len(SEEDS)
        assert np.mean(got) == pytest.approx(np.mean(expected), abs=0.008)
    assert act[4000] - act[1000] > 0.04  # 0.3 × 0.5 × (0.66 − 0.32) ≈ 0.05


def test_habit_builds_on_platform_purchases_and_decays():
    m = Market(network_effects(2000, steps=5, **{"mechanisms.stickiness.peer_effect": 0.0,
                                                 "mechanisms.stickiness.size_effect": 0.0}), seed=1)
    st = mech(m)
    m.run(1)
    st.habit[:] = 0
    m.day = 2
    m.orders = Orders(consumers=np.array([5, 6, 6]), products=np.zeros(3, dtype=np.int64),
                      expectation=np.full(3, 0.5, dtype=np.float32))
    st.step(m)
    assert st.habit[5] == pytest.approx(1.0) and st.habit[6] == pytest.approx(2.0) and st.habit[7] == 0
    m.orders = Orders()
    for day in range(3, 33):  # 30 days: halved
        m.day = day
        st.step(m)
    assert st.habit[5] == pytest.approx(0.5, rel=1e-4) and st.habit[6] == pytest.approx(1.0, rel=1e-4)
    mult = st.multiplier(m)
    assert mult[5] == pytest.approx(1.15, abs=1e-5) and mult[6] == pytest.approx(1.3, abs=1e-5)
    assert mult[7] == pytest.approx(1.0)
    # an order paid in a brand's external shop is not a purchase on the platform
    st.external[:] = True
    m.orders = Orders(consumers=np.array([8, 9]), products=np.zeros(2, dtype=np.int64),
                      expectation=np.full(2, 0.5, dtype=np.float32))
    m.orders.channel = np.array([CHANNELS.index("organic"), CHANNELS.index("group")], dtype=np.int8)
    st.step(m)
    assert st.habit[8] == 0 and st.habit[9] == pytest.approx(1.0)


@pytest.mark.slow
def test_habit_raises_activity_of_recent_buyers_by_the_expected_amount():
    """Same seeds with and without the habit: the activity draws are common, so the habit can only
    add active consumer-days, about base × habit_effect × Σ min(1, habit) of them."""
    ov = {"mechanisms.stickiness.peer_effect": 0.0, "mechanisms.stickiness.size_effect": 0.0,
          "mechanisms.stickiness.habit_effect": 0.3}
    extra, expected = 0.0, 0.0
    for seed in SEEDS:
        on = Market(network_effects(3000, steps=90, **ov), seed=seed)
        off = Market(network_effects(3000, steps=90, **{**ov, "mechanisms.stickiness.habit_effect": 0.0}), seed=seed)
        st = mech(on)
        for _ in range(90):
            expected += 0.3 * 0.3 * float(np.minimum(st.habit, 1.0).sum())  # from yesterday's habit
            on.step()
            off.step()
            assert np.all(on.active >= off.active)  # common draws: the habit only adds activity
            extra += np.count_nonzero(on.active) - np.count_nonzero(off.active)
    assert expected > 1000
    assert extra == pytest.approx(expected, rel=0.1)


@pytest.mark.slow
def test_activity_stays_a_probability():
    huge = {"peer_effect": 50.0, "size_effect": 50.0, "half_users": 1.0, "habit_effect": 50.0}
    m = Market(only_stickiness(1500, steps=20, base=0.9, **huge), seed=1)
    m.run()
    daily = m.recorder.frames()[0]
    assert daily["mean_activity"].between(0, 1).all() and daily["mean_activity"].iloc[-1] == 1.0
    assert (daily["n_active"] <= 1500).all() and daily["n_active"].iloc[-1] == 1500
    m = Market(only_stickiness(1500, steps=20, base=0.0, **huge), seed=1)
    m.run()
    daily = m.recorder.frames()[0]
    assert (daily["n_active"] == 0).all() and (daily["mean_activity"] == 0).all()  # no one to spread from
    st = mech(m)
    probs = st.activity(m, np.linspace(0, 1, 1500).astype(np.float32))
    assert probs.min() >= 0 and probs.max() <= 1


SIZES = (2500, 5000, 10000, 20000)


def curve(enabled: bool) -> tuple[np.ndarray, np.ndarray]:
    """(orders per consumer over 120 days, mean active share from day 31) at each of SIZES, the mean over
    seeds 1..20000/N (the same number of simulated consumer-days, so the same precision, at every size)."""
    orders, active = np.zeros(len(SIZES)), np.zeros(len(SIZES))
    for k, n in enumerate(SIZES):
        seeds = range(1, 1 + 20000 // n)
        for seed in seeds:
            m = Market(network_effects(n, steps=120, **{"mechanisms.stickiness.enabled": enabled}), seed=seed)
            m.run()
            daily = m.recorder.frames()[0]
            orders[k] += daily["cum_orders"].iloc[-1] / n / len(seeds)
            active[k] += daily["n_active"].iloc[30:].mean() / n / len(seeds)
    return orders, active


@pytest.mark.slow
def test_value_per_user_grows_with_the_number_of_users():
    orders, active = curve(True)
    assert np.all(np.diff(active) > 0.015), active  # 0.39, 0.42, 0.45, 0.48
    assert np.all(np.diff(orders) > 0.01), orders  # 0.164, 0.180, 0.214, 0.237 (2026-12-04)
    assert orders[-1] / orders[0] > 1.3, orders


@pytest.mark.slow
def test_without_stickiness_the_curve_is_flat():
    orders, active = curve(False)
    assert np.allclose(active, 0.3, atol=0.002), active
    assert orders.max() / orders.min() < 1.12, orders  # 0.103, 0.101, 0.111, 0.111 (2026-12-04)
