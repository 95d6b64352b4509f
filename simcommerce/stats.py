"""Statistics of a comparison of policies: t and Welch intervals (``scipy.stats``), paired differences,
multiplicity, spend returns, sensitivity, cascade sizes and inequality. No figures, no files.

For each policy p and metric y over replications i = 1..n (:func:`summarise`):

* mean and t-based 95% CI: ``ybar ± t(0.975, n-1) · s / sqrt(n)`` (``scipy.stats.ttest_1samp``);
* paired difference vs the reference policy r, pairs matched by (point, replication) —
  with common random numbers replication i of every policy uses the same root seed:
  ``d_i = y_pi - y_ri``, ``dbar ± t(0.975, m-1) · s_d / sqrt(m)`` over the m pairs, and its two-sided
  paired t-test p-value;
* unpaired (Welch) CI of the same difference, for comparison (``scipy.stats.ttest_ind(equal_var=False)``):
  ``ybar_p - ybar_r ± t(0.975, nu) · sqrt(s_p²/n_p + s_r²/n_r)`` with the
  Welch–Satterthwaite ``nu = (a + b)² / (a²/(n_p-1) + b²/(n_r-1))``, ``a = s_p²/n_p``, ``b = s_r²/n_r``.

Pairing removes the run-to-run noise the two policies share (the same network, the same
consumers, the same draws); its interval is narrower exactly when the paired outcomes are
positively correlated, ``Var(d) = s_p² + s_r² - 2 cov``.

**Multiplicity.** Every interval is per comparison: with K comparisons (policies other than the
reference × metrics), about 5% of them exclude 0 by chance when no policy differs. The table also
gives Holm-adjusted p-values over its K comparisons (:func:`holm`) and Bonferroni intervals at level
``1 - (1 - level) / K`` (simultaneous: all K cover together with probability >= level).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .unique import unique

LEVEL = 0.95
DEFAULT_METRICS = ["cum_orders", "cum_gmv", "profit", "n_aware", "cum_shares", "cum_referral_orders", "mean_trust"]
ID_COLUMNS = {"run_id", "policy", "replication", "seed", "point", "run", "day", "brand", "days", "consumers"}
EQUAL_SPEND = 0.10  # policies whose brand marketing spend is within 10% of the reference's spent comparable amounts


def t_ci(x, level: float = LEVEL) -> tuple[float, float, float, int]:
    """Mean and t-based confidence interval of the mean of ``x`` (NaNs dropped): (mean, lo, hi, n).

    The interval is ``scipy.stats.ttest_1samp(x).confidence_interval(level)``; n < 2: no interval (NaN);
    all values equal: the interval is the mean itself."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, np.nan, np.nan, n
    if np.ptp(x) == 0:
        return m, m, m, n
    with warnings.catch_warnings():  # nearly equal values: scipy warns of precision loss, the interval stands
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = stats.ttest_1samp(x, 0.0).confidence_interval(level)
    return m, float(ci.low), float(ci.high), n


def t_pvalue(x) -> float:
    """Two-sided one-sample t-test p-value of mean 0 for ``x`` (NaNs dropped; NaN for n < 2; all values equal:
    1 if they are 0, else 0)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return np.nan
    if np.ptp(x) == 0:
        return 1.0 if x[0] == 0 else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_1samp(x, 0.0).pvalue)


def welch_ci(x, y, level: float = LEVEL) -> tuple[float, float, float, float]:
    """Difference of means ``mean(x) - mean(y)`` with the Welch t interval: (diff, lo, hi, df).

    The interval and df are ``scipy.stats.ttest_ind(x, y, equal_var=False)``'s; fewer than 2 values on a side:
    no interval; no spread on either side: the difference itself, df infinite."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return np.nan, np.nan, np.nan, np.nan
    d = float(x.mean() - y.mean())
    if len(x) < 2 or len(y) < 2:
        return d, np.nan, np.nan, np.nan
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        return d, d, d, np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_ind(x, y, equal_var=False)
        ci = res.confidence_interval(level)
    return d, float(ci.low), float(ci.high), float(res.df)


