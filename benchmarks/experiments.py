"""Experiment throughput: N runs of a 10k-consumer, 90-day baseline on 1 and 2 local workers and on a
local Dask cluster (a scheduler and 2 single-threaded workers, each under a nanny, started here on
127.0.0.1), with the project's `dask-config/` and with Dask's default settings; on each cluster twice:
first on new workers, then again on the same workers (which have the model imported, as on a
long-lived cluster).

The order is 1 local worker, 2 local workers, then rounds of (a cluster twice, 2 local workers), so
each cluster is bracketed by two 2-local-worker experiments and is compared with their mean: drift of
the shared machine's speed during a round then cancels to first order.

Reports wall seconds of `simcommerce experiment` (store writes included), the machine's busy CPU
seconds meanwhile, the mean time of one run inside its worker (from the manifest), parallel efficiency
of 2 local workers against 1 (also at equal run speed, as the shared machine may slow two runs at
once), and the Dask overhead per run as a share of a run's time on 1 worker (its wall / runs): in
worker time, 2 × (wall difference) / runs; in busy CPU, (CPU difference) / runs;
and in the CPU besides runs (see timed()): the work the executor itself adds, which hardly depends on
how busy the shared machine is at the moment, while the first two do. The local pool imports the
model once per experiment (in its forkserver); new Dask workers import it on their first run, warm
ones not at all.

    .venv/bin/python benchmarks/experiments.py [--runs 200] [--consumers 10000] [--days 90] [--repeat 4] [--defaults 1]
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
from collections.abc import Sequence
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


def thread_cpu(procs: list[psutil.Process]) -> dict[tuple[int, int], float]:
    """CPU seconds of every thread of ``procs`` so far, by (pid, thread id)."""
    cpu = {}
    for p in procs:
        try:
            cpu.update({(p.pid, t.id): t.user_time + t.system_time for t in p.threads()})
        except psutil.NoSuchProcess:
            pass
    return cpu


def timed(exp: Path, out: Path, *args: str, cluster: Sequence[int] = ()) -> tuple[float, float, float, float]:
    """`simcommerce experiment EXP --out OUT ARGS`, its processes' threads sampled every 0.2 s.

    Returns wall seconds, the machine's busy CPU seconds meanwhile, a run's mean seconds in its worker and the
    CPU seconds of everything but the runs: every thread of the command's processes and of the ``cluster``
    processes (and their children), except threads busy for at least half the wall time (a worker running
    runs) — the client, pool management, the forkserver; the scheduler, nannies and workers' event loops."""
    procs = [q for pid in cluster for p in [psutil.Process(pid)] for q in [p, *p.children(recursive=True)]]
    before = thread_cpu(procs)
    t0, c0 = time.perf_counter(), busy_cpu_seconds()
    cmd = psutil.Popen([str(BIN / "simcommerce"), "experiment", str(exp), "--out", str(out), *args],
                       stdout=subprocess.DEVNULL)
    seen = {}
    while cmd.poll() is None:
        try:
            seen.update(thread_cpu([cmd, *cmd.children(recursive=True)]))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.2)
    if cmd.returncode:
        raise subprocess.CalledProcessError(cmd.returncode, cmd.args)
    wall, cpu = time.perf_counter() - t0, busy_cpu_seconds() - c0
    seen.update({k: v - before.get(k, 0.0) for k, v in thread_cpu(procs).items()})
    other = sum(v for v in seen.values() if v < wall / 2)
    runs = json.loads((out / "manifest.json").read_text())["runs"].values()
    run = sum(r["seconds"] for r in runs) / len(runs)
    print(f"# {time.strftime('%H:%M:%S')} {out.name}: wall {wall:.1f} s, CPU {cpu:.1f} s, mean run {run:.3f} s, "
          f"CPU besides runs {other:.2f} s", flush=True)
    return wall, cpu, run, other


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dask_cluster(config: Path | None):
    """A scheduler and 2 single-threaded workers on 127.0.0.1 (Dask's settings plus those in the folder
    ``config``, if given); yields the scheduler address and the pids of the scheduler and the nannies."""
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
        yield f"tcp://127.0.0.1:{port}", [p.pid for p in procs]
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
    ap.add_argument("--repeat", type=int, default=4, help="rounds with dask-config/")
    ap.add_argument("--defaults", type=int, default=1, help="rounds with Dask's default settings")
    a = ap.parse_args()
    configs = {"dask-config/": DASK_CONFIG, "Dask's defaults": None}
    tags = {"dask-config/": "dask-config", "Dask's defaults": "dask-defaults"}
    order = ["dask-config/"] * a.repeat + ["Dask's defaults"] * a.defaults
    clusters = ("new cluster", "same cluster again")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        exp = experiment_file(tmp, a.runs, a.consumers, a.days)
        one = timed(exp, tmp / "w1", "--workers", "1")
        local = [timed(exp, tmp / "w2-0", "--workers", "2")]
        dask = {(name, cluster): [] for name in configs for cluster in clusters}  # [(round, times)]
        for r, name in enumerate(order):  # each round: the cluster twice, then 2 local workers again
            with dask_cluster(configs[name]) as (address, pids):  # the second experiment finds the workers warm
                for cluster in clusters:
                    out = tmp / f"{tags[name]}-{r}-{cluster[:3]}"
                    dask[name, cluster].append((r, timed(exp, out, "--scheduler", address, cluster=pids)))
            local.append(timed(exp, tmp / f"w2-{r + 1}", "--workers", "2"))
    n = 2 * max(1, a.runs // 2)
    print(f"{n} runs of {a.consumers} consumers × {a.days} days (wall seconds, store writes included; CPU: the "
          f"machine's busy CPU seconds meanwhile; CPU besides runs: see timed()); 2-worker rows: medians over rounds")
    print("| executor | experiments | wall s | s/run | CPU s | CPU besides runs s | mean run in its worker s "
          "| speed-up vs 1 worker | efficiency |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = {"local, 1 worker": [one], "local, 2 workers": local,
            **{f"Dask, {name}, {cluster}": [t for _, t in v] for (name, cluster), v in dask.items() if v}}
    for label, times in rows.items():
        wall, cpu, run, other = (statistics.median(x[k] for x in times) for k in range(4))
        speed_up = one[0] / wall
        workers = 1 if label == "local, 1 worker" else 2
        print(f"| {label} | {len(times)} | {wall:.1f} | {wall / n:.3f} | {cpu:.1f} | {other:.2f} | {run:.3f} "
              f"| {speed_up:.2f}× | {speed_up / workers:.0%} |")
    slower = [x[2] / one[2] for x in local]  # a run's time in its worker, 2 local workers against 1
    print(f"A run took {statistics.median(slower):.2f}x as long in each of 2 local workers as in 1 (median over the "
          f"2-worker experiments); at equal run speed, 2 local workers are "
          f"{statistics.median(one[0] / (2 * x[0]) * f for x, f in zip(local, slower)):.0%} efficient (what is left "
          f"is the executor's own: start-up, the main process, the last run)")
    print(f"Dask overhead per run as a share of a run's {one[0] / n:.3f} s on 1 worker, against the mean of the "
          f"2-local-worker experiments just before and just after its cluster: worker time, 2 × (wall difference) "
          f"/ {n}; CPU, (busy CPU difference) / {n}; CPU besides runs, (its difference) / {n}")
    for (name, cluster), v in dask.items():
        for label, k, f in (("worker time", 0, 2), ("CPU", 1, 1), ("CPU besides runs", 3, 1)):
            extra = [f * (d[k] - (local[r][k] + local[r + 1][k]) / 2) / one[0] for r, d in v]
            if extra:
                print(f"- Dask, {name}, {cluster}, {label}: median {statistics.median(extra):+.1%} "
                      f"(rounds: {', '.join(f'{e:+.1%}' for e in extra)})")


if __name__ == "__main__":
    main()
