"""Running the policies: an experiment file written for the session, run by a separate process.

Run writes ``<results>/dashboard/<session>/<id>.yaml`` (an ordinary experiment file: the scenario
as base, the policies with the market size and days added to each), checks it with
:func:`~simcommerce.experiment.load_experiment` (a mistake is shown in the page as the CLI would
print it), then starts exactly ``simcommerce experiment <id>.yaml --out <id>/`` as a subprocess
in its own process group: the same design with common random numbers (replication r of every
policy uses root seed ``seed + r``), worker processes and results store as on the command line.
A ``dcc.Interval`` polls it (progress = finished runs in the store) with quick callbacks only, so
the page stays responsive; Cancel ends the process group (the finished runs are kept). Jobs are
kept per browser session: a browser sees only its own.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from dash import ALL, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ..stats import DEFAULT_METRICS
from ..i18n import t
from ..results import write_manifest
from ..spec import ScenarioError
from . import sessions, uncertain
from .policies import MAX_POLICIES, MIN_POLICIES
from .scenarios import path_of, scenario_at

SLUG = re.compile(r"[^A-Za-z0-9_.-]+")
# Enforced by the server, whatever a browser sends (the page's own limits are only a convenience)
SERVER_LIMITS = {"consumers": (2, 1_000_000), "days": (1, 3650), "replications": (1, 50), "seed": (0, 2**31 - 1)}
MAX_RUNNING = 2  # experiments running at once on this server, all browsers together (each uses its workers)


def experiment_data(name: str, base: Path, consumers: int | None, days: int | None, replications: int | None,
                    seed: int | None, policies: list[dict], events: list[dict] | None = None,
                    uncertainties: dict | None = None) -> dict:
    """The experiment file's content: every policy gets the market size and days as overrides, and the
    events when they are not the scenario's own (``None``: the scenario's); ``uncertainties`` as in an
    experiment file (the page's uncertain parameters)."""
    market = {k: v for k, v in (("population.consumers", consumers), ("steps", days)) if v is not None}
    if events is not None:
        market["events"] = events
    return {
        "name": name, "description": "made in the simcommerce dashboard", "base": str(Path(base).resolve()),
        "replications": replications, "seed": seed,
        "policies": {p["name"]: {**market, **p["overrides"]} for p in policies},
        "reference": policies[0]["name"] if policies else None,
        "metrics": list(DEFAULT_METRICS),
        **({"uncertainties": uncertainties} if uncertainties else {}),
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
            policies: list[dict], events: list[dict] | None = None,
            uncertainties: dict | None = None) -> tuple[Path, Path, int]:
    """Write and validate the experiment file (``events``: the page's, for every policy; None: the scenario's;
    ``uncertainties``: the page's uncertain parameters, as in an experiment file).

    Returns:
        (experiment file, results folder to create, number of runs).

    Raises:
        ScenarioError: anything wrong, in one sentence naming the file and key path.
    """
    from ..experiment import design, load_experiment

    if not isinstance(policies, list) or not MIN_POLICIES <= len(policies) <= MAX_POLICIES:
        raise ScenarioError("dashboard", "policies", f"{MIN_POLICIES} to {MAX_POLICIES} policies",
                            str(len(policies)) if isinstance(policies, list) else type(policies).__name__)
    for i, p in enumerate(policies):
        if not (isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("overrides"), dict)):
            raise ScenarioError("dashboard", f"policies[{i}]", "a policy with a name and its overrides", "neither")
    for what, value in (("consumers", consumers), ("days", days), ("replications", replications), ("seed", seed)):
        lo, hi = SERVER_LIMITS[what]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi):
            raise ScenarioError("dashboard", what, f"a whole number between {lo:,} and {hi:,} on this server",
                                repr(value)[:40])
    base = path_of(choice, results, session)
    if base is None:
        raise ScenarioError("dashboard", "scenario", "a bundled or uploaded scenario", repr(choice))
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError("dashboard", "experiment name", "a non-empty name", repr(name))
    if events is not None and not (isinstance(events, list) and all(isinstance(e, dict) for e in events)):
        raise ScenarioError("dashboard", "events", "a list of events", type(events).__name__)
    own = scenario_at(base)
    if own is not None and events == own["events"]:
        events = None  # the scenario's own: nothing to override
    folder = new_folder(results, session, name)
    file = folder.with_suffix(".yaml")
    file.parent.mkdir(parents=True, exist_ok=True)
    data = experiment_data(name.strip(), base, consumers, days, replications, seed, policies, events, uncertainties)
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


def mark_cancelled(folder: Path) -> str:
    """Mark an interrupted experiment's manifest ``cancelled``; returns the status it has now."""
    mpath = folder / "manifest.json"
    try:
        manifest = json.loads(mpath.read_text())
    except (OSError, ValueError):
        return "not started"
    if manifest.get("status") != "complete":
        manifest["status"] = "cancelled"
        write_manifest(folder, manifest)
    return manifest["status"]


