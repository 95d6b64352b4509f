#!/usr/bin/env python3
"""Time from opening the dashboard to the first verdict, for the strategist's serum question (issue #18).

Starts the dashboard on a free local port with a temporary results folder and, in headless Debian Chromium,
does what tests/dashboard/test_serum.py does: upload tests/data/serum_question.yaml (1,500 consumers, 30
days), set three policies next to the reference with the page's levers (a 10% referral commission, a macro
influencer, two live streams a week), run 3 replications and wait for the verdict. Prints the seconds from
opening the page to the verdict, split into setting up (the clicks, at machine speed: a person takes
longer) and the run itself (12 runs), and the verdict's first sentence.

Usage: ``.venv/bin/python benchmarks/time_to_verdict.py [--workers N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from simcommerce.dashboard import harness
from simcommerce.dashboard.harness import fill, lever

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "data" / "serum_question.yaml"
POLICIES = {"referral_10": {"brands.Glow.policy.referral.rates": "0.1"},
            "macro_influencer": {"brands.Glow.policy.influencer_posts.sponsored": "1",
                                 "brands.Glow.policy.influencer_posts.tier": "macro"},
            "live_stream": {"brands.Glow.policy.livestream.sessions_per_week": "2"}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=None, help="worker processes of the server's runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = harness.start_server(Path(tmp) / "results", Path(tmp) / "server.log", workers=args.workers)
        try:
            with sync_playwright() as pw:
                browser = harness.launch(pw)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                t0 = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(".lever-group")
                page.wait_for_function("localStorage.getItem('session') !== null")
                opened = time.perf_counter()
                page.locator("#upload input[type=file]").set_input_files(str(SCENARIO))
                page.wait_for_function("document.querySelector('#brand').textContent === 'GlowRival'")
                page.locator("#policy-select label", has_text="variant").click()
                page.wait_for_function("document.querySelector('#policy-name').value === 'variant'")
                for k, (name, levers) in enumerate(POLICIES.items()):
                    if k:
                        page.locator("#policy-add").click()
                        page.wait_for_function(f"document.querySelector('#policy-name').value === 'policy_{k + 2}'")
                    for key, value in levers.items():
                        if key.endswith(".tier"):
                            page.locator(lever(key)).locator("label", has_text=value).click()
                        else:
                            fill(page, lever(key), value)
                        page.wait_for_function(f"document.querySelector('#policy-yaml').textContent.includes('{key}')")
                    fill(page, "#policy-name", name)
                    page.wait_for_function(f"document.querySelector('#policy-yaml').textContent.startsWith('{name}:')")
                fill(page, "#replications", 3)
                fill(page, "#exp-name", "serum")
                clicked = time.perf_counter()
                page.locator("#run").click()
                page.wait_for_selector("#verdict .verdict-findings", timeout=600000)
                done = time.perf_counter()
                verdict = page.locator("#verdict .verdict-findings").text_content()
                browser.close()
        finally:
            harness.stop_server(proc)
    print(f"page open (layout drawn): {opened - t0:.1f} s")
    print(f"set-up at machine speed (upload, 3 policies, replications): {clicked - opened:.1f} s")
    print(f"run (4 policies x 3 replications, 1,500 consumers x 30 days) to the verdict: {done - clicked:.1f} s")
    print(f"total, opening the page to the first verdict: {done - t0:.1f} s")
    print(f"verdict: {verdict[:300]}")


if __name__ == "__main__":
    main()
