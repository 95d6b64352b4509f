"""Influencer follower counts respect the tier order (nano < micro < macro < mega) in every draw
(issue 15, item 5)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import scenario
from simcommerce import Market
from simcommerce.spec import TIERS


def tiers_ordered(market) -> bool:
    """Every influencer of a higher tier has more followers than every one of a lower tier."""
    counts = {t: [len(i.followers) for i in market.influencers if i.tier == t] for t in TIERS}
    present = [t for t in TIERS if counts[t]]
    return all(max(counts[lo]) < min(counts[hi]) for lo, hi in zip(present, present[1:]))


@pytest.mark.slow
@pytest.mark.parametrize("n", [400, 3000, 10000])
def test_higher_tier_always_has_more_followers(n):
    sc = scenario("baseline", **{"population.consumers": n, "network.friendship.model": "watts_strogatz",
                                 "influencers.counts.micro": 12, "influencers.counts.macro": 6,
                                 "influencers.counts.mega": 3,
                                 "influencers.named": [{"name": "Star", "tier": "macro", "category": "beauty"}]})
    ok = [tiers_ordered(Market(sc, seed=s)) for s in range(1, 41)]
    assert all(ok), f"{ok.count(False)} of 40 seeds have overlapping tiers"


def test_tier_counts_keep_a_heavy_tail_near_the_tier_reach():
    """The draw stays a heavy-tailed Pareto around the tier's reach share (not a constant)."""
    from simcommerce.market import tier_follower_counts

    share = {"nano": 0.002, "micro": 0.01, "macro": 0.05, "mega": 0.15}
    rng = np.random.default_rng(3)
    n = 100000
    for t, s in enumerate(TIERS):
        c = tier_follower_counts(share, 2.5, np.full(20000, t), n, rng.random(20000))
        assert 0.7 * share[s] * n < c.mean() < 1.05 * share[s] * n
        assert np.percentile(c, 99) > 2.5 * np.median(c) or s == "mega" or s == "macro"
        assert c.max() > 1.5 * c.mean()
