"""simcommerce: an agent-based simulator of social-commerce markets.

Public API::

    from simcommerce import load_scenario, Market, run
    scenario = load_scenario("scenarios/baseline.yaml")
    market = Market(scenario, seed=1)
    market.run()
    market_ts, brand_ts = market.recorder.frames()
"""

from .market import Market
from .runner import run
from .scenario import load_scenario, resolve_scenario
from .spec import ScenarioError

__all__ = ["Market", "ScenarioError", "load_scenario", "resolve_scenario", "run"]
__version__ = "0.1.0"
