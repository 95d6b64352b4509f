"""Calibration: fit a scenario's parameters to observed data (``simcommerce calibrate FILE --out DIR``).

A calibration file (YAML)::

    name: glow_fit
    base: ../../scenarios/baseline.yaml     # the scenario to fit, relative to this file
    parameters:                             # dotted scenario keys -> bounds (and a prior shape)
      mechanisms.decision.intent_rate: {min: 0.005, max: 0.08, prior: log_uniform}
      population.share_propensity: {min: 0.05, max: 0.8}           # prior: uniform (default)
    targets:
      observed: observed.csv                # a `day` column and daily market metrics (new_orders, ...);
                                            # with a `brand` column, the brands table's metrics per brand
      metrics: [new_orders, new_shares]     # default: every column of the file but day/brand
      period_days: 7                        # daily values are summed (flows) or averaged per period
      statistics:                           # ... and/or end-of-run summary statistics
        referral_success_per_recommendation: {value: 0.0093, tolerance: 0.002}
    holdout: {days: 28}                     # the last days (and/or `statistics: [name]`) kept out of the fit
    seeds: 3                                # runs per candidate: seeds seed, seed+1, ... for every candidate
    seed: 1                                 # (common random numbers across candidates)
    budget: 150                             # runs in all (candidates x seeds)
    sampler: tpe                            # tpe | cmaes | random (optuna)

The format is declared by :func:`calibration_spec` (docs/calibration-reference.md, ``simcommerce schema
--calibration``); :func:`load_calibration` adds what needs the base scenario and the observed file.

**The distance** is a Gaussian synthetic likelihood (Wood 2010): each observed period is compared with a
candidate's mean over its ``seeds`` runs, with a quasi-Poisson noise variance (dispersion x mean for counts)
whose dispersion is the median over all candidates, inflated for the estimated mean and down-weighted for the
correlation between neighbouring periods; summary statistics are scored against their target with the stated
tolerance (plus the seeds' spread) as the standard deviation. The loss is the negative log of that likelihood.

**The search** is optuna's TPE (or CMA-ES), asked for a batch of candidates at a time, evaluated by the
experiments' executors (local processes or Dask).

**The estimates and intervals** come from a quadratic fitted to the losses of the best candidates (the
Laplace approximation, which smooths each candidate's Monte Carlo noise): its minimum, and estimate ± 1.96 sd
on the prior's scale, clipped to the bounds; then a designed check (:func:`bound_checks`) extends an interval
to a bound toward which the loss does not rise. A parameter whose interval covers most of its bounds is *not
identified*; two parameters whose estimates are strongly correlated *trade off*. docs/calibration.md explains
the choices.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .experiment import (MAX_BOUND, _budget_fits_seeds, end_of_run_metrics, file_fields, range_spec, read_base,
                         read_spec_file, search_fields)
from .runspec import RunSpec
from .scenario import resolve_scenario
from .spec import NONBLANK, ListOf, Param, ScenarioError, Section, Source, describe, one_line, suggest

PRIORS = ("uniform", "log_uniform")
PROFILE_CUT = 0.5 * 3.841458820694124  # chi-square(1) 95% quantile / 2: a 95% rise of a negative log-likelihood
NOT_IDENTIFIED = 0.5   # an interval wider than this share of its bounds (log scale for log priors)
TRADE_OFF = 0.7        # |correlation| of two estimates above which the parameters trade off


def _ratio(num: str, den: str):
    return lambda last: float(last[num]) / max(float(last[den]), 1.0)


# end-of-run statistics beyond the market metrics' last values: name -> (meaning, function of the last row)
STATISTICS = {
    "referral_success_per_recommendation": ("referral orders per consumer reached by a share",
                                            _ratio("cum_referral_orders", "cum_share_reach")),
    "forwards_per_order": ("shares per order (Leskovec et al.'s buyers who forward)", _ratio("cum_shares", "cum_orders")),
    "live_conversion_rate": ("live orders per live viewer", _ratio("cum_live_orders", "cum_live_viewers")),
    "live_return_share": ("live returns per live order", _ratio("cum_live_returns", "cum_live_orders")),
    "repeat_customer_share": ("repeat customers per customer", _ratio("n_repeat_customers", "n_customers")),
    "marketing_share_of_gmv": (
        "marketing spend (ads, influencer fees, live slot fees and commission, referral commission, fake reviews) "
        "per unit of GMV",
        lambda last: sum(float(last[c]) for c in ("cum_ad_spend", "cum_influencer_fees", "cum_live_slot_fees",
                                                   "cum_live_commission", "cum_commission", "cum_fake_review_spend"))
        / max(float(last["cum_gmv"]), 1.0)),
}


def _log_prior_positive(rng: dict, given: dict, path: str, src: Source) -> None:
    """A log_uniform prior's `min` > 0."""
    if rng["prior"] == "log_uniform" and rng["min"] <= 0:
        raise src.error(f"{path}.min", "a number > 0 with a log_uniform prior", describe(rng["min"]))


def _observed_or_statistics(targets: dict, given: dict, path: str, src: Source) -> None:
    """`observed` (a CSV file) and/or `statistics`; `metrics` only with `observed`, and not empty."""
    if not given or not {"observed", "statistics"} & set(given):
        raise src.error(path, "a mapping with 'observed' (a CSV file) and/or 'statistics'",
                        "it missing" if not given else describe(given))
    if "metrics" in given and targets["observed"] is None:
        raise src.error(f"{path}.metrics", "no 'metrics' without 'observed' (they name its columns)",
                        describe(given["metrics"]))
    if "metrics" in given and not targets["metrics"]:
        raise src.error(f"{path}.metrics", "a non-empty list of column names of the observed file",
                        describe(given["metrics"]))


