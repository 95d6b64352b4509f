"""Distribution (multi-level referral): commissions per level, the regulatory flags, sharing fatigue,
money balance, and behaviour over 5 seeds."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SEEDS, run_market, scenario
from simcommerce.buffers import Exposure, Orders
from simcommerce.mechanisms.referral import gini
from simcommerce.spec import ScenarioError
from test_mechanisms import mech, mock_market


def chain_market(rates, n_promoters: int = 3, **overrides):
    """Brand A (price 100) with rates; promoters 0..n-1 in one line: 0 is root, k's sponsor is k - 1."""
    m = mock_market(["referral", "checkout"], **{"brands.A.policy.referral.rates": rates, **overrides})
    pop = m.population
    ids = np.arange(n_promoters)
    pop.promoter[ids, 0] = True
    pop.sponsor[ids, 0] = ids - 1
    pop.generation[ids, 0] = ids + 1
    pop.bought[ids, 0] = True
    return m


def referral_order(m, buyer: int, sender: int, day: int = 20) -> None:
    """``buyer`` orders product a today, through ``sender``'s link received yesterday; run the transact stage."""
    pop = m.population
    m.day = day
    pop.referrer[buyer, 0] = sender
    pop.referral_day[buyer, 0] = day - 1
    m.orders = Orders(consumers=np.array([buyer]), products=np.zeros(1, dtype=np.int64),
                      expectation=np.zeros(1, dtype=np.float32), discount=np.zeros(1), referrer=np.full(1, -1))
    for name in ("referral", "checkout"):
        mech(m, name).step(m)


def today(m, name: str) -> float:
    return float(m.recorder._today.get(name, np.zeros(2))[0])


@pytest.mark.slow
def test_commission_per_level_up_a_hand_built_chain():
    m = chain_market([0.1, 0.05, 0.02], **{"brands.A.policy.referral.buyer_discount": 0.2})
    pop = m.population
    referral_order(m, buyer=100, sender=2)  # chain: 2 (level 1) -> 1 (level 2) -> 0 (level 3)
    paid = 100 * (1 - 0.2)
    assert pop.spent[100] == pytest.approx(paid)
    assert pop.earned[[2, 1, 0]] == pytest.approx([0.1 * paid, 0.05 * paid, 0.02 * paid])
    assert pop.promoter_earned[[2, 1, 0], 0] == pytest.approx([8.0, 4.0, 1.6])
    assert [today(m, f"new_commission_level_{k}") for k in (1, 2, 3)] == pytest.approx([8.0, 4.0, 1.6])
    assert today(m, "new_commission") == pytest.approx(13.6) and today(m, "new_commission_capped") == 0
    # the buyer joined as a promoter with the sender as sponsor, one generation below
    assert pop.promoter[100, 0] and pop.sponsor[100, 0] == 2 and pop.generation[100, 0] == 4
    assert m.ledger.imbalance() < 1e-9
    # the chain stops at the root: a link from the root pays level 1 only
    referral_order(m, buyer=101, sender=0, day=21)
    assert pop.earned[0] == pytest.approx(1.6 + 0.1 * paid) and pop.earned[1] == pytest.approx(4.0)


@pytest.mark.slow
def test_a_short_chain_pays_what_exists_and_a_second_link_does_not_rebind():
    m = chain_market([0.1, 0.05, 0.02], n_promoters=2)
    pop = m.population
    referral_order(m, buyer=100, sender=1)
    assert pop.earned[[1, 0]] == pytest.approx([10.0, 5.0])  # no level 3 above the root
    referral_order(m, buyer=100, sender=0, day=25)  # a repeat purchase through another friend's link
    assert pop.sponsor[100, 0] == 1  # the first sponsor stays
    assert pop.earned[0] == pytest.approx(5.0 + 10.0)  # level 1 is the link's sender


@pytest.mark.slow
def test_depth_cap_is_enforced_and_reported_not_silently_dropped():
    m = chain_market([0.1, 0.05, 0.02], **{"mechanisms.referral.max_levels": 1})
    pop = m.population
    referral_order(m, buyer=100, sender=2)
    assert pop.earned[2] == pytest.approx(10.0) and pop.earned[[0, 1]].sum() == 0
    assert today(m, "new_commission_capped") == pytest.approx(5.0 + 2.0)
    assert today(m, "new_commission_level_2") == 0 and today(m, "new_commission") == pytest.approx(10.0)
    assert m.share_incentive[0] == pytest.approx(0.1)  # only paid levels motivate sharing
    assert m.ledger.imbalance() < 1e-9


