"""The declared mechanism contract: the day's plan, its checks, the mock market, typed parameters, the guarded
Mesa generators, and that what each mechanism declares is what it does."""

from __future__ import annotations

import dataclasses
import hashlib
import pkgutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from conftest import scenario
from simcommerce import Market, mechanisms, plan
from simcommerce.buffers import Orders
from simcommerce.cli import main
from simcommerce.mechanisms import REGISTRY, Array, Mechanism, State
from simcommerce.population import Population, SparseCells
from simcommerce.testing import mock_market

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def registry():
    """Register throw-away mechanisms for one test; the registry is restored after it."""
    saved = dict(REGISTRY)
    yield REGISTRY
    REGISTRY.clear()
    REGISTRY.update(saved)


def fake(name, stage="experience", **attrs):
    attrs.setdefault("help", "test")
    cls = type(name.title(), (Mechanism,), {"name": name, "stage": stage, **attrs, "step": lambda self, m: None})
    return mechanisms.register(cls)


def test_baseline_plan_runs_in_stage_order_from_activity_to_recording():
    m = mock_market(["ads", "exposure", "decision", "referral", "checkout", "experience", "reviews", "trust"])
    table = m.plan
    assert list(table.columns) == ["step", "stage", "mechanism", "reads", "writes"]
    assert table["mechanism"].tolist() == ["activity", "ads", "exposure", "decision", "referral", "checkout",
                                           "experience", "reviews", "trust", "recorder"]
    assert [x.name for x in m.mechanisms] == table["mechanism"].tolist()[1:-1]
    row = table.set_index("mechanism").loc["decision"]
    assert "rating_counts@yesterday" in row["reads"] and "considered" in row["writes"]


def test_after_and_before_order_a_stage_and_ties_go_by_name(registry):
    fake("zz_first", before=("aa_last",))
    fake("aa_last")
    fake("mm_middle", after=("zz_first",))
    names = [c.name for c in plan.ordered(["aa_last", "mm_middle", "zz_first"])]
    assert names.index("zz_first") < names.index("aa_last") and names.index("zz_first") < names.index("mm_middle")
    assert names == ["zz_first", "aa_last", "mm_middle"]  # after the constraint, by name


@pytest.mark.parametrize("declare, message", [
    (lambda: (fake("c1", after=("c2",)), fake("c2", after=("c1",))), "cycle"),
    (lambda: (fake("c1", after=("no_such_thing",)),), "which is no mechanism"),
    (lambda: (fake("c1", stage="decide", after=("c2",)), fake("c2", stage="trust")), "later stage"),
    (lambda: (fake("c1", reads=("nowhere",)),), "neither the market nor any mechanism declares"),
    (lambda: (fake("c1", reads=("orders@later",)),), "@yesterday and @tomorrow"),
    (lambda: (fake("c1", arrays={"mine": Array("int8")}), fake("c2", writes=("mine",))), "belongs to c1"),
    (lambda: (fake("c1", stage="decide", reads=("thing",)),
              fake("c2", stage="trust", arrays={"thing": Array("float32")})), "before c2 writes it"),
])
def test_a_plan_that_cannot_make_a_day_is_refused(registry, declare, message):
    names = [c.name for c in declare()]
    with pytest.raises(plan.PlanError, match=message):
        plan.ordered(names)


def test_a_read_of_a_later_write_passes_when_declared_for_yesterday(registry):
    fake("c1", stage="decide", reads=("thing@yesterday",))
    fake("c2", stage="trust", arrays={"thing": Array("float32")})
    assert [c.name for c in plan.ordered(["c1", "c2"])] == ["c1", "c2"]
    fake("c3", stage="decide", reads=("thing",))
    with pytest.raises(plan.PlanError, match="array 'thing' of c2, which is off"):
        plan.ordered(["c3"])


def test_every_registered_mechanism_makes_one_plan_and_each_module_holds_one_mechanism():
    every = plan.ordered(REGISTRY)
    assert {c.name for c in every} == set(REGISTRY)
    modules = {info.name for info in pkgutil.iter_modules(mechanisms.__path__)} - {"base"}
    assert modules == set(REGISTRY), "one mechanism per module, the module named after it"
    for name, cls in REGISTRY.items():
        assert cls.__module__ == f"simcommerce.mechanisms.{name}"


def test_docs_model_stage_table_is_the_generated_plan():
    text = (ROOT / "docs" / "model.md").read_text()
    assert text == plan.render_model_doc(text), "regenerate with: simcommerce docs"
    for name in REGISTRY:
        assert f"| `{name}` |" in text


