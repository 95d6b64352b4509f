"""Scheduled shocks on the page: the scenario's events, to add, move, edit or remove.

The events edited here replace the scenario's ``events`` in every policy of the run (a market
condition, the same for all policies, like the market size). Each edit is checked by the same
code that checks scenario files (:func:`~simcommerce.scenario.load_scenario` with the events as
an override): a refused value is named, and the rows go back to the events kept.
"""

from __future__ import annotations

import copy

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ..i18n import t as tr
from ..plots import event_label
from ..scenario import event_types
from .controls import dom_id
from .scenarios import path_of, refusal, scenario_at

WHO = {"brand": "a brand", "influencer": "a named influencer", "": "the platform: all brands"}  # whom a type hits
MAX_EVENTS = 12


def _target(ev: dict) -> str | None:
    """The brand or influencer an event names (None for a platform-wide one)."""
    ref = event_types().get(ev.get("type"), ("", ""))[1]
    return ev.get(ref) if ref else None


def _with_target(ev: dict, target) -> dict:
    """``ev`` naming ``target`` under the key its type references (brand / influencer), the other cleared."""
    ref = event_types().get(ev.get("type"), ("", ""))[1]
    out = {k: v for k, v in ev.items() if k not in ("brand", "influencer")}
    if ref:
        out[ref] = target
    return out


