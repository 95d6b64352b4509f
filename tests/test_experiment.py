"""Experiments: file validation, design (CRN seeds, sweeps), executors (local and a real Dask
cluster give identical tables), the partitioned store, and --resume after a kill."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simcommerce.cli import main
from simcommerce.experiment import design, load_experiment
from simcommerce.spec import ScenarioError
from simcommerce.store import read_table

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
BIN = Path(sys.executable).parent
DASK_CONFIG = REPO / "dask-config"
SCHEDULER_LOG = "dask-scheduler.log"  # in pytest's base temporary folder

SMALL = f"""\
name: small
base: {BASELINE}
replications: 3
seed: 40
policies:
  none:
    population.consumers: 1500
    steps: 20
    mechanisms.word_of_mouth.attention: 1.0
  referral_10:
    population.consumers: 1500
    steps: 20
    mechanisms.word_of_mouth.attention: 1.0
    brands.Glow.policy.referral.rates: [0.1]
metrics: [cum_orders, cum_gmv, cum_referral_orders]
"""


def write(tmp_path: Path, text: str, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {t: read_table(out, t) for t in ("market", "brands", "runs")}


def file_hashes(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*.parquet"))}


# ------------------------------------------------------------------------------------------ design

def test_design_common_random_numbers_and_ids(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    specs = design(exp)
    assert len(specs) == 6 and exp.reference == "none"
    by = {(s.policy, s.replication): s for s in specs}
    for r in range(3):  # replication r of every policy: the same root seed
        assert by["none", r].seed == by["referral_10", r].seed == 40 + r
    assert [s.run_id for s in specs][:2] == ["none-p000-r00", "none-p000-r01"]
    assert by["referral_10", 0].overrides["brands.Glow.policy.referral.rates"] == [0.1]
    assert design(load_experiment(write(tmp_path, SMALL))) == specs  # stable


def test_sweeps_grid_and_lhs(tmp_path):
    text = SMALL + """\
sweep:
  method: grid
  parameters: {platform.take_rate: [0.02, 0.1], population.daily_active_share: [0.5, 0.7]}
uncertainties:
  method: lhs
  samples: 3
  parameters: {population.share_propensity: {min: 0.1, max: 0.5}}
"""
    exp = load_experiment(write(tmp_path, text))
    assert len(exp.points) == 4 * 3
    specs = design(exp)
    assert len(specs) == 2 * 12 * 3
    shares = sorted({p["population.share_propensity"] for p in exp.points})
    assert len(shares) == 3 and all(0.1 + i * 0.4 / 3 <= x < 0.1 + (i + 1) * 0.4 / 3 for i, x in enumerate(shares))
    assert exp.points == load_experiment(write(tmp_path, text)).points  # the LHS is seeded
    s = specs[-1]
    assert s.run_id == "referral_10-p011-r02" and s.overrides["steps"] == 20 and set(s.params) == {
        "platform.take_rate", "population.daily_active_share", "population.share_propensity"}
    # Sobol (Saltelli, first order: N(D+2) points) and Morris (N trajectories of D+1 points) via SALib
    two = "parameters: {steps: {min: 5, max: 20}, platform.take_rate: {min: 0.0, max: 0.2}}}\n"
    sob = load_experiment(write(tmp_path, SMALL + "sweep: {method: sobol, samples: 8, " + two))
    assert len(sob.points) == 8 * (2 + 2)
    assert all(5 <= p["steps"] <= 20 and 0 <= p["platform.take_rate"] < 0.2 for p in sob.points)
    mor = load_experiment(write(tmp_path, SMALL + "sweep: {method: morris, samples: 5, " + two))
    assert len(mor.points) == 5 * (2 + 1)
    rates = np.array([p["platform.take_rate"] for p in mor.points]).reshape(5, 3)
    steps = np.array([p["steps"] for p in mor.points]).reshape(5, 3)
    # along a Morris trajectory one factor moves at a time
    assert all(((np.diff(r) != 0) ^ (np.diff(s) != 0)).all() for r, s in zip(rates, steps))


def test_sweep_point_out_of_range_names_the_sweep_key(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load_experiment(write(tmp_path, SMALL + "sweep: {method: grid, parameters: {platform.take_rate: [0.1, 2]}}\n"))
    assert "sweep.parameters.platform.take_rate" in str(err.value) and "exp.yaml:" in str(err.value)


def test_inline_scenario(tmp_path):
    text = """\
