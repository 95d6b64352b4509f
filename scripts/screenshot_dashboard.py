#!/usr/bin/env python3
"""Take the README's screenshots of the dashboard's comparison view (docs/img/dashboard.png, and the same at a
phone's width, docs/img/dashboard_phone.png), and of the set-up with a scandal, a business-model preset and a
search for the best commission (docs/img/dashboard_setup.png), and the comparison in Chinese
(docs/img/dashboard_zh.png).

Starts the dashboard on a free local port with a temporary results folder, defines three
policies on the competition market (three brands) in headless Debian Chromium, runs them and photographs the
comparison for one brand (MY_BRAND), then the top of it at 390 px wide.
Usage: ``.venv/bin/python scripts/screenshot_dashboard.py [--out docs/img/dashboard.png]``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from simcommerce.dashboard import harness
from simcommerce.dashboard.harness import fill, lever
from simcommerce.i18n import t

SCENARIO = "competition"  # three brands: market shares move with the policies
MY_BRAND = "Value"  # the strategist's brand, whose verdict the screenshot shows
POLICIES = {  # name -> (brand, {lever key: value typed in}); the first policy, "base", is the scenario as is
    "value_price_cut": ("Value", {"brands.Value.products.cream.price": "75"}),
    "lux_referral": ("Lux", {"brands.Lux.policy.referral.rates": "0.15, 0.05"}),
}


def reopen(page, url: str, session: str, lang: str):
    """The same browser's comparison (its session) opened from Browse in a new page, in ``lang``, for MY_BRAND."""
    page.goto(f"{url}?lang={lang}")
    page.evaluate(f"localStorage.setItem('session', {session!r})")  # the same browser's runs
    page.reload()
    page.wait_for_selector(".lever-group")
    page.get_by_text(t("3. Browse experiments", lang), exact=True).click()
    page.locator("#browse-table .browse-row", has_text="three_policies").locator("button").click()
    page.wait_for_selector("#verdict .verdict-findings")
    page.locator("#my-brand").click()
    page.locator(".dash-dropdown-option", has_text=MY_BRAND).click()
    colon = "：" if lang == "zh-CN" else ":"
    page.wait_for_function(f"document.querySelector('#brand-table-title').textContent.startsWith('{MY_BRAND}{colon}')")
    page.wait_for_timeout(1500)
    return page


def setup_screenshot(browser, url: str, out: Path) -> None:
    """The set-up tab: a scandal on day 20, the live-stream preset, and the best level-1 commission searched."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_selector(".lever-group")
    page.wait_for_function("localStorage.getItem('session') !== null")
    fill(page, "#consumers", 3000)
    fill(page, "#days", 60)
    page.locator("#event-add").click()
    day = "[id='{\"field\":\"day\",\"index\":0,\"type\":\"event-field\"}']"
    page.wait_for_selector(day)
    fill(page, day, 20)
    page.locator("#policy-preset").click()
    page.get_by_text("live_stream: ", exact=False).click()
    page.wait_for_function("document.querySelector('#policy-name').value === 'live_stream'")
    page.locator("#opt-levers").click()
    page.get_by_text("commission per referral level (level 1)", exact=True).click()
    top = "[id='{\"key\":\"brands.Glow.policy.referral.rates.0\",\"type\":\"opt-max\"}']"
    page.wait_for_selector(top)
    fill(page, top, 0.4)
    fill(page, "#opt-candidates", 8)
    page.locator("#opt-run").click()
    page.wait_for_selector("#opt-summary", timeout=600000)
    page.wait_for_timeout(500)
    page.locator("#section-setup").screenshot(path=str(out))
    page.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/img/dashboard.png"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = harness.start_server(Path(tmp) / "results", Path(tmp) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = harness.launch(pw)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(url)
                page.wait_for_selector(".lever-group")
                page.wait_for_function("localStorage.getItem('session') !== null")
                page.locator("#scenario").click()
                page.locator(".dash-options-list-option-text", has_text=SCENARIO).click()
                page.wait_for_function("document.querySelector('#brand').textContent.includes('Hype')")
                page.locator("#policy-select label", has_text="variant").click()  # "base" stays the reference
                page.wait_for_function("document.querySelector('#policy-name').value === 'variant'")
                for k, (name, (brand, levers)) in enumerate(POLICIES.items()):
                    if k:  # a new policy's levers are drawn with its name: wait for the name
                        page.locator("#policy-add").click()
                        page.wait_for_function(f"document.querySelector('#policy-name').value === 'policy_{k + 2}'")
                    page.locator("#brand label", has_text=brand).click()
                    page.wait_for_selector(lever(next(iter(levers))))
                    for key, value in levers.items():  # levers before the name: a rename redraws them
                        fill(page, lever(key), value)
                        page.wait_for_function(f"document.querySelector('#policy-yaml').textContent.includes('{key}')")
                    fill(page, "#policy-name", name)
                    page.wait_for_function(f"document.querySelector('#policy-yaml').textContent.startsWith('{name}:')")
                fill(page, "#consumers", 5000)
                fill(page, "#days", 90)
                fill(page, "#replications", 5)
                fill(page, "#exp-name", "three_policies")
                page.locator("#run").click()
                page.wait_for_selector("#summary-table tr.summary-row", timeout=600000)
                page.locator("#my-brand").click()
                page.locator(".dash-dropdown-option", has_text=MY_BRAND).click()
                page.wait_for_function(f"document.querySelector('#brand-table-title').textContent.startsWith("
                                       f"'{MY_BRAND}:')")
                page.locator("#network-draw").click()
                page.wait_for_function("((document.querySelector('#network-graph .js-plotly-plot') || {}).data "
                                       "|| []).length > 2", timeout=120000)
                page.wait_for_timeout(1500)  # let plotly finish drawing
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.locator("#section-compare").screenshot(path=str(args.out))
                session = page.evaluate("localStorage.getItem('session')")
                phone = reopen(browser.new_page(viewport={"width": 390, "height": 1400}, is_mobile=True), url,
                               session, "en")
                phone.screenshot(path=str(args.out.with_name(args.out.stem + "_phone.png")))
                setup_screenshot(browser, url, args.out.with_name(args.out.stem + "_setup.png"))
                zh = reopen(browser.new_page(viewport={"width": 1400, "height": 900}), url, session, "zh-CN")
                zh.locator("#section-compare > div > .card").first.screenshot(
                    path=str(args.out.with_name(args.out.stem + "_zh.png")))
                browser.close()
        finally:
            harness.stop_server(proc)
    print(f"wrote {args.out} and its _phone, _setup and _zh pictures")


if __name__ == "__main__":
    main()
