"""The mechanism contract and registry.

A mechanism is one behavioural process of the market. It declares:

* ``name`` — the key under ``mechanisms:`` in a scenario (and under ``brands[].policy:``
  when it has brand levers);
* ``stage`` — one of :data:`STAGES`; within a stage, ``after``/``before`` (mechanism names) order
  them, ties by name (:mod:`simcommerce.plan` builds and checks the day's plan);
* ``arrays`` — the consumer arrays it owns (:class:`Array`: dtype, axes, initial value), made at build;
* ``state`` — the market attributes it owns (:class:`State`: the value while it is off), made at build
  for every registered mechanism, so readers find the "off" value when it is off;
* ``reads`` / ``writes`` — the shared arrays, state and day buffers (``orders``, ``feed``, ``active``)
  it reads or changes (its own arrays and state count as written); ``name@yesterday`` reads the value
  left at the end of yesterday, ``name@tomorrow`` writes for the next day;
* ``flows`` — money the platform pays through it (name -> meaning), booked with
  :meth:`~simcommerce.ledger.Ledger.platform_pays`;
* ``params`` — behavioural constants (``mechanisms.<name>.<param>``), each a
  :class:`~simcommerce.spec.Param` with default, bounds, unit and meaning;
* ``policy`` — the strategist's levers for each brand (``brands[].policy.<name>.<param>``);
* ``metrics`` — the daily metrics it reports (name -> meaning): flows ``new_*`` (each gets a
  running total ``cum_*``) and stocks; all are registered at build, so every run of a scenario
  writes the same columns (zero when nothing happened). ``market_flows`` names the flows that
  exist for the market only; :meth:`Mechanism.metric_names` adds names that depend on the scenario;
* ``events`` — the scheduled event types it handles (type -> required reference).

Hooks into shared computations: :meth:`Mechanism.utility` adds a term to the purchase decision's
utility; discounts compose on today's orders with :meth:`~simcommerce.buffers.Orders.add_discount`
(brand- or platform-funded); parameters arrive as ``self.p``, a frozen dataclass generated from
``params`` (:func:`params_type`).

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

import dataclasses
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, ClassVar

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

_AXES = ("brands", "products", "categories")


@dataclass(frozen=True)
class Array:
    """A consumer array a mechanism owns: shape (N, *axes), numpy ``dtype``, every cell ``fill`` at build.

    ``axes``: () for one value per consumer, or any of ``brands``, ``products``, ``categories``."""

    dtype: str
    fill: Any = 0
    axes: tuple[str, ...] = ()
    help: str = ""

    def __post_init__(self):
        assert all(a in _AXES for a in self.axes), self.axes
        np.dtype(self.dtype)

    def build(self, pop) -> np.ndarray:
        """The array at build, for population ``pop``."""
        sizes = {"brands": pop.n_brands, "products": pop.n_products, "categories": pop.n_categories}
        return np.full((pop.n, *(sizes[a] for a in self.axes)), self.fill, dtype=self.dtype)


@dataclass(frozen=True)
class State:
    """Market state a mechanism owns (``market.<name>``). ``init(market)`` is its value while the mechanism
    is off (and before its setup); the mechanism's ``setup`` sets it when it is on."""

    init: Callable[[Any], Any]
    help: str = ""


def params_type(name: str, params: dict[str, Param]) -> type:
    """A frozen dataclass with one typed field per parameter (lists become tuples, tables read-only mappings),
    named ``<Name>Params``.

    ``p.x`` is the parameter ``x``; ``p["x"]`` also works, for code that loops over names."""
    types = {"float": float, "int": int, "bool": bool, "str": str, "floats": tuple, "ints": tuple, "path": str}
    def typed(v):
        if not isinstance(v, Param):
            return Mapping  # a table (Section), e.g. one value per influencer tier
        return types[v.kind] | None if v.nullable else types[v.kind]

    fields = [(k, typed(v)) for k, v in params.items()]
    cls = dataclasses.make_dataclass("".join(w.title() for w in name.split("_")) + "Params", fields, frozen=True,
                                     namespace={"__getitem__": lambda self, k: getattr(self, k)})
    cls.__doc__ = f"The parameters of ``{name}`` (frozen)."
    return cls


def frozen_params(cls: type["Mechanism"], values: dict):
    """``values`` (a resolved ``mechanisms.<name>`` section) as ``cls``'s frozen parameters."""
    def frozen(v):
        return tuple(v) if isinstance(v, list) else MappingProxyType(dict(v)) if isinstance(v, dict) else v

    return cls.Params(**{k: frozen(v) for k, v in values.items() if k in cls.params})


class Mechanism:
    """Base class: subclass, fill the class attributes, implement :meth:`step`."""

    name: ClassVar[str]
    stage: ClassVar[str]
    after: ClassVar[tuple[str, ...]] = ()
    before: ClassVar[tuple[str, ...]] = ()
    arrays: ClassVar[dict[str, Array]] = {}
    state: ClassVar[dict[str, State]] = {}
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    flows: ClassVar[dict[str, str]] = {}
    enabled_by_default: ClassVar[bool] = True
    help: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}
    policy: ClassVar[dict[str, Param]] = {}
    metrics: ClassVar[dict[str, str]] = {}
    market_flows: ClassVar[tuple[str, ...]] = ()
    events: ClassVar[dict[str, str]] = {}

    Params: ClassVar[type]  # made by register() from ``params``

    def __init__(self, market: "Market", params: dict):
        self.market = market
        self.p = frozen_params(type(self), params)
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
        """Prepare what the declared arrays and state cannot say alone (called once, after the build)."""

    def step(self, market: "Market") -> None:
        """Run one day of this mechanism."""
        raise NotImplementedError

    def report(self, market: "Market") -> dict[str, tuple]:
        """Stock metrics for today: ``{name: (per_brand_values, market_value)}``."""
        return {}

    def utility(self, market: "Market", ids: np.ndarray, prods: np.ndarray, decision) -> np.ndarray | None:
        """A term added to the purchase utility of consumers ``ids`` for products ``prods`` (shape (len(ids),
        len(prods)), utils), or None; ``decision`` is the decision mechanism (its ``p`` has the betas)."""
        return None

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
    assert not hasattr(cls, "order"), f"{cls.__name__}: order with after=/before=, not an order number"
    cls.Params = params_type(cls.name, cls.params)
    REGISTRY[cls.name] = cls
    return cls


def discover() -> dict[str, type[Mechanism]]:
    """Import every module of :mod:`simcommerce.mechanisms` (each registers its mechanism); the registry."""
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "base":
            importlib.import_module(f"{__package__}.{info.name}")
    return REGISTRY
