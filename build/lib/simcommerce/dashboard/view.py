"""The comparison view: KPI cards, the summary table, the figures, and the downloads.

Everything here is computed from an experiment store with :mod:`simcommerce.compare`
(``load_experiment_results``, ``summarise``: means with t-based 95% CIs and paired differences
vs the chosen reference), the same statistics as ``simcommerce compare``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from .. import compare
from . import browse, figures, sessions

CARD_METRICS = 4  # KPI cards: the first metrics of the experiment


@lru_cache(maxsize=8)
def _load(folder: str, mtime: float) -> dict:
    return compare.load_experiment_results(folder)


def load(folder: Path) -> dict:
    """An experiment store's tables (cached until its manifest changes)."""
    return _load(str(folder), (folder / "manifest.json").stat().st_mtime)


def policies_of(exp: dict) -> list[str]:
    """Policies in the experiment's order (those with runs only)."""
    present = set(exp["runs"]["policy"])
    return [p for p in exp["experiment"].get("policies", {}) if p in present] or sorted(present)


def metrics_of(exp: dict) -> list[str]:
    runs = exp["runs"]
    return [m for m in (exp["experiment"].get("metrics") or compare.DEFAULT_METRICS) if m in runs.columns]


def summary_of(exp: dict, reference: str):
    """compare.summarise of the experiment's metrics, policies in the experiment's order."""
    order = {p: i for i, p in enumerate(policies_of(exp))}
    runs = exp["runs"].sort_values("policy", key=lambda s: s.map(order), kind="stable")
    return compare.summarise(runs, metrics_of(exp), reference)


def _fmt_ci(lo: float, hi: float) -> str:
    return "" if np.isnan(lo) else f"[{compare._fmt(lo)}, {compare._fmt(hi)}]"


def _significant(r) -> bool:
    return not np.isnan(r.diff_ci_low) and (r.diff_ci_low > 0 or r.diff_ci_high < 0)


def kpi_cards(summary, metrics: list[str]) -> list:
    """One card per headline metric: each policy's mean with its 95% CI, and its paired difference."""
    cards = []
    for m in metrics[:CARD_METRICS]:
        lines = []
        for r in summary[summary["metric"] == m].itertuples():
            if r.policy == r.reference:
                diff = html.Span("reference", className="note")
            else:
                rel = "" if np.isnan(r.rel_diff) else f" ({r.rel_diff:+.1%})"
                diff = html.Span(f"Δ {compare._fmt(r.diff_mean)}{rel} {_fmt_ci(r.diff_ci_low, r.diff_ci_high)}",
                                 className=("up" if r.diff_mean > 0 else "down") if _significant(r) else "note")
            lines.append(html.Div([html.B(r.policy), f" {compare._fmt(r.mean)} ",
                                   html.Span(_fmt_ci(r.ci_low, r.ci_high), className="note"), html.Br(), diff]))
        cards.append(html.Div([html.H4(m), *lines], className="kpi-card"))
    return cards


def summary_table(summary) -> html.Table:
    """Policy × metric: mean and 95% CI, paired difference vs the reference with its 95% CI."""
    head = html.Tr([html.Th(h) for h in ("policy", "metric", "n", "mean", "95% CI", "paired diff vs reference",
                                         "paired 95% CI", "relative", "seeds matched")])
    rows = []
    for r in summary.itertuples():
        ref = r.policy == r.reference
        star = " ★" if not ref and _significant(r) else ""
        rows.append(html.Tr([
            html.Td(r.policy), html.Td(r.metric), html.Td(r.n), html.Td(compare._fmt(r.mean)),
            html.Td(_fmt_ci(r.ci_low, r.ci_high)),
            html.Td("reference" if ref else compare._fmt(r.diff_mean) + star),
            html.Td("" if ref else _fmt_ci(r.diff_ci_low, r.diff_ci_high)),
            html.Td("" if ref or np.isnan(r.rel_diff) else f"{r.rel_diff:+.1%}"),
            html.Td("" if ref or np.isnan(r.seeds_matched) else f"{r.seeds_matched:.0%}"),
        ], className="summary-row"))
    return html.Table([head, *rows], className="summary")