name: inline
scenario:
  steps: 5
  population: {consumers: 300}
  brands:
    - name: Glow
      products: [{name: serum, price: 20, quality: 0.7}]
policies: {base: {}, cheap: {brands.Glow.products.serum.price: 10}}
metrics: [cum_orders]
"""
    exp = load_experiment(write(tmp_path, text))
    assert exp.base is None and exp.reference == "base" and len(design(exp)) == 2
    with pytest.raises(ScenarioError) as err:
        load_experiment(write(tmp_path, text.replace("steps: 5", "steps: -5")))
    assert "'scenario.steps'" in str(err.value) and "exp.yaml:3 " in str(err.value)


# ------------------------------------------------------------------------------------------ bad input

BAD = {
    "unknown override": (SMALL.replace("referral.rates:", "referral.ratez:"),
                         ["policies.referral_10.brands.Glow.policy.referral.ratez",
                          "did you mean 'brands.Glow.policy.referral.rates'", ":14 "]),
    "unknown reference": (SMALL + "reference: nobody\n", ["'reference'", "nobody"]),
    "zero replications": (SMALL.replace("replications: 3", "replications: 0"),
                          ["'replications'", "whole number between 1 and", ":3"]),
    "missing base": (SMALL.replace(str(BASELINE), "../nowhere.yaml"), ["'base'", "no such file", ":2"]),
    "broken yaml": (SMALL.replace("replications: 3", "replications: [3"), ["valid YAML"]),
    "unknown metric": (SMALL.replace("cum_gmv,", "cum_gvm,"), ["metrics[1]", "cum_gmv"]),
    "unknown top key": (SMALL + "replication: 3\n", ["'replication'", "did you mean 'replications'"]),
    "unknown design": (SMALL + "sweep: {method: halton, parameters: {steps: {min: 1, max: 5}}}\n",
                       ["sweep.method", "sobol, morris"]),
}


def _cli(args: list[str], cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simcommerce.cli", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=timeout)


def test_bad_experiment_files_exit_2_with_one_line(tmp_path, capsys):
    """In-process (``--workers 1``: no worker pool is started); the real exit code of bad input is checked
    once, in tests/test_cli_bad_input.py."""
    for i, (label, (text, needles)) in enumerate(BAD.items()):
        path = write(tmp_path, text, f"bad{i}.yaml")
        out = tmp_path / ("out-" + path.stem)
        code = main(["experiment", str(path), "--out", str(out), "--workers", "1"])
        lines = capsys.readouterr().err.strip().splitlines()
        assert code == 2, (label, lines)
        assert len(lines) == 1, (label, lines)
        assert str(path) in lines[0], (label, lines[0])
        for needle in needles:
            assert needle in lines[0], (label, needle, lines[0])
        assert not out.exists()


def test_non_empty_out_refused_without_resume(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "something").write_text("x")
    assert main(["experiment", str(write(tmp_path, SMALL)), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["experiment", str(write(tmp_path, SMALL)), "--out", str(out), "--workers", "0"]) == 2


# ------------------------------------------------------------------------------------------ executors + store

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real Dask scheduler and two single-threaded workers, as separate processes, started the way the
    README says (with the project's dask-config/ folder on Dask's config path). Yields the scheduler's
    address; the scheduler's log (Dask's default level, INFO) is ``SCHEDULER_LOG`` in the same folder."""
    distributed = pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__LOGGING__DISTRIBUTED="error", DASK_CONFIG=str(DASK_CONFIG))
    log = (tmp_path_factory.getbasetemp() / SCHEDULER_LOG).open("w")
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=log,
                              env=dict(env, DASK_DISTRIBUTED__LOGGING__DISTRIBUTED="info"))]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1",
                                           "--no-dashboard", "--nworkers", "1"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        deadline = time.monotonic() + 90
        while True:
            try:
                with distributed.Client(address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


@pytest.mark.slow
@pytest.mark.slow
def test_executors_give_identical_tables(tmp_path, tmp_path_factory, dask_cluster, capsys):
    exp = write(tmp_path, SMALL)
    outs = {"serial": ["--workers", "1"], "pool2": ["--workers", "2"], "dask": ["--scheduler", dask_cluster]}
    for name, extra in outs.items():
        assert main(["experiment", str(exp), "--out", str(tmp_path / name), *extra]) == 0
    assert "profiler" not in capsys.readouterr().err  # the workers run with dask-config/
    log = tmp_path_factory.getbasetemp() / SCHEDULER_LOG
    deadline = time.monotonic() + 15
    while "Remove client" not in log.read_text() and time.monotonic() < deadline:  # the scheduler sees it go
        time.sleep(0.1)
    time.sleep(0.5)
    assert "Remove client" in log.read_text() and "Traceback" not in log.read_text()  # nothing left to cancel
    ref = tables(tmp_path / "serial")
    assert len(ref["runs"]) == 6 and len(ref["market"]) == 6 * 20 and set(ref["runs"]["policy"]) == {
        "none", "referral_10"}
    assert (ref["runs"].groupby("policy")["cum_referral_orders"].sum()["referral_10"] > 0)
    for name in ("pool2", "dask"):
        other = tables(tmp_path / name)
        for t in ref:
            assert ref[t].equals(other[t]), (name, t)
        assert file_hashes(tmp_path / name) == file_hashes(tmp_path / "serial"), name
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["experiment"]["reference"] == "none"
    assert all(r["status"] == "done" for r in manifest["runs"].values())
    assert manifest["scenario"]["population"]["consumers"] == 20000  # the base as resolved
    # CRN in the tables: replication r has the same seed in both policies
    runs = ref["runs"].pivot(index="replication", columns="policy", values="seed")
    assert (runs["none"] == runs["referral_10"]).all()


def test_what_a_scheduler_unpickles_imports_nothing_heavy():
    """A Dask task is execute_batch with RunSpecs: unpickling it in a fresh process (as the scheduler does) must
    not import pandas, networkx, Mesa or the experiment module (~0.7 s before the first tasks on a new
    cluster); nor may importing the executors, which the CLI does before starting the local pool's forkserver."""
    import pickle

    from simcommerce.executors import execute_batch
    from simcommerce.runspec import RunSpec

    task = pickle.dumps((execute_batch, [RunSpec("a-p000-r00", "a", 0, 0, 1, {"steps": 5})]))
    code = ("import pickle, sys; pickle.loads(sys.stdin.buffer.read()); "
            "print(sorted(m for m in ('pandas', 'networkx', 'mesa', 'simcommerce.experiment') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], input=task, capture_output=True, check=True).stdout
    assert out.decode().strip() == "[]"


def test_dask_batches_keep_order_and_shrink_towards_the_end():
    """Runs go to Dask in batches of at most 4, in order, each at most half of what is left per thread, so
    that the workers finish together: the last batches are single runs."""
    from simcommerce.executors import batches

    sizes = [len(b) for b in batches(list(range(200)), threads=2)]
    assert sum(batches(list(range(200)), threads=2), []) == list(range(200))
    assert max(sizes) == 4 and sizes[0] == 4 and sizes[-4:] == [1, 1, 1, 1] and sizes == sorted(sizes, reverse=True)
    assert len(sizes) < 60  # ~4x fewer tasks than runs
    assert [len(b) for b in batches(list(range(6)), threads=2)] == [2, 1, 1, 1, 1]
    assert [len(b) for b in batches(list(range(3)), threads=8)] == [1, 1, 1]
    assert [len(b) for b in batches(list(range(9)), threads=0)] == [4, 3, 1, 1]  # no worker yet: as if 1


def _leaves(tree: dict, prefix: str = "") -> list[str]:
    return [p for k, v in tree.items() for p in (_leaves(v, f"{prefix}{k}.") if isinstance(v, dict) else
                                                  [f"{prefix}{k}"])]


@pytest.mark.slow
def test_dask_config_sets_real_settings_and_workers_take_them(dask_cluster):
    """Dask ignores unknown keys silently, so each setting in dask-config/ must name one of Dask's own,
    and the workers started with DASK_CONFIG must run with it."""
    import dask.config
    import distributed  # also registers the distributed.* defaults
    import yaml

    ours = yaml.safe_load((DASK_CONFIG / "simcommerce.yaml").read_text())
    keys = _leaves(ours)
    assert "distributed.worker.profile.enabled" in keys and len(keys) == 5
    defaults = dask.config.merge(*dask.config.defaults)  # Dask's own defaults, without any user file
    for key in keys:
        assert dask.config.get(key, default=KeyError, config=defaults) is not KeyError, key
    with distributed.Client(dask_cluster, timeout=30) as client:
        seen = client.run(dask.config.get, "distributed.worker.profile.enabled")
    assert list(seen.values()) == [False, False]


@pytest.mark.slow
@pytest.mark.parametrize("profiler", [True, False])
def test_profiler_note_only_when_workers_profile(profiler):
    """`experiment --scheduler` warns (one line) when the workers run Dask's statistical profiler."""
    import dask.config
    distributed = pytest.importorskip("distributed")
    from simcommerce.executors import profiler_note

    with dask.config.set({"distributed.worker.profile.enabled": profiler}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                      dashboard_address="127.0.0.1:0") as lc:
            with distributed.Client(lc) as client:
                note = profiler_note(client)
    if profiler:
        assert note.startswith("note: 2 Dask worker(s) run Dask's statistical profiler") and "\n" not in note
    else:
        assert note is None


@pytest.mark.slow
def test_store_layout_and_duckdb(tmp_path):
    exp = write(tmp_path, SMALL + "sweep: {method: grid, parameters: {platform.take_rate: [0.05, 0.1]}}\n")
    out = tmp_path / "out"
    assert main(["experiment", str(exp), "--out", str(out), "--workers", "1"]) == 0
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["policy=none", "policy=referral_10"]
    assert (out / "market" / "policy=none" / "none-p001-r02.parquet").exists()
    runs = pd.read_parquet(out / "runs")
    assert list(runs.columns[:5]) == ["run_id", "replication", "seed", "point", "platform.take_rate"]
    assert "policy" in runs.columns and len(runs) == 2 * 2 * 3
    brands = pd.read_parquet(out / "brands")
    assert {"run_id", "day", "brand", "policy"} <= set(brands.columns)
    duckdb = pytest.importorskip("duckdb")
    got = duckdb.sql(f"SELECT policy, avg(cum_gmv) AS gmv FROM read_parquet('{out}/runs/*/*.parquet', "
                     "hive_partitioning=true) GROUP BY policy ORDER BY policy").df()
    expect = runs.assign(policy=runs["policy"].astype(str)).groupby("policy")["cum_gmv"].mean()
    assert list(got["policy"]) == ["none", "referral_10"]
    assert got["gmv"].tolist() == pytest.approx(expect.tolist())
    # event tables for the referral policy: its referral orders, and its promoters' earnings
    events = pd.read_parquet(out / "events")
    assert set(events["policy"].astype(str)) == {"referral_10"}
    per_run = events.groupby("run_id").size()
    ref = runs.set_index("run_id")["cum_referral_orders"]
    assert (per_run == ref[per_run.index]).all()
    promoters = pd.read_parquet(out / "promoters")
    assert promoters["promoter_earned"].sum() > 0
    # and `compare` draws the cascade-size CCDF and the promoters' Lorenz curve from them
    assert main(["compare", str(out), "--out", str(out / "report.html")]) == 0
    report = (out / "report.html").read_text()
    assert "cascade sizes" in report and "Lorenz curve" in report


@pytest.mark.slow
def test_local_workers_end_when_the_experiment_is_killed(tmp_path):
    """A killed experiment (SIGKILL: no clean-up) leaves no pool workers behind, blocked on results nobody reads."""
    psutil = pytest.importorskip("psutil")
    text = SMALL.replace("replications: 3", "replications: 12").replace("1500", "2500").replace(
        "steps: 20", "steps: 30")  # ~0.1 s a run: the kill, 5 ms after the first is done, leaves most to resume
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "simcommerce.cli", "experiment", str(write(tmp_path, text)),
                             "--out", str(out), "--workers", "2"], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not list(out.glob("runs/*/*.parquet")):
            time.sleep(0.05)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) >= 3, "expected the forkserver and 2 pool workers"  # plus the resource tracker
    finally:
        proc.kill()
        proc.wait()
    _, alive = psutil.wait_procs(workers, timeout=15)
    left = [f"{p.pid} {p.name()}" for p in alive]
    for p in alive:
        p.kill()
    assert not left, f"still running 15 s after the experiment was killed: {left}"


