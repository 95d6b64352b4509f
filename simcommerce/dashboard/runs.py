"""Running the policies: an experiment file written for the session, run in the background.

A run writes ``<results>/dashboard/<session>/<id>.yaml`` (an ordinary experiment file: the
scenario as base, the policies with the market size and days added to each), checks it with
:func:`~simcommerce.experiment.load_experiment` (a mistake is shown in the page as the CLI would
print it), then runs exactly ``simcommerce experiment <id>.yaml --out <id>/`` in a subprocess of
a Dash background callback (itself a separate process): the same designs with common random
numbers (replication r of every policy uses root seed ``seed + r``), worker processes and
results store as on the command line. Progress is the count of finished runs in the store;
cancelling kills the job's process and everything under it, and the finished runs are kept.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ..compare import DEFAULT_METRICS
from ..results import write_manifest
from ..spec import ScenarioError
from . import sessions
from .policies import MAX_POLICIES, MIN_POLICIES
from .scenarios import path_of

SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def experiment_data(name: str, base: Path, consumers: int | None, days: int | None, replications: int | None,
                    seed: int | None, policies: list[dict]) -> dict:
    """The experiment file's content: every policy gets the market size and days as overrides."""
    market = {k: v for k, v in (("population.consumers", consumers), ("steps", days)) if v is not None}
    return {
        "name": name, "description": "made in the simcommerce dashboard", "base": str(Path(base).resolve()),
        "replications": replications, "seed": seed,
        "policies": {p["name"]: {**market, **p["overrides"]} for p in policies},
        "reference": policies[0]["name"] if policies else None,
        "metrics": list(DEFAULT_METRICS),
    }


def new_folder(results: Path, session: str, name: str) -> Path:
    """A new, unused experiment folder of the session: ``<yyyymmdd-hhmmss>-<name>``."""
    base = sessions.session_dir(results, session)
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{SLUG.sub('_', name).strip('_.')[:40] or 'experiment'}"
    folder, k = base / stem, 2
    while folder.exists() or folder.with_suffix(".yaml").exists():
        folder, k = base / f"{stem}-{k}", k + 1
    return folder