def test_mock_market_builds_only_what_the_named_mechanisms_declare():
    m = mock_market(["decision"], n=500)
    pop = m.population
    assert pop.n == 500 and m.day == 1 and m.active.all()
    assert pop.considered.shape == (500, 2) and pop.considered.dtype == bool
    for other in ("promoter", "link_load", "recs_received", "habit", "in_group"):
        assert not hasattr(pop, other), other
    assert m.share_incentive.tolist() == [0.0, 0.0] and m.activity_hook is None  # others' state, "off"
    assert len(m.influencers) == 0 and [x.name for x in m.mechanisms] == ["decision"]
    assert len(mock_market(["livestream"]).influencers) > 0  # it reads the follow graph
    r = mock_market(["referral"], n=300).population
    assert r.sponsor.shape == (300, 2) and (r.sponsor == -1).all() and r.sponsor.dtype == np.int32
    with pytest.raises(KeyError, match="no mechanism named nope"):
        mock_market(["nope"])


def test_mock_market_steps_a_mechanism_as_the_full_market_would():
    m = mock_market(["decision"], n=4000, **{"mechanisms.decision.intent_rate": 1.0,
                                             "mechanisms.decision.beta_social": 0.0})
    m.population.aware[:] = True
    m.mechanism("decision").step(m)
    assert 0 < len(m.orders) < 4000 * 0.9
    assert set(np.unique(m.orders.products)) == {0, 1}


def test_parameters_are_typed_and_frozen():
    m = mock_market(["decision", "influencer_posts"])
    p = m.mechanism("decision").p
    assert isinstance(p.intent_rate, float) and isinstance(p.cooldown_days, int) and p["asc"] == p.asc
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.intent_rate = 1.0
    view = m.mechanism("influencer_posts").p.view_rate  # a table of one value per tier, read-only
    with pytest.raises(TypeError):
        view["nano"] = 1.0
    assert {f.name for f in dataclasses.fields(p)} == set(REGISTRY["decision"].params)


def test_mesa_generators_are_guarded():
    m = mock_market(["decision"])
    for gen in (m.rng, m.random):
        with pytest.raises(AttributeError, match="not for drawing"):
            gen.random()


def test_discounts_compose_and_never_go_below_a_price_of_zero():
    o = Orders()
    o.append(np.array([1, 2, 3]), np.array([0, 0, 1]), np.zeros(3), "organic")
    price = np.array([100.0, 100.0, 40.0])
    o.add_discount(np.array([True, False, True]), 30.0, price[[0, 2]])
    added = o.add_discount(slice(None), 25.0, price, platform=True)
    assert o.discount.tolist() == [30.0, 0.0, 30.0]
    assert o.subsidy.tolist() == [25.0, 25.0, 10.0] and added.tolist() == [25.0, 25.0, 10.0]
    o.keep(np.array([True, False, True]))
    assert o.consumers.tolist() == [1, 3] and o.subsidy.tolist() == [25.0, 10.0]


def test_profile_gives_cpu_seconds_of_every_step_of_the_day():
    m = Market(scenario("baseline", **{"population.consumers": 2000, "steps": 5}))
    m.profile = {}
    m.run()
    assert set(m.profile) == {"activity", "recorder", *(x.name for x in m.mechanisms)}
    assert all(v >= 0 for v in m.profile.values()) and sum(m.profile.values()) > 0


