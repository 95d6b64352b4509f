"""When does hype pay? Hype's profit relative to an honest copy of itself in competition.yaml
(claimed_quality lowered to its true quality), paired seeds, over false-advertising settings.

Usage: python scripts/hype_sweep.py [CONSUMERS] [DAYS] [SEEDS]   (defaults: 20000 180 5)
Prints one line per setting; the figures are in docs/model.md ("False advertising").
"""

from __future__ import annotations

import sys

import numpy as np

from simcommerce import Market, load_scenario

SETTINGS = [{"enabled": False}, {"detection_rate": 0.005}, {"detection_rate": 0.01}, {}, {"detection_rate": 0.05},
            {"detection_rate": 0.1}, {"fine_multiple": 5}, {"fine_multiple": 10}, {"fine_multiple": 20},
            {"fine_multiple": 50}, {"correct_claims": False}, {"news_severity": 0.0},
            {"news_severity": 0.0, "correct_claims": False}]


def hype_profit(overrides: dict, seed: int, honest: bool = False) -> tuple[float, float]:
    sc = load_scenario("scenarios/competition.yaml", overrides=overrides)
    hype = [b["name"] for b in sc["brands"]].index("Hype")
    if honest:
        product = sc["brands"][hype]["products"][0]
        product["claimed_quality"] = product["quality"]
    m = Market(sc, seed=seed)
    m.run()
    return float(m.ledger.profit()[hype]), float(m.ledger.brand["fines"][hype])


def main(consumers: int = 20000, days: int = 180, seeds: int = 5) -> None:
    base = {"population.consumers": consumers, "steps": days}
    honest = np.array([hype_profit(base, s, honest=True)[0] for s in range(1, seeds + 1)])
    print(f"honest copy: profit {honest.mean():.0f}")
    for setting in SETTINGS:
        ov = {**base, "mechanisms.false_advertising.enabled": True,
              **{f"mechanisms.false_advertising.{k}": v for k, v in setting.items()}}
        runs = np.array([hype_profit(ov, s) for s in range(1, seeds + 1)])
        ratio = runs[:, 0] / honest
        print(f"{setting or 'defaults'}: Hype / honest profit {ratio.mean():.2f} ± "
              f"{ratio.std(ddof=1) / np.sqrt(seeds):.2f}, fines {runs[:, 1].mean():.0f}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:4]))
