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
    """

    name = "influencer_posts"
    stage = "campaign"
    order = 1
    help = "sponsored influencer posts to followers"
    params = {
        "view_rate": tier_table(
            {"nano": 0.30, "micro": 0.25, "macro": 0.20, "mega": 0.15},
            "share of active followers who see a post; falls with tier like engagement "
            "(REFERENCES: nano ~6%, mid ~2%, large ~1.5%)", "0-1", 0, 1),
        "persuasion": Param(0.8, "float", "weight of a post in beliefs, times the influencer's credibility",
                            "0-1", 0, 1),
    }
    policy = {
        "sponsored": Param(0, "int", "number of influencers the brand sponsors", "influencers", 0),
        "tier": Param("micro", "str", "tier of the sponsored influencers", choices=TIERS),
        "posts_per_week": Param(2.0, "float", "sponsored posts per influencer per week", "posts/week", 0, 7),
    }
    metrics = {
        "new_posts": "sponsored posts published",
        "new_post_views": "post views by followers",
        "new_influencer_fees": "money paid to influencers (currency units)",
    }

    def setup(self, market) -> None:
        self.deals: list[tuple[int, int]] = []  # (brand index, influencer index)
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

    def step(self, market) -> None:
        posting = self.rng.random(len(self.deals))
        for (b, i), u in zip(self.deals, posting):
            brand, inf = market.brands[b], market.influencers[i]
            if u >= self.policy_of(brand)["posts_per_week"] / 7.0 or not brand.affordable(inf.fee_per_post):
                continue
            product = brand.products[int(self.rng.integers(len(brand.products)))]
            followers = inf.followers
            seen = followers[market.active[followers]
                             & (self.rng.random(len(followers)) < self.p["view_rate"][inf.tier])]
            market.ledger.influencer_fee(b, inf, inf.fee_per_post)
            market.tally("new_posts", b)
            market.tally("new_post_views", b, len(seen))
            market.tally("new_influencer_fees", b, inf.fee_per_post)
            market.feed.append(Exposure(seen.astype(np.int64), product.index, "influencer",
                                        self.p["persuasion"] * inf.credibility, product.claimed_quality))
