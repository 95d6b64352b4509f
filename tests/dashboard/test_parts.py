"""The dashboard's parts without a browser: controls, policies, runs set-up, exports, figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simcommerce.dashboard import browse, controls, figures, policies, runs, scenarios, sessions
from simcommerce.experiment import load_experiment
from simcommerce.figures import market_share_figure, trust_figure
from simcommerce.scenario import load_scenario
from simcommerce.spec import ScenarioError
from simcommerce.store import load_results

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A small experiment store made by the command line (referral on, and every share read, so that events
    and promoters exist in a market this small)."""
    read = {"mechanisms.word_of_mouth.attention": 1.0}
    tmp = tmp_path_factory.mktemp("store")
    exp = tmp / "exp.yaml"
    exp.write_text(yaml.safe_dump({
        "name": "small", "base": str(SCENARIOS / "baseline.yaml"), "replications": 2, "seed": 11,
        "policies": {"plain": {"population.consumers": 1200, "steps": 25, **read},
                     "referral": {"population.consumers": 1200, "steps": 25, **read,
                                  "brands.Glow.policy.referral.rates": [0.2, 0.1]}},
        "metrics": ["cum_orders", "cum_gmv"]}))
    done = subprocess.run([sys.executable, "-m", "simcommerce.cli", "experiment", str(exp), "--out",
                           str(tmp / "small"), "--workers", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return tmp / "small"


def test_levers_come_from_the_metadata_for_each_brand_and_product():
    sc = load_scenario(SCENARIOS / "competition.yaml")
    levers = {lv.key: lv for lv in controls.levers(sc, "Hype")}
    assert levers["brands.Hype.products.cream.price"].base == 160.0
    assert levers["brands.Hype.policy.ads.impressions_per_day"].base == 3000
    assert levers["brands.Hype.policy.influencer_posts.tier"].param.choices == ("nano", "micro", "macro", "mega")
    assert levers["mechanisms.group_buying.enabled"].base is False
    assert not any(k.startswith("brands.Lux") for k in levers)
    assert len(levers) == len(controls.LEVERS)  # one product per brand here
    tip = controls.tooltip(levers["brands.Hype.policy.ads.precision"].param)
    assert "interest targeting" in tip and "range: 0 – 1" in tip and "unit: 0-1" in tip


def test_applying_widget_values_keeps_only_changes_and_refuses_bad_values():
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    rates, precision = "brands.Glow.policy.referral.rates", "brands.Glow.policy.ads.precision"
    price, budget = "brands.Glow.products.serum.price", "brands.Glow.marketing_budget"
    new, errors = controls.apply({}, sc, "Glow", {rates: "0.1, 0.05", precision: 0.9, price: 199, budget: 5000})
    assert new == {rates: [0.1, 0.05], precision: 0.9, budget: 5000.0} and errors == {}
    new2, errors = controls.apply(new, sc, "Glow", {rates: "0.1, x", precision: 1.5, budget: None})
    assert new2 == {rates: [0.1, 0.05], precision: 0.9}          # bad values keep the previous ones; budget: none
    assert set(errors) == {rates, precision}
    assert "'brands.Glow.policy.ads.precision': expected a number between 0 and 1" in errors[precision][0]
    assert errors[rates][1] == "0.1, 0.05" and errors[precision][1] == 0.9   # what the fields go back to
    new3, _ = controls.apply(new2, sc, "Glow", {rates: "0", precision: sc["brands"][0]["policy"]["ads"]["precision"]})
    assert new3 == {}                                             # back at the scenario's values
    with pytest.raises(ScenarioError, match="a number"):
        controls.from_widget(controls.params()["steps"], None, "steps")


def test_policy_list_operations():
    ps = policies.default_policies()
    ps[1]["overrides"] = {"a.b": 1}
    dup = policies.duplicate(ps, 1)
    assert dup[-1] == {"name": "variant_copy", "overrides": {"a.b": 1}}
    assert dup[-1]["overrides"] is not ps[1]["overrides"]
    full = ps
    for _ in range(10):
        full = policies.add(full)
    assert len(full) == policies.MAX_POLICIES and len({p["name"] for p in full}) == policies.MAX_POLICIES
    assert policies.delete(policies.delete(ps, 0), 0) == [ps[1]]  # one always stays
    assert policies.rename_error(ps, 0, "variant").startswith("policy name: expected a name not used")
    assert "letters, digits" in policies.rename_error(ps, 0, "a/b")
    assert policies.rename_error(ps, 0, "ok_name-1.2") is None
    assert yaml.safe_load(policies.overrides_yaml(dup[-1])) == {"variant_copy": {"a.b": 1}}


def test_prepare_writes_an_experiment_file_and_reports_bad_input_in_one_line(tmp_path):
    sid = sessions.new_session_id()
    ps = [{"name": "base", "overrides": {}},
          {"name": "deep", "overrides": {"brands.Glow.policy.referral.rates": [0.1, 0.05]}}]
    file, folder, total = runs.prepare(tmp_path, sid, "my study", "bundled:baseline.yaml", 900, 12, 3, 5, ps)
    assert total == 6 and not folder.exists() and file == folder.with_suffix(".yaml")
    exp = load_experiment(file)
    assert exp.policies["deep"] == {"population.consumers": 900, "steps": 12,
                                    "brands.Glow.policy.referral.rates": [0.1, 0.05]}
    assert exp.seed == 5 and exp.replications == 3 and exp.reference == "base"
    assert folder.parent == tmp_path / "dashboard" / sid and "my_study" in folder.name
    with pytest.raises(ScenarioError, match="2 to 6 policies"):
        runs.prepare(tmp_path, sid, "x", "bundled:baseline.yaml", 900, 12, 1, 5, ps[:1])
    with pytest.raises(ScenarioError, match="a bundled or uploaded scenario"):
        runs.prepare(tmp_path, sid, "x", "bundled:../../etc/passwd", 900, 12, 1, 5, ps)
    bad = [ps[0], {"name": "deep", "overrides": {"brands.Glow.policy.ads.targeting": "everyone"}}]
    with pytest.raises(ScenarioError) as err:
        runs.prepare(tmp_path, sid, "x", "bundled:baseline.yaml", 900, 12, 1, 5, bad)
    msg = str(err.value)
    assert "\n" not in msg and "policies.deep.brands.Glow.policy.ads.targeting" in msg and "everyone" in msg
    assert not list((tmp_path / "dashboard" / sid).glob("*-x.yaml"))   # a refused file is not left behind


def test_page_events_go_to_every_policy_and_are_checked_like_a_scenario(tmp_path):
    from simcommerce.dashboard import events

    sid = sessions.new_session_id()
    ps = [{"name": "base", "overrides": {}}, {"name": "ref", "overrides": {"brands.Glow.policy.referral.rates": [0.1]}}]
    scandal = {"day": 5, "type": "quality_scandal", "brand": "Glow", "severity": 0.9, "reach": 0.8}
    file, _, _ = runs.prepare(tmp_path, sid, "s", "bundled:baseline.yaml", 900, 12, 1, 5, ps, [scandal])
    exp = load_experiment(file)
    assert all(ov["events"] == [scandal] for ov in exp.policies.values())
    file, _, _ = runs.prepare(tmp_path, sid, "s", "bundled:baseline.yaml", 900, 12, 1, 5, ps, [])  # the scenario's own
    assert all("events" not in ov for ov in load_experiment(file).policies.values())
    with pytest.raises(ScenarioError, match=r"between 1 and steps \(12\) \(scenario key 'events\[0\]\.day'\), found 30"):
        runs.prepare(tmp_path, sid, "s", "bundled:baseline.yaml", 900, 12, 1, 5, ps, [{**scandal, "day": 30}])
    base = SCENARIOS / "baseline.yaml"
    assert events.check(base, [scandal], 120) is None
    assert "'events[0].brand': expected the name of a brand" in events.check(base, [{**scandal, "brand": "Nova"}], 120)
    assert "'events[0].reach': expected a number between 0 and 1" in events.check(base, [{**scandal, "reach": 2}], 120)
    sc = load_scenario(base)
    assert events.new_event(sc) == {"day": 40, "type": "quality_scandal", "brand": "Glow", "severity": 0.8,
                                    "reach": 0.9}
    breach = events._with_target({**scandal, "type": "privacy_breach"}, None)
    assert "brand" not in breach and events.check(base, [breach], 120) is None  # platform-wide: names no brand


def test_uploads_are_checked_named_as_the_user_named_them_and_never_overwrite(tmp_path):
    sid = sessions.new_session_id()
    text = (SCENARIOS / "baseline.yaml").read_bytes()
    with pytest.raises(ScenarioError) as err:
        scenarios.save_upload(text.replace(b"quality: 0.7", b"quality: 2"), "../My Market.yaml", tmp_path, sid)
    assert str(err.value).startswith("My Market.yaml:") and "found 2" in str(err.value)
    assert not list(sessions.upload_dir(tmp_path, sid).iterdir())
    value, sc = scenarios.save_upload(text, "../My Market.yaml", tmp_path, sid)
    assert value == "upload:My_Market.yaml" and sc["brands"][0]["name"] == "Glow"
    assert scenarios.path_of(value, tmp_path, sid) == sessions.upload_dir(tmp_path, sid) / "My_Market.yaml"
    assert scenarios.path_of(value, tmp_path, sessions.new_session_id()) is None   # another browser's upload
    other = text.replace(b"price: 199", b"price: 150")
    value2, _ = scenarios.save_upload(other, "My Market.yaml", tmp_path, sid)
    assert value2 == "upload:My_Market-2.yaml"                   # the first file (a past experiment's base) stays
    assert (sessions.upload_dir(tmp_path, sid) / "My_Market.yaml").read_bytes() == text


@pytest.mark.slow
def test_browse_shows_shared_and_own_experiments_only(tmp_path, store):
    a, b = sessions.new_session_id(), sessions.new_session_id()
    manifest = (store / "manifest.json").read_text()
    for rel in ("shared/exp1", f"dashboard/{a}/run1", f"dashboard/{b}/run2", "not_an_experiment"):
        (tmp_path / rel).mkdir(parents=True)
        (tmp_path / rel / "manifest.json").write_text(manifest if rel != "not_an_experiment" else
                                                      json.dumps({"kind": "run"}))
    rels = {r["rel"] for r in browse.find_experiments(tmp_path, a)}
    assert rels == {"shared/exp1", f"dashboard/{a}/run1"}
    assert {r["rel"] for r in browse.find_experiments(tmp_path, None)} == {"shared/exp1"}
    row = browse.find_experiments(tmp_path, a)[0]
    assert row["runs"] == "4/4" and row["status"] == "complete" and row["policies"] == "plain, referral"
    # an experiment still running is listed too, with its progress
    running = json.loads(manifest)
    running["status"], running["started"] = "running", "9999-01-01T00:00:00"
    for k, rid in enumerate(running["runs"]):
        running["runs"][rid]["status"] = "done" if k == 0 else "pending"
    (tmp_path / "shared" / "exp2").mkdir()
    (tmp_path / "shared" / "exp2" / "manifest.json").write_text(json.dumps(running))
    newest = browse.find_experiments(tmp_path, a)[0]
    assert (newest["rel"], newest["status"], newest["runs"]) == ("shared/exp2", "running", "1/4")
    assert sessions.resolve_inside(tmp_path, f"dashboard/{b}/run2", a) is None
    assert sessions.resolve_inside(tmp_path, f"dashboard/{a}/run1", a) == (tmp_path / f"dashboard/{a}/run1").resolve()


@pytest.mark.slow
def test_exports_are_valid_files_a_researcher_can_run(tmp_path, store):
    manifest = json.loads((store / "manifest.json").read_text())
    (tmp_path / "referral.yaml").write_text(browse.policy_yaml(manifest, "referral"))
    sc = load_scenario(tmp_path / "referral.yaml")
    assert sc["brands"][0]["policy"]["referral"]["rates"] == [0.2, 0.1]
    assert (sc["population"]["consumers"], sc["steps"]) == (1200, 25)
    (tmp_path / "small.yaml").write_text(browse.experiment_yaml(manifest))
    exp = load_experiment(tmp_path / "small.yaml")
    assert exp.policies == manifest["experiment"]["policies"] and exp.seed == 11 and exp.base is None


@pytest.mark.slow
def test_new_figures_from_a_store(store):
    exp = load_results(store)
    shares = market_share_figure(exp["brands"], ["plain", "referral"])
    assert [t.name for t in shares.data] == ["Glow"] and list(shares.data[0].y) == pytest.approx([1.0, 1.0])
    events = [{"day": 10, "type": "quality_scandal", "brand": "Glow"}]
    trust = trust_figure(exp["market"], ["plain", "referral"], events)
    assert len(trust.data) == 4 and len(trust.layout.shapes) == 1 and trust.layout.shapes[0].x0 == 10
    ev = exp["events"]
    run = ev.loc[ev["policy"] == "referral", "run_id"].iloc[0]
    tree = figures.cascade_tree(ev[ev["run_id"] == run], "referral", run)
    assert len(tree.data) == 2 and len(tree.data[1].x) >= 2
    depth = -int(min(tree.data[1].y))  # whole referral levels on the axis, 0 (the root) at the top
    assert list(tree.layout.yaxis.tickvals) == list(range(0, -depth - 1, -1))
    assert list(tree.layout.yaxis.ticktext) == [str(k) for k in range(depth + 1)]
    assert figures.cascade_tree(ev.iloc[:0], "plain", "x").layout.annotations      # says there is none


def test_largest_cascade_and_tree_layout():
    ev = pd.DataFrame({"day": [1, 2, 2, 3, 5, 6], "referrer": [1, 1, 2, 3, 9, 1], "buyer": [2, 3, 4, 5, 8, 4],
                       "product": [0, 0, 0, 0, 0, 0]})
    tree, root = figures.largest_cascade(ev)
    assert root == 1 and set(tree.nodes) == {1, 2, 3, 4, 5} and tree.has_edge(2, 4)   # 4 joined through 2 first
    pos = figures._tidy_positions(tree, root)
    assert pos[1][1] == 0 and pos[4][1] == -2 and pos[2][0] == pos[4][0]


@pytest.mark.slow
def test_network_snapshot_colours_consumers_by_state(store):
    manifest = json.loads((store / "manifest.json").read_text())
    fig = figures.network_snapshot(manifest["scenario"], manifest["experiment"]["policies"]["referral"], 11,
                                   "referral")
    names = [t.name.split(" (")[0] for t in fig.data[1:]]
    assert fig.data[0].name == "friendship" and set(names) <= {s for s, _ in figures.STATES}
    assert sum(len(t.x) for t in fig.data[1:]) == figures.SNAPSHOT_SAMPLE
    assert "replication 0 itself" in fig.layout.title.text


# ---------------------------------------------------------------- a server for several people: hostile requests

def test_an_uploaded_scenario_reads_no_file_outside_its_folder(tmp_path):
    sid = sessions.new_session_id()
    text = (SCENARIOS / "baseline.yaml").read_text()
    net = "network:\n  friendship:\n    model: edgelist\n    path: {}\n"
    start, end = text.index("network:"), text.index("brands:")
    for path in ("/proc/self/environ", "../../../etc/passwd", "/etc/hostname"):
        bad = text[:start] + net.format(path) + text[end:]
        bad = bad.replace("  consumers: 20000", "")
        with pytest.raises(ScenarioError) as err:
            scenarios.save_upload(bad.encode(), "net.yaml", tmp_path, sid)
        msg = str(err.value)
        assert "network.friendship.path" in msg and "own folder" in msg, msg
        assert "PATH=" not in msg and "root:" not in msg  # nothing of the file is echoed
    assert not list(sessions.upload_dir(tmp_path, sid).iterdir())


def test_an_alias_bomb_upload_is_refused_at_once(tmp_path):
    import time

    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError, match="aliases"):
        scenarios.save_upload(bomb.encode(), "bomb.yaml", tmp_path, sessions.new_session_id())
    assert time.perf_counter() - t0 < 2


def test_the_server_enforces_its_own_limits_whatever_the_browser_sends(tmp_path):
    sid = sessions.new_session_id()
    ps = [{"name": "base", "overrides": {}}, {"name": "b", "overrides": {"platform.take_rate": 0.1}}]
    ok = dict(consumers=900, days=12, replications=2, seed=5)
    for key, value in (("consumers", 2**31), ("replications", 10**5), ("days", 10**6), ("seed", -1),
                       ("consumers", "many"), ("replications", True)):
        with pytest.raises(ScenarioError, match="on this server"):
            runs.prepare(tmp_path, sid, "x", "bundled:baseline.yaml", **{**ok, key: value}, policies=ps)
    for forged in ([{"name": "base"}, ps[1]], [ps[0], "b"], {"base": {}}):
        with pytest.raises(ScenarioError):
            runs.prepare(tmp_path, sid, "x", "bundled:baseline.yaml", **ok, policies=forged)
    assert len(scenarios.safe_name("a" * 10000 + ".yaml")) <= scenarios.MAX_NAME + 5


def test_runs_are_capped_per_server_as_well_as_per_browser(tmp_path):
    sleepers = []
    try:
        for _ in range(runs.MAX_RUNNING):  # other browsers' runs still going (real processes of ours)
            proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            sleepers.append(proc)
            runs.JOBS[sessions.new_session_id()] = runs.Job(proc, tmp_path / "f.yaml", tmp_path / "f", 1)
        ps = [{"name": "base", "overrides": {}}, {"name": "b", "overrides": {"platform.take_rate": 0.1}}]
        with pytest.raises(ScenarioError, match=f"at most {runs.MAX_RUNNING} runs at once"):
            runs.start(tmp_path, sessions.new_session_id(), None, "x", "bundled:baseline.yaml", 900, 12, 1, 5, ps)
    finally:
        for proc in sleepers:
            proc.kill()
            proc.wait()
        runs.JOBS.clear()


def test_listening_beyond_this_machine_warns_in_one_line():
    from simcommerce.dashboard import exposure_warning

    assert exposure_warning("127.0.0.1", 8050) is None
    msg = exposure_warning("0.0.0.0", 8050)
    assert msg.startswith("warning:") and "anyone" in msg and "\n" not in msg


def test_snapshot_opens_on_the_policy_whose_first_run_has_the_most_referral_orders():
    from simcommerce.dashboard.view import snapshot_policy

    runs = pd.DataFrame({"policy": ["a", "a", "b", "b", "c", "c"], "replication": [1, 0, 0, 1, 0, 1],
                         "run_id": ["a1", "a0", "b0", "b1", "c0", "c1"]})
    ev = pd.DataFrame({"policy": ["a", "a", "b", "b", "b", "c"], "run_id": ["a0", "a0", "b1", "b1", "b1", "c0"]})
    # b has the most events overall, but in its replication 1: replication 0 is what the view shows
    assert snapshot_policy({"runs": runs, "events": ev}, ["a", "b", "c"]) == "a"
    tie = pd.DataFrame({"policy": ["b", "b", "c", "c"], "run_id": ["b0", "b0", "c0", "c0"]})
    assert snapshot_policy({"runs": runs, "events": tie}, ["a", "b", "c"]) == "c"  # b0 2, c0 2: the later one
    assert snapshot_policy({"runs": runs, "events": ev.iloc[:0]}, ["a", "b", "c"]) == "c"
    assert snapshot_policy({"runs": runs, "events": None}, ["a", "b", "c"]) == "c"


SIGNATURE = {"distribution": "cum_commission", "group_buying": "cum_group_discounts", "live_stream": "cum_live_orders",
             "social_mall": "cum_commission", "content_seeding": "cum_seeded", "share_for_rebate": "cum_group_discounts"}


@pytest.mark.slow
def test_each_business_model_preset_fits_the_baseline_and_switches_its_mechanism_on():
    """Every preset resolves on the baseline for its brand, and its mechanism acts (2 seeds, 3,000 consumers,
    60 days), where the baseline's is idle."""
    from simcommerce import Market
    from simcommerce.dashboard import presets
    from simcommerce.dashboard.scenarios import refusal

    assert set(presets.PRESETS) == set(SIGNATURE)
    market = {"population.consumers": 3000, "steps": 60}
    plain = [Market(load_scenario(SCENARIOS / "baseline.yaml", overrides=market), seed=s) for s in (1, 2)]
    for m in plain:
        m.run()
    for name, metric in SIGNATURE.items():
        ov = presets.overrides(name, "Glow", 3000)
        assert refusal(SCENARIOS / "baseline.yaml", {**market, **ov}) is None, name
        assert all(k.startswith(("brands.Glow.", "mechanisms.")) for k in ov), ov
        got = 0.0
        for s, m in zip((1, 2), plain):
            assert m.recorder.frames()[0].iloc[-1][metric] == 0, (name, metric)
            run = Market(load_scenario(SCENARIOS / "baseline.yaml", overrides={**market, **ov}), seed=s)
            run.run()
            got += run.recorder.frames()[0].iloc[-1][metric]
        assert got > 0, (name, metric)
    assert presets.overrides("content_seeding", "Lux", 20000)["brands.Lux.policy.seeding.count"] == 200  # 1%


def test_the_page_search_writes_an_optimisation_file_on_top_of_the_policy(tmp_path):
    from simcommerce.dashboard import optimizer
    from simcommerce.optimize import load_optimization

    sid = sessions.new_session_id()
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    keys = {k for k, _, _ in optimizer.searchable(sc, "Glow")}
    assert {"brands.Glow.policy.referral.rates.0", "brands.Glow.products.serum.price"} <= keys
    assert "brands.Glow.policy.ads.targeting" not in keys  # a choice, not a number
    policy = {"brands.Glow.policy.referral.rates": [0.1], "brands.Glow.policy.ads.precision": 0.9}
    market = {"population.consumers": 900, "steps": 20}
    file, folder = optimizer.prepare(tmp_path, sid, "bundled:baseline.yaml", "Glow", policy, market,
                                     {"brands.Glow.policy.referral.rates.0": (0.0, 0.5)}, 20000, 3, 7, 10)
    opt = load_optimization(file)
    assert (opt.brand, opt.trials, opt.seeds, opt.seed, opt.max_spend) == ("Glow", 10, 3, 7, 20000)
    assert [(q.key, q.low, q.high) for q in opt.parameters] == [("brands.Glow.policy.referral.rates.0", 0.0, 0.5)]
    fixed = yaml.safe_load(file.read_text())["fixed"]
    assert fixed == {**market, **policy}  # the list's other levels stay; the search sets level 1 on top
    assert not folder.exists()
    with pytest.raises(ScenarioError, match="levers to search.*1 to 3 levers"):
        optimizer.prepare(tmp_path, sid, "bundled:baseline.yaml", "Glow", {}, market, {}, None, 3, 7, 10)
    with pytest.raises(ScenarioError, match="candidates.*between 2 and 200"):
        optimizer.prepare(tmp_path, sid, "bundled:baseline.yaml", "Glow", {}, market,
                          {"brands.Glow.policy.referral.rates.0": (0.0, 0.5)}, None, 3, 7, 1)
    with pytest.raises(ScenarioError) as err:  # a bound the scenario refuses: the optimisation file's message
        optimizer.prepare(tmp_path, sid, "bundled:baseline.yaml", "Glow", {}, market,
                          {"brands.Glow.policy.referral.rates.0": (0.0, 1.5)}, None, 3, 7, 10)
    assert "levers.brands.Glow.policy.referral.rates.0" in str(err.value) and "\n" not in str(err.value)


def test_uncertainties_from_the_page_ranges_or_a_calibration(tmp_path):
    """Ranges become a Latin hypercube; a calibration folder (its posterior.json) is drawn from instead."""
    from simcommerce.dashboard import uncertain

    sid = sessions.new_session_id()
    ps = [{"name": "base", "overrides": {}}, {"name": "cut", "overrides": {"brands.Glow.products.serum.price": 150}}]
    key = "mechanisms.decision.intent_rate"
    unc = uncertain.uncertainties({key: (0.01, 0.04)}, 3)
    assert unc == {"method": "lhs", "samples": 3, "parameters": {key: {"min": 0.01, "max": 0.04}}}
    assert uncertain.uncertainties({}, 3) is None
    cal = tmp_path / "calibrations" / "fit"
    cal.mkdir(parents=True)
    (cal / "posterior.json").write_text(json.dumps({
        "parameters": [{"key": key, "low": 0.005, "high": 0.1, "log": True, "integer": False}],
        "mean": [0.4], "cov": [[0.001]]}))
    file, _, total = runs.prepare(tmp_path, sid, "s", "bundled:baseline.yaml", 600, 10, 1, 5, ps, None,
                                  uncertain.uncertainties({key: (0.01, 0.04)}, 4, cal))
    exp = load_experiment(file)
    assert total == 2 * 4 and len(exp.points) == 4
    values = [pt[key] for pt in exp.points]
    # draws from the posterior (unit-cube mean 0.4 on the log scale: 0.0166, sd 0.03 of the cube), not the range
    assert len(set(values)) == 4 and all(0.011 < v < 0.025 for v in values), values
    assert uncertain.default_range(load_scenario(SCENARIOS / "baseline.yaml"), key) == (0.01, 0.04)