def _positive_tolerance(target: dict, given: dict, path: str, src: Source) -> None:
    """A statistic's `tolerance` > 0."""
    if target["tolerance"] <= 0:
        raise src.error(f"{path}.tolerance", "a number > 0", describe(target["tolerance"]))


def calibration_spec() -> Section:
    """The calibration file format (see the module docstring)."""
    statistic = Section({
        "value": Param(None, "float", "the target value", min=-MAX_BOUND, max=MAX_BOUND, required=True),
        "tolerance": Param(None, "float", "its standard deviation, > 0", min=0, max=MAX_BOUND, required=True),
    }, "a target {value: x, tolerance: t}", checks=(_positive_tolerance,))
    return Section({
        **file_fields("calibration"),
        "parameters": Section({}, "dotted scenario key -> its bounds and prior", open_keys=range_spec(
            "the bounds of the key (both must be valid values of it) and its prior", "lowest value",
            {"prior": Param("uniform", "str", "prior shape (log_uniform: min > 0)", choices=PRIORS)},
            checks=(_log_prior_positive,)), key_pattern=NONBLANK, key_help="dotted scenario keys (text)",
            min_keys=1),
        "targets": Section({
            "observed": Param(None, "path", "a CSV file, relative to this file: a `day` column and daily market "
                              "metrics (with a `brand` column, the brands table's metrics per brand)",
                              nullable=True, pattern=NONBLANK),
            "metrics": ListOf(Param(None, "str", "a column of the observed file", pattern=NONBLANK),
                              "the observed columns to fit; default: every column but day/brand", unique=None),
            "period_days": Param(7, "int", "days per compared period: daily values summed (flows) or averaged, "
                                 "at most the scenario's steps", "days", 1, 36500),
            "statistics": Section({}, "end-of-run summary statistic (or market metric) -> its target",
                                  open_keys=statistic, key_pattern=NONBLANK, key_help="statistic names (text)"),
        }, "what the fit compares the runs with", checks=(_observed_or_statistics,)),
        "holdout": Section({
            "days": Param(0, "int", "final days kept out of the fit (with observed data; a multiple of "
                          "period_days)", "days", 0, 36500),
            "statistics": ListOf(Param(None, "str", "a target statistic", pattern=NONBLANK),
                                 "target statistics kept out of the fit", unique=None),
        }, "what is kept out of the fit, to check it"),
        **search_fields(50),
    }, "a calibration: a base scenario, free parameters, targets, a search", checks=(_budget_fits_seeds,))


@dataclass
class Parameter:
    """One free parameter: a dotted scenario key, its bounds and its prior shape."""

    key: str
    low: float
    high: float
    log: bool = False
    integer: bool = False

    def scale(self, x: float) -> float:
        """Position on the prior's scale (log for log priors), for widths and correlations."""
        return math.log(x) if self.log else x


