"""Sponsored influencer posts: brands pay influencers to post about a product to their followers."""

from __future__ import annotations

import numpy as np

from ..buffers import Exposure
from ..spec import TIERS, Param, tier_table
from .base import Mechanism, register


@register
class InfluencerPosts(Mechanism):
    """Each brand sponsors ``sponsored`` influencers of a tier (chosen at the start, preferring
    influencers of its products' categories); each posts with probability
    ``posts_per_week / 7`` a day. A post is seen by a tier-dependent share of the
    influencer's active followers and conveys the product's claimed quality with the
    influencer's credibility. The brand pays the influencer's fee per post.

    Disclosure: a post flagged as sponsored (the brand's ``disclose`` lever, or always when
    ``mandatory_disclosure`` is in force) persuades less: its weight is multiplied by
    ``1 - disclosure_discount``. An undisclosed sponsorship that has posted is exposed with
    probability ``exposure_prob`` a day; then the influencer's credibility falls by the
    share ``exposure_penalty`` and followers' trust in the brand by half that share. A
    disclosed sponsorship has nothing to expose, so it keeps trust.
    """

    name = "influencer_posts"
    stage = "campaign"
    after = ("ads",)
    reads = ("active", "follows@yesterday")
    writes = ("feed", "trust_brand")
    help = "sponsored influencer posts to followers"
    params = {
        "view_rate": tier_table(
            {"nano": 0.30, "micro": 0.25, "macro": 0.20, "mega": 0.15},
            "share of active followers who see a post; falls with tier like engagement "
            "(REFERENCES: nano ~6%, mid ~2%, large ~1.5%)", "0-1", 0, 1),
        "persuasion": Param(0.8, "float", "weight of a post in beliefs, times the influencer's credibility",
                            "0-1", 0, 1),
        "mandatory_disclosure": Param(False, "bool", "regulation: every sponsored post must be flagged"),
        "disclosure_discount": Param(0.4, "float", "loss of persuasion of a post flagged as sponsored", "0-1", 0, 1),
        "exposure_prob": Param(0.0, "float",
                               "daily probability an undisclosed sponsorship (that posted) is exposed (0: never)",
                               "1/day", 0, 1),
        "exposure_penalty": Param(0.5, "float", "credibility lost by an influencer exposed for undisclosed "
                                  "sponsorship", "0-1", 0, 1),
    }
    policy = {
        "sponsored": Param(0, "int", "number of influencers the brand sponsors", "influencers", 0, 10**6),
        "tier": Param("micro", "str", "tier of the sponsored influencers", choices=TIERS),
        "posts_per_week": Param(2.0, "float", "sponsored posts per influencer per week", "posts/week", 0, 7),
        "disclose": Param(False, "bool", "flag sponsored posts as sponsored"),
    }
    metrics = {
        "new_posts": "sponsored posts published",
        "new_post_views": "post views by followers",
        "new_influencer_fees": "money paid to influencers (currency units)",
        "new_sponsorships_exposed": "undisclosed sponsorships exposed",
    }

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        inf = sc["influencers"]
        total = sum(inf["counts"].values()) + len(inf["named"])
        return [(f"{where}.sponsored", f"at most the {total} influencers of the scenario", str(pol["sponsored"]))
                for where, pol in cls.each_policy(sc) if pol["sponsored"] > total]

    def setup(self, market) -> None:
        self.deals: list[tuple[int, int]] = []  # (brand index, influencer index)
        self.exposed: set[tuple[int, int]] = set()
        self.posted: set[tuple[int, int]] = set()
        for brand in market.brands:
            pol = self.policy_of(brand)
            pool = [i for i in market.influencers if i.tier == pol["tier"]]
            cats = {p.category for p in brand.products}
            own = [i for i in pool if i.category in cats]
            other = [i for i in pool if i.category not in cats]
            ranked = list(self.rng.permutation(own)) + list(self.rng.permutation(other))
            for inf in ranked[:pol["sponsored"]]:
                self.deals.append((brand.index, inf.index))
                inf.sponsors.append(brand.index)

    def disclosed(self, brand) -> bool:
        return self.p.mandatory_disclosure or self.policy_of(brand)["disclose"]

    def step(self, market) -> None:
        posting = self.rng.random(len(self.deals))
        u_exposed = self.rng.random(len(self.deals))
        for (b, i), u, ue in zip(self.deals, posting, u_exposed):
            brand, inf = market.brands[b], market.influencers[i]
            if ((b, i) in self.posted and (b, i) not in self.exposed and not self.disclosed(brand)
                    and ue < self.p.exposure_prob):
                self.exposed.add((b, i))
                inf.credibility *= 1 - self.p.exposure_penalty
                market.population.trust_brand[inf.followers, b] *= 1 - self.p.exposure_penalty / 2
                market.tally("new_sponsorships_exposed", b)
            if u >= self.policy_of(brand)["posts_per_week"] / 7.0 or not brand.affordable(inf.fee_per_post):
                continue
            product = brand.products[int(self.rng.integers(len(brand.products)))]
            followers = inf.followers
            seen = followers[market.active[followers]
                             & (self.rng.random(len(followers)) < self.p.view_rate[inf.tier])]
            market.ledger.influencer_fee(b, inf, inf.fee_per_post)
            self.posted.add((b, i))
            market.tally("new_posts", b)
            market.tally("new_post_views", b, len(seen))
            market.tally("new_influencer_fees", b, inf.fee_per_post)
            weight = self.p.persuasion * inf.credibility
            if self.disclosed(brand):
                weight *= 1 - self.p.disclosure_discount
            market.feed.append(Exposure(seen.astype(np.int64), product.index, "influencer", weight,
                                        product.claimed_quality))
