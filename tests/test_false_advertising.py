"""False advertising: detection of a claimed-vs-true quality gap, fine on ad spend, news shock
(issue 15, item 12)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_market, scenario
from simcommerce import Market

ON = {"mechanisms.false_advertising.enabled": True}


def small(**ov):
    return scenario("competition", **{"population.consumers": 3000, "steps": 90, **ov})


@pytest.mark.slow
def test_off_by_default_and_harmless_when_nothing_is_detected():
    sc = small()
    assert not sc["mechanisms"]["false_advertising"]["enabled"]
    a = run_market(sc, 1)[2]
    b = run_market(small(**ON, **{"mechanisms.false_advertising.detection_rate": 0.0}), 1)[2]
    assert np.array_equal(a.ledger.profit(), b.ledger.profit())  # its own stream: nobody else's draws shift
    assert b.ledger.brand["fines"].sum() == 0


def test_detection_fines_three_times_ad_spend_corrects_claims_and_hits_trust():
    sc = small(**ON, **{"mechanisms.false_advertising.detection_rate": 1000.0, "steps": 1})
    m = Market(sc, seed=2)
    hype = [b.name for b in m.brands].index("Hype")
    trust_before = m.population.trust_brand[:, hype].mean()
    m.step()  # day 1: Hype's gap 0.45 > tolerance 0.1: detected for sure
    f = m.ledger.brand
    spend = f["ad_spend"][hype] + f["influencer_fees"][hype]
    assert spend > 0 and np.isclose(f["fines"][hype], 3.0 * spend)
    assert f["fines"].sum() == f["fines"][hype]  # honest brands (no gap) are never fined
    j = m.brands[hype].product_ids[0]
    assert m.products[j].claimed_quality == m.product_claimed[j] == m.product_quality[j]
    # 30% hear, each loses 30% of their trust: the mean falls by about 9%
    assert 0.86 * trust_before < m.population.trust_brand[:, hype].mean() < 0.95 * trust_before
    assert m.ledger.imbalance() < 1e-6 * max(1.0, f["revenue"].sum())
    m.run(10)  # claims are true now: no second fine
    assert np.isclose(m.ledger.brand["fines"][hype], 3.0 * spend)
    _, brands = m.recorder.frames()
    assert brands.loc[brands.brand == "Hype", "cum_false_ad_detections"].iloc[-1] == 1


@pytest.mark.slow
def test_likely_detection_removes_the_profit_of_hype_paired_seeds():
    """Without enforcement hype pays (2-3x an honest copy's profit); detected within about a week (rate 0.5:
    0.175/day at Hype's gap of 0.45) it earns no more than the honest copy (0.93x over seeds 1-3; at rate 0.1, caught
    after a month on average, 1.30x)."""
    def hype_profit(ov, seed, honest=False):
        sc = small(**ov)
        if honest:
            sc["brands"][2]["products"][0]["claimed_quality"] = sc["brands"][2]["products"][0]["quality"]
        return run_market(sc, seed)[2].ledger.profit()[2]

    free, caught, honest = [], [], []
    for s in (1, 2, 3):
        free.append(hype_profit({}, s))
        caught.append(hype_profit({**ON, "mechanisms.false_advertising.detection_rate": 0.5}, s))
        honest.append(hype_profit({}, s, honest=True))
    free, caught, honest = map(np.array, (free, caught, honest))
    assert (free > 1.5 * honest).all()
    assert (caught < 0.8 * free).all()
    assert caught.mean() < 1.25 * honest.mean()
