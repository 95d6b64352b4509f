"""The mechanism contract and registry.

A mechanism is one behavioural process of the market. It declares:

* ``name`` — the key under ``mechanisms:`` in a scenario (and under ``brands[].policy:``
  when it has brand levers);
* ``stage`` — one of :data:`STAGES`; within a stage mechanisms run by ``order``;
* ``params`` — behavioural constants (``mechanisms.<name>.<param>``), each a
  :class:`~simcommerce.spec.Param` with default, bounds, unit and meaning;
* ``policy`` — the strategist's levers for each brand (``brands[].policy.<name>.<param>``);
* ``metrics`` — the daily metrics it reports (name -> meaning): flows ``new_*`` (each gets a
  running total ``cum_*``) and stocks; all are registered at build, so every run of a scenario
  writes the same columns (zero when nothing happened). ``market_flows`` names the flows that
  exist for the market only; :meth:`Mechanism.metric_names` adds names that depend on the scenario;
* ``events`` — the scheduled event types it handles (type -> required reference).

It implements :meth:`Mechanism.step` with array operations and draws only from its
own randomness, derived from the run's root seed and the mechanism's name, so switching
another mechanism on or off leaves its draws unchanged:

* ``self.rng``, a numpy stream, for draws that do not belong to one consumer (which
  influencer posts, the invitees of a group) or that every consumer needs each day;
* :meth:`Mechanism.uniforms`, the consumer's own uniform for the day: a function of
  (mechanism, day, slot, consumer id) alone (:func:`consumer_uniforms`), so a consumer's
  draw never depends on who else draws (common random numbers) and costs nothing for
  the consumers not asked about — no N-sized draw a day for the few who bought.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..spec import Param

if TYPE_CHECKING:
    from ..market import Market

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment (golden ratio)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_CHUNK = 1 << 16


def consumer_uniforms(key: int, day: int, slot: int, ids: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) (float64), one per consumer id: SplitMix64 (Steele, Lea & Flood 2014) of the
    stream ``key`` at position (day, slot, id).

    A counter-based generator: the value depends only on (key, day, slot, id), so it can be
    drawn for any subset of consumers, in any order, with the same result. Positions are
    ``day · 2^44 + slot · 2^32 + id`` (day < 2^20, slot < 4096, id < 2^32), distinct for
    distinct arguments; consecutive ids are consecutive outputs of SplitMix64.
    """
    assert 0 <= slot < 4096 and 0 <= day < 2**20
    ids = np.asarray(ids)
    out = np.empty(ids.shape, dtype=np.float64)
    flat_ids, flat_out = ids.reshape(-1), out.reshape(-1)
    for lo in range(0, len(flat_ids), _CHUNK):  # in chunks that stay in cache, each op in place
        z = flat_ids[lo:lo + _CHUNK].astype(np.uint64)  # uint64 arithmetic wraps around, as it should
        z += np.uint64(day << 44 | slot << 32)  # the position
        z *= _GAMMA
        z += np.uint64(key)
        for shift, mix in ((30, _MIX1), (27, _MIX2)):  # z = (z ^ (z >> shift)) * mix
            z ^= z >> np.uint64(shift)
            z *= mix
        z ^= z >> np.uint64(31)
        z >>= np.uint64(11)  # the top 53 bits
        np.multiply(z, 2.0**-53, out=flat_out[lo:lo + _CHUNK])
    return out


STAGES = ("campaign", "expose", "decide", "transact", "experience", "trust", "record")

REGISTRY: dict[str, type["Mechanism"]] = {}


class Mechanism:
    """Base class: subclass, fill the class attributes, implement :meth:`step`."""

    name: ClassVar[str]
    stage: ClassVar[str]
    order: ClassVar[int] = 0
    enabled_by_default: ClassVar[bool] = True
    help: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}
    policy: ClassVar[dict[str, Param]] = {}
    metrics: ClassVar[dict[str, str]] = {}
    market_flows: ClassVar[tuple[str, ...]] = ()
    events: ClassVar[dict[str, str]] = {}

    def __init__(self, market: "Market", params: dict):
        self.market = market
        self.p = params
        self.rng: np.random.Generator = market.stream(self.name)
        self.key = market.stream_key(self.name)  # for consumer_uniforms

    @classmethod
    def metric_names(cls, scenario: dict) -> dict[str, str]:
        """The metrics this mechanism writes in a run of ``scenario`` (name -> meaning); by default
        :attr:`metrics`."""
        return dict(cls.metrics)

    @classmethod
    def check(cls, params: dict) -> list[tuple[str, str, str]]:
        """Problems that bounds alone cannot express: ``[(param, expected, found)]``."""
        return []

    @classmethod
    def check_scenario(cls, sc: dict) -> list[tuple[str, str, str]]:
        """Problems of this mechanism's settings in the context of the whole resolved scenario ``sc`` (its
        size, its influencers, its horizon): ``[(key path, expected, found)]``. Called when it is enabled."""
        return []

    @classmethod
    def each_policy(cls, sc: dict):
        """``(key path prefix, levers)`` of this mechanism for every brand of ``sc``."""
        for i, b in enumerate(sc["brands"]):
            yield f"brands[{i}].policy.{cls.name}", b["policy"][cls.name]

    def setup(self, market: "Market") -> None:
        """Add the consumer arrays this mechanism needs (called once, after the build)."""

    def step(self, market: "Market") -> None:
        """Run one day of this mechanism."""
        raise NotImplementedError

    def report(self, market: "Market") -> dict[str, tuple]:
        """Stock metrics for today: ``{name: (per_brand_values, market_value)}``."""
        return {}

    def uniforms(self, market: "Market", ids: np.ndarray, slot: int = 0) -> np.ndarray:
        """Today's uniform draw in [0, 1) of each consumer in ``ids`` (repeats get the same number) for this
        mechanism; ``slot`` (0-4095) tells apart several independent draws of one day."""
        return consumer_uniforms(self.key, market.day, slot, ids)

    def policy_of(self, brand) -> dict:
        """This mechanism's levers for ``brand`` (a :class:`~simcommerce.actors.Brand`)."""
        return brand.policy[self.name]


def register(cls: type[Mechanism]) -> type[Mechanism]:
    """Class decorator: make a mechanism available to scenarios by its name."""
    assert cls.stage in STAGES, f"{cls.__name__}: unknown stage {cls.stage}"
    assert cls.name not in REGISTRY, f"mechanism {cls.name} registered twice"
    REGISTRY[cls.name] = cls
    return cls


def in_stage_order(names) -> list[str]:
    """Mechanism names sorted by (stage, order, name)."""
    return sorted(names, key=lambda n: (STAGES.index(REGISTRY[n].stage), REGISTRY[n].order, n))
