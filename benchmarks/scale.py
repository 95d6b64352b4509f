"""Scale benchmark: every mechanism on, 10^4 to 10^7 consumers.

For each size, in a fresh subprocess (so that its peak RSS is its own): load
``benchmarks/all_mechanisms.yaml`` (every registered mechanism switched on) with
``population.consumers`` overridden, build the market, run ``--days`` days timing each,
and make the result tables. Reports build time, time per day, consumer-days per second
and peak RSS; fits the slope of log(time per day) against log(N) from 10^5 up; runs the
naive Mesa reference (``benchmarks/naive_mesa.py``, one agent per consumer) for a few
days at ``--naive-size`` on the same scenario (it implements the core mechanisms and
buzz, and skips the rest, so the ratio understates the speed-up) and on the baseline
scenario (both models doing the same work); writes a log-log plot (self-contained HTML,
plotly.js inlined, and a PNG of it where headless Chromium is installed).

The absolute quantities of the scenario that would otherwise not grow with the market —
the seeding count and the live-stream stock — are set per 1,000 and per 100 consumers, so
every size does the same work per consumer (ads use reach_share; follower counts are
shares of the population).

With ``--matrix`` it runs instead, at ``--matrix-size`` consumers (10^6), the all-mechanisms market on
every friendship model (Holme–Kim, Barabási–Albert, Watts–Strogatz, planted communities, complete, and an
imported edge list written for the purpose) and every shipped scenario (``scenarios/*.yaml``, each with its
own network), reporting build time and time per day apart, the largest stages of each (per-stage timers in
the worker) and, with ``--before-root DIR``, the same cases run just before with another checkout's
package, with the ratios.

Usage::

    .venv/bin/python benchmarks/scale.py                                  # 10^4 .. 10^7, 30 days
    .venv/bin/python benchmarks/scale.py --matrix                         # every network and scenario, 10^6
    .venv/bin/python benchmarks/scale.py --matrix --only distribution word_of_mouth --before-root /tmp/before
    .venv/bin/python benchmarks/scale.py --sizes 10000 100000 1000000 --out results/scale-small
    .venv/bin/python benchmarks/scale.py --sizes 100000 --no-naive        # one size, no reference

Before the 10^7 run it waits (up to ``--wait-minutes``) until ``MemAvailable`` is at
least ``--min-free-gib`` (21 GiB by default): the machine is shared. Timings on a shared
machine are noisy: compare ratios measured within one run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from cases import machine, run_case  # noqa: E402  (beside this file)

SCENARIO = HERE / "all_mechanisms.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
NETWORK_MODELS = ("holme_kim", "barabasi_albert", "watts_strogatz", "planted_communities", "complete", "edgelist")
TARGETS = {"s_per_day_1e6": 1.5, "rss_gib_1e6": 6.0, "rss_gib_1e7": 20.0, "slope": 1.1, "naive_ratio": 50.0,
           # issue 21: every shipped scenario at 10^6, and the all-mechanisms market at 10^7
           "scenario_build_s_1e6": 5.0, "scenario_s_per_day_1e6": 0.15, "build_s_1e7": 15.0, "s_per_day_1e7": 0.5}


def scaled_overrides(scenario: Path, n: int) -> dict:
    """``population.consumers`` and, for the all-mechanisms scenario, every registered mechanism switched on
    (those the file does not configure, with their defaults) and the per-consumer quantities."""
    from simcommerce.mechanisms import REGISTRY

    over = {"population.consumers": n}
    if scenario.resolve() == SCENARIO.resolve():
        over.update({f"mechanisms.{name}.enabled": True for name in REGISTRY})
        over["brands.Glow.policy.seeding.count"] = max(1, n // 1000)
        over["brands.Glow.policy.livestream.stock"] = max(1, n // 100)
        over["mechanisms.stickiness.half_users"] = n  # the size effect's share the same at every size
    return over


def mem_available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return float("inf")


def wait_for_memory(min_gib: float, minutes: float) -> float:
    """Wait until MemAvailable >= min_gib (or the time is up); returns what is available."""
    deadline = time.time() + 60 * minutes
    free = mem_available_gib()
    while free < min_gib and time.time() < deadline:
        print(f"  waiting: {free:.1f} GiB available, want {min_gib:.0f}", file=sys.stderr, flush=True)
        time.sleep(30)
        free = mem_available_gib()
    return free


# ---------------------------------------------------------------------------- every scenario, every network model


def edge_list_file(n: int, folder: Path, seed: int = 21) -> Path:
    """A CSV edge list of n consumers (a Holme–Kim graph, mean degree 10, triangle probability 0.5) whose ids
    are n distinct integers below 10^12 in shuffled order, as an export from another system would be; written
    once per n into ``folder`` (not timed)."""
    path = folder / f"edges_{n}.csv"
    if not path.exists():  # in a subprocess: a child's peak RSS (ru_maxrss) starts from its parent's
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
        subprocess.run([sys.executable, __file__, "--write-edge-list", str(n), str(path), str(seed)], check=True,
                       env=env, cwd=ROOT)
    return path


def write_edge_list(n: int, path: Path, seed: int) -> None:
    import numpy as np

    from simcommerce.network import holme_kim

    rng = np.random.default_rng(seed)
    g = holme_kim(n, 5, 0.5, rng)
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    keep = src < g.indices
    ids = rng.choice(10**12, g.n, replace=False)
    u, v = ids[src[keep]], ids[g.indices[keep]]
    order = rng.permutation(len(u))
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = np.char.add(np.char.add(u[order].astype(str), ","), v[order].astype(str))
    tmp = path.with_suffix(".tmp")
    tmp.write_text("source,target\n" + "\n".join(lines.tolist()) + "\n")
    tmp.replace(path)


def matrix_cases(n: int, folder: Path, only: list[str] | None = None) -> list[tuple[str, str, Path, dict]]:
    """(group, label, scenario, overrides): the all-mechanisms market on every network model, then every
    shipped scenario with its own network, all at n consumers. ``only``: labels (or scenario stems) to keep."""
    cases = []
    for model in NETWORK_MODELS:
        if only and model not in only:
            continue
        over = dict(scaled_overrides(SCENARIO, n), **{"network.friendship.model": model})
        if model == "edgelist":
            over["network.friendship.path"] = str(edge_list_file(n, folder).resolve())
        if model == "complete":  # each_friend would post every share to all n - 1 others (refused at this size)
            over["mechanisms.word_of_mouth.reach"] = "random_friends"
        cases.append(("network", model, SCENARIO, over))
    for path in SHIPPED:
        cases.append(("scenario", path.stem, path, {"population.consumers": n}))
    if only:
        cases = [c for c in cases if c[1] in only]
    return cases


def network_of(path: Path) -> str:
    import yaml

    data = yaml.safe_load(path.read_text()) or {}
    return ((data.get("network") or {}).get("friendship") or {}).get("model", "holme_kim")


def top_stages(r: dict, prefix: str, k: int = 3) -> str:
    """The k stages with the most seconds (per day for ``day:``), e.g. ``friendship graph 41.2``."""
    per = r["days"] if prefix == "day: " else 1
    items = sorted(((v / per, name[len(prefix):]) for name, v in r.get("stage_seconds", {}).items()
                    if name.startswith(prefix)), reverse=True)[:k]
    return ", ".join(f"{name} {v:.3g}" for v, name in items)


def matrix_report(rows: list[tuple[str, str, Path, dict, dict, dict | None]]) -> str:
    """The table of every network model and every shipped scenario (with the before run's figures and the
    ratios, where there is one), and where the time goes."""
    has_before = any(b is not None for *_, b in rows)
    head = "| | network | build s | s/day | max day s | days | peak RSS MiB |"
    rule = "|---|---|---:|---:|---:|---:|---:|"
    if has_before:
        head += " before: build s | before: s/day | build speed-up | day speed-up |"
        rule += "---:|---:|---:|---:|"
    head += " targets (build <= 5 s, <= 0.15 s/day) |"
    rule += "---|"
    lines = [head, rule]
    for group, label, path, _, r, before in rows:
        net = label if group == "network" else network_of(path)
        name = f"all mechanisms ({label})" if group == "network" else f"{label}.yaml"
        s = per_day(r)
        line = (f"| {name} | {net} | {r['build_s']:.2f} | {s:.4f} | {max(r['day_seconds']):.3f} | {r['days']} "
                f"| {r['peak_rss_mib']:,.0f} |")
        if has_before:
            if before is None:
                line += " | | | |"
            else:
                line += (f" {before['build_s']:.2f} | {per_day(before):.4f} | {before['build_s'] / r['build_s']:.1f}x "
                         f"| {per_day(before) / s:.2f}x |")
        if group == "scenario":
            ok_b, ok_d = r["build_s"] <= TARGETS["scenario_build_s_1e6"], s <= TARGETS["scenario_s_per_day_1e6"]
            line += f" build {verdict(ok_b)}, day {verdict(ok_d)} |"
        else:
            line += " (no target) |"
        lines.append(line)
    lines += ["", "Where the time goes (build: seconds; day: seconds per day; three largest stages):", "",
              "| | build stages | day stages |", "|---|---|---|"]
    for group, label, path, _, r, _ in rows:
        name = f"all mechanisms ({label})" if group == "network" else f"{label}.yaml"
        lines.append(f"| {name} | {top_stages(r, 'build: ')} | {top_stages(r, 'day: ')} |")
    return "\n".join(lines)


def print_profile(prefix: Path, k: int = 12) -> None:
    import pstats

    for part in ("build", "days"):
        path = Path(f"{prefix}.{part}.pstats")
        if path.exists():
            print(f"\ncProfile, {prefix.name} {part}, top {k} by own time:", flush=True)
            pstats.Stats(str(path), stream=sys.stdout).sort_stats("tottime").print_stats(k)


def run_matrix(args) -> int:
    info = machine_info()
    print(f"# scale, every network model and every shipped scenario — {info['date']}, {info['cpus']} CPUs "
          f"({info['cpu']}), Python {info['python']}, numpy {info['numpy']}, Mesa {info['mesa']}, "
          f"{info['mem_available_gib']:.1f} GiB available")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}", flush=True)
    n = args.matrix_size
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for group, label, path, over in matrix_cases(n, args.out, args.only):
        days = args.matrix_days if args.matrix_days > 0 else 0  # 0: the scenario's own steps
        before = None
        if args.before_root:  # the older checkout first, then this one: the ratio is measured back to back
            before = run_case("vectorised", path, days, over, package_root=args.before_root)
            print(f"  before {label:>28}: build {before['build_s']:.2f} s, {per_day(before):.4f} s/day",
                  file=sys.stderr, flush=True)
        prof = args.out / f"profile_{label}" if args.profile else None
        r = run_case("vectorised", path, days, over, profile=prof)
        print(f"  {label:>35}: build {r['build_s']:.2f} s, {per_day(r):.4f} s/day over {r['days']} days, "
              f"peak {r['peak_rss_mib']:,.0f} MiB", file=sys.stderr, flush=True)
        rows.append((group, label, path, over, r, before))
        if prof:
            print_profile(prof)
    print()
    print(f"{n:,} consumers; days: {'each scenario its own steps' if args.matrix_days <= 0 else args.matrix_days}"
          + (f"; before: simcommerce from {args.before_root}" if args.before_root else ""))
    print()
    print(matrix_report(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matrix.json").write_text(json.dumps(
        {"machine": info, "argv": sys.argv, "consumers": n,
         "rows": [{"group": g, "label": lb, "scenario": str(p), "overrides": o, "result": r, "before": b}
                  for g, lb, p, o, r, b in rows]}, indent=2))
    print(f"\ndata: {args.out / 'matrix.json'}")
    return 0


# ---------------------------------------------------------------------------- analysis and report


def per_day(r: dict, first: int | None = None) -> float:
    days = r["day_seconds"][:first] if first else r["day_seconds"]
    return sum(days) / len(days)


def fit_slope(rows: list[dict], n_min: int = 100_000) -> float | None:
    """Least-squares slope of log(s/day) against log(N) over the sizes >= n_min."""
    pts = [(math.log(r["consumers"]), math.log(per_day(r))) for r in rows if r["consumers"] >= n_min]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(vec: list[dict], naive: dict, slope: float | None) -> str:
    lines = ["| consumers | build s | s/day | consumer-days/s | peak RSS MiB | RSS after build MiB | days |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in vec:
        n, s = r["consumers"], per_day(r)
        lines.append(f"| {n:,} | {r['build_s']:.2f} | {s:.4f} | {n / s:,.0f} | {r['peak_rss_mib']:,.0f} "
                     f"| {r['rss_after_build_mib']:,.0f} | {r['days']} |")
    lines.append("")
    if slope is not None:
        lines.append(f"- slope of log(s/day) on log(N), 10^5 and up: **{slope:.2f}** "
                     f"(target <= {TARGETS['slope']}: {verdict(slope <= TARGETS['slope'])})")
    by_n = {r["consumers"]: r for r in vec}
    if 1_000_000 in by_n:
        r = by_n[1_000_000]
        s, gib = per_day(r), r["peak_rss_mib"] / 1024
        lines.append(f"- 10^6: {s:.3f} s/day (target <= {TARGETS['s_per_day_1e6']}: "
                     f"{verdict(s <= TARGETS['s_per_day_1e6'])}), peak {gib:.2f} GiB "
                     f"(target <= {TARGETS['rss_gib_1e6']:.0f}: {verdict(gib <= TARGETS['rss_gib_1e6'])})")
    if 10_000_000 in by_n:
        r = by_n[10_000_000]
        gib, s = r["peak_rss_mib"] / 1024, per_day(r)
        lines.append(f"- 10^7: built in {r['build_s']:.1f} s (target <= {TARGETS['build_s_1e7']:.0f}: "
                     f"{verdict(r['build_s'] <= TARGETS['build_s_1e7'])}), {s:.3f} s/day (target <= "
                     f"{TARGETS['s_per_day_1e7']}: {verdict(s <= TARGETS['s_per_day_1e7'])}), {r['days']} days in "
                     f"{sum(r['day_seconds']):.0f} s, peak {gib:.2f} GiB (target <= {TARGETS['rss_gib_1e7']:.0f}: "
                     f"{verdict(gib <= TARGETS['rss_gib_1e7'])})")
        lines.append(f"  - build stages: {top_stages(r, 'build: ', 5)}; day stages (s/day): {top_stages(r, 'day: ', 5)}")
    for label, (v, nv) in naive.items():
        k = len(nv["day_seconds"])
        ratio = per_day(nv) / per_day(v, k)
        lines.append(f"- naive Mesa reference, {label}, {nv['consumers']:,} consumers, days 1-{k}: "
                     f"{per_day(nv):.3f} s/day vs {per_day(v, k):.4f} s/day vectorised: **{ratio:.0f}x** "
                     f"(target >= {TARGETS['naive_ratio']:.0f}x: {verdict(ratio >= TARGETS['naive_ratio'])})")
    return "\n".join(lines)


def plot(vec: list[dict], slope: float | None, path: Path) -> None:
    """Log-log plot of time per day (and peak RSS) against N, with the fitted slope; self-contained HTML."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ns = [r["consumers"] for r in vec]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("time per simulated day", "peak memory (RSS)"))
    fig.add_trace(go.Scatter(x=ns, y=[per_day(r) for r in vec], mode="lines+markers", name="s/day, all mechanisms"),
                  row=1, col=1)
    big = [r for r in vec if r["consumers"] >= 100_000]
    if slope is not None and big:
        n0, s0 = big[0]["consumers"], per_day(big[0])
        # the least-squares line: through the mean of (log N, log s/day) with the fitted slope
        mx = sum(math.log(r["consumers"]) for r in big) / len(big)
        my = sum(math.log(per_day(r)) for r in big) / len(big)
        ends = [n0, big[-1]["consumers"]]
        fit = [math.exp(my + slope * (math.log(n) - mx)) for n in ends]
        fig.add_trace(go.Scatter(x=ends, y=fit, mode="lines", line={"dash": "dash"},
                                 name=f"fitted slope {slope:.2f} (10^5 up)"), row=1, col=1)
        fig.add_trace(go.Scatter(x=[n0, big[-1]["consumers"]], y=[s0, s0 * big[-1]["consumers"] / n0], mode="lines",
                                 line={"dash": "dot", "color": "grey"}, name="linear (slope 1)"), row=1, col=1)
    fig.add_trace(go.Scatter(x=ns, y=[r["peak_rss_mib"] / 1024 for r in vec], mode="lines+markers",
                             name="peak RSS GiB"), row=1, col=2)
    fig.update_xaxes(type="log", title_text="consumers")
    fig.update_yaxes(type="log", title_text="seconds per day", row=1, col=1)
    fig.update_yaxes(type="log", title_text="GiB", row=1, col=2)
    fig.update_layout(title="simcommerce at scale: every mechanism on", width=1100, height=480)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True)


