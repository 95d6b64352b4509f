"""Market set-up: the bundled scenarios, uploaded scenario files, validation with the CLI's message."""

from __future__ import annotations

import base64
import copy
import re
from functools import lru_cache
from pathlib import Path

from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ..scenario import BUNDLED as SHIPPED, load_scenario
from ..i18n import t
from ..spec import ScenarioError
from . import sessions

BUNDLED = SHIPPED  # the shipped scenarios, inside the package
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def bundled() -> list[dict]:
    """Dropdown options for the scenarios shipped in ``scenarios/`` (value ``bundled:<file>``)."""
    if not BUNDLED.is_dir():
        return []
    return [{"label": p.stem, "value": f"bundled:{p.name}"} for p in sorted(BUNDLED.glob("*.yaml"))]


MAX_NAME = 100  # characters of an uploaded file's name that are kept


def safe_name(filename: str) -> str:
    """A file name without folders or odd characters, ending in .yaml (``my market.yml`` -> ``my_market.yml``)."""
    name = SAFE_NAME.sub("_", Path(str(filename)[:MAX_NAME]).name).strip("._")[:MAX_NAME] or "uploaded"
    return name if name.endswith((".yaml", ".yml")) else name + ".yaml"


def path_of(choice: str | None, results: Path, session: str | None) -> Path | None:
    """The file behind a dropdown value (``bundled:x.yaml`` or ``upload:x.yaml``), or None."""
    if not isinstance(choice, str) or ":" not in choice:
        return None
    kind, name = choice.split(":", 1)
    if name != safe_name(name):
        return None
    if kind == "bundled":
        path = BUNDLED / name
    elif kind == "upload" and sessions.valid(session):
        path = sessions.upload_dir(results, session) / name
    else:
        return None
    return path if path.is_file() else None


def load(path: Path, shown_as: str | None = None) -> dict:
    """Load and validate a scenario; a ScenarioError names the file as ``shown_as`` (the user's file name)."""
    try:
        return load_scenario(path, allowed_dir=path.parent)  # names no file outside its own folder
    except ScenarioError as exc:
        if shown_as is None:
            raise
        raise ScenarioError(shown_as, exc.path, exc.expected, exc.found, exc.line) from None


