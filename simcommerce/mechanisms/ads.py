"""Paid ads: brands buy impressions, shown at random or targeted by category interest."""

from __future__ import annotations

import numpy as np

from ..buffers import Exposure
from ..spec import Param
from ..unique import unique
from .base import Mechanism, register

MAX_IMPRESSIONS_PER_CONSUMER = 100  # a day: beyond this a lever is a typo, and the draw would exhaust memory


@register
class Ads(Mechanism):
    """Each day a brand buys ``impressions_per_day`` impressions at the platform's CPM (or reaches each
    consumer with probability ``reach_share``), split at random over its products.

    With ``targeting: interest`` a share ``precision`` of impressions goes to consumers
    whose interest in the product's category is in the top half (among those who did
    not opt out of targeting); the rest land at random. A noticed impression (active
    consumer, probability ``attention``) is an exposure to the product's claimed quality.
    """

    name = "ads"
    stage = "campaign"
    order = 0
    help = "paid ad impressions (random or interest-targeted)"
    params = {
        "attention": Param(0.3, "float", "probability an active consumer notices an impression", "0-1", 0, 1),
        "credibility": Param(0.3, "float", "weight of an ad's claim in beliefs", "0-1", 0, 1),
    }
    policy = {
        "impressions_per_day": Param(0, "int", "ad impressions bought per day (split over the products)",
                                     "impressions/day", 0, 10**9),
        "targeting": Param("random", "str", "who sees the ads", choices=("random", "interest")),
        "precision": Param(0.8, "float", "interest targeting: share of impressions that hit the targeted "
                           "audience", "0-1", 0, 1),
        "reach_share": Param(None, "float", "instead of impressions_per_day: each consumer independently gets "
                             "one impression a day with this probability (external influence p of the Bass "
                             "model)", "0-1", 0, 1, nullable=True),
    }
    metrics = {
        "new_impressions": "ad impressions delivered",
        "new_ad_spend": "money spent on ads (currency units)",
    }

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        cap = MAX_IMPRESSIONS_PER_CONSUMER * sc["population"]["consumers"]
        return [(f"{where}.impressions_per_day", f"at most {MAX_IMPRESSIONS_PER_CONSUMER} impressions per consumer "
                 f"a day ({cap:,} here)", f"{pol['impressions_per_day']:,}")
                for where, pol in cls.each_policy(sc) if pol["impressions_per_day"] > cap]

    def setup(self, market) -> None:
        pop = market.population
        eligible = ~pop.opt_out
        self.audience = []  # per category: targetable consumers with above-median interest
        for c in range(pop.n_categories):
            col = pop.interest[:, c]
            self.audience.append(np.flatnonzero(eligible & (col >= np.median(col))))

    def step(self, market) -> None:
        pop = market.population
        cpm = market.config["platform"]["ad_cost_per_mille"]
        for brand in market.brands:
            pol = self.policy_of(brand)
            if pol["reach_share"] is not None:
                who = np.flatnonzero(self.rng.random(pop.n) < pol["reach_share"])
            else:
                who = self.rng.integers(0, pop.n, pol["impressions_per_day"])
            total = len(who)
            cost = total * cpm / 1000.0
            if total == 0 or not brand.affordable(cost):
                continue
            market.ledger.ad_spend(brand.index, cost)
            market.tally("new_ad_spend", brand.index, cost)
            market.tally("new_impressions", brand.index, total)
            which = self.rng.integers(0, len(brand.products), total)
            attends = self.rng.random(total) < self.p["attention"]
            for k, product in enumerate(brand.products):
                mine = which == k
                seen = who[mine]
                audience = self.audience[product.category]
                if pol["targeting"] == "interest" and len(audience):
                    hit = self.rng.random(len(seen)) < pol["precision"]
                    seen[hit] = audience[self.rng.integers(0, len(audience), int(hit.sum()))]
                seen = seen[market.active[seen] & attends[mine]]  # noticed: the viewer is active and attends
                market.feed.append(Exposure(unique(seen), product.index, "ad", self.p["credibility"],
                                            product.claimed_quality))
