"""Compare the policies of an experiment: summary statistics, paired differences, report.

Reads the store written by ``simcommerce experiment FILE --out DIR``::

    DIR/manifest.json                                  experiment (name, reference, metrics, policies, ...), status
    DIR/runs/policy=<name>/<run_id>.parquet            one row per run (end-of-run metrics, parameters)
    DIR/market/policy=<name>/<run_id>.parquet          one row per run x day
    DIR/brands/policy=<name>/<run_id>.parquet          one row per run x day x brand
    DIR/events/policy=<name>/<run_id>.parquet          optional: referral edges (run_id, day, referrer, buyer, ...)
    DIR/promoters/policy=<name>/<run_id>.parquet       optional: promoter earnings (run_id, promoter_earned)

Statistics (``summarise``), for each policy p and metric y over replications i = 1..n:

* mean and t-based 95% CI: ``ybar ± t(0.975, n-1) · s / sqrt(n)``;
* paired difference vs the reference policy r, pairs matched by (point, replication) —
  with common random numbers replication i of every policy uses the same root seed:
  ``d_i = y_pi - y_ri``, ``dbar ± t(0.975, m-1) · s_d / sqrt(m)`` over the m pairs;
* unpaired (Welch) CI of the same difference, for comparison:
  ``ybar_p - ybar_r ± t(0.975, nu) · sqrt(s_p²/n_p + s_r²/n_r)`` with the
  Welch–Satterthwaite ``nu = (a + b)² / (a²/(n_p-1) + b²/(n_r-1))``, ``a = s_p²/n_p``, ``b = s_r²/n_r``.

Pairing removes the run-to-run noise the two policies share (the same network, the same
consumers, the same draws); its interval is narrower exactly when the paired outcomes are
positively correlated, ``Var(d) = s_p² + s_r² - 2 cov``.
"""

from __future__ import annotations

import html
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

from . import plots
from .i18n import t as tr
from .results import atomic_write_bytes, write_table
from .store import read_partitioned
from .unique import unique

DEFAULT_METRICS = ["cum_orders", "cum_gmv", "profit", "n_aware", "cum_shares", "cum_referral_orders", "mean_trust"]
FUNNEL_STAGES = ["n_aware", "n_considered", "n_customers", "n_repeat_customers"]
ID_COLUMNS = {"run_id", "policy", "replication", "seed", "point", "run", "day", "brand", "days", "consumers"}
LEVEL = 0.95


# ----------------------------------------------------------------------------------------------------------------
# statistics

