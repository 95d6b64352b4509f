"""Each mechanism alone on a small market, against its formula (DESIGN.md: mock one module)."""

from __future__ import annotations

import numpy as np
import pytest

from simcommerce import Market, testing
from simcommerce.buffers import Exposure, Orders
from simcommerce.mechanisms.reviews import rating_signal


def mock_market(only: list[str], n: int = 2000, seed: int = 1, **overrides) -> Market:
    """Only the ``only`` mechanisms on, two brands, day 1, everyone active (:func:`simcommerce.testing.mock_market`)."""
    return testing.mock_market(only, n=n, seed=seed, **overrides)


def mech(m: Market, name: str):
    return next(x for x in m.mechanisms if x.name == name)


@pytest.mark.slow
def test_decision_matches_multinomial_logit():
    m = mock_market(["decision"], n=40000, **{"mechanisms.decision.intent_rate": 1.0,
                                              "mechanisms.decision.beta_social": 0.0})
    pop, d = m.population, mech(m, "decision")
    pop.interest[:] = 1.0
    pop.aware[:] = True
    rng = np.random.default_rng(0)
    pop.belief[:] = rng.uniform(0.3, 0.9, pop.belief.shape).astype(np.float32)
    d.step(m)
    p = d.p
    v = (p["asc"] + p["beta_quality"] * pop.belief + p["beta_trust"] * (pop.trust_brand - 0.5)
         - p["beta_price"] * pop.price_sensitivity[:, None] * m.product_price / p["price_scale"])
    prob = np.exp(v) / (1 + np.exp(v).sum(axis=1, keepdims=True))
    expected = prob.sum(axis=0)  # expected number of buyers of each product
    got = np.bincount(m.orders.products, minlength=2)
    sd = np.sqrt((prob * (1 - prob)).sum(axis=0))
    assert np.all(np.abs(got - expected) < 4 * sd), (got, expected, sd)
    assert got[0] > got[1]  # better belief on average? no: cheaper and better quality wins
    # a consumer aware of nothing never buys
    m2 = mock_market(["decision"], n=2000, **{"mechanisms.decision.intent_rate": 1.0})
    m2.population.aware[:, 1] = False
    m2.population.aware[:1000, 0] = True
    mech(m2, "decision").step(m2)
    assert set(m2.orders.products.tolist()) <= {0} and (m2.orders.consumers < 1000).all()


def test_decision_respects_cooldown_and_activity():
    m = mock_market(["decision"], **{"mechanisms.decision.intent_rate": 1.0, "mechanisms.decision.asc": 10.0})
    pop = m.population
    pop.aware[:] = True
    pop.interest[:] = 1.0
    pop.last_purchase_day[:1000, 0] = 0  # bought yesterday: cooling down
    m.active[1000:1500] = False
    mech(m, "decision").step(m)
    c = m.orders.consumers
    assert not np.any(c < 1500)
    assert len(c) > 0.95 * 500  # the rest nearly all buy with a huge constant


def test_exposure_moves_belief_and_sets_referrer():
    m = mock_market(["exposure"], **{"mechanisms.exposure.learning_rate": 0.5})
    pop, ex = m.population, mech(m, "exposure")
    ids = np.array([3, 4, 5])
    m.feed.append(Exposure(ids, 0, "ad", 0.4, 0.9))
    m.feed.append(Exposure(np.array([7]), 1, "friend", 1.0, 0.1, senders=np.array([3])))
    ex.step(m)
    assert pop.aware[ids, 0].all() and not pop.aware[ids, 1].any()
    assert np.allclose(pop.belief[ids, 0], 0.5 + 0.5 * 0.4 * (0.9 - 0.5))
    assert np.isclose(pop.belief[7, 1], 0.5 + 0.5 * (0.1 - 0.5))
    assert pop.referrer[7, 1] == 3 and pop.referral_day[7, 1] == 1 and pop.referrer[3, 0] == -1
    assert m.feed == []


def test_experience_satisfaction_is_expectation_disconfirmation():
    m = mock_market(["experience"], **{"mechanisms.experience.quality_noise": 0.0,
                                       "mechanisms.experience.failure_share": 0.0,
                                       "mechanisms.experience.disconfirmation_weight": 0.5})
    ids = np.arange(4)
    expect = np.array([0.2, 0.8, 0.95, 0.6], dtype=np.float32)
    m.orders = Orders(consumers=ids, products=np.zeros(4, dtype=np.int64), expectation=expect,
                      discount=np.zeros(4), referrer=np.full(4, -1), paid=np.full(4, 100.0))
    mech(m, "experience").step(m)
    q = m.product_quality[0]
    assert np.allclose(m.orders.satisfaction, np.clip(q + 0.5 * (q - expect), 0, 1))
    assert m.orders.satisfaction[0] > m.orders.satisfaction[2]  # low expectations pleasantly surprised


def test_failures_and_returns_are_refunded():
    m = mock_market(["experience"], **{"mechanisms.experience.failure_share": 1.0,
                                       "mechanisms.experience.return_prob": 1.0,
                                       "brands": [{"name": "A", "products": [
                                           {"name": "a", "price": 100, "quality": 0.0}]}]})
    n = 500
    m.orders = Orders(consumers=np.arange(n), products=np.zeros(n, dtype=np.int64),
                      expectation=np.full(n, 0.7, dtype=np.float32), discount=np.zeros(n),
                      referrer=np.full(n, -1), paid=np.full(n, 100.0))
    mech(m, "experience").step(m)
    assert np.all(m.orders.experienced == 0)  # quality 0 always fails
    assert m.ledger.brand["refunds"][0] == pytest.approx(100.0 * n)
    assert m.population.refunded.sum() == pytest.approx(100.0 * n)


