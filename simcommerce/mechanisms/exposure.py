"""Exposure: content in the feed reaches consumers, raising awareness and moving beliefs."""

from __future__ import annotations

import numpy as np

from ..spec import Param
from ..unique import unique
from .base import Array, Mechanism, register


@register
class ExposureStage(Mechanism):
    """Applies every batch waiting in the feed (today's ads and posts, yesterday's shares).

    A reached consumer becomes aware of the product, its belief about the product's
    quality moves toward the message: ``belief += learning_rate * credibility *
    (message - belief)``, and the category counts as recently exposed (which raises the
    chance of entering the market, see ``decision.exposure_boost``). A message sent by a
    friend through a referral link records the friend as the referrer (last touch wins).
    Deterministic: draws nothing.
    """

    name = "exposure"
    stage = "expose"
    after = ("sharing_fatigue",)
    reads = ("feed",)
    writes = ("feed@tomorrow", "aware", "belief", "last_exposed_day", "referrer", "referral_day")
    arrays = {"recs_received": Array("int16", 0, ("products",), "friends' shares heard about the product")}
    help = "content reaches consumers: awareness and beliefs"
    params = {
        "learning_rate": Param(0.5, "float", "how far one fully credible message moves belief toward its claim",
                               "0-1", 0, 1),
    }
    metrics = {"new_exposures": "content exposures applied", "new_aware": "consumers newly aware of a product"}

    def step(self, market) -> None:
        pop = market.population
        feed, market.feed = market.feed, []
        for ex in feed:
            ids, p = ex.consumers, ex.product
            if len(ids) == 0:
                continue
            b = int(market.product_brand[p])
            new = ~pop.aware[ids, p]
            market.tally("new_exposures", b, len(ids))
            market.tally("new_aware", b, len(unique(ids[new])))
            pop.aware[ids, p] = True
            w = (self.p.learning_rate * np.broadcast_to(np.asarray(ex.credibility, dtype=np.float32), ids.shape))
            msg = np.broadcast_to(np.asarray(ex.message, dtype=np.float32), ids.shape)
            pending = np.arange(len(ids))
            while len(pending):  # a consumer reached twice in a batch takes both messages, in order
                _, first = unique(ids[pending], return_index=True)
                k = pending[first]
                belief = pop.belief[ids[k], p]
                pop.belief[ids[k], p] = belief + w[k] * (msg[k] - belief)
                rest = np.ones(len(pending), dtype=bool)
                rest[first] = False
                pending = pending[rest]
            pop.last_exposed_day[ids, market.product_category[p]] = market.day
            if ex.channel == "friend":
                np.add.at(pop.recs_received[:, p], ids, 1)
            if ex.senders is not None:
                pop.referrer[ids, p] = ex.senders
                pop.referral_day[ids, p] = market.day