def t_ci(x, level: float = LEVEL) -> tuple[float, float, float, int]:
    """Mean and t-based confidence interval of the mean of ``x`` (NaNs dropped): (mean, lo, hi, n)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    m = float(x.mean())
    if n < 2:
        return m, np.nan, np.nan, n
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return m, m - half, m + half, n


def welch_ci(x, y, level: float = LEVEL) -> tuple[float, float, float, float]:
    """Difference of means ``mean(x) - mean(y)`` with the Welch t interval: (diff, lo, hi, df)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return np.nan, np.nan, np.nan, np.nan
    d = float(x.mean() - y.mean())
    if len(x) < 2 or len(y) < 2:
        return d, np.nan, np.nan, np.nan
    a, b = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = np.sqrt(a + b)
    if se == 0:
        return d, d, d, np.inf
    df = (a + b) ** 2 / (a**2 / (len(x) - 1) + b**2 / (len(y) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return d, d - half, d + half, float(df)


def _pair_keys(runs: pd.DataFrame) -> list[str]:
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
        diff_ci_width, welch_ci_width, rel_diff`` (``seeds_matched``: share of pairs whose root seeds
        are equal, 1.0 with common random numbers). The reference's own rows have difference 0 and
        no interval.
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
    keys = _pair_keys(runs)
    ref = runs[runs["policy"] == reference]
    rows = []
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
                           diff_ci_high=np.nan, welch_ci_low=np.nan, welch_ci_high=np.nan, welch_df=np.nan)
            else:
                d = (merged[m] - merged[f"{m}_ref"]).to_numpy(dtype=float)
                dm, dlo, dhi, npairs = t_ci(d, level)
                _, wlo, whi, wdf = welch_ci(cur[m], ref[m], level)
                row.update(n_pairs=npairs, seeds_matched=seeds_matched, diff_mean=dm,
                           diff_sd=float(np.std(d, ddof=1)) if npairs > 1 else np.nan,
                           diff_ci_low=dlo, diff_ci_high=dhi, welch_ci_low=wlo, welch_ci_high=whi, welch_df=wdf)
            rows.append(row)
    out = pd.DataFrame(rows)
    out["diff_ci_width"] = out["diff_ci_high"] - out["diff_ci_low"]
    out["welch_ci_width"] = out["welch_ci_high"] - out["welch_ci_low"]
    ref_mean = out["metric"].map(out[out["policy"] == reference].set_index("metric")["mean"])
    scale = ref_mean.abs().where(ref_mean != 0)  # |mean|: a gain stays positive when the reference's profit is < 0
    out["rel_diff"] = out["diff_mean"] / scale
    out["rel_ci_low"] = out["diff_ci_low"] / scale
    out["rel_ci_high"] = out["diff_ci_high"] / scale
    return out


# ----------------------------------------------------------------------------------------------------------------
# one brand's view

BRAND_METRICS = ["profit", "cum_gmv", "cum_orders", "cum_marketing_spend"]  # a strategist's headline figures
SPEND_CHANNELS = {  # brand columns that make up cum_marketing_spend -> what the money went to
    "cum_ad_spend": "ads", "cum_influencer_fees": "influencer fees", "cum_live_slot_fees": "live slot fees",
    "cum_live_commission": "live hosts' commission", "cum_commission": "referral commission",
    "cum_headcount_pay": "headcount pay", "cum_fake_review_spend": "fake reviews",
    "cum_referral_discounts": "referral discounts", "cum_group_discounts": "group discounts",
    "cum_live_discounts": "live discounts", "cum_sample_discounts": "free samples",
}


def brands_of(exp: dict) -> list[str]:
    """The brands of an experiment, in the scenario's order (those in the brands table)."""
    brands = exp.get("brands")
    if brands is None or brands.empty:
        return []
    present = list(dict.fromkeys(brands["brand"].astype(str)))
    declared = [b["name"] for b in (exp.get("manifest") or {}).get("scenario", {}).get("brands", [])]
    return [b for b in declared if b in present] + [b for b in present if b not in declared]


def brand_runs(exp: dict, brand: str) -> pd.DataFrame:
    """One row per run: ``brand``'s figures at the end of the run (the brands table on each run's last day),
    with the run's ``policy, run_id, point, replication, seed`` (for pairing)."""
    b = exp["brands"]
    b = b[b["brand"].astype(str) == brand]
    if b.empty:
        raise ValueError(f"brand {brand!r} is not in the brands table (it has: {', '.join(brands_of(exp))})")
    last = b[b["day"] == b.groupby("run_id")["day"].transform("max")].drop(columns=["day", "brand"])
    ids = [c for c in ("run_id", "policy", "point", "replication", "seed") if c in exp["runs"].columns]
    last = last.drop(columns=[c for c in ids if c not in ("run_id",)], errors="ignore")
    out = exp["runs"][ids].merge(last, on="run_id", how="inner")
    if out.empty:
        raise ValueError(f"the brands table has no row of {brand!r} for the runs of the runs table (different run ids)")
    return out.reset_index(drop=True)


def brand_summary(exp: dict, brand: str, reference: str, metrics: list[str] | None = None,
                  policies: list[str] | None = None) -> pd.DataFrame:
    """:func:`summarise` of one brand's end-of-run figures (default :data:`BRAND_METRICS`), policies in the
    given order, with a ``brand`` column."""
    runs = brand_runs(exp, brand)
    if policies:
        order = {p: i for i, p in enumerate(policies)}
        runs = runs.sort_values("policy", key=lambda s: s.map(order), kind="stable")
    metrics = [m for m in (metrics or BRAND_METRICS) if m in runs.columns]
    out = summarise(runs, metrics, reference)
    out.insert(0, "brand", brand)
    return out


def spend_drivers(exp: dict, brand: str, reference: str) -> dict[str, str]:
    """Per policy, the channel of ``brand``'s marketing spend that grew most over the reference (mean over
    replications), or nothing where no channel grew."""
    runs = brand_runs(exp, brand)
    cols = [c for c in SPEND_CHANNELS if c in runs.columns]
    if not cols:
        return {}
    means = runs.groupby("policy")[cols].mean()
    if reference not in means.index:
        return {}
    out = {}
    for pol in means.index:
        extra = means.loc[pol] - means.loc[reference]
        if pol != reference and extra.max() > 0:
            out[pol] = SPEND_CHANNELS[extra.idxmax()]
    return out


def write_summary(df: pd.DataFrame, path: str | Path) -> tuple[Path, Path]:
    """Write the summary as ``<path>.csv`` and ``<path>.parquet`` (``path`` with or without a suffix)."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (".csv", ".parquet") else path
    base.parent.mkdir(parents=True, exist_ok=True)
    csv, pq = base.with_suffix(".csv"), base.with_suffix(".parquet")
    atomic_write_bytes(csv, df.to_csv(index=False).encode("utf-8"))
    write_table(df, pq)
    return csv, pq


def currency_of(exp: dict) -> str:
    """The scenario's ``currency`` label (stores made before it existed: ``currency units``)."""
    return str(((exp.get("manifest") or {}).get("scenario") or {}).get("currency") or "currency units")


def brand_verdict(exp: dict, brand: str, reference: str, policies: list[str] | None = None, lang: str = "en"):
    """The verdict on ``brand``'s comparison (:func:`simcommerce.verdict.verdict`) and the brand summary it
    reads: (Verdict, brand_summary)."""
    from .verdict import verdict

    bs = brand_summary(exp, brand, reference, policies=policies)
    return verdict(bs, currency=currency_of(exp), drivers=spend_drivers(exp, brand, reference), lang=lang), bs


def spend_and_effect(bs: pd.DataFrame) -> pd.DataFrame:
    """Per policy, from a brand summary: marketing spend next to its effect. Columns ``policy, n, spend,
    spend_low, spend_high, extra_spend, orders, orders_rel, orders_rel_low, orders_rel_high, revenue, profit,
    profit_diff, profit_diff_low, profit_diff_high, profit_rel, profit_rel_low, profit_rel_high,
    profit_per_extra_spend`` (extra profit per extra unit of spend, ratio of the paired means; NaN where the
    policy spends no more than the reference)."""
    get = {m: g.set_index("policy") for m, g in bs.groupby("metric", sort=False)}
    pols = list(dict.fromkeys(bs["policy"]))
    out = pd.DataFrame({"policy": pols})
    nan = pd.Series(np.nan, index=pols)

    def col(metric, field):
        return (get[metric][field] if metric in get else nan).reindex(pols).to_numpy()

    out["n"] = col("profit", "n")
    out["spend"], out["spend_low"], out["spend_high"] = (col("cum_marketing_spend", f)
                                                          for f in ("mean", "ci_low", "ci_high"))
    out["extra_spend"] = col("cum_marketing_spend", "diff_mean")
    out["orders"] = col("cum_orders", "mean")
    out["orders_rel"], out["orders_rel_low"], out["orders_rel_high"] = (col("cum_orders", f) for f in
                                                                         ("rel_diff", "rel_ci_low", "rel_ci_high"))
    out["revenue"] = col("cum_gmv", "mean")
    out["profit"] = col("profit", "mean")
    out["profit_diff"], out["profit_diff_low"], out["profit_diff_high"] = (col("profit", f) for f in
                                                                            ("diff_mean", "diff_ci_low", "diff_ci_high"))
    out["profit_rel"], out["profit_rel_low"], out["profit_rel_high"] = (col("profit", f) for f in
                                                                         ("rel_diff", "rel_ci_low", "rel_ci_high"))
    extra = out["extra_spend"].where(out["extra_spend"] > 0)
    out["profit_per_extra_spend"] = out["profit_diff"] / extra
    return out


EQUAL_SPEND = 0.10  # policies whose brand marketing spend is within 10% of the reference's spent comparable amounts


def spend_returns(runs: pd.DataFrame, reference: str, profit: str = "profit", spend: str = "cum_marketing_spend",
                  level: float = LEVEL) -> pd.DataFrame:
    """What each extra unit of spend bought, from one brand's runs (:func:`brand_runs`), paired by (point,
    replication): per policy, the extra spend and its share of the reference's, ``comparable`` (the mean extra
    spend within :data:`EQUAL_SPEND` of the reference's spend: an equal-budget comparison), and the
    incremental profit per extra unit of spend ``R = mean(Δprofit) / mean(Δspend)`` with a delta-method t
    interval, ``Var(R) ≈ (s_P² − 2R·s_PS + R²·s_S²) / (m·mean(Δspend)²)`` over the m pairs. R is given only
    where the extra spend is detectably positive (its paired interval above 0); otherwise NaN."""
    keys = _pair_keys(runs)
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


def budget_sentence(table: pd.DataFrame, reference: str, currency: str, lang: str = "en") -> str:
    """Whether the policies spent comparable amounts, and what each extra unit of spend bought, in words."""
    from .verdict import money, signed

    if table.empty:
        return ""
    same = list(table.loc[table["comparable"], "policy"])
    parts = []
    if same:
        parts.append(tr("{names} spent within {share} of {reference} (an equal-budget comparison).", lang,
                        names=", ".join(same), share=f"{EQUAL_SPEND:.0%}", reference=reference))
    unit = money(1, currency).replace(".00", "")
    for r in table[~table["comparable"]].itertuples():
        text = tr("{policy} spent {extra} ({pct}) more than {reference}, not a like-for-like budget", lang,
                  policy=r.policy, extra=money(r.extra_spend, currency, sign=True),
                  pct=signed(100 * r.extra_spend_share, unit="%"), reference=reference)
        if np.isfinite(r.profit_per_extra_spend):
            text += tr("; each extra {unit} of spend returned {ret} of profit (95% CI {lo} to {hi})", lang, unit=unit,
                       ret=money(r.profit_per_extra_spend, currency, sign=True),
                       lo=money(r.profit_per_extra_spend_low, currency, sign=True),
                       hi=money(r.profit_per_extra_spend_high, currency, sign=True))
        parts.append(text + ("。" if lang == "zh-CN" else "."))
    return " ".join(parts)


# ----------------------------------------------------------------------------------------------------------------
# loading

def load_experiment_results(dir: str | Path) -> dict:
    """Load an experiment store.

    Returns:
        ``{"manifest": dict, "experiment": dict, "runs": DataFrame, "market": DataFrame | None,
        "brands": DataFrame | None, "events": DataFrame | None, "promoters": DataFrame | None,
        "dir": Path}``; ``policy`` is a plain string column.
    """
    d = Path(dir)
    mpath = d / "manifest.json"
    if not mpath.exists():
        raise FileNotFoundError(f"{d} is not an experiment folder: no manifest.json")
    manifest = json.loads(mpath.read_text())
    runs = read_partitioned(d / "runs")
    if runs is None:
        raise FileNotFoundError(f"{d} holds no runs yet (no {d / 'runs'}/policy=*/*.parquet)")
    sort = [c for c in ("policy", "point", "replication") if c in runs.columns]
    runs = runs.sort_values(sort, kind="stable").reset_index(drop=True)
    out = {"manifest": manifest, "experiment": manifest.get("experiment", {}), "runs": runs, "dir": d}
    for name in ("market", "brands", "events", "promoters"):
        out[name] = read_partitioned(d / name)
    return out


def merge_experiments(loaded: list[dict]) -> dict:
    """Merge several loaded stores; clashing policy names get the folder name as prefix (``folder/policy``)."""
    if len(loaded) == 1:
        return loaded[0]
    seen: dict[str, int] = {}
    for e in loaded:
        for p in e["runs"]["policy"].unique():
            seen[p] = seen.get(p, 0) + 1
    tables = {k: [] for k in ("runs", "market", "brands", "events", "promoters")}
    names = []
    for e in loaded:
        prefix = e["dir"].name or str(e["dir"])
        rename = {p: (f"{prefix}/{p}" if seen[p] > 1 else p) for p in e["runs"]["policy"].unique()}
        for k, parts in tables.items():
            if e[k] is not None:
                t = e[k].copy()
                t["policy"] = t["policy"].replace(rename)
                parts.append(t)
        names.append(e["experiment"].get("name", prefix))
    first = loaded[0]
    ref = first["experiment"].get("reference")
    if ref is not None and seen.get(ref, 0) > 1:
        ref = f"{first['dir'].name}/{ref}"
    experiment = dict(first["experiment"], name=" + ".join(str(n) for n in names), reference=ref)
    metrics = list(dict.fromkeys(m for e in loaded for m in (e["experiment"].get("metrics") or [])))
    if metrics:
        experiment["metrics"] = metrics
    out = {"manifest": first["manifest"], "experiment": experiment, "dir": first["dir"]}
    for k, v in tables.items():
        out[k] = pd.concat(v, ignore_index=True) if v else None
    return out


# ----------------------------------------------------------------------------------------------------------------
# cascade sizes and promoter inequality (Market-independent inputs)

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


def cascade_ccdf(sizes_by_policy: dict[str, np.ndarray], lang: str = "en") -> go.Figure:
    """Complementary CDF P(size >= s) of cascade sizes per policy, log-log axes."""
    fig = go.Figure()
    for k, (name, sizes) in enumerate(sizes_by_policy.items()):
        s = np.sort(np.asarray(sizes, dtype=float))
        if len(s) == 0:
            continue
        values, first = unique(s, return_index=True)
        ccdf = 1.0 - first / len(s)
        fig.add_trace(go.Scatter(x=values, y=ccdf, mode="lines+markers", name=name, line={"shape": "hv"},
                                 marker={"color": plots.COLORS[k % len(plots.COLORS)]}))
    fig.update_layout(title=tr("Referral cascade sizes: P(size ≥ s)", lang), xaxis_type="log", yaxis_type="log",
                      xaxis_title=tr("cascade size s (consumers)", lang), yaxis_title=tr("P(size ≥ s)", lang))
    return fig


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


def lorenz_figure(earnings_by_policy: dict[str, np.ndarray], lang: str = "en") -> go.Figure:
    """Lorenz curves of promoters' earnings per policy, with their Gini coefficients."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=tr("equality", lang),
                             line={"dash": "dot", "color": "grey"}))
    for k, (name, e) in enumerate(earnings_by_policy.items()):
        pop, cum, g = lorenz(e)
        fig.add_trace(go.Scatter(x=pop, y=cum, mode="lines", name=f"{name} (Gini {g:.2f})",
                                 line={"color": plots.COLORS[k % len(plots.COLORS)]}))
    fig.update_layout(title=tr("Promoters' earnings: Lorenz curve", lang),
                      xaxis_title=tr("share of promoters (poorest first)", lang),
                      yaxis_title=tr("share of earnings", lang), xaxis_tickformat=".0%", yaxis_tickformat=".0%")
    return fig


# ----------------------------------------------------------------------------------------------------------------
# figures

def _color(k: int) -> str:
    return plots.COLORS[k % len(plots.COLORS)]


SMOOTH_DAYS = 7  # daily flows (new_*) are shown as trailing 7-day means


def events_of(exp: dict) -> list[dict]:
    """The scheduled events of an experiment's runs: a policy's ``events`` override (the dashboard gives every
    policy the same; with different ones, the first policy's), else the base scenario's."""
    manifest = exp.get("manifest") or {}
    for overrides in (manifest.get("experiment") or {}).get("policies", {}).values():
        if isinstance(overrides, dict) and "events" in overrides:
            return overrides["events"] or []
    return (manifest.get("scenario") or {}).get("events") or []


def mark_events(fig: go.Figure, events: list[dict], lang: str = "en") -> go.Figure:
    """A dashed vertical line with its label on each scheduled event's day."""
    for ev in events:
        who = ev.get("brand") or ev.get("influencer") or tr("platform", lang)
        fig.add_vline(x=ev["day"], line_dash="dash", line_color="grey",
                      annotation_text=f"{tr(plots.event_label(ev['type']), lang)} ({who})",
                      annotation_position="top left")
    return fig


def timeseries_figure(market: pd.DataFrame, metric: str, policies: list[str],
                      currency: str = "currency units", events: list[dict] | None = None,
                      lang: str = "en") -> go.Figure:
    """``metric`` over days per policy: mean over replications with its t-based 95% CI band. A daily flow
    (``new_*``) is first smoothed within each run (trailing :data:`SMOOTH_DAYS`-day mean); a metric that is
    never negative keeps its band at 0 or above; scheduled ``events`` are marked."""
    fig = go.Figure()
    daily = metric.startswith("new_")
    never_negative = bool((market[metric].dropna() >= 0).all())
    for k, pol in enumerate(policies):
        g = market[market["policy"] == pol]
        if g.empty:
            continue
        if daily:
            g = g.sort_values("day").assign(**{metric: g.sort_values("day").groupby("replication")[metric].transform(
                lambda x: x.rolling(SMOOTH_DAYS, min_periods=1).mean())})
        rows = [(day, *t_ci(v[metric])[:3]) for day, v in g.groupby("day")]
        b = pd.DataFrame(rows, columns=["day", "mean", "lo", "hi"])
        b["lo"] = b["lo"].fillna(b["mean"])
        b["hi"] = b["hi"].fillna(b["mean"])
        if never_negative:
            b["lo"] = b["lo"].clip(lower=0)
        plots._add_band(fig, b, pol, _color(k))
    smooth = tr(", {k}-day mean", lang, k=SMOOTH_DAYS) if daily else ""
    fig.update_layout(title=tr("{metric} over time (mean over replications{smooth}, band: 95% CI of the mean)", lang,
                               metric=plots.metric_label(metric, unit=False, lang=lang), smooth=smooth),
                      xaxis_title=tr("day", lang), yaxis_title=plots.metric_label(metric, currency, lang=lang))
    return mark_events(fig, events or [], lang)


def kpi_bars(summary: pd.DataFrame, metrics: list[str], currency: str = "currency units",
             lang: str = "en") -> go.Figure:
    """One panel per metric: mean per policy with its 95% CI as error bars."""
    from plotly.subplots import make_subplots

    cols = min(3, len(metrics))
    rows = (len(metrics) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[plots.metric_label(m, currency, lang=lang)
                                                              for m in metrics])
    for j, m in enumerate(metrics):
        s = summary[summary["metric"] == m]
        fig.add_trace(go.Bar(x=s["policy"], y=s["mean"], showlegend=False,
                             marker={"color": [_color(k) for k in range(len(s))]},
                             error_y={"type": "data", "symmetric": False,
                                      "array": (s["ci_high"] - s["mean"]).fillna(0),
                                      "arrayminus": (s["mean"] - s["ci_low"]).fillna(0)}),
                      row=j // cols + 1, col=j % cols + 1)
    fig.update_layout(title=tr("End-of-run KPIs per policy (mean, error bars: 95% CI)", lang), height=320 * rows)
    return fig


def diff_figure(summary: pd.DataFrame, metrics: list[str], currency: str = "currency units",
                lang: str = "en") -> go.Figure:
    """Difference vs the reference per policy and metric (the metric's units): paired vs Welch 95% CI.

    The policies' labels are the same in every panel, so they are shown once per row (shared y axes)."""
    from plotly.subplots import make_subplots

    s = summary[summary["policy"] != summary["reference"]]
    cols = min(3, max(1, len(metrics)))
    rows = (len(metrics) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[plots.metric_label(m, currency, lang=lang)
                                                              for m in metrics],
                        shared_yaxes=True)
    for j, m in enumerate(metrics):
        g = s[s["metric"] == m]
        for name, lo, hi, color in (("paired CI", "diff_ci_low", "diff_ci_high", "#1f77b4"),
                                    ("Welch CI", "welch_ci_low", "welch_ci_high", "#bbbbbb")):
            label = " (Welch)" if name == "Welch CI" else " (paired)"
            fig.add_trace(go.Scatter(x=g["diff_mean"], y=g["policy"] + label,
                                     mode="markers", name=name, legendgroup=name, showlegend=j == 0,
                                     marker={"color": color},
                                     error_x={"type": "data", "symmetric": False,
                                              "array": (g[hi] - g["diff_mean"]).fillna(0),
                                              "arrayminus": (g["diff_mean"] - g[lo]).fillna(0)}),
                          row=j // cols + 1, col=j % cols + 1)
        fig.add_vline(x=0, line_dash="dot", line_color="grey", row=j // cols + 1, col=j % cols + 1)
    fig.update_layout(title=tr("Difference vs the reference: paired (common random numbers) vs unpaired (Welch) 95% "
                               "CI", lang),
                      height=max(300, 90 * len(s["policy"].unique()) + 200) * rows)
    return fig


def funnel_figure(market: pd.DataFrame, policies: list[str], lang: str = "en") -> go.Figure:
    """The purchase funnel per policy at the end of the runs (mean over replications)."""
    last = market[market["day"] == market.groupby(["policy", "run_id" if "run_id" in market else "run"])["day"]
                  .transform("max")]
    stages = [s for s in FUNNEL_STAGES if s in last.columns]
    fig = go.Figure()
    for k, pol in enumerate(policies):
        g = last[last["policy"] == pol]
        if g.empty:
            continue
        fig.add_trace(go.Funnel(name=pol, y=[tr(plots.FUNNEL[s], lang) for s in stages],
                                x=[g[s].mean() for s in stages],
                                texttemplate="%{value:,.0f}<br>%{percentInitial:.0%}", marker={"color": _color(k)}))
    fig.update_layout(title=tr("Purchase funnel at the end, per policy (mean over replications)", lang))
    return fig


def market_share_figure(brands: pd.DataFrame, policies: list[str], lang: str = "en") -> go.Figure:
    """Each brand's share of all orders at the end of the runs, per policy (mean over replications), stacked."""
    last = brands[brands["day"] == brands.groupby("run_id")["day"].transform("max")]
    fig = go.Figure()
    for k, (brand, g) in enumerate(last.groupby("brand", sort=False)):
        rows = [t_ci(g.loc[g["policy"] == p, "market_share"]) for p in policies]
        fig.add_trace(go.Bar(name=str(brand), x=policies, y=[r[0] for r in rows], marker={"color": _color(k)},
                             customdata=[[r[1], r[2]] for r in rows],
                             hovertemplate="%{y:.1%} (95% CI %{customdata[0]:.1%}–%{customdata[1]:.1%})"
                                           f"<extra>{html.escape(str(brand))}</extra>"))
    fig.update_layout(title=tr("Market shares at the end (share of all orders, mean over replications)", lang),
                      barmode="stack", yaxis_tickformat=".0%", yaxis_title=tr("share of orders", lang),
                      xaxis_title=tr("policy", lang))
    return fig


def trust_figure(market: pd.DataFrame, policies: list[str], events: list[dict], lang: str = "en") -> go.Figure:
    """Mean trust in brands over time per policy (band: 95% CI of the mean), scheduled events marked."""
    fig = timeseries_figure(market, "mean_trust", policies, events=events, lang=lang)
    fig.update_layout(title=tr("Trust in brands over time (band: 95% CI; dashed: scheduled events)", lang),
                      yaxis_title=tr("mean trust (0–1)", lang))
    return fig


def swept_parameters(runs: pd.DataFrame) -> list[str]:
    """Sweep/uncertainty parameters: columns named by a dotted key that vary within a policy."""
    return [c for c in runs.columns if "." in c and c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(runs[c])
            and (runs.groupby("policy")[c].nunique() > 1).any()]


def response_figure(runs: pd.DataFrame, param: str, metric: str, policies: list[str], lang: str = "en") -> go.Figure:
    """``metric`` against a swept parameter per policy: mean over replications with its 95% CI."""
    fig = go.Figure()
    for k, pol in enumerate(policies):
        g = runs[runs["policy"] == pol]
        rows = [(x, *t_ci(v[metric])[:3]) for x, v in g.groupby(param)]
        b = pd.DataFrame(rows, columns=["x", "mean", "lo", "hi"])
        if len(b) > 25:  # a space-filling design: the points themselves
            fig.add_trace(go.Scatter(x=g[param], y=g[metric], mode="markers", name=pol,
                                     marker={"color": _color(k), "opacity": 0.6}))
            continue
        fig.add_trace(go.Scatter(x=b["x"], y=b["mean"], mode="lines+markers", name=pol, line={"color": _color(k)},
                                 error_y={"type": "data", "symmetric": False,
                                          "array": (b["hi"] - b["mean"]).fillna(0),
                                          "arrayminus": (b["mean"] - b["lo"]).fillna(0)}))
    fig.update_layout(title=tr("Response of {metric} to {param} (mean, error bars: 95% CI)", lang, metric=metric,
                               param=param),
                      xaxis_title=param, yaxis_title=metric)
    return fig


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


def sensitivity_figure(table: pd.DataFrame, metric: str, method: str, lang: str = "en") -> go.Figure:
    fig = go.Figure()
    for k, (idx, g) in enumerate(table.groupby("index", sort=False)):
        fig.add_trace(go.Bar(x=g["parameter"], y=g["value"], name=idx, marker={"color": _color(k)},
                             error_y={"type": "data", "array": g["conf"].fillna(0)}))
    fig.update_layout(title=tr("Sensitivity of {metric}: {method}", lang, metric=metric, method=method),
                      barmode="group")
    return fig


# ----------------------------------------------------------------------------------------------------------------
# the report

def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    return f"{x:,.4g}" if abs(x) < 10 else f"{x:,.1f}"


def kpi_table_html(summary: pd.DataFrame, lang: str = "en") -> str:
    """The KPI table: one row per policy × metric."""
    head = "<tr>" + "".join(f"<th>{html.escape(tr(h, lang))}</th>" for h in (
        "policy", "metric", "n", "mean", "95% CI", "paired diff vs reference", "paired 95% CI", "Welch 95% CI",
        "seeds matched")) + "</tr>"
    body = []
    for r in summary.itertuples():
        is_ref = r.policy == r.reference
        sig = ""
        if not is_ref and not np.isnan(r.diff_ci_low):
            sig = " ★" if (r.diff_ci_low > 0 or r.diff_ci_high < 0) else ""
        body.append(
            f'<tr class="kpi"><td style="text-align:left">{html.escape(r.policy)}</td><td>{html.escape(r.metric)}</td>'
            f"<td>{r.n}</td><td>{_fmt(r.mean)}</td><td>[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]</td>"
            + (f"<td>{tr('reference', lang)}</td><td></td><td></td><td></td>" if is_ref else
               f"<td>{_fmt(r.diff_mean)}{sig}</td><td>[{_fmt(r.diff_ci_low)}, {_fmt(r.diff_ci_high)}]</td>"
               f"<td>[{_fmt(r.welch_ci_low)}, {_fmt(r.welch_ci_high)}]</td><td>{r.seeds_matched:.0%}</td>")
            + "</tr>")
    return f'<div style="overflow-x:auto"><table id="kpi-table">{head}{"".join(body)}</table></div>'


def brand_section_html(exp: dict, brand: str, reference: str, policies: list[str], lang: str = "en") -> str:
    """The verdict for ``brand`` (in ``lang``) and its marketing spend next to its effect, as HTML (the
    report's top)."""
    from .verdict import money, signed

    v, bs = brand_verdict(exp, brand, reference, policies, lang)
    cur = currency_of(exp)
    t = spend_and_effect(bs)
    runs = brand_runs(exp, brand)
    if "cum_marketing_spend" in runs.columns and "profit" in runs.columns:
        returns = spend_returns(runs, reference)
    else:
        returns = pd.DataFrame(columns=["policy", "comparable", "profit_per_extra_spend_low",
                                        "profit_per_extra_spend_high"])
    ret = returns.set_index("policy")

    def m(x, sign=False):
        return "–" if not np.isfinite(x) else money(x, cur, sign=sign)

    def pct(x):
        return "" if not np.isfinite(x) else signed(100 * x, unit="%")

    def rng(lo, hi, f):
        return "" if not (np.isfinite(lo) and np.isfinite(hi)) else f"[{f(lo)}, {f(hi)}]"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in (
        *(tr(h, lang) for h in ("policy", "runs", "marketing spend", "extra spend", "orders", "Δ orders",
                                "paired 95% CI", "revenue", "profit", "Δ profit", "paired 95% CI")),
        tr("Δ profit per extra {one}", lang, one=m(1).replace(".00", "")),
        tr("spend within {share}", lang, share=f"{EQUAL_SPEND:.0%}")))
    body = []
    for r in t.itertuples():
        ref = r.policy == reference
        body.append(
            f'<tr class="brand-row"><td style="text-align:left">{html.escape(r.policy)}</td><td>{int(r.n)}</td>'
            f"<td>{m(r.spend)}</td><td>{tr('reference', lang) if ref else m(r.extra_spend, True)}</td>"
            f"<td>{_fmt(r.orders)}</td><td>{'' if ref else pct(r.orders_rel)}</td>"
            f"<td>{'' if ref else rng(r.orders_rel_low, r.orders_rel_high, pct)}</td>"
            f"<td>{m(r.revenue)}</td><td>{m(r.profit)}</td><td>{'' if ref else m(r.profit_diff, True)}</td>"
            f"<td>{'' if ref else rng(r.profit_diff_low, r.profit_diff_high, lambda x: m(x, True))}</td>"
            f"<td>{'' if not np.isfinite(r.profit_per_extra_spend) else m(r.profit_per_extra_spend, True)}"
            f"{_ratio_ci(ret, r.policy, m)}</td>"
            f"<td>{'' if ref or r.policy not in ret.index else ('yes' if ret.loc[r.policy, 'comparable'] else 'no')}"
            "</td></tr>")
    return (f'<h2>{html.escape(tr("Verdict for {brand}", lang, brand=brand))}</h2><div class="verdict" id="verdict">'
            f'<p class="findings">{html.escape(" ".join(v.findings))}</p>'
            f"<p><b>{html.escape(v.recommendation)}</b></p>"
            f'<p class="budget" id="budget">{html.escape(budget_sentence(returns, reference, cur, lang))}</p>'
            f'<p class="note">{html.escape(" ".join(v.caveats))}</p><p class="note">{html.escape(v.legend)}</p></div>'
            f"<h2>{html.escape(tr('{brand}: marketing spend and what it brought', lang, brand=brand))}</h2>"
            f'<div style="overflow-x:auto"><table id="brand-table"><tr>{head}</tr>{"".join(body)}</table></div>')


def _ratio_ci(ret: pd.DataFrame, policy: str, m) -> str:
    """`` [lo, hi]`` of a policy's profit per extra unit of spend (delta method), or nothing."""
    if policy not in ret.index or not np.isfinite(ret.loc[policy, "profit_per_extra_spend_low"]):
        return ""
    return f" [{m(ret.loc[policy, 'profit_per_extra_spend_low'], True)}, " \
           f"{m(ret.loc[policy, 'profit_per_extra_spend_high'], True)}]"


STATISTICS_NOTE = ("Mean and 95% CI: t interval over replications. Paired difference: mean of the per-replication "
                   "differences with a t interval (pairs matched by point and replication). Welch: the unpaired "
                   "interval of the same difference, for comparison. ★: the paired interval excludes 0.")


def render_report(exp: dict, summary: pd.DataFrame, metrics: list[str], brand: str | None = None,
                  lang: str = "en") -> str:
    """The comparison report as one self-contained HTML string (plotly.js inlined once); with a brand table,
    it opens with the verdict for ``brand`` (default: the first brand) and its spend next to its effect. In
    ``lang`` (``zh-CN``: the title and the verdict in Chinese, :mod:`simcommerce.i18n`)."""
    runs, market = exp["runs"], exp["market"]
    policies = list(dict.fromkeys(summary["policy"]))
    reference = summary["reference"].iloc[0]
    sections: list[tuple[str, list, str]] = []  # (heading, figures, note)
    cur = currency_of(exp)
    brands = brands_of(exp)
    brand = brand if brand in brands else (brands[0] if brands else None)
    if brand and "point" in runs.columns and runs["point"].nunique() > 1:
        from .robustness import robustness, sentence, win_figure
        from .verdict import money

        try:
            table = robustness(brand_runs(exp, brand), "profit")
            sections.append((tr("How robust is the answer? {brand}'s profit across {n} settings of the uncertain "
                                "parameters", lang, brand=brand, n=int(table["points"].iloc[0])),
                             [win_figure(table, tr("{brand}'s profit, {cur}", lang, brand=brand, cur=cur), lang)],
                             sentence(table, lambda x: money(x, cur), lang)))
        except ValueError:
            pass
    sections.append((tr("Differences vs the reference (market totals)", lang),
                     [diff_figure(summary, metrics, cur, lang)], ""))
    sections.append((tr("KPIs per policy (market totals)", lang), [kpi_bars(summary, metrics, cur, lang)], ""))
    if market is not None:
        ts = [timeseries_figure(market, m, policies, cur, events_of(exp), lang) for m in metrics
              if m in market.columns]
        sections.append((tr("Over time", lang), ts, ""))
        if any(s in market.columns for s in FUNNEL_STAGES):
            sections.append((tr("Funnel", lang), [funnel_figure(market, policies, lang)], ""))
    else:
        sections.append((tr("Over time", lang), [], tr("The store has no market time series (DIR/market/).", lang)))
    params = swept_parameters(runs)
    if params:
        figs, notes = [], []
        for m in metrics:
            figs += [response_figure(runs, p, m, policies, lang) for p in params]
        for m in metrics:
            table, method = sensitivity(runs, params, m)
            if not table.empty:
                figs.append(sensitivity_figure(table, m, method, lang))
                notes.append(method)
        note = tr("Swept parameters: {params}. Sensitivity method: {method}.", lang, params=", ".join(params),
                  method=notes[0] if notes else tr("none", lang))
        sections.append((tr("Sweeps", lang), figs, note))
    cascade_figs, cascade_note = [], ""
    if exp.get("events") is not None and {"referrer", "buyer"} <= set(exp["events"].columns):
        ev = exp["events"]
        cascade_figs.append(cascade_ccdf({p: cascade_sizes(ev[ev["policy"] == p]) for p in policies
                                          if (ev["policy"] == p).any()}, lang))
    else:
        cascade_note += tr("The cascade-size CCDF needs per-run referral event tables (DIR/events/policy=…/), "
                           "which this store does not hold. ", lang)
    pro = exp.get("promoters")
    if pro is not None and "promoter_earned" in pro.columns:
        cascade_figs.append(lorenz_figure({p: pro.loc[(pro["policy"] == p) & (pro["promoter_earned"] > 0),
                                                      "promoter_earned"].to_numpy() for p in policies
                                           if (pro["policy"] == p).any()}, lang))
    else:
        cascade_note += tr("The promoters' Lorenz curve needs per-run promoter earnings tables "
                           "(DIR/promoters/policy=…/ with promoter_earned), which this store does not hold.", lang)
    sections.append((tr("Cascades and promoters", lang), cascade_figs, cascade_note))

    parts, first = [], True
    for heading, figs, note in sections:
        block = [f"<h2>{html.escape(heading)}</h2>"]
        if note:
            block.append(f'<p class="note">{html.escape(note)}</p>')
        for fig in figs:
            block.append('<div class="figure">' + fig.to_html(full_html=False, include_plotlyjs=first,
                                                              config=plots.PLOTLY_CONFIG) + "</div>")
            first = False
        parts.append("".join(block))
    if first:  # no figure at all: still inline plotly.js once, so the file is the same kind everywhere
        parts.append(go.Figure().to_html(full_html=False, include_plotlyjs=True))
    name = html.escape(str(exp["experiment"].get("name", "experiment")))
    try:
        brand_html = brand_section_html(exp, brand, reference, policies, lang) if brand else ""
    except ValueError as exc:  # a store whose tables do not match (hand-made): the market's view only
        brand_html = '<p class="note">' + html.escape(tr("No verdict per brand: {why}.", lang, why=exc)) + "</p>"
    reps = runs.groupby("policy").size()
    seeds_ok = summary.loc[summary["policy"] != reference, "seeds_matched"]
    crn = tr("common random numbers (replication r of every policy uses the same root seed)"
             if len(seeds_ok) and (seeds_ok == 1).all() else
             "NOT common random numbers for every pair (some pairs have different seeds)", lang)
    st = (exp.get("manifest") or {}).get("status")
    status = tr(" Experiment status: <b>{status}</b> (not all runs may be in).", lang,
                status=html.escape(str(st))) if st not in (None, "complete") else ""
    counts = ", ".join(tr("{p}: {n} runs", lang, p=html.escape(p), n=reps.get(p, 0)) for p in policies)
    intro = tr("{k} policies ({counts}); reference: <b>{reference}</b>; {crn}.", lang, k=len(policies),
               counts=counts, reference=html.escape(reference), crn=crn)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>simcommerce — compare {name}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}}
table{{border-collapse:collapse}}
td,th{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}}
.note{{color:#555;font-style:italic}}
.verdict{{border-left:4px solid #243b55;background:#f0f3f8;padding:4px 12px}}</style>
</head><body>
<h1>{html.escape(tr("Policy comparison — {name}", lang, name=html.unescape(name)))}</h1>
<p>{intro}{status}</p>
<p>{html.escape(tr(STATISTICS_NOTE, lang))}</p>
{brand_html}
<h2>{html.escape(tr("KPI table (market totals, all brands)", lang))}</h2>{kpi_table_html(summary, lang)}
{"".join(parts)}
</body></html>"""


def compare(dirs: list[str | Path], out: str | Path, metrics: list[str] | None = None,
            reference: str | None = None, brand: str | None = None, lang: str = "en") -> tuple[Path, pd.DataFrame]:
    """Load one or more experiment stores, write the report (opening with the verdict for ``brand``, default the
    first brand; in ``lang``) and ``summary.csv``/``summary.parquet`` beside it (market totals)."""
    exp = merge_experiments([load_experiment_results(d) for d in dirs])
    runs = exp["runs"]
    if metrics or exp["experiment"].get("metrics"):
        metrics = metrics or exp["experiment"]["metrics"]
        missing = [m for m in metrics if m not in runs.columns]
        if missing:
            raise ValueError(f"metric(s) {', '.join(missing)} not in the runs table of {', '.join(map(str, dirs))}"
                             f" (it has: {', '.join(c for c in runs.columns if c not in ID_COLUMNS)})")
    else:
        metrics = [m for m in DEFAULT_METRICS if m in runs.columns]
    policies = list(dict.fromkeys(runs["policy"]))
    reference = reference or exp["experiment"].get("reference") or policies[0]
    if reference not in policies:
        raise ValueError(f"reference policy {reference!r} is not among the policies: {', '.join(policies)}")
    summary = summarise(runs, metrics, reference)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if brand is not None and brand not in brands_of(exp):
        raise ValueError(f"brand {brand!r} is not in the brands table of {', '.join(map(str, dirs))} (it has: "
                         f"{', '.join(brands_of(exp)) or 'no brands table'})")
    atomic_write_bytes(out, render_report(exp, summary, metrics, brand, lang).encode("utf-8"))
    write_summary(summary, out.parent / "summary")
    return out, summary


def runs_frame(results_by_policy: dict[str, list]) -> pd.DataFrame:
    """A runs table (policy, replication, seed, end-of-run metrics) from ``{policy: [RunResult, ...]}``."""
    rows = []
    for pol, results in results_by_policy.items():
        for r in results:
            rows.append({"policy": pol, "replication": r.run, **r.summary})
    return pd.DataFrame(rows).drop(columns=["run"], errors="ignore")
