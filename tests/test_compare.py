"""Policy comparison: summary statistics (paired vs Welch, multiplicity), the results store reader, the report,
compare on experiment and run folders."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as stats_t

from simcommerce import cli
from simcommerce.compare import brand_runs, brand_verdict, write_summary
from simcommerce.runner import run_once
from simcommerce.scenario import load_scenario
from simcommerce.stats import cascade_sizes, lorenz, summarise, welch_ci
from simcommerce.store import load_results

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = {"population.consumers": 1200, "steps": 30}
ADS = "brands.Glow.policy.ads.impressions_per_day"
POLICIES = {"ads_1500": {ADS: 1500}, "ads_2000": {ADS: 2000}}
REPS, SEED = 8, 7


def write_store(out: Path, policies: dict[str, dict], reps: int, seed: int, seed_offsets: dict[str, int] | None = None,
                metrics=("cum_orders", "cum_gmv", "profit", "n_aware")) -> Path:
    """Run the policies with runner.run_once and write the store layout of ``simcommerce experiment``."""
    seed_offsets = seed_offsets or {}
    for pol, overrides in policies.items():
        sc = load_scenario(BASELINE, overrides={**SMALL, **overrides})
        for r in range(reps):
            s = seed + r + seed_offsets.get(pol, 0)
            res = run_once(sc, r, s)
            run_id = f"{pol}-r{r:03d}"
            ids = {"run_id": run_id, "replication": r, "seed": s, "point": 0}
            row = {**ids, **{k: v for k, v in res.summary.items() if k not in ("run", "seed")}, **overrides}
            for table, df in (("runs", pd.DataFrame([row])),
                              ("market", res.market.drop(columns=["run", "seed"]).assign(**ids)),
                              ("brands", res.brands.drop(columns=["run", "seed"]).assign(**ids))):
                d = out / table / f"policy={pol}"
                d.mkdir(parents=True, exist_ok=True)
                df.to_parquet(d / f"{run_id}.parquet", index=False)
    manifest = {"experiment": {"name": out.name, "reference": next(iter(policies)), "metrics": list(metrics),
                               "policies": policies, "replications": reps}, "status": "complete"}
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    base = tmp_path_factory.mktemp("experiments")
    crn = write_store(base / "crn", POLICIES, REPS, SEED)
    indep = write_store(base / "indep", POLICIES, REPS, SEED, seed_offsets={"ads_2000": 1000})
    return crn, indep


# ---------------------------------------------------------------------------------------------- hand-computed

def test_summarise_matches_hand_computed_numbers():
    runs = pd.DataFrame({"policy": ["ref"] * 4 + ["new"] * 4, "replication": [0, 1, 2, 3] * 2,
                         "seed": [1, 2, 3, 4] * 2, "y": [1.0, 2, 3, 4, 2, 4, 4, 6]})
    s = summarise(runs, ["y"], "ref").set_index("policy")
    # reference: mean 2.5, sd sqrt(5/3); half-width t(.975, 3) * sd / 2 = 3.182446 * 1.290994 / 2 = 2.054260
    assert s.loc["ref", "mean"] == pytest.approx(2.5)
    assert s.loc["ref", "ci_low"] == pytest.approx(2.5 - 2.054260, abs=1e-5)
    assert s.loc["ref", "ci_high"] == pytest.approx(2.5 + 2.054260, abs=1e-5)
    assert s.loc["ref", "diff_mean"] == 0 and np.isnan(s.loc["ref", "diff_ci_low"])
    # paired differences 1, 2, 1, 2: mean 1.5, sd sqrt(1/3); half = 3.182446 * 0.577350 / 2 = 0.918689
    new = s.loc["new"]
    assert new["n_pairs"] == 4 and new["seeds_matched"] == 1.0
    assert new["diff_mean"] == pytest.approx(1.5)
    assert new["diff_ci_low"] == pytest.approx(0.581311, abs=1e-5)
    assert new["diff_ci_high"] == pytest.approx(2.418689, abs=1e-5)
    # Welch: se = sqrt(8/3/4 + 5/3/4) = 1.040833, df = 1.083333² / (0.666667²/3 + 0.416667²/3) = 5.696629
    assert new["welch_df"] == pytest.approx(5.696629, abs=1e-5)
    from scipy import stats
    half = stats.t.ppf(0.975, 5.696629) * 1.040833
    assert new["welch_ci_low"] == pytest.approx(1.5 - half, abs=1e-5)
    assert new["welch_ci_high"] == pytest.approx(1.5 + half, abs=1e-5)
    assert new["rel_diff"] == pytest.approx(1.5 / 2.5)


def test_pairs_are_matched_by_replication_not_row_order():
    runs = pd.DataFrame({"policy": ["ref"] * 3 + ["new"] * 3, "replication": [0, 1, 2, 2, 0, 1],
                         "y": [10.0, 20, 30, 31, 11, 21]})
    new = summarise(runs, ["y"], "ref").set_index("policy").loc["new"]
    assert new["diff_mean"] == pytest.approx(1.0)
    assert new["diff_sd"] == pytest.approx(0.0)  # every pair differs by exactly 1


def test_welch_with_one_run_has_no_interval():
    d, lo, hi, _ = welch_ci([1.0], [2.0, 3.0])
    assert d == pytest.approx(-1.5) and np.isnan(lo) and np.isnan(hi)


def test_unknown_reference_is_a_clear_error():
    runs = pd.DataFrame({"policy": ["a", "b"], "replication": [0, 0], "y": [1.0, 2.0]})
    with pytest.raises(ValueError, match="reference policy 'c'"):
        summarise(runs, ["y"], "c")


def test_cascade_sizes_and_lorenz():
    ev = pd.DataFrame({"run_id": ["a"] * 4 + ["b"], "referrer": [1, 2, 2, 7, 1], "buyer": [2, 3, 4, 8, 5]})
    assert sorted(cascade_sizes(ev).tolist()) == [2, 2, 4]  # run a: {1,2,3,4} and {7,8}; run b: {1,5}
    _, cum, g = lorenz([1.0, 1.0, 1.0, 1.0])
    assert g == pytest.approx(0.0) and cum[-1] == pytest.approx(1.0)
    assert lorenz([0.0, 0.0, 0.0, 4.0])[2] == pytest.approx(0.75)


def test_write_summary(tmp_path):
    df = pd.DataFrame({"policy": ["a"], "metric": ["y"], "mean": [1.0]})
    csv, pq = write_summary(df, tmp_path / "summary")
    assert csv.name == "summary.csv" and pq.name == "summary.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(pq), df)
    assert pd.read_csv(csv).equals(df)


# ---------------------------------------------------------------------------------------------- simulated

@pytest.mark.slow
@pytest.mark.slow
def test_store_loads_with_hive_policy(stores):
    exp = load_results(stores[0])
    runs = exp["runs"]
    assert sorted(runs["policy"].unique()) == sorted(POLICIES)
    assert len(runs) == 2 * REPS and pd.api.types.is_string_dtype(runs["policy"])
    assert len(exp["market"]) == 2 * REPS * SMALL["steps"]
    assert exp["experiment"]["reference"] == "ads_1500"
    assert exp["events"] is None


@pytest.mark.slow
def test_pairing_narrows_the_interval(stores, capsys):
    crn_dir, indep_dir = stores
    crn = summarise(load_results(crn_dir)["runs"], ["cum_orders"], "ads_1500").set_index("policy")
    ind = summarise(load_results(indep_dir)["runs"], ["cum_orders"], "ads_1500").set_index("policy")
    c, i = crn.loc["ads_2000"], ind.loc["ads_2000"]
    assert c["seeds_matched"] == 1.0 and i["seeds_matched"] == 0.0
    paired, welch, indep = c["diff_ci_width"], c["welch_ci_width"], i["diff_ci_width"]
    with capsys.disabled():
        print(f"\ncum_orders ads_2000 - ads_1500, {REPS} reps: paired CI width {paired:.1f} "
              f"(diff {c['diff_mean']:.1f}), Welch {welch:.1f}, independent seeds paired {indep:.1f} "
              f"(Welch {i['welch_ci_width']:.1f})")
    assert paired < welch
    assert paired < indep


@pytest.mark.slow
def test_compare_command_writes_self_contained_report(stores, tmp_path):
    out = tmp_path / "cmp" / "report.html"
    assert cli.main(["compare", str(stores[0]), "--out", str(out)]) == 0
    text = out.read_text()
    assert len(re.findall(r"\* plotly\.js v\d", text)) == 1  # plotly.js inlined, once
    assert re.search(r"<script[^>]+src=[\"']?http", text) is None
    rows = re.findall(r'<tr class="kpi">', text)
    assert len(rows) == 2 * 4  # policies × metrics of the manifest
    assert "need per-run" in text or "needs per-run" in text
    assert (out.parent / "summary.csv").exists() and (out.parent / "summary.parquet").exists()
    s = pd.read_csv(out.parent / "summary.csv")
    assert len(s) == 8 and set(s["policy"]) == set(POLICIES)
    # it opens with the verdict for the brand (the only one: Glow), from the same function as the dashboard's
    exp = load_results(stores[0])
    v, bs = brand_verdict(exp, "Glow", "ads_1500")
    assert "<h2>Verdict for Glow</h2>" in text and html.escape(" ".join(v.findings)) in text
    assert html.escape(v.recommendation) in text and len(re.findall(r'<tr class="brand-row">', text)) == 2
    assert text.index("Verdict for Glow") < text.index('<tr class="kpi">')
    # equal budgets (#18 item 2): the sentence on spend, from the brand's runs, paired by replication
    from simcommerce.compare import budget_sentence, currency_of
    from simcommerce.stats import spend_returns

    sentence = budget_sentence(spend_returns(brand_runs(exp, "Glow"), "ads_1500"), "ads_1500", currency_of(exp))
    assert sentence and f'<p class="budget" id="budget">{html.escape(sentence)}</p>' in text
    # one brand: its end-of-run figures are the market's, run by run
    b = brand_runs(exp, "Glow").set_index("run_id").sort_index()
    m = exp["runs"].set_index("run_id").sort_index()
    for col in ("profit", "cum_orders", "cum_gmv", "cum_marketing_spend"):
        assert np.allclose(b[col], m[col]), col
    assert b["cum_marketing_spend"].gt(0).all()
    assert cli.main(["compare", str(stores[0]), "--out", str(out), "--brand", "Nope"]) == 2
    # --lang zh: the same verdict in Chinese (the same function, lang="zh-CN"), the page marked zh-CN
    zh = tmp_path / "cmp" / "zh.html"
    assert cli.main(["compare", str(stores[0]), "--out", str(zh), "--lang", "zh"]) == 0
    text = zh.read_text()
    v_zh, _ = brand_verdict(exp, "Glow", "ads_1500", lang="zh-CN")
    assert '<html lang="zh-CN">' in text and "<h2>Glow 的结论</h2>" in text and "<h1>策略比较 — " in text
    assert html.escape(" ".join(v_zh.findings)) in text and html.escape(v_zh.recommendation) in text
    assert v_zh.recommendation.startswith("建议：") and v_zh.findings != v.findings
    assert "<h2>关键指标表（市场合计，所有品牌）</h2>" in text and "<th>相对参照的配对差异</th>" in text
    assert "各策略关键指标（市场合计）" in text and "<th>营销支出</th>" in text
    budget = budget_sentence(spend_returns(brand_runs(exp, "Glow"), "ads_1500"), "ads_1500", currency_of(exp), "zh-CN")
    assert budget and html.escape(budget) in text and budget != sentence


@pytest.mark.slow
def test_compare_merges_folders_and_prefixes_clashing_policies(stores, tmp_path):
    out = tmp_path / "report.html"
    assert cli.main(["compare", str(stores[0]), str(stores[1]), "--out", str(out),
                     "--metrics", "cum_orders"]) == 0
    s = pd.read_csv(tmp_path / "summary.csv")
    assert set(s["policy"]) == {"crn/ads_1500", "crn/ads_2000", "indep/ads_1500", "indep/ads_2000"}
    assert (s["reference"] == "crn/ads_1500").all()
    assert len(re.findall(r'<tr class="kpi">', out.read_text())) == 4


@pytest.mark.slow
def test_compare_sweep_and_events(tmp_path):
    """A swept parameter gives a response plot and a sensitivity chart; event tables give the cascade plots."""
    out = tmp_path / "sweep"
    write_store(out, {"ads": {ADS: 500}}, 2, SEED)  # market and brands tables of one point
    # rewrite the runs with a point index and the swept value, like a grid sweep
    rows = []
    sc_cache = {}
    for p, imp in enumerate([500, 1500, 2500]):
        sc_cache[imp] = load_scenario(BASELINE, overrides={**SMALL, "steps": 10, ADS: imp})
        for r in range(2):
            res = run_once(sc_cache[imp], r, SEED + r)
            rows.append({"run_id": f"p{p}-r{r}", "replication": r, "seed": SEED + r, "point": p, ADS: imp,
                         **{k: v for k, v in res.summary.items() if k not in ("run", "seed")}})
    runs = pd.DataFrame(rows)
    for f in (out / "runs").rglob("*.parquet"):
        f.unlink()
    runs.to_parquet(out / "runs" / "policy=ads" / "all.parquet", index=False)
    ev = pd.DataFrame({"run_id": ["p0-r0"] * 3, "day": [1, 2, 3], "referrer": [1, 2, 2], "buyer": [2, 3, 4],
                       "product": [0, 0, 0]})
    (out / "events" / "policy=ads").mkdir(parents=True)
    ev.to_parquet(out / "events" / "policy=ads" / "p0-r0.parquet", index=False)
    (out / "promoters" / "policy=ads").mkdir(parents=True)
    pd.DataFrame({"run_id": ["p0-r0"] * 3, "promoter_earned": [1.0, 2.0, 9.0]}).to_parquet(
        out / "promoters" / "policy=ads" / "p0-r0.parquet", index=False)
    report = tmp_path / "r.html"
    assert cli.main(["compare", str(out), "--out", str(report), "--metrics", "cum_orders"]) == 0
    text = report.read_text()
    assert "Response of cum_orders to brands.Glow.policy.ads.impressions_per_day" in text
    assert "Sensitivity of cum_orders" in text
    assert "Referral cascade sizes" in text and "Lorenz curve" in text


def test_compare_bad_folder_exits_2(tmp_path, capsys):
    assert cli.main(["compare", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html")]) == 2
    assert "no manifest.json" in capsys.readouterr().err


@pytest.mark.slow
def test_sensitivity_uses_salib_when_installed_else_slopes():
    from simcommerce.stats import sensitivity

    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"policy": "p", "a.x": rng.random(60), "a.z": rng.random(60)})
    runs["y"] = 10 * runs["a.x"] + rng.normal(0, 0.1, 60)
    table, method = sensitivity(runs, ["a.x", "a.z"], "y")
    top = table.sort_values("value", ascending=False).iloc[0]
    assert top["parameter"] == "a.x"
    try:
        import SALib  # noqa: F401
        assert method.startswith("SALib") and set(table["index"]) == {"delta", "S1"}
    except ImportError:
        assert method.startswith("one-at-a-time")
    slopes, method = sensitivity(runs.head(10), ["a.x", "a.z"], "y")  # too few runs: slopes
    assert method.startswith("one-at-a-time") and set(slopes["index"]) == {"slope × range"}


def test_metric_labels_say_what_and_in_which_unit():
    from simcommerce.plots import metric_label

    assert metric_label("profit", "¥") == "Profit (¥)" and metric_label("cum_orders", "¥") == "Orders"
    assert metric_label("mean_trust") == "Mean trust (0–1)" and metric_label("cum_gmv") == "Revenue (GMV) (currency units)"
    assert metric_label("cum_live_gmv", "¥") == "Live-stream sales (¥)"
    assert metric_label("new_shares") == "Shares per day" and metric_label("cum_group_gmv", "¥", unit=False) == \
        "Group-deal sales"


def test_time_charts_smooth_daily_flows_keep_bands_at_zero_and_mark_events():
    """new_* metrics: a trailing 7-day mean within each run; a never-negative metric's band stops at 0; each
    scheduled event is a dashed line on its day, in words."""
    from simcommerce.figures import events_of, timeseries_figure

    rng = np.random.default_rng(4)
    days = np.arange(1, 29)
    rows = [{"policy": "a", "replication": r, "day": d, "new_orders": float(rng.poisson(0.3)), "profit": -50.0 + d}
            for r in range(3) for d in days]
    market = pd.DataFrame(rows)
    ev = [{"day": 10, "type": "quality_scandal", "brand": "Glow", "severity": 0.8, "reach": 0.9}]
    fig = timeseries_figure(market, "new_orders", ["a"], events=ev)
    line = next(t for t in fig.data if t.name == "a")
    smoothed = market.groupby("replication")["new_orders"].transform(lambda x: x.rolling(7, min_periods=1).mean())
    assert np.allclose(line.y, smoothed.groupby(market["day"]).mean())
    band = next(t for t in fig.data if t.fill == "toself")
    assert min(band.y) >= 0 and "7-day mean" in fig.layout.title.text
    assert [s.x0 for s in fig.layout.shapes] == [10] and fig.layout.annotations[0].text == "quality scandal (Glow)"
    loss = timeseries_figure(market, "profit", ["a"])  # can be negative: neither clipped nor smoothed
    assert min(next(t for t in loss.data if t.name == "a").y) == -49 and not loss.layout.shapes
    manifest = {"scenario": {"events": [{"day": 3, "type": "privacy_breach"}]},
                "experiment": {"policies": {"x": {"steps": 20}, "y": {"steps": 20}}}}
    assert events_of({"manifest": manifest}) == [{"day": 3, "type": "privacy_breach"}]
    manifest["experiment"]["policies"]["x"]["events"] = ev
    assert events_of({"manifest": manifest}) == ev


@pytest.mark.slow
def test_the_report_says_how_robust_the_ranking_is_across_uncertainties(tmp_path):
    """An experiment with an uncertain intent rate (3 settings): the report has the robustness section, and its
    sentence is the one :func:`simcommerce.robustness.sentence` gives for the store."""
    from simcommerce.robustness import robustness, sentence
    from simcommerce.verdict import money

    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(f"""base: {BASELINE}
