"""Find the best policy on the page: ``simcommerce optimize`` over the levers the strategist unlocks.

The page writes an ordinary optimisation file (docs/optimize.md) in the session's folder: the scenario as
base, the brand, the selected policy's other overrides with the market size, days and events as ``fixed``,
the unlocked levers with their ranges, the marketing-spend cap, the seeds and the number of candidates; it
is checked by :func:`~simcommerce.optimize.load_optimization` (a mistake is shown as the CLI prints it), then
``simcommerce optimize <file> --out <folder>`` runs as a subprocess, one at a time per browser. The result
is the command's own summary (best levers, profit and its interval, gain over the base, how flat).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml
from dash import ALL, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ..i18n import t
from ..spec import ScenarioError
from . import controls, sessions
from .runs import LOCK, Job, end_all, failure_line, launch, new_folder
from .scenarios import path_of, scenario_at

MAX_LEVERS = 3
LIMITS = {"candidates": (2, 200), "seeds": (2, 20)}


def searchable(scenario: dict, brand: str, lang: str = "en") -> list[tuple[str, str, controls.Lever]]:
    """(optimisation key, label, lever) of the brand's numeric levers; a list lever searches its first level."""
    out = []
    for lever in controls.levers(scenario, brand, lang):
        p = lever.param
        if p.kind in ("float", "int"):
            out.append((lever.key, lever.label, lever))
        elif p.kind == "floats":
            out.append((f"{lever.key}.0", f"{lever.label} ({t('level 1', lang)})", lever))
    return out


def default_range(lever: controls.Lever) -> tuple[float, float]:
    """A range to start from: the parameter's bounds, or 0 to 5 times today's value where it has no top."""
    p = lever.param
    base = lever.base[0] if isinstance(lever.base, list) else lever.base
    lo = p.min if p.min is not None else 0
    hi = p.max if p.max is not None else max(5 * (base or 0), lo + 1)
    if p.kind == "floats" and p.max is None:
        hi = 1.0
    return (int(lo), int(hi)) if p.kind == "int" else (float(lo), float(hi))


def optimization_data(base: Path, brand: str, fixed: dict, levers: dict, max_spend, seeds: int, seed: int,
                      candidates: int) -> dict:
    return {"name": f"best_policy_for_{brand}", "description": "made in the simcommerce dashboard",
            "base": str(Path(base).resolve()), "brand": brand, "fixed": fixed, "levers": levers,
            **({"max_spend": max_spend} if max_spend else {}), "seeds": seeds, "seed": seed,
            "budget": candidates * seeds, "sampler": "tpe"}


JOBS: dict[str, Job] = {}  # session id -> its running search (total: its candidates)


