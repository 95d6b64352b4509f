"""The comparison view, for the strategist's own brand first: the verdict in words, KPI cards, marketing
spend next to its effect; the market's totals (all brands) as a secondary table; the figures; downloads.

Everything here is computed from a results store (:func:`simcommerce.store.load_results`) with
:mod:`simcommerce.stats` (``summarise``: means with t-based 95% CIs and paired differences vs the chosen
reference, pairs matched by replication: common random numbers), :mod:`simcommerce.compare`
(``brand_summary``, the verdict's inputs), :mod:`simcommerce.figures` and :mod:`simcommerce.verdict`, the same
as ``simcommerce compare``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from .. import compare, plots, stats, store
from ..figures import events_of, funnel_figure, lorenz_figure, market_share_figure, timeseries_figure, trust_figure
from ..i18n import t
from ..robustness import robustness, sentence, win_figure
from ..verdict import money, signed
from . import browse, figures, sessions

CARD_METRICS = compare.BRAND_METRICS  # KPI cards: the brand's profit, revenue, orders, marketing spend


@lru_cache(maxsize=8)
def _load(folder: str, mtime: float) -> dict:
    return store.load_results(folder)


def load(folder: Path) -> dict:
    """An experiment store's tables (cached until its manifest changes)."""
    return _load(str(folder), (folder / "manifest.json").stat().st_mtime)


def policies_of(exp: dict) -> list[str]:
    """Policies in the experiment's order (those with runs only)."""
    present = set(exp["runs"]["policy"])
    return [p for p in exp["experiment"].get("policies", {}) if p in present] or sorted(present)


def metrics_of(exp: dict) -> list[str]:
    runs = exp["runs"]
    return [m for m in (exp["experiment"].get("metrics") or stats.DEFAULT_METRICS) if m in runs.columns]


def summary_of(exp: dict, reference: str):
    """stats.summarise of the experiment's metrics (market totals), policies in the experiment's order."""
    order = {p: i for i, p in enumerate(policies_of(exp))}
    runs = exp["runs"].sort_values("policy", key=lambda s: s.map(order), kind="stable")
    return stats.summarise(runs, metrics_of(exp), reference)


def brand_of(exp: dict, brand: str | None) -> str | None:
    """``brand`` if the experiment has it, else its first brand (None without a brands table)."""
    brands = compare.brands_of(exp)
    return brand if brand in brands else (brands[0] if brands else None)


def first_run(exp: dict, policy: str):
    """The run id of a policy's lowest replication, or None."""
    runs = exp["runs"][exp["runs"]["policy"] == policy].sort_values("replication")
    return None if runs.empty else runs["run_id"].iloc[0]


def snapshot_policy(exp: dict, pols: list) -> str:
    """The policy whose first run has the most referral orders (a cascade to show); the last one if none."""
    ev = exp["events"]
    if ev is None or ev.empty:
        return pols[-1]
    counts = {p: int(((ev["policy"] == p) & (ev["run_id"] == first_run(exp, p))).sum()) for p in pols}
    return max(reversed(pols), key=counts.get)


def downloadable_summary(exp: dict, reference: str, brand: str | None):
    """The summary a strategist downloads: the brand's figures, then the market's totals (``brand`` column:
    the brand's name, or ``(all brands)``)."""
    import pandas as pd

    market = summary_of(exp, reference)
    market.insert(0, "brand", "(all brands)")
    if brand is None:
        return market
    return pd.concat([compare.brand_summary(exp, brand, reference, policies=policies_of(exp)), market],
                     ignore_index=True)


def _fmt_ci(lo: float, hi: float) -> str:
    return "" if np.isnan(lo) else f"[{compare._fmt(lo)}, {compare._fmt(hi)}]"


def _significant(r) -> bool:
    return not np.isnan(r.diff_ci_low) and (r.diff_ci_low > 0 or r.diff_ci_high < 0)


def _pct(x: float) -> str:
    return "" if not np.isfinite(x) else signed(100 * x, unit="%")


def _pct_ci(lo: float, hi: float) -> str:
    return "" if not (np.isfinite(lo) and np.isfinite(hi)) else f"[{signed(100 * lo)}, {signed(100 * hi, unit='%')}]"


