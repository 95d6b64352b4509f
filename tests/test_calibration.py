"""simcommerce calibrate: recovery of known parameters, what is not identified, resume, bad files, and an
experiment that draws its uncertainties from a calibration."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simcommerce.cli import main
from simcommerce.runner import run_once
from simcommerce.scenario import load_scenario

pytest.importorskip("optuna")

MARKET = """\
name: tiny
seed: 7
steps: 42
population: {consumers: 1500, daily_active_share: 0.6}
network:
  friendship: {model: holme_kim, mean_degree: 8, triangle_prob: 0.5}
influencers:
  counts: {nano: 4, micro: 2, macro: 0, mega: 0}
brands:
  - name: Glow
    products:
      - {name: serum, category: beauty, price: 199, cost: 60, quality: 0.7, claimed_quality: 0.8}
    policy:
      ads: {impressions_per_day: 1500, targeting: interest, precision: 0.7}
      referral: {rates: [0.1]}
mechanisms:  # shares as direct messages, each read (the defaults before attention was calibrated): more signal
  word_of_mouth: {reach: random_friends, attention: 1.0}
"""
TRUE = {"mechanisms.decision.intent_rate": 0.03, "population.share_propensity": 0.45, "mechanisms.ads.attention": 0.03}
COLUMNS = ["new_orders", "new_shares", "new_ads_noticed"]
BOUNDS = {"mechanisms.decision.intent_rate": {"min": 0.005, "max": 0.2, "prior": "log_uniform"},
          "population.share_propensity": {"min": 0.02, "max": 1.0},
          "mechanisms.ads.attention": {"min": 0.002, "max": 0.2, "prior": "log_uniform"},
          # the platform's commission changes the brand's profit, not what consumers do: the observed counts
          # cannot identify it
          "platform.take_rate": {"min": 0.01, "max": 0.3}}


SMALL = {"population": {"consumers": 600}, "steps": 21}  # for the tests of the machinery, not of the fit


def write_case(folder: Path, observed_seed: int = 101, market: dict | None = None, **extra) -> Path:
    """market.yaml, observed.csv (one run at TRUE, a seed the fit never uses) and fit.yaml in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(MARKET)
    for key, value in (market or {}).items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    (folder / "market.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    market = run_once(load_scenario(folder / "market.yaml", overrides=TRUE), 0, observed_seed).market
    market[["day", *COLUMNS]].to_csv(folder / "observed.csv", index=False)
    cal = {"name": "tiny_fit", "base": "market.yaml", "parameters": BOUNDS,
           "targets": {"observed": "observed.csv", "period_days": 7}, "holdout": {"days": 7},
           "seeds": 2, "seed": 1, "budget": 130, **extra}
    (folder / "fit.yaml").write_text(yaml.safe_dump(cal, sort_keys=False))
    return folder / "fit.yaml"


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    """The recovery case calibrated once through the CLI (in-process, one worker)."""
    folder = tmp_path_factory.mktemp("recovery")
    fit = write_case(folder)
    assert main(["-q", "calibrate", str(fit), "--out", str(folder / "out"), "--workers", "1"]) == 0
    return folder


@pytest.mark.slow
def test_calibration_recovers_known_parameters_and_flags_what_it_cannot(recovered):
    est = pd.read_csv(recovered / "out" / "estimates.csv").set_index("parameter")
    assert list(est.columns[:3]) == ["estimate", "low", "high"]
    for key, truth in TRUE.items():
        row = est.loc[key]
        assert row.low <= truth <= row.high, (key, row.to_dict())  # the 95% interval covers the truth
        assert row.identified, key
    # the two ad/intent rates are pinned within a factor of 1.6 either side; the share propensity within ±0.3
    for key in ("mechanisms.decision.intent_rate", "mechanisms.ads.attention"):
        assert est.loc[key, "high"] / est.loc[key, "low"] < 2.6, est.loc[key].to_dict()
    assert est.loc["population.share_propensity", "high"] - est.loc["population.share_propensity", "low"] < 0.6
    unobserved = est.loc["platform.take_rate"]
    assert not unobserved.identified and unobserved.interval_share_of_bounds > 0.5
    # the bound check: moving the commission alone changes nothing observed; each fitted rate matters somewhere
    assert unobserved.rise_to_low == unobserved.rise_to_high == 0.0
    for key in TRUE:
        assert max(est.loc[key, "rise_to_low"], est.loc[key, "rise_to_high"]) > 2, est.loc[key].to_dict()
    assert len(pd.read_parquet(recovered / "out" / "checks.parquet")) == 2 * len(BOUNDS) + 1
    report = (recovered / "out" / "report.html").read_text()
    assert "not identified" in report and "Observed vs simulated" in report and "held out" in report
    assert '<script src="http' not in report and "Plotly.newPlot" in report  # offline: plotly.js inlined


@pytest.mark.slow
def test_calibrated_scenario_runs_and_holds_the_estimates(recovered):
    out = recovered / "out"
    est = pd.read_csv(out / "estimates.csv").set_index("parameter")["estimate"]
    sc = load_scenario(out / "calibrated.yaml")
    assert sc["mechanisms"]["decision"]["intent_rate"] == pytest.approx(est["mechanisms.decision.intent_rate"])
    assert sc["population"]["share_propensity"] == pytest.approx(est["population.share_propensity"])
    assert main(["-q", "run", str(out / "calibrated.yaml"), "--out", str(recovered / "run"), "--no-report"]) == 0
    trials = pd.read_parquet(out / "trials.parquet")
    assert len(trials) == 65 and trials["loss"].notna().all()
    assert (trials["loss_holdout"] > 0).all()  # the held-out week is scored apart
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "calibration" and manifest["status"] == "done"


@pytest.mark.slow
def test_experiment_draws_uncertainties_from_a_calibration(recovered):
    from simcommerce.experiment import design, load_experiment

    exp_file = recovered / "exp.yaml"
    exp_file.write_text(textwrap.dedent("""\
        base: market.yaml
        replications: 2
        policies: {none: {}, referral_20: {brands.Glow.policy.referral.rates: [0.2]}}
        metrics: [cum_orders]
        uncertainties: {from_calibration: out, samples: 6}
        """))
    exp = load_experiment(exp_file)
    assert len(exp.points) == 6 and len(design(exp)) == 2 * 6 * 2
    est = pd.read_csv(recovered / "out" / "estimates.csv").set_index("parameter")
    values = pd.DataFrame(exp.points)
    assert set(values.columns) == set(BOUNDS)
    for key, row in est.iterrows():
        assert values[key].between(row.bound_low, row.bound_high).all()
        assert values[key].nunique() > 1  # draws, not the estimate repeated
    # an identified parameter's draws stay near its estimate; the unidentified one's spread over its bounds
    ir = values["mechanisms.decision.intent_rate"]
    assert ir.between(est.loc[ir.name, "low"] / 1.5, est.loc[ir.name, "high"] * 1.5).all()


def test_the_bound_check_overrules_a_spurious_curvature():
    """A search's candidates are not a design: here the losses curve in ``b`` (as when the sampler draws good
    values of everything together), but the check, with ``b`` alone at its bounds, finds no rise. ``b`` is then
    not identified and its interval spans the bounds; ``a``, whose loss does rise toward both bounds, keeps its
    interval; a side that rises too little reaches its bound on that side only."""
    from simcommerce.calibration import Calibration, Parameter, estimates

    cal = Calibration(name="t", description="", file="t.yaml", base="m.yaml", base_data={}, scenario={},
                      parameters=[Parameter("a", 0.0, 1.0), Parameter("b", 0.0, 1.0), Parameter("c", 0.0, 1.0)],
                      metrics=[], by_brand=False, period_days=7, observed=None, statistics={}, holdout_days=0,
                      holdout_statistics=[], seeds=2, seed=1, budget=400, sampler="tpe", batch=None)
    rng = np.random.default_rng(3)
    U = rng.random((200, 3))
    loss = 200 * (U[:, 0] - 0.4) ** 2 + 60 * (U[:, 1] - 0.5) ** 2 + 200 * (U[:, 2] - 0.5) ** 2
    trials = pd.DataFrame({"a": U[:, 0], "b": U[:, 1], "c": U[:, 2], "loss": loss + rng.normal(0, 0.2, 200)})
    plain = estimates(cal, trials).set_index("parameter")
    assert plain.loc["b", "identified"]  # what the search's candidates alone would say
    checks = pd.DataFrame({"parameter": ["", "a", "a", "b", "b", "c", "c"],
                           "side": ["estimate", "low", "high", "low", "high", "low", "high"],
                           "value": [np.nan, 0, 1, 0, 1, 0, 1], "loss": [10.0, 40, 80, 10.0, 10.5, 11.0, 60]})
    est = estimates(cal, trials, checks).set_index("parameter")
    assert not est.loc["b", "identified"] and (est.loc["b", "low"], est.loc["b", "high"]) == (0.0, 1.0)
    assert est.loc["b", "rise_to_high"] == pytest.approx(0.5)
    assert est.loc["a", ["low", "high"]].tolist() == plain.loc["a", ["low", "high"]].tolist()
    assert est.loc["c", "low"] == 0.0 and est.loc["c", "high"] == plain.loc["c", "high"] < 1.0


def test_a_killed_calibration_resumes_keeping_its_candidates(tmp_path):
    from simcommerce.calibration import calibrate, load_calibration
    from simcommerce.executors import execute

    fit = write_case(tmp_path, market=SMALL, budget=8)
    cal = load_calibration(fit)
    out = tmp_path / "out"
    assert main(["-q", "calibrate", str(fit), "--out", str(out), "--workers", "1"]) == 0
    full = pd.read_parquet(out / "trials.parquet")

    calls = []

    def dies_after_one_batch(specs):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        for s in specs:
            _, m, b, _ = execute(s, cal.base_data)
            yield s, m, b

    killed = tmp_path / "killed"
    from simcommerce.calibration import start_manifest

    start_manifest(cal, killed, False, "test")
    with pytest.raises(KeyboardInterrupt):
        calibrate(cal, killed, dies_after_one_batch, batch=3)
    first = pd.read_parquet(killed / "trials.parquet")
    assert len(first) == 3
    assert main(["-q", "calibrate", str(fit), "--out", str(killed), "--workers", "1"]) == 2  # refused without --resume
    assert main(["-q", "calibrate", str(fit), "--out", str(killed), "--workers", "1", "--resume"]) == 0
    resumed = pd.read_parquet(killed / "trials.parquet")
    assert len(resumed) == len(full) == 4
    keys = list(BOUNDS)
    pd.testing.assert_frame_equal(resumed.loc[:2, keys], first[keys])  # the finished candidates were kept
    assert (killed / "estimates.csv").is_file() and (killed / "report.html").is_file()


def test_statistics_targets_pull_the_estimate_to_the_target(tmp_path):
    """A summary-statistic target alone: the shares-per-order ratio measured at share propensity 0.6 brings
    the estimate of the propensity to about 0.6, with an interval far narrower than the bounds (the tolerance
    is about the noise of a two-run mean of this small market)."""
    (tmp_path / "market.yaml").write_text(MARKET.replace("consumers: 1500", "consumers: 1000").replace("steps: 42",
                                                                                                       "steps: 28"))
    sc = load_scenario(tmp_path / "market.yaml", overrides={"population.share_propensity": 0.6})
    last = [run_once(sc, 0, s).market.iloc[-1] for s in (1, 2)]
    target = float(np.mean([x["cum_shares"] / x["cum_orders"] for x in last]))
    cal = {"base": "market.yaml", "parameters": {"population.share_propensity": {"min": 0.02, "max": 1.0}},
           "targets": {"statistics": {"forwards_per_order": {"value": target, "tolerance": 0.06}}},
           "seeds": 2, "seed": 1, "budget": 24}
    (tmp_path / "fit.yaml").write_text(yaml.safe_dump(cal))
    assert main(["-q", "calibrate", str(tmp_path / "fit.yaml"), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    est = pd.read_csv(tmp_path / "out" / "estimates.csv").iloc[0]
    assert est.low - 0.05 <= 0.6 <= est.high + 0.05, est.to_dict()
    assert est.high - est.low < 0.45 and est.identified, est.to_dict()
    trials = pd.read_parquet(tmp_path / "out" / "trials.parquet")
    assert trials["stat:forwards_per_order"].corr(trials["population.share_propensity"]) > 0.8


BAD = [  # (YAML of the calibration file, key path named in the message, words of the expectation)
    ("base: market.yaml\nparamters: {}\n", "paramters", "did you mean 'parameters'"),
    ("base: nowhere.yaml\nparameters: {population.share_propensity: {min: 0, max: 1}}\ntargets: {observed: o.csv}\n",
     "base", "existing scenario file"),
    ("base: market.yaml\nparameters: {population.share_propensity: {min: 0.5, max: 0.1}}\ntargets: {observed: o.csv}\n",
     "parameters.population.share_propensity", "min < max"),
    ("base: market.yaml\nparameters: {population.share_propensity: {min: 0.1, max: 2}}\ntargets: {observed: o.csv}\n",
     "parameters.population.share_propensity", "valid values"),
    ("base: market.yaml\nparameters: {population.share_propensty: {min: 0.1, max: 0.9}}\ntargets: {observed: o.csv}\n",
     "parameters.population.share_propensty", "valid values"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0, max: 0.1, prior: log_uniform}}\n"
     "targets: {observed: o.csv}\n", "parameters.mechanisms.ads.attention.min", "> 0 with a log_uniform prior"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1, prior: normal}}\n"
     "targets: {observed: o.csv}\n", "parameters.mechanisms.ads.attention.prior", "one of uniform, log_uniform"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\ntargets: {observed: none.csv}\n",
     "targets.observed", "existing CSV file"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: o.csv, metrics: [new_ordres]}\n", "targets.metrics[0]", "did you mean 'new_orders'"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: short.csv}\n", "targets.observed", "every day from 1 to 42"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: o.csv}\nholdout: {days: 10}\n", "holdout.days", "multiple of period_days"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {statistics: {forwards_per_ordr: {value: 0.3, tolerance: 0.1}}}\n",
     "targets.statistics.forwards_per_ordr", "did you mean 'forwards_per_order'"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {statistics: {forwards_per_order: {value: 0.3, tolerance: 0}}}\n",
     "targets.statistics.forwards_per_order.tolerance", "> 0"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: o.csv}\nseeds: 1\n", "seeds", "between 2 and 100"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: o.csv}\nbudget: 3\n", "budget", "2 x seeds"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: o.csv}\nsampler: grid\n", "sampler", "tpe, cmaes, random"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\ntargets: {period_days: 7}\n",
     "targets", "'observed' (a CSV file) and/or 'statistics'"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n", "targets",
     "'observed' (a CSV file) and/or 'statistics'"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {statistics: {forwards_per_order: {value: 0.3, tolerance: 0.1}}, metrics: [new_orders]}\n",
     "targets.metrics", "no 'metrics' without 'observed'"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: o.csv, metrics: []}\n", "targets.metrics", "non-empty list"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1, step: 0.01}}\n"
     "targets: {observed: o.csv}\n", "parameters.mechanisms.ads.attention.step", "valid keys: max, min, prior"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: [0.01, 0.1]}\ntargets: {observed: o.csv}\n",
     "parameters.mechanisms.ads.attention", "a mapping of keys"),
    ("parameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\ntargets: {observed: o.csv}\n", "base",
     "the required key 'base'"),
    ("base: market.yaml\nparameters: {mechanisms.ads.attention: {min: 0.01, max: 0.1}}\n"
     "targets: {observed: o.csv}\nholdout: {days: 7, statistics: [forwards_per_order]}\n", "holdout.statistics",
     "target statistics to keep out"),
]


@pytest.mark.parametrize("text,key,words", BAD, ids=[b[1] + ":" + b[2][:20] for b in BAD])
def test_bad_calibration_files_get_one_line_naming_the_key(tmp_path, capsys, text, key, words):
    (tmp_path / "market.yaml").write_text(MARKET)
    pd.DataFrame({"day": range(1, 43), "new_orders": 1}).to_csv(tmp_path / "o.csv", index=False)
    pd.DataFrame({"day": range(1, 30), "new_orders": 1}).to_csv(tmp_path / "short.csv", index=False)
    fit = tmp_path / "fit.yaml"
    fit.write_text(text)
    for argv in (["check", str(fit)], ["calibrate", str(fit), "--out", str(tmp_path / "out")]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "Traceback" not in err, err
        assert str(fit) in err and f"'{key}'" in err and words in err, err
    assert not (tmp_path / "out").exists()  # nothing written for a bad file
