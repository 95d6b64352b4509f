"""Browse the results store: experiments under ``--results``, and what can be handed to a researcher.

Lists every experiment folder (a ``manifest.json`` of kind ``experiment``) under the results
folder that this browser may see (:func:`.sessions.visible`); exports a policy as a scenario
file (the experiment's base scenario with the policy's overrides applied) and the experiment
as a self-contained experiment file (base scenario inline).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from ..i18n import t
from ..scenario import resolve_scenario
from . import sessions

MAX_DEPTH = 4


def find_experiments(results: Path, session: str | None) -> list[dict]:
    """Experiment folders visible to ``session``, newest first: rel, name, status, policies, runs, started."""
    results = Path(results)
    rows = []
    if not results.is_dir():
        return rows
    for mpath in results.rglob("manifest.json"):
        folder = mpath.parent
        if len(folder.relative_to(results).parts) > MAX_DEPTH or not sessions.visible(results, folder, session):
            continue
        try:
            manifest = json.loads(mpath.read_text())
        except (OSError, ValueError):
            continue
        if manifest.get("kind") != "experiment":
            continue
        runs = manifest.get("runs", {})
        exp = manifest.get("experiment", {})
        rows.append({"rel": folder.relative_to(results).as_posix(), "name": exp.get("name", folder.name),
                     "status": manifest.get("status", "?"), "policies": ", ".join(exp.get("policies", {})),
                     "runs": f"{sum(r.get('status') == 'done' for r in runs.values())}/{len(runs)}",
                     "started": manifest.get("started", "")})
    return sorted(rows, key=lambda r: r["started"], reverse=True)


def _base(manifest: dict) -> dict:
    """The experiment's base scenario as resolved, ready to be resolved again (no ``source`` key)."""
    return {k: v for k, v in copy.deepcopy(manifest["scenario"]).items() if k != "source"}


def policy_scenario(manifest: dict, policy: str) -> dict:
    """The base scenario with ``policy``'s overrides applied, resolved (every default filled in)."""
    overrides = manifest["experiment"]["policies"][policy]
    sc = resolve_scenario(_base(manifest), overrides=overrides)
    sc.pop("source", None)
    sc["name"] = f"{sc['name']}-{policy}"
    return sc


def policy_yaml(manifest: dict, policy: str) -> str:
    """A scenario file for one policy (``simcommerce run`` takes it as it is)."""
    exp = manifest["experiment"]
    head = (f"# Scenario '{manifest['scenario'].get('name')}' with the policy '{policy}' of experiment "
            f"'{exp.get('name')}' applied:\n#   {json.dumps(exp['policies'][policy], ensure_ascii=False)}\n"
            f"# Run it: simcommerce run {policy}.yaml --out results/{policy} --replications {exp.get('replications')}"
            f" --seed {exp.get('seed')}\n")
    return head + yaml.safe_dump(policy_scenario(manifest, policy), sort_keys=False, allow_unicode=True)


def experiment_yaml(manifest: dict) -> str:
    """The experiment as a self-contained experiment file (the base scenario inline)."""
    exp = manifest["experiment"]
    data = {"name": exp.get("name"), "description": exp.get("description", ""), "scenario": _base(manifest),
            "replications": exp.get("replications"), "seed": exp.get("seed"), "policies": exp.get("policies"),
            "reference": exp.get("reference"), "metrics": exp.get("metrics")}
    for key in ("sweep", "uncertainties"):
        if exp.get(key):
            data[key] = exp[key]
    head = f"# Experiment '{exp.get('name')}'; run it: simcommerce experiment {exp.get('name')}.yaml --out DIR\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def layout(lang: str = "en") -> html.Div:
    return html.Div([
        html.Div([html.H3(t("Experiments in the results store", lang)), html.Button(t("Refresh", lang),
                                                                                   id="browse-refresh")],
                 className="row"),
        html.P(id="browse-note", className="note"),
        html.Div(id="browse-list"),
    ], className="card")


def register(app, cfg) -> None:
    # listing must not depend on what open_experiment sets (exp-dir, tabs): its buttons trigger
    # open_experiment, and Dash holds a cycle back while any other callback is pending
    @app.callback(Output("browse-list", "children"), Output("browse-note", "children"),
                  Input("browse-refresh", "n_clicks"), Input("session", "data"), Input("runs-changed", "data"),
                  State("lang", "data"))
    def listing(_n, session, _changed, lang):
        rows = find_experiments(cfg.results, session)
        note = t("{n} experiment(s) in {folder} (yours from this browser, and any made with simcommerce experiment; "
                 "other browsers' dashboard runs are not shown).", lang, n=len(rows), folder=cfg.results.resolve())
        head = html.Tr([html.Th(t(h, lang) if h else h) for h in ("", "experiment", "status", "policies", "runs done",
                                                                  "started", "folder")])
        body = [html.Tr([html.Td(html.Button(t("Open", lang), id={"type": "open-exp", "rel": r["rel"]})),
                         html.Td(r["name"]),
                         html.Td(r["status"]), html.Td(r["policies"]), html.Td(r["runs"]), html.Td(r["started"]),
                         html.Td(r["rel"], className="mono")],
                        className="browse-row") for r in rows]  # Open first: in reach on a phone too
        return html.Div(html.Table([head, *body], id="browse-table"), className="scroll"), note

    @app.callback(Output("exp-dir", "data", allow_duplicate=True), Output("tabs", "value", allow_duplicate=True),
                  Input({"type": "open-exp", "rel": ALL}, "n_clicks"), State("session", "data"),
                  prevent_initial_call=True)
    def open_experiment(clicks, session):
        trig = ctx.triggered_id
        if not trig or not any(clicks) or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        if sessions.resolve_inside(cfg.results, trig["rel"], session) is None:
            raise PreventUpdate
        return trig["rel"], "compare"
