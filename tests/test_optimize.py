"""simcommerce optimize: the file is checked, and the search finds the best referral commission of the example
market (experiments/optimize/market.yaml, where profit is concave in the rate)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from simcommerce.cli import main
from simcommerce.optimize import load_optimization, specs_for
from simcommerce.scenario import resolve_scenario
from simcommerce.spec import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
MARKET = ROOT / "experiments" / "optimize" / "market.yaml"
LEVER = "brands.Glow.policy.referral.rates.0"


def _write(tmp_path, body: str) -> Path:
    f = tmp_path / "opt.yaml"
    f.write_text(f"base: {MARKET}\n" + body)
    return f


@pytest.mark.parametrize("body, path, expected", [
    ("levers: {}\n", "levers", "at least 1 key"),
    (f"levers: {{{LEVER}: {{min: 0.5, max: 0.1}}}}\n", f"levers.{LEVER}", "min < max"),
    (f"levers: {{{LEVER}: {{min: 0.0, max: 2.0}}}}\n", f"levers.{LEVER}", "valid values"),
    ("levers: {brands.Glow.policy.referal.rates.0: {min: 0.0, max: 0.5}}\n", "levers.brands.Glow.policy.referal",
     "valid values"),
    (f"brand: Lux\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "brand", "one of Glow"),
    (f"max_spend: -1\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "max_spend", "a number between 0.01 and"),
    (f"seeds: 1\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "seeds", "between 2 and 100"),
    (f"budgt: 10\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "budgt", "did you mean 'budget'"),
    (f"budget: 3\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "budget", "from 2 x seeds (6)"),
    (f"fixed: [steps]\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "fixed", "a mapping of keys"),
    (f"fixed: {{stepz: 30}}\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "fixed.stepz", "did you mean 'steps'"),
    (f"levers: {{{LEVER}: {{min: 0.0, max: 0.5, step: 0.1}}}}\n", f"levers.{LEVER}.step", "valid keys: max, min"),
    (f"levers: {{{LEVER}: {{min: 0.0, max: .inf}}}}\n", f"levers.{LEVER}.max", "finite number"),
    (f"sampler: grid\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n", "sampler", "tpe, cmaes, random"),
])
def test_bad_files_name_file_key_and_expectation(tmp_path, capsys, body, path, expected):
    f = _write(tmp_path, body)
    with pytest.raises(ScenarioError) as exc:
        load_optimization(f)
    assert str(f) in str(exc.value) and exc.value.path.startswith(path.split(".referal")[0]) \
        and expected in str(exc.value), str(exc.value)
    assert main(["check", str(f)]) == 2  # check knows optimisation files
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(f) in err and expected in err


def test_check_accepts_the_example(capsys):
    assert main(["check", str(ROOT / "experiments" / "optimize" / "best_commission.yaml")]) == 0
    assert "optimisation 'best_commission' for Glow: 1 lever(s)" in capsys.readouterr().out


@pytest.mark.slow
def test_finds_the_best_commission(tmp_path, capsys):
    """A grid on the same market and seeds (100-102; 8 rates from 0 to 0.6) peaks at rates 0.2-0.3 (profit
    +¥1,600 over no commission; 0 and 0.6 are the lowest): the search, 10 candidates, finds a rate within 0.1 of
    that peak, better than the base policy (rate 0), and the flat set holds it."""
    f = _write(tmp_path, f"levers: {{{LEVER}: {{min: 0.0, max: 0.6}}}}\nseeds: 3\nseed: 100\nbudget: 30\n"
               "max_spend: 20000\n")
    out = tmp_path / "out"
    assert main(["optimize", str(f), "--out", str(out), "--workers", "2"]) == 0
    best = json.loads((out / "best.json").read_text())
    rate = best["best"]["levers"][LEVER]
    assert 0.1 <= rate <= 0.4, best
    assert best["best"]["profit"] > best["base"]["profit"]
    lo, hi = best["flat"]["levers"][LEVER]
    assert lo <= rate <= hi and best["flat"]["candidates"] >= 1
    trials = pd.read_parquet(out / "trials.parquet")
    assert len(trials) == 11 and (trials["trial"] == -1).sum() == 1  # 10 candidates and the base policy
    assert trials.filter(like="profit_r").shape[1] == 3
    html = (out / "report.html").read_text()
    assert "Best: " in html and "plotly" in html and '<script src="http' not in html
    assert "Best: " in capsys.readouterr().out


def test_a_list_level_lever_works_where_the_base_file_leaves_the_list_default(tmp_path):
    """The baseline does not write Glow's referral rates: the lever rates.0 still resolves (the default list is
    written into ``fixed``), and each candidate's level 1 is the searched value."""
    f = tmp_path / "opt.yaml"
    f.write_text(f"base: {ROOT / 'scenarios' / 'baseline.yaml'}\nlevers: {{{LEVER}: {{min: 0.0, max: 0.5}}}}\n")
    opt = load_optimization(f)
    assert opt.fixed["brands.Glow.policy.referral.rates"] == [0.0]
    spec = specs_for(opt, 0, {LEVER: 0.3})[0]
    sc = resolve_scenario(opt.base_data, overrides=spec.overrides)
    assert sc["brands"][0]["policy"]["referral"]["rates"] == [0.3]
