"""Live-stream selling: influencers host scheduled sessions with a time-limited discount and limited stock."""

from __future__ import annotations

import numpy as np

from ..buffers import CHANNELS
from ..spec import TIERS, Param
from .base import Mechanism, register

LIVE = CHANNELS.index("live")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))


@register
class Livestream(Mechanism):
    """A brand with ``sessions_per_week`` > 0 books ``hosts`` influencers of ``host_tier``
    (chosen at the start, preferring influencers of its products' categories) who host
    live sessions in rotation; the products are featured in rotation too. Sessions are
    scheduled, not random: day *d* has ``floor(d·s/7) − floor((d−1)·s/7)`` sessions for
    ``s = sessions_per_week``. Pay structure (REFERENCES.md): before each session the brand
    pays the host the slot fee (坑位费, ``slot_fee``, counted against the marketing
    budget; a session the budget cannot pay is cancelled); after it, ``commission`` times
    the session's sales at the live price (counted against the budget too, not clawed back
    on returns). Both are booked as the brand's influencer fees and the
    host's earnings, so the money identity holds.

    **Audience.** Each active follower of the host watches with probability
    ``attendance``; each active non-follower whose interest in the product's category is
    at least ``boost_min_interest`` is shown the stream by the platform's algorithm and
    watches with probability ``boost_share``. Every viewer becomes aware of the product,
    its belief moves toward the claimed quality, ``belief += persuasion · credibility ·
    (claimed − belief)``, and the category counts as recently exposed (see
    ``decision.exposure_boost``).

    **Purchases.** A viewer who has no other order today and is not in the category's
    purchase cooldown (``decision.cooldown_days``) may buy one unit at the live price
    ``price · (1 − discount)``. The session is split into ``rounds`` sub-rounds; in round
    *r* a viewer who has not bought yet buys with probability ``q = σ(x₀ + x_d + x_s)``::

        x₀ = logit(q₁) + quality_weight · (belief − 0.5) + trust_weight · (trust − 0.5)
        q₁ = 1 − (1 − base_conversion)^(1/rounds)
        x_d = discount_sensitivity · price_sensitivity · discount
        x_s = social_proof · ln(1 + orders placed in earlier rounds of the session)

    so ``base_conversion`` is the per-session conversion of a neutral viewer (belief and
    trust 0.5) without discount and without visible orders, and ``social_proof`` is the
    elasticity of the odds of buying with respect to the visible order count (in-session
    social proof; Song et al. 2021 measure +1% live comments ⇒ +0.29% sales on Taobao).
    Buyers are served in random order until ``stock`` units are sold (null: unlimited);
    a session that sells out ends. Conversion of tens of percent of viewers ("approaching
    30%", McKinsey 2021) follows from discounts and social proof; calibrate per market.
    Orders enter checkout with channel ``live``, discount ``price · discount`` and the
    buyer's belief after the show as expectation.

    **Impulse returns.** A purchase is an impulse purchase with the probability that the
    discount and the visible orders caused it, ``1 − σ(x₀)/σ(x₀ + x_d + x_s)`` in the
    round of the purchase (the attributable fraction). The day after the purchase, an
    impulse buyer who was not dissatisfied (satisfaction ≥ ``experience.return_threshold``;
    dissatisfied buyers return through the experience mechanism) returns the item with
    probability ``impulse_return`` (cooling-off return; full refund by the brand, the goods
    are not resold). Return rates of 30–50% are reported for live commerce (trade press,
    weak source). ``new_live_returns`` counts both kinds of returns of live orders (and
    ``new_returns``/``new_refunds`` include the impulse returns).

    Observation: ``live_conversion`` = live orders / live viewers, ``live_gmv_per_session``,
    ``live_return_rate`` = returns / orders of live orders, and ``live_roi`` = (live sales −
    platform fees − cost of goods − refunds of live orders − slot fees − commissions) /
    (slot fees + commissions), all cumulative since day 1. ``Livestream.sessions_table()`` lists
    every session (day, brand, host, product, viewers, orders, GMV, fees, sold out).
    """

    name = "livestream"
    stage = "decide"
    after = ("group_buying",)
    reads = ("active", "interest", "price_sensitivity", "trust_brand", "follows@yesterday", "last_purchase_day@yesterday")
    writes = ("orders", "aware", "belief", "last_exposed_day")
    help = "live-stream selling sessions (slot fee + commission, discount, stock, social proof, returns)"
    params = {
        "attendance": Param(0.1, "float", "probability that an active follower of the host watches a session",
                            "0-1", 0, 1),
        "boost_share": Param(0.02, "float", "probability that an active non-follower with high interest in the "
                             "category is shown the stream and watches (algorithmic boost)", "0-1", 0, 1),
        "boost_min_interest": Param(0.7, "float", "category interest from which a non-follower can be boosted",
                                    "0-1", 0, 1),
        "persuasion": Param(0.8, "float", "weight of the show in viewers' beliefs, times the host's credibility",
                            "0-1", 0, 1),
        "rounds": Param(4, "int", "sub-rounds of a session (the visible order count is updated between rounds)",
                        "rounds", 1, 100),
        "base_conversion": Param(0.03, "float", "per-session purchase probability of a neutral viewer without "
                                 "discount and without visible orders", "0-1", 0, 0.999),
        "quality_weight": Param(4.0, "float", "log-odds of buying per unit of believed quality above 0.5", "logits",
                                0, 50),
        "trust_weight": Param(2.0, "float", "log-odds of buying per unit of trust in the brand above 0.5", "logits",
                              0, 50),
        "discount_sensitivity": Param(5.0, "float", "log-odds of buying per unit of discount share, times the "
                                      "viewer's price sensitivity", "logits", 0, 100),
        "social_proof": Param(0.29, "float", "log-odds of buying per log(1 + visible order count) (elasticity; "
                              "Song et al. 2021: 0.29)", "logits", 0, 10),
        "impulse_return": Param(0.5, "float", "probability that an impulse buyer returns the item (cooling-off)",
                                "0-1", 0, 1),
    }
    policy = {
        "sessions_per_week": Param(0.0, "float", "live sessions the brand books per week (0: no live selling)",
                                   "sessions/week", 0, 70),
        "hosts": Param(1, "int", "number of influencers hosting the brand's sessions, in rotation", "influencers",
                       1, 1000),
        "host_tier": Param("macro", "str", "tier of the hosts", choices=TIERS),
        "discount": Param(0.2, "float", "time-limited price cut during a session, share of the list price", "0-1",
                          0, 1),
        "stock": Param(200, "int", "units on sale per session (null: unlimited)", "units", 0, 10**9, nullable=True),
        "slot_fee": Param(500.0, "float", "fee paid to the host per session (坑位费)", "currency units", 0, 1e9),
        "commission": Param(0.2, "float", "share of the session's sales paid to the host", "0-1", 0, 1),
    }
    metrics = {
        "new_sessions": "live sessions held",
        "new_live_viewers": "session viewers (a consumer watching two sessions counts twice)",
        "new_live_aware": "viewers newly aware of the featured product",
        "new_live_orders": "orders placed in live sessions",
        "new_live_gmv": "sales of live sessions at the live price (currency units)",
        "new_live_sellouts": "sessions that sold out their stock",
        "new_live_slot_fees": "slot fees paid to hosts (currency units)",
        "new_live_commission": "commission paid to hosts on session sales (currency units)",
        "new_live_returns": "live orders returned (dissatisfied or impulse)",
        "new_live_impulse_returns": "live orders returned as impulse purchases (cooling-off)",
        "new_live_refunds": "money refunded for returned live orders (currency units)",
        "live_conversion": "cumulative live orders / cumulative live viewers",
        "live_gmv_per_session": "cumulative live GMV / cumulative sessions (currency units)",
        "live_return_rate": "cumulative live returns / cumulative live orders",
        "live_roi": "cumulative (live gross margin − refunds − slot fees − commissions) / (slot fees + commissions)",
    }

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        inf = sc["influencers"]
        out = []
        for where, pol in cls.each_policy(sc):
            tier = pol["host_tier"]
            available = inf["counts"][tier] + sum(i["tier"] == tier for i in inf["named"])
            if pol["sessions_per_week"] > 0 and available == 0:
                out.append((f"{where}.host_tier", "a tier with at least one influencer (see influencers.counts)",
                            f"'{tier}' with none"))
        return out

    def setup(self, market) -> None:
        self.hosts: dict[int, list] = {}
        self.n_sessions = np.zeros(len(market.brands), dtype=np.int64)
        for brand in market.brands:
            pol = self.policy_of(brand)
            if pol["sessions_per_week"] <= 0:
                continue
            pool = [i for i in market.influencers if i.tier == pol["host_tier"]]
            cats = {p.category for p in brand.products}
            own = [i for i in pool if i.category in cats]
            other = [i for i in pool if i.category not in cats]
            ranked = list(self.rng.permutation(own)) + list(self.rng.permutation(other))
            self.hosts[brand.index] = ranked[:pol["hosts"]]
        self.on = bool(self.hosts)
        b = len(market.brands)
        self.cum = {k: np.zeros(b) for k in ("viewers", "orders", "gmv", "cogs", "platform_fees", "fees")}
        self.sessions: list[dict] = []
        self._pending = None  # (yesterday's Orders, consumers flagged as impulse returns)
        self.cooldown = market.config["mechanisms"]["decision"]["cooldown_days"]
        self.return_threshold = market.config["mechanisms"]["experience"]["return_threshold"]

    def step(self, market) -> None:
        if not self.on:
            return
        self._settle_impulse_returns(market)
        flagged = []
        for b, hosts in self.hosts.items():
            brand = market.brands[b]
            s = self.policy_of(brand)["sessions_per_week"]
            today = int(np.floor(market.day * s / 7.0) - np.floor((market.day - 1) * s / 7.0))
            for _ in range(today):
                k = int(self.n_sessions[b])
                host = hosts[k % len(hosts)]
                product = brand.products[k % len(brand.products)]
                flagged.append(self.session(market, brand, host, product))
        self._pending = (market.orders, np.concatenate(flagged) if flagged else np.empty(0, dtype=np.int64))

    def session(self, market, brand, host, product) -> np.ndarray:
        """Hold one session; returns the buyers flagged as impulse returns (consumer ids)."""
        pop, p, o = market.population, self.p, market.orders
        pol = self.policy_of(brand)
        b, j, c = brand.index, product.index, product.category
        if not brand.affordable(pol["slot_fee"]):
            return np.empty(0, dtype=np.int64)
        self.n_sessions[b] += 1
        market.ledger.influencer_fee(b, host, pol["slot_fee"])
        market.tally("new_sessions", b)
        market.tally("new_live_slot_fees", b, pol["slot_fee"])
        self.cum["fees"][b] += pol["slot_fee"]

        # audience: active followers who attend, plus non-followers boosted by interest
        followers = host.followers.astype(np.int64)
        fans = followers[market.active[followers]]
        fans = fans[self.rng.random(len(fans)) < p.attendance]
        keen = np.flatnonzero(market.active & (pop.interest[:, c] >= p.boost_min_interest))
        keen = keen[~np.isin(keen, followers, assume_unique=True)]
        keen = keen[self.rng.random(len(keen)) < p.boost_share]
        viewers = np.concatenate([fans, keen])
        market.tally("new_live_viewers", b, len(viewers))
        market.tally("new_live_aware", b, int((~pop.aware[viewers, j]).sum()))
        self.cum["viewers"][b] += len(viewers)
        pop.aware[viewers, j] = True
        belief = pop.belief[viewers, j]
        pop.belief[viewers, j] = belief + p.persuasion * host.credibility * (product.claimed_quality - belief)
        pop.last_exposed_day[viewers, c] = market.day

        # purchases, round by round, with the visible order count
        ready = (market.day - pop.last_purchase_day[viewers, c]) > self.cooldown
        cand = viewers[ready & ~np.isin(viewers, o.consumers)]
        q1 = 1.0 - (1.0 - p.base_conversion) ** (1.0 / p.rounds)
        x0 = (np.log(q1 / (1.0 - q1)) if q1 > 0 else -np.inf) \
            + p.quality_weight * (pop.belief[cand, j] - 0.5) + p.trust_weight * (pop.trust_brand[cand, b] - 0.5)
        xd = p.discount_sensitivity * pop.price_sensitivity[cand] * pol["discount"]
        stock = np.inf if pol["stock"] is None else pol["stock"]
        buyers, impulse = [], []
        sold, sold_out = 0, False
        for _ in range(p.rounds):
            if len(cand) == 0 or sold >= stock:
                break
            q = _sigmoid(x0 + xd + p.social_proof * np.log1p(sold))
            hit = np.flatnonzero(self.rng.random(len(cand)) < q)
            if sold + len(hit) >= stock:
                hit = np.sort(self.rng.permutation(hit)[:int(stock - sold)])  # first come, first served
                sold_out = True
            buyers.append(cand[hit])
            impulse.append(1.0 - _sigmoid(x0[hit]) / q[hit])
            sold += len(hit)
            keep = np.ones(len(cand), dtype=bool)
            keep[hit] = False
            cand, x0, xd = cand[keep], x0[keep], xd[keep]
        buyers = np.concatenate(buyers) if buyers else np.empty(0, dtype=np.int64)
        impulse = np.concatenate(impulse) if impulse else np.empty(0)
        unit = product.price * pol["discount"]
        live_price = product.price - unit
        gmv = live_price * len(buyers)
        commission = pol["commission"] * gmv
        if len(buyers):
            o.append(buyers, j, pop.belief[buyers, j], "live", discount=unit)
            market.ledger.influencer_commission(b, host, commission)
        market.tally("new_live_orders", b, len(buyers))
        market.tally("new_live_gmv", b, gmv)
        market.tally("new_live_commission", b, commission)
        market.tally("new_live_sellouts", b, float(sold_out))
        self.cum["orders"][b] += len(buyers)
        self.cum["gmv"][b] += gmv
        self.cum["cogs"][b] += product.cost * len(buyers)
        self.cum["platform_fees"][b] += market.ledger.take_rate * gmv
        self.cum["fees"][b] += commission
        self.sessions.append({"day": market.day, "brand": brand.name, "host": host.name, "product": product.name,
                              "viewers": len(viewers), "orders": len(buyers), "gmv": gmv,
                              "slot_fee": pol["slot_fee"], "commission": commission, "sold_out": sold_out})
        return buyers[self.rng.random(len(buyers)) < p.impulse_return * impulse]

    def _settle_impulse_returns(self, market) -> None:
        """Refund yesterday's impulse buyers who were not dissatisfied (the others had their chance)."""
        if self._pending is None:
            return
        o, flagged = self._pending
        self._pending = None
        if len(flagged) == 0 or len(o) == 0:
            return
        mask = (o.channel == LIVE) & np.isin(o.consumers, flagged)
        if len(o.satisfaction) == len(o):  # experienced: dissatisfied buyers returned (or kept) it there
            mask &= o.satisfaction >= self.return_threshold
        if len(o.paid) != len(o) or not mask.any():
            return
        brand = market.product_brand[o.products[mask]]
        market.ledger.refund(o.consumers[mask], brand, o.paid[mask])
        market.tally("new_returns", brand)
        market.tally("new_refunds", brand, o.paid[mask])
        market.tally("new_live_returns", brand)
        market.tally("new_live_impulse_returns", brand)
        market.tally("new_live_refunds", brand, o.paid[mask])

    def report(self, market) -> dict[str, tuple]:
        cum = self.cum
        returns = market.recorder.running_total("new_live_returns")
        refunds = market.recorder.running_total("new_live_refunds")
        margin = cum["gmv"] - cum["platform_fees"] - cum["cogs"] - refunds

        def ratio(a, d):
            per = np.divide(a, d, out=np.zeros_like(a, dtype=float), where=d > 0)
            total = float(a.sum() / d.sum()) if d.sum() > 0 else 0.0
            return per, total

        return {
            "live_conversion": ratio(cum["orders"], cum["viewers"]),
            "live_gmv_per_session": ratio(cum["gmv"], self.n_sessions.astype(float)),
            "live_return_rate": ratio(returns, cum["orders"]),
            "live_roi": ratio(margin - cum["fees"], cum["fees"]),
        }

    def sessions_table(self):
        """Every session so far as a DataFrame (one row per session)."""
        import pandas as pd

        cols = ["day", "brand", "host", "product", "viewers", "orders", "gmv", "slot_fee", "commission", "sold_out"]
        return pd.DataFrame(self.sessions, columns=cols)