def _money(x: float, currency: str) -> str:
    return "–" if not np.isfinite(x) else money(x, currency)


def verdict_block(v) -> list:
    """The verdict: findings, the recommendation (bold), caveats and the legend (small)."""
    return [html.P(v.findings and " ".join(v.findings), className="verdict-findings"),
            html.P(html.B(v.recommendation), className="verdict-recommendation"),
            html.P(" ".join(v.caveats), className="note verdict-caveats"),
            html.P(v.legend, className="note verdict-legend")]


def kpi_cards(summary, metrics: list[str], currency: str = "currency units", lang: str = "en") -> list:
    """One card per headline metric: each policy's mean with its 95% CI, and its paired difference."""
    from ..metrics import column_info

    cards = []
    for m in metrics:
        lines = []
        is_money = (column_info(m) or ("", ""))[1] == "currency units"

        def fmt(x, sign=False):
            if not np.isfinite(x):
                return "–"
            return money(x, currency, sign=sign) if is_money else (signed(x, 1) if sign else compare._fmt(x))

        for r in summary[summary["metric"] == m].itertuples():
            if r.policy == r.reference:
                diff = html.Span(t("reference", lang), className="note")
            else:
                rel = "" if np.isnan(r.rel_diff) else f" ({_pct(r.rel_diff)})"
                ci = "" if np.isnan(r.diff_ci_low) else f" [{fmt(r.diff_ci_low, True)}, {fmt(r.diff_ci_high, True)}]"
                diff = html.Span(f"Δ {fmt(r.diff_mean, True)}{rel}{ci}",
                                 className=("up" if r.diff_mean > 0 else "down") if _significant(r) else "note")
            ci = "" if np.isnan(r.ci_low) else f"[{fmt(r.ci_low)}, {fmt(r.ci_high)}]"
            lines.append(html.Div([html.B(r.policy), f" {fmt(r.mean)} ", html.Span(ci, className="note"), html.Br(),
                                   diff]))
        cards.append(html.Div([html.H4(plots.metric_label(m, currency, lang=lang)), *lines], className="kpi-card"))
    return cards


BRAND_COLUMNS = ("policy", "runs", "marketing spend", "95% CI", "extra spend", "orders", "Δ orders",
                 "paired 95% CI", "revenue", "profit", "Δ profit", "paired 95% CI", "Δ profit %",
                 "Δ profit per extra {one}")


def brand_table(bs, currency: str, lang: str = "en") -> html.Div:
    """Per policy, the brand's marketing spend next to its effect: spend (and the extra over the reference),
    orders (paired Δ %), revenue, profit (paired Δ), and the extra profit each extra unit of spend brought."""
    effects = compare.spend_and_effect(bs)
    reference = bs["reference"].iloc[0]
    one = money(1, currency).replace(".00", "")
    head = html.Tr([html.Th(t(h, lang, one=one) if "{" in h else t(h, lang)) for h in BRAND_COLUMNS])
    rows = []
    for r in effects.itertuples():
        ref = r.policy == reference
        sig = np.isfinite(r.profit_diff_low) and (r.profit_diff_low > 0 or r.profit_diff_high < 0)
        rows.append(html.Tr([
            html.Td(r.policy), html.Td(int(r.n) if np.isfinite(r.n) else ""),
            html.Td(_money(r.spend, currency)), html.Td(_fmt_ci(r.spend_low, r.spend_high)),
            html.Td(t("reference", lang) if ref else money(r.extra_spend, currency, sign=True)),
            html.Td(compare._fmt(r.orders)), html.Td("" if ref else _pct(r.orders_rel)),
            html.Td("" if ref else _pct_ci(r.orders_rel_low, r.orders_rel_high)),
            html.Td(_money(r.revenue, currency)), html.Td(_money(r.profit, currency)),
            html.Td("" if ref else money(r.profit_diff, currency, sign=True),
                    className=("up" if r.profit_diff > 0 else "down") if sig else ""),
            html.Td("" if ref or not np.isfinite(r.profit_diff_low) else
                    f"[{money(r.profit_diff_low, currency, sign=True)}, {money(r.profit_diff_high, currency, True)}]"),
            html.Td("" if ref else _pct(r.profit_rel)),
            html.Td("" if not np.isfinite(r.profit_per_extra_spend) else
                    money(r.profit_per_extra_spend, currency, sign=True)),
        ], className="summary-row"))
    return html.Div([html.Table([head, *rows], className="summary")], className="scroll")


