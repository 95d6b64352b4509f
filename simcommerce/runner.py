"""Run a scenario's replications: one run = (scenario, seed) -> time-series tables; ``simcommerce run`` as a
one-policy experiment (:func:`one_policy_experiment`), written by the same store as experiments."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .market import Market


@dataclass
class RunResult:
    """The tables of one run.

    Attributes:
        run: replication number (0-based); seed: its root seed.
        market: one row per day (market-level metrics).
        brands: one row per day and brand.
        summary: one row of end-of-run figures (the runs table; no timings, so tables are reproducible).
        referrals, promoter_earnings: event data for cascade and earnings analyses (None without referral).
        build_seconds, seconds: wall time of the build, and of build + run.
    """

    run: int
    seed: int
    market: pd.DataFrame
    brands: pd.DataFrame
    summary: dict
    build_seconds: float
    seconds: float
    referrals: pd.DataFrame | None = None  # referral events (cascade edges), when the referral mechanism runs
    promoter_earnings: np.ndarray | None = None  # commission earned by each promoter (currency units)


def run_once(scenario: dict, run: int, seed: int, progress=None, profile: dict | None = None) -> RunResult:
    """Build and run one market; ``progress(day)`` is called after each day; ``profile``, a dict, gathers the CPU
    seconds of each step of the day (:attr:`Market.profile`)."""
    t0 = time.perf_counter()
    market = Market(scenario, seed=seed)
    market.profile = profile
    build = time.perf_counter() - t0
    market.run(progress=progress)
    market_ts, brand_ts = market.recorder.frames()
    for df in (market_ts, brand_ts):
        df.insert(0, "seed", seed)
        df.insert(0, "run", run)
    seconds = time.perf_counter() - t0
    last = market_ts.iloc[-1]
    summary = {"run": run, "seed": seed, "days": int(last["day"]), "consumers": market.population.n}
    for col in market_ts.columns[3:]:  # after run, seed, day: the metrics; a day's flow is no end-of-run figure
        if not col.startswith("new_"):
            summary[col] = float(last[col])
    summary["max_money_imbalance"] = float(market_ts["money_imbalance"].max())
    referral = next((m for m in market.mechanisms if m.name == "referral"), None)
    result = RunResult(run, seed, market_ts, brand_ts, summary, build, seconds)
    if referral is not None:
        pop = market.population
        result.referrals = referral.referral_events()
        result.promoter_earnings = pop.promoter_earned[pop.promoter]
    return result


def seeds_for(scenario: dict, replications: int, seed: int | None = None) -> list[int]:
    """Root seeds of the replications: ``seed, seed+1, ...`` (default: the scenario's seed)."""
    first = scenario["seed"] if seed is None else seed
    return [first + r for r in range(replications)]


def run(scenario: dict, replications: int = 1, seed: int | None = None, progress=None) -> list[RunResult]:
    """Run ``replications`` of a scenario sequentially.

    Args:
        scenario: a resolved scenario.
        replications: number of runs; run r uses root seed ``seed + r``.
        seed: first root seed (default: the scenario's).
        progress: optional callable ``progress(run, day)``.
    """
    results = []
    for r, s in enumerate(seeds_for(scenario, replications, seed)):
        cb = (lambda day, r=r: progress(r, day)) if progress else None
        results.append(run_once(scenario, r, s, cb))
    return results


def policy_name(scenario_name: str) -> str:
    """The policy name of a run of the scenario ``scenario_name``: its name, other characters than letters,
    digits, ``_ . -`` as ``_`` (a folder name in the store)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(scenario_name)).strip("_.-")
    return name if name and name[0].isalnum() else f"run_{name}".rstrip("_")


def one_policy_experiment(scenario: dict, path: str | Path, replications: int = 1, seed: int | None = None):
    """``simcommerce run`` as an :class:`~simcommerce.experiment.Experiment`: one policy (no overrides) named
    after the scenario (:func:`policy_name`), ``replications`` runs with root seeds ``seed, seed+1, ...``
    (default: the scenario's seed), base = the scenario file ``path``, no sweep."""
    from .experiment import Experiment

    policy = policy_name(scenario["name"])
    file = str(Path(path).resolve())
    return Experiment(name=scenario["name"], description=scenario.get("description", ""), file=file, base=file,
                      base_data={}, scenario=scenario, replications=replications,
                      seed=scenario["seed"] if seed is None else seed, policies={policy: {}}, reference=policy,
                      metrics=[])
