"""Targeting at equal spend: privacy.yaml as shipped (interest targeting, precision 0.9) against random
delivery of the same impressions, paired seeds (the same seed in both arms).

Usage: python scripts/targeting_paired.py [SEEDS] [OVERRIDES]
  SEEDS: seeds 1..SEEDS (default 6).
  OVERRIDES: a Python dict of dotted overrides applied to both arms, e.g.
             "{'brands.Glow.policy.ads.frequency_cap': None}" or
             "{'brands.Glow.policy.ads.impressions_per_day': 15000}".
Prints mean orders per arm, spend / revenue, and the paired relative difference (mean ± standard error).
Figures: docs/model.md, "What marketing costs".
"""

from __future__ import annotations

import ast
import sys

import numpy as np

from simcommerce import Market, load_scenario


def ends(overrides: dict, seed: int) -> tuple[float, float, float]:
    """(orders, ad spend, revenue paid) at the end of one run of privacy.yaml."""
    m = Market(load_scenario("scenarios/privacy.yaml", overrides=overrides), seed=seed)
    m.run()
    f = m.ledger.brand
    last = m.recorder.frames()[0].iloc[-1]
    return float(last["cum_orders"]), float(last["cum_ad_spend"]), float((f["revenue"] - f["discounts"]).sum())


def main(seeds: int = 6, extra: dict | None = None) -> None:
    extra = extra or {}
    rows = np.array([ends(extra, s) + ends({**extra, "brands.Glow.policy.ads.targeting": "random"}, s)
                     for s in range(1, seeds + 1)])
    gain = rows[:, 0] / rows[:, 3] - 1
    print(f"targeted: orders {rows[:, 0].mean():.0f}, spend/revenue {rows[:, 1].sum() / rows[:, 2].sum():.1%}")
    print(f"random:   orders {rows[:, 3].mean():.0f}, spend/revenue {rows[:, 4].sum() / rows[:, 5].sum():.1%}")
    print(f"paired difference (targeted / random - 1): {gain.mean():+.1%} ± "
          f"{gain.std(ddof=1) / np.sqrt(seeds):.1%} (seeds 1-{seeds}: {np.round(gain, 3)})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6, ast.literal_eval(sys.argv[2]) if len(sys.argv) > 2 else None)
