"""``report.html`` of a calibration: observed vs simulated with bands, held-out part marked, parameter traces,
pairwise plots, estimates and fit statistics on the fit and held-out parts (self-contained, plotly.js inlined)."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .calibration import PROFILE_CUT, SERIES, Calibration, observed_periods


def fit_statistics(cal: Calibration, series: pd.DataFrame | None, trials: pd.DataFrame) -> list[tuple]:
    """(part, target, RMSE, R², mean |z|) rows for the best candidate (its runs are the ones recorded), on the fit
    and held-out parts."""
    best = int(trials.loc[trials["loss"].idxmin(), "trial"])
    obs, columns = observed_periods(cal)
    rows = []
    n_fit = obs.shape[0] - cal.holdout_days // cal.period_days if columns else 0
    for j, c in enumerate(columns):
        s = series[(series["trial"] == best) & (series["column"] == c)].sort_values("period")
        mu, sd = s["mean"].to_numpy(), s["sd"].to_numpy()
        for part, sl in (("fit", slice(0, n_fit)), ("held out", slice(n_fit, None))):
            o, m = obs[sl, j], mu[sl]
            if len(o) == 0:
                continue
            rmse = float(np.sqrt(np.mean((o - m) ** 2)))
            r2 = float(1 - np.sum((o - m) ** 2) / max(np.sum((o - o.mean()) ** 2), 1e-12)) if len(o) > 1 else np.nan
            rows.append((part, c, rmse, r2, float(np.mean(np.abs(o - m) / sd[sl]))))
    brow = trials.loc[trials["loss"].idxmin()]
    for name, (value, tol) in cal.statistics.items():
        sim = float(brow[f"stat:{name}"])
        rows.append(("held out" if name in cal.holdout_statistics else "fit", f"{name} (target {value:g} ± {tol:g})",
                     abs(sim - value), np.nan, abs(sim - value) / tol))
    return rows


def render(cal: Calibration, out: Path, trials: pd.DataFrame, est: pd.DataFrame, pairs: list) -> str:
    series = pd.read_parquet(out / SERIES) if (out / SERIES).exists() else None
    ok = np.ones(len(trials), dtype=bool)  # candidates inside every parameter's 95% interval
    for r in est.itertuples():
        ok &= trials[r.parameter].between(r.low, r.high).to_numpy()
    best = int(trials.loc[trials["loss"].idxmin(), "trial"])
    figs = []
    obs, columns = observed_periods(cal)
    if columns:
        n_fit = obs.shape[0] - cal.holdout_days // cal.period_days
        x = np.arange(1, obs.shape[0] + 1) * cal.period_days
        cols = min(2, len(columns))
        fig = make_subplots(rows=(len(columns) + cols - 1) // cols, cols=cols, subplot_titles=columns)
        compatible = set(trials.loc[ok, "trial"].astype(int)) or {best}
        for j, c in enumerate(columns):
            r, k = j // cols + 1, j % cols + 1
            s = series[series["column"] == c]
            band = s[s["trial"].isin(compatible)].groupby("period")["mean"].agg(["min", "max"]).sort_index()
            b = s[s["trial"] == best].sort_values("period")
            lo = np.maximum(b["mean"] - 1.96 * b["sd"], 0)
            hi = b["mean"] + 1.96 * b["sd"]
            show = j == 0
            fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[hi, lo[::-1]], fill="toself", line_width=0,
                                     fillcolor="rgba(31,119,180,0.12)", name="95% of runs at the estimate",
                                     showlegend=show, legendgroup="pred"), row=r, col=k)
            fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[band["max"], band["min"][::-1]], fill="toself",
                                     line_width=0, fillcolor="rgba(31,119,180,0.35)",
                                     name="mean of the candidates within the intervals", showlegend=show,
                                     legendgroup="par"), row=r, col=k)
            fig.add_trace(go.Scatter(x=x, y=b["mean"], line_color="#1f77b4", name="simulated (best candidate)",
                                     showlegend=show, legendgroup="sim"), row=r, col=k)
            fig.add_trace(go.Scatter(x=x, y=obs[:, j], mode="markers", marker_color="black", name="observed",
                                     showlegend=show, legendgroup="obs"), row=r, col=k)
            if n_fit < obs.shape[0]:
                label = {"annotation_text": "held out", "annotation_position": "top left"} if show else {}
                fig.add_vrect(x0=x[n_fit - 1] + 0.5 * cal.period_days, x1=x[-1] + 0.5 * cal.period_days,
                              fillcolor="orange", opacity=0.12, line_width=0, row=r, col=k, **label)
            fig.update_xaxes(title_text=f"day (end of each {cal.period_days}-day period)", row=r, col=k)
        fig.update_layout(title="Observed vs simulated", height=330 * ((len(columns) + cols - 1) // cols))
        figs.append(fig)
    if cal.statistics:
        names = list(cal.statistics)
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=[cal.statistics[n][0] for n in names], y=names, mode="markers",
                                 error_x={"array": [1.96 * cal.statistics[n][1] for n in names]}, name="target ± 1.96 tol",
                                 marker={"color": "black", "size": 10}))
        sim = trials.loc[ok, [f"stat:{n}" for n in names]]
        fig.add_trace(go.Box(x=sim.to_numpy().ravel(), y=np.repeat(names, len(sim)) if len(sim) else [],
                             name="candidates within the intervals", orientation="h", marker_color="#1f77b4"))
        fig.update_layout(title="Summary statistics: target vs simulated", height=120 + 60 * len(names))
        figs.append(fig)
    keys = [p.key for p in cal.parameters]
    fig = make_subplots(rows=len(keys), cols=1, shared_xaxes=True, subplot_titles=keys)
    for i, k in enumerate(keys):
        fig.add_trace(go.Scatter(x=trials["trial"], y=trials[k], mode="markers",
                                 marker={"color": np.where(ok, "#d62728", "#bbbbbb"), "size": 5},
                                 name=k, showlegend=False), row=i + 1, col=1)
        if cal.parameters[i].log:
            fig.update_yaxes(type="log", row=i + 1, col=1)
    fig.update_xaxes(title_text="candidate (red: within every 95% interval)", row=len(keys), col=1)
    fig.update_layout(title="Parameter traces", height=180 * len(keys) + 80)
    figs.append(fig)
    if len(keys) > 1:
        fig = go.Figure(go.Splom(dimensions=[{"label": k.split(".")[-1], "values": trials[k]} for k in keys],
                                 marker={"color": np.where(ok, "#d62728", "#bbbbbb"), "size": 4},
                                 diagonal_visible=False, showupperhalf=False, text=trials["trial"]))
        fig.update_layout(title="Pairs of parameters (red: within every 95% interval)",
                          height=220 * len(keys) + 100, width=220 * len(keys) + 150)
        figs.append(fig)

    def table(header, rows) -> str:
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
        return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + f"</tr>{body}</table>"

    est_rows = [(r.parameter, r.estimate, r.low, r.high, f"{r.bound_low:g} – {r.bound_high:g}", r.best_candidate,
                 r.rise_to_low, r.rise_to_high,
                 "yes" if r.identified else f"NO (interval spans {r.interval_share_of_bounds:.0%} of the bounds)")
                for r in est.itertuples()]
    notes = []
    for r in est.itertuples():
        if not r.identified:
            notes.append(f"<li><b>{html.escape(r.parameter)}</b> is not identified by these targets: values from "
                         f"{r.low:.4g} to {r.high:.4g} fit the data equally well.</li>")
    for a, b, rho in pairs:
        notes.append(f"<li><b>{html.escape(a)}</b> and <b>{html.escape(b)}</b> trade off (correlation {rho:+.2f} "
                     "in the estimates' covariance): the data fix a combination of them better than each.</li>")
    parts = [f"<h1>Calibration {html.escape(cal.name)}</h1>",
             f"<p>{html.escape(cal.description)}</p>" if cal.description else "",
             f"<p>Base scenario <code>{html.escape(cal.base)}</code>; {len(trials)} candidates × {cal.seeds} seeds "
             f"(common random numbers) = {len(trials) * cal.seeds} runs; sampler {cal.sampler} (optuna). "
             "Estimates and 95% intervals: a quadratic fitted to the losses of the best candidates (the Laplace "
             "approximation of the synthetic likelihood), estimate ± 1.96 sd on the prior's scale, clipped to the "
             f"bounds; here from {html.escape(est['method'].iloc[0])}. {int(ok.sum())} candidates lie within every "
             "interval. Then a check: the estimate, and the estimate with one parameter at each of its bounds, run "
             "on the same seeds; where the loss rises toward a bound by less than the 95% cut "
             f"({PROFILE_CUT:.2f}), the interval reaches that bound.</p>",
             "<h2>Estimates</h2>",
             table(["parameter", "estimate", "95% low", "95% high", "bounds", "best candidate", "loss rise at low bound",
                    "at high bound", "identified"], est_rows),
             f"<h2>What the data do not pin down</h2><ul>{''.join(notes) or '<li>every parameter is identified and no pair trades off.</li>'}</ul>",
             "<h2>Fit statistics (the best candidate)</h2>",
             table(["part", "target", "RMSE / |error|", "R²", "mean |z|"], fit_statistics(cal, series, trials))]
    for i, f in enumerate(figs):
        parts.append(f.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False}))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>calibration {html.escape(cal.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em}}table{{border-collapse:collapse}}
td,th{{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}}</style></head><body>{''.join(parts)}</body></html>"""


def _fmt(x) -> str:
    if isinstance(x, float):
        return "" if np.isnan(x) else f"{x:.4g}"
    return str(x)
