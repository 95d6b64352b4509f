"""The strategist's dashboard: a Dash app to compare marketing policies side by side in the browser.

``simcommerce dashboard [--host 127.0.0.1] [--port 8050] [--results DIR]`` (needs the ``dashboard``
extra). Modules, one concern each: :mod:`.app` (layout, server), :mod:`.scenarios` (market set-up),
:mod:`.controls` (lever controls generated from the parameter metadata), :mod:`.policies` (the
policy editor), :mod:`.runs` (runs in the background), :mod:`.view` (the comparison),
:mod:`.figures` (network view, cascade tree), :mod:`.browse` (the results store), :mod:`.sessions`.
"""

from __future__ import annotations

from pathlib import Path


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def exposure_warning(host: str, port: int) -> str | None:
    """The one-line warning for a server reachable from other machines (None for this machine only)."""
    if host in LOCAL_HOSTS:
        return None
    return (f"warning: listening on {host}: anyone who can reach this machine on port {port} can use the "
            "dashboard and start runs (use --host 127.0.0.1 to keep it to this machine)")


def serve(host: str = "127.0.0.1", port: int = 8050, results: str | Path = "results", workers: int | None = None):
    """Start the dashboard's web server (blocks until interrupted; its runs end with it)."""
    import atexit
    import signal
    import sys

    from . import optimizer, runs
    from .app import create_app

    app = create_app(results, workers)
    atexit.register(runs.stop_all)
    atexit.register(optimizer.stop_all)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that atexit runs on a plain kill too
    warning = exposure_warning(host, port)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    print(f"simcommerce dashboard on http://{host}:{port}/ (results in {Path(results).resolve()})", flush=True)
    app.run(host=host, port=port, debug=False)
