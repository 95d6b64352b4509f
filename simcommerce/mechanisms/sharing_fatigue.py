"""Sharing fatigue: receivers flooded with commercial shares (with a referral link) ignore them and trust
the brand less."""

from __future__ import annotations

import numpy as np

from ..buffers import Exposure
from ..spec import Param
from .base import Array, Mechanism, register


@register
class SharingFatigue(Mechanism):
    """Receivers tire of commercial shares (shares carrying a referral link).

    Each consumer carries a *link load* ``L``: every commercial share they receive adds 1 and
    the load decays daily, ``L ← L · exp(−1 / memory_days)`` (so L counts the links of about the
    last ``memory_days`` days). Runs in the expose stage just before ``exposure``: for each
    commercial share waiting in the feed, with the receiver's load before it ``L`` and the
    excess ``e = max(0, L − tolerance)``, the receiver pays attention with probability
    ``f = 1 / (1 + strength · e)``; an ignored share does nothing (no awareness, belief or
    link); a read one weighs ``credibility × f`` in beliefs. Every commercial share received
    with ``e > 0`` also lowers the receiver's trust in the brand: ``trust ← trust · (1 −
    trust_erosion)`` (trust recovers as usual, see ``trust``). Shares without a link and other
    content are untouched.
    """

    name = "sharing_fatigue"
    stage = "expose"
    reads = ("feed",)
    writes = ("feed", "trust_brand")
    arrays = {"link_load": Array("float32", 0.0, help="commercial shares received lately (decays daily)")}
    help = "receivers flooded with commercial shares ignore them and trust the brand less"
    params = {
        "memory_days": Param(30.0, "float", "e-folding time of the link load (how long shares are remembered)",
                             "days", 0.01, 1e6),
        "tolerance": Param(3.0, "float", "link load tolerated without fatigue", "shares", 0, 1e6),
        "strength": Param(0.5, "float", "loss of attention per share of load above tolerance", "per share",
                          0, 1e6),
        "trust_erosion": Param(0.01, "float", "share of trust in the brand lost per commercial share received "
                               "above tolerance", "0-1", 0, 1),
    }
    metrics = {
        "new_commercial_shares": "commercial shares (with a referral link) that reached a consumer",
        "new_shares_ignored": "commercial shares ignored out of fatigue",
    }

    def step(self, market) -> None:
        pop, p = market.population, self.p
        pop.link_load *= np.float32(np.exp(-1.0 / p.memory_days))
        feed = []
        for ex in market.feed:
            if ex.senders is None or len(ex.consumers) == 0:
                feed.append(ex)
                continue
            ids, b = ex.consumers, int(market.product_brand[ex.product])
            load = pop.link_load[ids].astype(float)
            # several links to one consumer in one batch: each sees the load of the ones before it
            order = np.argsort(ids, kind="stable")
            sid = ids[order]
            start = np.r_[0, np.flatnonzero(np.diff(sid)) + 1]
            rank = np.arange(len(sid)) - np.repeat(start, np.diff(np.r_[start, len(sid)]))
            load[order] += rank
            excess = np.maximum(0.0, load - p.tolerance)
            f = 1.0 / (1.0 + p.strength * excess)
            keep = self.rng.random(len(ids)) < f
            np.add.at(pop.link_load, ids, 1.0)
            tired = excess > 0
            if tired.any():
                hits = np.bincount(ids[tired], minlength=0)
                who = np.flatnonzero(hits)
                pop.trust_brand[who, b] *= ((1.0 - p.trust_erosion) ** hits[who]).astype(np.float32)
            market.tally("new_commercial_shares", b, len(ids))
            market.tally("new_shares_ignored", b, float((~keep).sum()))
            cred = np.broadcast_to(np.asarray(ex.credibility, dtype=float), ids.shape) * f
            msg = np.broadcast_to(np.asarray(ex.message, dtype=np.float32), ids.shape)
            feed.append(Exposure(ids[keep], ex.product, ex.channel, cred[keep], msg[keep], ex.senders[keep]))
        market.feed = feed