def prepare(results: Path, session: str, choice: str, brand: str, overrides: dict, market: dict,
            ranges: dict[str, tuple], max_spend, seeds, seed, candidates) -> tuple[Path, Path]:
    """Write and check the optimisation file. Returns (file, results folder to create).

    Raises:
        ScenarioError: anything wrong, in one line naming the file and key path.
    """
    from ..optimize import load_optimization

    base = path_of(choice, results, session)
    if base is None:
        raise ScenarioError("dashboard", "scenario", "a bundled or uploaded scenario", repr(choice))
    if not ranges:
        raise ScenarioError("dashboard", "levers to search", f"1 to {MAX_LEVERS} levers", "none")
    for what, value in (("candidates", candidates), ("seeds", seeds)):
        lo, hi = LIMITS[what]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ScenarioError("dashboard", what, f"a whole number between {lo} and {hi}", repr(value)[:40])
    fixed = {**market, **{k: v for k, v in overrides.items() if k not in ranges}}  # a list lever's other levels stay
    levers = {k: {"min": lo, "max": hi} for k, (lo, hi) in ranges.items()}
    folder = new_folder(results, session, f"best_{brand}")
    file = folder.with_suffix(".yaml")
    file.parent.mkdir(parents=True, exist_ok=True)
    data = optimization_data(base, brand, fixed, levers, max_spend, seeds, seed if isinstance(seed, int) else 1,
                             candidates)
    file.write_text("# written by the simcommerce dashboard: simcommerce optimize " + file.name + " --out "
                    + folder.name + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        load_optimization(file)
    except ScenarioError:
        file.unlink(missing_ok=True)
        raise
    return file, folder


def start(results: Path, session: str, workers: int | None, *args) -> Job:
    with LOCK:
        job = JOBS.get(session)
        if job is not None and job.proc.poll() is None:
            raise ScenarioError("dashboard", "find the best", "one search at a time per browser", "one running")
        file, folder = prepare(results, session, *args)
        cmd = [sys.executable, "-m", "simcommerce.cli", "-q", "optimize", str(file), "--out", str(folder)]
        candidates = args[-1]  # prepare's last argument
        JOBS[session] = job = Job(launch(cmd + (["--workers", str(workers)] if workers else []), folder), file,
                                  folder, candidates)
        return job


def result_text(job: Job, lang: str = "en") -> str:
    """The command's summary of a finished search (best levers, profit, gain over the base, how flat)."""
    from ..optimize import load_optimization, summary_text

    return summary_text(load_optimization(job.file), json.loads((job.folder / "best.json").read_text()), lang)


def layout(lang: str = "en") -> html.Div:
    def box(label: str, wid: str, value, title: str) -> html.Div:
        label, title = t(label, lang), t(title, lang)
        return html.Div([html.Label(label, htmlFor=wid, title=title),
                         dcc.Input(id=wid, type="number", value=value, debounce=True)], className="lever", title=title)

    return html.Div([
        html.H3(t("4. Find the best policy", lang)),
        html.P(t("Unlock up to 3 of the brand's levers with a range each: optuna searches them for the brand's "
                 "highest mean profit, every candidate on the same seeds, on top of the selected policy's other "
                 "levers, within the marketing-spend cap.", lang), className="note"),
        html.Div([html.Label(t("Levers to search", lang), htmlFor="opt-levers"),
                  dcc.Dropdown(id="opt-levers", options=[], value=[], multi=True,
                               placeholder=t("choose levers", lang))],
                 className="lever wide"),
        html.Div(id="opt-ranges", className="levers"),
        html.Div([
            box("Max marketing spend (total over the run, in the scenario's currency)", "opt-max-spend", None,
                "the brand's mean marketing spend must stay at or below this; empty: no cap"),
            box("Candidates", "opt-candidates", 10, "policies tried by the search (each on every seed)"),
            box("Seeds per candidate", "opt-seeds", 3, "runs per candidate: the same seeds for every candidate"),
            html.Button(t("Find the best", lang), id="opt-run", className="primary"),
        ], className="row"),
        html.Div(id="opt-message", className="message"),
        html.Div(id="opt-result", className="verdict", style={"display": "none"}),
        dcc.Interval(id="opt-poll", interval=700, disabled=True),
    ], className="card")


def register(app, cfg) -> None:
    @app.callback(Output("opt-levers", "options"), Output("opt-levers", "value"), Input("brand", "value"),
                  Input("scenario", "value"), State("session", "data"), State("lang", "data"))
    def lever_choices(brand, choice, session, lang):
        sc = scenario_at(path_of(choice, cfg.results, session))
        if sc is None or brand not in [b["name"] for b in sc["brands"]]:
            return [], []
        return [{"label": label, "value": key} for key, label, _ in searchable(sc, brand, lang)], []

    @app.callback(Output("opt-ranges", "children"), Input("opt-levers", "value"), State("brand", "value"),
                  State("scenario", "value"), State("session", "data"), State("lang", "data"))
    def ranges(keys, brand, choice, session, lang):
        sc = scenario_at(path_of(choice, cfg.results, session))
        if sc is None or not keys:
            return []
        found = {key: (label, lever) for key, label, lever in searchable(sc, brand, lang)}
        return controls.range_inputs("opt", [(key, found[key][0], *default_range(found[key][1]))
                                             for key in (keys or [])[:MAX_LEVERS] if key in found], lang)

    @app.callback(Output("opt-message", "children"), Output("opt-poll", "disabled"), Output("opt-run", "disabled"),
                  Output("opt-result", "style"),
                  Input("opt-run", "n_clicks"), State("session", "data"), State("scenario", "value"),
                  State("brand", "value"), State("policies", "data"), State("policy-select", "value"),
                  State("consumers", "value"), State("days", "value"), State("events", "data"),
                  State({"type": "opt-min", "key": ALL}, "value"), State({"type": "opt-min", "key": ALL}, "id"),
                  State({"type": "opt-max", "key": ALL}, "value"), State("opt-max-spend", "value"),
                  State("opt-seeds", "value"), State("seed", "value"), State("opt-candidates", "value"),
                  State("lang", "data"), prevent_initial_call=True)
    def run(n, session, choice, brand, policies, i, consumers, days, events, mins, ids, maxs, max_spend, seeds,
            seed, candidates, lang):
        if not n or not sessions.valid(session):
            raise PreventUpdate
        policy = (policies or [{"overrides": {}}])[min(i or 0, len(policies or [1]) - 1)]
        sc = scenario_at(path_of(choice, cfg.results, session))
        market = {k: v for k, v in (("population.consumers", consumers), ("steps", days)) if v is not None}
        if sc is not None and events is not None and events != sc["events"]:
            market["events"] = events
        ranges = {w["key"]: (lo, hi) for w, lo, hi in zip(ids, mins, maxs)}
        try:
            start(cfg.results, session, cfg.workers, choice, brand, policy["overrides"], market, ranges, max_spend,
                  seeds, seed, candidates)
        except ScenarioError as exc:
            return html.Span(t("error: ", lang) + f"{exc}", className="error"), True, False, {"display": "none"}
        return html.Span(t("Searching…", lang), className="note"), False, True, {"display": "none"}

    @app.callback(Output("opt-message", "children", allow_duplicate=True),
                  Output("opt-poll", "disabled", allow_duplicate=True),
                  Output("opt-run", "disabled", allow_duplicate=True), Output("opt-result", "children"),
                  Output("opt-result", "style", allow_duplicate=True),
                  Input("opt-poll", "n_intervals"), State("session", "data"), State("lang", "data"),
                  prevent_initial_call=True)
    def poll(_n, session, lang):
        job = JOBS.get(session) if sessions.valid(session) else None
        if job is None:
            return no_update, True, False, no_update, no_update
        code = job.proc.poll()
        if code is None:
            return (html.Span(t("Searching… ({s:.0f} s)", lang, s=time.perf_counter() - job.started),
                              className="note"),
                    no_update, no_update, no_update, no_update)
        with LOCK:
            JOBS.pop(session, None)
        if code != 0:
            return (html.Span(t("The search failed (exit code {code}): {why}", lang, code=code,
                                why=failure_line(job)),
                              className="error"), True, False,
                    no_update, {"display": "none"})
        rel = job.folder.relative_to(cfg.results).as_posix()
        seconds = time.perf_counter() - job.started
        return (html.Span(t("Done in {s:.0f} s; trials and report in {rel}/.", lang, s=seconds, rel=rel),
                          className="ok"), True, False, html.P(result_text(job, lang), id="opt-summary"),
                {"display": "block"})


def stop_all() -> None:
    """End every running search (when the server stops)."""
    end_all(JOBS)