def screenshot(html: Path, png: Path) -> bool:
    """A PNG of the plot with headless Chromium, where it is installed (the HTML is the figure of record)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        return False
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1120,500",
           f"--screenshot={png}", html.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0 and png.exists()


def machine_info() -> dict:
    return dict(machine(), mem_available_gib=mem_available_gib())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--write-edge-list"]:
        write_edge_list(int(argv[1]), Path(argv[2]), int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 10_000_000])
    parser.add_argument("--days", type=int, default=30, help="days per size")
    parser.add_argument("--scenario", default=str(SCENARIO))
    parser.add_argument("--naive-size", type=int, default=100_000)
    parser.add_argument("--naive-days", type=int, default=5)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive reference")
    parser.add_argument("--min-free-gib", type=float, default=21.0, help="memory to wait for before 10^7 and up")
    parser.add_argument("--wait-minutes", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "scale", help="folder for the plot and JSON")
    parser.add_argument("--replot", type=Path, help="only redraw the plot from a scale.json written before")
    parser.add_argument("--matrix", action="store_true",
                        help="instead: the all-mechanisms market on every network model and every shipped scenario "
                             "at --matrix-size consumers")
    parser.add_argument("--matrix-size", type=int, default=1_000_000)
    parser.add_argument("--matrix-days", type=int, default=30, help="days per case; 0: each scenario's own steps")
    parser.add_argument("--only", nargs="+", help="matrix rows to run: network model names or scenario stems")
    parser.add_argument("--before-root", type=Path,
                        help="also run each matrix case, just before, with simcommerce from this checkout "
                             "(e.g. a worktree of an older commit) and report the ratios")
    parser.add_argument("--profile", action="store_true", help="matrix: cProfile each case (build and days)")
    args = parser.parse_args(argv)
    if args.matrix:
        return run_matrix(args)
    if args.replot:
        data = json.loads(args.replot.read_text())
        plot(data["vectorised"], data["slope"], args.out / "scale.html")
        screenshot(args.out / "scale.html", args.out / "scale.png")
        return 0
    info = machine_info()
    print(f"# scale — {info['date']}, {info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, "
          f"numpy {info['numpy']}, {info['mem_available_gib']:.1f} GiB available")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}", flush=True)
    scenario = Path(args.scenario)
    vec = []
    for n in args.sizes:
        if n >= 10_000_000:
            free = wait_for_memory(args.min_free_gib, args.wait_minutes)
            print(f"  {free:.1f} GiB available before {n:,}", file=sys.stderr, flush=True)
        vec.append(run_case("vectorised", scenario, args.days, scaled_overrides(scenario, n)))
        r = vec[-1]
        print(f"  vectorised {n:>11,}: build {r['build_s']:.1f} s, {per_day(r):.4f} s/day, "
              f"peak {r['peak_rss_mib']:,.0f} MiB", file=sys.stderr, flush=True)
    naive = {}
    if not args.no_naive:
        v = next((r for r in vec if r["consumers"] == args.naive_size), None)
        if v is None:
            v = run_case("vectorised", scenario, args.days, scaled_overrides(scenario, args.naive_size))
        naive["all-mechanisms scenario (the reference skips what it lacks)"] = (
            v, run_case("naive", scenario, args.naive_days, scaled_overrides(scenario, args.naive_size)))
        same = scaled_overrides(BASELINE, args.naive_size)
        naive["baseline scenario (same work)"] = (run_case("vectorised", BASELINE, args.days, same),
                                                  run_case("naive", BASELINE, args.naive_days, same))
        for label, (_, nv) in naive.items():
            print(f"  naive {label}: {per_day(nv):.3f} s/day", file=sys.stderr, flush=True)
    slope = fit_slope(vec)
    print()
    print(report(vec, naive, slope))
    args.out.mkdir(parents=True, exist_ok=True)
    plot(vec, slope, args.out / "scale.html")
    if screenshot(args.out / "scale.html", args.out / "scale.png"):
        print(f"picture: {args.out / 'scale.png'}")
    (args.out / "scale.json").write_text(json.dumps(
        {"machine": info, "argv": sys.argv, "vectorised": vec, "slope": slope,
         "naive": {k: {"vectorised": v, "naive": nv} for k, (v, nv) in naive.items()}}, indent=2))
    print(f"\nplot: {args.out / 'scale.html'}; data: {args.out / 'scale.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