def _graph(gid: str, text: str = "no experiment open: run one, or open one from Browse") -> dcc.Graph:
    return dcc.Graph(id=gid, config={"displaylogo": False}, figure=figures.message_figure("", text))


def layout() -> html.Div:
    return html.Div([
        html.Div([
            html.H3(id="compare-title", children="No experiment open yet: run one, or open one from Browse."),
            html.P(id="compare-note", className="note"),
            html.Div([html.Label("Reference policy"), dcc.RadioItems(id="reference", options=[], inline=True)],
                     className="lever wide"),
            html.Div(id="kpi-cards", className="kpi-cards"),
            html.Div(id="summary-table"),
            html.Div([
                html.Button("Download summary (CSV)", id="dl-summary"),
                html.Button("Download experiment (YAML)", id="dl-experiment"),
                html.Span(" Policy as a scenario file: "),
                dcc.RadioItems(id="dl-policy-choice", options=[], inline=True),
                html.Button("Download policy (YAML)", id="dl-policy"),
                dcc.Download(id="download"),
            ], className="row"),
        ], className="card"),
        html.Div([
            html.Div([html.Label("Metric over time"),
                      dcc.Dropdown(id="ts-metric", options=[], clearable=False)], className="lever wide"),
            dcc.Loading(_graph("ts-graph")),
            html.Div([_graph("funnel-graph"), _graph("share-graph")], className="two"),
            html.Div([_graph("trust-graph"), _graph("lorenz-graph")], className="two"),
        ], className="card"),
        html.Div([
            html.H4("Inside one market"),
            html.Div([html.Label("Policy"), dcc.RadioItems(id="snapshot-policy", options=[], inline=True),
                      html.Button("Draw the network", id="network-draw")], className="row"),
            html.P("The network view runs this policy once more (replication 0's seed, at most "
                   f"{figures.SNAPSHOT_MAX_CONSUMERS:,} consumers) to see each consumer's state at the end; the "
                   "cascade tree comes from the stored referral events of replication 0.", className="note"),
            html.Div([dcc.Loading(_graph("network-graph", "press 'Draw the network' to see consumers on it")),
                      _graph("cascade-graph")], className="two"),
        ], className="card"),
    ])


