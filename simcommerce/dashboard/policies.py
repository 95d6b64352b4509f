"""The policy editor: 2–6 named policies, each a dict of dotted overrides (as in experiment files).

The list lives in the browser (``dcc.Store(id="policies")``) as ``[{"name": ..., "overrides":
{dotted.key: value}}, ...]``; the lever controls of :mod:`.controls` edit the selected one.
"""

from __future__ import annotations

import copy
import json

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ..experiment import NAME_RE
from ..i18n import t
from . import controls, presets
from .scenarios import path_of, refusal, scenario_at

MAX_POLICIES = 6
MIN_POLICIES = 2


def default_policies() -> list[dict]:
    """A reference (the scenario as is) and a variant to edit."""
    return [{"name": "base", "overrides": {}}, {"name": "variant", "overrides": {}}]


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    return out


def add(policies: list[dict]) -> list[dict]:
    """A new policy with no overrides (at most :data:`MAX_POLICIES`)."""
    if len(policies) >= MAX_POLICIES:
        return policies
    names = {p["name"] for p in policies}
    return [*policies, {"name": _unique(f"policy_{len(policies) + 1}", names), "overrides": {}}]


def duplicate(policies: list[dict], i: int) -> list[dict]:
    """A copy of policy ``i`` named ``<name>_copy`` (at most :data:`MAX_POLICIES`)."""
    if len(policies) >= MAX_POLICIES or not 0 <= i < len(policies):
        return policies
    names = {p["name"] for p in policies}
    new = {"name": _unique(f"{policies[i]['name']}_copy", names), "overrides": copy.deepcopy(policies[i]["overrides"])}
    return [*policies, new]


def delete(policies: list[dict], i: int) -> list[dict]:
    """Policy ``i`` removed (one policy always stays)."""
    if len(policies) <= 1 or not 0 <= i < len(policies):
        return policies
    return policies[:i] + policies[i + 1:]


