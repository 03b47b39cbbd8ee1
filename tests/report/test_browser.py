"""The HTML opens offline in Chromium with no console errors and no network requests, axe finds
nothing serious in it, and it is much shorter than it was before long tables were folded."""

import pytest

pytestmark = pytest.mark.browser

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The fixture's report measured 33,804 px at 1200 px wide before long tables and the tables drawn
# by a chart were folded (about 23,400 px after); the bound leaves room for fonts and engines.
MAX_HEIGHT = 26_000


def test_report_opens_offline_without_errors(outputs, tmp_path):
    from playwright.sync_api import sync_playwright

    report, paths = outputs
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request",
            lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        page.goto(paths["html"].as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
        drawn = page.locator(".js-plotly-plot").count()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        page.emulate_media(media="print")
        pdf_ok = page.locator("nav").is_visible()
        browser.close()
    assert errors == [] and requests == []
    assert drawn == sum(len(s.charts) for s in report.sections)
    assert (tmp_path / "report.png").stat().st_size > 10_000 and pdf_ok


def test_report_is_accessible_and_short(outputs):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    paths = outputs[1]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(offline=True, viewport={"width": 1200, "height": 900}).new_page()
        page.goto(paths["html"].as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
        height = page.evaluate("document.body.scrollHeight")
        found = Axe().run(page).response["violations"]
        folded = page.locator("details.collapsible").count()
        page.locator("details.collapsible summary").first.click()  # a folded table opens
        opened = page.locator("details.collapsible[open] table").first.is_visible()
        browser.close()
    serious = [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]
    assert serious == []
    fixed = ("empty-table-header", "scrollable-region-focusable")
    assert not [v["id"] for v in found if v["id"] in fixed]
    assert height < MAX_HEIGHT, height
    assert folded > 0 and opened