replications: 1
seed: 3
policies:
  base: {{population.consumers: 600, steps: 12}}
  cheaper: {{population.consumers: 600, steps: 12, brands.Glow.products.serum.price: 150}}
metrics: [cum_orders, profit]
uncertainties: {{method: lhs, samples: 3, parameters: {{mechanisms.decision.intent_rate: {{min: 0.01, max: 0.04}}}}}}
""")
    assert cli.main(["-q", "experiment", str(exp_file), "--out", str(tmp_path / "store"), "--workers", "1"]) == 0
    assert cli.main(["-q", "compare", str(tmp_path / "store"), "--out", str(tmp_path / "r.html")]) == 0
    text = html.unescape((tmp_path / "r.html").read_text())
    store = load_results(tmp_path / "store")
    t = robustness(brand_runs(store, "Glow"), "profit")
    assert "How robust is the answer? Glow's profit across 3 settings of the uncertain parameters" in text
    assert sentence(t, lambda x: money(x, "¥")) in text and t["points"].iloc[0] == 3


# ---------------------------------------------------------------------------------------------- run folders

TINY = """\
name: lever
seed: 11
steps: 8
population: {consumers: 400}
network:
  friendship: {model: holme_kim, mean_degree: 6}
influencers:
  counts: {nano: 4, micro: 2, macro: 1, mega: 0}