def rename_error(policies: list[dict], i: int, name: str, lang: str = "en") -> str | None:
    """Why ``name`` cannot name policy ``i`` (None if it can), in ``lang``."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        return t("policy name: expected letters, digits, '_', '.' or '-' (it names files), found {name!r}.", lang,
                 name=name)
    if any(p["name"] == name for j, p in enumerate(policies) if j != i):
        return t("policy name: expected a name not used by another policy, found '{name}' twice.", lang, name=name)
    return None


def overrides_yaml(policy: dict) -> str:
    """The policy as it would stand in an experiment file (values in flow style: JSON is YAML)."""
    if not policy["overrides"]:
        return f"{policy['name']}:  {{}}"
    lines = [f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(policy["overrides"].items())]
    return "\n".join([f"{policy['name']}:", *lines])


def layout(sc: dict | None, lang: str = "en") -> html.Div:
    """The editor; ``sc`` is the scenario the page opens with (its brands)."""
    brands = [b["name"] for b in sc["brands"]] if sc else []
    return html.Div([
        html.H3(t("2. Policies", lang)),
        html.P(t("Each policy is a set of changes to the market's levers (2–6 policies; the first is the default "
                 "reference). Hover a control for its meaning, unit and range.", lang), className="note"),
        html.Div([
            html.Span(t("Policy to edit:", lang), id="policy-select-label"),
            html.Div(dcc.RadioItems(id="policy-select", options=[], value=0, inline=True, className="policy-select"),
                     role="radiogroup", **{"aria-labelledby": "policy-select-label"}),
            html.Button(t("Add", lang), id="policy-add"), html.Button(t("Duplicate", lang), id="policy-dup"),
            html.Button(t("Delete", lang), id="policy-del"),
        ], className="row"),
        html.Div([html.Label(t("…or add a business model as a policy (for the brand below)", lang),
                             htmlFor="policy-preset"),
                  dcc.Dropdown(id="policy-preset", placeholder=t("distribution, group buying, live stream, …", lang),
                               options=[{"label": f"{name}: {what}", "value": name}
                                        for name, (what, _) in presets.PRESETS.items()],
                               clearable=True, searchable=False)], className="lever wide"),
        html.Div([html.Label(t("Name of this policy", lang), htmlFor="policy-name"),
                  dcc.Input(id="policy-name", type="text", debounce=True)], className="lever"),
        html.Div(id="policy-message", className="message"),
        html.Div([html.Label(t("Levers of brand", lang), id="brand-label"),
                  dcc.RadioItems(id="brand", options=brands, value=brands[0] if brands else None, inline=True)],
                 className="lever"),
        html.Div(id="levers", className="levers"),
        html.Details([html.Summary(t("This policy as dotted overrides (experiment-file form)", lang)),
                      html.Pre(id="policy-yaml")], open=True),
    ], className="card")


def register(app, cfg) -> None:
    # No callback here may feed back into its own inputs (e.g. by redrawing the controls it reads):
    # Dash holds such a cycle back while any other callback is pending.
    @app.callback(Output("policies", "data"), Output("policy-select", "value"), Output("policy-message", "children"),
                  Input("policy-add", "n_clicks"), Input("policy-dup", "n_clicks"), Input("policy-del", "n_clicks"),
                  Input("policy-name", "n_submit"), Input("policy-name", "n_blur"), State("policy-name", "value"),
                  State("policies", "data"), State("policy-select", "value"), State("lang", "data"),
                  prevent_initial_call=True)
    def manage(_add, _dup, _del, _submit, _blur, name, policies, i, lang):
        """Add, duplicate, delete, rename (a click wins over a rename triggered with it by the blur)."""
        fired = {k.split(".")[0] for k in ctx.triggered_prop_ids}
        trig = next((b for b in ("policy-add", "policy-dup", "policy-del") if b in fired), "policy-name")
        policies = policies or default_policies()
        i = min(i or 0, len(policies) - 1)
        if trig == "policy-add":
            new = add(policies)
            return new, len(new) - 1, "" if new is not policies else f"at most {MAX_POLICIES} policies."
        if trig == "policy-dup":
            new = duplicate(policies, i)
            return new, len(new) - 1, "" if new is not policies else f"at most {MAX_POLICIES} policies."
        if trig == "policy-del":
            new = delete(policies, i)
            return new, min(i, len(new) - 1), "" if new is not policies else "one policy always stays."
        if name == policies[i]["name"]:
            raise PreventUpdate
        err = rename_error(policies, i, name, lang)
        if err:
            return no_update, no_update, html.Span(t("error: ", lang) + f"{err}", className="error")
        policies = copy.deepcopy(policies)
        policies[i]["name"] = name
        return policies, i, ""

    @app.callback(Output("policies", "data", allow_duplicate=True),
                  Output("policy-select", "value", allow_duplicate=True),
                  Output("policy-message", "children", allow_duplicate=True),
                  Output("policy-preset", "value"),
                  Input("policy-preset", "value"), State("policies", "data"), State("scenario", "value"),
                  State("brand", "value"), State("consumers", "value"), State("days", "value"),
                  State("session", "data"), State("lang", "data"), prevent_initial_call=True)
    def preset(name, policies, choice, brand, consumers, days, session, lang):
        """A business model chosen: a new policy with its overrides for the brand, checked like a scenario."""
        path = path_of(choice, cfg.results, session)
        if name not in presets.PRESETS or path is None or not brand:
            raise PreventUpdate
        policies = policies or default_policies()
        if len(policies) >= MAX_POLICIES:
            return no_update, no_update, html.Span(t("error: ", lang) + f"at most {MAX_POLICIES} policies.",
                                                   className="error"), None
        sc = scenario_at(path)
        n = consumers if isinstance(consumers, int) and consumers > 0 else sc["population"]["consumers"]
        overrides = presets.overrides(name, brand, n)
        market = {"population.consumers": n, **({"steps": days} if isinstance(days, int) and days > 0 else {})}
        error = refusal(path, {**market, **overrides})
        if error:
            return no_update, no_update, html.Span(t("error: ", lang) + f"the {name} preset does not fit this "
                                                   f"market: {error}", className="error"), None
        new = [*policies, {"name": _unique(name, {p["name"] for p in policies}), "overrides": overrides}]
        return new, len(new) - 1, html.Span(t("Added {name}: {what}.", lang, name=new[-1]["name"],
                                              what=presets.PRESETS[name][0]), className="ok"), None

    @app.callback(Output("policies", "data", allow_duplicate=True),
                  Output({"type": "lever", "key": ALL}, "value"),
                  Output({"type": "lever-error", "key": ALL}, "children"),
                  Input({"type": "lever", "key": ALL}, "value"), State({"type": "lever", "key": ALL}, "id"),
                  State("policies", "data"), State("policy-select", "value"), State("scenario", "value"),
                  State("brand", "value"), State("session", "data"), State("lang", "data"), prevent_initial_call=True)
    def edit(values, ids, policies, i, choice, brand, session, lang):
        """A lever changed (or the controls were drawn anew): the selected policy's overrides follow. A refused
        value is named next to its field, and the field goes back to the value the policy keeps."""
        policies = policies or default_policies()
        i = min(i or 0, len(policies) - 1)
        scenario = scenario_at(path_of(choice, cfg.results, session))
        if scenario is None or not brand or not ids:
            raise PreventUpdate
        raw = {w["key"]: v for w, v in zip(ids, values)}
        new, errors = controls.apply(policies[i]["overrides"], scenario, brand, raw)
        shown = [errors[w["key"]][1] if w["key"] in errors else no_update for w in ids]
        said = [t("error: ", lang) + errors[w["key"]][0] if w["key"] in errors else "" for w in ids]
        if new == policies[i]["overrides"]:
            return no_update, shown, said
        policies = copy.deepcopy(policies)
        policies[i]["overrides"] = new
        return policies, shown, said

    @app.callback(Output("policy-select", "options"), Output("policy-yaml", "children"),
                  Input("policies", "data"), Input("policy-select", "value"))
    def show(policies, i):
        policies = policies or default_policies()
        i = min(i or 0, len(policies) - 1)
        return ([{"label": p["name"], "value": k} for k, p in enumerate(policies)], overrides_yaml(policies[i]))

    @app.callback(Output("policy-name", "value"), Output("levers", "children"),
                  Input("policy-select", "value"), Input("brand", "value"),
                  State("policies", "data"), State("scenario", "value"), State("session", "data"),
                  State("lang", "data"))
    def draw(i, brand, policies, choice, session, lang):
        policies = policies or default_policies()
        i = min(i or 0, len(policies) - 1)
        scenario = scenario_at(path_of(choice, cfg.results, session))
        if scenario is None or brand not in [b["name"] for b in scenario["brands"]]:
            return policies[i]["name"], []
        return policies[i]["name"], controls.panel(scenario, brand, policies[i]["overrides"], lang)
