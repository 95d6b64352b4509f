"""Stickiness and network effects (用户粘性, 网络效应): a consumer opens the app more often when friends
were on it yesterday, when the platform has many users, and after buying on it."""

from __future__ import annotations

import numpy as np

from ..buffers import CHANNELS
from ..population import NEVER
from ..spec import Param
from .base import Array, Mechanism, State, register


@register
class Stickiness(Mechanism):
    """Daily activity that feeds on itself (off by default).

    Without it a consumer is active with probability ``a = daily_active_share × min(1,
    trust_platform / initial trust_platform)``. With it, the day's probability is::

        min(1, a × (1 + peer_effect × s + size_effect × U / (U + half_users) + habit_effect × min(1, h)))

    * **Peer effect** (local network effect): ``s`` is 1 if a friend drawn at random that day (on the
      complete graph: anyone else) was active yesterday, else 0 — a message, a shared link, a friend
      seen online. Its mean is the share of the consumer's friends active yesterday, and the
      probability is linear in ``s``, so the chance of being active is that of the exact share
      (below the cap of 1), at a cost of N draws a day instead of a pass over every link. Activity
      spreads along the friendship graph: the social multiplier, a fixed point
      ``a* = a / (1 − a × peer_effect)`` when everyone has the same ``a`` and the other terms are 0.
    * **Size effect** (global network effect, Katz & Shapiro 1985): ``U`` is the number of consumers
      active on at least one of the last ``window_days`` days (weekly active users, in simulated
      consumers); a bigger user base makes the app worth opening more often, with diminishing
      returns (half of the effect at ``U = half_users``). This is what makes the value per user
      grow with the number of users: the friends' share ``s`` does not grow with N at a fixed
      mean degree.
    * **Habit**: ``h`` is the consumer's stock of own purchases on the platform: +1 per order paid
      in the app (not those paid in a brand's external shop), halving every ``habit_half_life``
      days; a fresh purchase gives the full ``habit_effect``.

    The multiplier is computed at the start of each day from the previous days' state (the
    activity draw in ``Market.step`` uses the same uniforms with and without it, so activity
    with stickiness is a superset of activity without at the same trust); the habit stock and
    the recent-activity record are updated at the end of the experience stage. Draws one uniform per
    consumer a day from its stream (which friend), whatever the state.
    """

    name = "stickiness"
    stage = "experience"
    after = ("fake_reviews",)
    reads = ("active", "orders", "external_brands")
    arrays = {
        "habit": Array("float32", 0.0, help="own recent platform purchases (decaying stock)"),
        "last_active_day": Array("int32", NEVER, help="the last day the consumer was active (NEVER: not yet)"),
    }
    state = {"activity_hook": State(lambda m: None, "None, or (market, base probabilities) -> today's activity "
                                                  "probabilities")}
    enabled_by_default = False
    help = "activity rises with friends' activity, the number of users and one's own purchases (off by default)"
    params = {
        "peer_effect": Param(0.5, "float", "relative rise of the chance of being active when the friend drawn that "
                             "day was active yesterday (on average: all friends active against none)", "", 0, 100),
        "size_effect": Param(0.5, "float", "relative rise of the chance of being active when the platform's "
                             "recently active users are far above half_users", "", 0, 100),
        "half_users": Param(10000.0, "float", "recently active users at which the size effect is half its full "
                            "value", "consumers", 1, 1e10),
        "habit_effect": Param(0.3, "float", "relative rise of the chance of being active right after one's own "
                              "purchase on the platform", "", 0, 100),
        "habit_half_life": Param(30.0, "float", "days for the habit of a purchase to fall by half", "days",
                                 0.01, 36500),
        "window_days": Param(7, "int", "days counted as recent for the adoption share and the user base",
                             "days", 1, 3650),
    }
    metrics = {
        "adoption_share": "share of consumers active on at least one of the last window_days days, 0-1 "
                          "(market only; brands: the same)",
        "mean_activity": "mean probability of being active today, 0-1 (market only; brands: the same)",
    }

    def setup(self, market) -> None:
        pop = market.population
        self.habit, self.last_active = pop.habit, pop.last_active_day
        self.recent_users = 0  # consumers active in the last window_days days, as of yesterday
        self.mean_activity = 0.0
        self.external = market.external_brands
        market.activity_hook = self.activity

    def multiplier(self, market) -> np.ndarray:
        """Today's activity multiplier of every consumer (N,) float64, ≥ 1, from yesterday's state."""
        p = self.p
        boost = np.ones(market.population.n)
        friend = market.friends.random_neighbor(self.rng.random(market.population.n))
        if p.peer_effect > 0:
            seen = market.active[np.maximum(friend, 0)] & (friend >= 0)  # market.active: still yesterday's
            boost += p.peer_effect * seen
        if p.size_effect > 0:
            boost += p.size_effect * self.recent_users / (self.recent_users + p.half_users)
        if p.habit_effect > 0:
            boost += p.habit_effect * np.minimum(self.habit, np.float32(1.0))
        return boost

    def activity(self, market, base: np.ndarray) -> np.ndarray:
        """Today's activity probabilities from the base ones (``a`` above), bounded to [0, 1]."""
        prob = np.minimum(base * self.multiplier(market), 1.0)
        self.mean_activity = float(prob.mean()) if len(prob) else 0.0
        return prob

    def step(self, market) -> None:
        p, o = self.p, market.orders
        self.last_active[market.active] = market.day
        self.habit *= np.float32(0.5 ** (1.0 / p.habit_half_life))
        if len(o):
            brand = market.product_brand[o.products]
            in_app = ~(self.external[brand] & (o.channel == CHANNELS.index("organic")))
            np.add.at(self.habit, o.consumers[in_app], np.float32(1.0))
        self.recent_users = int(np.count_nonzero(self.last_active > market.day - p.window_days))

    def report(self, market) -> dict[str, tuple]:
        n_brands = len(market.brands)
        share = self.recent_users / max(market.population.n, 1)
        return {"adoption_share": (np.full(n_brands, share), share),
                "mean_activity": (np.full(n_brands, self.mean_activity), self.mean_activity)}