def summary_table(summary, currency: str = "currency units") -> html.Div:
    """Policy × metric: mean and 95% CI, paired difference vs the reference with its 95% CI."""
    head = html.Tr([html.Th(h) for h in ("policy", "metric", "n", "mean", "95% CI", "paired diff vs reference",
                                         "paired 95% CI", "relative", "seeds matched")])
    rows = []
    for r in summary.itertuples():
        ref = r.policy == r.reference
        star = " ★" if not ref and _significant(r) else ""
        rows.append(html.Tr([
            html.Td(r.policy), html.Td(plots.metric_label(r.metric, currency), title=r.metric), html.Td(r.n),
            html.Td(compare._fmt(r.mean)), html.Td(_fmt_ci(r.ci_low, r.ci_high)),
            html.Td("reference" if ref else compare._fmt(r.diff_mean) + star),
            html.Td("" if ref else _fmt_ci(r.diff_ci_low, r.diff_ci_high)),
            html.Td("" if ref or np.isnan(r.rel_diff) else _pct(r.rel_diff)),
            html.Td("" if ref or np.isnan(r.seeds_matched) else f"{r.seeds_matched:.0%}"),
        ], className="market-row"))
    return html.Div([html.Table([head, *rows], className="summary"),
                     html.P("★: the paired 95% interval excludes 0.", className="note")], className="scroll")


def _graph(gid: str, text: str = "no experiment open: run one, or open one from Browse") -> dcc.Graph:
    return dcc.Graph(id=gid, config=plots.PLOTLY_CONFIG, figure=figures.message_figure("", text))