def holm(p) -> np.ndarray:
    """Holm's step-down adjustment of the p-values ``p`` (NaNs stay NaN and do not count): the adjusted
    p-value of the k-th smallest of K is ``max_{j<=k} min(1, (K - j + 1) · p_(j))``."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    k = len(ok)
    if k:
        order = ok[np.argsort(p[ok], kind="stable")]
        adj = np.minimum(1.0, np.maximum.accumulate((k - np.arange(k)) * p[order]))
        out[order] = adj
    return out


def pair_keys(runs: pd.DataFrame) -> list[str]:
    """The columns that match a run with the reference's: (point, replication), else run or seed."""
    keys = [k for k in ("point", "replication") if k in runs.columns]
    return keys or (["run"] if "run" in runs.columns else ["seed"])


def summarise(runs: pd.DataFrame, metrics: list[str] | None = None, reference: str | None = None,
              level: float = LEVEL) -> pd.DataFrame:
    """The tidy comparison table: one row per policy and metric.

    Args:
        runs: one row per run with a ``policy`` column, ``replication`` (and optionally ``point``,
            ``seed``) and the metric columns.
        metrics: metrics to compare (default: those of :data:`DEFAULT_METRICS` present).
        reference: the policy differences are taken against (default: the first policy).
        level: confidence level of every interval (0-1).

    Returns:
        Columns ``policy, metric, n, mean, sd, ci_low, ci_high, reference, n_pairs, seeds_matched,
        diff_mean, diff_sd, diff_ci_low, diff_ci_high, welch_ci_low, welch_ci_high, welch_df,
        diff_ci_width, welch_ci_width, rel_diff, rel_ci_low, rel_ci_high, diff_p, diff_p_holm, comparisons,
        adj_ci_low, adj_ci_high`` (``seeds_matched``: share of pairs whose root seeds are equal, 1.0 with common
        random numbers; ``diff_p``: paired t-test p-value; ``diff_p_holm``: Holm-adjusted over the table's
        ``comparisons`` K = non-reference rows with a p-value; ``adj_ci_*``: the paired interval at level
        ``1 - (1 - level) / K``, Bonferroni). The reference's own rows have difference 0 and no interval.
    """
    runs = runs.copy()
    runs["policy"] = runs["policy"].astype(str)
    policies = list(dict.fromkeys(runs["policy"]))
    if reference is None:
        reference = policies[0]
    if reference not in policies:
        raise ValueError(f"reference policy {reference!r} is not among the policies {policies}")
    if metrics is None:
        metrics = [m for m in DEFAULT_METRICS if m in runs.columns]
    missing = [m for m in metrics if m not in runs.columns]
    if missing:
        raise ValueError(f"metrics not in the runs table: {missing}")
    keys = pair_keys(runs)
    ref = runs[runs["policy"] == reference]
    rows, diffs = [], []
    for pol in policies:
        cur = runs[runs["policy"] == pol]
        cols = list(dict.fromkeys([*keys, *(["seed"] if "seed" in runs.columns else []), *metrics]))
        merged = cur[cols].merge(ref[cols], on=keys, suffixes=("", "_ref"))
        if "seed" in runs.columns and "seed" not in keys and len(merged):
            seeds_matched = float((merged["seed"] == merged["seed_ref"]).mean())
        else:
            seeds_matched = 1.0 if len(merged) else np.nan
        for m in metrics:
            mean, lo, hi, n = t_ci(cur[m], level)
            row = {"policy": pol, "metric": m, "n": n, "mean": mean,
                   "sd": float(cur[m].std(ddof=1)) if n > 1 else np.nan, "ci_low": lo, "ci_high": hi,
                   "reference": reference}
            if pol == reference:
                row.update(n_pairs=n, seeds_matched=1.0, diff_mean=0.0, diff_sd=0.0, diff_ci_low=np.nan,
                           diff_ci_high=np.nan, welch_ci_low=np.nan, welch_ci_high=np.nan, welch_df=np.nan,
                           diff_p=np.nan)
                diffs.append(None)
            else:
                d = (merged[m] - merged[f"{m}_ref"]).to_numpy(dtype=float)
                dm, dlo, dhi, npairs = t_ci(d, level)
                _, wlo, whi, wdf = welch_ci(cur[m], ref[m], level)
                row.update(n_pairs=npairs, seeds_matched=seeds_matched, diff_mean=dm,
                           diff_sd=float(np.std(d, ddof=1)) if npairs > 1 else np.nan,
                           diff_ci_low=dlo, diff_ci_high=dhi, welch_ci_low=wlo, welch_ci_high=whi, welch_df=wdf,
                           diff_p=t_pvalue(d))
                diffs.append(d)
            rows.append(row)
    out = pd.DataFrame(rows)
    k = int(out["diff_p"].notna().sum())
    out["diff_p_holm"] = holm(out["diff_p"])
    out["comparisons"] = k
    adj = 1 - (1 - level) / max(k, 1)  # Bonferroni: each interval at this level, all K together at >= level
    bounds = [t_ci(d, adj)[1:3] if d is not None else (np.nan, np.nan) for d in diffs]
    out["adj_ci_low"] = [b[0] for b in bounds]
    out["adj_ci_high"] = [b[1] for b in bounds]
    out["diff_ci_width"] = out["diff_ci_high"] - out["diff_ci_low"]
    out["welch_ci_width"] = out["welch_ci_high"] - out["welch_ci_low"]
    ref_mean = out["metric"].map(out[out["policy"] == reference].set_index("metric")["mean"])
    scale = ref_mean.abs().where(ref_mean != 0)  # |mean|: a gain stays positive when the reference's profit is < 0
    out["rel_diff"] = out["diff_mean"] / scale
    out["rel_ci_low"] = out["diff_ci_low"] / scale
    out["rel_ci_high"] = out["diff_ci_high"] / scale
    return out


