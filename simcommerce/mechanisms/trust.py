"""Trust: moves with experiences, drops on scandal news that spreads, recovers slowly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spec import Param
from .base import Mechanism, State, register


@dataclass
class News:
    """A piece of scandal news spreading through the friendship graph."""

    brand: int  # -1: news about the platform (a privacy breach)
    severity: float
    start: int
    heard: np.ndarray  # bool (N,)
    tellers: np.ndarray  # ids who heard yesterday and may tell friends today


@register
class Trust(Mechanism):
    """Consumers' trust in brands (0-1).

    * Experience: a buyer's trust moves by ``experience_rate * (satisfaction - 0.5)``; the
      level trust recovers to (its baseline) moves with it.
    * ``quality_scandal`` (event: brand, severity, reach): on the day a share ``reach`` of
      consumers hears the news; for ``news_days`` each one who heard tells each friend with
      probability ``news_share_prob``. Hearing first-hand cuts trust by ``severity`` (as a
      share), second-hand by ``severity * secondhand_factor``; beliefs about the brand's
      products drop by ``belief_hit`` times that, and the baseline itself by ``scar`` times
      that (loyalty's buffer decays: some damage is permanent).
    * Recovery: trust closes ``recovery_rate`` of its gap to the baseline each day.
    * ``influencer_scandal`` (event: influencer, severity, reach): the influencer's credibility
      falls by the share ``severity``; a share ``reach`` of the followers hears, loses
      ``severity * secondhand_factor`` of their trust in the brands sponsoring that influencer,
      and unfollows with probability ``severity * unfollow_prob``.
    * ``privacy_breach`` (event: severity, reach; platform-wide): those who hear lose the share
      ``severity`` of their trust in the platform — and so, as activity follows platform trust,
      open the app less — and the news spreads like a scandal's; platform trust recovers
      toward its initial level at ``recovery_rate``. Each one who hears (first- or second-hand) also opts
      out of ad targeting with probability ``breach_opt_out`` times the trust drop (``severity``, or
      ``severity * secondhand_factor``); opting out is permanent, and targeted ads no longer reach them.
    """

    name = "trust"
    stage = "trust"
    reads = ("orders", "follows", "trust_platform_initial")
    writes = ("trust_brand", "trust_baseline", "trust_platform", "opt_out", "belief", "follows")
    state = {"announce_news": State(lambda m: None, "None, or (market, brand, severity, ids who hear first-hand) "
                                                  "-> None: news of a sanction to spread")}
    help = "trust in brands, scandals and recovery"
    params = {
        "experience_rate": Param(0.2, "float", "trust change per unit of satisfaction above 0.5", "0-1", 0, 1),
        "recovery_rate": Param(0.01, "float", "share of the gap to baseline trust closed per day", "1/day", 0, 1),
        "news_share_prob": Param(0.05, "float", "probability one who heard tells a given friend, per day",
                                 "0-1", 0, 1),
        "news_days": Param(14, "int", "days the news keeps spreading", "days", 0, 3650),
        "secondhand_factor": Param(0.6, "float", "impact of second-hand news relative to first-hand", "0-1", 0, 1),
        "belief_hit": Param(0.5, "float", "drop of beliefs about the brand's products, relative to the trust drop",
                            "0-1", 0, 1),
        "scar": Param(0.4, "float", "share of a scandal's trust drop that is permanent", "0-1", 0, 1),
        "breach_opt_out": Param(0.3, "float", "privacy breach: probability that one who hears opts out of ad "
                                "targeting, per unit of trust drop (severity)", "0-1", 0, 1),
        "unfollow_prob": Param(0.5, "float", "influencer scandal: unfollow probability of a follower who hears, "
                               "per unit of severity", "0-1", 0, 1),
    }
    metrics = {"n_heard_news": "consumers who have heard scandal news (market only; same on brand rows)"}
    events = {"quality_scandal": "brand", "influencer_scandal": "influencer", "privacy_breach": ""}

    def setup(self, market) -> None:
        market.announce_news = self.announce
        self.news: list[News] = []
        self.heard_any = np.zeros(market.population.n, dtype=bool)
        names = {i.name: i for i in market.influencers}
        brands = {b.name: b.index for b in market.brands}
        self.schedule = [(ev, brands.get(ev["brand"]), names.get(ev["influencer"])) for ev in market.config["events"]
                         if ev["type"] in self.events]

    def step(self, market) -> None:
        pop, p, o = market.population, self.p, market.orders
        if len(o):
            brand = market.product_brand[o.products]
            delta = p.experience_rate * (o.satisfaction - 0.5)
            for arr in (pop.trust_brand, pop.trust_baseline):
                np.add.at(arr, (o.consumers, brand), delta)
                np.clip(arr, 0, 1, out=arr)
        for ev, b, inf in self.schedule:
            if ev["day"] != market.day:
                continue
            # who hears: each consumer's own draw of the day (the same for every event that day)
            if ev["type"] in ("quality_scandal", "privacy_breach"):
                hear = self.uniforms(market, np.arange(pop.n)) < ev["reach"]
                b = -1 if ev["type"] == "privacy_breach" else b
                self.news.append(News(b, ev["severity"], market.day, hear, np.flatnonzero(hear)))
                self._hit(market, np.flatnonzero(hear), b, ev["severity"])
            else:
                inf.credibility *= 1 - ev["severity"]
                u = self.uniforms(market, inf.followers)
                heard = u < ev["reach"]
                fans = inf.followers[heard]
                for sponsor in inf.sponsors:
                    self._hit(market, fans, sponsor, ev["severity"] * p.secondhand_factor)
                leaving = fans[u[heard] < ev["reach"] * ev["severity"] * p.unfollow_prob]
                market.follows.remove(inf.index, leaving)
        for news in self.news:
            if market.day == news.start or market.day > news.start + p.news_days or len(news.tellers) == 0:
                continue
            reached = market.friends.transmit(news.tellers, p.news_share_prob, self.rng)
            new = reached[~news.heard[reached]]
            news.heard[new] = True
            news.tellers = new
            self._hit(market, new, news.brand, news.severity * p.secondhand_factor)
        # trust += recovery_rate * (baseline - trust), in place (no N-sized temporaries but one)
        pairs = ((pop.trust_brand, pop.trust_baseline), (pop.trust_platform, pop.trust_platform_initial))
        for trust, baseline in pairs:
            gap = baseline - trust
            gap *= np.float32(p.recovery_rate)
            trust += gap

    def announce(self, market, brand: int, severity: float, hear: np.ndarray) -> None:
        """News about ``brand`` (-1: the platform) breaks today: those in the bool mask ``hear`` (N,) lose the
        share ``severity`` of their trust, and the news spreads from tomorrow like a scheduled scandal's
        (used by other mechanisms, e.g. ``false_advertising``)."""
        self.news.append(News(brand, severity, market.day, hear, np.flatnonzero(hear)))
        self._hit(market, np.flatnonzero(hear), brand, severity)

    def _hit(self, market, ids: np.ndarray, brand: int, drop: float) -> None:
        """Cut trust (and beliefs, and some baseline) of ``ids`` in ``brand`` by the share ``drop``;
        ``brand == -1``: their trust in the platform."""
        pop, p = market.population, self.p
        self.heard_any[ids] = True
        if brand < 0:
            pop.trust_platform[ids] *= 1 - drop
            quits = ids[self.rng.random(len(ids)) < p.breach_opt_out * drop]
            pop.opt_out[quits] = True
            return
        pop.trust_brand[ids, brand] *= 1 - drop
        pop.trust_baseline[ids, brand] *= 1 - drop * p.scar
        prods = market.brands[brand].product_ids
        pop.belief[np.ix_(ids, prods)] *= 1 - drop * p.belief_hit

    def report(self, market) -> dict[str, tuple]:
        heard = float(np.count_nonzero(self.heard_any))
        return {"n_heard_news": (np.full(len(market.brands), heard), heard)}
