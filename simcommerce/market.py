"""The market: a Mesa model that builds consumers, networks, influencers and brands and
runs the daily stage loop (campaign, expose, decide, transact, experience, trust, record).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

import mesa
import numpy as np

from . import plan as _plan
from .actors import Brand, Influencer, Product
from .buffers import Exposure, Orders
from .ledger import Ledger
from .mechanisms.base import REGISTRY, STAGES
from .metrics import Recorder, declared_columns
from .network import FriendCounts, build_follows, build_friendship
from .population import Population, beta_with_mean
from .spec import TIERS


class Market(mesa.Model):
    """One simulated market.

    Args:
        scenario: a resolved scenario (see :func:`simcommerce.load_scenario`), a scenario file, or the name of a
            shipped one (``"baseline"``).
        seed: root seed (default: the scenario's). Every random stream is spawned from it.
        **overrides: scenario keys to change, dotted (``**{"population.consumers": 5000}``) or nested
            (``population={"consumers": 5000}``), as ``mesa.batch_run`` passes its parameters.

    For Mesa's tools: ``running`` turns False at the horizon (``steps`` days), and ``datacollector`` (a
    :class:`mesa.DataCollector`) has one model reporter per market metric, collected every day.

    Attributes:
        day: the current day (1 on the first step).
        population: the consumers (:class:`Population`).
        friends: friendship graph (:class:`~simcommerce.network.CSRGraph` or ``CompleteGraph``).
        friends_bought: :class:`~simcommerce.network.FriendCounts` of ``population.bought`` (friends who
            bought each product; call ``refresh()`` before reading).
        follows: follow graph, CSR rows = influencers.
        brands, influencers: lists of Mesa agents (also in ``self.agents_by_type``).
        products: all products; ``product_*`` arrays hold their attributes by index.
        mechanisms: enabled mechanisms in the order of the day (:attr:`plan`).
        feed: content waiting to reach consumers at the next expose stage.
        orders: today's orders.
        active: bool (N,), consumers active today.
        rating_counts: (P, 5) int64, reviews per product and star.
        profile: None, or a dict mechanism -> CPU seconds spent in its steps (set ``{}`` to measure).

    Every mechanism's declared state (``State``) is an attribute too, e.g. ``share_incentive`` (referral) or
    ``activity_hook`` (stickiness), at its "off" value when that mechanism is off.

    ``rng`` and ``random``, Mesa's generators, are guarded: a mechanism draws from its own streams.
    """

    def __init__(self, scenario: dict | str = "baseline", seed: int | None = None, **overrides):
        if not isinstance(scenario, dict) or overrides:
            from .scenario import flatten_overrides, load_scenario, resolve_scenario, scenario_path

            flat = flatten_overrides(overrides)
            scenario = (resolve_scenario(scenario, overrides=flat) if isinstance(scenario, dict)
                        else load_scenario(scenario_path(scenario), overrides=flat))
        self.seed = int(scenario["seed"] if seed is None else seed)
        super().__init__(rng=self.seed)
        self.rng = self.random = _Guarded()  # after Mesa stored its own: no mechanism draws from them by mistake
        self.config = scenario
        self.day = 0
        self._build_products(scenario)
        pop_cfg = scenario["population"]
        self.friends = build_friendship(scenario["network"]["friendship"], pop_cfg["consumers"],
                                        self.stream("network"))
        self.population = Population.generate(pop_cfg, [b["initial_trust"] for b in scenario["brands"]],
                                              len(self.categories), len(self.products), self.stream("population"))
        self.population.community = self.friends.community
        self.friends_bought = FriendCounts(self.friends, self.population.bought)  # friends who bought each product
        self.brands = [Brand(self, i, cfg, [p for p in self.products if p.brand == i])
                       for i, cfg in enumerate(scenario["brands"])]
        self._build_influencers(scenario)
        self.ledger = Ledger(self)
        self.recorder = Recorder(self)
        self.feed: list[Exposure] = []
        self.orders = Orders()
        self.active = np.zeros(self.population.n, dtype=bool)
        self.rating_counts = np.zeros((len(self.products), 5), dtype=np.int64)  # reviews per product and star
        self._activity_rng = self.stream("activity")
        self.profile = None
        enabled = [n for n, p in scenario["mechanisms"].items() if p["enabled"]]
        self._build_mechanisms(_plan.ordered(enabled), scenario["mechanisms"])
        self.recorder.declare(self.mechanisms)
        self.datacollector = MarketCollector(model_reporters={  # one reporter per market metric, read from today's row
            m: (lambda model, m=m: model.recorder.market_rows[-1][m]) for m in declared_columns(scenario)})
        self.sells = "checkout" in enabled  # orders are paid (switched off: awareness alone)

    # ------------------------------------------------------------------ build

    def _build_mechanisms(self, plan: list, settings: dict) -> None:
        """Every mechanism's declared state at its "off" value, then the enabled ones' arrays, objects and setup."""
        for cls in REGISTRY.values():
            for name, st in cls.state.items():
                setattr(self, name, st.init(self))
        for cls in plan:
            for name, arr in cls.arrays.items():
                self.population.add(name, arr.build(self.population))
        self.ledger.declare([f for cls in plan for f in cls.flows])
        self.mechanisms = [cls(self, settings[cls.name]) for cls in plan]
        for mech in self.mechanisms:
            mech.setup(self)

    def mechanism(self, name: str):
        """The enabled mechanism ``name`` (KeyError when it is off)."""
        for mech in self.mechanisms:
            if mech.name == name:
                return mech
        raise KeyError(f"mechanism {name} is not enabled in this market")

    @property
    def plan(self):
        """The day's plan as a table (pandas DataFrame): step, stage, mechanism, reads, writes."""
        import pandas as pd

        return pd.DataFrame(_plan.rows([type(m) for m in self.mechanisms]))

    def stream(self, name: str) -> np.random.Generator:
        """An independent random stream for ``name``, spawned from the root seed.

        The stream depends only on (root seed, name), never on which other streams exist.
        """
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()),)))

    def stream_key(self, name: str) -> int:
        """A 64-bit key for ``name``'s per-consumer draws (:func:`~simcommerce.mechanisms.base.consumer_uniforms`),
        from the root seed and the name only, independent of :meth:`stream`."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()), 1))
        return int(seq.generate_state(1, np.uint64)[0])

    def _build_products(self, sc: dict) -> None:
        self.categories: list[str] = []
        self.products: list[Product] = []
        for b, brand in enumerate(sc["brands"]):
            for p in brand["products"]:
                if p["category"] not in self.categories:
                    self.categories.append(p["category"])
                self.products.append(Product(len(self.products), b, p["name"], self.categories.index(p["category"]),
                                             p["price"], p["cost"], p["quality"], p["claimed_quality"]))
        attr = lambda a: np.array([getattr(p, a) for p in self.products])  # noqa: E731
        self.product_brand = attr("brand").astype(np.int64)
        self.product_category = attr("category").astype(np.int64)
        self.product_price, self.product_cost = attr("price"), attr("cost")
        self.product_quality, self.product_claimed = attr("quality"), attr("claimed_quality")

    def _build_influencers(self, sc: dict) -> None:
        cfg, follows_cfg = sc["influencers"], sc["network"]["follows"]
        rng = self.stream("influencers")
        specs = []
        for tier in TIERS:
            for k in range(cfg["counts"][tier]):
                cat = int(rng.integers(len(self.categories)))
                cred = float(beta_with_mean(rng, cfg["credibility_mean"], 10.0, 1)[0])
                specs.append((f"{tier}-{k + 1}", tier, cat, cred))
        for named in cfg["named"]:
            cat = self.categories.index(named["category"]) if named["category"] in self.categories else 0
            specs.append((named["name"], named["tier"], cat, named["credibility"]))
        self.influencers = [Influencer(self, i, *s) for i, s in enumerate(specs)]
        n = self.population.n
        tier = np.array([TIERS.index(inf.tier) for inf in self.influencers], dtype=np.int64)
        counts = tier_follower_counts(follows_cfg["reach_share"], follows_cfg["tail_exponent"], tier, n,
                                      rng.random(len(tier)))
        bias = follows_cfg["interest_bias"]
        weights = None  # followers' weights: interest in the influencer's category ** bias (one column per category)
        if bias > 0 and self.influencers:
            weights = self.population.interest ** np.float32(bias)
        cats = [inf.category for inf in self.influencers]
        self.follows = _CSRRows(*build_follows(counts, weights, n, rng, columns=cats))
        for inf in self.influencers:
            inf.fee_per_post = cfg["fee_per_1k_followers"] * len(inf.followers) / 1000.0

    # ------------------------------------------------------------------ run

    @property
    def tally(self):
        """Shortcut to :meth:`Recorder.tally`."""
        return self.recorder.tally

    def step(self) -> None:
        """One day: every enabled mechanism in stage order, then the day's metrics."""
        self.day = self.steps
        start = time.process_time()
        pop = self.population
        # activity falls only when trust in the platform falls below where it started
        share = self.config["population"]["daily_active_share"]
        threshold = np.full(pop.n, share, dtype=np.float32)
        floor = np.maximum(pop.trust_platform_initial, np.float32(1e-6))
        low = np.flatnonzero(pop.trust_platform < floor)  # the rest have ratio 1 (few, or none before a breach)
        threshold[low] = share * np.minimum(pop.trust_platform[low] / floor[low], 1.0)
        hook = self.activity_hook  # the stickiness mechanism's multiplier (None when it is off)
        self.active = self._activity_rng.random(pop.n) < (threshold if hook is None else hook(self, threshold))
        self._lap("activity", start)
        self.orders = Orders()
        for mech in self.mechanisms:
            if not self.sells and mech.stage in STAGES[STAGES.index("transact") + 1:]:
                self.orders = Orders()  # without the checkout nothing is paid: awareness alone
            start = time.process_time()
            mech.step(self)
            self._lap(mech.name, start)
        start = time.process_time()
        self.recorder.record()
        self.datacollector.collect(self)
        self._lap("recorder", start)
        self.running = self.day < self.config["steps"]

    def _lap(self, name: str, start: float) -> None:
        if self.profile is not None:
            self.profile[name] = self.profile.get(name, 0.0) + time.process_time() - start

    def run(self, days: int | None = None, progress=None) -> None:
        """Run ``days`` days (default: the scenario's ``steps``); ``progress(day)`` is called after each."""
        for _ in range(self.config["steps"] if days is None else days):
            self.step()
            if progress is not None:
                progress(self.day)