def test_rating_signal_and_stars():
    counts = np.array([[0, 0, 0, 0, 0], [0, 0, 0, 0, 10], [10, 0, 0, 0, 0], [0, 0, 1000, 0, 0]])
    s = rating_signal(counts, prior=10.0)
    assert s[0] == 0 and s[1] == pytest.approx(0.5) and s[2] == pytest.approx(-0.5) and s[3] == 0
    m = mock_market(["reviews"], **{"population.review_propensity": 0.999, "mechanisms.reviews.base_prob": 1.0})
    m.population.review_propensity[:] = 1.0
    sat = np.array([0.0, 0.2, 0.4, 0.6, 0.9], dtype=np.float32)
    m.orders = Orders(consumers=np.arange(5), products=np.zeros(5, dtype=np.int64), satisfaction=sat)
    mech(m, "reviews").step(m)
    assert m.rating_counts[0].tolist() == [1, 1, 1, 1, 1]  # cut-offs 0.15, 0.35, 0.55, 0.7


def test_referral_commission_discount_and_window():
    m = mock_market(["referral", "checkout"], **{"brands.A.policy.referral.rates": 0.1,
                                                 "brands.A.policy.referral.buyer_discount": 0.2,
                                                 "brands.A.policy.referral.window_days": 7})
    pop = m.population
    m.day = 20
    pop.referrer[[10, 11, 12], 0] = [1, 2, 12]
    pop.referral_day[[10, 11, 12], 0] = [15, 5, 19]  # 11's link expired; 12 referred themself
    m.orders = Orders(consumers=np.array([10, 11, 12]), products=np.zeros(3, dtype=np.int64),
                      expectation=np.zeros(3, dtype=np.float32), discount=np.zeros(3),
                      referrer=np.full(3, -1))
    for name in ("referral", "checkout"):
        mech(m, name).step(m)
    assert np.allclose(pop.spent[[10, 11, 12]], [80.0, 100.0, 100.0])
    assert pop.earned[1] == pytest.approx(0.1 * 80.0) and pop.earned[2] == 0 and pop.earned[12] == 0
    assert pop.referrer[10, 0] == -1  # used once
    assert m.ledger.imbalance() < 1e-9


@pytest.mark.slow
def test_word_of_mouth_reaches_friends_with_incentive():
    base = {"mechanisms.word_of_mouth.reach": "random_friends", "mechanisms.word_of_mouth.friends_per_share": 3}
    shares = []
    for rate in (0.0, 0.2):
        m = mock_market(["referral", "word_of_mouth"], n=3000, **base, **{"brands.A.policy.referral.rates": rate})
        n = 3000
        m.orders = Orders(consumers=np.arange(n), products=np.zeros(n, dtype=np.int64),
                          satisfaction=np.full(n, 0.9, dtype=np.float32),
                          experienced=np.full(n, 0.85, dtype=np.float32))
        mech(m, "word_of_mouth").step(m)
        (ex,) = m.feed
        assert np.allclose(ex.message, 0.85)
        if rate > 0:
            for s, r in zip(ex.senders[:200], ex.consumers[:200]):
                assert r in m.friends.neighbors(s)
        else:
            assert ex.senders is None  # no programme, no link
        shares.append(m.recorder._today["new_shares"][0])
    assert shares[1] > 1.6 * shares[0]  # 1 + 5 * 0.2 = 2x the sharing probability (capped at 1)


def test_trust_recovers_geometrically_toward_baseline():
    m = mock_market(["trust"], **{"mechanisms.trust.recovery_rate": 0.1})
    pop = m.population
    base = pop.trust_baseline.copy()
    pop.trust_brand[:] = 0.0
    for _ in range(10):
        mech(m, "trust").step(m)
    assert np.allclose(pop.trust_brand, base * (1 - 0.9 ** 10), atol=1e-5)


@pytest.mark.slow
def test_quality_scandal_hits_hearers_and_spreads():
    ev = [{"day": 1, "type": "quality_scandal", "brand": "A", "severity": 0.5, "reach": 0.2}]
    m = mock_market(["trust"], n=5000, events=ev, **{"mechanisms.trust.recovery_rate": 0.0,
                                                     "mechanisms.trust.news_share_prob": 0.2})
    pop, t = m.population, mech(m, "trust")
    before = pop.trust_brand.copy()
    t.step(m)
    heard = t.news[0].heard.copy()
    assert 0.17 < heard.mean() < 0.23
    assert np.allclose(pop.trust_brand[heard, 0], before[heard, 0] * 0.5)
    assert np.allclose(pop.trust_brand[~heard, 0], before[~heard, 0])
    assert np.allclose(pop.trust_brand[:, 1], before[:, 1])  # the other brand is untouched
    for day in range(2, 5):
        m.day = day
        t.step(m)
    assert t.news[0].heard.sum() > 1.5 * heard.sum()  # the news spread to friends
