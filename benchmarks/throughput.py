"""Throughput benchmark: the vectorised market against the naive Mesa reference.

For each size, in a fresh subprocess (so that peak memory is that run's own):

* the vectorised model (:class:`simcommerce.Market`) on ``scenarios/baseline.yaml`` with
  ``population.consumers`` overridden, end to end: build, every day, the result tables;
* the naive reference (``benchmarks/naive_mesa.py``: one Mesa agent per consumer) for a
  few days only — it is slow — to get its time per day.

Build time is reported separately and excluded from every per-day figure. The speed
ratio is computed on the same days (1..``--naive-days``) for both models, both measured
in this one invocation (the machines are shared and noisy: compare ratios within a run).

Usage::

    .venv/bin/python benchmarks/throughput.py                       # 10k and 100k, 120 days
    .venv/bin/python benchmarks/throughput.py --sizes 10000 100000 --days 120 --naive-days 10
    .venv/bin/python benchmarks/throughput.py --json results/throughput.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from cases import machine, run_case  # noqa: E402  (beside this file)

TARGET_SECONDS_100K = 20.0  # 100k consumers x 120 days, baseline, end to end
TARGET_RATIO_100K = 30.0  # vectorised vs naive, per day, at 100k


# ---------------------------------------------------------------------------- report


def mean(xs) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def report(vec: list[dict], naive: list[dict], days: int, naive_days: int) -> str:
    lines = [f"### Vectorised model, baseline, {days} days, end to end", "",
             "| consumers | build s | days s | end to end s | s/day | consumer-days/s (days only) "
             "| consumer-days/s (end to end) | peak RSS MiB | RSS after imports MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in vec:
        n = r["consumers"]
        lines.append(f"| {n:,} | {r['build_s']:.2f} | {r['days_s']:.2f} | {r['end_to_end_s']:.2f} "
                     f"| {r['days_s'] / r['days']:.4f} | {n * r['days'] / r['days_s']:,.0f} "
                     f"| {n * r['days'] / r['end_to_end_s']:,.0f} | {r['peak_rss_mib']:.0f} "
                     f"| {r['rss_after_imports_mib']:.0f} |")
    lines += ["", f"### Naive Mesa reference, baseline, first {naive_days} days", "",
              "| consumers | build s | s/day | consumer-days/s | peak RSS MiB |", "|---:|---:|---:|---:|---:|"]
    for r in naive:
        n = r["consumers"]
        lines.append(f"| {n:,} | {r['build_s']:.2f} | {r['days_s'] / r['days']:.3f} "
                     f"| {n * r['days'] / r['days_s']:,.0f} | {r['peak_rss_mib']:.0f} |")
    lines += ["", f"### Speed per day, vectorised / naive (days 1-{naive_days}, build excluded)", "",
              f"| consumers | vectorised s/day (days 1-{naive_days}) | naive s/day | ratio "
              f"| vectorised s/day (all {days} days) | ratio vs all-day mean |",
              "|---:|---:|---:|---:|---:|---:|"]
    ratios = {}
    for v, nv in zip(vec, naive):
        k = min(naive_days, len(v["day_seconds"]), len(nv["day_seconds"]))
        v_same, n_day = mean(v["day_seconds"][:k]), mean(nv["day_seconds"][:k])
        v_all = v["days_s"] / v["days"]
        ratios[v["consumers"]] = n_day / v_same
        lines.append(f"| {v['consumers']:,} | {v_same:.4f} | {n_day:.3f} | {n_day / v_same:.0f}x "
                     f"| {v_all:.4f} | {n_day / v_all:.0f}x |")
    lines.append("")
    big = {r["consumers"]: r for r in vec}.get(100_000)
    if big is not None and big["days"] == 120:
        ok = big["end_to_end_s"] <= TARGET_SECONDS_100K
        lines.append(f"- target 100k x 120 days end to end <= {TARGET_SECONDS_100K:.0f} s: "
                     f"{big['end_to_end_s']:.1f} s ({'met' if ok else 'NOT met'}; process wall including "
                     f"interpreter start and imports {big['process_wall_s']:.1f} s)")
    if 100_000 in ratios:
        ok = ratios[100_000] >= TARGET_RATIO_100K
        lines.append(f"- target vectorised vs naive at 100k >= {TARGET_RATIO_100K:.0f}x per day: "
                     f"{ratios[100_000]:.0f}x ({'met' if ok else 'NOT met'})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="numbers of consumers")
    parser.add_argument("--days", type=int, default=120, help="days of the vectorised runs")
    parser.add_argument("--naive-days", type=int, default=10, help="days of the naive reference runs")
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--no-naive", action="store_true", help="skip the naive reference")
    parser.add_argument("--json", type=Path, help="also write all measurements to this JSON file")
    args = parser.parse_args(argv)
    info = machine()
    print(f"# throughput — {info['date']}, {info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, "
          f"numpy {info['numpy']}, Mesa {info['mesa']}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}", flush=True)
    vec, naive = [], []
    for n in args.sizes:
        vec.append(run_case("vectorised", args.scenario, args.days, {"population.consumers": n}))
        print(f"  vectorised {n:>9,}: {vec[-1]['end_to_end_s']:.2f} s end to end", file=sys.stderr, flush=True)
    if not args.no_naive:
        for n in args.sizes:
            naive.append(run_case("naive", args.scenario, args.naive_days, {"population.consumers": n}))
            print(f"  naive      {n:>9,}: {naive[-1]['days_s'] / args.naive_days:.3f} s/day", file=sys.stderr,
                  flush=True)
    print()
    print(report(vec, naive, args.days, args.naive_days))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": info, "argv": sys.argv, "vectorised": vec, "naive": naive},
                                        indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
