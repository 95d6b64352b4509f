"""Plotly figures of a comparison of policies, from loaded results (:func:`simcommerce.store.load_results`) and
the tables of :mod:`simcommerce.stats`; never from a live Market. Titles in ``lang`` (:mod:`simcommerce.i18n`)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import plots
from .i18n import t as tr
from .stats import lorenz, t_ci
from .unique import unique

FUNNEL_STAGES = ["n_aware", "n_considered", "n_customers", "n_repeat_customers"]
SMOOTH_DAYS = 7  # daily flows (new_*) are shown as trailing 7-day means


def color(k: int) -> str:
    """The k-th policy's colour."""
    return plots.COLORS[k % len(plots.COLORS)]


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
        plots._add_band(fig, b, pol, color(k))
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
                             marker={"color": [color(k) for k in range(len(s))]},
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
                                texttemplate="%{value:,.0f}<br>%{percentInitial:.0%}", marker={"color": color(k)}))
    fig.update_layout(title=tr("Purchase funnel at the end, per policy (mean over replications)", lang))
    return fig


def market_share_figure(brands: pd.DataFrame, policies: list[str], lang: str = "en") -> go.Figure:
    """Each brand's share of all orders at the end of the runs, per policy (mean over replications), stacked."""
    last = brands[brands["day"] == brands.groupby("run_id")["day"].transform("max")]
    fig = go.Figure()
    for k, (brand, g) in enumerate(last.groupby("brand", sort=False)):
        rows = [t_ci(g.loc[g["policy"] == p, "market_share"]) for p in policies]
        fig.add_trace(go.Bar(name=str(brand), x=policies, y=[r[0] for r in rows], marker={"color": color(k)},
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


def response_figure(runs: pd.DataFrame, param: str, metric: str, policies: list[str], lang: str = "en") -> go.Figure:
    """``metric`` against a swept parameter per policy: mean over replications with its 95% CI."""
    fig = go.Figure()
    for k, pol in enumerate(policies):
        g = runs[runs["policy"] == pol]
        rows = [(x, *t_ci(v[metric])[:3]) for x, v in g.groupby(param)]
        b = pd.DataFrame(rows, columns=["x", "mean", "lo", "hi"])
        if len(b) > 25:  # a space-filling design: the points themselves
            fig.add_trace(go.Scatter(x=g[param], y=g[metric], mode="markers", name=pol,
                                     marker={"color": color(k), "opacity": 0.6}))
            continue
        fig.add_trace(go.Scatter(x=b["x"], y=b["mean"], mode="lines+markers", name=pol, line={"color": color(k)},
                                 error_y={"type": "data", "symmetric": False,
                                          "array": (b["hi"] - b["mean"]).fillna(0),
                                          "arrayminus": (b["mean"] - b["lo"]).fillna(0)}))
    fig.update_layout(title=tr("Response of {metric} to {param} (mean, error bars: 95% CI)", lang, metric=metric,
                               param=param),
                      xaxis_title=param, yaxis_title=metric)
    return fig


def sensitivity_figure(table: pd.DataFrame, metric: str, method: str, lang: str = "en") -> go.Figure:
    fig = go.Figure()
    for k, (idx, g) in enumerate(table.groupby("index", sort=False)):
        fig.add_trace(go.Bar(x=g["parameter"], y=g["value"], name=idx, marker={"color": color(k)},
                             error_y={"type": "data", "array": g["conf"].fillna(0)}))
    fig.update_layout(title=tr("Sensitivity of {metric}: {method}", lang, metric=metric, method=method),
                      barmode="group")
    return fig


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
