"""Paired-seed effect of group buying: the same seeds with and without it (issue 15, item 7).

    PYTHONPATH=. python experiments/paired/group_buying_paired.py scenarios/group_buying.yaml \
        --seeds 1-8 [--consumers 20000] [--set key=value ...]

"Without" = ``mechanisms.group_buying.enabled: false`` (everything else identical, same seeds;
group buying draws only from its own streams, so the two arms differ only by it).
Prints per brand the mean ± standard deviation (over seeds) of the paired differences of
orders and profit, and the relative difference of the mean.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import yaml

from simcommerce import Market, load_scenario


def run(path, overrides, seed):
    m = Market(load_scenario(path, overrides=overrides), seed=seed)
    m.run()
    f = m.ledger
    orders = m.population.orders_by_brand.sum(axis=0).astype(float)
    return orders, f.profit().astype(float), m.recorder.frames()[0].iloc[-1]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--seeds", default="1-8")
    ap.add_argument("--consumers", type=int)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--set", action="append", default=[], help="dotted.key=yaml-value override (both arms)")
    a = ap.parse_args(argv)
    lo, _, hi = a.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    ov = {k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in a.set)}
    if a.consumers:
        ov["population.consumers"] = a.consumers
    if a.steps:
        ov["steps"] = a.steps
    d_o, d_p, base_o, base_p, rates = [], [], [], [], []
    for s in seeds:
        o1, p1, last = run(a.scenario, ov, s)
        o0, p0, _ = run(a.scenario, {**ov, "mechanisms.group_buying.enabled": False}, s)
        d_o.append(o1 - o0), d_p.append(p1 - p0), base_o.append(o0), base_p.append(p0)
        rates.append(last.get("group_success_rate", np.nan))
        print(f"seed {s}: orders {o0.sum():.0f} -> {o1.sum():.0f}, profit {p0.sum():.0f} -> {p1.sum():.0f}, "
              f"group success {rates[-1]:.2f}", file=sys.stderr)
    d_o, d_p, base_o, base_p = map(np.array, (d_o, d_p, base_o, base_p))
    print(f"{a.scenario} {ov} seeds {seeds.start}-{seeds.stop - 1} (n={len(seeds)})")
    print(f"  group success rate {np.nanmean(rates):.2f} ± {np.nanstd(rates, ddof=1):.2f}")
    for b in range(d_o.shape[1]):
        print(f"  brand {b}: orders {d_o[:, b].mean():+.1f} ± {d_o[:, b].std(ddof=1):.1f} "
              f"({100 * d_o[:, b].mean() / base_o[:, b].mean():+.1f}%), "
              f"profit {d_p[:, b].mean():+.0f} ± {d_p[:, b].std(ddof=1):.0f} "
              f"({100 * d_p[:, b].mean() / abs(base_p[:, b].mean()):+.1f}%)  [sd over seeds of paired diffs]")


if __name__ == "__main__":
    main()