def spend_returns(runs: pd.DataFrame, reference: str, profit: str = "profit", spend: str = "cum_marketing_spend",
                  level: float = LEVEL) -> pd.DataFrame:
    """What each extra unit of spend bought, from one brand's runs (:func:`brand_runs`), paired by (point,
    replication): per policy, the extra spend and its share of the reference's, ``comparable`` (the mean extra
    spend within :data:`EQUAL_SPEND` of the reference's spend: an equal-budget comparison), and the
    incremental profit per extra unit of spend ``R = mean(Δprofit) / mean(Δspend)`` with a delta-method t
    interval, ``Var(R) ≈ (s_P² − 2R·s_PS + R²·s_S²) / (m·mean(Δspend)²)`` over the m pairs. R is given only
    where the extra spend is detectably positive (its paired interval above 0); otherwise NaN."""
    keys = pair_keys(runs)
    ref = runs[runs["policy"] == reference]
    ref_spend = float(ref[spend].mean()) if len(ref) else np.nan
    rows = []
    for pol in dict.fromkeys(runs["policy"]):
        if pol == reference:
            continue
        cur = runs[runs["policy"] == pol]
        m = cur[[*keys, profit, spend]].merge(ref[[*keys, profit, spend]], on=keys, suffixes=("", "_ref"))
        dp = (m[profit] - m[f"{profit}_ref"]).to_numpy(float)
        ds = (m[spend] - m[f"{spend}_ref"]).to_numpy(float)
        n = len(dp)
        s_mean, s_lo, s_hi, _ = t_ci(ds, level)
        share = s_mean / ref_spend if ref_spend > 0 else np.nan
        r = lo = hi = np.nan
        if n >= 2 and np.isfinite(s_lo) and s_lo > 0:
            r = float(dp.mean() / s_mean)
            c = np.cov(dp, ds, ddof=1)
            var = max(c[0, 0] - 2 * r * c[0, 1] + r * r * c[1, 1], 0.0) / (n * s_mean ** 2)
            half = stats.t.ppf(0.5 + level / 2, n - 1) * np.sqrt(var)
            lo, hi = r - half, r + half
        rows.append({"policy": pol, "n_pairs": n, "extra_spend": s_mean, "extra_spend_low": s_lo,
                     "extra_spend_high": s_hi, "extra_spend_share": share,
                     "comparable": bool(np.isfinite(share) and abs(share) <= EQUAL_SPEND),
                     "profit_per_extra_spend": r, "profit_per_extra_spend_low": lo, "profit_per_extra_spend_high": hi})
    return pd.DataFrame(rows, columns=["policy", "n_pairs", "extra_spend", "extra_spend_low", "extra_spend_high",
                                       "extra_spend_share", "comparable", "profit_per_extra_spend",
                                       "profit_per_extra_spend_low", "profit_per_extra_spend_high"])