brands:
  - name: Glow
    products: [{name: serum, category: beauty, price: 20, cost: 5, quality: 0.7}]
    policy:
      ads: {impressions_per_day: IMPRESSIONS}
"""


def _run_folder(tmp_path: Path, folder: str, impressions: int, reps: int = 3) -> Path:
    sc = tmp_path / f"{folder}.yaml"
    sc.write_text(TINY.replace("IMPRESSIONS", str(impressions)))  # the same scenario name: a copy, one lever changed
    assert cli.main(["-q", "run", str(sc), "--out", str(tmp_path / folder), "--replications", str(reps),
                     "--no-report"]) == 0
    return tmp_path / folder


def test_compare_two_run_folders_as_two_policies(tmp_path):
    """README's "change one lever and compare": two ``run`` folders are two policies (named after their folders,
    the scenarios having the same name), the first the reference; the paired difference and its interval equal
    a direct computation on the runs tables."""
    a, b = _run_folder(tmp_path, "a", 100), _run_folder(tmp_path, "b", 2000)
    report = tmp_path / "rep" / "report.html"
    assert cli.main(["-q", "compare", str(a), str(b), "--out", str(report), "--metrics", "cum_orders,n_aware"]) == 0
    s = pd.read_csv(report.parent / "summary.csv").set_index(["policy", "metric"])
    assert set(s.index.get_level_values("policy")) == {"a", "b"} and (s["reference"] == "a").all()
    ra, rb = (pd.read_parquet(d / "runs").sort_values("replication") for d in (a, b))
    assert ra["seed"].tolist() == rb["seed"].tolist() == [11, 12, 13]
    for metric in ("cum_orders", "n_aware"):
        d = rb[metric].to_numpy(float) - ra[metric].to_numpy(float)
        half = stats_t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        row = s.loc[("b", metric)]
        assert row["n_pairs"] == 3 and row["seeds_matched"] == 1.0
        assert row["diff_mean"] == pytest.approx(d.mean())
        assert row["diff_ci_low"] == pytest.approx(d.mean() - half) and row["diff_ci_high"] == pytest.approx(
            d.mean() + half)
        assert s.loc[("a", metric), "mean"] == pytest.approx(ra[metric].mean())
    assert s.loc[("b", "n_aware"), "diff_mean"] > 0  # twenty times the ads reach more consumers
    text = report.read_text()
    assert "2 policies (a: 3 runs, b: 3 runs); reference: <b>a</b>; common random numbers" in text
    note = html.unescape(text[text.index('id="multiplicity"'):])
    assert note.startswith('id="multiplicity">Multiple comparisons: the KPI table makes 2 comparisons with the reference')


@pytest.mark.slow
def test_compare_mixes_an_experiment_and_a_run(tmp_path):
    """An experiment folder and a run folder merge: the run is one more policy; a run with the same lever and
    seeds as one of the experiment's policies has the same end-of-run figures (one writer, one layout)."""
    b = _run_folder(tmp_path, "b", 2000, reps=2)
    base = tmp_path / "a.yaml"
    base.write_text(TINY.replace("IMPRESSIONS", "100"))
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"base: {base}\nreplications: 2\nseed: 11\nmetrics: [cum_orders]\npolicies:\n  few_ads: {{}}\n"
                   f"  many_ads: {{brands.Glow.policy.ads.impressions_per_day: 2000}}\n")
    assert cli.main(["-q", "experiment", str(exp), "--out", str(tmp_path / "study"), "--workers", "1"]) == 0
    report = tmp_path / "report.html"
    assert cli.main(["-q", "compare", str(tmp_path / "study"), str(b), "--out", str(report)]) == 0
    s = pd.read_csv(tmp_path / "summary.csv").set_index(["policy", "metric"])
    assert set(s.index.get_level_values("policy")) == {"few_ads", "many_ads", "lever"}
    assert (s["reference"] == "few_ads").all()
    assert s.loc[("lever", "cum_orders"), "diff_mean"] == pytest.approx(s.loc[("many_ads", "cum_orders"),
                                                                              "diff_mean"])
    runs = load_results(tmp_path / "study")["runs"]
    mine = load_results(b)["runs"]
    cols = [c for c in mine.columns if c not in ("run_id", "policy")]
    pd.testing.assert_frame_equal(runs[runs["policy"] == "many_ads"][cols].reset_index(drop=True),
                                  mine[cols].reset_index(drop=True))