@pytest.mark.slow
def test_resume_after_kill(tmp_path):
    text = SMALL.replace("replications: 3", "replications: 12").replace("1500", "2500").replace(
        "steps: 20", "steps: 30")  # ~0.1 s a run: the kill, 5 ms after the first is done, leaves most to resume
    exp = write(tmp_path, text)
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "simcommerce.cli", "experiment", str(exp), "--out", str(out),
                             "--workers", "1"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = sum(r["status"] == "done"
                           for r in json.loads((out / "manifest.json").read_text())["runs"].values())
            except (OSError, ValueError):
                done = 0
            if done >= 1:
                break
            time.sleep(0.005)
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    manifest = json.loads((out / "manifest.json").read_text())
    finished = {k: r for k, r in manifest["runs"].items() if r["status"] == "done"}
    assert 1 <= len(finished) < 24, "the kill came too late to test resuming"
    complete = {p.stem for p in out.glob("runs/*/*.parquet")}  # a run's runs file is written last
    assert set(finished) <= complete
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet") if p.stem in complete}
    proc = _cli(["experiment", str(exp), "--out", str(out), "--resume"])
    assert proc.returncode == 0, proc.stderr
    assert f"{24 - len(complete)} run(s) done ({len(complete)} already done)" in proc.stdout
    after = json.loads((out / "manifest.json").read_text())
    assert after["status"] == "complete"
    for k, r in finished.items():  # not redone
        assert after["runs"][k]["finished"] == r["finished"] and after["runs"][k]["seconds"] == r["seconds"]
    for p, t in mtimes.items():
        if not p.name.startswith("."):
            assert p.stat().st_mtime_ns == t, p
    whole = tmp_path / "whole"
    assert main(["experiment", str(exp), "--out", str(whole), "--workers", "2"]) == 0
    a, b = tables(out), tables(whole)
    for t in a:
        assert a[t].equals(b[t]), t