@dataclass
class Job:
    """A running command of one browser session (an experiment, or a search: :mod:`.optimizer`); ``total``: the
    runs (or candidates) it will make."""

    proc: subprocess.Popen
    file: Path
    folder: Path
    total: int
    started: float = field(default_factory=time.perf_counter)


JOBS: dict[str, Job] = {}  # session id -> its running job (one at a time)
LOCK = threading.Lock()


def start(results: Path, session: str, workers: int | None, *args) -> Job:
    """Prepare (:func:`prepare`) and start a session's experiment; one job per session at a time."""
    with LOCK:
        for other in JOBS.values():
            other.proc.poll()  # reap the finished runs of browsers that went away
        job = JOBS.get(session)
        if job is not None and job.proc.poll() is None:
            raise ScenarioError("dashboard", "run", "one run at a time per browser (cancel the running one first)",
                                "a run in progress")
        running = sum(1 for other in JOBS.values() if other.proc.poll() is None)
        if running >= MAX_RUNNING:
            raise ScenarioError("dashboard", "run", f"at most {MAX_RUNNING} runs at once on this server (try again "
                                "when one has finished)", f"{running} running")
        file, folder, total = prepare(results, session, *args)
        JOBS[session] = job = Job(launch(command(file, folder, workers), folder), file, folder, total)
        return job


