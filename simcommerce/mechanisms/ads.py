"""Paid ads: brands buy impressions, shown at random or targeted by category interest, with wear-out of
repeated impressions and an optional frequency cap."""

from __future__ import annotations

import numpy as np

from ..buffers import Exposure
from ..spec import Param
from ..unique import rank_within, unique
from .base import Mechanism, register

MAX_IMPRESSIONS_PER_CONSUMER = 100  # a day: beyond this a lever is a typo, and the draw would exhaust memory


def window_positions(who: np.ndarray, active: np.ndarray, prior: np.ndarray):
    """(k, seen_by, times) for one brand's impressions ``who`` (consumer ids) of the day: ``k`` is each
    impression's position in its consumer's window (0: the first; ``prior`` of them were shown on earlier days),
    0 where the consumer is not ``active``; ``seen_by`` the active consumers shown any, sorted, and ``times`` how
    many each."""
    on = np.flatnonzero(active)
    seen = who[on]
    k = np.zeros(len(who), dtype=np.int64)
    if len(seen) and np.all(seen[1:] > seen[:-1]):  # no one twice (reach_share draws each consumer once, in order)
        k[on] = prior[on]
        return k, seen, np.ones(len(seen), dtype=np.intp)
    rank, seen_by, times = rank_within(seen, return_counts=True)
    k[on] = prior[on] + rank
    return k, seen_by, times


