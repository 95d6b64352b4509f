"""The dashboard used in a real browser, as a strategist would (see conftest.py for the set-up)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simcommerce import compare
from simcommerce.stats import DEFAULT_METRICS
from simcommerce.store import load_results
from simcommerce.dashboard import controls
from simcommerce.experiment import load_experiment
from simcommerce.scenario import load_scenario

from .test_serum import UNLABELLED

ROOT = Path(__file__).resolve().parents[2]
RATES = "brands.Glow.policy.referral.rates"


def _store(server, p) -> Path:
    """The browser's own results folder on the server."""
    return server["results"] / "dashboard" / p.session()


def _processes(text: str | None = None, group: int | None = None) -> list[int]:
    """Live PIDs whose command line contains ``text``, or which are in process group ``group``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX":
                    continue  # a zombie: ended, not yet reaped
                if text is not None and text in (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8",
                                                                                                       "replace"):
                    out.append(int(d.name))
                elif group is not None and int((d / "stat").read_text().rsplit(")", 1)[1].split()[2]) == group:
                    out.append(int(d.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


@pytest.mark.slow
def test_page_loads_everything_locally_with_controls_from_metadata(dash_page):
    p = dash_page.open()
    page = p.page
    assert page.title() == "simcommerce dashboard"
    assert "20000 consumers" in p.text("#scenario-summary")          # the baseline scenario, read from its file
    assert page.locator("#consumers").input_value() == "20000"
    groups = [g.strip() for g in page.locator(".lever-group").all_text_contents()]
    assert groups == list(dict.fromkeys(g for g, _ in controls.LEVERS))
    # every lever of the list has a control, whose tooltip, unit and range come from the parameter's metadata
    for _, path in controls.LEVERS:
        param = controls.params()[path]
        key = path.replace("brands[].products[]", "brands.Glow.products.serum").replace("brands[]", "brands.Glow")
        box = page.locator(".lever", has=page.locator(p.lever(key)))
        assert box.count() == 1, key
        assert box.get_attribute("title") == controls.tooltip(param, key) and key in box.get_attribute("title")
        if param.unit:  # money in the scenario's currency
            assert f"({param.unit.replace('currency units', '¥')})" in box.locator("label").text_content()
    rates = page.locator(p.lever(RATES))
    assert rates.input_value() == "0"                                 # the scenario's value, [0.0]
    precision = page.locator(p.lever("brands.Glow.policy.ads.precision"))
    assert (precision.get_attribute("min"), precision.get_attribute("max")) == ("0", "1")
    # nothing from a CDN: every request goes to the local server
    assert p.requests and all(u.startswith(p.url) for u in p.requests), [u for u in p.requests
                                                                            if not u.startswith(p.url)]
    assert not p.errors


def test_responses_are_compressed(server):
    """The layout (JSON, tens of kB) comes gzip-compressed to a client that accepts it."""
    req = urllib.request.Request(server["url"] + "/_dash-layout", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.headers.get("Content-Encoding") == "gzip"
        packed = resp.read()
    layout = gzip.decompress(packed)
    assert b"lever" in layout and len(packed) < len(layout) / 3


@pytest.mark.slow
def test_levers_edit_the_selected_policy(dash_page):
    p = dash_page.open()
    page = p.page
    assert p.text("#policy-yaml") == "base:  {}"
    p.select_policy("variant")
    p.fill(p.lever(RATES), "0.1, 0.05")
    page.wait_for_function("document.querySelector('#policy-yaml').textContent.includes('rates')")
    page.locator(".lever", has=page.locator(p.lever("brands.Glow.policy.influencer_posts.disclose"))) \
        .locator("input[type=checkbox]").check()
    page.wait_for_function("document.querySelector('#policy-yaml').textContent.includes('disclose')")
    assert yaml.safe_load(p.text("#policy-yaml")) == {"variant": {RATES: [0.1, 0.05],
                                                                  "brands.Glow.policy.influencer_posts.disclose": True}}
    # a value out of the parameter's range is refused next to its field, with the key path and the range; the
    # field goes back to the value kept
    p.fill(p.lever(RATES), "0.1, 1.5")
    refused = page.locator(".lever", has=page.locator(p.lever(RATES))).locator(".lever-error")
    refused.filter(has_text="expected").wait_for(timeout=60000)
    assert f"'{RATES}[1]': expected a number between 0 and 1" in refused.text_content()
    page.wait_for_function(f"document.querySelector({json.dumps(p.lever(RATES))}).value === '0.1, 0.05'")
    assert yaml.safe_load(p.text("#policy-yaml"))["variant"][RATES] == [0.1, 0.05]
    # back to the scenario's own value: the override goes away
    page.locator(".lever", has=page.locator(p.lever("brands.Glow.policy.influencer_posts.disclose"))) \
        .locator("input[type=checkbox]").uncheck()
    page.wait_for_function("!document.querySelector('#policy-yaml').textContent.includes('disclose')")
    # each policy keeps its own levers
    p.select_policy("base")
    assert p.text("#policy-yaml") == "base:  {}"
    assert page.locator(p.lever(RATES)).input_value() == "0"
    p.select_policy("variant")
    assert page.locator(p.lever(RATES)).input_value() == "0.1, 0.05"
    # duplicate, rename, delete
    page.locator("#policy-dup").click()
    page.wait_for_function("document.querySelector('#policy-name').value === 'variant_copy'")
    assert yaml.safe_load(p.text("#policy-yaml")) == {"variant_copy": {RATES: [0.1, 0.05]}}
    p.fill("#policy-name", "two_levels")
    page.wait_for_function("[...document.querySelectorAll('#policy-select label')].some(l => "
                           "l.textContent.trim() === 'two_levels')")
    p.fill("#policy-name", "bad name!")
    page.wait_for_selector("#policy-message .error")
    assert "policy name: expected letters, digits" in p.text("#policy-message")
    page.locator("#policy-del").click()
    page.wait_for_function("document.querySelectorAll('#policy-select input').length === 2")
    assert [x.strip() for x in page.locator("#policy-select label").all_text_contents()] == ["base", "variant"]
    assert not p.errors


@pytest.mark.slow
def test_run_two_policies_then_compare_browse_and_download(dash_page, server, tmp_path):
    p = dash_page.open()
    page = p.page
    p.select_policy("variant")
    p.fill(p.lever(RATES), "0.1")
    page.wait_for_function("document.querySelector('#policy-yaml').textContent.includes('rates')")
    p.run(consumers=1500, days=30, replications=2, name="two_policies")
    page.wait_for_selector("#summary-table tr.summary-row", timeout=90000)   # the comparison opens by itself
    assert page.locator("#section-compare").is_visible()
    assert "Done: 4 runs" in p.text("#run-message")

    # the store: an ordinary experiment folder, common random numbers
    [folder] = [d for d in _store(server, p).iterdir() if d.is_dir() and d.name.endswith("two_policies")]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["runs"]) == 4
    runs = pd.read_parquet(folder / "runs")
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()
    assert sorted(runs["seed"].unique()) == [manifest["experiment"]["seed"], manifest["experiment"]["seed"] + 1]

    # the brand's table (a row per policy) and cards, the market's totals: policies × metrics, paired differences
    metrics = list(DEFAULT_METRICS)
    assert page.locator("#summary-table tr.summary-row").count() == 2
    assert page.locator("#market-table tr.market-row").count() == 2 * len(metrics)
    assert [c.strip() for c in page.locator(".kpi-card h4").all_text_contents()] == [
        "Profit (¥)", "Revenue (GMV) (¥)", "Orders", "Marketing spend (¥)"]
    cells = page.locator("#market-table tr.market-row").nth(len(metrics)).locator("td").all_text_contents()
    assert cells[0] == "variant" and cells[5] != "reference"
    # figures: a band and a mean line per policy, one funnel per policy, one bar series per brand, ...
    ts = p.wait_traces("ts-graph", 4)
    assert len(ts) == 4 and {t["name"] for t in ts} - {None} == {"base", "variant"} and ts[1]["n"] == 30
    assert len(p.wait_traces("funnel-graph", 2)) == 2
    shares = p.wait_traces("share-graph", 1)
    assert [(t["name"], t["n"]) for t in shares] == [("Glow", 2)]
    assert len(p.wait_traces("trust-graph", 4)) == 4
    lorenz = p.wait_traces("lorenz-graph", 2)
    assert lorenz[0]["name"] == "equality" and lorenz[1]["name"].startswith("variant (Gini")
    # the snapshot opens on the policy whose first run has the most referral orders (the variant, or none)
    events = load_results(folder)["events"]
    first = runs[runs["replication"] == 0].set_index("policy")["run_id"]
    n_ref = {pol: 0 if events is None else int((events["run_id"] == first[pol]).sum()) for pol in ("base", "variant")}
    assert n_ref["base"] == 0
    if n_ref["variant"]:
        assert len(p.wait_traces("cascade-graph", 2)) == 2       # edges and consumers of the tree
    else:
        page.wait_for_function("document.querySelector('#cascade-graph').textContent.includes('no referral orders')")

    # another reference: the table follows
    page.locator("#reference label", has_text="variant").click()
    page.wait_for_function("document.querySelector('#market-table tr.market-row td:nth-child(6)')"
                           ".textContent !== 'reference'")
    cells = page.locator("#market-table tr.market-row").nth(len(metrics)).locator("td").all_text_contents()
    assert cells[:2] == ["variant", "Orders"] and cells[5] == "reference"

    # downloads: the summary table, the policy as a scenario file, the experiment file
    with page.expect_download() as dl:
        page.locator("#dl-summary").click()
    summary = pd.read_csv(dl.value.path())
    assert len(summary) == 2 * 4 + 2 * len(metrics) and set(summary["reference"]) == {"variant"}
    assert list(summary["brand"].unique()) == ["Glow", "(all brands)"]
    assert {"diff_ci_low", "diff_ci_high", "ci_low", "ci_high"} <= set(summary.columns)
    with page.expect_download() as dl:
        page.locator("#dl-policy").click()                               # the last policy is preselected
    assert dl.value.suggested_filename == "variant.yaml"
    dl.value.save_as(tmp_path / "variant.yaml")
    sc = load_scenario(tmp_path / "variant.yaml")
    assert sc["brands"][0]["policy"]["referral"]["rates"] == [0.1]
    assert (sc["population"]["consumers"], sc["steps"]) == (1500, 30)
    with page.expect_download() as dl:
        page.locator("#dl-experiment").click()
    dl.value.save_as(tmp_path / "two_policies.yaml")
    exp = load_experiment(tmp_path / "two_policies.yaml")
    assert list(exp.policies) == ["base", "variant"] and exp.replications == 2

    # the network: one small extra market, consumers coloured by their state at the end
    page.locator("#network-draw").click()
    net = p.wait_traces("network-graph", 3, timeout=60000)
    assert net[0]["name"] == "friendship"
    states = [t["name"].split(" (")[0] for t in net[1:]]
    assert set(states) <= {"unaware", "aware", "considered", "bought", "bought again", "promoter"}
    assert len(states) >= 2 and sum(t["n"] for t in net[1:]) == 150

    # browse: this run and the command-line experiment; open the latter in the comparison
    p.tab("3. Browse experiments")
    page.wait_for_function("document.querySelectorAll('#browse-table .browse-row').length >= 2")
    rows = page.locator("#browse-table .browse-row").all_text_contents()
    assert any("two_policies" in r for r in rows) and any("cli_study" in r for r in rows)
    page.locator("#browse-table .browse-row", has_text="cli_study").locator("button").click()
    page.wait_for_function("document.querySelector('#compare-title').textContent.includes('cli_study')")
    page.wait_for_function("document.querySelectorAll('#market-table tr.market-row').length === 6")
    assert page.locator("#section-compare").is_visible()
    assert not p.errors


@pytest.mark.slow
def test_a_business_model_preset_becomes_a_policy_to_edit(dash_page):
    p = dash_page.open()
    page = p.page
    page.locator("#policy-preset").click()
    page.get_by_text("live_stream: 直播带货", exact=False).click()
    page.wait_for_function("document.querySelector('#policy-name').value === 'live_stream'")
    shown = yaml.safe_load(p.text("#policy-yaml"))["live_stream"]
    assert shown["brands.Glow.policy.livestream.sessions_per_week"] == 2
    assert shown["brands.Glow.policy.livestream.slot_fee"] == 300
    assert "Added live_stream" in p.text("#policy-message")
    assert page.locator(p.lever("brands.Glow.policy.livestream.sessions_per_week")).input_value() == "2"
    labels = [x.strip() for x in page.locator("#policy-select label").all_text_contents()]
    assert labels == ["base", "variant", "live_stream"]
    assert not p.errors


@pytest.mark.slow
def test_find_the_best_commission_on_a_market_built_to_have_one(dash_page, server):
    """experiments/optimize/market.yaml has a best level-1 commission (a grid on seeds 100-102 peaks at
    0.2-0.3; 0 and 0.6 are the worst): uploaded, searched from the page over 0-0.6 with 10 candidates on 3
    seeds within a ¥20,000 spend cap, the best found is within 0.1 of the peak, better than no commission, and
    the page says what the store holds."""
    from simcommerce.optimize import load_optimization, summary_text

    p = dash_page.open()
    page = p.page
    page.locator("#upload input[type=file]").set_input_files(str(ROOT / "experiments" / "optimize" / "market.yaml"))
    page.wait_for_function("document.querySelector('#scenario-summary').textContent.includes('2000 consumers')")
    p.fill("#seed", 100)
    page.locator("#opt-levers").click()
    page.get_by_text("commission per referral level (level 1)", exact=True).click()
    key = "brands.Glow.policy.referral.rates.0"
    top = f"[id='{json.dumps({'key': key, 'type': 'opt-max'}, separators=(',', ':'))}']"
    page.wait_for_selector(top)
    p.fill(top, 0.6)
    p.fill("#opt-max-spend", 20000)
    assert not page.evaluate(UNLABELLED), page.evaluate(UNLABELLED)
    page.locator("#opt-run").click()
    page.wait_for_selector("#opt-summary", timeout=240000)
    [folder] = [d for d in _store(server, p).iterdir() if d.is_dir() and "best_Glow" in d.name]
    best = json.loads((folder / "best.json").read_text())
    opt = load_optimization(folder.with_suffix(".yaml"))
    assert (opt.trials, opt.seeds, opt.seed, opt.max_spend) == (10, 3, 100, 20000)
    assert p.text("#opt-summary") == summary_text(opt, best)
    rate = best["best"]["levers"][key]
    assert 0.1 <= rate <= 0.4, best
    assert best["best"]["profit"] > best["base"]["profit"] and best["base"]["levers"][key] == 0.0
    assert f"{key} = {rate:.4g}" in p.text("#opt-summary") and "How flat" in p.text("#opt-summary")
    assert not p.errors


@pytest.mark.slow
def test_uncertain_parameters_show_whether_the_ranking_holds(dash_page, server):
    """Mark the intent rate as uncertain (3 settings of 0.01-0.04), run a price cut against the base: every
    policy runs at every setting on the same seeds, and the page's robustness table is the store's."""
    from simcommerce.robustness import robustness

    p = dash_page.open()
    page = p.page
    p.select_policy("variant")
    p.fill(p.lever("brands.Glow.products.serum.price"), 150)
    page.wait_for_function("document.querySelector('#policy-yaml').textContent.includes('price')")
    page.get_by_text("Uncertain parameters (optional)", exact=False).click()
    page.locator("#unc-params").click()
    page.get_by_text("mechanisms.decision.intent_rate (", exact=False).click()
    low = f"[id='{json.dumps({'key': 'mechanisms.decision.intent_rate', 'type': 'unc-min'}, separators=(',', ':'))}']"
    page.wait_for_selector(low)
    assert page.locator(low).input_value() == "0.01"  # half the scenario's 0.02
    p.fill("#unc-samples", 3)
    p.run(consumers=800, days=20, replications=1, name="robust_study")
    page.wait_for_selector("#robust-sentence", timeout=120000)
    [folder] = [d for d in _store(server, p).iterdir() if d.is_dir() and d.name.endswith("robust_study")]
    exp = yaml.safe_load(folder.with_suffix(".yaml").read_text())
    assert exp["uncertainties"] == {"method": "lhs", "samples": 3,
                                    "parameters": {"mechanisms.decision.intent_rate": {"min": 0.01, "max": 0.04}}}
    store = load_results(folder)
    assert len(store["runs"]) == 6 and store["runs"]["point"].nunique() == 3
    table = robustness(compare.brand_runs(store, "Glow"), "profit")
    rows = page.locator("#robust-table tr").all_text_contents()[1:]
    assert [r.split("%")[0] for r in rows] == [f"{pol}{share:.0%}".split("%")[0] for pol, share in
                                               table["win_share"].items()]
    assert f"settings of the uncertain parameters" in p.text("#robust-sentence")
    assert not p.errors


@pytest.mark.slow
def test_the_page_in_chinese_down_to_the_verdict(dash_page, server):
    """?lang=zh-CN: the page's headings, tabs, lever groups and labels, buttons and messages in Chinese, and the
    verdict is the one compare.brand_verdict gives in zh-CN for the store; the switch goes back to English."""
    from simcommerce.i18n import t

    p = dash_page
    page = p.page
    page.goto(p.url + "?lang=zh-CN")
    page.wait_for_selector(".lever-group", timeout=30000)
    page.wait_for_function("localStorage.getItem('session') !== null")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert p.text("header h1") == "simcommerce — 营销策略比较"
    assert [x.strip() for x in page.locator(".lever-group").all_text_contents()] == \
        [t(g, "zh-CN") for g in dict.fromkeys(g for g, _ in controls.LEVERS)]
    box = page.locator(".lever", has=page.locator(p.lever(RATES)))
    assert box.locator("label").text_content() == "各级推荐佣金 (0-1)"
    assert box.get_attribute("title").startswith("每级佣金：") and f"键：{RATES}" in box.get_attribute("title")
    assert page.get_by_text("2. 比较", exact=True).count() == 1 and page.locator("#run").text_content() == "运行"
    assert not page.evaluate(UNLABELLED), page.evaluate(UNLABELLED)
    p.select_policy("variant")
    p.fill(p.lever(RATES), "0.1, 1.5")  # refused: the format's message, after a Chinese "error:"
    refused = page.locator(".lever", has=page.locator(p.lever(RATES))).locator(".lever-error")
    refused.filter(has_text="expected").wait_for(timeout=60000)
    assert refused.text_content().startswith(f"错误：policy at '{RATES}[1]': expected a number between 0 and 1")
    p.fill(p.lever(RATES), "0.1")
    page.wait_for_function("document.querySelector('#policy-yaml').textContent.includes('rates')")
    p.run(consumers=800, days=20, replications=2, name="zh_study")
    page.wait_for_selector("#verdict .verdict-findings", timeout=90000)
    assert p.text("#run-message").startswith("完成：4 次运行")
    [folder] = [d for d in _store(server, p).iterdir() if d.is_dir() and d.name.endswith("zh_study")]
    v, _ = compare.brand_verdict(load_results(folder), "Glow", "base", lang="zh-CN")
    assert p.text("#verdict .verdict-findings") == " ".join(v.findings)
    assert p.text("#verdict .verdict-recommendation").startswith("建议：")
    assert p.text("#compare-title") == "比较 — zh_study"
    for graph, words in (("ts-graph", "随时间变化"), ("funnel-graph", "期末购买漏斗"), ("trust-graph", "品牌信任")):
        page.wait_for_function(f"((document.querySelector('#{graph} .js-plotly-plot') || {{}}).layout || {{}}).title "
                               f"&& document.querySelector('#{graph} .js-plotly-plot').layout.title.text"
                               f".includes('{words}')", timeout=30000)
    page.get_by_text("English", exact=True).click()
    page.wait_for_function("(document.querySelector('header h1') || {}).textContent === "
                           "'simcommerce — compare marketing policies'")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert not p.errors


def _event_field(field: str, index: int = 0) -> str:
    return f"[id='{json.dumps({'field': field, 'index': index, 'type': 'event-field'}, separators=(',', ':'))}']"


@pytest.mark.slow
def test_an_edited_scandal_runs_in_every_policy_and_is_marked_on_the_charts(dash_page, server):
    """Add a scandal on the page, move it to day 6, try a severity out of range (named, and the field goes
    back), set it, run: every policy of the experiment file has it, the news is heard from day 6 on and not
    before, and the time charts mark it."""
    p = dash_page.open()
    page = p.page
    assert page.locator(".event-row").count() == 0  # the baseline has no events
    page.locator("#event-add").click()
    page.wait_for_selector(_event_field("day"))
    assert page.locator(_event_field("day")).input_value() == "40"  # a third of the 120 days
    assert not page.evaluate(UNLABELLED), page.evaluate(UNLABELLED)  # the event's fields are labelled
    p.fill(_event_field("day"), 6)
    p.fill(_event_field("severity"), 1.5)
    page.wait_for_selector("#event-message .error", timeout=60000)
    assert "'events[0].severity': expected a number between 0 and 1" in p.text("#event-message")
    page.wait_for_function(f"document.querySelector({json.dumps(_event_field('severity'))}).value === '0.8'")
    assert page.locator(_event_field("day")).input_value() == "6"  # the accepted edit is kept
    p.fill(_event_field("severity"), 0.9)
    page.wait_for_function("document.querySelector('#event-message').textContent === ''")
    p.run(consumers=800, days=20, replications=1, name="scandal_study")
    page.wait_for_selector("#summary-table tr.summary-row", timeout=90000)

    [folder] = [d for d in _store(server, p).iterdir() if d.is_dir() and d.name.endswith("scandal_study")]
    exp = yaml.safe_load(folder.with_suffix(".yaml").read_text())
    scandal = {"day": 6, "type": "quality_scandal", "brand": "Glow", "severity": 0.9, "reach": 0.9}
    assert [ov["events"] for ov in exp["policies"].values()] == [[scandal]] * 2
    market = pd.read_parquet(folder / "market")
    assert (market.loc[market["day"] < 6, "n_heard_news"] == 0).all()
    assert (market.loc[market["day"] >= 6, "n_heard_news"] > 0.5 * 800).all()  # 90% reach
    for graph in ("ts-graph", "trust-graph"):
        page.wait_for_function(f"(document.querySelector('#{graph} .js-plotly-plot') || {{}}).layout && "
                               f"document.querySelector('#{graph} .js-plotly-plot').layout.shapes.length === 1")
        x = page.evaluate(f"document.querySelector('#{graph} .js-plotly-plot').layout.shapes[0].x0")
        assert x == 6
    assert "quality scandal (Glow)" in page.locator("#trust-graph").text_content()
    assert not p.errors


@pytest.mark.slow
def test_cancel_keeps_the_page_responsive_and_stops_the_processes(dash_page, server):
    p = dash_page.open()
    page = p.page
    p.run(consumers=100000, days=365, replications=3, name="long_run")
    page.wait_for_function("document.querySelector('#progress-label').textContent.includes('of 6 runs')",
                           timeout=30000)
    assert page.locator("#run").is_disabled() and page.locator("#cancel").is_enabled()
    [file] = _store(server, p).glob("*long_run.yaml")                  # the experiment file, and its store:
    folder = file.with_suffix("")
    [command] = _processes(text=f"--out {folder}")                      # the experiment command, in its own
    group = os.getpgid(command)                                          # process group with its workers
    assert group == command and group != os.getpgid(server["proc"].pid)
    for _ in range(120):                                                 # until the command has opened the store
        if (folder / "manifest.json").exists():
            break
        page.wait_for_timeout(250)
    # the page answers while the run goes on
    page.locator("#policy-add").click()
    page.wait_for_function("document.querySelectorAll('#policy-select input').length === 3", timeout=5000)
    assert page.locator("#cancel").is_enabled()
    page.locator("#cancel").click()
    page.wait_for_function("document.querySelector('#run-message').textContent.startsWith('Cancelled')",
                           timeout=30000)
    assert page.locator("#run").is_enabled() and page.locator("#cancel").is_disabled()
    assert not page.locator("#progress-box").is_visible()
    for _ in range(40):                                                  # the command and its workers end
        if not _processes(group=group):
            break
        page.wait_for_timeout(250)
    assert _processes(group=group) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "cancelled"
    assert sum(r["status"] == "done" for r in manifest["runs"].values()) < 6
    assert not p.errors


@pytest.mark.slow
def test_a_bad_upload_shows_the_clis_message_and_breaks_nothing(dash_page, tmp_path):
    p = dash_page.open()
    page = p.page
    bad = tmp_path / "bad_market.yaml"
    bad.write_text((ROOT / "scenarios" / "baseline.yaml").read_text().replace("quality: 0.7", "quality: 1.4"))
    cli = subprocess.run([sys.executable, "-m", "simcommerce.cli", "check", bad.name], cwd=tmp_path,
                         capture_output=True, text=True)
    assert cli.returncode == 2
    page.locator("#upload input[type=file]").set_input_files(str(bad))
    page.wait_for_selector("#setup-message .error")
    assert p.text("#setup-message") == cli.stderr.strip()
    assert "bad_market.yaml:" in p.text("#setup-message") and "found 1.4" in p.text("#setup-message")
    # nothing else changed: same scenario, same market, same controls, and the page still works
    assert "20000 consumers" in p.text("#scenario-summary")
    assert page.locator("#scenario").text_content() == "baseline"
    p.fill(p.lever("brands.Glow.policy.ads.impressions_per_day"), 3000)
    page.wait_for_function("document.querySelector('#policy-yaml').textContent.includes('3000')")
    # a file that is not even YAML
    junk = tmp_path / "junk.yaml"
    junk.write_text("brands: [\n  - {name: x\n")
    page.locator("#upload input[type=file]").set_input_files(str(junk))
    page.wait_for_function("document.querySelector('#setup-message').textContent.includes('junk.yaml')")
    assert "expected valid YAML" in p.text("#setup-message")
    # a good upload, and a bundled scenario, become the market
    good = tmp_path / "my_market.yaml"
    good.write_text((ROOT / "scenarios" / "competition.yaml").read_text())
    page.locator("#upload input[type=file]").set_input_files(str(good))
    page.wait_for_selector("#setup-message .ok")
    page.wait_for_function("document.querySelector('#brand').textContent === 'LuxValueHype'")
    assert page.locator(p.lever("brands.Lux.products.cream.price")).input_value() == "260"
    page.locator("#scenario").click()
    page.locator(".dash-options-list-option-text", has_text="word_of_mouth").click()
    page.wait_for_function("document.querySelector('#scenario-summary').textContent.includes("
                           f"{load_scenario(ROOT / 'scenarios' / 'word_of_mouth.yaml')['description'][:30]!r})")
    assert not p.errors


@pytest.mark.slow
def test_two_browsers_do_not_see_each_others_work(browser, server, make_page):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        a, b = (make_page(c).open() for c in contexts)
        assert a.session() != b.session()
        a.select_policy("variant")
        a.fill(a.lever(RATES), "0.2")
        a.page.wait_for_function("document.querySelector('#policy-yaml').textContent.includes('rates')")
        b.select_policy("variant")
        assert b.text("#policy-yaml") == "variant:  {}"
        a.run(consumers=500, days=10, replications=1, name="only_mine")
        a.page.wait_for_selector("#summary-table tr.summary-row", timeout=90000)
        assert not b.page.locator("#progress-box").is_visible()            # b saw nothing of a's run
        for page in (a, b):
            page.tab("3. Browse experiments")
            page.page.locator("#browse-refresh").click()
            page.page.wait_for_function("document.querySelectorAll('#browse-table .browse-row').length >= 1")
        rows_a = a.page.locator("#browse-table .browse-row").all_text_contents()
        rows_b = b.page.locator("#browse-table .browse-row").all_text_contents()
        assert any("only_mine" in r for r in rows_a) and not any("only_mine" in r for r in rows_b)
        assert any("cli_study" in r for r in rows_b)                       # experiments outside dashboard/ are shared
        assert list((server["results"] / "dashboard" / a.session()).glob("*only_mine"))
        assert not list((server["results"] / "dashboard" / b.session()).glob("*only_mine"))
    finally:
        for c in contexts:
            c.close()


@pytest.mark.parametrize("bad", ["../x", "0" * 31, None, "ABCDEF" * 6])
def test_session_ids_from_the_browser_are_checked(bad, tmp_path):
    from simcommerce.dashboard import sessions

    assert not sessions.valid(bad)
    with pytest.raises(ValueError):
        sessions.session_dir(tmp_path, bad)
    assert sessions.resolve_inside(tmp_path, "../", sessions.new_session_id()) is None