def save_upload(data: bytes, filename: str, results: Path, session: str) -> tuple[str, dict]:
    """Validate an uploaded scenario and keep it in the session's upload folder.

    Returns:
        (dropdown value ``upload:<name>``, the resolved scenario).

    Raises:
        ScenarioError: the file is not a valid scenario; the message names the uploaded file as the
            user called it (nothing is kept).
    """
    name = safe_name(filename)
    folder = sessions.upload_dir(results, session)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.checking"
    tmp.write_bytes(data)
    try:
        scenario = load(tmp, shown_as=Path(str(filename)).name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    target, k = folder / name, 2
    while target.exists() and target.read_bytes() != data:  # never change the base of a past experiment
        target, k = folder / f"{Path(name).stem}-{k}{Path(name).suffix}", k + 1
    tmp.replace(target)
    return f"upload:{target.name}", scenario


@lru_cache(maxsize=32)
def _cached(path: str, mtime: float) -> dict:
    return load_scenario(path, allowed_dir=Path(path).parent)


def scenario_at(path: Path | None) -> dict | None:
    """The resolved scenario in ``path`` (cached by modification time), or None if absent or invalid."""
    if path is None:
        return None
    try:
        return copy.deepcopy(_cached(str(path), path.stat().st_mtime))
    except (OSError, ScenarioError):
        return None


def refusal(path: Path, overrides: dict) -> str | None:
    """None if the scenario at ``path`` takes these dotted overrides, else the one-line error (file, key path,
    what was expected, what was found) that ``simcommerce check`` would print."""
    try:
        load_scenario(path, overrides=overrides, allowed_dir=path.parent)
    except ScenarioError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------------------------------------------
# the panel

MAX_UPLOAD = 5_000_000  # bytes
DEFAULT = "bundled:baseline.yaml"


def summary(scenario: dict) -> str:
    n_inf = sum(scenario["influencers"]["counts"].values()) + len(scenario["influencers"]["named"])
    return (f"{scenario['population']['consumers']} consumers, {len(scenario['brands'])} brand(s) "
            f"({', '.join(b['name'] for b in scenario['brands'])}), {n_inf} influencers, {scenario['steps']} days. "
            f"{scenario['description']}")


def initial(cfg) -> tuple[str | None, dict | None]:
    """The scenario the page opens with (the baseline when bundled) and its resolved content."""
    options = bundled()
    choice = DEFAULT if any(o["value"] == DEFAULT for o in options) else (options[0]["value"] if options else None)
    return choice, scenario_at(path_of(choice, cfg.results, None)) if choice else None


def layout(cfg, choice: str | None, sc: dict | None, lang: str = "en") -> html.Div:
    """Scenario choice or upload, market size, days, replications, seed (initial values: ``sc``'s)."""
    from . import controls

    options = bundled()
    return html.Div([
        html.H3(t("1. Market", lang)),
        html.Div([html.Label(t("Scenario", lang), htmlFor="scenario"),
                  dcc.Dropdown(id="scenario", options=options, value=choice, clearable=False, searchable=True)],
                 className="lever wide"),
        dcc.Upload(id="upload", children=html.Div([t("…or drop a scenario YAML here / ", lang), html.A(t("choose a file", lang))]),
                   multiple=False, accept=".yaml,.yml", className="upload"),
        html.Div(id="setup-message", className="message"),
        html.P(summary(sc) if sc else "", id="scenario-summary", className="note"),
        html.Div([
            controls.market_widget("population.consumers", sc["population"]["consumers"] if sc else None,
                                   "consumers", lang),
            controls.market_widget("steps", sc["steps"] if sc else None, "days", lang),
            html.Div([html.Label(t("Replications per policy", lang), htmlFor="replications",
                                 title=t("runs per policy; replication r of every policy uses root seed seed + r "
                                         "(common random numbers)", lang)),
                      dcc.Input(id="replications", type="number", value=3, min=1, max=50, step=1, debounce=True)],
                     className="lever"),
            html.Div([html.Label(t("Seed", lang), htmlFor="seed", title=t("root seed of replication 0", lang)),
                      dcc.Input(id="seed", type="number", value=sc["seed"] if sc else 1, min=0, step=1,
                                debounce=True)], className="lever"),
        ], className="row"),
    ], className="card")


def register(app, cfg) -> None:
    from .policies import default_policies


    @app.callback(Output("scenario", "options"), Input("session", "data"), State("scenario", "options"))
    def with_uploads(session, options):
        """The bundled scenarios and this browser's uploads."""
        if not sessions.valid(session):
            raise PreventUpdate
        folder = sessions.upload_dir(cfg.results, session)
        ups = [{"label": f"uploaded: {p.name}", "value": f"upload:{p.name}"}
               for p in sorted(folder.glob("*.y*ml"))] if folder.is_dir() else []
        return bundled() + ups

    @app.callback(Output("scenario", "options", allow_duplicate=True), Output("scenario", "value"),
                  Output("setup-message", "children"), Input("upload", "contents"), State("upload", "filename"),
                  State("scenario", "options"), State("session", "data"), prevent_initial_call=True)
    def upload(contents, filename, options, session):
        if not contents or not sessions.valid(session):
            raise PreventUpdate
        try:
            data = base64.b64decode(contents.split(",", 1)[1])
        except (IndexError, ValueError):
            return no_update, no_update, html.Span(f"error: {filename}: expected a YAML file, found unreadable "
                                                   "upload data.", className="error")
        if len(data) > MAX_UPLOAD:
            return no_update, no_update, html.Span(f"error: {filename}: expected a scenario file of at most "
                                                   f"{MAX_UPLOAD // 1_000_000} MB, found {len(data):,} bytes.",
                                                   className="error")
        try:
            value, sc = save_upload(data, filename or "uploaded.yaml", cfg.results, session)
        except ScenarioError as exc:
            return no_update, no_update, html.Span(f"error: {exc}", className="error")
        label = {"label": f"uploaded: {value.split(':', 1)[1]}", "value": value}
        options = [o for o in (options or []) if o["value"] != value] + [label]
        return options, value, html.Span(f"{filename}: ok — {summary(sc)}", className="ok")

    @app.callback(Output("consumers", "value"), Output("days", "value"), Output("seed", "value"),
                  Output("brand", "options"), Output("brand", "value"), Output("scenario-summary", "children"),
                  Output("policies", "data", allow_duplicate=True),
                  Output("policy-select", "value", allow_duplicate=True),
                  Input("scenario", "value"), State("session", "data"), prevent_initial_call=True)
    def choose(choice, session):
        """A new market: its size, days, seed and brands; the policies start afresh (brand names change)."""
        sc = scenario_at(path_of(choice, cfg.results, session))
        if sc is None:
            raise PreventUpdate
        brands = [b["name"] for b in sc["brands"]]
        return (sc["population"]["consumers"], sc["steps"], sc["seed"], brands, brands[0], summary(sc),
                default_policies(), 0)
