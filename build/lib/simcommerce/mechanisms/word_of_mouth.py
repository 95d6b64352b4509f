"""Word of mouth: buyers share strong experiences with friends, with a referral link if offered."""

from __future__ import annotations

import numpy as np

from ..buffers import Exposure
from ..spec import Param
from ..unique import unique
from .base import Mechanism, register


@register
class WordOfMouth(Mechanism):
    """A buyer shares with probability ``share_prob * share_propensity * sqrt(|2 * satisfaction - 1|)
    * (1 + incentive_sensitivity * incentive)``, capped at 1 (strong experiences, good or bad, are
    shared), where ``incentive`` is the brand's referral incentive (commission rates plus buyer
    discount; 0 without a programme).
    A share reaches ``friends_per_share`` random friends the next day (``reach: random_friends``)
    or each friend independently with probability ``per_friend_prob`` (``reach: each_friend``,
    the independent cascade of Kempe, Kleinberg & Tardos 2003: one chance per new buyer and
    friend). It conveys the sharer's experienced quality (good or bad) with ``credibility``;
    for a brand with a referral programme it carries the sharer's referral link.
    """

    name = "word_of_mouth"
    stage = "experience"
    order = 2
    help = "sharing purchases with friends"
    params = {
        "share_prob": Param(1.0, "float", "scale of the sharing probability", "0-1", 0, 1),
        "reach": Param("random_friends", "str", "who a share reaches", choices=("random_friends", "each_friend")),
        "friends_per_share": Param(5, "int", "random_friends: friends one share reaches", "friends", 1, 10000),
        "per_friend_prob": Param(0.1, "float", "each_friend: probability a share reaches a given friend", "0-1",
                                 0, 1),
        "credibility": Param(0.7, "float", "weight of a friend's message in beliefs", "0-1", 0, 1),
        "incentive_sensitivity": Param(5.0, "float", "relative increase of sharing per unit of referral incentive",
                                       "", 0, 1000),
    }
    metrics = {"new_shares": "purchases shared with friends", "new_share_reach": "friends reached by shares"}

    def step(self, market) -> None:
        pop, p, o = market.population, self.p, market.orders
        if len(o) == 0:
            return
        brand = market.product_brand[o.products]
        incentive = market.share_incentive[brand]
        prob = (p["share_prob"] * pop.share_propensity[o.consumers] * np.sqrt(np.abs(2 * o.satisfaction - 1))
                * (1 + p["incentive_sensitivity"] * incentive))
        shares = np.flatnonzero(self.uniforms(market, o.consumers) < prob)  # the buyer's own draw of the day
        if len(shares) == 0:
            return
        market.tally("new_shares", brand[shares])
        for j in unique(o.products[shares]):
            k = shares[o.products[shares] == j]
            if p["reach"] == "each_friend":
                senders, receivers = market.friends.transmit_pairs(o.consumers[k], p["per_friend_prob"], self.rng)
            else:
                senders, receivers = market.friends.sample_neighbors(o.consumers[k], p["friends_per_share"],
                                                                     self.rng)
            if len(receivers) == 0:
                continue
            order = np.argsort(o.consumers[k])  # each buyer has one order of j today
            message = o.experienced[k][order][np.searchsorted(o.consumers[k][order], senders)]
            b = int(market.product_brand[j])
            market.tally("new_share_reach", b, len(receivers))
            market.feed.append(Exposure(receivers, int(j), "friend", p["credibility"], message,
                                        senders if market.referral_brands[b] else None))
