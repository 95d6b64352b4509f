"""The Dash app: the page's layout and the web server (assets served locally, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from dash import Dash, Input, Output, State, dcc, html, no_update

from ..i18n import LANGS, lang_of, t
from . import browse, events, optimizer, policies, runs, scenarios, sessions, uncertain, view

CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#222}
header{background:#243b55;color:#fff;padding:10px 24px;display:flex;flex-wrap:wrap;justify-content:space-between;
 align-items:center;gap:6px} header h1{font-size:20px;margin:0}
#lang-switch{font-size:14px} #lang-switch a{color:#fff;margin-left:8px}
#lang-switch a.on{font-weight:700;text-decoration:none}
main{max-width:1400px;margin:0 auto;padding:8px 24px}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 3px #0002;padding:10px 16px;margin:10px 0}
.row{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
.levers{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:6px 16px;align-items:end}
.lever{display:flex;flex-direction:column;font-size:13px;min-width:160px}
.lever.wide{min-width:320px}
.lever-group{grid-column:1/-1;margin:8px 0 0;border-bottom:1px solid #ddd;color:#243b55}
.lever-note{grid-column:1/-1;margin:0}
.event-row{border-bottom:1px solid #eee;padding:4px 0}
.note{color:#666;font-size:13px;overflow-wrap:anywhere} .error{color:#b00020;font-weight:600} .ok{color:#1b7f3b}
.up{color:#1b7f3b} .down{color:#b00020}
.message{min-height:1.2em;margin:4px 0;font-size:14px}
button{padding:6px 12px;border:1px solid #999;border-radius:4px;background:#fff;cursor:pointer}
button.primary{background:#243b55;color:#fff} button:disabled{opacity:.45;cursor:default}
.upload{border:1px dashed #999;border-radius:6px;padding:8px;margin:6px 0;text-align:center;font-size:13px}
progress{width:320px;height:16px;vertical-align:middle}
.kpi-cards{display:flex;flex-wrap:wrap;gap:10px}
.kpi-card{border:1px solid #ddd;border-radius:6px;padding:6px 10px;min-width:280px;font-size:12px;flex:1}
.kpi-card h4{margin:2px 0 6px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{padding:3px 8px;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}
.two{display:grid;grid-template-columns:1fr 1fr;gap:8px} .two>*{min-width:0}
.mono{font-family:monospace} pre{background:#f3f3f3;padding:6px;font-size:12px}
.verdict{border-left:4px solid #243b55;background:#f0f3f8;padding:4px 12px;margin:8px 0}
.verdict p{margin:6px 0} .verdict-findings{font-size:15px}
.scroll{overflow-x:auto;max-width:100%}
details summary{cursor:pointer;margin:8px 0;color:#243b55}
@media (max-width:700px){
 main{padding:4px 6px} header{padding:8px 10px} .card{padding:8px}
 .two{grid-template-columns:1fr} .lever,.lever.wide{min-width:0;width:100%} .kpi-card{min-width:0;flex:1 1 100%}
 .levers{grid-template-columns:1fr} progress{width:100%}
}
"""
# dcc.Upload's file input has no id a label could point to, and React draws it anew at times: name it
# whenever one appears (every input of the page has a label or a name)
LABEL_UPLOADS = """<script>
new MutationObserver(() => document.querySelectorAll('input[type=file]:not([aria-label])').forEach(
  e => e.setAttribute('aria-label', 'Upload a scenario file (YAML)'))
).observe(document.documentElement, {childList: true, subtree: true});
document.documentElement.lang = (new URLSearchParams(location.search).get('lang') || '').toLowerCase()
  .startsWith('zh') ? 'zh-CN' : 'en';
</script>"""


def page_lang() -> str:
    """The page's language, from its address (``?lang=zh-CN``): the layout is fetched by the page itself, so
    the page's address is the request's referrer."""
    from urllib.parse import parse_qs, urlparse

    from flask import has_request_context, request

    if not has_request_context():
        return "en"
    query = parse_qs(urlparse(request.referrer or request.url).query)
    return lang_of((query.get("lang") or [""])[0])


@dataclass(frozen=True)
class Config:
    """What every part of the app needs: the results folder, worker processes per run."""

    results: Path
    workers: int | None = None


def layout(cfg: Config, lang: str = "en"):
    """The page in ``lang``: a tab bar and three sections (set up & run, compare, browse), the browser-side
    state, and the language switch (links to ``?lang=en`` / ``?lang=zh-CN``)."""
    choice, sc = scenarios.initial(cfg)
    switch = html.Nav([html.Span(t("Language", lang) + ": "),
                       *[html.A(name, href=f"?lang={code}", lang=code, className="on" if code == lang else "")
                         for code, name in LANGS.items()]], id="lang-switch", **{"aria-label": t("Language", lang)})
    return html.Div([
        dcc.Store(id="session", storage_type="local"),   # this browser's id (its own runs folder)
        dcc.Store(id="policies", data=policies.default_policies()),
        dcc.Store(id="exp-dir"),                           # the experiment open in the comparison
        dcc.Store(id="lang", data=lang),
        html.Header([html.H1(t("simcommerce — compare marketing policies", lang)), switch]),
        html.Main([
            dcc.Tabs(id="tabs", value="setup", children=[
                dcc.Tab(label=t("1. Market, policies, run", lang), value="setup"),
                dcc.Tab(label=t("2. Compare", lang), value="compare"),
                dcc.Tab(label=t("3. Browse experiments", lang), value="browse"),
            ]),
            html.Div([scenarios.layout(cfg, choice, sc, lang), events.layout(sc, lang), policies.layout(sc, lang),
                      runs.layout(lang), optimizer.layout(lang)], id="section-setup"),
            html.Div(view.layout(lang), id="section-compare", style={"display": "none"}),
            html.Div(browse.layout(lang), id="section-browse", style={"display": "none"}),
        ]),
    ])


def create_app(results: str | Path = "results", workers: int | None = None) -> Dash:
    """The dashboard app writing and reading experiments under ``results``."""
    cfg = Config(Path(results), workers)
    cfg.results.mkdir(parents=True, exist_ok=True)
    app = Dash(__name__, title="simcommerce dashboard", serve_locally=True, update_title=None,
               suppress_callback_exceptions=True,
               compress=find_spec("flask_compress") is not None)  # gzip/brotli (the dashboard extra has it)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>" + LABEL_UPLOADS)
    app.layout = lambda: layout(cfg, page_lang())

    @app.callback(Output("session", "data"), Input("session", "modified_timestamp"), State("session", "data"))
    def session(_ts, data):
        return no_update if sessions.valid(data) else sessions.new_session_id()

    @app.callback(Output("section-setup", "style"), Output("section-compare", "style"),
                  Output("section-browse", "style"), Input("tabs", "value"))
    def show(tab):
        return [{"display": "block" if tab == name else "none"} for name in ("setup", "compare", "browse")]

    for part in (scenarios, events, policies, runs, uncertain, optimizer, view, browse):
        part.register(app, cfg)
    return app