def prepare(results: Path, session: str, name: str, choice: str, consumers, days, replications, seed,
            policies: list[dict]) -> tuple[Path, Path, int]:
    """Write and validate the experiment file.

    Returns:
        (experiment file, results folder to create, number of runs).

    Raises:
        ScenarioError: anything wrong, in one sentence naming the file and key path.
    """
    from ..experiment import design, load_experiment

    if not MIN_POLICIES <= len(policies or []) <= MAX_POLICIES:
        raise ScenarioError("dashboard", "policies", f"{MIN_POLICIES} to {MAX_POLICIES} policies",
                            str(len(policies or [])))
    base = path_of(choice, results, session)
    if base is None:
        raise ScenarioError("dashboard", "scenario", "a bundled or uploaded scenario", repr(choice))
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError("dashboard", "experiment name", "a non-empty name", repr(name))
    folder = new_folder(results, session, name)
    file = folder.with_suffix(".yaml")
    file.parent.mkdir(parents=True, exist_ok=True)
    data = experiment_data(name.strip(), base, consumers, days, replications, seed, policies)
    file.write_text("# written by the simcommerce dashboard; finish an interrupted run with:\n"
                    f"#   simcommerce experiment {file.name} --out {folder.name} --resume\n"
                    + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        total = len(design(load_experiment(file)))
    except ScenarioError:
        file.unlink(missing_ok=True)
        raise
    return file, folder, total


def runs_done(folder: Path) -> int:
    """Finished runs in a store (a run's ``runs`` file is complete once it exists)."""
    return sum(1 for _ in (folder / "runs").glob("policy=*/*.parquet"))


def command(file: Path, folder: Path, workers: int | None) -> list[str]:
    """The command line that runs the experiment (``simcommerce experiment``)."""
    cmd = [sys.executable, "-m", "simcommerce.cli", "experiment", str(file), "--out", str(folder)]
    return cmd + (["--workers", str(workers)] if workers else [])


def mark_cancelled(folder: Path) -> bool:
    """Mark an interrupted experiment's manifest ``cancelled`` (unless it completed). True if marked."""
    mpath = folder / "manifest.json"
    try:
        manifest = json.loads(mpath.read_text())
    except (OSError, ValueError):
        return False
    if manifest.get("status") == "complete":
        return False
    manifest["status"] = "cancelled"
    write_manifest(folder, manifest)
    return True


def layout() -> html.Div:
    return html.Div([
        html.H3("3. Run"),
        html.Div([
            html.Div([html.Label("Experiment name"), dcc.Input(id="exp-name", type="text", value="my_study",
                                                                debounce=True)], className="lever"),
            html.Button("Run", id="run", className="primary"),
            html.Button("Cancel", id="cancel", disabled=True),
        ], className="row"),
        html.Div([html.Progress(id="progress", value="0", max="1"), html.Span(id="progress-label")],
                 id="progress-box", style={"display": "none"}),
        html.Div(id="run-message", className="message"),
        dcc.Store(id="running-dir"),
    ], className="card")


def register(app, cfg) -> None:
    @app.callback(
        Output("exp-dir", "data"), Output("run-message", "children"), Output("tabs", "value"),
        Input("run", "n_clicks"),
        State("session", "data"), State("exp-name", "value"), State("scenario", "value"), State("consumers", "value"),
        State("days", "value"), State("replications", "value"), State("seed", "value"), State("policies", "data"),
        background=True, prevent_initial_call=True, interval=500,
        running=[(Output("run", "disabled"), True, False), (Output("cancel", "disabled"), False, True),
                 (Output("progress-box", "style"), {"display": "block"}, {"display": "none"})],
        progress=[Output("progress", "value"), Output("progress", "max"), Output("progress-label", "children"),
                  Output("running-dir", "data")],
        cancel=[Input("cancel", "n_clicks")],
    )
    def run(set_progress, n_clicks, session, name, choice, consumers, days, replications, seed, policies):
        if not n_clicks or not sessions.valid(session):
            raise PreventUpdate
        try:
            file, folder, total = prepare(cfg.results, session, name, choice, consumers, days, replications, seed,
                                          policies)
        except ScenarioError as exc:
            return no_update, html.Span(f"error: {exc}", className="error"), no_update
        except Exception as exc:  # noqa: BLE001 - say it in the page, not as a hung progress bar
            return no_update, html.Span(f"error: the run could not start ({type(exc).__name__}: {exc}).",
                                        className="error"), no_update
        rel, t0, done = str(folder.relative_to(cfg.results)), time.perf_counter(), -1
        with open(folder.with_suffix(".log"), "w+") as log:
            proc = subprocess.Popen(command(file, folder, cfg.workers), stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
            while proc.poll() is None:
                now = runs_done(folder)
                if now != done:
                    done = now
                    set_progress((done, total, f" {done} of {total} runs ({time.perf_counter() - t0:.0f} s)", rel))
                time.sleep(0.25)
            log.seek(0)
            lines = [x.strip() for x in log.read().splitlines() if x.strip()]
        if proc.returncode != 0:
            why = next((x for x in reversed(lines) if x.startswith("error:")), lines[-1] if lines else "")
            return no_update, html.Span(f"The run failed (exit code {proc.returncode}): {why}", className="error"), \
                no_update
        msg = (f"Done: {total} runs in {time.perf_counter() - t0:.1f} s, saved in {rel}/ "
               f"({lines[-1] if lines else ''})")
        return rel, html.Span(msg, className="ok"), "compare"

    @app.callback(Output("run-message", "children", allow_duplicate=True), Input("cancel", "n_clicks"),
                  State("running-dir", "data"), State("session", "data"), prevent_initial_call=True)
    def cancelled(n_clicks, rel, session):
        """Say what a cancel kept; mark the store cancelled once the job's process is gone."""
        folder = sessions.resolve_inside(cfg.results, rel, session) if rel else None
        if not n_clicks:
            raise PreventUpdate
        if folder is None:
            return html.Span("Cancelled before any run started.", className="note")
        time.sleep(2.0)  # Dash kills the job and its workers (and waits up to 1 s for them)
        marked = mark_cancelled(folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        done = sum(r["status"] == "done" for r in manifest["runs"].values())
        state = "Cancelled" if marked else "Finished before the cancel"
        return html.Span(f"{state}: {done} of {len(manifest['runs'])} runs kept in {rel}/ (see Browse; finish "
                         f"it with simcommerce experiment {folder.name}.yaml --out {folder.name} --resume).",
                         className="note")