# ------------------------------------------------------------------------------------------ hardening

@pytest.mark.parametrize("extra, key, expected", [
    ("reference: [none]\n", "reference", "name of a policy"),
    ("max_runs: 0\n", "max_runs", "whole number between 1 and"),
    ("seed: 9223372036854775808\n", "seed", "between 0 and"),
    ("sweep: {method: lhs, samples: 10000000, parameters: {platform.take_rate: {min: 0.01, max: 0.1}}}\n",
     "sweep", "max_runs"),
    ("sweep: {method: sobol, samples: 10000000, parameters: {platform.take_rate: {min: 0.01, max: 0.1}}}\n",
     "sweep", "max_runs"),
    ("sweep: {method: grid, parameters: {platform.take_rate: [" + ", ".join(["0.05"] * 400) + "], "
     "steps: [" + ", ".join(["20"] * 400) + "]}}\n", "sweep", "max_runs"),
])
def test_experiment_files_refuse_what_would_crash_or_hang(tmp_path, extra, key, expected):
    text = SMALL.replace("seed: 40\n", "") if extra.startswith("seed") else SMALL
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as err:
        load_experiment(write(tmp_path, text + extra))
    assert err.value.path == key and expected in err.value.expected, str(err.value)
    assert time.perf_counter() - t0 < 10  # refused before any point is drawn


