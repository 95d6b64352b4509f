"""Experience: buyers learn the true quality; satisfaction by expectation–disconfirmation; returns."""

from __future__ import annotations

import numpy as np

from ..buffers import CHANNELS
from ..spec import Param
from .base import Mechanism, register


@register
class Experience(Mechanism):
    """Each buyer experiences ``quality + noise`` (0-1), or 0 when the item fails, which
    happens with probability ``failure_share * (1 - quality)``. Satisfaction follows
    expectation–disconfirmation (Oliver 1980)::

        satisfaction = clip(experienced + disconfirmation_weight * (experienced - expectation), 0, 1)

    where expectation is the belief at purchase. The buyer's belief moves to the
    experience by ``belief_weight``. A buyer with satisfaction below
    ``return_threshold`` returns the item with probability ``return_prob`` (refunded in
    full by the brand). Each buyer's own draws of the day (common random numbers): one noise, one
    failure and one return draw, shared by the buyer's orders of the day.
    """

    name = "experience"
    stage = "experience"
    reads = ("orders",)
    writes = ("orders", "belief")
    help = "experienced quality, satisfaction and returns"
    params = {
        "quality_noise": Param(0.1, "float", "sd of experienced quality around the true quality", "0-1", 0, 1),
        "failure_share": Param(0.3, "float", "failure probability per unit of missing quality (1 - quality)",
                               "0-1", 0, 1),
        "disconfirmation_weight": Param(0.5, "float", "weight of (experience - expectation) in satisfaction",
                                        "", 0, 5),
        "belief_weight": Param(0.8, "float", "how far one's own experience sets one's belief", "0-1", 0, 1),
        "return_threshold": Param(0.2, "float", "satisfaction below which a buyer may return the item", "0-1",
                                  0, 1),
        "return_prob": Param(0.3, "float", "probability an unsatisfied buyer returns the item", "0-1", 0, 1),
    }
    metrics = {"new_returns": "items returned and refunded", "new_refunds": "money refunded (currency units)"}

    def step(self, market) -> None:
        pop, p, o = market.population, self.p, market.orders
        if len(o) == 0:
            return
        c, j = o.consumers, o.products
        # standard normal noise from two of the buyer's uniforms (Box-Muller), a third for failure
        noise = np.sqrt(-2.0 * np.log1p(-self.uniforms(market, c, 0))) * np.cos(2 * np.pi * self.uniforms(market, c, 1))
        quality = market.product_quality[j]
        failed = self.uniforms(market, c, 2) < p.failure_share * (1.0 - quality)
        experienced = np.where(failed, 0.0, np.clip(quality + p.quality_noise * noise, 0, 1))
        o.experienced = experienced.astype(np.float32)
        o.satisfaction = np.clip(experienced + p.disconfirmation_weight * (experienced - o.expectation),
                                 0, 1).astype(np.float32)
        pop.belief[c, j] += p.belief_weight * (o.experienced - pop.belief[c, j])
        ret = (o.satisfaction < p.return_threshold) & (self.uniforms(market, c, 3) < p.return_prob)
        if ret.any():
            brand = market.product_brand[j[ret]]
            market.ledger.refund(c[ret], brand, o.paid[ret])
            market.tally("new_returns", brand)
            market.tally("new_refunds", brand, o.paid[ret])
            if len(o.channel) == len(o):  # returns of live-stream orders, also counted by channel
                live = o.channel[ret] == CHANNELS.index("live")
                if live.any():
                    market.tally("new_live_returns", brand[live])
                    market.tally("new_live_refunds", brand[live], o.paid[ret][live])