def tier_follower_counts(reach_share: dict, alpha: float, tier: np.ndarray, n: int, u: np.ndarray) -> np.ndarray:
    """Follower counts that respect the tier order in every draw.

    Tier t's counts lie in its own range of shares of the ``n`` consumers, between the cut-offs
    ``c_t = sqrt(s_t · s_{t+1})`` (the geometric mean of adjacent tiers' ``reach_share`` s; below nano:
    0, above mega: 1). Within the range a count is ``n`` × a Pareto share (exponent ``alpha``, scale
    ``s_t (alpha − 1)/alpha``, i.e. mean ``s_t`` before truncation) truncated to the range, drawn by
    inverse CDF from ``u`` (uniforms, one per influencer), then rounded into the tier's integer range,
    so every influencer of a higher tier has more followers than every one of a lower tier (strictly,
    whenever ``n`` leaves each tier at least one whole count: ``c_t · n`` ≥ 1 apart).
    """
    s = np.maximum.accumulate(np.array([reach_share[t] for t in TIERS], dtype=float))
    cut = np.r_[0.0, np.sqrt(s[:-1] * s[1:]), 1.0]  # tier t: shares in [cut[t], cut[t + 1]]
    hi_int = np.minimum(np.floor(cut[1:] * n), n).astype(np.int64)
    hi_int[-1] = n
    lo_int = np.empty_like(hi_int)
    for t in range(len(TIERS)):  # integer ranges [lo, hi], consecutive, at least one count each
        lo_int[t] = 1 if t == 0 else hi_int[t - 1] + 1
        hi_int[t] = min(max(hi_int[t], lo_int[t]), n)
    xm = s[tier] * (alpha - 1.0) / alpha  # Pareto scale (share)
    a = np.maximum(xm, cut[tier])
    b = np.maximum(cut[tier + 1], a)
    tail_a, tail_b = (xm / a) ** alpha, (xm / b) ** alpha  # survival function at a and b
    x = xm * (tail_a - u * (tail_a - tail_b)) ** (-1.0 / alpha)
    return np.clip(np.round(x * n), lo_int[tier], hi_int[tier]).astype(np.int64)


class MarketCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per market metric, for Mesa's tools (``batch_run``,
    ``get_model_vars_dataframe``). ``collect`` appends the values of the recorder's row of the day (floats),
    the same values the reporters give, without calling and deep-copying them one by one."""

    def collect(self, model) -> None:
        row = model.recorder.market_rows[-1]
        self._collection_steps.append(model.time)
        for name, values in self.model_vars.items():
            values.append(row[name])


class _Guarded:
    """Stands in for Mesa's ``Model.rng``/``Model.random``: any use raises (mechanisms draw from their streams)."""

    def __getattr__(self, name):
        raise AttributeError("Market.rng and Market.random are not for drawing: a mechanism draws from self.rng (its "
                             "own stream) or self.uniforms(...), so that its draws do not depend on the others "
                             "(docs/adding-a-mechanism.md)")


@dataclass
class _CSRRows:
    """Rows of a directed graph in CSR form (row i: the followers of influencer i)."""

    indptr: np.ndarray
    indices: np.ndarray

    def remove(self, row: int, ids: np.ndarray) -> None:
        """Drop ``ids`` from row ``row`` (e.g. followers who unfollow)."""
        lo, hi = self.indptr[row], self.indptr[row + 1]
        keep = ~np.isin(self.indices[lo:hi], ids)
        removed = int((~keep).sum())
        if removed:
            self.indices = np.concatenate([self.indices[:lo], self.indices[lo:hi][keep], self.indices[hi:]])
            self.indptr[row + 1:] -= removed
