"""Scenario loading and validation through the Python API (simcommerce.scenario / simcommerce.spec)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from simcommerce import ScenarioError, load_scenario, resolve_scenario
from simcommerce.mechanisms import REGISTRY
from simcommerce.scenario import event_types, scenario_spec
from simcommerce.spec import Source, defaults, walk

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"

MINIMAL = """\
name: tiny
steps: 5
population:
  consumers: 200
brands:
  - name: Glow
    products:
      - name: serum
        price: 20
        quality: 0.7
  - name: Dull
    products:
      - {name: soap, category: home, price: 3, quality: 0.4, claimed_quality: 0.9}
"""


@pytest.fixture()
def minimal(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(MINIMAL)
    return path


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    hits = [i for i, ln in enumerate(text.splitlines(), start=1) if marker in ln]
    return hits[occurrence - 1]


# ------------------------------------------------------------------ defaults


def test_defaults_are_filled(minimal):
    sc = load_scenario(minimal)
    # given values kept (and typed)
    assert sc["name"] == "tiny" and sc["steps"] == 5
    assert sc["population"]["consumers"] == 200 and isinstance(sc["population"]["consumers"], int)
    assert sc["brands"][0]["products"][0]["price"] == 20.0
    assert isinstance(sc["brands"][0]["products"][0]["price"], float)
    # absent values take their documented defaults
    spec = scenario_spec()
    assert sc["seed"] == spec.fields["seed"].default
    assert sc["population"]["daily_active_share"] == spec.fields["population"].fields["daily_active_share"].default
    fr = sc["network"]["friendship"]
    assert fr["model"] == "holme_kim" and fr["mean_degree"] == 10.0 and fr["path"] is None
    assert set(sc["network"]["follows"]["reach_share"]) == {"nano", "micro", "macro", "mega"}
    assert sc["events"] == []
    assert sc["influencers"]["named"] == []
    assert sc["brands"][0]["products"][0]["category"] == "general"
    assert sc["brands"][0]["marketing_budget"] is None
    assert sc["source"] == str(minimal)


def test_every_mechanism_present_with_enabled_flag(minimal):
    sc = load_scenario(minimal)
    assert set(sc["mechanisms"]) == set(REGISTRY)
    for name, cls in REGISTRY.items():
        block = sc["mechanisms"][name]
        assert block["enabled"] is cls.enabled_by_default, name
        assert set(block) == {"enabled", *cls.params}, name
        for key, param in cls.params.items():
            assert block[key] == defaults(param), f"{name}.{key}"
    # every brand gets every policy block, filled with defaults
    for brand in sc["brands"]:
        assert set(brand["policy"]) == {n for n, c in REGISTRY.items() if c.policy}
        for name, block in brand["policy"].items():
            assert block == {k: defaults(p) for k, p in REGISTRY[name].policy.items()}


def test_every_parameter_has_a_default_or_is_required():
    """The format is self-documenting: each Param has a help text and a usable default."""
    params = list(walk(scenario_spec()))
    assert len(params) > 40
    for path, p in params:
        assert p.help, path
        assert p.required or p.nullable or p.default is not None, path


def test_claimed_quality_defaults_to_quality(minimal):
    sc = load_scenario(minimal)
    glow, dull = sc["brands"]
    assert glow["products"][0]["claimed_quality"] == 0.7  # not given: the true quality
    assert dull["products"][0]["claimed_quality"] == 0.9  # given: kept
    assert dull["products"][0]["quality"] == 0.4


def test_claimed_quality_explicit_null_means_true_quality(tmp_path):
    sc = load_scenario(write(tmp_path, MINIMAL.replace("quality: 0.7", "quality: 0.7\n        claimed_quality: null")))
    assert sc["brands"][0]["products"][0]["claimed_quality"] == 0.7


def test_event_defaults(tmp_path):
    text = MINIMAL + "events:\n  - {day: 3, type: quality_scandal, brand: Dull}\n"
    ev = load_scenario(write(tmp_path, text))["events"][0]
    assert ev["day"] == 3 and ev["brand"] == "Dull" and ev["influencer"] is None
    assert 0 <= ev["severity"] <= 1 and 0 <= ev["reach"] <= 1
    assert set(event_types()) >= {"quality_scandal", "influencer_scandal"}


def test_whole_float_accepted_for_int_but_not_fraction(tmp_path):
    sc = load_scenario(write(tmp_path, MINIMAL.replace("consumers: 200", "consumers: 200.0")))
    assert sc["population"]["consumers"] == 200 and isinstance(sc["population"]["consumers"], int)
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, MINIMAL.replace("consumers: 200", "consumers: 200.5"), "b.yaml"))
    assert err.value.path == "population.consumers"
    with pytest.raises(ScenarioError) as err:  # a boolean is not a number
        load_scenario(write(tmp_path, MINIMAL.replace("consumers: 200", "consumers: true"), "c.yaml"))
    assert err.value.path == "population.consumers"


def test_resolved_scenarios_do_not_share_state(minimal):
    """Resolving never aliases a previous result, the spec's defaults or the caller's data."""
    a = load_scenario(minimal)
    a["brands"][0]["policy"]["ads"]["impressions_per_day"] = 12345
    a["network"]["follows"]["reach_share"]["mega"] = 0.99
    a["events"].append({"day": 1})
    b = load_scenario(minimal)
    assert b["brands"][0]["policy"]["ads"]["impressions_per_day"] == 0
    assert b["network"]["follows"]["reach_share"]["mega"] != 0.99
    assert b["events"] == []


def test_list_defaults_are_not_shared(minimal):
    a = load_scenario(minimal)
    cut = a["mechanisms"]["reviews"]["star_cutoffs"]
    original = list(cut)
    cut[0] = 0.01
    b = load_scenario(minimal)
    assert b["mechanisms"]["reviews"]["star_cutoffs"] == original


def test_resolve_scenario_does_not_modify_its_input():
    data = yaml.safe_load(MINIMAL)
    before = copy.deepcopy(data)
    sc = resolve_scenario(data, overrides={"brands.Glow.products.0.price": 99})
    assert data == before
    assert sc["brands"][0]["products"][0]["price"] == 99.0


def test_defaults_of_a_section_without_required_keys():
    pop = defaults(scenario_spec().fields["population"])
    assert pop["consumers"] is None and pop["daily_active_share"] == 0.6
    assert defaults(scenario_spec()) is None  # brands are required: no default scenario


# ------------------------------------------------------------------ overrides (dotted keys)


def test_override_brand_by_name(minimal):
    sc = load_scenario(minimal, overrides={"brands.Glow.policy.ads.impressions_per_day": 500,
                                           "brands.Dull.products.soap.price": 4.5})
    glow, dull = sc["brands"]
    assert glow["policy"]["ads"]["impressions_per_day"] == 500
    assert dull["policy"]["ads"]["impressions_per_day"] == 0  # the other brand untouched
    assert dull["products"][0]["price"] == 4.5
    assert glow["products"][0]["price"] == 20.0


def test_override_by_index_and_new_sections(minimal):
    sc = load_scenario(minimal, overrides={"brands.1.initial_trust": 0.2, "steps": 9,
                                           "network.friendship.model": "complete",
                                           "mechanisms.ads.enabled": False})
    assert sc["brands"][1]["initial_trust"] == 0.2 and sc["brands"][0]["initial_trust"] == 0.5
    assert sc["steps"] == 9
    assert sc["network"]["friendship"]["model"] == "complete"
    assert sc["mechanisms"]["ads"]["enabled"] is False


def test_override_values_are_validated(minimal):
    with pytest.raises(ScenarioError) as err:
        load_scenario(minimal, overrides={"brands.Glow.policy.ads.impressions_per_day": -1})
    assert err.value.path == "brands[0].policy.ads.impressions_per_day"
    assert err.value.found == "-1"
    with pytest.raises(ScenarioError) as err:
        load_scenario(minimal, overrides={"population.consumerz": 10})
    assert err.value.path == "population.consumerz"
    assert "did you mean 'consumers'" in err.value.expected


def test_override_unknown_brand_name(minimal):
    with pytest.raises(ScenarioError) as err:
        load_scenario(minimal, overrides={"brands.Nope.policy.ads.impressions_per_day": 5})
    assert err.value.path == "brands.Nope"
    assert "Glow" in err.value.expected and "Dull" in err.value.expected
    assert err.value.found == "'Nope'"


def test_override_into_a_scalar(minimal):
    with pytest.raises(ScenarioError) as err:
        load_scenario(minimal, overrides={"population.consumers.x": 1})
    assert err.value.path == "population.consumers"


@pytest.mark.parametrize("key", ["brands.Nope", "brands.Glow"])
def test_override_whole_list_item_gives_scenario_error(minimal, key):
    try:
        load_scenario(minimal, overrides={key: 3})
    except ScenarioError as exc:
        assert "brands" in exc.path
    else:
        pytest.fail("replacing a brand by a number must be rejected")


# ------------------------------------------------------------------ errors: attributes, message, line numbers


def test_error_attributes_and_message(tmp_path):
    text = MINIMAL.replace("quality: 0.7", "quality: 1.5")
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    e = err.value
    assert e.file == str(path)
    assert e.path == "brands[0].products[0].quality"
    assert e.line == line_of(text, "quality: 1.5")
    assert e.found == "1.5"
    assert "between 0" in e.expected and "1" in e.expected
    assert str(e) == f"{path}:{e.line} at 'brands[0].products[0].quality': expected {e.expected}, found 1.5."
    assert "\n" not in str(e)


@pytest.mark.parametrize("old, new, key, marker, occurrence", [
    ("steps: 5", "steps: -1", "steps", "steps: -1", 1),
    ("  consumers: 200", "  consumers: 200\n  consumerz: 1", "population.consumerz", "consumerz", 1),
    ("price: 3, quality: 0.4", "price: 3, quality: 4", "brands[1].products[0].quality", "{name: soap", 1),
    ("        price: 20\n", "", "brands[0].products[0].price", "- name: serum", 1),
    ("name: Dull", "name: Glow", "brands[1].name", "- name: Glow", 2),
    ("        quality: 0.7\n", "        quality: 0.7\n      - {name: serum, price: 1, quality: 0.1}\n",
     "brands[0].products[1].name", "- {name: serum", 1),
])
def test_error_line_numbers(tmp_path, old, new, key, marker, occurrence):
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == key
    assert err.value.line == line_of(text, marker, occurrence), str(err.value)


def test_event_error_lines(tmp_path):
    text = MINIMAL + ("events:\n"
                      "  - {day: 2, type: quality_scandal, brand: Glow}\n"
                      "  - day: 3\n"
                      "    type: quality_scandal\n"
                      "    brand: Shiny\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == "events[1].brand"
    assert err.value.line == line_of(text, "brand: Shiny")
    assert "Glow" in err.value.expected and "Dull" in err.value.expected


def test_event_without_its_reference(tmp_path):
    text = MINIMAL + "events:\n  - day: 2\n    type: influencer_scandal\n"
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == "events[0].influencer"
    assert err.value.line == line_of(text, "- day: 2")  # the event itself: the key is absent


def test_yaml_syntax_error_line(tmp_path):
    text = MINIMAL.replace("  consumers: 200", "  consumers: 200\n   bad: [indent")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == ""
    assert err.value.line is not None and err.value.line >= line_of(text, "bad: [indent")
    assert "YAML" in err.value.expected


def test_unknown_key_without_close_match_lists_valid_keys(tmp_path):
    text = MINIMAL.replace("  consumers: 200", "  consumers: 200\n  zzzzzz: 1")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    for key in ("consumers", "daily_active_share", "opt_out_share"):
        assert key in err.value.expected


def test_invalid_choice_suggests(tmp_path):
    text = MINIMAL.replace("population:", "network:\n  friendship:\n    model: holme_kin\npopulation:")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == "network.friendship.model"
    assert "holme_kim" in err.value.expected
    assert err.value.line == line_of(text, "model: holme_kin")


def test_duplicate_product_names_within_a_brand(tmp_path):
    text = MINIMAL.replace("        quality: 0.7\n",
                           "        quality: 0.7\n      - {name: serum, price: 1, quality: 0.1}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == "brands[0].products[1].name" and "serum" in err.value.found
    # the same product name under two different brands is fine
    ok = MINIMAL.replace("name: soap", "name: serum")
    assert load_scenario(write(tmp_path, ok, "ok.yaml"))["brands"][1]["products"][0]["name"] == "serum"


def test_resolve_scenario_without_a_file():
    with pytest.raises(ScenarioError) as err:
        resolve_scenario({"brands": [{"name": "X", "products": [{"name": "p", "price": 1}]}]})
    assert err.value.file == "<scenario>" and err.value.line is None
    assert err.value.path == "brands[0].products[0].quality"
    with pytest.raises(ScenarioError) as err:
        resolve_scenario(["not", "a", "mapping"])
    assert "list" in err.value.found


def test_source_line_falls_back_to_nearest_ancestor():
    src = Source("f.yaml", {"brands": 3, "brands[0]": 4, "brands[0].name": 4})
    assert src.line("brands[0].products[0].price") == 4
    assert src.line("brands") == 3
    assert src.line("steps") is None
    assert str(src.error("brands[0].x", "y", "z")) == "f.yaml:4 at 'brands[0].x': expected y, found z."


# ------------------------------------------------------------------ edge-list scenarios


def test_edgelist_consumers_default_to_node_count(tmp_path):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "friends.tsv").write_text((DATA / "edges.tsv").read_text())
    text = MINIMAL.replace("population:\n  consumers: 200\n",
                           "network:\n  friendship:\n    model: edgelist\n    path: net/friends.tsv\n")
    sc = load_scenario(write(tmp_path, text))
    assert sc["population"]["consumers"] == 5
    assert Path(sc["network"]["friendship"]["path"]) == (tmp_path / "net" / "friends.tsv").resolve()


def test_edgelist_node_count_must_match_consumers(tmp_path):
    text = MINIMAL.replace("population:\n", f"network:\n  friendship:\n    model: edgelist\n"
                                            f"    path: {DATA / 'edges.csv'}\npopulation:\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == "population.consumers"
    assert "5" in err.value.expected and err.value.found == "200"
    assert err.value.line == line_of(text, "consumers: 200")


def test_edgelist_model_needs_a_path(tmp_path):
    text = MINIMAL.replace("population:", "network:\n  friendship: {model: edgelist}\npopulation:")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.path == "network.friendship.path"
    assert err.value.line == line_of(text, "friendship: {model: edgelist}")


# ------------------------------------------------------------------ shipped scenarios


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path):
    sc = load_scenario(path)
    assert sc["brands"] and sc["population"]["consumers"] >= 2
    raw = yaml.safe_load(path.read_text())
    assert sc["steps"] == raw.get("steps", 120)
