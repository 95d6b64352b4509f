"""Results folders written by ``simcommerce run``: a one-policy experiment store (manifest, tidy Parquet tables
partitioned by policy), the report, reproducibility."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from simcommerce import cli
from simcommerce.mechanisms import REGISTRY
from simcommerce.store import TABLES, load_results, read_table

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
EXPECTED_FILES = {"manifest.json", "market", "brands", "runs", "report.html", ".lock"}  # .lock: the store's lock
POLICY = "results-test"  # a run's one policy: the scenario's name


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_files(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of a store's table files."""
    return {str(f.relative_to(folder)): sha(f) for t in TABLES for f in sorted((folder / t).rglob("*.parquet"))}


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
    return {t: read_table(runs["a"], t) for t in TABLES}


@pytest.mark.slow
@pytest.mark.slow
def test_folder_holds_exactly_the_results(runs):
    names = {p.name for p in runs["a"].iterdir()}
    assert names == EXPECTED_FILES
    assert {p.name for p in (runs["a"] / "market").iterdir()} == {f"policy={POLICY}"}
    assert sorted(p.name for p in (runs["a"] / "runs" / f"policy={POLICY}").iterdir()) == [
        f"{POLICY}-p000-r00.parquet", f"{POLICY}-p000-r01.parquet"]
    for folder in runs.values():
        leftovers = [p.name for p in folder.rglob("*") if "partial" in p.name or
                     (p.name.startswith(".") and p.name != ".lock")]
        assert leftovers == []


@pytest.mark.slow
def test_manifest(runs, scenario_file):
    m = json.loads((runs["a"] / "manifest.json").read_text())
    assert m["status"] == "complete" and m["kind"] == "experiment"  # a one-policy experiment
    assert m["experiment"]["policies"] == {POLICY: {}} and m["experiment"]["reference"] == POLICY
    assert [r["seed"] for r in m["runs"].values()] == [5, 6] and m["experiment"]["replications"] == REPS
    assert all(r["status"] == "done" for r in m["runs"].values())
    v = m["versions"]
    for pkg in ("python", "simcommerce", "mesa", "numpy", "pandas", "pyarrow", "plotly", "networkx"):
        assert v.get(pkg), pkg
    assert v["mesa"].startswith("3.")
    assert m["timings"]["wall_seconds"] >= 0 and all(r["seconds"] > 0 for r in m["runs"].values())
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
        assert m["tables"][t] == f"{t}/policy=<name>/<run_id>.parquet"
        assert set(m["columns"][t]) == set(pd.read_parquet(runs["a"] / t).columns)


@pytest.mark.slow
def test_market_table_one_row_per_run_and_day(tables):
    df = tables["market"]
    assert len(df) == REPS * STEPS
    assert not df.duplicated(["replication", "day"]).any()
    for run, group in df.groupby("replication"):
        assert group["day"].tolist() == list(range(1, STEPS + 1))
        assert group["seed"].nunique() == 1 and group["seed"].iloc[0] == 5 + run
    assert sorted(df["replication"].unique()) == [0, 1] and (df["policy"] == POLICY).all()
    for col in ("cum_orders", "cum_gmv", "n_aware", "mean_trust"):
        assert col in df.columns
    assert (df.groupby("replication")["cum_orders"].diff().dropna() >= 0).all()  # cumulative
    assert df["cum_orders"].max() > 0  # the tiny market does trade


@pytest.mark.slow
def test_brands_table_one_row_per_run_day_brand(tables):
    df = tables["brands"]
    assert len(df) == REPS * STEPS * len(BRANDS)
    assert not df.duplicated(["replication", "day", "brand"]).any()
    assert set(df["brand"]) == set(BRANDS)
    assert set(df["day"]) == set(range(1, STEPS + 1))
    # brand rows add up to the market
    m = tables["market"].set_index(["replication", "day"])
    summed = df.groupby(["replication", "day"])["cum_orders"].sum()
    assert (summed == m["cum_orders"]).all()


@pytest.mark.slow
def test_runs_table_one_row_per_run(tables):
    df = tables["runs"]
    assert len(df) == REPS
    assert df["replication"].tolist() == [0, 1] and df["seed"].tolist() == [5, 6]
    last = tables["market"].sort_values("day").groupby("replication").tail(1).set_index("replication")
    for col in ("cum_orders", "cum_gmv", "n_aware"):
        assert df.set_index("replication")[col].tolist() == last[col].tolist()
    assert (df["days"] == STEPS).all() and (df["consumers"] == 300).all()


@pytest.mark.slow
def test_run_output_loads_with_the_experiment_loader(runs, tables):
    """The loader of experiment stores reads a run folder: the same tables as pandas' own hive reader."""
    loaded = load_results(runs["a"])
    assert loaded["manifest"]["status"] == "complete" and loaded["experiment"]["reference"] == POLICY
    assert loaded["events"] is None and loaded["promoters"] is None  # no referral in this scenario
    for t in TABLES:
        keys = ["run_id", *(c for c in ("day", "brand") if c in loaded[t])]
        mine = loaded[t].sort_values(keys, kind="stable").reset_index(drop=True)
        theirs = pd.read_parquet(runs["a"] / t).astype({"policy": str}).sort_values(keys, kind="stable")
        pd.testing.assert_frame_equal(mine, theirs.reset_index(drop=True), check_like=True)
        pd.testing.assert_frame_equal(mine, tables[t], check_like=True)
    assert len(loaded["runs"]) == REPS and len(loaded["market"]) == REPS * STEPS


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
    a = table_files(runs["a"])
    assert len(a) == len(TABLES) * REPS and a == table_files(runs["b"])


