"""Drive the dashboard from outside: its server as a subprocess, Debian's Chromium through Playwright.

Used by the browser tests (``tests/dashboard``), ``scripts/screenshot_dashboard.py`` and
``benchmarks/time_to_verdict.py``. Chromium
is the system one (``/usr/bin/chromium``, Debian's package); Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(results: Path, log: Path, port: int | None = None, timeout: float = 90.0,
                 workers: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``simcommerce dashboard`` on 127.0.0.1 (a free port) and wait until it answers.

    Returns:
        (the server process, its URL). Stop it with :func:`stop_server`.
    """
    port = port or free_port()
    cmd = [sys.executable, "-m", "simcommerce.cli", "dashboard", "--host", "127.0.0.1", "--port", str(port),
           "--results", str(results)] + (["--workers", str(workers)] if workers else [])
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard server exited with code {proc.returncode}: {Path(log).read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.25)
    stop_server(proc)
    raise RuntimeError(f"the dashboard server did not answer at {url} within {timeout:.0f} s: {Path(log).read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server started by :func:`start_server` (its process group: only what it started)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(10)
            return
        except subprocess.TimeoutExpired:
            continue


def launch(playwright):
    """Headless Debian Chromium (no browser download)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def lever(key: str) -> str:
    """The CSS selector of the lever control for a dotted key (Dash's id of ``{"type": "lever", "key": key}``)."""
    return f"[id='{{\"key\":\"{key}\",\"type\":\"lever\"}}']"


def fill(page, selector: str, value) -> None:
    """Type into an input and commit it (Enter), as a user would."""
    box = page.locator(selector)
    box.fill(str(value))
    box.press("Enter")
