"""One benchmark case per process: build a market (vectorised or the naive Mesa reference), run it
day by day, and report timings (seconds) and memory (MiB). Shared by throughput.py and scale.py.

Run as a script, it is the worker: ``python benchmarks/cases.py KIND SCENARIO DAYS OVERRIDES_JSON [PROFILE]``
prints one JSON line (with the vectorised model's seconds per stage: :func:`stage_timers`). :func:`run_case` starts it in a fresh interpreter, so peak RSS is the case's own.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FINAL = ("n_aware", "cum_orders", "cum_shares", "n_reviews", "mean_trust", "cum_group_gmv", "cum_live_gmv",
         "n_heard_news", "money_imbalance")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def stage_timers() -> dict[str, float]:
    """Time the vectorised model's stages in this process (seconds, summed over calls): the build's graph
    generators, population and mechanism set-ups, and each mechanism's daily step and the day's record.
    Wrappers only: the model's numbers are unchanged. What no stage claims is reported as ``other``."""
    import simcommerce.market as market
    from simcommerce.mechanisms import REGISTRY

    seconds: dict[str, float] = {}

    def timed(name, f):
        def run(*args, **kwargs):
            t = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t
        return run

    market.build_friendship = timed("build: friendship graph", market.build_friendship)
    market.build_follows = timed("build: follow graph", market.build_follows)
    market.Population.generate = timed("build: population", market.Population.generate)  # bound classmethod
    market.FriendCounts.__init__ = timed("build: friends-who-bought counts", market.FriendCounts.__init__)
    for name, cls in REGISTRY.items():
        cls.setup = timed(f"build: {name} setup", cls.setup)
        cls.step = timed(f"day: {name}", cls.step)
    market.Recorder.record = timed("day: record", market.Recorder.record)
    return seconds


def worker(kind: str, scenario: str, days: int, overrides: dict, profile: str | None = None) -> dict:
    """Build and run one case in this process (``kind``: vectorised | naive; ``days`` <= 0: the scenario's
    ``steps``). ``profile``: a path prefix; cProfile statistics of the build and of the days are written to
    ``PREFIX.build.pstats`` and ``PREFIX.days.pstats``."""
    import cProfile
    import warnings

    from simcommerce import Market, load_scenario

    sys.path.insert(0, str(HERE))
    from naive_mesa import NaiveMarket

    rss_imports = peak_rss_mib()
    sc = load_scenario(scenario, overrides=overrides)
    days = days if days > 0 else sc["steps"]
    stages = stage_timers() if kind == "vectorised" else {}
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    if kind == "vectorised":
        model = Market(sc)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it names the mechanisms it skips
            model = NaiveMarket(sc)
    build = time.perf_counter() - t0
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{profile}.build.pstats")
        profiler = cProfile.Profile()
        profiler.enable()
    build_stages = dict(stages)
    rss_built = peak_rss_mib()
    day_seconds = []
    for _ in range(days):
        t = time.perf_counter()
        model.step()
        day_seconds.append(time.perf_counter() - t)
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{profile}.days.pstats")
    t = time.perf_counter()
    frame = model.recorder.frames()[0] if kind == "vectorised" else model.frame()
    tables = time.perf_counter() - t
    last = frame.iloc[-1]
    if stages:
        stages["build: other"] = build - sum(v for k, v in build_stages.items())
        stages["day: other (activity draw, orders)"] = sum(day_seconds) - sum(
            v for k, v in stages.items() if k.startswith("day: "))
    return {"kind": kind, "scenario": Path(scenario).name, "consumers": sc["population"]["consumers"],
            "days": days, "build_s": build, "day_seconds": day_seconds, "days_s": sum(day_seconds),
            "tables_s": tables, "end_to_end_s": time.perf_counter() - t0, "rss_after_imports_mib": rss_imports,
            "rss_after_build_mib": rss_built, "peak_rss_mib": peak_rss_mib(), "stage_seconds": stages,
            "final": {k: float(last[k]) for k in FINAL if k in last}}


def run_case(kind: str, scenario: str | Path, days: int, overrides: dict, package_root: str | Path = ROOT,
             profile: str | Path | None = None) -> dict:
    """One case in a fresh interpreter, with ``simcommerce`` imported from ``package_root`` (this checkout by
    default; another, e.g. an older commit's worktree, for a before/after comparison); adds the process's wall
    time (startup and imports included)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), kind, str(scenario), str(days), json.dumps(overrides)]
    if profile:
        cmd.append(str(profile))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(package_root), *filter(None, [os.environ.get("PYTHONPATH")])]))
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"{kind} run of {scenario} with {overrides} failed (exit {out.returncode})")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = time.perf_counter() - t
    return result


def machine() -> dict:
    """Date, CPU, versions: the header of a benchmark's output."""
    import mesa
    import numpy

    cpu = platform.processor()
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                   if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpus": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "numpy": numpy.__version__, "mesa": mesa.__version__,
            "platform": platform.platform()}


if __name__ == "__main__":
    kind, scenario, days, overrides = sys.argv[1:5]
    profile = sys.argv[5] if len(sys.argv) > 5 else None
    print(json.dumps(worker(kind, scenario, int(days), json.loads(overrides), profile)))