@dataclass
class Calibration:
    """A validated calibration file (see the module docstring)."""

    name: str
    description: str
    file: str
    base: str
    base_data: dict
    scenario: dict
    parameters: list[Parameter]
    observed: pd.DataFrame | None
    metrics: list[str]
    by_brand: bool
    period_days: int
    statistics: dict[str, tuple[float, float]]
    holdout_days: int
    holdout_statistics: list[str]
    seeds: int
    seed: int
    budget: int
    sampler: str
    batch: int | None
    digest: str = ""
    _src: Source = field(default=None, repr=False)

    @property
    def trials(self) -> int:
        """Candidates in all (the budget in runs over the runs per candidate)."""
        return max(1, self.budget // self.seeds)

    def as_dict(self) -> dict:
        return {"name": self.name, "file": self.file, "base": self.base,
                "parameters": {p.key: {"min": p.low, "max": p.high, "log": p.log, "integer": p.integer}
                               for p in self.parameters},
                "metrics": self.metrics, "by_brand": self.by_brand, "period_days": self.period_days,
                "statistics": {k: {"value": v, "tolerance": t} for k, (v, t) in self.statistics.items()},
                "holdout_days": self.holdout_days, "holdout_statistics": self.holdout_statistics,
                "seeds": self.seeds, "seed": self.seed, "budget": self.budget, "sampler": self.sampler,
                "digest": self.digest}


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file.

    Raises:
        ScenarioError: on any problem, naming the file, the key path and line.
    """
    from .metrics import declared_columns

    path = Path(path)
    file = str(path)
    cal, _, src, text = read_spec_file(path, "calibration", calibration_spec(), "base, parameters, targets, ...")
    raw, base_src, base_file, base_text = read_base(cal["base"], src, path)
    scenario = resolve_scenario(raw, base_src, base_file.parent)
    raw = copy.deepcopy(raw)
    fr = (raw.get("network") or {}).get("friendship") or {}
    if isinstance(fr, dict) and fr.get("path"):
        fr["path"] = scenario["network"]["friendship"]["path"]  # absolute, so workers anywhere find it

    # --- parameters: both bounds must be valid values of the scenario key
    parameters = []
    for key, spec in cal["parameters"].items():
        kp = f"parameters.{key}"
        lo, hi = spec["min"], spec["max"]
        for v in (lo, hi):
            try:
                resolve_scenario(raw, base_src, ".", {key: v})
            except ScenarioError as exc:
                raise ScenarioError(file, kp, f"bounds that are valid values of the scenario key ({exc.expected})",
                                    f"{one_line(v)} ({exc.found})" if exc.found else one_line(v), src.line(kp)) from None
        parameters.append(Parameter(key, lo, hi, spec["prior"] == "log_uniform",
                                    isinstance(lo, int) and isinstance(hi, int)))

    # --- targets
    targets = cal["targets"]
    period = targets["period_days"]
    if period > scenario["steps"]:
        raise src.error("targets.period_days", f"a whole number of days from 1 to the scenario's steps "
                        f"({scenario['steps']})", describe(period))
    observed, metrics, by_brand = None, [], False
    if targets["observed"] is not None:
        observed, metrics, by_brand = _read_observed(targets, path.parent, src, scenario,
                                                     declared_columns(scenario))
    known = end_of_run_metrics([scenario]) | set(STATISTICS)
    statistics = {}
    for sname, spec in targets["statistics"].items():
        if sname not in known:
            raise src.error(f"targets.statistics.{sname}", "a summary statistic or end-of-run market metric" +
                            suggest(sname, sorted(known)), one_line(sname))
        statistics[sname] = (spec["value"], spec["tolerance"])

    # --- holdout
    hdays, hstats = cal["holdout"]["days"], cal["holdout"]["statistics"]
    n_periods = scenario["steps"] // period
    if observed is None and hdays:
        raise src.error("holdout.days", "a whole number of final days kept out of the fit (with observed data)",
                        describe(hdays))
    if hdays and (hdays % period or hdays // period >= n_periods):
        raise src.error("holdout.days", f"a multiple of period_days ({period}) leaving at least one period to fit "
                        f"({n_periods} in all)", describe(hdays))
    if any(s not in statistics for s in hstats):
        raise src.error("holdout.statistics", "a list of target statistics to keep out of the fit", describe(hstats))
    if not metrics and len(hstats) == len(statistics):
        raise src.error("holdout.statistics", "at least one statistic left to fit", describe(hstats))

    # --- seeds, budget, sampler
    seeds, sampler, batch = cal["seeds"], cal["sampler"], cal["batch"]
    seed = scenario["seed"] if cal["seed"] is None else cal["seed"]
    budget = 50 * seeds if cal["budget"] is None else cal["budget"]
    digest = hashlib.sha256(text.encode() + base_text.encode() +
                            (observed.to_csv(index=False).encode() if observed is not None else b"")).hexdigest()[:16]
    return Calibration(name=cal["name"] or path.stem, description=cal["description"], file=str(path.resolve()),
                       base=str(base_file.resolve()), base_data=raw, scenario=scenario, parameters=parameters,
                       observed=observed, metrics=metrics, by_brand=by_brand, period_days=period,
                       statistics=statistics, holdout_days=hdays, holdout_statistics=list(hstats), seeds=seeds,
                       seed=seed, budget=budget, sampler=sampler, batch=batch, digest=digest, _src=src)


def _read_observed(targets: dict, folder: Path, src: Source, scenario: dict, declared: dict):
    """The observed CSV, checked: (table sorted by [brand,] day, metric names, by brand)."""
    obs = targets["observed"]
    csv = Path(obs) if Path(obs).is_absolute() else folder / obs
    where, name = "targets.observed", csv.name
    try:
        df = pd.read_csv(csv)
    except FileNotFoundError:
        raise src.error("targets.observed", "an existing CSV file", f"'{obs}' (no such file: {csv})") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise src.error("targets.observed", "a readable CSV file with a header row",
                        f"'{obs}' ({type(exc).__name__})") from None
    if "day" not in df.columns:
        raise src.error("targets.observed", "a CSV with a 'day' column", f"columns {list(df.columns)[:8]}")
    by_brand = "brand" in df.columns
    metrics = targets["metrics"] or [c for c in df.columns if c not in ("day", "brand")]
    for i, m in enumerate(metrics):
        if m not in df.columns:
            raise src.error(f"targets.metrics[{i}]", f"a column of {csv.name}" + suggest(str(m), list(df.columns)),
                            one_line(m))
        if m not in declared:
            raise src.error(f"targets.metrics[{i}]", "a daily metric of the base scenario" +
                            suggest(str(m), sorted(declared)), one_line(m))
        if not pd.api.types.is_numeric_dtype(df[m]) or not np.isfinite(df[m].to_numpy(float)).all():
            raise src.error(where, f"finite numbers in column '{m}' of {name}", "other values")
    days = df["day"]
    if not pd.api.types.is_integer_dtype(days) or days.min() < 1 or days.max() > scenario["steps"]:
        raise src.error(where, f"whole days from 1 to the scenario's steps ({scenario['steps']}) in column 'day' of {name}",
                        f"{days.min()} to {days.max()}" if pd.api.types.is_numeric_dtype(days) else "other values")
    brands = [b["name"] for b in scenario["brands"]]
    if by_brand:
        bad = sorted(set(df["brand"].astype(str)) - set(brands))
        if bad:
            raise src.error(where, f"brand names of the scenario ({', '.join(brands)}) in {name}", f"'{bad[0]}'")
    keys = ["brand", "day"] if by_brand else ["day"]
    if df.duplicated(keys).any():
        raise src.error(where, f"one row per {' and '.join(keys)} in {name}", "repeated rows")
    full = df.groupby(keys).size()
    if len(full) != (df["brand"].nunique() if by_brand else 1) * scenario["steps"]:
        raise src.error(where, f"every day from 1 to {scenario['steps']}" + (" for each brand" if by_brand else "")
                        + f" in {name}", f"{len(df)} rows")
    return df.sort_values(keys).reset_index(drop=True)[keys + list(metrics)], list(metrics), by_brand


# ---------------------------------------------------------------- scoring one candidate


def periods(daily: np.ndarray, metrics: list[str], period_days: int) -> np.ndarray:
    """(..., days, metrics) daily values -> (..., periods, metrics): flows (``new_*``) summed, stocks averaged;
    a final partial period is dropped."""
    n = daily.shape[-2] // period_days
    x = daily[..., :n * period_days, :].reshape(*daily.shape[:-2], n, period_days, daily.shape[-1])
    flow = np.array([m.startswith("new_") for m in metrics])
    return np.where(flow, x.sum(axis=-2), x.mean(axis=-2))


def observed_periods(cal: Calibration) -> tuple[np.ndarray, list[str]]:
    """(periods, columns) observed values; columns are ``metric`` or ``brand/metric``."""
    if cal.observed is None:
        return np.zeros((0, 0)), []
    groups = [("", cal.observed)] if not cal.by_brand else list(cal.observed.groupby("brand", sort=True))
    blocks, names = [], []
    for brand, df in groups:
        blocks.append(periods(df[cal.metrics].to_numpy(float), cal.metrics, cal.period_days))
        names += [f"{brand}/{m}" if brand else m for m in cal.metrics]
    return np.concatenate(blocks, axis=1), names


def simulated_daily(cal: Calibration, market: pd.DataFrame, brands: pd.DataFrame) -> np.ndarray:
    """(days, columns) simulated values in the layout of :func:`observed_periods` (before aggregation)."""
    if not cal.by_brand:
        return market.sort_values("day")[cal.metrics].to_numpy(float)
    out = []
    for brand in sorted(cal.observed["brand"].astype(str).unique()):
        out.append(brands[brands["brand"] == brand].sort_values("day")[cal.metrics].to_numpy(float))
    return np.concatenate(out, axis=1)


def statistic(name: str, last: pd.Series) -> float:
    """An end-of-run statistic of one run (a :data:`STATISTICS` entry or a market metric's last value)."""
    return STATISTICS[name][1](last) if name in STATISTICS else float(last[name])


def summarize(cal: Calibration, columns: list[str], runs: list[tuple[pd.DataFrame, pd.DataFrame]]) -> dict:
    """What the loss needs of one candidate's runs (market, brands tables per seed): each column's mean per
    period, its quasi-Poisson dispersion (variance over the seeds / mean, for counts) pooled over the periods,
    the lag-1 correlation of the seeds' deviations, and each statistic's mean and variance over the seeds."""
    from .metrics import column_info

    out: dict[str, Any] = {"statistics": {}, "statistics_var": {}}
    if columns:
        names = [c.split("/")[-1] for c in columns]
        sims = np.stack([periods(simulated_daily(cal, m, b), names, cal.period_days) for m, b in runs])
        counts = np.array([(column_info(c) or ("", ""))[1] in ("count", "currency units") for c in names])
        mu = sims.mean(axis=0)
        dev = (sims - mu) / np.sqrt(_scale(mu, counts))
        out["mean"] = mu
        out["disp"] = (dev ** 2).sum(axis=0).mean(axis=0) / (len(runs) - 1)
        a, b = dev[:, :-1], dev[:, 1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = (a * b).sum(axis=(0, 1)) / np.sqrt((a ** 2).sum(axis=(0, 1)) * (b ** 2).sum(axis=(0, 1)))
        out["rho"] = np.clip(np.nan_to_num(rho), 0.0, 0.95) if mu.shape[0] > 2 else np.zeros(len(columns))
        out["counts"] = counts
    for name in cal.statistics:
        vals = [statistic(name, m.sort_values("day").iloc[-1]) for m, _ in runs]
        out["statistics"][name] = float(np.mean(vals))
        out["statistics_var"][name] = float(np.var(vals, ddof=1))
    return out


def _scale(mu: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Variance per unit of dispersion: the mean for counts (quasi-Poisson), 1 for other metrics."""
    return np.where(counts, np.maximum(np.abs(mu), 1.0), 1.0)


def pooled_noise(cands: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """The noise model shared by every candidate: each column's dispersion and lag-1 correlation, the median
    over the candidates (one candidate's few seeds give a noisy estimate; the median of many is stable)."""
    disp = np.median(np.stack([c["disp"] for c in cands]), axis=0)
    rho = np.median(np.stack([c["rho"] for c in cands]), axis=0)
    mu2 = np.median(np.stack([(c["mean"] ** 2).mean(axis=0) for c in cands]), axis=0)
    return np.maximum(disp, 1e-6 * np.maximum(mu2, 1e-12)), rho


def losses(cal: Calibration, obs: np.ndarray, cand: dict, noise) -> tuple[float, float, np.ndarray | None]:
    """Negative log synthetic likelihood of the observed data for one candidate, on the fit and held-out parts,
    and the predictive standard deviation per period and column.

    Each observed period is Gaussian around the candidate's mean with the pooled noise variance (dispersion x
    mean for counts), inflated by ``1 + 1/seeds`` (the mean is estimated from the seeds) and down-weighted by
    ``(1 - rho) / (1 + rho)`` (neighbouring periods are correlated: fewer independent observations). A summary
    statistic is Gaussian around its target with sd² = tolerance² + its variance over the seeds / seeds."""
    fit = held = 0.0
    sd = None
    if obs.size:
        disp, rho = noise
        var = disp * _scale(cand["mean"], cand["counts"]) * (1 + 1 / cal.seeds)
        per = (1 - rho) / (1 + rho) * 0.5 * ((obs - cand["mean"]) ** 2 / var + np.log(var))
        n_fit = obs.shape[0] - cal.holdout_days // cal.period_days
        fit, held, sd = float(per[:n_fit].sum()), float(per[n_fit:].sum()), np.sqrt(var)
    for name, (value, tol) in cal.statistics.items():
        var = tol ** 2 + cand["statistics_var"][name] / cal.seeds
        z = 0.5 * (cand["statistics"][name] - value) ** 2 / var + 0.5 * math.log(var)
        if name in cal.holdout_statistics:
            held += z
        else:
            fit += z
    return fit, held, sd


# ---------------------------------------------------------------- the search


def _distributions(cal: Calibration):
    import optuna

    return {p.key: (optuna.distributions.IntDistribution(int(p.low), int(p.high), log=p.log) if p.integer else
                    optuna.distributions.FloatDistribution(float(p.low), float(p.high), log=p.log))
            for p in cal.parameters}


def _sampler(cal: Calibration):
    import optuna

    if cal.sampler == "random":
        return optuna.samplers.RandomSampler(seed=cal.seed % 2**32)
    if cal.sampler == "cmaes":
        try:
            import cmaes  # noqa: F401
        except ImportError:
            raise cal._src.error("sampler", "the cmaes package for sampler cmaes (pip install cmaes)",
                                 "it not installed") from None
        return optuna.samplers.CmaEsSampler(seed=cal.seed % 2**32, n_startup_trials=max(4, len(cal.parameters)))
    return optuna.samplers.TPESampler(seed=cal.seed % 2**32, n_startup_trials=max(10, 3 * len(cal.parameters)),
                                      constant_liar=True, multivariate=True)


def specs_for(cal: Calibration, trial: int, params: dict, prefix: str = "t") -> list[RunSpec]:
    """The runs of one candidate: seeds ``seed, seed+1, ...`` (the same for every candidate)."""
    return [RunSpec(f"{prefix}{trial:05d}-r{r:02d}", f"{prefix}{trial:05d}", trial, r, cal.seed + r, dict(params),
                    dict(params)) for r in range(cal.seeds)]


TRIALS, SERIES, CHECKS = "trials.parquet", "series.parquet", "checks.parquet"


def n_coefficients(d: int) -> int:
    """Coefficients of a full quadratic in ``d`` variables."""
    return 1 + d + d * (d + 1) // 2


def calibrate(cal: Calibration, out: Path, run_batch, batch: int, resume: bool = False, progress=None) -> pd.DataFrame:
    """Search the parameters; write ``trials.parquet`` / ``series.parquet`` after each batch.

    Args:
        run_batch: ``run_batch(specs) -> iterable of (spec, market, brands)``: the executor.
        batch: candidates evaluated together.
        resume: keep the candidates already in ``out`` and go on to the budget.
        progress: ``progress(done, total)`` after each batch.

    Returns:
        The trials table: one row per candidate, its parameters and its loss (under the final pooled noise).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    obs, columns = observed_periods(cal)
    dists = _distributions(cal)
    study = optuna.create_study(direction="minimize", sampler=_sampler(cal))
    params: list[dict] = []
    cands: list[dict] = []
    if resume and (out / TRIALS).exists():
        params, cands = _read_trials(cal, out, columns)
        noise = pooled_noise(cands) if columns else None
        for p, c in zip(params, cands):
            study.add_trial(optuna.trial.create_trial(params=p, distributions=dists,
                                                      value=losses(cal, obs, c, noise)[0]))
    while len(params) < cal.trials:
        k = min(batch, cal.trials - len(params))
        asked = [(len(params) + i, study.ask(dists)) for i in range(k)]
        proposed = [(i, t.params) for i, t in asked]
        new = _evaluate(cal, columns, [q for _, q in proposed], run_batch, "t", start=len(params))
        params += [{p.key: _native(q[p.key], p) for p in cal.parameters} for _, q in proposed]
        cands += new
        noise = pooled_noise(cands) if columns else None
        for (_, t), c in zip(asked, new):
            study.tell(t, losses(cal, obs, c, noise)[0])
        trials = _write_trials(cal, out, obs, columns, params, cands)  # a killed calibration resumes from here
        if progress:
            progress(len(params), cal.trials)
    if params and not (out / CHECKS).exists():
        bound_checks(cal, out, trials, obs, columns, pooled_noise(cands) if columns else None, run_batch)
    return trials if params else pd.DataFrame()


def _evaluate(cal: Calibration, columns: list[str], points: list[dict], run_batch, prefix: str,
              start: int = 0) -> list[dict]:
    """Run ``points`` (parameter dicts, numbered from ``start`` in the run ids) with the calibration's seeds;
    each one's summary (:func:`summarize`)."""
    specs = [s for i, q in enumerate(points, start) for s in specs_for(cal, i, q, prefix)]
    runs: dict[int, list] = {}
    for spec, market, brands in run_batch(specs):
        runs.setdefault(spec.point, []).append((spec.replication, market, brands))
    return [summarize(cal, columns, [(m, b) for _, m, b in sorted(runs[i], key=lambda x: x[0])])
            for i in range(start, start + len(points))]


def bound_checks(cal: Calibration, out: Path, trials: pd.DataFrame, obs, columns, noise, run_batch) -> pd.DataFrame:
    """After the search, a designed check of each parameter's interval: the estimate, and the estimate with one
    parameter moved to each of its bounds (2 x parameters + 1 candidates, the same seeds: common random
    numbers), scored like the search's candidates. Written to ``checks.parquet``.

    The search's candidates are not a design: the sampler draws good values of every parameter together, so a
    parameter without effect can look curved in them. Here nothing else moves. Where the loss rises toward a
    bound by less than the 95% cut, that bound is inside the interval (:func:`estimates`)."""
    from .results import write_table

    u_hat = surrogate(cal, trials)[0]
    centre = {p.key: _native(from_unit(p, u_hat[j]), p) for j, p in enumerate(cal.parameters)}
    points, rows = [centre], [("", "estimate")]
    for p in cal.parameters:
        for side, value in (("low", p.low), ("high", p.high)):
            points.append({**centre, p.key: _native(value, p)})
            rows.append((p.key, side))
    got = _evaluate(cal, columns, points, run_batch, "c")
    table = pd.DataFrame([{"parameter": k, "side": side, "value": q[k] if k else np.nan,
                           "loss": losses(cal, obs, c, noise)[0]}
                          for (k, side), q, c in zip(rows, points, got)])
    write_table(table, out / CHECKS)
    return table


def _write_trials(cal, out: Path, obs, columns, params, cands) -> pd.DataFrame:
    """trials.parquet (parameters, losses under the pooled noise, statistics) and series.parquet (each
    candidate's mean and predictive sd per period and column; dispersion and correlation per column)."""
    from .results import write_table

    noise = pooled_noise(cands) if columns else None
    rows, series = [], []
    for i, (p, c) in enumerate(zip(params, cands)):
        fit, held, sd = losses(cal, obs, c, noise)
        rows.append({"trial": i, **p, "loss": fit, "loss_holdout": held,
                     **{f"stat:{k}": v for k, v in c["statistics"].items()},
                     **{f"statvar:{k}": v for k, v in c["statistics_var"].items()}})
        for j, col in enumerate(columns):
            for q in range(obs.shape[0]):
                series.append({"trial": i, "column": col, "period": q + 1, "mean": float(c["mean"][q, j]),
                               "sd": float(sd[q, j]), "disp": float(c["disp"][j]), "rho": float(c["rho"][j])})
    trials = pd.DataFrame(rows)
    if series:
        write_table(pd.DataFrame(series), out / SERIES)
    write_table(trials, out / TRIALS)  # last: it lists the candidates that are complete
    return trials


def _read_trials(cal: Calibration, out: Path, columns: list[str]) -> tuple[list[dict], list[dict]]:
    """The candidates of an interrupted calibration, as :func:`calibrate` keeps them."""
    from .metrics import column_info

    trials = pd.read_parquet(out / TRIALS)
    series = pd.read_parquet(out / SERIES) if columns else None
    counts = np.array([(column_info(c.split("/")[-1]) or ("", ""))[1] in ("count", "currency units") for c in columns])
    params, cands = [], []
    for r in trials.to_dict("records"):
        params.append({p.key: _native(r[p.key], p) for p in cal.parameters})
        c = {"statistics": {k: r[f"stat:{k}"] for k in cal.statistics},
             "statistics_var": {k: r[f"statvar:{k}"] for k in cal.statistics}}
        if columns:
            s = series[series["trial"] == r["trial"]]
            c["mean"] = s.pivot(index="period", columns="column", values="mean")[columns].to_numpy()
            first = s.groupby("column").first().loc[columns]
            c["disp"], c["rho"], c["counts"] = first["disp"].to_numpy(), first["rho"].to_numpy(), counts
        cands.append(c)
    return params, cands


def _native(x, p: Parameter):
    return int(x) if p.integer else float(x)


# ---------------------------------------------------------------- estimates


def to_unit(p: Parameter, x) -> np.ndarray:
    """Parameter values -> [0, 1] on the prior's scale (log for log priors)."""
    x = np.asarray(x, dtype=float)
    return (np.log(x) - math.log(p.low)) / (math.log(p.high) - math.log(p.low)) if p.log else \
        (x - p.low) / (p.high - p.low)


def from_unit(p: Parameter, u) -> np.ndarray:
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    return np.exp(math.log(p.low) + u * (math.log(p.high) - math.log(p.low))) if p.log else p.low + u * (p.high - p.low)


JOINT, PROFILES = "the joint quadratic", "each parameter's own profile (the joint quadratic was not convex)"


def surrogate(cal: Calibration, trials: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str]:
    """The Laplace approximation of the likelihood: a quadratic fitted by weighted least squares to the losses
    of the best candidates in the unit cube (the best counting most). Returns (its minimum, clipped to the
    bounds; the covariance, the inverse of its Hessian). Where the unconstrained fit is not convex, a convex
    one (Hessian L Lᵀ) is fitted instead, and directions the loss does not curve in get a covariance far wider
    than the bounds: the data do not identify them. The quadratic smooths each candidate's Monte Carlo noise,
    which the best candidate alone would overfit (the best of many noisy losses is optimistic)."""
    U = np.column_stack([to_unit(p, trials[p.key]) for p in cal.parameters])
    y = trials["loss"].to_numpy(float)
    d = U.shape[1]
    best = int(np.argmin(y))
    keep = np.argsort(y)[:min(len(y), max(int(2.5 * n_coefficients(d)), len(y) // 2))]
    if len(keep) < n_coefficients(d) + 2:  # too few candidates for a joint quadratic
        return *profile_envelope(U, y), PROFILES
    Uk, yk = U[keep], y[keep]
    w = np.sqrt(np.exp(-(yk - y[best]) / max(np.median(yk - y[best]), 1e-9)))
    pairs = [(j, k) for j in range(d) for k in range(j, d)]
    X = np.column_stack([np.ones(len(keep)), Uk, *[Uk[:, j] * Uk[:, k] for j, k in pairs]])
    coef = np.linalg.lstsq(X * w[:, None], yk * w, rcond=None)[0]
    H = np.zeros((d, d))
    for c, (j, k) in zip(coef[1 + d:], pairs):
        H[j, k] = H[k, j] = 2 * c if j == k else c
    lam, V = np.linalg.eigh(H)
    if lam.min() > 0:
        cov = V @ np.diag(1 / lam) @ V.T
        return np.clip(-cov @ coef[1:1 + d], 0, 1), cov, JOINT
    return *profile_envelope(U, y), PROFILES


def profile_envelope(U: np.ndarray, y: np.ndarray, bins: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Each parameter's own profile: the lowest loss over the candidates in each of ``bins`` quantile bins of
    its values (the other parameters profiled out), fitted by a parabola. Used where the joint quadratic is
    not convex (too few candidates for the dimension, or flat directions). Returns (the parabolas' minima, a
    diagonal covariance from their curvatures). A parameter whose profile rises nowhere within its bounds by
    more than the 95% cut plus twice the noise of the envelope around its parabola gets a variance beyond the
    bounds: its apparent curvature is Monte Carlo noise."""
    d = U.shape[1]
    m, var = U[int(np.argmin(y))].copy(), np.full(d, 1e6)
    for j in range(d):
        edges = np.unique(np.quantile(U[:, j], np.linspace(0, 1, bins + 1)))
        idx = np.clip(np.searchsorted(edges, U[:, j], side="right") - 1, 0, len(edges) - 2)
        env = [(U[idx == b, j][np.argmin(y[idx == b])], y[idx == b].min()) for b in range(len(edges) - 1)
               if (idx == b).any()]
        if len(env) < 4:
            continue
        x, v = np.array(env).T
        coef = np.polyfit(x, v, 2)
        fitted = np.polyval(coef, x)
        noise = np.sqrt(np.sum((v - fitted) ** 2) / max(len(x) - 3, 1))
        lo = coef[2] - coef[1] ** 2 / (4 * coef[0]) if coef[0] > 0 else np.inf
        rise = max(np.polyval(coef, 0.0), np.polyval(coef, 1.0)) - lo
        if coef[0] > 0 and rise > PROFILE_CUT + 2 * noise:
            m[j] = np.clip(-coef[1] / (2 * coef[0]), 0, 1)
            var[j] = 1 / (2 * coef[0])  # loss = ... + a u²: the curvature 2a is the inverse variance
    return m, np.diag(var)


def estimates(cal: Calibration, trials: pd.DataFrame, checks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Estimate and 95% interval per parameter from the quadratic :func:`surrogate` (the profile of the
    Laplace approximation: estimate ± 1.96 sd on the prior's scale, clipped to the bounds), with ``identified``
    (interval narrower than :data:`NOT_IDENTIFIED` of the bounds) and the best candidate for comparison.

    With the :func:`bound_checks`, a side toward whose bound the loss rises by less than the 95% cut (the
    others held at the estimate) reaches that bound: ``rise_to_low`` / ``rise_to_high`` give the rises."""
    u_hat, cov, method = surrogate(cal, trials)
    rise = {}
    if checks is not None and len(checks):
        base = float(checks.loc[checks["side"] == "estimate", "loss"].iloc[0])
        rise = {(r.parameter, r.side): float(r.loss) - base for r in checks.itertuples() if r.side != "estimate"}
    best = trials.loc[trials["loss"].idxmin()]
    U = np.column_stack([to_unit(p, trials[p.key]) for p in cal.parameters])
    rises = np.diag(profile_envelope(U, trials["loss"].to_numpy(float))[1]) < 1e6  # its own profile rises
    sd = np.sqrt(np.diag(cov))
    sd = np.where(rises, sd, np.maximum(sd, 1e3))
    rows = []
    for j, p in enumerate(cal.parameters):
        lo, hi = max(0.0, u_hat[j] - 1.96 * sd[j]), min(1.0, u_hat[j] + 1.96 * sd[j])
        to_low, to_high = rise.get((p.key, "low"), np.nan), rise.get((p.key, "high"), np.nan)
        lo, hi = (0.0 if to_low < PROFILE_CUT else lo), (1.0 if to_high < PROFILE_CUT else hi)
        est = float(from_unit(p, u_hat[j]))
        rows.append({"parameter": p.key, "estimate": int(round(est)) if p.integer else est,
                     "low": float(from_unit(p, lo)), "high": float(from_unit(p, hi)), "bound_low": p.low,
                     "bound_high": p.high, "identified": bool(hi - lo < NOT_IDENTIFIED),
                     "interval_share_of_bounds": round(hi - lo, 3), "best_candidate": _native(best[p.key], p),
                     "rise_to_low": to_low, "rise_to_high": to_high, "method": method})
    return pd.DataFrame(rows)


def trade_offs(cal: Calibration, trials: pd.DataFrame, est: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Pairs of parameters whose estimates (``est``, from :func:`estimates`) are strongly correlated (the
    surrogate's covariance): the data fix a combination of them better than each."""
    _, cov, _ = surrogate(cal, trials)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    keys = [p.key for p in cal.parameters]
    known = est["identified"].to_numpy()  # an unidentified parameter trades off with anything
    return [(keys[i], keys[j], float(corr[i, j])) for i in range(len(keys)) for j in range(i + 1, len(keys))
            if abs(corr[i, j]) > TRADE_OFF and known[i] and known[j]]


def calibrated_scenario(cal: Calibration, est: pd.DataFrame) -> dict:
    """The base scenario as written, with the estimates filled in."""
    from .scenario import apply_override

    data = copy.deepcopy(cal.base_data)
    for row in est.itertuples():
        apply_override(data, row.parameter, _native(row.estimate, next(p for p in cal.parameters
                                                                       if p.key == row.parameter)), Source(cal.base))
    data["name"] = f"{data.get('name', 'scenario')}_calibrated"
    data["description"] = f"{data.get('description', '')} (calibrated by {cal.name}: {Path(cal.file).name})".strip()
    return data


def write_outputs(cal: Calibration, out: Path, trials: pd.DataFrame, seconds: float, command: str) -> dict:
    """estimates.csv, calibrated.yaml, report.html and the manifest; returns a summary."""
    import yaml

    from .results import atomic_write_bytes, versions, write_manifest

    est = estimates(cal, trials, pd.read_parquet(out / CHECKS) if (out / CHECKS).exists() else None)
    atomic_write_bytes(out / "estimates.csv", est.to_csv(index=False).encode())
    u_hat, cov, _ = surrogate(cal, trials)
    widened = (est["rise_to_low"] < PROFILE_CUT) | (est["rise_to_high"] < PROFILE_CUT)
    for j in np.flatnonzero(widened.to_numpy()):  # the check found the loss flat toward a bound: flat there too
        cov[j, :] = cov[:, j] = 0.0
        cov[j, j] = 1e6
    atomic_write_bytes(out / "posterior.json", json.dumps({
        "what": "Laplace approximation of the posterior: Gaussian on the unit cube of the bounds (log scale for "
                "log priors), truncated to it", "parameters": [vars(p) for p in cal.parameters],
        "mean": u_hat.tolist(), "cov": cov.tolist()}, indent=1).encode())
    header = (f"# {cal.name}: the base scenario {cal.base}\n# with the estimates of {out / 'estimates.csv'} "
              f"filled in (simcommerce calibrate).\n")
    atomic_write_bytes(out / "calibrated.yaml",
                       (header + yaml.safe_dump(calibrated_scenario(cal, est), sort_keys=False,
                                                allow_unicode=True)).encode())
    pairs = trade_offs(cal, trials, est)
    from .calibration_report import render

    atomic_write_bytes(out / "report.html", render(cal, out, trials, est, pairs).encode())
    best = trials.loc[trials["loss"].idxmin()]
    checks = 2 * len(cal.parameters) + 1 if (out / CHECKS).exists() else 0
    summary = {"trials": len(trials), "runs": (len(trials) + checks) * cal.seeds, "checks": checks,
               "best_loss": float(best["loss"]),
               "best_loss_holdout": float(best["loss_holdout"]), "seconds": round(seconds, 1),
               "trade_offs": [list(p) for p in pairs]}
    write_manifest(out, {"kind": "calibration", "status": "done", "command": command, "calibration": cal.as_dict(),
                         "versions": versions(), "summary": summary,
                         "files": ["estimates.csv", "calibrated.yaml", "posterior.json", TRIALS, SERIES, CHECKS,
                                   "report.html"]})
    return summary


def start_manifest(cal: Calibration, out: Path, resume: bool, command: str) -> None:
    """Refuse a folder holding another calibration (or files, without --resume); record the start."""
    from .results import OutputDirError, write_manifest

    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{out}: expected a folder for the results, found a file.")
    if out.exists() and any(p.name != ".lock" for p in out.iterdir()):
        if not resume:
            raise OutputDirError(f"{out}: expected an empty or new folder, found existing files "
                                 "(use --resume to finish an interrupted calibration there).")
        try:
            old = json.loads((out / "manifest.json").read_text())
        except (OSError, ValueError):
            raise OutputDirError(f"{out}: expected a calibration folder to resume, found no readable "
                                 "manifest.json.") from None
        if old.get("kind") != "calibration" or old.get("calibration", {}).get("digest") != cal.digest:
            raise OutputDirError(f"{out}: expected the results of this calibration to resume, found a different "
                                 "one (another file, base scenario or observed data).")
        return
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(out, {"kind": "calibration", "status": "running", "command": command,
                         "calibration": cal.as_dict(), "started": time.strftime("%Y-%m-%dT%H:%M:%S")})


def posterior_points(folder: Path, n: int, seed: int) -> list[dict]:
    """``n`` parameter sets drawn from a calibration's approximate posterior (``posterior.json``: the Laplace
    approximation, a Gaussian on the prior's scale truncated to the bounds): the uncertainties of an experiment
    that draws ``from_calibration``."""
    post = json.loads((folder / "posterior.json").read_text())
    params = [Parameter(**p) for p in post["parameters"]]
    mean, cov = np.array(post["mean"]), np.array(post["cov"])
    rng = np.random.default_rng([seed, 0xCA1])
    got: list[np.ndarray] = []
    for _ in range(1000):  # rejection: keep the draws inside the bounds
        u = rng.multivariate_normal(mean, cov, size=max(n, 64), method="eigh")
        got += [x for x in u if ((x >= 0) & (x <= 1)).all()]
        if len(got) >= n:
            break
    got = (got + [np.clip(mean, 0, 1)] * n)[:n]
    return [{p.key: (int(round(float(from_unit(p, x[j])))) if p.integer else float(from_unit(p, x[j])))
             for j, p in enumerate(params)} for x in got]