def launch(cmd: list[str], folder: Path) -> subprocess.Popen:
    """Start ``cmd`` in its own process group, its output in ``<folder>.log``."""
    log = open(folder.with_suffix(".log"), "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()  # the child has its own copy
    return proc


def stop(job: Job, grace: float = 3.0) -> None:
    """End a job's process group (the experiment command and its workers) and reap it."""
    if job.proc.poll() is None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
            try:
                os.killpg(job.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                job.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    try:  # workers left in the group after the command itself exited
        os.killpg(job.proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def end_all(jobs: dict[str, Job]) -> list[Job]:
    """End every job of ``jobs`` (emptied); returns them."""
    with LOCK:
        ended = list(jobs.values())
        jobs.clear()
    for job in ended:
        stop(job)
    return ended


def stop_all() -> None:
    """End every running job (when the server stops; their stores can be resumed)."""
    for job in end_all(JOBS):
        mark_cancelled(job.folder)


def log_tail(job: Job) -> list[str]:
    try:
        return [x.strip() for x in job.folder.with_suffix(".log").read_text().splitlines() if x.strip()]
    except OSError:
        return []


def failure_line(job: Job) -> str:
    """Why a job's command failed: its last ``error:`` line, else its last line."""
    lines = log_tail(job)
    return next((x for x in reversed(lines) if x.startswith("error:")), lines[-1] if lines else "")


def layout(lang: str = "en") -> html.Div:
    return html.Div([
        html.H3(t("3. Run", lang)),
        uncertain.layout(lang),
        html.Div([
            html.Div([html.Label(t("Experiment name", lang), htmlFor="exp-name"), dcc.Input(id="exp-name", type="text", value="my_study",
                                                                debounce=True)], className="lever"),
            html.Button(t("Run", lang), id="run", className="primary"),
            html.Button(t("Cancel", lang), id="cancel", disabled=True),
        ], className="row"),
        html.Div([html.Progress(id="progress", value="0", max="1"), html.Span(id="progress-label")],
                 id="progress-box", style={"display": "none"}),
        html.Div(id="run-message", className="message"),
        dcc.Interval(id="poll", interval=500, disabled=True),
        dcc.Store(id="runs-changed"),  # when a run ends or is cancelled (the browse list refreshes)
    ], className="card")


SHOWN, HIDDEN = {"display": "block"}, {"display": "none"}


def register(app, cfg) -> None:
    @app.callback(Output("run-message", "children"), Output("run", "disabled"), Output("cancel", "disabled"),
                  Output("progress-box", "style"), Output("progress", "value"), Output("progress", "max"),
                  Output("progress-label", "children"), Output("poll", "disabled"),
                  Input("run", "n_clicks"),
                  State("session", "data"), State("exp-name", "value"), State("scenario", "value"),
                  State("consumers", "value"), State("days", "value"), State("replications", "value"),
                  State("seed", "value"), State("policies", "data"), State("events", "data"),
                  State({"type": "unc-min", "key": ALL}, "value"), State({"type": "unc-min", "key": ALL}, "id"),
                  State({"type": "unc-max", "key": ALL}, "value"), State("unc-samples", "value"),
                  State("unc-calibration", "value"), State("lang", "data"), prevent_initial_call=True)
    def run(n_clicks, session, name, choice, consumers, days, replications, seed, policies, events, lows, ids,
            highs, samples, calibration, lang):
        if not n_clicks or not sessions.valid(session):
            raise PreventUpdate
        folder = sessions.resolve_inside(cfg.results, calibration.strip(), session) if calibration else None
        if calibration and folder is None:
            return (html.Span(t("error: ", lang) + f"dashboard at 'calibration': expected a calibration folder inside "
                              f"the results store, found '{calibration}'.", className="error"), False, True, HIDDEN,
                    0, 1, "", True)
        unc = uncertain.uncertainties({w["key"]: (lo, hi) for w, lo, hi in zip(ids, lows, highs)}, samples, folder)
        try:
            job = start(cfg.results, session, cfg.workers, name, choice, consumers, days, replications, seed,
                        policies, events, unc)
        except ScenarioError as exc:
            return (html.Span(t("error: ", lang) + f"{exc}", className="error"), False, True, HIDDEN, 0, 1, "", True)
        except OSError as exc:
            return (html.Span(t("error: ", lang) + f"cannot start the run ({exc}).", className="error"), False, True,
                    HIDDEN, 0, 1, "", True)
        rel = job.folder.relative_to(cfg.results).as_posix()
        return (html.Span(t("Running {n} runs into {rel}/ …", lang, n=job.total, rel=rel), className="note"), True,
                False, SHOWN, 0, job.total, t(" {done} of {total} runs ({s:.0f} s)", lang, done=0, total=job.total,
                                              s=0), False)

    dup = {"allow_duplicate": True}

    @app.callback(Output("progress", "value", **dup), Output("progress-label", "children", **dup),
                  Output("run-message", "children", **dup), Output("run", "disabled", **dup),
                  Output("cancel", "disabled", **dup), Output("progress-box", "style", **dup),
                  Output("poll", "disabled", **dup), Output("exp-dir", "data", **dup), Output("tabs", "value", **dup),
                  Output("runs-changed", "data", **dup), Input("poll", "n_intervals"), State("session", "data"),
                  State("lang", "data"), prevent_initial_call=True)
    def poll(_n, session, lang):
        job = JOBS.get(session) if sessions.valid(session) else None
        if job is None:
            return (no_update,) * 6 + (True, no_update, no_update, no_update)
        done, code = runs_done(job.folder), job.proc.poll()
        if code is None:
            label = t(" {done} of {total} runs ({s:.0f} s)", lang, done=done, total=job.total,
                      s=time.perf_counter() - job.started)
            return (done, label) + (no_update,) * 8
        with LOCK:
            JOBS.pop(session, None)
        rel = job.folder.relative_to(cfg.results).as_posix()
        if code != 0:
            msg = html.Span(f"The run failed (exit code {code}): {failure_line(job)}", className="error")
            return (done, "", msg, False, True, HIDDEN, True, no_update, no_update, time.time())
        msg = html.Span(t("Done: {n} runs in {s:.1f} s, saved in {rel}/.", lang, n=job.total,
                          s=time.perf_counter() - job.started, rel=rel), className="ok")
        return (done, "", msg, False, True, HIDDEN, True, rel, "compare", time.time())

    @app.callback(Output("run-message", "children", allow_duplicate=True),
                  Output("run", "disabled", allow_duplicate=True), Output("cancel", "disabled", allow_duplicate=True),
                  Output("progress-box", "style", allow_duplicate=True),
                  Output("poll", "disabled", allow_duplicate=True), Output("runs-changed", "data"),
                  Input("cancel", "n_clicks"), State("session", "data"), prevent_initial_call=True)
    def cancel(n_clicks, session):
        """End the session's run; the finished runs stay in the store, marked cancelled."""
        if not n_clicks or not sessions.valid(session):
            raise PreventUpdate
        with LOCK:
            job = JOBS.pop(session, None)
        if job is None:
            return html.Span("No run to cancel.", className="note"), False, True, HIDDEN, True, no_update
        stop(job)
        status = mark_cancelled(job.folder)
        done, rel = runs_done(job.folder), job.folder.relative_to(cfg.results).as_posix()
        if status == "complete":
            msg = f"The run had finished before the cancel: {done} runs in {rel}/ (see Browse)."
        elif status == "not started":
            msg = f"Cancelled before the first run started; nothing was stored (the experiment file is {job.file})."
        else:
            msg = (f"Cancelled: {done} of {job.total} runs kept in {rel}/ (see Browse; finish it with "
                   f"simcommerce experiment {job.file} --out {job.folder} --resume).")
        return html.Span(msg, className="note"), False, True, HIDDEN, True, time.time()

    @app.callback(Output("run", "disabled", allow_duplicate=True), Output("cancel", "disabled", allow_duplicate=True),
                  Output("progress-box", "style", allow_duplicate=True),
                  Output("poll", "disabled", allow_duplicate=True), Output("progress", "max", allow_duplicate=True),
                  Input("session", "data"), prevent_initial_call=True)
    def reattach(session):
        """A page (re)opened while this browser's run goes on shows it again."""
        job = JOBS.get(session) if sessions.valid(session) else None
        if job is None:
            raise PreventUpdate
        return True, False, SHOWN, False, job.total
