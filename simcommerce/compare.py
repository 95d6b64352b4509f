"""The comparison report of policies: one brand's view (verdict, spend next to its effect), the KPI table, the
self-contained HTML report, and :func:`compare` (``simcommerce compare DIR [DIR...] --out report.html``).

Reads results stores (:func:`simcommerce.store.load_results`): experiment folders and run folders (a run is a
one-policy experiment), merged (:func:`simcommerce.store.merge_results`). Statistics are in
:mod:`simcommerce.stats`, figures in :mod:`simcommerce.figures`.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import plots
from .figures import (
    FUNNEL_STAGES,
    cascade_ccdf,
    diff_figure,
    events_of,
    funnel_figure,
    kpi_bars,
    lorenz_figure,
    response_figure,
    sensitivity_figure,
    timeseries_figure,
)
from .i18n import t as tr
from .results import atomic_write_bytes, write_table
from .stats import (
    DEFAULT_METRICS,
    EQUAL_SPEND,
    ID_COLUMNS,
    cascade_sizes,
    sensitivity,
    spend_returns,
    summarise,
    swept_parameters,
)
from .store import load_results, merge_results

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


MULTIPLICITY_NOTE = ("Multiple comparisons: the KPI table makes {k} comparisons with the reference ({p} × {m}: "
                     "policies besides the reference × metrics). Each interval is per comparison (95% for that "
                     "difference alone), so about {chance} of them would exclude 0 by chance if no policy made a "
                     "difference. After Holm's adjustment, {h} of the {k} differences stay significant at 5%; "
                     "summary.csv has the Holm-adjusted p-values (diff_p_holm) and Bonferroni intervals at {adj} "
                     "each, which hold for all {k} together (adj_ci_low, adj_ci_high).")


def multiplicity_note(summary: pd.DataFrame, lang: str = "en") -> str:
    """How many comparisons the KPI table makes, that its intervals are per comparison, and how many differences
    survive Holm's adjustment at 5% (:func:`simcommerce.stats.summarise`'s ``diff_p_holm``)."""
    rows = summary[summary["policy"] != summary["reference"]]
    k = int(rows["diff_p"].notna().sum())
    if k == 0:
        return ""
    level = 1 - 0.05 / k
    return tr(MULTIPLICITY_NOTE, lang, k=k, p=rows["policy"].nunique(), m=rows["metric"].nunique(),
              chance=f"{0.05 * k:.2g}", h=int((rows["diff_p_holm"] < 0.05).sum()),
              adj=f"{100 * level:.4g}%")


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
<h2>{html.escape(tr("KPI table (market totals, all brands)", lang))}</h2>
<p class="note" id="multiplicity">{html.escape(multiplicity_note(summary, lang))}</p>{kpi_table_html(summary, lang)}
{"".join(parts)}
</body></html>"""


def compare(dirs: list[str | Path], out: str | Path, metrics: list[str] | None = None,
            reference: str | None = None, brand: str | None = None, lang: str = "en") -> tuple[Path, pd.DataFrame]:
    """Load one or more results stores (experiment or run folders, merged: a run is one policy), write the report
    (opening with the verdict for ``brand``, default the first brand; in ``lang``) and
    ``summary.csv``/``summary.parquet`` beside it (market totals, :func:`simcommerce.stats.summarise`).

    Raises:
        FileNotFoundError: a folder is no results store (the message names it and what was expected).
        ValueError: an unknown metric, reference policy or brand.
    """
    exp = merge_results([load_results(d) for d in dirs])
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
