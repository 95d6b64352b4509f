"""Fake reviews: a brand buys five-star reviews; moderation may detect them, and exposure hurts."""

from __future__ import annotations

import numpy as np

from ..spec import Param
from .base import Mechanism, register


@register
class FakeReviews(Mechanism):
    """A brand with ``per_day`` > 0 buys that many fake five-star reviews a day for its products
    (spread at random), at ``price`` each, paid to a review farm outside the market. They count
    in the shown rating like real ones, so ratings and sales rise while they last (He,
    Hollenbeck & Proserpio 2022: a short boost).

    Moderation detects a brand's fake reviews with probability ``detection_prob`` per day
    while it buys them. Detection, or a scheduled ``fake_reviews_exposed`` event (brand,
    severity, reach), exposes the brand: its fake reviews are removed, and a share ``reach``
    of consumers hears of it — their trust in the brand drops by the share ``severity`` and
    their trust in reviews in general (``review_trust``, which scales the weight of ratings
    in choice) by ``severity * review_trust_hit``. A brand stops buying once exposed.
    One draw per brand a day from the stream; who hears of an exposure: each consumer's own
    draw of the day (common random numbers).
    """

    name = "fake_reviews"
    stage = "experience"
    after = ("word_of_mouth",)
    reads = ("review_trust",)
    writes = ("rating_counts", "trust_brand", "review_trust")
    help = "bought fake reviews, moderation and exposure"
    params = {
        "detection_prob": Param(0.01, "float", "daily probability moderation detects a brand's fake reviews",
                                "1/day", 0, 1),
        "detection_severity": Param(0.3, "float", "trust lost by those who hear of a detection", "0-1", 0, 1),
        "detection_reach": Param(0.3, "float", "share of consumers who hear of a detection", "0-1", 0, 1),
        "review_trust_hit": Param(0.5, "float", "loss of trust in reviews generally, relative to the brand's",
                                  "0-1", 0, 1),
    }
    policy = {
        "per_day": Param(0, "int", "fake five-star reviews bought per day", "reviews/day", 0, 10**7),
        "price": Param(5.0, "float", "price of one fake review", "currency units", 0, 1e9),
    }
    metrics = {
        "new_fake_reviews": "fake reviews posted",
        "new_fake_review_spend": "money spent on fake reviews (currency units)",
        "fake_reviews_exposed": "1 once the brand's fake reviews have been exposed",
        "mean_review_trust": "mean trust in reviews generally, 0-1",
    }
    events = {"fake_reviews_exposed": "brand"}

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        n = sc["population"]["consumers"]
        return [(f"{where}.per_day", f"at most one fake review per consumer a day ({n:,} here)",
                 f"{pol['per_day']:,}") for where, pol in cls.each_policy(sc) if pol["per_day"] > n]

    def setup(self, market) -> None:
        self.fake_counts = np.zeros(len(market.products), dtype=np.int64)  # live fake reviews per product
        self.exposed = np.zeros(len(market.brands), dtype=bool)
        self.schedule = {(ev["day"], ev["brand"]): ev for ev in market.config["events"]
                         if ev["type"] == "fake_reviews_exposed"}

    def step(self, market) -> None:
        u_detect = self.rng.random(len(market.brands))
        for brand in market.brands:
            b, pol = brand.index, self.policy_of(brand)
            buying = pol["per_day"] > 0 and not self.exposed[b]
            if buying and brand.affordable(pol["per_day"] * pol["price"]):
                cost = pol["per_day"] * pol["price"]
                market.ledger.fake_review_spend(b, cost)
                which = brand.product_ids[self.rng.integers(0, len(brand.product_ids), pol["per_day"])]
                np.add.at(market.rating_counts[:, 4], which, 1)
                np.add.at(self.fake_counts, which, 1)
                market.tally("new_fake_reviews", b, pol["per_day"])
                market.tally("new_fake_review_spend", b, cost)
            event = self.schedule.get((market.day, brand.name))
            if event is not None:
                self._expose(market, b, event["severity"], event["reach"])
            elif buying and u_detect[b] < self.p.detection_prob:
                self._expose(market, b, self.p.detection_severity, self.p.detection_reach)

    def _expose(self, market, b: int, severity: float, reach: float) -> None:
        pop = market.population
        u_hear = self.uniforms(market, np.arange(pop.n))
        self.exposed[b] = True
        ids = market.brands[b].product_ids
        market.rating_counts[ids, 4] -= self.fake_counts[ids]
        self.fake_counts[ids] = 0
        hear = u_hear < reach
        pop.trust_brand[hear, b] *= 1 - severity
        pop.review_trust[hear] *= 1 - severity * self.p.review_trust_hit

    def report(self, market) -> dict[str, tuple]:
        trust = float(market.population.review_trust.mean())
        return {"fake_reviews_exposed": (self.exposed.astype(float), float(self.exposed.any())),
                "mean_review_trust": (np.full(len(market.brands), trust), trust)}
