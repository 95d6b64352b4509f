"""Experiment throughput: N runs of a 10k-consumer, 90-day baseline on 1 and 2 local workers and on a
local Dask cluster (a scheduler and 2 single-threaded workers started here, on 127.0.0.1).

Reports wall seconds of `simcommerce experiment` (store writes included), parallel efficiency of 2
local workers against 1, and the Dask overhead per run against 2 local workers, on a freshly started
cluster of default workers (each under a nanny, which sets MALLOC_TRIM_THRESHOLD_=65536 for its
worker) and of workers started with --no-nanny (glibc's default allocator settings).

    .venv/bin/python benchmarks/experiments.py [--runs 200] [--consumers 10000] [--days 90]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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


def timed(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "simcommerce"), *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dask_cluster(nanny: bool):
    """A scheduler and 2 single-threaded workers on 127.0.0.1; yields the scheduler address."""
    port = free_port()
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(3)
        for _ in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                           "--no-dashboard", *([] if nanny else ["--no-nanny"])],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
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
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        exp = experiment_file(tmp, a.runs, a.consumers, a.days)
        times = {"local, 1 worker": timed(["experiment", str(exp), "--out", str(tmp / "w1"), "--workers", "1"]),
                 "local, 2 workers": timed(["experiment", str(exp), "--out", str(tmp / "w2"), "--workers", "2"])}
        for nanny, name in ((True, "Dask, 2 workers (default, with nannies)"), (False, "Dask, 2 workers --no-nanny")):
            with dask_cluster(nanny) as address:
                times[name] = timed(["experiment", str(exp), "--out", str(tmp / f"dask-{nanny}"),
                                     "--scheduler", address])
    n = 2 * max(1, a.runs // 2)
    one, two = times["local, 1 worker"], times["local, 2 workers"]
    print(f"{n} runs of {a.consumers} consumers × {a.days} days (wall seconds, store writes included)")
    print("| executor | wall s | s/run | speed-up vs 1 worker | parallel efficiency |")
    print("|---|---:|---:|---:|---:|")
    for name, t in times.items():
        eff = "—" if t is one else f"{one / t / 2:.0%}"
        print(f"| {name} | {t:.1f} | {t / n:.3f} | {one / t:.2f}× | {eff} |")
    for name, t in list(times.items())[2:]:
        print(f"{name}: overhead per run vs 2 local workers {(t - two) / n * 1000:+.0f} ms "
              f"({(t - two) / two:+.1%} of the local wall time; a run takes {one / n:.2f} s on 1 worker)")


if __name__ == "__main__":
    main()
