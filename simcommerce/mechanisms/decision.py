"""Purchase decision: in-market consumers choose among the products they know, or nothing."""

from __future__ import annotations

import numpy as np

from ..metrics import any_columns, count_columns
from ..spec import Param
from ..unique import unique
from .base import Array, Mechanism, State, register
from .reviews import rating_signal


@register
class Decision(Mechanism):
    """Multinomial logit over the aware products of each category plus the outside option.

    Each day, for each category, an active consumer enters the market with probability
    ``intent_rate * interest * (1 + exposure_boost if exposed in the last 3 days)``,
    unless they bought in that category within ``cooldown_days``. An in-market consumer
    aware of at least one product of the category chooses product j with utility::

        V_j = asc + beta_quality * belief_j + beta_trust * (trust_brand - 0.5)
              - beta_price * price_sensitivity * price_j / price_scale
              + beta_social * log(1 + friends who bought j)
              + beta_rating * review_trust * shrunk mean rating (-1 .. 1)
              + the terms of other mechanisms (Mechanism.utility, e.g. a coupon's)

    against the outside option (V = 0). Entering the market takes one uniform per consumer
    and category from the stream every day (whatever the state); the choice takes the
    consumer's own uniform of the day for the category. So other mechanisms' choices do not
    shift these draws (common random numbers).
    """

    name = "decision"
    stage = "decide"
    reads = ("active", "aware", "belief", "interest", "last_exposed_day", "price_sensitivity", "trust_brand",
             "last_purchase_day@yesterday", "review_trust@yesterday", "bought@yesterday", "rating_counts@yesterday")
    writes = ("orders", "shoppers")
    arrays = {"considered": Array("bool", False, ("brands",), "has been in the market aware of the brand's products")}
    state = {"shoppers": State(lambda m: {}, "today's in-market consumers aware of each category: "
                                            "category -> (ids, products, aware)")}
    help = "purchase decision (multinomial logit with outside option)"
    params = {
        "intent_rate": Param(0.02, "float", "daily chance of entering the market at full category interest",
                             "1/day", 0, 1),
        "exposure_boost": Param(2.0, "float", "relative increase of that chance for 3 days after an exposure",
                                "", 0, 100),
        "cooldown_days": Param(30, "int", "days after a purchase before re-entering the same category", "days",
                               0, 36500),
        "asc": Param(-1.0, "float", "constant of every product's utility (against the outside option)", "utils",
                     -20, 20),
        "beta_quality": Param(4.0, "float", "utility per unit of believed quality (0-1)", "utils", 0, 50),
        "beta_trust": Param(2.0, "float", "utility per unit of trust in the brand above 0.5", "utils", 0, 50),
        "beta_price": Param(1.0, "float", "utility lost per price_scale of price (times price sensitivity)",
                            "utils", 0, 50),
        "price_scale": Param(100.0, "float", "price unit of the price term", "currency units", 0.01, 1e9),
        "beta_social": Param(0.5, "float", "utility per log(1 + friends who bought the product)", "utils", 0, 50),
        "beta_rating": Param(1.0, "float", "utility of the shown rating, from -1 (1 star) to 1 (5 stars)", "utils",
                             0, 50),
        "rating_prior": Param(10.0, "float", "reviews needed before the mean rating counts half (shrinkage)",
                              "reviews", 0, 1e6),
    }
    metrics = {
        "new_in_market": "consumer-categories entering the market today (market only)",
        "new_considered": "in-market consumers aware of at least one of the brand's products",
        "n_considered": "consumers who have ever been in the market aware of the brand's products",
    }
    market_flows = ("new_in_market",)

    def setup(self, market) -> None:
        self.terms = [m for m in market.mechanisms if type(m).utility is not Mechanism.utility]

    def report(self, market) -> dict[str, tuple]:
        considered = market.population.considered
        return {"n_considered": (count_columns(considered), np.count_nonzero(any_columns(considered)))}

    def step(self, market) -> None:
        pop, p = market.population, self.p
        n_cat = pop.n_categories
        u_in = self.rng.random((pop.n, n_cat), dtype=np.float32)
        rating = rating_signal(market.rating_counts, p.rating_prior)
        orders_c, orders_p = [], []
        market.shoppers = shoppers = {}  # category -> (ids, prods, aware)
        for c in range(n_cat):
            base = p.intent_rate * pop.interest[:, c]  # float32
            # the few whose draw is below the highest rate they could have (float32, rounded up), then the
            # exact test on them alone
            highest = np.float32((1.0 + p.exposure_boost) * (1.0 + 1e-6))
            cand = np.flatnonzero(u_in[:, c] < base * highest)
            fresh = (market.day - pop.last_exposed_day[cand, c]) <= 3
            rate = base[cand] * (1.0 + p.exposure_boost * fresh)
            ready = (market.day - pop.last_purchase_day[cand, c]) > p.cooldown_days
            in_market = cand[market.active[cand] & ready & (u_in[cand, c] < rate)]
            market.recorder.tally_market("new_in_market", len(in_market))
            prods = np.flatnonzero(market.product_category == c)
            aware = pop.aware[np.ix_(in_market, prods)]
            has = aware.any(axis=1)
            ids, aware = in_market[has], aware[has]
            if len(ids) == 0:
                continue
            shoppers[c] = (ids, prods, aware)  # today's in-market consumers aware of the category (group_buying)
            brands = market.product_brand[prods]
            for b in unique(brands):
                knows = aware[:, brands == b].any(axis=1)
                pop.considered[ids[knows], b] = True
                market.tally("new_considered", int(b), int(knows.sum()))
            v = (p.asc + p.beta_quality * pop.belief[np.ix_(ids, prods)]
                 + p.beta_trust * (pop.trust_brand[np.ix_(ids, brands)] - 0.5)
                 - p.beta_price * pop.price_sensitivity[ids, None]
                 * (market.product_price[prods] / p.price_scale))
            if p.beta_social > 0:
                market.friends_bought.refresh()
                for k, j in enumerate(prods):
                    v[:, k] += p.beta_social * np.log1p(market.friends_bought.count(ids, j))
            if p.beta_rating > 0:
                v += p.beta_rating * pop.review_trust[ids, None] * rating[prods]
            for mech in self.terms:  # other mechanisms' utility terms (Mechanism.utility)
                term = mech.utility(market, ids, prods, self)
                if term is not None:
                    v += term
            expv = np.where(aware, np.exp(np.minimum(v, 50.0)), 0.0)
            cum = np.cumsum(expv, axis=1)
            total = cum[:, -1] + 1.0  # the outside option has exp(0) = 1
            pick = (cum < (self.uniforms(market, ids, c) * total)[:, None]).sum(axis=1)  # == len(prods): outside option
            buy = pick < len(prods)
            orders_c.append(ids[buy])
            orders_p.append(prods[pick[buy]])
        if orders_c:
            consumers = np.concatenate(orders_c).astype(np.int64)
            products = np.concatenate(orders_p).astype(np.int64)
            market.orders.append(consumers, products, pop.belief[consumers, products], "organic")
