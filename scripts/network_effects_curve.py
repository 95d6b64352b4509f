"""Value per user against the number of users: scenarios/network_effects.yaml at several sizes, with
stickiness off, with its local part only (peer effect and habit, size_effect 0) and fully on.

Usage: python scripts/network_effects_curve.py [DAYS] [SEEDS]   (defaults: 120 5)
Prints one line per (setting, consumers): orders per consumer at the end (mean ± standard error
over seeds 1..SEEDS, the same seeds in every column), mean daily active share after the first
month, adoption share (active in the last week) at the end. The figures are in docs/validation.md
("Stickiness and network effects").
"""

from __future__ import annotations

import sys

import numpy as np

from simcommerce import Market, load_scenario

SIZES = (2500, 5000, 10000, 20000)
SETTINGS = {"off": {"mechanisms.stickiness.enabled": False},
            "local only (size_effect 0)": {"mechanisms.stickiness.size_effect": 0.0},
            "on (defaults)": {}}


def measure(overrides: dict, consumers: int, days: int, seed: int) -> tuple[float, float, float]:
    """(orders per consumer, mean active share from day 31, final adoption share) of one run."""
    sc = load_scenario("scenarios/network_effects.yaml",
                       overrides={"population.consumers": consumers, "steps": days, **overrides})
    m = Market(sc, seed=seed)
    m.run()
    daily = m.recorder.frames()[0]
    last = daily.iloc[-1]
    return (last["cum_orders"] / consumers, daily["n_active"].iloc[30:].mean() / consumers,
            float(last.get("adoption_share", np.nan)))


def main(days: int = 120, seeds: int = 5) -> None:
    for label, overrides in SETTINGS.items():
        for n in SIZES:
            runs = np.array([measure(overrides, n, days, s) for s in range(1, seeds + 1)])
            orders = runs[:, 0]
            adoption = "–" if np.isnan(runs[:, 2]).all() else f"{runs[:, 2].mean():.3f}"  # reported by stickiness
            print(f"{label:28s} N={n:6d}: orders/consumer {orders.mean():.4f} ± "
                  f"{orders.std(ddof=1) / np.sqrt(seeds):.4f}, active share {runs[:, 1].mean():.3f}, "
                  f"adoption share {adoption}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