@pytest.mark.slow
def test_different_seed_gives_different_tables(runs):
    a, c = table_files(runs["a"]), table_files(runs["c"])
    assert a.keys() == c.keys() and all(a[k] != c[k] for k in a)
    a = read_table(runs["a"], "market").drop(columns=["seed"])
    c = read_table(runs["c"], "market").drop(columns=["seed"])
    assert not a.equals(c)  # the simulated values differ, not just the seed column
    assert [r["seed"] for r in json.loads((runs["c"] / "manifest.json").read_text())["runs"].values()] == [6, 7]


@pytest.mark.slow
def test_replication_r_equals_a_single_run_with_seed_plus_r(runs, scenario_file, tmp_path):
    """Run r of a batch uses root seed seed+r: a lone run with that seed reproduces it."""
    out = tmp_path / "single"
    assert cli.main(["run", str(scenario_file), "--out", str(out), "--seed", "6", "--no-report"]) == 0
    single = read_table(out, "market").drop(columns=["run_id", "replication"])
    batch = read_table(runs["a"], "market")
    second = batch[batch["replication"] == 1].drop(columns=["run_id", "replication"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(single, second)


def test_failed_table_write_leaves_nothing_that_looks_complete(scenario_file, tmp_path, monkeypatch, capsys):
    """A crash while writing the tables (disk full at the second table of the run) leaves no complete-looking
    table, no finished run and no report: one clear line, exit 1, and --resume redoes the run."""
    import os

    real = os.replace
    tables = []

    def flaky(src, dst, *args, **kwargs):
        if str(dst).endswith(".parquet"):
            tables.append(Path(dst))
            if len(tables) == 2:  # the second table: the disk is full
                raise OSError(28, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", flaky)
    out = tmp_path / "out"
    rc = cli.main(["run", str(scenario_file), "--out", str(out), "--no-report"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "No space left on device" in err and "--resume" in err and len(err.splitlines()) == 1
    assert len(tables) == 2 and tables[0].exists() and not tables[1].exists()
    assert not list(out.rglob("*.partial")) and not list((out / "runs").rglob("*.parquet"))  # the run: not done
    assert not (out / "report.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] != "complete" and all(r["status"] == "pending" for r in manifest["runs"].values())
    monkeypatch.setattr(os, "replace", real)
    assert cli.main(["run", str(scenario_file), "--out", str(out), "--no-report", "--resume"]) == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


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
    assert [f.name for f in (out / "runs").rglob("*.parquet")] == [f"{POLICY}-p000-r00.parquet"]  # the first: kept
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("interrupted: 1 of 2 replication(s)")


@pytest.mark.slow
def test_ctrl_c_keeps_finished_replications_and_resume_finishes_them(tmp_path):
    """A real SIGINT to ``simcommerce run`` once a replication has finished: exit 130, one line, the finished
    replications kept; ``--resume`` then runs only the others, and the tables equal an uninterrupted run's."""
    import os
    import signal
    import subprocess
    import sys
    import time

    sc = tmp_path / "sc.yaml"
    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    sc.write_text(baseline.read_text().replace("consumers: 20000", "consumers: 3000").replace("steps: 120", "steps: 40"))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    cmd = [sys.executable, "-m", "simcommerce.cli", "run", str(sc), "--replications", "6", "--no-report"]
    proc = subprocess.Popen([*cmd, "--out", str(tmp_path / "cut")], stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "cut" / "runs").rglob("*.parquet")) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1].strip()
    assert proc.returncode == 130, err
    assert err.startswith("interrupted:") and "--resume" in err and len(err.splitlines()) == 1, err
    kept = len(list((tmp_path / "cut" / "runs").rglob("*.parquet")))
    assert 1 <= kept < 6
    resumed = subprocess.run([*cmd, "--out", str(tmp_path / "cut"), "--resume"], capture_output=True, text=True,
                             env=env)
    assert resumed.returncode == 0, resumed.stderr
    clean = subprocess.run([*cmd, "--out", str(tmp_path / "clean")], capture_output=True, text=True, env=env)
    assert clean.returncode == 0, clean.stderr
    cut, whole = table_files(tmp_path / "cut"), table_files(tmp_path / "clean")
    assert len(cut) == 3 * 6 and cut == whole


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


def test_a_runs_policy_is_its_scenarios_name_as_a_folder_name():
    from simcommerce.runner import policy_name

    assert policy_name("baseline") == "baseline" and policy_name("word_of_mouth.v2") == "word_of_mouth.v2"
    assert policy_name("Quality scandal / 2026!") == "Quality_scandal_2026"
    assert policy_name("-x") == "x" and policy_name("配对") == "run"