def test_replications_beyond_the_cap_are_refused_and_max_runs_raises_it(tmp_path):
    big = SMALL.replace("replications: 3", "replications: 1000000000")
    with pytest.raises(ScenarioError, match="max_runs"):
        load_experiment(write(tmp_path, big))
    ok = SMALL.replace("replications: 3", "replications: 6000") + "max_runs: 12000\n"
    assert len(design(load_experiment(write(tmp_path, ok)))) == 12000


# ------------------------------------------------------------------------------------------ faults

@pytest.mark.slow
def test_resume_redoes_runs_whose_files_are_damaged(tmp_path):
    exp = write(tmp_path, SMALL)
    clean, hurt = tmp_path / "clean", tmp_path / "hurt"
    for out in (clean, hurt):
        assert main(["experiment", str(exp), "--out", str(out), "--workers", "1"]) == 0
    truncated = next((hurt / "runs").rglob("*.parquet"))
    truncated.write_bytes(truncated.read_bytes()[:-10])
    flipped = sorted((hurt / "market").rglob("*.parquet"))[-1]
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other content
    flipped.write_bytes(bytes(data))
    inodes = {p.stem: p.stat().st_ino for p in (hurt / "runs").rglob("*.parquet")}
    assert main(["experiment", str(exp), "--out", str(hurt), "--resume", "--workers", "1"]) == 0
    redone = {p.stem for p in (hurt / "runs").rglob("*.parquet") if p.stat().st_ino != inodes[p.stem]}
    assert redone == {truncated.stem, flipped.stem}  # rewritten (atomic replace: a new file); the others untouched
    assert file_hashes(hurt) == file_hashes(clean)


