"""Buzz: customers keep talking about what they bought, so the unaware hear of it from friends."""

from __future__ import annotations

from ..buffers import Exposure
from ..spec import Param
from .base import Mechanism, register


@register
class Buzz(Mechanism):
    """Each day a consumer not yet aware of a product hears of it with probability
    ``talk_rate * (share of their friends who bought it)`` — the imitation term q·F of the
    Bass (1969) model on a network (Fibich & Gibori 2010). Unlike ``word_of_mouth`` (one
    share on the day of purchase), customers influence their friends every day.
    Off by default. Each consumer's own draw per product and day (common random numbers).
    """

    name = "buzz"
    stage = "campaign"
    after = ("influencer_posts",)
    reads = ("aware@yesterday", "bought@yesterday")
    writes = ("feed",)
    enabled_by_default = False
    help = "ongoing word of mouth from past buyers (Bass imitation)"
    params = {
        "talk_rate": Param(0.1, "float", "daily chance of hearing of a product when all one's friends bought it "
                           "(imitation q of the Bass model)", "1/day", 0, 1),
        "credibility": Param(0.7, "float", "weight of what one hears in beliefs", "0-1", 0, 1),
    }
    metrics = {"new_buzz_aware": "consumers who heard of a product from friends' buzz"}

    def step(self, market) -> None:
        pop, graph, bought = market.population, market.friends, market.friends_bought
        bought.refresh()
        for j in range(pop.n_products):
            if bought.totals[j] == 0:
                continue
            ids = bought.with_marked_friends(j)  # only they can hear
            ids = ids[~pop.aware[ids, j]]
            share = bought.count(ids, j) / graph.degree[ids]  # they have friends
            hear = ids[self.uniforms(market, ids, j) < self.p.talk_rate * share]
            b = int(market.product_brand[j])
            market.tally("new_buzz_aware", b, len(hear))
            market.feed.append(Exposure(hear, j, "buzz", self.p.credibility, float(market.product_quality[j])))