def register(app, cfg) -> None:
    def opened(rel, session):
        folder = sessions.resolve_inside(cfg.results, rel, session)
        if folder is None or not (folder / "manifest.json").exists():
            raise PreventUpdate
        try:
            return folder, load(folder)
        except FileNotFoundError:  # a store with no finished run yet
            raise PreventUpdate from None

    @app.callback(Output("compare-title", "children"), Output("compare-note", "children"),
                  Output("reference", "options"), Output("reference", "value"), Output("ts-metric", "options"),
                  Output("ts-metric", "value"), Output("snapshot-policy", "options"),
                  Output("snapshot-policy", "value"), Output("dl-policy-choice", "options"),
                  Output("dl-policy-choice", "value"),
                  Input("exp-dir", "data"), State("session", "data"))
    def header(rel, session):
        folder, exp = opened(rel, session)
        pols = policies_of(exp)
        ref = exp["experiment"].get("reference")
        ref = ref if ref in pols else pols[0]
        mets = metrics_of(exp)
        n = exp["runs"].groupby("policy").size()
        status = exp["manifest"].get("status")
        note = (f"{len(pols)} policies ({', '.join(f'{p}: {n.get(p, 0)} runs' for p in pols)}); "
                f"common random numbers: replication r of every policy uses seed {exp['experiment'].get('seed')} + r. "
                f"Folder: {rel}/" + ("" if status == "complete" else f" — status {status}: not every run is in."))
        ts_options = [c for c in exp["market"].columns if c.startswith(("cum_", "n_", "mean_", "new_"))
                      or c == "profit"] if exp["market"] is not None else []
        ts = mets[0] if mets else (ts_options[0] if ts_options else None)
        return (f"Comparison — {exp['experiment'].get('name', folder.name)}", note, pols, ref, ts_options, ts,
                pols, pols[-1], pols, pols[-1])

    @app.callback(Output("kpi-cards", "children"), Output("summary-table", "children"),
                  Input("exp-dir", "data"), Input("reference", "value"), State("session", "data"))
    def table(rel, reference, session):
        _, exp = opened(rel, session)
        pols = policies_of(exp)
        if reference not in pols:
            raise PreventUpdate
        summary = summary_of(exp, reference)
        return kpi_cards(summary, metrics_of(exp)), summary_table(summary)

    @app.callback(Output("ts-graph", "figure"), Input("exp-dir", "data"), Input("ts-metric", "value"),
                  State("session", "data"))
    def timeseries(rel, metric, session):
        _, exp = opened(rel, session)
        if exp["market"] is None or metric not in exp["market"].columns:
            raise PreventUpdate
        return compare.timeseries_figure(exp["market"], metric, policies_of(exp))

    @app.callback(Output("funnel-graph", "figure"), Output("share-graph", "figure"), Output("trust-graph", "figure"),
                  Output("lorenz-graph", "figure"), Input("exp-dir", "data"), State("session", "data"))
    def panels(rel, session):
        _, exp = opened(rel, session)
        pols, market, pro = policies_of(exp), exp["market"], exp["promoters"]
        funnel = compare.funnel_figure(market, pols) if market is not None else no_update
        shares = compare.market_share_figure(exp["brands"], pols) if exp["brands"] is not None else no_update
        trust = (compare.trust_figure(market, pols, exp["manifest"]["scenario"].get("events", []))
                 if market is not None and "mean_trust" in market.columns else no_update)
        if pro is not None and (pro["promoter_earned"] > 0).any():
            lorenz = compare.lorenz_figure({p: pro.loc[(pro["policy"] == p) & (pro["promoter_earned"] > 0),
                                                       "promoter_earned"].to_numpy() for p in pols
                                            if ((pro["policy"] == p) & (pro["promoter_earned"] > 0)).any()})
        else:
            lorenz = figures.message_figure("Promoters' earnings: Lorenz curve",
                                      "no promoter earned a commission (no referral commission in these policies)")
        return funnel, shares, trust, lorenz

    @app.callback(Output("cascade-graph", "figure"), Input("exp-dir", "data"), Input("snapshot-policy", "value"),
                  State("session", "data"))
    def cascade(rel, policy, session):
        _, exp = opened(rel, session)
        runs = exp["runs"]
        first = runs[runs["policy"] == policy].sort_values("replication")
        if first.empty:
            raise PreventUpdate
        run_id = first["run_id"].iloc[0]
        ev = exp["events"]
        ev = ev[(ev["policy"] == policy) & (ev["run_id"] == run_id)] if ev is not None else None
        return figures.cascade_tree(ev, policy, run_id)

    @app.callback(Output("network-graph", "figure"), Input("network-draw", "n_clicks"), State("exp-dir", "data"),
                  State("snapshot-policy", "value"), State("session", "data"), prevent_initial_call=True)
    def network(_n, rel, policy, session):
        _, exp = opened(rel, session)
        overrides = exp["experiment"]["policies"].get(policy)
        if overrides is None:
            raise PreventUpdate
        return figures.network_snapshot(exp["manifest"]["scenario"], overrides, int(exp["experiment"]["seed"]),
                                        policy)

    @app.callback(Output("download", "data"), Input("dl-summary", "n_clicks"), Input("dl-experiment", "n_clicks"),
                  Input("dl-policy", "n_clicks"), State("dl-policy-choice", "value"), State("reference", "value"),
                  State("exp-dir", "data"), State("session", "data"), prevent_initial_call=True)
    def download(_s, _e, _p, policy, reference, rel, session):
        from dash import ctx

        folder, exp = opened(rel, session)
        name = exp["experiment"].get("name", folder.name)
        if ctx.triggered_id == "dl-summary":
            summary = summary_of(exp, reference)
            return {"content": summary.to_csv(index=False), "filename": f"{name}-summary.csv"}
        if ctx.triggered_id == "dl-experiment":
            return {"content": browse.experiment_yaml(exp["manifest"]), "filename": f"{name}.yaml"}
        if policy not in exp["experiment"].get("policies", {}):
            raise PreventUpdate
        return {"content": browse.policy_yaml(exp["manifest"], policy), "filename": f"{policy}.yaml"}