def test_a_second_writer_of_a_store_is_refused(tmp_path, capsys):
    from simcommerce.store import ExperimentStore

    exp_file = write(tmp_path, SMALL)
    exp = load_experiment(exp_file)
    store = ExperimentStore.open(tmp_path / "out", exp, design(exp))  # holds the store's lock
    assert main(["experiment", str(exp_file), "--out", str(tmp_path / "out"), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert "locked by pid" in err and len(err.splitlines()) == 1
    del store


@pytest.fixture
def small_disk(tmp_path):
    """A real 400 kB file system (tmpfs), unmounted after the test; skipped where mounting is not allowed."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root) to fill a disk")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=True)


@pytest.mark.slow
def test_a_full_disk_gives_one_line_keeps_finished_runs_and_resume_finishes(tmp_path, small_disk, capsys):
    exp = write(tmp_path, SMALL.replace("replications: 3", "replications: 8"))
    out = small_disk / "store"
    assert main(["experiment", str(exp), "--out", str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot write to") and "--resume" in err and len(err.splitlines()) == 1, err
    assert not list(small_disk.rglob("*.partial"))
    done = len(list((out / "runs").rglob("*.parquet")))
    assert 0 < done < 16
    subprocess.run(["mount", "-o", "remount,size=50m", str(small_disk)], check=True)
    assert main(["experiment", str(exp), "--out", str(out), "--resume", "--workers", "1"]) == 0
    assert main(["experiment", str(exp), "--out", str(tmp_path / "clean"), "--workers", "1"]) == 0
    assert file_hashes(out) == file_hashes(tmp_path / "clean")


def test_local_workers_must_fit_in_memory_together(tmp_path, capsys):
    from simcommerce.scenario import available_memory, estimated_memory, load_scenario

    per_consumer = estimated_memory(load_scenario(BASELINE, overrides={"population.consumers": 10**6})) / 10**6
    n = int(0.6 * available_memory() / per_consumer)  # one run fits, two at once do not
    text = SMALL.replace("population.consumers: 1500", f"population.consumers: {n}")
    assert main(["experiment", str(write(tmp_path, text)), "--out", str(tmp_path / "o"), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "at most 1 worker" in err and "GiB" in err
    assert not (tmp_path / "o").exists()  # refused before anything is written


@pytest.mark.slow
def test_a_lost_dask_scheduler_gives_one_line_and_resume_finishes_locally(tmp_path, capsys):
    """A real scheduler and worker; the scheduler is killed once some runs are stored."""
    pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__LOGGING__DISTRIBUTED="error", DASK_CONFIG=str(DASK_CONFIG))
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    worker = subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    exp = write(tmp_path, SMALL.replace("replications: 3", "replications: 12"))
    out = tmp_path / "out"
    try:
        proc = subprocess.Popen([sys.executable, "-m", "simcommerce.cli", "experiment", str(exp), "--out", str(out),
                                 "--scheduler", address], stderr=subprocess.PIPE, text=True,
                                env=dict(env, PYTHONPATH=str(REPO)))
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((out / "runs").rglob("*.parquet"))) >= 4:
                break
            time.sleep(0.1)
        scheduler.kill()
        err = proc.communicate(timeout=240)[1].strip()
    finally:
        for p in (worker, scheduler):
            p.kill()
            p.wait()
    assert proc.returncode == 1, err
    assert err.startswith("error: cannot use the Dask scheduler") and "--resume" in err, err
    assert len(err.splitlines()) == 1, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert not list(out.rglob("*.partial"))
    assert main(["experiment", str(exp), "--out", str(out), "--resume", "--workers", "1"]) == 0
    assert len(read_table(out, "runs")) == 24