def flags(m) -> dict[str, float]:
    return {k: float(v[0][0]) for k, v in mech(m, "referral").report(m).items()}


@pytest.mark.slow
@pytest.mark.parametrize("organiser", [True, False])
def test_pyramid_flag_levels_and_participants(organiser):
    sw = {"mechanisms.referral.count_organiser_level": organiser}
    # two paid levels: 3 levels counting the organiser, 2 without
    m = chain_market([0.1, 0.05], n_promoters=29, **sw)
    referral_order(m, buyer=100, sender=28)  # the buyer is the 30th promoter; level 2 paid
    f = flags(m)
    assert f["n_promoters"] == 30 and f["max_depth"] == 30
    assert f["scheme_levels"] == (3 if organiser else 2)
    assert f["flag_pyramid"] == (1.0 if organiser else 0.0)
    assert f["illegal_scheme"] == 1  # level 2 is pay on a downline's sales (Decree 444), with or without organiser
    # 29 participants are not enough, whatever the levels
    m = chain_market([0.1, 0.05, 0.02], n_promoters=28, **sw)
    referral_order(m, buyer=100, sender=27)
    f = flags(m)
    assert f["n_promoters"] == 29 and f["scheme_levels"] == (4 if organiser else 3) and f["flag_pyramid"] == 0
    # three paid levels with 30 participants: illegal under either convention
    m = chain_market([0.1, 0.05, 0.02], n_promoters=29, **sw)
    referral_order(m, buyer=100, sender=28)
    assert flags(m)["illegal_scheme"] == 1
    # one level is never a pyramid here: 2 levels at most, even counting the organiser
    m = chain_market([0.1], n_promoters=29, **sw)
    referral_order(m, buyer=100, sender=28)
    f = flags(m)
    assert f["scheme_levels"] == (2 if organiser else 1) and f["illegal_scheme"] == 0


def test_levels_count_only_paid_depth():
    """A deep tree without any deep payment yet counts the levels actually paid."""
    m = chain_market([0.1, 0.05], n_promoters=40)
    f = flags(m)
    assert f["max_depth"] == 40 and f["scheme_levels"] == 0 and f["illegal_scheme"] == 0
    referral_order(m, buyer=100, sender=0)  # the root's link: level 1 only
    assert flags(m)["scheme_levels"] == 2  # 1 paid level + the organiser


@pytest.mark.slow
@pytest.mark.parametrize("organiser", [True, False])
def test_downline_pay_is_flagged_by_commission_depth_not_sponsor_depth(organiser):
    """团队计酬 (Decree 444 Art. 7): pay on a downline's sales, at any depth, is a commission of level ≥ 2;
    a one-level scheme pays only on one's own sales, however deep the sponsor tree (issue 15, item 9)."""
    sw = {"mechanisms.referral.count_organiser_level": organiser}
    # 10% + 3%, five promoters (fewer than 30): not a pyramid, but level 2 pays the sender's sponsor
    m = chain_market([0.1, 0.03], n_promoters=5, **sw)
    referral_order(m, buyer=100, sender=0)  # the root's own link: level 1 only, no downline pay yet
    f = flags(m)
    assert f["flag_downline_pay"] == f["illegal_scheme"] == 0
    referral_order(m, buyer=101, sender=4, day=21)  # level 2 paid to promoter 3, on a sale by its recruit 4
    f = flags(m)
    assert f["scheme_levels"] == (3 if organiser else 2) and f["flag_pyramid"] == 0
    assert f["flag_downline_pay"] == f["illegal_scheme"] == 1
    # one level over a 5-generation sponsor tree: everyone is paid on sales through their own link only
    m = chain_market([0.1], n_promoters=5, **sw)
    referral_order(m, buyer=100, sender=4)
    f = flags(m)
    assert f["max_depth"] == 6 and f["scheme_levels"] == (2 if organiser else 1)
    assert f["flag_downline_pay"] == f["illegal_scheme"] == 0
    # a regulator's cap at one paid level keeps the 10% + 3% scheme clear (level 2 is capped, not paid)
    m = chain_market([0.1, 0.03], n_promoters=5, **sw, **{"mechanisms.referral.max_levels": 1})
    referral_order(m, buyer=100, sender=4)
    assert flags(m)["flag_downline_pay"] == flags(m)["illegal_scheme"] == 0
    # the ban can be lifted (e.g. to study the criminal threshold alone)
    m = chain_market([0.1, 0.03], n_promoters=5, **sw, **{"mechanisms.referral.ban_downline_pay": False})
    referral_order(m, buyer=100, sender=4)
    assert flags(m)["flag_downline_pay"] == flags(m)["illegal_scheme"] == 0
    # head-count pay alone is level-1 pay: its own flag, not downline pay
    m = chain_market([0.1], n_promoters=5, **sw, **{"brands.A.policy.referral.headcount_bonus": 5.0})
    referral_order(m, buyer=100, sender=4)
    f = flags(m)
    assert f["flag_headcount_pay"] == f["illegal_scheme"] == 1 and f["flag_downline_pay"] == 0


