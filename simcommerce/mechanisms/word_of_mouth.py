"""Word of mouth: buyers share strong experiences with friends, with a referral link if offered."""

from __future__ import annotations

import numpy as np

from ..buffers import Exposure
from ..spec import Param
from ..unique import unique
from .base import Mechanism, frozen_params, register

MAX_READERS_PER_SHARE = 10_000  # expected on a complete graph: beyond this one share is a broadcast, and a day's
#                                 shares would hold billions of (sender, reader) pairs in memory


@register
class WordOfMouth(Mechanism):
    """A buyer shares with probability ``share_prob * share_propensity * sqrt(|2 * satisfaction - 1|)
    * (1 + incentive_sensitivity * incentive)``, capped at 1 (strong experiences, good or bad, are
    shared), where ``incentive`` is the brand's referral incentive (commission rates plus buyer
    discount; 0 without a programme).
    A share reaches each friend independently with probability ``per_friend_prob`` (``reach:
    each_friend``, the independent cascade of Kempe, Kleinberg & Tardos 2003: one chance per new
    buyer and friend; with the default 1 a share is a post all friends can see, so the volume of
    recommendations follows the degree: hubs are the super-recommenders) or ``friends_per_share``
    random friends (``reach: random_friends``: direct messages). A friend reached reads it the next
    day with probability ``attention``; an unread share counts as sent (``new_share_reach``) and
    does nothing else. A share read conveys the sharer's experienced quality (good or bad) with
    ``credibility``; for a brand with a referral programme it carries the sharer's referral link.
    On the complete graph ``each_friend`` is a broadcast to everyone; a scenario where that means more than
    ``MAX_READERS_PER_SHARE`` (10,000) expected readers a share is refused (use ``random_friends``).
    """

    name = "word_of_mouth"
    stage = "experience"
    after = ("reviews",)
    reads = ("orders", "share_propensity", "share_incentive", "referral_brands")
    writes = ("feed@tomorrow",)
    help = "sharing purchases with friends"
    params = {
        "share_prob": Param(1.0, "float", "scale of the sharing probability", "0-1", 0, 1),
        "reach": Param("each_friend", "str", "who a share reaches", choices=("each_friend", "random_friends")),
        "friends_per_share": Param(5, "int", "random_friends: friends one share reaches", "friends", 1, 10000),
        "per_friend_prob": Param(1.0, "float", "each_friend: probability a share reaches a given friend", "0-1",
                                 0, 1),
        "attention": Param(0.16, "float", "probability a friend reached reads the share", "0-1", 0, 1),
        "credibility": Param(0.7, "float", "weight of a friend's message in beliefs", "0-1", 0, 1),
        "incentive_sensitivity": Param(5.0, "float", "relative increase of sharing per unit of referral incentive",
                                       "", 0, 1000),
    }
    metrics = {"new_shares": "purchases shared with friends", "new_share_reach": "friends reached by shares"}

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        p, n = frozen_params(cls, sc["mechanisms"][cls.name]), sc["population"]["consumers"]
        if sc["network"]["friendship"]["model"] != "complete" or p.reach != "each_friend":
            return []
        readers = (n - 1) * p.per_friend_prob * p.attention
        if readers <= MAX_READERS_PER_SHARE:
            return []
        return [(f"mechanisms.{cls.name}.reach", f"random_friends on a complete graph this large (each_friend "
                 f"posts to all {n - 1:,} others; at most {MAX_READERS_PER_SHARE:,} expected readers a share, "
                 "i.e. (consumers - 1) x per_friend_prob x attention)", f"each_friend: {readers:,.0f} readers a share")]

    def step(self, market) -> None:
        pop, p, o = market.population, self.p, market.orders
        if len(o) == 0:
            return
        brand = market.product_brand[o.products]
        incentive = market.share_incentive[brand]
        prob = (p.share_prob * pop.share_propensity[o.consumers] * np.sqrt(np.abs(2 * o.satisfaction - 1))
                * (1 + p.incentive_sensitivity * incentive))
        shares = np.flatnonzero(self.uniforms(market, o.consumers) < prob)  # the buyer's own draw of the day
        if len(shares) == 0:
            return
        market.tally("new_shares", brand[shares])
        for j in unique(o.products[shares]):
            k = shares[o.products[shares] == j]
            senders, receivers, reached = self._readers(market, o.consumers[k])
            b = int(market.product_brand[j])
            market.tally("new_share_reach", b, reached)
            if len(receivers) == 0:
                continue
            order = np.argsort(o.consumers[k])  # each buyer has one order of j today
            message = o.experienced[k][order][np.searchsorted(o.consumers[k][order], senders)]
            market.feed.append(Exposure(receivers, int(j), "friend", p.credibility, message,
                                        senders if market.referral_brands[b] else None))

    def _readers(self, market, sharers: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """(senders, receivers) of the shares that are read, and the number of friends reached (read or not)."""
        p, friends = self.p, market.friends
        if p.reach == "random_friends":
            senders, receivers = friends.sample_neighbors(sharers, p.friends_per_share, self.rng)
            reached = len(receivers)
            if p.attention < 1:
                read = self.rng.random(reached) < p.attention
                senders, receivers = senders[read], receivers[read]
            return senders, receivers, reached
        # each friend is read (pfp * attention), reached unread (pfp * (1 - attention)) or not reached; drawing
        # the read pairs first and the unread count given them keeps a post to every friend of a hub small
        senders, receivers = friends.transmit_pairs(sharers, p.per_friend_prob * p.attention, self.rng)
        read = len(receivers)
        if p.attention == 1 or p.per_friend_prob == 0:
            return senders, receivers, read
        edges = int(friends.degree[sharers].sum())
        unread = p.per_friend_prob * (1 - p.attention) / (1 - p.per_friend_prob * p.attention)
        return senders, receivers, read + int(self.rng.binomial(edges - read, unread))