def test_check_plan_and_run_profile_on_the_command_line(capsys, tmp_path):
    assert main(["check", "baseline", "--plan"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["step", "stage", "mechanism"]
    assert lines[2].split()[:3] == ["0", "start", "activity"] and lines[-1].split()[2] == "recorder"
    assert any(line.split()[2] == "checkout" for line in lines[3:-1])
    sc = tmp_path / "small.yaml"
    sc.write_text("name: small\nsteps: 5\npopulation: {consumers: 1500}\nbrands:\n  - name: A\n    products:\n"
                  "      - {name: a, category: c, price: 50, cost: 20, quality: 0.7}\n")
    assert main(["run", str(sc), "--out", str(tmp_path / "out"), "--profile", "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "decision" in out and "total" in out and "CPU s" in out


# --------------------------------------------------------------- declared = done

LEDGER = {"spent", "refunded", "earned"}  # consumers' balances, kept by the ledger for every mechanism


def _digest(v):
    if isinstance(v, np.ndarray):
        return hashlib.md5(np.ascontiguousarray(v).view(np.uint8)).hexdigest()
    if isinstance(v, SparseCells):
        return hashlib.md5(v.keys.tobytes() + v.values.tobytes()).hexdigest()
    if isinstance(v, Orders):
        return "".join(_digest(getattr(v, f.name)) for f in dataclasses.fields(v))
    if isinstance(v, list):
        return str(id(v)) + str(len(v))
    return None


def _observe(sc: dict, days: int):
    """Run ``days`` days, recording for each mechanism the population arrays and market attributes it reads
    (attribute access) and writes (contents changed by its step)."""
    m = Market(sc, seed=3)
    reads, writes, current = defaultdict(set), defaultdict(set), [None]
    watched = {"orders", "feed", "rating_counts", "active", "shoppers", *(k for c in REGISTRY.values() for k in c.state)}

    class Traced(Population):
        def __getattribute__(self, k):
            if current[0] and not k.startswith("_"):
                reads[current[0]].add(k)
            return super().__getattribute__(k)

    def snapshot():
        out = {k: _digest(v) for k, v in vars(m.population).items()}
        out.update({k: _digest(getattr(m, k)) for k in watched})
        out["follows"] = _digest(m.follows.indices)
        return out

    m.population.__class__ = Traced
    run_step = type(m).step
    for mech in m.mechanisms:
        def step(market, mech=mech, inner=mech.step):
            current[0] = mech.name
            before = snapshot()
            inner(market)
            after = snapshot()
            writes[mech.name] |= {k for k in after if after[k] != before.get(k)}
            current[0] = None
        mech.step = step
    for _ in range(days):
        run_step(m)
    return m, reads, writes


@pytest.mark.slow
@pytest.mark.parametrize("name, policy", [
    ("baseline", {"referral.rates": [0.1, 0.05], "referral.buyer_discount": 0.05, "group_buying.discount": 0.2,
                  "seeding.count": 50, "seeding.day": 2}),
    ("livestream", {}), ("fake_reviews", {}), ("social_mall", {}),
])
def test_each_mechanism_reads_and_writes_only_what_it_declares(name, policy):
    sc = scenario(name, **{"population.consumers": 1500, **{f"mechanisms.{n}.enabled": True for n in REGISTRY
                                                            if n != "coupon"}})
    for b in sc["brands"]:
        for key, value in policy.items():
            mech, lever = key.split(".")
            b["policy"][mech][lever] = value
    m, reads, writes = _observe(sc, 25)
    base = {k for k, v in vars(m.population).items() if isinstance(v, (np.ndarray, SparseCells))}
    problems = []
    for mech in m.mechanisms:
        cls = type(mech)
        declared_w = {w.split("@")[0] for w in (*cls.writes, *cls.arrays, *cls.state)}
        declared_r = {r.split("@")[0] for r in cls.reads} | declared_w
        undeclared_writes = writes[mech.name] - declared_w - LEDGER
        problems += [f"{mech.name} writes {sorted(undeclared_writes)}"] if undeclared_writes else []
        undeclared_reads = (reads[mech.name] & base) - declared_r - LEDGER
        problems += [f"{mech.name} reads {sorted(undeclared_reads)}"] if undeclared_reads else []
    assert not problems, "undeclared: " + "; ".join(problems)
    assert writes["checkout"] >= {"bought", "orders_by_brand", "last_purchase_day"}  # the tracer sees writes
    assert "review_trust" in reads["decision"]  # and reads


def test_a_new_module_in_the_package_is_discovered(tmp_path, monkeypatch, registry):
    (tmp_path / "tip_jar.py").write_text(
        "from simcommerce.mechanisms.base import Mechanism, register\n"
        "@register\nclass TipJar(Mechanism):\n    name = 'tip_jar'\n    stage = 'trust'\n    help = 'a test'\n"
        "    def step(self, market):\n        pass\n")
    monkeypatch.setattr(mechanisms, "__path__", [*mechanisms.__path__, str(tmp_path)])  # a file in the package
    monkeypatch.delitem(sys.modules, "simcommerce.mechanisms.tip_jar", raising=False)
    assert "tip_jar" in mechanisms.discover()
    assert [c.name for c in plan.ordered(["tip_jar", "trust"])] == ["tip_jar", "trust"]
    sys.modules.pop("simcommerce.mechanisms.tip_jar", None)


def test_state_is_made_for_every_mechanism_at_its_off_value():
    m = mock_market(["checkout"])
    for cls in REGISTRY.values():
        for name in cls.state:
            assert hasattr(m, name), name
    assert isinstance(REGISTRY["referral"].state["share_incentive"], State)
    assert m.external_brands.tolist() == [False, False] and m.external_fee == 0.0