def swept_parameters(runs: pd.DataFrame) -> list[str]:
    """Sweep/uncertainty parameters: columns named by a dotted key that vary within a policy."""
    return [c for c in runs.columns if "." in c and c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(runs[c])
            and (runs.groupby("policy")[c].nunique() > 1).any()]


def sensitivity(runs: pd.DataFrame, params: list[str], metric: str) -> tuple[pd.DataFrame, str]:
    """Sensitivity of ``metric`` to the swept parameters.

    With SALib installed and at least 20 runs: Borgonovo's moment-independent delta index and the
    first-order Sobol index S1 estimated from the given sample (``SALib.analyze.delta``, which accepts
    any sample design). Otherwise: one-at-a-time response slopes — the least-squares slope of the
    metric on each parameter alone, times the parameter's swept range (the change in the metric
    across the range).

    Returns:
        (table with ``parameter, index, value, conf``, description of the method).
    """
    d = runs.dropna(subset=[*params, metric])
    X = d[params].to_numpy(dtype=float)
    y = d[metric].to_numpy(dtype=float)
    try:
        from SALib.analyze import delta

        if len(d) < 20 or np.std(y) == 0:
            raise ImportError
        bounds = [[float(X[:, j].min()), float(X[:, j].max())] for j in range(len(params))]
        problem = {"num_vars": len(params), "names": params, "bounds": bounds}
        with warnings.catch_warnings(record=True):  # SALib resets the filters; its bin notices go here, unseen
            res = delta.analyze(problem, X, y, num_resamples=50, seed=1, print_to_console=False)
        dkey = "delta" if "delta" in res else "delta_raw"
        rows = [(p, label, float(res[key][j]), float(res[f"{key}_conf"][j]))
                for key, label in ((dkey, "delta"), ("S1", "S1")) for j, p in enumerate(params)]
        return (pd.DataFrame(rows, columns=["parameter", "index", "value", "conf"]),
                ("SALib delta analysis (Borgonovo δ and first-order Sobol S1 from the given sample, "
                 "95% bootstrap half-widths)"))
    except ImportError:
        rows = []
        for j, p in enumerate(params):
            x = X[:, j]
            if np.ptp(x) == 0:
                continue
            res = stats.linregress(x, y)
            half = stats.t.ppf(0.975, max(len(x) - 2, 1)) * res.stderr
            rows.append((p, "slope × range", res.slope * np.ptp(x), half * np.ptp(x)))
        return (pd.DataFrame(rows, columns=["parameter", "index", "value", "conf"]),
                ("one-at-a-time response slopes (SALib not installed or too few runs): least-squares slope "
                 "of the metric on each parameter alone × its swept range, error bars 95% CI"))


def cascade_sizes(events: pd.DataFrame) -> np.ndarray:
    """Sizes (consumers, root included) of the referral cascades in a table of edges ``referrer -> buyer``.

    A cascade is a connected component of the referral edges of one run (and one product when the
    table has a ``product`` column).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    by = [c for c in ("policy", "run_id", "product") if c in events.columns]
    sizes = []
    for _, g in (events.groupby(by, sort=False) if by else [(None, events)]):
        ids, inv = unique(np.concatenate([g["referrer"].to_numpy(), g["buyer"].to_numpy()]),
                          return_inverse=True)
        k = len(g)
        a = coo_matrix((np.ones(k), (inv[:k], inv[k:])), shape=(len(ids), len(ids)))
        _, labels = connected_components(a, directed=False)
        sizes.append(np.bincount(labels))
    return np.concatenate(sizes) if sizes else np.empty(0, dtype=int)


def lorenz(values) -> tuple[np.ndarray, np.ndarray, float]:
    """Lorenz curve of non-negative values: (population share, share of the total, Gini)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0]), 0.0
    cum = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    pop = np.arange(n + 1) / n
    g = float(2.0 * np.dot(np.arange(1, n + 1), x) / (n * x.sum()) - (n + 1) / n)
    return pop, cum, g
