"""Browser tests of the dashboard: the real server in a subprocess, Debian's Chromium through Playwright.

Without /usr/bin/chromium (or without Playwright) the tests skip with the reason, except in CI
(``CI=true``), where that is a failure: CI installs Chromium through ``scripts/setup``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simcommerce.dashboard import harness

ROOT = Path(__file__).resolve().parents[2]
# a tiny experiment made with the command line, to browse (two policies, one replication each)
CLI_EXPERIMENT = f"""name: cli_study
base: {ROOT / "scenarios" / "baseline.yaml"}
replications: 1
seed: 3
policies:
  plain: {{population.consumers: 800, steps: 15}}
  ads_x2: {{population.consumers: 800, steps: 15, brands.Glow.policy.ads.impressions_per_day: 4000}}
metrics: [cum_orders, cum_gmv, profit]
"""


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (scripts/setup installs Chromium).", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_api():
    if not Path(harness.CHROMIUM).exists():
        _missing(f"Debian's Chromium ({harness.CHROMIUM}) is not installed (scripts/setup installs it with apt-get)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[test]')")
    pw = sync_playwright().start()
    yield pw
    pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_api):
    b = harness.launch(playwright_api)
    yield b
    b.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory, playwright_api):
    """The dashboard on a free local port, with a results store holding one CLI-made experiment."""
    results = tmp_path_factory.mktemp("results")
    exp = results.parent / "cli_study.yaml"
    exp.write_text(CLI_EXPERIMENT)
    done = subprocess.run([sys.executable, "-m", "simcommerce.cli", "experiment", str(exp), "--out",
                           str(results / "cli_study"), "--workers", "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    proc, url = harness.start_server(results, results.parent / "server.log")
    yield {"url": url, "results": results, "proc": proc}
    harness.stop_server(proc)


class Page:
    """A browser tab on the dashboard, with the few moves the tests make."""

    def __init__(self, page, url: str):
        self.page, self.url = page, url
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self):
        self.page.goto(self.url)
        self.page.wait_for_selector(".lever-group", timeout=30000)
        self.page.wait_for_function("localStorage.getItem('session') !== null")
        return self

    def fill(self, selector: str, value) -> None:
        harness.fill(self.page, selector, value)

    def lever(self, key: str) -> str:
        return harness.lever(key)

    def select_policy(self, name: str) -> None:
        self.page.locator("#policy-select label", has_text=name).first.click()
        self.page.wait_for_function(f"document.querySelector('#policy-name').value === {name!r}")

    def tab(self, label: str) -> None:
        self.page.get_by_text(label, exact=True).click()

    def text(self, selector: str) -> str:
        return self.page.locator(selector).text_content() or ""

    def traces(self, graph: str) -> list[dict]:
        """The plotly traces drawn in a dcc.Graph: name, type, number of points (x values)."""
        return self.page.evaluate(
            f"(() => {{ const gd = document.querySelector('#{graph} .js-plotly-plot'); if (!gd) return []; "
            "return gd.data.map((t, i) => ({name: t.name === undefined ? null : t.name, type: t.type, "
            "n: gd._fullData[i] && gd._fullData[i].x ? gd._fullData[i].x.length : null})); })()")

    def wait_traces(self, graph: str, n: int, timeout: float = 30000) -> list[dict]:
        self.page.wait_for_function(
            f"((document.querySelector('#{graph} .js-plotly-plot') || {{}}).data || []).length >= {n}",
            timeout=timeout)
        return self.traces(graph)

    def session(self) -> str:
        return self.page.evaluate("JSON.parse(localStorage.getItem('session'))")

    def run(self, consumers: int, days: int, replications: int, name: str) -> None:
        self.fill("#consumers", consumers)
        self.fill("#days", days)
        self.fill("#replications", replications)
        self.fill("#exp-name", name)
        self.page.locator("#run").click()


@pytest.fixture
def make_page(server):
    """A dashboard page in a given browser context."""
    return lambda context: Page(context.new_page(), server["url"])


@pytest.fixture
def dash_page(browser, server):
    """A fresh browser context (its own local storage: a new dashboard session) on the dashboard."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = Page(context.new_page(), server["url"])
    yield page
    context.close()
