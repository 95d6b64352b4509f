"""Experiment throughput: N runs of a 10k-consumer, 90-day baseline on 1 and 2 local workers and on a
local Dask cluster (a scheduler and 2 single-threaded workers, each under a nanny, started here on
127.0.0.1), once with Dask's default settings and once with the project's `dask-config/`; on each
cluster twice: first on new workers, then again on the same workers (which have the model imported,
as on a long-lived cluster).

Reports wall seconds of `simcommerce experiment` (store writes included), the machine's busy CPU
seconds meanwhile, the mean time of one run inside its worker (from the manifest), parallel efficiency
of 2 local workers against 1, and the Dask overhead per run against 2 local workers in the same round,
as a share of a run's time on 1 worker (its wall / runs): in worker time, 2 × (wall difference) / runs,
and in CPU, (CPU difference) / runs. The local pool imports the model once per experiment (in its
forkserver); new Dask workers import it on their first run, warm ones not at all.

    .venv/bin/python benchmarks/experiments.py [--runs 200] [--consumers 10000] [--days 90] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DASK_CONFIG = ROOT / "dask-config"


def experiment_file(folder: Path, runs: int, consumers: int, days: int) -> Path:
    policies = 2
    reps = max(1, runs // policies)
    path = folder / "bench.yaml"
    path.write_text(f"""name: bench
base: {ROOT / 'scenarios' / 'baseline.yaml'}
replications: {reps}
seed: 1
policies:
  base: {{population.consumers: {consumers}, steps: {days}}}
  referral: {{population.consumers: {consumers}, steps: {days}, brands.Glow.policy.referral.rates: [0.1]}}
metrics: [cum_orders, cum_gmv]
""")
    return path


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all cores) since boot."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def timed(exp: Path, out: Path, *args: str) -> tuple[float, float, float]:
    """`simcommerce experiment EXP --out OUT ARGS`: wall seconds, the machine's busy CPU seconds meanwhile
    (client, workers and, for Dask, the scheduler and nannies) and a run's mean seconds in its worker."""
    t0, c0 = time.perf_counter(), busy_cpu_seconds()
    subprocess.run([str(BIN / "simcommerce"), "experiment", str(exp), "--out", str(out), *args], check=True,
                   stdout=subprocess.DEVNULL)
    wall, cpu = time.perf_counter() - t0, busy_cpu_seconds() - c0
    runs = json.loads((out / "manifest.json").read_text())["runs"].values()
    return wall, cpu, sum(r["seconds"] for r in runs) / len(runs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dask_cluster(config: Path | None):
    """A scheduler and 2 single-threaded workers on 127.0.0.1 (Dask's settings plus those in the folder
    ``config``, if given); yields the scheduler address."""
    port = free_port()
    env = dict(os.environ, **({"DASK_CONFIG": str(config)} if config else {}))
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        time.sleep(3)
        for _ in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                           "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          env=env))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        for p in reversed(procs):  # workers first, then the scheduler
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--consumers", type=int, default=10000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of (local 2 workers, Dask's defaults, dask-config/), interleaved; medians reported")
    a = ap.parse_args()
    configs = {"Dask's defaults": None, "dask-config/": DASK_CONFIG}
    dask_runs = [f"Dask, {name}, {cluster}" for name in configs for cluster in ("new cluster", "same cluster again")]
    rounds = []  # per round: {executor: (wall s, busy CPU s, mean run s)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        exp = experiment_file(tmp, a.runs, a.consumers, a.days)
        one = timed(exp, tmp / "w1", "--workers", "1")
        for r in range(a.repeat):
            times = {"local, 2 workers": timed(exp, tmp / f"w2-{r}", "--workers", "2")}
            for i, (name, config) in enumerate(configs.items()):
                with dask_cluster(config) as address:  # a second experiment finds the workers warm (model imported)
                    for cluster in ("new cluster", "same cluster again"):
                        times[f"Dask, {name}, {cluster}"] = timed(exp, tmp / f"dask{i}-{r}-{cluster[:3]}",
                                                                  "--scheduler", address)
            rounds.append(times)
    n = 2 * max(1, a.runs // 2)
    one, cpu_one, run_one = one
    print(f"{n} runs of {a.consumers} consumers × {a.days} days (wall seconds, store writes included; CPU: the "
          f"machine's busy CPU seconds meanwhile); 2-worker rows: median of {a.repeat} interleaved rounds")
    print("| executor | wall s | s/run | CPU s | mean run in its worker s | speed-up vs 1 worker | efficiency |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| local, 1 worker | {one:.1f} | {one / n:.3f} | {cpu_one:.1f} | {run_one:.3f} | 1.00× | — |")
    for name in rounds[0]:
        t, cpu, run = (statistics.median(times[name][k] for times in rounds) for k in range(3))
        print(f"| {name} | {t:.1f} | {t / n:.3f} | {cpu:.1f} | {run:.3f} | {one / t:.2f}× | {one / t / 2:.0%} |")
    print(f"Dask overhead per run, against 2 local workers in the same round, as a share of a run's {one / n:.3f} s "
          f"on 1 worker: worker time, 2 × (wall difference) / {n}; CPU, (CPU difference) / {n}")
    for name in dask_runs:
        local = [times["local, 2 workers"] for times in rounds]
        dask = [times[name] for times in rounds]
        for label, k, f in (("worker time", 0, 2), ("CPU", 1, 1)):
            extra = [f * (d[k] - lo[k]) / n / (one / n) for d, lo in zip(dask, local)]
            print(f"- {name}, {label}: median {statistics.median(extra):+.1%} "
                  f"(rounds: {', '.join(f'{e:+.1%}' for e in extra)})")


if __name__ == "__main__":
    main()
