"""The HTML opens offline in Chromium with no console errors and no network requests."""

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
