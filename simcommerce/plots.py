"""Plotly figures built from result tables (never from a live Market).

Bands over replications are the 5–95% range of the runs (the min–max with fewer than
20 runs), around the mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

KPIS = {  # metric: (title, y axis title with its unit)
    "new_orders": ("Orders per day", "orders / day"),
    "cum_gmv": ("Cumulative GMV", "currency units"),
    "n_aware": ("Aware consumers", "consumers"),
    "new_shares": ("Shares per day", "shares / day"),
    "mean_trust": ("Mean trust in brands", "trust (0–1)"),
    "profit": ("Cumulative profit (all brands)", "currency units"),
}
COLORS = qualitative.Plotly
# the modebar of every chart: no plotly logo, nothing that sends a chart to a cloud service
PLOTLY_CONFIG = {"displaylogo": False, "showSendToCloud": False,
                 "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio"]}

LABELS = {  # metric -> what a reader calls it (the unit is added by metric_label)
    "profit": "Profit", "new_profit": "Profit per day", "cum_gmv": "Revenue (GMV)", "new_gmv": "Revenue per day",
    "cum_orders": "Orders", "new_orders": "Orders per day", "cum_marketing_spend": "Marketing spend",
    "new_marketing_spend": "Marketing spend per day", "return_on_marketing_spend": "Net sales per unit of marketing",
    "cost_per_new_customer": "Marketing spend per new customer", "n_aware": "Aware consumers",
    "n_considered": "Consumers considering", "n_customers": "Customers", "n_repeat_customers": "Repeat customers",
    "cum_shares": "Shares", "cum_referral_orders": "Referral orders", "mean_trust": "Mean trust",
    "market_share": "Share of orders", "mean_rating": "Mean rating", "cum_ad_spend": "Ad spend",
    "cum_influencer_fees": "Influencer fees", "cum_live_slot_fees": "Live slot fees",
    "cum_live_commission": "Live hosts' commission", "cum_commission": "Referral commission",
    "cum_group_discounts": "Group-deal discounts", "cum_referral_discounts": "Referral discounts",
    "cum_live_discounts": "Live-session discounts", "cum_sample_discounts": "Free samples",
    "cum_live_orders": "Live-stream orders", "cum_live_gmv": "Live-stream sales", "cum_group_gmv": "Group-deal sales", "n_active": "Active consumers",
}


def metric_label(name: str, currency: str = "currency units", unit: bool = True, lang: str = "en") -> str:
    """A metric's human label, with its unit in brackets where it has one worth saying: ``Profit (¥)``,
    ``Mean trust (0–1)``, ``Orders``; money in the scenario's ``currency``."""
    from .metrics import column_info

    label = LABELS.get(name)
    if label is not None:
        from .i18n import t

        label = t(label, lang)
    else:
        base = name.removeprefix("cum_").removeprefix("new_").removeprefix("n_").replace("_", " ")
        base = base.replace("gmv", "GMV")
        label = base[:1].upper() + base[1:] + (" per day" if name.startswith("new_") else "")
    if not unit:
        return label
    u = (column_info(name) or ("", ""))[1]
    u = {"currency units": currency, "share (0-1)": "0–1", "count": "", "flag": "", "index": "",
         "stars (1-5; 0 if none)": "stars, 1–5"}.get(u, u)
    return f"{label} ({u})" if u else label


EVENT_LABELS = {"quality_scandal": "quality scandal", "fake_reviews_exposed": "fake reviews exposed",
                "influencer_scandal": "influencer scandal", "privacy_breach": "privacy breach"}


def event_label(event_type: str) -> str:
    """A scheduled event's type in words (``quality_scandal`` -> ``quality scandal``)."""
    return EVENT_LABELS.get(event_type, event_type.replace("_", " "))


def number_format(values) -> str:
    """A d3 tick format a reader takes in at once: thousands separated (14,783, not 14.783k), decimals
    only for small values."""
    top = float(np.nanmax(np.abs(values))) if len(values) else 0.0
    return ",.0f" if top >= 100 else ",.1f" if top >= 10 else ",.2f"


def spread_note(n_runs: int) -> str:
    """What the band around a line is."""
    if n_runs == 1:
        return "one run: a line, no band (run --replications 5 or more for bands over seeds)"
    return f"mean of {n_runs} runs, band: {'5–95%' if n_runs >= 20 else 'min–max'}"


def band(df: pd.DataFrame, metric: str, by: list[str] | None = None) -> pd.DataFrame:
    """Mean and band (lo, hi) of ``metric`` over runs, per day (and per ``by`` columns)."""
    keys = ["day", *(by or [])]
    g = df.groupby(keys)[metric]
    n_runs = df["run"].nunique()
    q = (0.05, 0.95) if n_runs >= 20 else (0.0, 1.0)
    out = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(q[0]), "hi": g.quantile(q[1])}).reset_index()
    return out


def _add_band(fig, b: pd.DataFrame, name: str, color: str, row=None, col=None, showlegend=True):
    """The mean as a line, and the band around it unless it has no width (a single run)."""
    kw = {"row": row, "col": col} if row else {}
    if (b["hi"] > b["lo"]).any():
        x = np.concatenate([b["day"], b["day"][::-1]])
        y = np.concatenate([b["hi"], b["lo"][::-1]])
        fig.add_trace(go.Scatter(x=x, y=y, fill="toself", line={"width": 0}, fillcolor=color, opacity=0.2,
                                 hoverinfo="skip", showlegend=False, legendgroup=name), **kw)
    fig.add_trace(go.Scatter(x=b["day"], y=b["mean"], name=name, line={"color": color}, legendgroup=name,
                             showlegend=showlegend), **kw)


