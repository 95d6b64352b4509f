"""Helpers for testing a mechanism alone: a small market that builds only what the named mechanisms declare.

    from simcommerce.testing import mock_market
    m = mock_market(["decision"], n=2000, **{"mechanisms.decision.intent_rate": 1.0})
    m.population.aware[:] = True
    m.mechanism("decision").step(m)
"""

from __future__ import annotations

from .market import Market
from .mechanisms import REGISTRY
from .scenario import flatten_overrides, resolve_scenario
from .spec import TIERS

TWO_BRANDS = [
    {"name": "A", "products": [{"name": "a", "category": "c", "price": 100, "cost": 30, "quality": 0.8}]},
    {"name": "B", "products": [{"name": "b", "category": "c", "price": 150, "cost": 30, "quality": 0.6}]},
]
FOLLOWS = "follows"  # mechanisms that read the follow graph get the scenario's default influencers


def mock_market(mechanisms=(), n: int = 1000, graph: str | dict = "complete", brands: list | None = None,
                seed: int = 1, day: int = 1, everyone_active: bool = True, **overrides) -> Market:
    """A market of ``n`` consumers with only ``mechanisms`` switched on, on day ``day`` (default: everyone active),
    ready for a mechanism's ``step``.

    Only the named mechanisms' arrays and state are built (every mechanism's state at its "off" value). ``graph``:
    the friendship model (default ``"complete"``, which costs nothing to build) or a ``network.friendship``
    section. ``brands``: the scenario's brands (default: two brands of one product each in one category,
    :data:`TWO_BRANDS`). Influencers exist only when a named mechanism reads the follow graph. ``overrides``:
    scenario keys, dotted (``**{"mechanisms.decision.intent_rate": 1.0}``).
    """
    unknown = [m for m in mechanisms if m not in REGISTRY]
    if unknown:
        raise KeyError(f"mock_market: no mechanism named {', '.join(unknown)} (known: {', '.join(sorted(REGISTRY))})")
    follows = any(r.split("@")[0] == FOLLOWS for m in mechanisms for r in REGISTRY[m].reads)
    data = {
        "name": "mock", "steps": max(10, day), "population": {"consumers": n},
        "network": {"friendship": graph if isinstance(graph, dict) else {"model": graph}},
        "brands": brands if brands is not None else TWO_BRANDS,
        "mechanisms": {name: {"enabled": name in mechanisms} for name in REGISTRY},
    }
    if not follows:
        data["influencers"] = {"counts": {t: 0 for t in TIERS}}
    market = Market(resolve_scenario(data, overrides=flatten_overrides(overrides)), seed=seed)
    market.day = day
    if everyone_active:
        market.active[:] = True
    return market
