"""Uncertain parameters on the page: 1-3 market parameters given a range, for "how robust is the answer?".

Each run of the page's experiment then covers ``samples`` settings of them (a Latin hypercube: the
experiment file's ``uncertainties``), every policy at every setting on the same seeds; the comparison
shows, for the brand, how often each policy is the best and what it gives up where it is not
(:mod:`simcommerce.robustness`).
"""

from __future__ import annotations

from pathlib import Path

from dash import Input, Output, dcc, html

from ..i18n import t
from ..scenario import get_value
from . import controls

# behaviour the strategist cannot set and may not know: the candidates for "uncertain"
CANDIDATES = ("mechanisms.decision.intent_rate", "mechanisms.ads.attention", "mechanisms.word_of_mouth.attention",
              "population.share_propensity", "population.daily_active_share", "mechanisms.decision.beta_price",
              "mechanisms.decision.beta_rating", "mechanisms.experience.failure_share", "mechanisms.trust.scar",
              "platform.take_rate")
MAX_UNCERTAIN, SAMPLES = 3, (2, 20)


def default_range(scenario: dict, key: str) -> tuple[float, float]:
    """Half to twice the scenario's value, within the parameter's bounds."""
    p, value = controls.params()[key], float(get_value(scenario, key))
    lo, hi = value / 2, value * 2 if value > 0 else 1.0
    return (max(lo, p.min) if p.min is not None else lo, min(hi, p.max) if p.max is not None else hi)


def uncertainties(ranges: dict[str, tuple], samples, calibration: Path | None = None) -> dict | None:
    """The experiment file's ``uncertainties``: draws from a calibration's posterior (``calibration``, a folder
    of ``simcommerce calibrate``) if given, else a Latin hypercube over the ranges; None without either."""
    if calibration is not None:
        return {"from_calibration": str(calibration), "samples": samples}
    if not ranges:
        return None
    return {"method": "lhs", "samples": samples,
            "parameters": {k: {"min": lo, "max": hi} for k, (lo, hi) in ranges.items()}}


def layout(lang: str = "en") -> html.Div:
    return html.Div([
        html.Details([
            html.Summary(t("Uncertain parameters (optional): how robust is the answer?", lang)),
            html.P(t("Give up to 3 market parameters you are not sure of a range: every policy is run at several "
                     "settings of them (on the same seeds), and the comparison shows whether the ranking of the "
                     "policies holds across them.", lang), className="note"),
            html.Div([html.Label(t("Uncertain parameters", lang), htmlFor="unc-params"),
                      dcc.Dropdown(id="unc-params", multi=True, value=[], placeholder=t("none", lang),
                                   options=[{"label": f"{k} ({controls.params()[k].help})", "value": k}
                                            for k in CANDIDATES])], className="lever wide"),
            html.Div(id="unc-ranges", className="levers"),
            html.Div([html.Label(t("…or draw them from a calibration (its folder in the results store)", lang),
                                 htmlFor="unc-calibration"),
                      dcc.Input(id="unc-calibration", type="text", debounce=True,
                                placeholder="e.g. calibrations/glow_fit")], className="lever wide"),
            html.Div([html.Label(t("Settings to run", lang), htmlFor="unc-samples",
                                 title=t("points of a Latin hypercube over the ranges; each is run for every "
                                         "policy and replication", lang)),
                      dcc.Input(id="unc-samples", type="number", value=4, min=SAMPLES[0], max=SAMPLES[1], step=1,
                                debounce=True)], className="lever"),
        ]),
    ])


def register(app, cfg) -> None:
    from dash import State

    from .scenarios import path_of, scenario_at

    @app.callback(Output("unc-ranges", "children"), Input("unc-params", "value"), Input("scenario", "value"),
                  State("session", "data"), State("lang", "data"))
    def ranges(keys, choice, session, lang):
        sc = scenario_at(path_of(choice, cfg.results, session))
        if sc is None:
            return []
        return controls.range_inputs("unc", [(k, k, *default_range(sc, k)) for k in (keys or [])[:MAX_UNCERTAIN]
                                             if k in CANDIDATES], lang)