@pytest.mark.parametrize("banned", [True, False])
def test_entry_fee_and_headcount_pay_flags_and_money(banned):
    m = chain_market([0.1], **{"brands.A.policy.referral.entry_fee": 50.0,
                               "brands.A.policy.referral.headcount_bonus": 5.0,
                               "mechanisms.referral.ban_entry_fees": banned,
                               "mechanisms.referral.ban_headcount_pay": banned})
    pop = m.population
    referral_order(m, buyer=100, sender=2)
    assert pop.spent[100] == pytest.approx(100.0 + 50.0)  # the order and the fee to join
    assert pop.earned[2] == pytest.approx(10.0 + 5.0)  # commission and headcount bonus
    assert today(m, "new_entry_fees") == 50 and today(m, "new_headcount_pay") == 5
    assert today(m, "new_gmv") == 100  # the fee is not GMV
    assert m.ledger.imbalance() < 1e-9
    f = flags(m)
    assert f["flag_entry_fee"] == f["flag_headcount_pay"] == f["illegal_scheme"] == float(banned)
    assert f["commission_share_of_gmv"] == pytest.approx(15.0 / 100.0)
    # a repeat purchase pays no second fee or bonus
    referral_order(m, buyer=100, sender=2, day=25)
    assert pop.spent[100] == pytest.approx(250.0) and pop.earned[2] == pytest.approx(25.0)


def test_gini():
    assert gini(np.array([])) == 0 and gini(np.zeros(5)) == 0 and gini(np.full(4, 3.0)) == 0
    assert gini(np.array([0, 0, 0, 10.0])) == pytest.approx(0.75)
    x = np.array([1.0, 2, 3, 4])
    mad = np.abs(x[:, None] - x[None, :]).mean()  # Gini = mean absolute difference / (2 × mean)
    assert gini(x) == pytest.approx(mad / (2 * x.mean())) == pytest.approx(0.25)
    m = chain_market([0.1], n_promoters=4)
    m.population.promoter_earned[:4, 0] = [0, 0, 0, 10.0]
    assert flags(m)["promoter_gini"] == pytest.approx(0.75)


def test_rates_accepts_a_number_and_rejects_the_old_key():
    assert scenario("baseline", **{"brands.Glow.policy.referral.rates": 0.1})["brands"][0]["policy"][
        "referral"]["rates"] == [0.1]
    with pytest.raises(ScenarioError):
        scenario("baseline", **{"brands.Glow.policy.referral.rate": 0.1})


def test_fatigue_ignores_commercial_shares_and_erodes_trust():
    m = mock_market(["sharing_fatigue"], n=2000, **{"brands.A.policy.referral.rates": [0.1],
                                                    "mechanisms.sharing_fatigue.tolerance": 2.0,
                                                    "mechanisms.sharing_fatigue.strength": 1.0,
                                                    "mechanisms.sharing_fatigue.trust_erosion": 0.1})
    pop, fat = m.population, mech(m, "sharing_fatigue")
    tired, fresh = np.arange(1000), np.arange(1000, 2000)
    pop.link_load[tired] = 6.0 * np.exp(1 / 30)  # 6 after today's decay: excess 4, attention 1/5
    trust = pop.trust_brand.copy()
    ids = np.arange(2000)
    m.feed = [Exposure(ids, 0, "friend", 0.7, 0.9, senders=(ids + 1) % 2000),
              Exposure(ids, 1, "friend", 0.7, 0.9)]  # brand B: no link, untouched
    fat.step(m)
    linked, plain = m.feed
    assert plain.consumers.size == 2000
    kept = np.isin(tired, linked.consumers).mean()
    assert 0.15 < kept < 0.25  # 1 / (1 + 1 × 4)
    assert np.isin(fresh, linked.consumers).all()
    assert np.allclose(linked.credibility[linked.consumers >= 1000], 0.7)
    assert np.allclose(linked.credibility[linked.consumers < 1000], 0.7 / 5)
    assert np.allclose(pop.trust_brand[tired, 0], trust[tired, 0] * 0.9)
    assert np.allclose(pop.trust_brand[fresh, 0], trust[fresh, 0]) and np.allclose(pop.trust_brand[:, 1], trust[:, 1])
    assert np.allclose(pop.link_load[fresh], 1.0) and np.allclose(pop.link_load[tired], 7.0)
    assert m.recorder._today["new_shares_ignored"][0] == pytest.approx((1 - kept) * 1000)