def test_compare_refuses_a_folder_that_is_no_results_store(tmp_path, capsys):
    """One line naming the folder and what was expected, exit 2, no traceback: an empty folder, a calibration's
    folder, an older run's flat tables, a manifest that is not JSON."""
    cases = {"empty": {}, "calibration": {"manifest.json": json.dumps({"kind": "calibration"})},
             "flat": {"manifest.json": json.dumps({"status": "complete"}), "runs.parquet": "PAR1"},
             "broken": {"manifest.json": "{not json"}}
    found = {"empty": "found no manifest.json", "calibration": "found the results of a calibration",
             "flat": "found the flat tables (runs.parquet) of a run by an older simcommerce",
             "broken": "not readable JSON"}
    for name, files in cases.items():
        d = tmp_path / name
        d.mkdir()
        for f, text in files.items():
            (d / f).write_text(text)
        assert cli.main(["compare", str(d), "--out", str(tmp_path / "r.html")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {d}: expected a results folder of simcommerce run or simcommerce experiment")
        assert found[name] in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


# ---------------------------------------------------------------------------------------------- scipy intervals

def test_scipy_intervals_equal_the_textbook_formulas():
    """t_ci, welch_ci (scipy.stats) against the formulas by hand; Holm and Bonferroni on a worked example."""
    from simcommerce.stats import holm, t_ci, t_pvalue

    x = np.array([3.1, 4.7, 2.2, 5.9, 4.4])
    y = np.array([1.0, 2.5, 1.5, 3.0, 2.0, 4.5, 0.5])
    m, lo, hi, n = t_ci(x)
    half = stats_t.ppf(0.975, 4) * x.std(ddof=1) / np.sqrt(5)
    assert (m, n) == (pytest.approx(4.06), 5) and lo == pytest.approx(4.06 - half) and hi == pytest.approx(4.06 + half)
    assert t_ci(x, 0.9)[2] == pytest.approx(4.06 + stats_t.ppf(0.95, 4) * x.std(ddof=1) / np.sqrt(5))
    a, b = x.var(ddof=1) / 5, y.var(ddof=1) / 7
    df = (a + b) ** 2 / (a**2 / 4 + b**2 / 6)
    d, wlo, whi, wdf = welch_ci(x, y)
    assert d == pytest.approx(x.mean() - y.mean()) and wdf == pytest.approx(df)
    assert wlo == pytest.approx(d - stats_t.ppf(0.975, df) * np.sqrt(a + b))
    assert whi == pytest.approx(d + stats_t.ppf(0.975, df) * np.sqrt(a + b))
    tstat = x.mean() / (x.std(ddof=1) / np.sqrt(5))
    assert t_pvalue(x) == pytest.approx(2 * stats_t.sf(tstat, 4))
    assert t_ci([2.0, 2.0, 2.0])[1:3] == (2.0, 2.0) and t_pvalue([0.0, 0.0]) == 1.0
    # Holm: sorted p 0.01, 0.02, 0.04 (+ NaN, not counted) -> 3·0.01, max(0.03, 2·0.02), max(0.04, 1·0.04)
    assert np.allclose(holm([0.04, 0.01, np.nan, 0.02]), [0.04, 0.03, np.nan, 0.04], equal_nan=True)
    assert np.allclose(holm([0.5, 0.4]), [0.8, 0.8])  # monotone: never below an earlier step
    # summarise: K = 2 comparisons -> Holm over 2, Bonferroni intervals at 97.5%
    runs = pd.DataFrame({"policy": ["ref"] * 4 + ["new"] * 4, "replication": [0, 1, 2, 3] * 2,
                         "y": [1.0, 2, 3, 4, 2, 4, 4, 6], "z": [5.0, 5, 6, 6, 5, 6, 6, 5]})
    s = summarise(runs, ["y", "z"], "ref").set_index(["policy", "metric"])
    assert (s["comparisons"] == 2).all()
    dy, dz = np.array([1.0, 2, 1, 2]), np.array([0.0, 1, 0, -1])
    p = [t_pvalue(dy), t_pvalue(dz)]
    assert s.loc[("new", "y"), "diff_p"] == pytest.approx(p[0])
    assert list(s.loc[[("new", "y"), ("new", "z")], "diff_p_holm"]) == pytest.approx(list(holm(p)))
    adj_half = stats_t.ppf(1 - 0.05 / 4, 3) * dy.std(ddof=1) / 2
    assert s.loc[("new", "y"), "adj_ci_low"] == pytest.approx(1.5 - adj_half)
    assert s.loc[("new", "y"), "adj_ci_high"] == pytest.approx(1.5 + adj_half)
    assert np.isnan(s.loc[("ref", "y"), "diff_p"]) and np.isnan(s.loc[("ref", "y"), "adj_ci_low"])


def test_merge_names_clashing_run_policies_after_their_folders():
    """The README's tour: folders baseline/ and referral/ both hold a run of a scenario named baseline -> policies
    baseline and referral; a clash a folder name cannot solve (two experiments) -> folder/policy."""
    from simcommerce.store import merge_results

    def store(folder, policies, reference=None):
        runs = pd.DataFrame({"policy": policies, "replication": 0, "y": 1.0})
        return {"dir": Path("/x") / folder, "manifest": {}, "runs": runs, "market": None, "brands": None,
                "events": None, "promoters": None,
                "experiment": {"name": folder, "reference": reference or policies[0]}}

    m = merge_results([store("baseline", ["baseline"]), store("referral", ["baseline"])])
    assert list(m["runs"]["policy"]) == ["baseline", "referral"] and m["experiment"]["reference"] == "baseline"
    m = merge_results([store("e1", ["a", "b"]), store("e2", ["a", "c"]), store("r", ["c"])])
    assert list(m["runs"]["policy"]) == ["e1/a", "b", "e2/a", "e2/c", "r"]
    assert m["experiment"]["reference"] == "e1/a" and m["experiment"]["name"] == "e1 + e2 + r"