@register
class Ads(Mechanism):
    """Each day a brand buys ``impressions_per_day`` impressions at the platform's CPM (or reaches each
    consumer with probability ``reach_share``), split at random over its products.

    With ``targeting: interest`` a share ``precision`` of impressions goes to consumers whose interest in
    the product's category is in the top half and who have not opted out of targeting (the audience
    follows opt-outs as they change, e.g. after a privacy breach); the rest land at random.

    Frequency: impressions of a brand shown to an active consumer are counted per calendar window of
    ``frequency_window`` days (days 1..w, w+1..2w, ...). The k-th one in a window is noticed with
    probability ``attention * frequency_decay ** (k - 1)`` (wear-out). With the lever ``frequency_cap``
    an active consumer is shown at most that many of the brand's impressions per window: an impression
    that would exceed it goes to another consumer drawn at random (up to 3 draws; one still unplaced is
    not bought). A noticed impression is an exposure to the product's claimed quality. Impressions that
    land on inactive consumers are bought but neither seen nor counted.
    """

    name = "ads"
    stage = "campaign"
    reads = ("active", "interest", "opt_out@yesterday")
    writes = ("feed",)
    help = "paid ad impressions (random or interest-targeted, wear-out, frequency cap)"
    params = {
        "attention": Param(0.04, "float", "probability an active consumer notices the first impression of a "
                           "brand in a window", "0-1", 0, 1),
        "credibility": Param(0.3, "float", "weight of an ad's claim in beliefs", "0-1", 0, 1),
        "frequency_window": Param(7, "int", "days over which impressions to one consumer are counted",
                                  "days", 1, 365),
        "frequency_decay": Param(0.7, "float", "wear-out: the k-th impression of a brand to one consumer in a "
                                 "window is noticed with probability attention * frequency_decay ** (k - 1)",
                                 "0-1", 0, 1),
    }
    policy = {
        "impressions_per_day": Param(0, "int", "ad impressions bought per day (split over the products)",
                                     "impressions/day", 0, 10**9),
        "targeting": Param("random", "str", "who sees the ads", choices=("random", "interest")),
        "precision": Param(0.8, "float", "interest targeting: share of impressions that hit the targeted "
                           "audience", "0-1", 0, 1),
        "reach_share": Param(None, "float", "instead of impressions_per_day: each consumer independently gets "
                             "one impression a day with this probability (external influence p of the Bass "
                             "model)", "0-1", 0, 1, nullable=True),
        "frequency_cap": Param(None, "int", "most impressions of the brand shown to one consumer per "
                               "frequency window (null: no cap)", "impressions/window", 1, 255, nullable=True),
    }
    metrics = {
        "new_impressions": "ad impressions delivered",
        "new_ad_spend": "money spent on ads (currency units)",
        "new_ads_noticed": "ad impressions noticed (each an exposure)",
        "n_opted_out": "consumers who refuse targeted ads (market only; same on brand rows)",
    }

    REDRAWS = 3  # draws of a new consumer for an impression over the frequency cap

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        cap = MAX_IMPRESSIONS_PER_CONSUMER * sc["population"]["consumers"]
        return [(f"{where}.impressions_per_day", f"at most {MAX_IMPRESSIONS_PER_CONSUMER} impressions per consumer "
                 f"a day ({cap:,} here)", f"{pol['impressions_per_day']:,}")
                for where, pol in cls.each_policy(sc) if pol["impressions_per_day"] > cap]

    def setup(self, market) -> None:
        pop = market.population
        for flow in ("new_impressions", "new_ad_spend", "new_ads_noticed"):  # the same columns in every run
            market.recorder.declare_flow(flow)
        # per category: consumers with above-median interest (the targetable audience minus opt-outs)
        self.interested = []
        for c in range(pop.n_categories):
            col = pop.interest[:, c]
            self.interested.append(np.flatnonzero(col >= np.median(col)))
        # per brand: impressions of the brand shown to each consumer this window (uint8: N bytes a brand)
        self.shown = [np.zeros(pop.n, dtype=np.uint8) for _ in market.brands]
        self._opt_outs = -1
        self._refresh_audience(pop)

    def _refresh_audience(self, pop) -> None:
        """Rebuild the audiences if opt-outs changed since the last build (one count of N flags a day)."""
        n = int(np.count_nonzero(pop.opt_out))
        if n != self._opt_outs:
            self._opt_outs = n
            self.audience = [ids[~pop.opt_out[ids]] for ids in self.interested]

    def step(self, market) -> None:
        pop, p = market.population, self.p
        cpm = market.config["platform"]["ad_cost_per_mille"]
        if (market.day - 1) % p.frequency_window == 0:
            for shown in self.shown:
                shown[:] = 0
        self._refresh_audience(pop)
        for brand in market.brands:
            pol = self.policy_of(brand)
            if pol["reach_share"] is not None:
                who = np.flatnonzero(self._draws(market, brand, 0).random(pop.n) < pol["reach_share"])
            else:
                who = self._draws(market, brand, 0).integers(0, pop.n, pol["impressions_per_day"])
            if len(who) == 0:
                continue
            which = self._draws(market, brand, 1).integers(0, len(brand.products), len(who))
            if pol["targeting"] == "interest":
                for k, product in enumerate(brand.products):
                    audience = self.audience[product.category]
                    mine = np.flatnonzero(which == k)
                    if len(audience) == 0 or len(mine) == 0:
                        continue
                    aim = self._draws(market, brand, 2 + 2 * k)
                    hit = mine[aim.random(len(mine)) < pol["precision"]]
                    who[hit] = audience[self._draws(market, brand, 3 + 2 * k).integers(0, len(audience), len(hit))]
            shown = self.shown[brand.index]
            prior = shown[who].astype(np.int64)  # impressions of the brand this consumer saw earlier this window
            if pol["frequency_cap"] is not None:
                who, which, prior = self._cap(market, brand, who, which, prior, shown, pol["frequency_cap"])
            total = len(who)
            cost = total * cpm / 1000.0
            if total == 0 or not brand.affordable(cost):
                continue
            market.ledger.ad_spend(brand.index, cost)
            market.tally("new_ad_spend", brand.index, cost)
            market.tally("new_impressions", brand.index, total)
            active = market.active[who]
            k, seen_by, times = window_positions(who, active, prior)
            wear = p.attention * np.power(p.frequency_decay, np.arange(int(k.max()) + 1, dtype=np.float64))
            noticed = active & (self._draws(market, brand, -1).random(total) < wear[k])
            shown[seen_by] = np.minimum(shown[seen_by] + times, 255)  # saturates: decay ** 254 is nil anyway
            market.tally("new_ads_noticed", brand.index, int(noticed.sum()))
            for j, product in enumerate(brand.products):
                seen = who[noticed & (which == j)]
                market.feed.append(Exposure(unique(seen), product.index, "ad", p.credibility,
                                            product.claimed_quality))

    def _draws(self, market, brand, purpose: int) -> np.random.Generator:
        """A stream of its own for each (day, brand, purpose): impression i of a day gets the same consumer
        and the same notice draw whatever the number bought (common random numbers across ad budgets)."""
        return np.random.default_rng([self.key, market.day, brand.index, purpose % 1024])

    def _cap(self, market, brand, who, which, prior, shown, cap):
        """Move impressions that would take an active consumer over ``cap`` this window to consumers drawn at
        random (up to ``REDRAWS`` times); drop those still over. Returns (who, which, prior)."""
        n, redraw = market.population.n, self._draws(market, brand, -2)
        for attempt in range(self.REDRAWS + 1):
            active = market.active[who]
            over = active & (window_positions(who, active, prior)[0] >= cap)
            if not over.any():
                break
            if attempt == self.REDRAWS:
                keep = ~over
                return who[keep], which[keep], prior[keep]
            who = who.copy()
            who[over] = redraw.integers(0, n, int(over.sum()))
            prior = shown[who].astype(np.int64)
        return who, which, prior

    def report(self, market) -> dict[str, tuple]:
        n = float(np.count_nonzero(market.population.opt_out))
        return {"n_opted_out": (np.full(len(market.brands), n), n)}
