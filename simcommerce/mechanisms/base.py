"""The mechanism contract and registry.

A mechanism is one behavioural process of the market. It declares:

* ``name`` — the key under ``mechanisms:`` in a scenario (and under ``brands[].policy:``
  when it has brand levers);
* ``stage`` — one of :data:`STAGES`; within a stage mechanisms run by ``order``;
* ``params`` — behavioural constants (``mechanisms.<name>.<param>``), each a
  :class:`~simcommerce.spec.Param` with default, bounds, unit and meaning;
* ``policy`` — the strategist's levers for each brand (``brands[].policy.<name>.<param>``);
* ``metrics`` — the daily metrics it reports (name -> meaning);
* ``events`` — the scheduled event types it handles (type -> required reference).

It implements :meth:`Mechanism.step` with array operations and draws only from
``self.rng``, a stream spawned from the run's root seed by the mechanism's name, so
switching another mechanism on or off leaves its draws unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..spec import Param

if TYPE_CHECKING:
    from ..market import Market

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
    events: ClassVar[dict[str, str]] = {}

    def __init__(self, market: "Market", params: dict):
        self.market = market
        self.p = params
        self.rng: np.random.Generator = market.stream(self.name)

    @classmethod
    def check(cls, params: dict) -> list[tuple[str, str, str]]:
        """Problems that bounds alone cannot express: ``[(param, expected, found)]``."""
        return []

    def setup(self, market: "Market") -> None:
        """Add the consumer arrays this mechanism needs (called once, after the build)."""

    def step(self, market: "Market") -> None:
        """Run one day of this mechanism."""
        raise NotImplementedError

    def report(self, market: "Market") -> dict[str, tuple]:
        """Stock metrics for today: ``{name: (per_brand_values, market_value)}``."""
        return {}

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
