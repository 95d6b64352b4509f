"""Referral and distribution (multi-level referral): friends' links, commissions up the sponsor chain,
the regulatory flags of pyramid selling, and the fatigue of receivers flooded with commercial shares."""

from __future__ import annotations

import numpy as np

from ..buffers import CHANNELS
from ..metrics import any_columns, max_columns, sum_columns
from ..spec import Param
from ..unique import unique
from .base import Array, Mechanism, State, register


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: equal, → 1: one holds all); 0 for an empty or all-zero set."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    positive = np.sort(x[x > 0])  # the zeros (most promoters earn nothing) come first: no need to sort them
    total = positive.sum()
    if n == 0 or total <= 0:
        return 0.0
    rank = np.arange(n - len(positive) + 1, n + 1)  # ranks of the positive values among all n
    return float(2.0 * np.dot(rank, positive) / (n * total) - (n + 1) / n)


@register
class Referral(Mechanism):
    """Referral links and distribution (分销): commissions paid up a chain of promoters.

    **Programme.** A brand runs a programme when any of its ``rates`` or its ``buyer_discount``
    is > 0; its customers' shares then carry their referral link (see ``word_of_mouth``).

    **Promoters and sponsors.** A consumer becomes a *promoter* of brand b with their first
    purchase of b while b runs a programme, paying b the ``entry_fee`` (currency units, on top
    of the order; booked as brand revenue, not GMV). If that first purchase came through a
    friend's valid link, the friend becomes the consumer's *sponsor* (upline) for b, for good;
    otherwise the consumer is a root promoter. *Generation*: root promoters are generation 1,
    a sponsor's recruits one more than the sponsor. The sponsor receives ``headcount_bonus``
    (currency units) per recruit.

    **Commission.** An order placed within ``window_days`` of receiving a friend's link
    (last touch, not the buyer's own link) is a referral order (ordinary orders only: free
    samples, group deals and live-stream orders keep their own price): the buyer gets
    ``buyer_discount`` × list price off, and with amount paid ``a = price − discount`` the
    chain is paid level by level: level 1 is the link's sender, level k + 1 the sponsor of
    level k; the level-k promoter earns ``rates[k−1] × a`` (paid by the brand). The chain
    stops at a root promoter. Levels beyond ``max_levels`` are not paid: the amount they would
    have earned is reported as ``new_commission_capped`` (never dropped silently).

    **Counting levels** (explicit convention). A *level* of the scheme is a tier of promoters
    paid on purchases made below them: level k exists once some promoter has been paid a
    level-k commission (the buying tier at the bottom is not a level of its own). Hence
    ``scheme_levels = deepest commission level paid so far + (1 if count_organiser_level)``,
    the organiser being the brand (China's 2010 filing standard counts the organiser's own
    level). One-level referral counts 1 (2 with the organiser); a two-level scheme 2 (3).
    ``max_depth`` is the deepest promoter generation in the sponsor tree, paid or not.
    *Participants* are the brand's promoters.

    **Regulation** (flags, reported daily, never enforced except ``max_levels``):
    ``flag_pyramid = [scheme_levels ≥ illegal_min_levels and promoters ≥
    illegal_min_participants]`` (the criminal threshold); ``flag_entry_fee = [ban_entry_fees
    and some entry fee was paid]``; ``flag_headcount_pay = [ban_headcount_pay and some
    headcount bonus was paid]``; ``flag_downline_pay = [ban_downline_pay and some commission of
    level ≥ 2 was paid]`` (the administrative ban, State Council Decree 444, Art. 7: head-count
    pay, entry fees and pay on a downline's sales, 团队计酬, at any depth);
    ``illegal_scheme`` = any flag.

    **Which depth is downline pay** (explicit convention): the *commission* depth, not the depth
    of the sponsor (recruitment) tree. A level-1 commission pays the link's sender on a sale
    the sender made (the buyer bought through the sender's own link): pay on one's own sales,
    which Decree 444 allows. A level-k commission, k ≥ 2, pays the sender's sponsors on a sale
    made by their downline: 团队计酬. So a one-level scheme is never flagged for downline pay,
    however deep its sponsor tree grows (``max_depth``), since no one is paid on a sale made
    by someone they recruited; a scheme with ``rates: [0.1, 0.03]`` is flagged as soon as a
    level-2 commission is paid, whatever ``count_organiser_level`` and the participant count.
    A ``max_levels: 1`` cap that stops level 2 from being paid keeps the scheme clear.

    **Incentive to share.** ``share_incentive = Σ rates[k] for k ≤ max_levels + buyer_discount
    + headcount_bonus / mean list price`` of the brand; ``word_of_mouth`` raises the sharing
    probability with it (one-level ``rates: [r]`` gives ``r + buyer_discount``, as before).

    Deterministic: draws nothing. Simplifications: the entry fee does not enter the purchase
    decision, every first buyer joins, and only referral orders pay commissions (the downline's
    later purchases without a link do not).
    """

    name = "referral"
    stage = "transact"
    reads = ("orders", "referrer", "referral_day")
    writes = ("orders", "referrer")
    arrays = {
        "promoter": Array("bool", False, ("brands",), "has joined the brand's programme"),
        "sponsor": Array("int32", -1, ("brands",), "the promoter's upline for the brand (-1: a root promoter)"),
        "generation": Array("int16", 0, ("brands",), "promoter generation (root: 1; 0: not a promoter)"),
        "promoter_earned": Array("float64", 0.0, ("brands",), "commission earned from the brand (currency units)"),
    }
    state = {
        "share_incentive": State(lambda m: np.zeros(len(m.brands)), "referral incentive per brand, 0-2"),
        "referral_brands": State(lambda m: np.zeros(len(m.brands), dtype=bool), "brands whose shares carry a link"),
    }
    help = "referral links and multi-level distribution commissions, with regulatory flags"
    params = {
        "max_levels": Param(None, "int", "regulatory cap on paid commission levels; deeper levels are not paid "
                            "and reported as new_commission_capped (null: no cap)", "levels", 0, 100,
                            nullable=True),
        "count_organiser_level": Param(True, "bool", "count the organiser's (brand's) own level when counting "
                                       "levels (China's 2010 filing standard: yes)"),
        "illegal_min_levels": Param(3, "int", "levels at or above which a scheme meets the pyramid threshold",
                                    "levels", 1, 100),
        "illegal_min_participants": Param(30, "int", "promoters at or above which a scheme meets the pyramid "
                                          "threshold", "consumers", 1, 10**9),
        "ban_entry_fees": Param(True, "bool", "flag a scheme whose promoters paid an entry fee (Decree 444)"),
        "ban_headcount_pay": Param(True, "bool", "flag a scheme that paid per recruit (Decree 444)"),
        "ban_downline_pay": Param(True, "bool", "flag a scheme that paid a promoter on a downline's sales, i.e. a "
                                  "commission of level 2 or deeper (团队计酬, Decree 444 Art. 7)"),
    }
    policy = {
        "rates": Param([0.0], "floats", "commission per level, level 1 = the friend whose link was used, "
                       "level k+1 = the sponsor of level k; share of the amount paid", "0-1", 0, 1),
        "buyer_discount": Param(0.0, "float", "discount for a buyer who came through a referral link", "0-1",
                                0, 1),
        "window_days": Param(7, "int", "days a referral link stays valid (attribution window)", "days", 0, 3650),
        "entry_fee": Param(0.0, "float", "fee a new promoter pays the brand on joining (first purchase)",
                           "currency units", 0, 1e9),
        "headcount_bonus": Param(0.0, "float", "paid to the sponsor for each recruit who joins",
                                 "currency units", 0, 1e9),
    }
    metrics = {
        "new_referral_orders": "orders placed through a friend's referral link",
        "new_commission": "referral commission paid, all levels (currency units)",
        "new_commission_level_1": "commission paid at level 1, the link's sender (currency units); "
                                  "new_commission_level_k for deeper levels",
        "new_commission_capped": "commission not paid because its level exceeds max_levels (currency units)",
        "new_promoters": "consumers who joined as promoters",
        "new_recruits": "promoters who joined with a sponsor",
        "new_entry_fees": "entry fees paid by new promoters (currency units)",
        "new_headcount_pay": "headcount bonuses paid to sponsors (currency units)",
        "n_promoters": "promoters (market: promoter enrolments over all brands)",
        "n_earning_promoters": "promoters who have earned something from the brand",
        "promoter_gini": "Gini coefficient of earnings among promoters (market: total earnings per consumer)",
        "commission_share_of_gmv": "cumulative commission + headcount pay / cumulative GMV, 0-1",
        "max_depth": "deepest promoter generation in the sponsor tree (root promoters: 1)",
        "scheme_levels": "levels as counted for regulation (see the counting convention)",
        "flag_pyramid": "1 if levels and participants meet the pyramid threshold",
        "flag_entry_fee": "1 if entry fees were paid while banned",
        "flag_headcount_pay": "1 if headcount pay was made while banned",
        "flag_downline_pay": "1 if a commission of level 2 or deeper (pay on a downline's sales) was paid "
                             "while banned",
        "illegal_scheme": "1 if any regulatory flag is raised (market: any brand)",
    }

    @classmethod
    def metric_names(cls, scenario: dict) -> dict[str, str]:
        """The metrics, with ``new_commission_level_k`` for every level k a brand's rates reach."""
        out = dict(cls.metrics)
        levels = max([1, *(len(b["policy"][cls.name]["rates"]) for b in scenario["brands"])])
        for k in range(2, levels + 1):
            out[f"new_commission_level_{k}"] = f"commission paid at level {k} (currency units)"
        return out

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        out = []
        for where, pol in cls.each_policy(sc):
            total = sum(pol["rates"]) + pol["buyer_discount"]
            if total > 1:
                out.append((f"{where}.rates", "commission rates (plus buyer_discount) summing to at most 1 of the "
                            "price", f"a sum of {total:g}"))
        return out

    def setup(self, market) -> None:
        pop, nb = market.population, len(market.brands)
        pols = [self.policy_of(b) for b in market.brands]
        self.n_levels = max(1, max(len(p["rates"]) for p in pols))
        self.rates = np.zeros((nb, self.n_levels))
        for b, p in enumerate(pols):
            self.rates[b, :len(p["rates"])] = p["rates"]
        cap = self.p.max_levels
        self.paid_levels = self.n_levels if cap is None else min(cap, self.n_levels)
        self.discount = np.array([p["buyer_discount"] for p in pols])
        self.window = np.array([p["window_days"] for p in pols])
        self.entry_fee = np.array([p["entry_fee"] for p in pols])
        self.headcount = np.array([p["headcount_bonus"] for p in pols])
        mean_price = np.array([market.product_price[market.product_brand == b].mean() if b_has else 1.0
                               for b, b_has in enumerate(np.bincount(market.product_brand, minlength=nb) > 0)])
        market.referral_brands = (self.rates.sum(axis=1) > 0) | (self.discount > 0)
        market.share_incentive = (self.rates[:, :self.paid_levels].sum(axis=1) + self.discount
                                  + self.headcount / np.maximum(mean_price, 1e-9))
        self.deepest_paid = np.zeros(nb, dtype=np.int64)  # deepest commission level paid so far, per brand
        self.paid_total = np.zeros(nb)  # commission + headcount pay so far
        self.fees_total = np.zeros(nb)  # entry fees so far
        self.headcount_total = np.zeros(nb)
        self.log: list[np.ndarray] = []  # referral events: rows of (day, referrer, buyer, product)

    def _pay(self, market, promoters: np.ndarray, brand: np.ndarray, amount: np.ndarray) -> None:
        market.ledger.commission(promoters, brand, amount)
        np.add.at(market.population.promoter_earned, (promoters, brand), amount)
        np.add.at(self.paid_total, brand, amount)

    def step(self, market) -> None:
        o, pop = market.orders, market.population
        if len(o) == 0:
            return
        brand = market.product_brand[o.products]
        ref = pop.referrer[o.consumers, o.products].astype(np.int64)
        age = market.day - pop.referral_day[o.consumers, o.products]
        organic = o.channel == CHANNELS.index("organic")  # samples, group deals and live orders keep their price
        hit = (organic & (ref >= 0) & (ref != o.consumers) & market.referral_brands[brand]
               & (age <= self.window[brand]) & market.ledger.within_budget()[brand])  # paused once spent
        self._enrol(market, o.consumers, brand, np.where(hit, ref, -1))
        if not hit.any():
            return
        buyers, products, b, cur = o.consumers[hit], o.products[hit], brand[hit], ref[hit]
        price = market.product_price[products]
        o.add_discount(hit, self.discount[b] * price, price)
        o.referrer[hit] = cur
        paid = price - o.discount[hit]  # the brand's sale: a platform-funded coupon does not lower commissions
        market.tally("new_referral_orders", b)
        for k in range(1, self.n_levels + 1):
            live = cur >= 0
            if not live.any():
                break
            amount = self.rates[b[live], k - 1] * paid[live]
            pos = amount > 0
            if k <= self.paid_levels:
                self._pay(market, cur[live][pos], b[live][pos], amount[pos])
                market.tally(f"new_commission_level_{k}", b[live], amount)
                market.tally("new_commission", b[live], amount)
                np.maximum.at(self.deepest_paid, b[live][pos], k)
            else:
                market.tally("new_commission_capped", b[live], amount)
            nxt = np.full_like(cur, -1)
            nxt[live] = pop.sponsor[cur[live], b[live]]
            cur = nxt
        pop.referrer[buyers, products] = -1  # a link converts once
        self.log.append(np.column_stack([np.full(len(buyers), market.day), ref[hit], buyers, products]))

    def _enrol(self, market, consumers: np.ndarray, brand: np.ndarray, ref: np.ndarray) -> None:
        """First buyers of a programme brand join as promoters (sponsor: the referrer of that order, if any)."""
        pop = market.population
        new = market.referral_brands[brand] & ~pop.promoter[consumers, brand]
        if not new.any():
            return
        idx = np.flatnonzero(new)
        _, first = unique(consumers[idx] * len(market.brands) + brand[idx], return_index=True)
        idx = idx[np.sort(first)]  # one enrolment per consumer and brand (the first order of the day)
        c, b, s = consumers[idx], brand[idx], ref[idx]
        pop.promoter[c, b] = True
        pop.sponsor[c, b] = s
        has = s >= 0
        gen = np.ones(len(c), dtype=np.int16)
        gen[has] = pop.generation[s[has], b[has]] + 1
        pop.generation[c, b] = gen
        market.tally("new_promoters", b)
        market.tally("new_recruits", b[has])
        fee = self.entry_fee[b]
        if (fee > 0).any():
            market.ledger.entry_fee(c[fee > 0], b[fee > 0], fee[fee > 0])
            np.add.at(self.fees_total, b, fee)
            market.tally("new_entry_fees", b, fee)
        bonus = self.headcount[b[has]]
        if (bonus > 0).any():
            pos = bonus > 0
            self._pay(market, s[has][pos], b[has][pos], bonus[pos])
            np.add.at(self.headcount_total, b[has][pos], bonus[pos])
            np.maximum.at(self.deepest_paid, b[has][pos], 1)  # pay per recruit is level-1 pay
            market.tally("new_headcount_pay", b[has], bonus)

    def report(self, market) -> dict[str, tuple]:
        pop, p, ledger = market.population, self.p, market.ledger
        nb = len(market.brands)
        rows = np.flatnonzero(any_columns(pop.promoter))  # promoters of any brand (few): the rest holds zeros
        promoter, earned = pop.promoter[rows], pop.promoter_earned[rows]
        promoters = promoter.sum(axis=0).astype(float)
        earns = (earned > 0) & promoter
        earning = earns.sum(axis=0).astype(float)
        gini_b = np.array([gini(earned[promoter[:, b], b]) for b in range(nb)])
        gini_m = gini(sum_columns(earned))
        gmv = ledger.brand["revenue"] - ledger.brand["discounts"] - self.fees_total
        share = np.divide(self.paid_total, gmv, out=np.zeros(nb), where=gmv > 0)
        share_m = self.paid_total.sum() / gmv.sum() if gmv.sum() > 0 else 0.0
        depth = max_columns(pop.generation[rows]) if len(rows) else np.zeros(nb)
        levels = self.deepest_paid.astype(float) + np.where(self.deepest_paid > 0,
                                                            float(p.count_organiser_level), 0.0)
        pyramid = ((levels >= p.illegal_min_levels) & (promoters >= p.illegal_min_participants)).astype(float)
        fee_flag = (p.ban_entry_fees & (self.fees_total > 0)).astype(float)
        head_flag = (p.ban_headcount_pay & (self.headcount_total > 0)).astype(float)
        downline_flag = (p.ban_downline_pay & (self.deepest_paid >= 2)).astype(float)
        illegal = np.maximum.reduce([pyramid, fee_flag, head_flag, downline_flag])
        return {
            "n_promoters": (promoters, promoters.sum()),
            "n_earning_promoters": (earning, float(earns.any(axis=1).sum())),
            "promoter_gini": (gini_b, gini_m),
            "commission_share_of_gmv": (share, share_m),
            "max_depth": (depth, depth.max() if nb else 0.0),
            "scheme_levels": (levels, levels.max() if nb else 0.0),
            "flag_pyramid": (pyramid, pyramid.max() if nb else 0.0),
            "flag_entry_fee": (fee_flag, fee_flag.max() if nb else 0.0),
            "flag_headcount_pay": (head_flag, head_flag.max() if nb else 0.0),
            "flag_downline_pay": (downline_flag, downline_flag.max() if nb else 0.0),
            "illegal_scheme": (illegal, illegal.max() if nb else 0.0),
        }

    def referral_events(self):
        """Every referral order so far as a DataFrame: day, referrer, buyer, product (the cascade edges)."""
        import pandas as pd

        rows = np.concatenate(self.log) if self.log else np.empty((0, 4), dtype=np.int64)
        return pd.DataFrame(rows.astype(np.int64), columns=["day", "referrer", "buyer", "product"])