@pytest.mark.slow
def test_money_balances_with_every_distribution_flow():
    sc = scenario("distribution", **{"population.consumers": 3000, "steps": 60,
                                     "brands.Lumi.policy.referral.rates": [0.1, 0.05, 0.02],
                                     "brands.Lumi.policy.referral.entry_fee": 20.0,
                                     "brands.Lumi.policy.referral.headcount_bonus": 3.0})
    market, _, m = run_market(sc, 1)
    last = market.iloc[-1]
    assert last["cum_commission_level_3"] > 0 and last["cum_entry_fees"] > 0 and last["cum_headcount_pay"] > 0
    assert market["money_imbalance"].max() < 1e-6 * last["cum_gmv"]
    assert np.isclose(m.population.earned.sum(), m.ledger.brand["commissions"].sum())
    assert np.isclose(last["cum_commission"], sum(last[f"cum_commission_level_{k}"] for k in (1, 2, 3)))
    assert last["illegal_scheme"] == 1


# ---------------------------------------------------------------- behaviour over 5 seeds

N, DAYS = 4000, 90


def ends(overrides: dict, metrics: list[str]) -> dict[str, np.ndarray]:
    sc = scenario("distribution", **{"population.consumers": N, "steps": DAYS, **overrides})
    rows = [run_market(sc, s)[0].iloc[-1] for s in SEEDS]
    return {m: np.array([r.get(m, 0.0) for r in rows]) for m in metrics}


@pytest.mark.slow
def test_deeper_commission_more_shares_and_promoters_but_larger_commission_share():
    metrics = ["cum_shares", "n_promoters", "commission_share_of_gmv", "cum_commission_level_2", "illegal_scheme"]
    one = ends({"brands.Lumi.policy.referral.rates": [0.1]}, metrics)
    deep = ends({"brands.Lumi.policy.referral.rates": [0.1, 0.1, 0.1]}, metrics)
    assert one["cum_commission_level_2"].max() == 0 and (deep["cum_commission_level_2"] > 0).all()
    assert (deep["cum_shares"] > one["cum_shares"]).all()
    assert deep["cum_shares"].mean() > 1.2 * one["cum_shares"].mean()  # measured ≈ 1.35
    assert (deep["n_promoters"] > one["n_promoters"]).all()
    assert deep["n_promoters"].mean() > 1.03 * one["n_promoters"].mean()  # measured ≈ 1.07
    assert (deep["commission_share_of_gmv"] > one["commission_share_of_gmv"]).all()
    assert deep["commission_share_of_gmv"].mean() > 1.25 * one["commission_share_of_gmv"].mean()  # ≈ 1.5
    assert one["illegal_scheme"].max() == 0 and deep["illegal_scheme"].min() == 1


@pytest.mark.slow
def test_fatigue_lowers_per_share_success():
    metrics = ["cum_referral_orders", "cum_commercial_shares", "cum_shares_ignored"]
    calm = ends({"mechanisms.sharing_fatigue.strength": 0.0, "mechanisms.sharing_fatigue.tolerance": 0.0}, metrics)
    tired = ends({"mechanisms.sharing_fatigue.strength": 5.0, "mechanisms.sharing_fatigue.tolerance": 0.0}, metrics)
    assert calm["cum_shares_ignored"].max() == 0 and (tired["cum_shares_ignored"] > 0.1 * tired[
        "cum_commercial_shares"]).all()
    success_calm = calm["cum_referral_orders"] / calm["cum_commercial_shares"]
    success_tired = tired["cum_referral_orders"] / tired["cum_commercial_shares"]
    assert (success_tired < success_calm).all()
    assert success_tired.mean() < 0.9 * success_calm.mean()  # measured ≈ 0.8
