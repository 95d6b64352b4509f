"""Results folders written by ``simcommerce run``: manifest, tidy Parquet tables, report, reproducibility."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from simcommerce import cli
from simcommerce.mechanisms import REGISTRY
from simcommerce.results import TABLES, load_results

SCENARIO = """\
name: results-test
description: two brands, a few ads, tiny
seed: 5
steps: 6
population:
  consumers: 300
network:
  friendship: {model: holme_kim, mean_degree: 6}
influencers:
  counts: {nano: 4, micro: 2, macro: 1, mega: 0}
brands:
  - name: Glow
    products: [{name: serum, category: beauty, price: 20, cost: 5, quality: 0.7}]
    policy:
      ads: {impressions_per_day: 300}
  - name: Dull
    products: [{name: soap, category: home, price: 3, quality: 0.4}]
    policy:
      ads: {impressions_per_day: 100}
"""
STEPS, REPS, BRANDS = 6, 2, ["Glow", "Dull"]
EXPECTED_FILES = {"manifest.json", "market.parquet", "brands.parquet", "runs.parquet", "report.html"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "results.yaml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory, scenario_file) -> dict[str, Path]:
    """Three results folders: A and B with the same seed (A with the report), C with another seed."""
    root = tmp_path_factory.mktemp("results")
    folders = {}
    for name, seed, extra in (("a", "5", []), ("b", "5", ["--no-report"]), ("c", "6", ["--no-report"])):
        out = root / name
        rc = cli.main(["run", str(scenario_file), "--out", str(out), "--replications", str(REPS),
                       "--seed", seed, *extra])
        assert rc == 0
        folders[name] = out
    return folders


@pytest.fixture(scope="module")
def tables(runs) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(runs["a"] / f"{t}.parquet") for t in TABLES}


@pytest.mark.slow
@pytest.mark.slow
def test_folder_holds_exactly_the_results(runs):
    names = {p.name for p in runs["a"].iterdir()}
    assert names == EXPECTED_FILES
    for folder in runs.values():
        leftovers = [p.name for p in folder.rglob("*") if "partial" in p.name or p.name.startswith(".")]
        assert leftovers == []


@pytest.mark.slow
def test_manifest(runs, scenario_file):
    m = json.loads((runs["a"] / "manifest.json").read_text())
    assert m["status"] == "complete"
    assert m["seeds"] == [5, 6] and m["replications"] == REPS
    v = m["versions"]
    for pkg in ("python", "simcommerce", "mesa", "numpy", "pandas", "pyarrow", "plotly", "networkx"):
        assert v.get(pkg), pkg
    assert v["mesa"].startswith("3.")
    assert m["timings"]["total_seconds"] >= 0 and len(m["timings"]["runs"]) == REPS
    # the scenario as resolved: every default filled in
    sc = m["scenario"]
    assert sc["name"] == "results-test" and sc["steps"] == STEPS
    assert sc["population"]["consumers"] == 300
    assert sc["population"]["daily_active_share"] == 0.6
    assert set(sc["mechanisms"]) == set(REGISTRY)
    assert all("enabled" in block for block in sc["mechanisms"].values())
    assert [b["name"] for b in sc["brands"]] == BRANDS
    assert sc["brands"][0]["products"][0]["claimed_quality"] == 0.7
    assert sc["brands"][0]["policy"]["ads"]["impressions_per_day"] == 300
    assert Path(sc["source"]) == scenario_file
    # the table index matches the files
    for t in TABLES:
        assert m["tables"][t]["file"] == f"{t}.parquet"
        assert m["tables"][t]["rows"] == len(pd.read_parquet(runs["a"] / f"{t}.parquet"))


@pytest.mark.slow
def test_market_table_one_row_per_run_and_day(tables):
    df = tables["market"]
    assert len(df) == REPS * STEPS
    assert not df.duplicated(["run", "day"]).any()
    for run, group in df.groupby("run"):
        assert group["day"].tolist() == list(range(1, STEPS + 1))
        assert group["seed"].nunique() == 1 and group["seed"].iloc[0] == 5 + run
    assert sorted(df["run"].unique()) == [0, 1]
    for col in ("cum_orders", "cum_gmv", "n_aware", "mean_trust"):
        assert col in df.columns
    assert (df.groupby("run")["cum_orders"].diff().dropna() >= 0).all()  # cumulative
    assert df["cum_orders"].max() > 0  # the tiny market does trade


@pytest.mark.slow
def test_brands_table_one_row_per_run_day_brand(tables):
    df = tables["brands"]
    assert len(df) == REPS * STEPS * len(BRANDS)
    assert not df.duplicated(["run", "day", "brand"]).any()
    assert set(df["brand"]) == set(BRANDS)
    assert set(df["day"]) == set(range(1, STEPS + 1))
    # brand rows add up to the market
    m = tables["market"].set_index(["run", "day"])
    summed = df.groupby(["run", "day"])["cum_orders"].sum()
    assert (summed == m["cum_orders"]).all()


@pytest.mark.slow
def test_runs_table_one_row_per_run(tables):
    df = tables["runs"]
    assert len(df) == REPS
    assert df["run"].tolist() == [0, 1] and df["seed"].tolist() == [5, 6]
    last = tables["market"].sort_values("day").groupby("run").tail(1).set_index("run")
    for col in ("cum_orders", "cum_gmv", "n_aware"):
        assert df.set_index("run")[col].tolist() == last[col].tolist()
    assert (df["days"] == STEPS).all() and (df["consumers"] == 300).all()


@pytest.mark.slow
def test_load_results_round_trip(runs, tables):
    manifest, loaded = load_results(runs["a"])
    assert manifest["status"] == "complete"
    assert set(loaded) == set(TABLES)
    for t in TABLES:
        pd.testing.assert_frame_equal(loaded[t], tables[t])


@pytest.mark.slow
def test_report_is_self_contained(runs):
    path = runs["a"] / "report.html"
    html = path.read_text(encoding="utf-8")
    assert path.stat().st_size > 1_000_000  # plotly.js (~3-5 MB) is inside
    assert html.count("plotly.js v") == 1  # the library, inlined once
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I), "a <script src=...> needs the network"
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", html, re.I), "an external stylesheet"
    assert html.count("Plotly.newPlot") >= 3
    assert "results-test" in html and "Glow" in html


@pytest.mark.slow
def test_same_seed_gives_byte_identical_tables(runs):
    for t in TABLES:
        assert sha(runs["a"] / f"{t}.parquet") == sha(runs["b"] / f"{t}.parquet"), t


@pytest.mark.slow
def test_different_seed_gives_different_tables(runs):
    for t in TABLES:
        assert sha(runs["a"] / f"{t}.parquet") != sha(runs["c"] / f"{t}.parquet"), t
    a = pd.read_parquet(runs["a"] / "market.parquet").drop(columns=["seed"])
    c = pd.read_parquet(runs["c"] / "market.parquet").drop(columns=["seed"])
    assert not a.equals(c)  # the simulated values differ, not just the seed column
    assert json.loads((runs["c"] / "manifest.json").read_text())["seeds"] == [6, 7]


@pytest.mark.slow
def test_replication_r_equals_a_single_run_with_seed_plus_r(runs, scenario_file, tmp_path):
    """Run r of a batch uses root seed seed+r: a lone run with that seed reproduces it."""
    out = tmp_path / "single"
    assert cli.main(["run", str(scenario_file), "--out", str(out), "--seed", "6", "--no-report"]) == 0
    single = pd.read_parquet(out / "market.parquet").drop(columns=["run"])
    batch = pd.read_parquet(runs["a"] / "market.parquet")
    second = batch[batch["run"] == 1].drop(columns=["run"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(single, second)


def test_failed_table_write_leaves_nothing_that_looks_complete(scenario_file, tmp_path, monkeypatch):
    """A crash while writing the tables (disk full) leaves no complete-looking table or manifest."""
    import pyarrow.parquet as pq

    real = pq.write_table
    calls = []

    def flaky(table, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # the second table: write half a file, then fail
            Path(path).write_bytes(b"PAR1 half a table")
            raise OSError(28, "No space left on device")
        return real(table, path, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", flaky)
    out = tmp_path / "out"
    try:
        rc = cli.main(["run", str(scenario_file), "--out", str(out), "--no-report"])
    except OSError:
        rc = None
    assert rc != 0
    assert len(calls) == 2
    second = Path(calls[1]).name  # e.g. ".brands.parquet.partial"
    final = next(f"{t}.parquet" for t in TABLES if f"{t}.parquet" in second)
    assert not (out / final).exists(), "a half-written table under its final name"
    assert not (out / "report.html").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] != "complete"


def test_interrupted_run_is_marked(scenario_file, tmp_path, monkeypatch, capsys):
    import simcommerce.runner as runner

    real = runner.run_once

    def interrupt_second(scenario, run, seed, progress=None, profile=None):
        if run == 1:
            raise KeyboardInterrupt
        return real(scenario, run, seed, progress, profile)

    monkeypatch.setattr(runner, "run_once", interrupt_second)
    out = tmp_path / "out"
    rc = cli.main(["run", str(scenario_file), "--out", str(out), "--replications", "2", "--no-report"])
    assert rc == 130
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert not any((out / f"{t}.parquet").exists() for t in TABLES)
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_keeps_finished_replications_and_resume_finishes_them(tmp_path):
    """A real SIGINT to ``simcommerce run`` once a replication has finished: exit 130, one line, the finished
    replications kept; ``--resume`` then runs only the others, and the tables equal an uninterrupted run's."""
    import hashlib
    import os
    import signal
    import subprocess
    import sys
    import time

    sc = tmp_path / "sc.yaml"
    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    sc.write_text(baseline.read_text().replace("consumers: 20000", "consumers: 3000"))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    cmd = [sys.executable, "-m", "simcommerce.cli", "run", str(sc), "--replications", "6", "--no-report"]
    proc = subprocess.Popen([*cmd, "--out", str(tmp_path / "cut")], stderr=subprocess.PIPE, text=True, env=env)
    first = tmp_path / "cut" / "replications" / "r00000-brands.parquet"
    deadline = time.monotonic() + 120
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1].strip()
    assert proc.returncode == 130, err
    assert err.startswith("interrupted:") and "--resume" in err and len(err.splitlines()) == 1, err
    kept = len(list((tmp_path / "cut" / "replications").glob("*-brands.parquet")))
    assert 1 <= kept < 6
    resumed = subprocess.run([*cmd, "--out", str(tmp_path / "cut"), "--resume"], capture_output=True, text=True,
                             env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert not (tmp_path / "cut" / "replications").exists()
    clean = subprocess.run([*cmd, "--out", str(tmp_path / "clean")], capture_output=True, text=True, env=env)
    assert clean.returncode == 0, clean.stderr
    for t in ("market", "brands", "runs"):
        a, b = ((tmp_path / d / f"{t}.parquet").read_bytes() for d in ("cut", "clean"))
        assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest(), t


@pytest.mark.slow
def test_the_report_of_one_replication_has_no_nan_and_says_why_there_is_no_band(scenario_file, tmp_path):
    out = tmp_path / "one"
    assert cli.main(["run", str(scenario_file), "--out", str(out)]) == 0
    text = (out / "report.html").read_text()
    table = text[text.index("<h2>End of run</h2>"):text.index("</table>")]
    assert "NaN" not in table and ">value<" in table and ">std<" not in table
    assert "one run: a line, no band" in text
    assert '"fill":"toself"' not in text  # no band drawn around a single run
    assert '"title":{"text":"currency units"}' in text and '"tickformat":",.0f"' in text
    out5 = tmp_path / "five"
    assert cli.main(["run", str(scenario_file), "--out", str(out5), "--replications", "3"]) == 0
    text5 = (out5 / "report.html").read_text()
    assert '"fill":"toself"' in text5 and "mean of 3 runs, band: min\\u2013max" in text5 and ">std<" in text5
