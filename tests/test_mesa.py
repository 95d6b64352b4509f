"""Mesa interop: the market runs under ``mesa.batch_run`` like any Mesa model (keyword overrides, a
DataCollector, ``running``), with the same numbers as simcommerce's own runner."""

from __future__ import annotations

import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from simcommerce import Market, load_scenario
from simcommerce.actors import Brand, Influencer
from simcommerce.runner import run_once

from conftest import SCENARIOS


@pytest.mark.slow
def test_keyword_overrides_dotted_or_nested_and_a_name_for_a_shipped_scenario():
    a = Market("baseline", seed=4, **{"population.consumers": 700, "steps": 6})
    b = Market(scenario="baseline", seed=4, population={"consumers": 700}, steps=6)
    c = Market(load_scenario(SCENARIOS / "baseline.yaml", {"population.consumers": 700, "steps": 6}), seed=4)
    for m in (a, b, c):
        assert m.population.n == 700 and m.config["steps"] == 6
        while m.running:
            m.step()
        assert m.day == 6
    frames = [m.datacollector.get_model_vars_dataframe() for m in (a, b, c)]
    assert len(frames[0]) == 6 and frames[0]["cum_orders"].iloc[-1] > 0
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


@pytest.mark.slow
def test_batch_run_over_two_values_and_three_seeds_matches_the_runner():
    rows = batch_run(Market, parameters={"scenario": "baseline", "population.consumers": [600, 1200], "steps": 8},
                     rng=[11, 12, 13], number_processes=1, display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 6 and set(df["population.consumers"]) == {600, 1200} and set(df["seed"]) == {11, 12, 13}
    assert (df["Step"] == 8).all()
    for _, r in df.iterrows():
        sc = load_scenario(SCENARIOS / "baseline.yaml", {"population.consumers": r["population.consumers"],
                                                         "steps": 8})
        own = run_once(sc, 0, int(r["seed"])).summary
        assert own["cum_orders"] == r["cum_orders"] and own["cum_gmv"] == r["cum_gmv"]
    big = df[df["population.consumers"] == 1200]["cum_orders"].mean()
    small = df[df["population.consumers"] == 600]["cum_orders"].mean()
    assert big > 1.3 * small  # twice the market sells more


def test_brands_and_influencers_are_mesa_agent_sets():
    m = Market("baseline", seed=1, population={"consumers": 500}, steps=2)
    brands, influencers = m.agents_by_type[Brand], m.agents_by_type[Influencer]
    assert len(brands) == 1 and len(influencers) == 44
    assert brands.select(lambda b: b.name == "Glow").to_list() == [m.brands[0]]
    assert sorted(set(influencers.get("tier"))) == ["macro", "mega", "micro", "nano"]


def test_one_consumers_state_by_array_name():
    m = Market("baseline", seed=2, population={"consumers": 400}, steps=3)
    m.run()
    c = m.population.consumer(5)
    assert c["trust_brand"].shape == (1,) and c["aware"].dtype == bool
    assert c["spent"] == m.population.spent[5] and c["trust_platform"] == m.population.trust_platform[5]
    assert {"referrer", "promoter", "considered"} <= set(c)  # arrays the mechanisms added, sparse ones too
