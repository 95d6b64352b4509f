"""Single-level referral commission: a friend's referral link earns them a share of the sale."""

from __future__ import annotations

import numpy as np

from ..spec import Param
from .base import Mechanism, register


@register
class Referral(Mechanism):
    """A brand with a referral programme (``rate`` or ``buyer_discount`` > 0) attaches a
    referral link to its customers' shares. An order placed within ``window_days`` of
    receiving a link is a referral order: the buyer gets ``buyer_discount`` off the list
    price and the sender earns ``rate`` times the amount paid (paid by the brand).
    The incentive also makes customers more willing to share (see
    ``word_of_mouth.incentive_sensitivity``).
    """

    name = "referral"
    stage = "transact"
    order = 0
    help = "single-level referral commission on friends' purchases"
    params = {}
    policy = {
        "rate": Param(0.0, "float", "commission paid to the referring friend, share of the amount paid", "0-1",
                      0, 1),
        "buyer_discount": Param(0.0, "float", "discount for a buyer who came through a referral link", "0-1",
                                0, 1),
        "window_days": Param(7, "int", "days a referral link stays valid (attribution window)", "days", 0, 3650),
    }
    metrics = {
        "new_referral_orders": "orders placed through a friend's referral link",
        "new_commission": "referral commission paid (currency units)",
    }

    def setup(self, market) -> None:
        pols = [self.policy_of(b) for b in market.brands]
        market.referral_brands = np.array([p["rate"] > 0 or p["buyer_discount"] > 0 for p in pols])
        market.share_incentive = np.array([p["rate"] + p["buyer_discount"] for p in pols])
        self.rate = np.array([p["rate"] for p in pols])
        self.discount = np.array([p["buyer_discount"] for p in pols])
        self.window = np.array([p["window_days"] for p in pols])
        self.log: list[np.ndarray] = []  # referral events: rows of (day, referrer, buyer, product)

    def step(self, market) -> None:
        o, pop = market.orders, market.population
        if len(o) == 0:
            return
        brand = market.product_brand[o.products]
        ref = pop.referrer[o.consumers, o.products].astype(np.int64)
        age = market.day - pop.referral_day[o.consumers, o.products]
        hit = (ref >= 0) & (ref != o.consumers) & market.referral_brands[brand] & (age <= self.window[brand])
        if not hit.any():
            return
        price = market.product_price[o.products[hit]]
        o.discount[hit] = self.discount[brand[hit]] * price
        o.referrer[hit] = ref[hit]
        commission = self.rate[brand[hit]] * (price - o.discount[hit])
        market.ledger.commission(ref[hit], brand[hit], commission)
        market.tally("new_referral_orders", brand[hit])
        market.tally("new_commission", brand[hit], commission)
        pop.referrer[o.consumers[hit], o.products[hit]] = -1  # a link converts once
        self.log.append(np.column_stack([np.full(int(hit.sum()), market.day), ref[hit], o.consumers[hit],
                                         o.products[hit]]))

    def referral_events(self):
        """Every referral order so far as a DataFrame: day, referrer, buyer, product (the cascade edges)."""
        import pandas as pd

        rows = np.concatenate(self.log) if self.log else np.empty((0, 4), dtype=np.int64)
        return pd.DataFrame(rows.astype(np.int64), columns=["day", "referrer", "buyer", "product"])