def layout(lang: str = "en") -> html.Div:
    return html.Div([
        html.Div([
            html.H3(id="compare-title", children=t("No experiment open yet: run one, or open one from Browse.", lang)),
            html.P(id="compare-note", className="note"),
            html.Div([
                html.Div([html.Label(t("My brand", lang), htmlFor="my-brand"),
                          dcc.Dropdown(id="my-brand", options=[], clearable=False, searchable=False)],
                         className="lever"),
                html.Div([html.Label(t("Reference policy", lang), id="reference-label"),
                          dcc.RadioItems(id="reference", options=[], inline=True)], className="lever wide"),
            ], className="row"),
            html.Div(id="verdict", className="verdict"),
            html.Div(id="kpi-cards", className="kpi-cards"),
            html.H4(id="brand-table-title"),
            html.Div(id="summary-table"),
            html.Details([html.Summary(t("Market totals (all brands)", lang)), html.Div(id="market-table")],
                         id="market-details"),
            html.Div(id="robust"),
            html.Div([
                html.Button(t("Download summary (CSV)", lang), id="dl-summary"),
                html.Button(t("Download experiment (YAML)", lang), id="dl-experiment"),
                html.Span(t(" Policy as a scenario file: ", lang), id="dl-policy-label"),
                dcc.RadioItems(id="dl-policy-choice", options=[], inline=True),
                html.Button(t("Download policy (YAML)", lang), id="dl-policy"),
                dcc.Download(id="download"),
            ], className="row"),
        ], className="card"),
        html.Div([
            html.Div([html.Label(t("Metric over time (market totals)", lang), htmlFor="ts-metric"),
                      dcc.Dropdown(id="ts-metric", options=[], clearable=False)], className="lever wide"),
            dcc.Loading(_graph("ts-graph")),
            html.Div([_graph("funnel-graph"), _graph("share-graph")], className="two"),
            html.Div([_graph("trust-graph"), _graph("lorenz-graph")], className="two"),
        ], className="card"),
        html.Div([
            html.H4(t("Inside one market", lang)),
            html.Div([html.Label(t("Policy", lang), id="snapshot-label"),
                      dcc.RadioItems(id="snapshot-policy", options=[], inline=True),
                      html.Button(t("Draw the network", lang), id="network-draw")], className="row"),
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
                  Output("dl-policy-choice", "value"), Output("my-brand", "options"), Output("my-brand", "value"),
                  Input("exp-dir", "data"), State("session", "data"), State("my-brand", "value"),
                  State("lang", "data"))
    def header(rel, session, brand, lang):
        folder, exp = opened(rel, session)
        pols = policies_of(exp)
        ref = exp["experiment"].get("reference")
        ref = ref if ref in pols else pols[0]
        mets = metrics_of(exp)
        n = exp["runs"].groupby("policy").size()
        status = exp["manifest"].get("status")
        counts = ("、" if lang == "zh-CN" else ", ").join(t("{p}: {n} runs", lang, p=p, n=n.get(p, 0)) for p in pols)
        note = (t("{k} policies ({counts}); common random numbers: replication r of every policy uses seed {seed} + r. "
                  "Folder: {rel}/", lang, k=len(pols), counts=counts, seed=exp["experiment"].get("seed"), rel=rel)
                + ("" if status == "complete" else t(" — status {status}: not every run is in.", lang, status=status)))
        cur = compare.currency_of(exp)
        ts_options = [{"label": plots.metric_label(c, cur), "value": c} for c in exp["market"].columns
                      if c.startswith(("cum_", "n_", "mean_", "new_")) or c == "profit"] \
            if exp["market"] is not None else []
        ts = mets[0] if mets else (ts_options[0]["value"] if ts_options else None)
        brands = compare.brands_of(exp)
        return (t("Comparison — {name}", lang, name=exp["experiment"].get("name", folder.name)), note, pols, ref, ts_options, ts,
                pols, snapshot_policy(exp, pols), pols, pols[-1], brands, brand_of(exp, brand))

    @app.callback(Output("verdict", "children"), Output("kpi-cards", "children"),
                  Output("brand-table-title", "children"), Output("summary-table", "children"),
                  Output("market-table", "children"), Input("exp-dir", "data"), Input("reference", "value"),
                  Input("my-brand", "value"), State("session", "data"), State("lang", "data"))
    def table(rel, reference, brand, session, lang):
        _, exp = opened(rel, session)
        pols = policies_of(exp)
        if reference not in pols:
            raise PreventUpdate
        cur = compare.currency_of(exp)
        market = summary_table(summary_of(exp, reference), cur)
        brand = brand_of(exp, brand)
        if brand is None:
            return (html.P("This store has no brands table: market totals only.", className="note"), [], "",
                    "", market)
        try:
            v, bs = compare.brand_verdict(exp, brand, reference, policies=pols, lang=lang)
        except ValueError as exc:
            return html.P(f"No verdict per brand: {exc}.", className="note"), [], "", "", market
        title = t("{brand}: marketing spend and what it brought, per policy (vs {reference}, paired by replication)",
                  lang, brand=brand, reference=reference)
        return verdict_block(v), kpi_cards(bs, CARD_METRICS, cur, lang), title, brand_table(bs, cur, lang), market

    @app.callback(Output("robust", "children"), Input("exp-dir", "data"), Input("my-brand", "value"),
                  State("session", "data"), State("lang", "data"))
    def robust(rel, brand, session, lang):
        """Across the uncertain settings (the experiment's points): win shares and regrets of the brand's profit."""
        _, exp = opened(rel, session)
        brand = brand_of(exp, brand)
        if brand is None or "point" not in exp["runs"].columns or exp["runs"]["point"].nunique() < 2:
            return []
        cur = compare.currency_of(exp)
        try:
            table = robustness(compare.brand_runs(exp, brand), "profit")
        except ValueError as exc:
            return html.P(f"No robustness table: {exc}.", className="note")
        rows = [html.Tr([html.Td(pol), html.Td(f"{r['win_share']:.0%}"), html.Td(money(r["max_regret"], cur)),
                         html.Td(money(r["mean_regret"], cur)), html.Td(money(r["mean"], cur))])
                for pol, r in table.iterrows()]
        head = html.Tr([html.Th(h) for h in (t("policy", lang), t("best at (share of settings)", lang),
                                             t("largest regret", lang), t("mean regret", lang),
                                             t("{brand}'s mean profit", lang, brand=brand))])
        return html.Div([
            html.H4(t("How robust is the answer? {brand}'s profit across {n} settings of the uncertain parameters",
                      lang, brand=brand, n=int(table["points"].iloc[0]))),
            html.P(sentence(table, lambda x: money(x, cur), lang), id="robust-sentence"),
            html.Div(html.Table([head, *rows], id="robust-table"), className="scroll"),
            html.P(t("Regret: the best policy's mean profit at a setting minus this policy's (0 where it is the best); "
                     "each setting's means are over its replications, on the same seeds.", lang), className="note"),
            dcc.Graph(id="robust-graph", config=plots.PLOTLY_CONFIG,
                      figure=win_figure(table, t("{brand}'s profit, {cur}", lang, brand=brand, cur=cur), lang)),
        ])

    @app.callback(Output("ts-graph", "figure"), Input("exp-dir", "data"), Input("ts-metric", "value"),
                  State("session", "data"), State("lang", "data"))
    def timeseries(rel, metric, session, lang):
        _, exp = opened(rel, session)
        if exp["market"] is None or metric not in exp["market"].columns:
            raise PreventUpdate
        return timeseries_figure(exp["market"], metric, policies_of(exp), compare.currency_of(exp), events_of(exp),
                                 lang)

    @app.callback(Output("funnel-graph", "figure"), Output("share-graph", "figure"), Output("trust-graph", "figure"),
                  Output("lorenz-graph", "figure"), Input("exp-dir", "data"), State("session", "data"),
                  State("lang", "data"))
    def panels(rel, session, lang):
        _, exp = opened(rel, session)
        pols, market, pro = policies_of(exp), exp["market"], exp["promoters"]
        funnel = funnel_figure(market, pols, lang) if market is not None else no_update
        shares = market_share_figure(exp["brands"], pols, lang) if exp["brands"] is not None else no_update
        trust = (trust_figure(market, pols, events_of(exp), lang)
                 if market is not None and "mean_trust" in market.columns else no_update)
        if pro is not None and (pro["promoter_earned"] > 0).any():
            lorenz = lorenz_figure({p: pro.loc[(pro["policy"] == p) & (pro["promoter_earned"] > 0),
                                               "promoter_earned"].to_numpy() for p in pols
                                    if ((pro["policy"] == p) & (pro["promoter_earned"] > 0)).any()}, lang)
        else:
            lorenz = figures.message_figure(t("Promoters' earnings: Lorenz curve", lang),
                                            t("no promoter earned a commission (no referral commission in these "
                                              "policies)", lang))
        return funnel, shares, trust, lorenz

    @app.callback(Output("cascade-graph", "figure"), Input("exp-dir", "data"), Input("snapshot-policy", "value"),
                  State("session", "data"))
    def cascade(rel, policy, session):
        _, exp = opened(rel, session)
        run_id = first_run(exp, policy)
        if run_id is None:
            raise PreventUpdate
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
                  State("my-brand", "value"), State("exp-dir", "data"), State("session", "data"),
                  prevent_initial_call=True)
    def download(_s, _e, _p, policy, reference, brand, rel, session):
        from dash import ctx

        folder, exp = opened(rel, session)
        name = exp["experiment"].get("name", folder.name)
        if ctx.triggered_id == "dl-summary":
            summary = downloadable_summary(exp, reference, brand_of(exp, brand))
            return {"content": summary.to_csv(index=False), "filename": f"{name}-summary.csv"}
        if ctx.triggered_id == "dl-experiment":
            return {"content": browse.experiment_yaml(exp["manifest"]), "filename": f"{name}.yaml"}
        if policy not in exp["experiment"].get("policies", {}):
            raise PreventUpdate
        return {"content": browse.policy_yaml(exp["manifest"], policy), "filename": f"{policy}.yaml"}