def new_event(scenario: dict) -> dict:
    """A scandal to start from: the first brand, a third into the run, severe and widely heard."""
    return {"day": max(1, scenario["steps"] // 3), "type": "quality_scandal", "brand": scenario["brands"][0]["name"],
            "severity": 0.8, "reach": 0.9}


def check(path, events: list[dict], days: int | None) -> str | None:
    """None if the scenario at ``path`` takes these events (and this number of days), else the error line."""
    return refusal(path, {"events": events, **({"steps": days} if isinstance(days, int) and days > 0 else {})})


def rows(events: list[dict], scenario: dict, lang: str = "en") -> list:
    """One labelled row of controls per event (ids ``{"type": "event-field", "field": f, "index": i}``)."""
    brands = [b["name"] for b in scenario["brands"]]
    influencers = [i["name"] for i in scenario["influencers"]["named"]]
    types = [k for k in event_types() if k != "influencer_scandal" or influencers]
    out = []
    for i, ev in enumerate(events):
        ref = event_types().get(ev.get("type"), ("", ""))[1]
        names = brands if ref == "brand" else influencers if ref == "influencer" else []

        def wid(name: str, i: int = i) -> dict:
            return {"type": "event-field", "field": name, "index": i}

        def field(name: str, label: str, control, wide: bool = False) -> html.Div:
            return html.Div([html.Label(label, htmlFor=dom_id(wid(name))), control],
                            className="lever wide" if wide else "lever")

        out.append(html.Div([
            field("type", tr("Event", lang), dcc.Dropdown(
                id=wid("type"), value=ev.get("type"), clearable=False, searchable=False,
                options=[{"label": f"{tr(event_label(k), lang)} ({tr(WHO[event_types()[k][1]], lang)})", "value": k}
                         for k in types]), wide=True),
            field("target", tr("Hits", lang), dcc.Dropdown(id=wid("target"), options=names, value=_target(ev),
                                                           clearable=False, searchable=False, disabled=not ref,
                                                           placeholder=tr("every brand", lang))),
            # no min/max in the page: a value out of range is named by the scenario check, not dropped
            field("day", tr("Day", lang), dcc.Input(id=wid("day"), type="number", step=1, value=ev.get("day"),
                                          debounce=True)),
            field("severity", tr("Severity (share of trust lost, 0-1)", lang),
                  dcc.Input(id=wid("severity"), type="number", step="any", value=ev.get("severity"), debounce=True)),
            field("reach", tr("Reach (share who hear on the day, 0-1)", lang),
                  dcc.Input(id=wid("reach"), type="number", step="any", value=ev.get("reach"), debounce=True)),
            html.Button(tr("Remove", lang), id={"type": "event-del", "index": i}, title=f"remove event {i + 1}"),
        ], className="row event-row"))
    return out


def layout(sc: dict | None, lang: str = "en") -> html.Div:
    events = copy.deepcopy(sc["events"]) if sc else []
    return html.Div([
        html.H3(tr("Market events (scheduled shocks)", lang)),
        html.P(tr("A scandal, exposed fake reviews, an influencer's scandal or a privacy breach on a given day: every "
                  "policy runs with these events (the scenario's own are listed first).", lang), className="note"),
        dcc.Store(id="events", data=events),
        html.Div(rows(events, sc, lang) if sc else [], id="event-rows"),
        html.Div([html.Button(tr("Add an event", lang), id="event-add")], className="row"),
        html.Div(id="event-message", className="message"),
    ], className="card")


def register(app, cfg) -> None:
    @app.callback(Output("events", "data"), Output("event-rows", "children"), Output("event-message", "children"),
                  Input("scenario", "value"), Input("event-add", "n_clicks"),
                  Input({"type": "event-del", "index": ALL}, "n_clicks"),
                  State("events", "data"), State("days", "value"), State("session", "data"), State("lang", "data"),
                  prevent_initial_call=True)
    def add_remove(choice, _add, _dels, events, days, session, lang):
        """A new scenario brings its own events; Add appends a scandal; Remove drops a row."""
        path = path_of(choice, cfg.results, session)
        sc = scenario_at(path)
        if sc is None:
            raise PreventUpdate
        trigger = ctx.triggered_id
        if trigger == "scenario":
            events = copy.deepcopy(sc["events"])
        elif trigger == "event-add":
            if len(events or []) >= MAX_EVENTS:
                return no_update, no_update, html.Span(tr("error: ", lang) + f"at most {MAX_EVENTS} events.",
                                                       className="error")
            events = [*(events or []), new_event({**sc, "steps": days if isinstance(days, int) and days > 0
                                                  else sc["steps"]})]
        elif isinstance(trigger, dict) and trigger.get("type") == "event-del":
            if not ctx.triggered or not ctx.triggered[0]["value"]:
                raise PreventUpdate  # the rows were drawn anew, nothing was clicked
            events = [e for k, e in enumerate(events or []) if k != trigger["index"]]
        else:
            raise PreventUpdate
        return events, rows(events, sc, lang), ""

    @app.callback(Output("events", "data", allow_duplicate=True),
                  Output("event-message", "children", allow_duplicate=True),
                  Output("event-rows", "children", allow_duplicate=True),
                  Input({"type": "event-field", "field": ALL, "index": ALL}, "value"),
                  State({"type": "event-field", "field": ALL, "index": ALL}, "id"),
                  State("events", "data"), State("scenario", "value"), State("days", "value"),
                  State("session", "data"), State("lang", "data"), prevent_initial_call=True)
    def edit(values, ids, events, choice, days, session, lang):
        """A field changed: the event follows if the scenario takes it; else the message and the rows as kept."""
        path = path_of(choice, cfg.results, session)
        sc = scenario_at(path)
        if sc is None or not ids or not events:
            raise PreventUpdate
        new = events
        for w, v in zip(ids, values):
            new = _edited(new, w["index"], w["field"], v, sc)
        if new == events:
            raise PreventUpdate
        error = check(path, new, days)
        if error:  # keep the edits the scenario takes, field by field (two quick edits can arrive together)
            kept = events
            for w, v in zip(ids, values):
                trial = _edited(kept, w["index"], w["field"], v, sc)
                kept = trial if check(path, trial, days) is None else kept
            return (kept if kept != events else no_update,
                    html.Span(tr("error: ", lang) + f"{error}", className="error"), rows(kept, sc, lang))
        type_changed = any(a.get("type") != b.get("type") for a, b in zip(new, events))
        return new, "", rows(new, sc, lang) if type_changed else no_update


def _edited(events: list[dict], i: int, name: str, v, sc: dict) -> list[dict]:
    """A copy of ``events`` with field ``name`` of event ``i`` set to ``v`` (a new type takes its first target)."""
    new = copy.deepcopy(events)
    if i >= len(new):
        return new
    if name == "target":
        new[i] = _with_target(new[i], v)
    elif name == "type" and v != new[i].get("type"):
        new[i]["type"] = v
        ref = event_types().get(v, ("", ""))[1]
        names = ([b["name"] for b in sc["brands"]] if ref == "brand" else
                 [x["name"] for x in sc["influencers"]["named"]] if ref == "influencer" else [None])
        new[i] = _with_target(new[i], names[0] if names else None)
    elif name != "type":
        new[i][name] = v
    return new
