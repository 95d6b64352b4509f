"""Seeding: a brand gives free samples to chosen consumers, who become its first customers."""

from __future__ import annotations

import numpy as np

from ..seeding import STRATEGIES, choose_seeds
from ..spec import Param
from ..unique import unique
from .base import Mechanism, register


@register
class Seeding(Mechanism):
    """On ``day``, a brand gives ``count`` consumers a free unit of its first product (the brand
    pays the cost of goods). Seeds are chosen on the friendship graph by ``strategy``:
    ``random``, ``degree`` (most friends), ``degree_discount`` (Chen, Wang & Yang 2009) or
    ``greedy`` (hill climbing on the expected independent-cascade spread with edge
    probability ``word_of_mouth.per_friend_prob * word_of_mouth.attention``: a friend reached who
    reads the share; Kempe, Kleinberg & Tardos 2003). Seeds
    then experience the product and share it like any buyer.
    """

    name = "seeding"
    stage = "decide"
    after = ("livestream",)
    reads = ("belief",)
    writes = ("orders", "aware")
    help = "free samples to chosen seed consumers (influence maximisation)"
    params = {
        "greedy_samples": Param(200, "int", "live-edge graphs sampled by the greedy strategy", "", 1, 100000),
    }
    policy = {
        "count": Param(0, "int", "number of consumers seeded with a free sample", "consumers", 0, 2**31 - 1),
        "strategy": Param("random", "str", "how seeds are chosen", choices=STRATEGIES),
        "day": Param(1, "int", "day the samples are given", "day", 1, 36500),
        "consumers": Param([], "ints", "explicit seed consumers (ids 0..N-1; overrides count and strategy)", "",
                           0, 2**31 - 2),
    }
    metrics = {"new_seeded": "free samples given to seed consumers"}

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        n, steps, out = sc["population"]["consumers"], sc["steps"], []
        for where, pol in cls.each_policy(sc):
            if pol["count"] > n:
                out.append((f"{where}.count", f"at most the {n} consumers of the market", str(pol["count"])))
            if pol["day"] > steps:
                out.append((f"{where}.day", f"a day between 1 and steps ({steps})", str(pol["day"])))
            bad = [i for i in pol["consumers"] if i >= n]
            if bad:
                out.append((f"{where}.consumers", f"consumer ids between 0 and {n - 1}", str(bad[0])))
        return out

    def setup(self, market) -> None:
        wom = market.config["mechanisms"]["word_of_mouth"]
        p = wom["per_friend_prob"] * wom["attention"]  # the cascade's edge probability: reached and read
        self.seeds = {}
        for brand in market.brands:
            pol = self.policy_of(brand)
            if pol["consumers"]:
                self.seeds[brand.index] = unique(np.array(pol["consumers"], dtype=np.int64))  # ids < N: checked
            elif pol["count"]:
                self.seeds[brand.index] = choose_seeds(market.friends, pol["count"], pol["strategy"], self.rng, p,
                                                       self.p.greedy_samples)

    def step(self, market) -> None:
        pop, o = market.population, market.orders
        for b, seeds in self.seeds.items():
            brand = market.brands[b]
            if self.policy_of(brand)["day"] != market.day:
                continue
            j = int(brand.product_ids[0])
            seeds = seeds[~np.isin(seeds, o.consumers)]  # already buying today
            if brand.marketing_budget is not None:  # as many samples as the budget left pays for
                left = brand.marketing_budget - brand.marketing_spent
                seeds = seeds[:max(0, int(left // market.product_price[j]))]
            pop.aware[seeds, j] = True
            o.append(seeds, j, pop.belief[seeds, j], "seeding", discount=market.product_price[j])  # free
            market.tally("new_seeded", b, len(seeds))
