"""simcommerce: an agent-based simulator of social-commerce markets.

Public API::

    from simcommerce import load_scenario, Market, run
    scenario = load_scenario("scenarios/baseline.yaml")
    market = Market(scenario, seed=1)
    market.run()
    market_ts, brand_ts = market.recorder.frames()
"""

from importlib import import_module

__all__ = ["Market", "ScenarioError", "load_scenario", "resolve_scenario", "run"]
__version__ = "0.1.0"

_HOMES = {"Market": "market", "run": "runner", "load_scenario": "scenario", "resolve_scenario": "scenario",
          "ScenarioError": "spec"}


def __getattr__(name: str):
    """Import lazily, so `simcommerce check` and `schema` start without loading Mesa."""
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'simcommerce' has no attribute {name!r}")