def kpi_timeseries(market: pd.DataFrame, currency: str = "currency units") -> go.Figure:
    """Market KPIs over time: mean over replications with a band (money in ``currency``)."""
    metrics = [m for m in KPIS if m in market.columns]
    rows = (len(metrics) + 2) // 3
    fig = make_subplots(rows=rows, cols=3, subplot_titles=[KPIS[m][0] for m in metrics])
    for k, m in enumerate(metrics):
        r, c = k // 3 + 1, k % 3 + 1
        _add_band(fig, band(market, m), m, COLORS[0], row=r, col=c, showlegend=False)
        fig.update_yaxes(title_text=KPIS[m][1].replace("currency units", currency), tickformat=number_format(market[m]),
                         row=r, col=c)
    fig.update_layout(title=f"Market KPIs ({spread_note(market['run'].nunique())})", height=330 * rows,
                      showlegend=False)
    fig.update_xaxes(title_text="day")
    return fig


FUNNEL = {"consumers": "Consumers", "n_aware": "Aware", "n_considered": "Considered", "n_customers": "Bought",
          "n_repeat_customers": "Bought again"}


def funnel(brands: pd.DataFrame, consumers: int) -> go.Figure:
    """The purchase funnel per brand at the end of the run (mean over replications)."""
    last = brands[brands["day"] == brands["day"].max()]
    fig = go.Figure()
    for k, (name, g) in enumerate(last.groupby("brand", sort=False)):
        stages = [s for s in FUNNEL if s == "consumers" or s in g.columns]
        values = [consumers if s == "consumers" else g[s].mean() for s in stages]
        fig.add_trace(go.Funnel(name=name, y=[FUNNEL[s] for s in stages], x=values,
                                textinfo="value+percent initial", marker={"color": COLORS[k % len(COLORS)]}))
    fig.update_layout(title="Purchase funnel at the end (mean over runs)")
    return fig


def rating_distribution(brands: pd.DataFrame) -> go.Figure:
    """Share of reviews by star rating, per brand, at the end of the run."""
    last = brands[brands["day"] == brands["day"].max()]
    cols = [f"n_rating_{k}" for k in range(1, 6)]
    fig = go.Figure()
    if not set(cols) <= set(last.columns):
        return fig.update_layout(title="Rating distribution (reviews switched off)")
    for k, (name, g) in enumerate(last.groupby("brand", sort=False)):
        counts = g[cols].mean().to_numpy()
        share = counts / counts.sum() if counts.sum() else counts
        fig.add_trace(go.Bar(name=name, x=[f"{s}★" for s in range(1, 6)], y=share,
                             marker={"color": COLORS[k % len(COLORS)]},
                             hovertemplate="%{y:.1%} of reviews<extra>" + name + "</extra>"))
    fig.update_layout(title="Rating distribution (share of reviews)", yaxis_tickformat=".0%", barmode="group")
    return fig


def trust_over_time(brands: pd.DataFrame, events: list[dict]) -> go.Figure:
    """Mean trust in each brand over time with bands, and the scheduled events marked."""
    fig = go.Figure()
    for k, (name, g) in enumerate(brands.groupby("brand", sort=False)):
        _add_band(fig, band(g, "mean_trust"), name, COLORS[k % len(COLORS)])
    for ev in events:
        who = ev.get("brand") or ev.get("influencer") or ""
        fig.add_vline(x=ev["day"], line_dash="dash", line_color="grey",
                      annotation_text=f"{ev['type']} ({who})", annotation_position="top left")
    fig.update_layout(title="Trust in brands over time", xaxis_title="day", yaxis_title="mean trust (0–1)")
    return fig


def mechanism_panels(brands: pd.DataFrame, title: str, metrics: dict[str, str],
                     currency: str = "currency units") -> go.Figure | None:
    """One small plot per metric of a mechanism (running totals for flows), per brand with bands.

    Returns None when every one of them stays zero (the mechanism did nothing in this run).
    """
    cols = [("cum_" + m[4:]) if m.startswith("new_") else m for m in metrics]
    cols = [c for c in cols if c in brands.columns and brands[c].abs().max() > 0]
    if not cols:
        return None
    rows = (len(cols) + 2) // 3
    from .metrics import column_info

    fig = make_subplots(rows=rows, cols=3, subplot_titles=[metric_label(c, currency) for c in cols])
    for k, col in enumerate(cols):
        r, c = k // 3 + 1, k % 3 + 1
        for j, (name, g) in enumerate(brands.groupby("brand", sort=False)):
            _add_band(fig, band(g, col), name, COLORS[j % len(COLORS)], row=r, col=c, showlegend=k == 0)
        unit = (column_info(col) or ("", ""))[1].replace("currency units", currency)
        fig.update_yaxes(title_text=unit, tickformat=number_format(brands[col]), row=r, col=c)
    fig.update_layout(title=f"{title} ({spread_note(brands['run'].nunique())})", height=300 * rows)
    fig.update_xaxes(title_text="day")
    return fig
