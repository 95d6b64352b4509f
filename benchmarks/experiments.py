"""Experiment throughput: N runs of a 10k-consumer, 90-day baseline on 1 and 2 local workers and on a
local Dask cluster (a scheduler and 2 single-threaded workers, each under a nanny, started here on
127.0.0.1), with the project's `dask-config/` and with Dask's default settings; on each cluster twice:
first on new workers, then again on the same workers (which have the model imported, as on a
long-lived cluster).

The order is 2 local workers, then `--ones` times (1 local worker, 2 local workers), then rounds of (a
cluster twice, 2 local workers), so each 1-worker experiment and each cluster is bracketed by two
2-local-worker experiments and is compared with their mean: drift of the shared machine's speed (runs
took from 0.31 to 0.39 s within 5 minutes on 2026-12-02) then cancels to first order.

Reports wall seconds of `simcommerce experiment` (store writes included), the machine's busy CPU
seconds meanwhile, the mean time of one run inside its worker (from the manifest), parallel efficiency
of 2 local workers against 1 (also at equal run speed, as the shared machine may slow two runs at
once), and the Dask overhead per run as a share of a run's time on 1 worker (the median 1-worker wall
/ runs): in worker time, 2 × (wall difference) / runs; in busy CPU, (CPU difference) / runs; and in
the CPU besides runs (see timed()): the work the executor itself adds, which hardly depends on
how busy the shared machine is at the moment, while the first two do. The local pool imports the
model once per experiment (in its forkserver, started before the main process reads the experiment);
new Dask workers import it on their first run, warm ones not at all (in the task's thread, which the CPU
besides runs leaves out with the runs: 1.1–1.5 s per worker, measured apart).

With `--pinned R`, R more rounds give Dask a spare core, as on a real cluster where the scheduler and
the client do not share the workers' cores: 1 Dask worker on core 1, the scheduler and the client on
core 0, against 1 local worker on core 1 (which imports the model and writes the files on that core too,
where Dask's client writes them on core 0).

    .venv/bin/python benchmarks/experiments.py [--runs 200] [--consumers 10000] [--days 90] [--ones 3] [--repeat 4]
        [--defaults 1] [--pinned 0]
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


def timed(exp: Path, out: Path, *args: str, cluster: Sequence[int] = (), cpu: int | None = None
          ) -> tuple[float, float, float, float]:
    """`simcommerce experiment EXP --out OUT ARGS` (on core ``cpu`` alone, if given), its processes' threads
    sampled every 0.2 s.

    Returns wall seconds, the machine's busy CPU seconds meanwhile, a run's mean seconds in its worker and the
    CPU seconds of everything but the runs: every thread of the command's processes and of the ``cluster``
    processes (and their children), except threads busy for at least half the wall time (a worker running
    runs) — the client, pool management, the forkserver; the scheduler, nannies and workers' event loops."""
    procs = [q for pid in cluster for p in [psutil.Process(pid)] for q in [p, *p.children(recursive=True)]]
    before = thread_cpu(procs)
    t0, c0 = time.perf_counter(), busy_cpu_seconds()
    cmd = psutil.Popen([*pinned(cpu), str(BIN / "simcommerce"), "experiment", str(exp), "--out", str(out), *args],
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


def pinned(cpu: int | None) -> list[str]:
    """Command prefix that keeps a process and its children on core ``cpu`` (none if None)."""
    return [] if cpu is None else ["taskset", "-c", str(cpu)]


@contextmanager
def dask_cluster(config: Path | None, workers: int = 2, scheduler_cpu: int | None = None,
                 worker_cpu: int | None = None):
    """A scheduler and single-threaded workers on 127.0.0.1 (Dask's settings plus those in the folder
    ``config``, if given), optionally each kept on one core; yields the scheduler address and the pids of
    the scheduler and the nannies."""
    port = free_port()
    env = dict(os.environ, **({"DASK_CONFIG": str(config)} if config else {}))
    procs = [subprocess.Popen([*pinned(scheduler_cpu), str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)]
    try:
        time.sleep(3)
        for _ in range(workers):
            procs.append(subprocess.Popen([*pinned(worker_cpu), str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}",
                                           "--nthreads", "1", "--no-dashboard"], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, env=env))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=60) as c:
            c.wait_for_workers(workers, timeout=60)
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
    ap.add_argument("--ones", type=int, default=3, help="1-worker experiments, each between two 2-worker ones")
    ap.add_argument("--repeat", type=int, default=4, help="rounds with dask-config/")
    ap.add_argument("--defaults", type=int, default=1, help="rounds with Dask's default settings")
    ap.add_argument("--pinned", type=int, default=0, help="rounds of 1 Dask worker on core 1 (scheduler and "
                    "client on core 0) against 1 local worker on core 1")
    a = ap.parse_args()
    if a.ones < 1:
        ap.error("--ones must be at least 1")
    configs = {"dask-config/": DASK_CONFIG, "Dask's defaults": None}
    tags = {"dask-config/": "dask-config", "Dask's defaults": "dask-defaults"}
    order = ["dask-config/"] * a.repeat + ["Dask's defaults"] * a.defaults
    clusters = ("new cluster", "same cluster again")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        exp = experiment_file(tmp, a.runs, a.consumers, a.days)
        local = [timed(exp, tmp / "w2-0", "--workers", "2")]
        ones = []  # each 1-worker experiment between two 2-worker ones
        for k in range(a.ones):
            ones.append(timed(exp, tmp / f"w1-{k}", "--workers", "1"))
            local.append(timed(exp, tmp / f"w2-{len(local)}", "--workers", "2"))
        dask = {(name, cluster): [] for name in configs for cluster in clusters}  # [(bracket, times)]
        for name in order:  # each round: the cluster twice, then 2 local workers again
            r = len(local) - 1
            with dask_cluster(configs[name]) as (address, pids):  # the second experiment finds the workers warm
                for cluster in clusters:
                    out = tmp / f"{tags[name]}-{r}-{cluster[:3]}"
                    dask[name, cluster].append((r, timed(exp, out, "--scheduler", address, cluster=pids)))
            local.append(timed(exp, tmp / f"w2-{len(local)}", "--workers", "2"))
        alone = [timed(exp, tmp / "p1-0", "--workers", "1", cpu=1)] if a.pinned else []
        spare = {cluster: [] for cluster in clusters}  # a spare core for the scheduler and the client
        for r in range(a.pinned):
            with dask_cluster(DASK_CONFIG, workers=1, scheduler_cpu=0, worker_cpu=1) as (address, pids):
                for cluster in clusters:
                    out = tmp / f"p-dask-{r}-{cluster[:3]}"
                    spare[cluster].append(timed(exp, out, "--scheduler", address, cluster=pids, cpu=0)[0])
            alone.append(timed(exp, tmp / f"p1-{r + 1}", "--workers", "1", cpu=1))
    n = 2 * max(1, a.runs // 2)
    print(f"{n} runs of {a.consumers} consumers × {a.days} days (wall seconds, store writes included; CPU: the "
          f"machine's busy CPU seconds meanwhile; CPU besides runs: see timed()); 2-worker rows: medians over rounds")
    print("| executor | experiments | wall s | s/run | CPU s | CPU besides runs s | mean run in its worker s "
          "| speed-up vs 1 worker | efficiency |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = {"local, 1 worker": ones, "local, 2 workers": local,
            **{f"Dask, {name}, {cluster}": [t for _, t in v] for (name, cluster), v in dask.items() if v}}
    one = [statistics.median(x[k] for x in ones) for k in range(4)]
    for label, times in rows.items():
        wall, cpu, run, other = (statistics.median(x[k] for x in times) for k in range(4))
        speed_up = one[0] / wall
        workers = 1 if label == "local, 1 worker" else 2
        print(f"| {label} | {len(times)} | {wall:.1f} | {wall / n:.3f} | {cpu:.1f} | {other:.2f} | {run:.3f} "
              f"| {speed_up:.2f}× | {speed_up / workers:.0%} |")
    # each 1-worker experiment against the mean of the 2-worker ones just before and after it
    eff = [x[0] / (local[k][0] + local[k + 1][0]) for k, x in enumerate(ones)]
    slower = [(local[k][2] + local[k + 1][2]) / 2 / x[2] for k, x in enumerate(ones)]  # a run, 2 workers vs 1
    print(f"Parallel efficiency of 2 local workers, each 1-worker experiment against the mean of the 2-worker "
          f"experiments just before and after it: median {statistics.median(eff):.0%} (rounds: "
          f"{', '.join(f'{e:.0%}' for e in eff)}); a run took {statistics.median(slower):.2f}x as long in each of 2 "
          f"workers as in 1 (rounds: {', '.join(f'{s:.2f}' for s in slower)}); at equal run speed, 2 local workers "
          f"are {statistics.median(e * s for e, s in zip(eff, slower)):.0%} efficient (what is left is the "
          f"executor's own: start-up, the main process, the last run)")
    print(f"Dask overhead per run as a share of a run's {one[0] / n:.3f} s on 1 worker, against the mean of the "
          f"2-local-worker experiments just before and just after its cluster: worker time, 2 × (wall difference) "
          f"/ {n}; CPU, (busy CPU difference) / {n}; CPU besides runs, (its difference) / {n}")
    for (name, cluster), v in dask.items():
        for label, k, f in (("worker time", 0, 2), ("CPU", 1, 1), ("CPU besides runs", 3, 1)):
            extra = [f * (d[k] - (local[r][k] + local[r + 1][k]) / 2) / one[0] for r, d in v]
            if extra:
                print(f"- Dask, {name}, {cluster}, {label}: median {statistics.median(extra):+.1%} "
                      f"(rounds: {', '.join(f'{e:+.1%}' for e in extra)})")

    if a.pinned:
        print("With a spare core: 1 Dask worker (dask-config/) on core 1, the scheduler and the client on core 0, "
              "against 1 local worker on core 1 just before and after; wall difference / local wall:")
        for cluster, walls in spare.items():
            extra = [w / ((alone[r][0] + alone[r + 1][0]) / 2) - 1 for r, w in enumerate(walls)]
            print(f"- Dask, {cluster}: median {statistics.median(extra):+.1%} "
                  f"(rounds: {', '.join(f'{e:+.1%}' for e in extra)})")


if __name__ == "__main__":
    main()
