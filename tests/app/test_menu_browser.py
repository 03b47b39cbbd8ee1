"""The service navigation in a real browser: at a phone's width (390 px) the menu folds behind its
"Menu" button so the page's work comes first, the button opens it from the keyboard and says so
(aria-expanded); at a desktop's width, and without JavaScript, the menu is shown whole."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.browsing import log_in, serving, violations
from app.world import build_world
from misper.app.users.models import Role

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def menu_server(database_url, sessions):
    if not database_url.startswith("sqlite"):
        pytest.skip("the page is the same on both databases; one browser run is enough")
    with sessions() as session:
        build_world(session)
        session.commit()
    with serving(database_url) as base:
        yield base


def _signed_in(browser, base, viewport, javascript=True):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, base, Role.police_mispers.value)
    page.wait_for_url(f"{base}/")
    return context, page


def test_at_phone_width_the_menu_is_folded_and_the_keyboard_opens_it(menu_server, browser):
    context, page = _signed_in(browser, menu_server, PHONE)
    page.goto(f"{menu_server}/episodes")
    toggle = page.get_by_role("button", name="Menu")
    menu = page.locator("#main-menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    # The page's own heading starts within the first screen, above the fold.
    assert page.get_by_role("heading", name="Episodes").bounding_box()["y"] < PHONE["height"] / 3
    page.screenshot(path="/tmp/h9/phone-closed.png", full_page=False)
    assert violations(page) == []
    for _ in range(12):  # from the top of the page, Tab reaches the button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.menuToggle !== undefined"):
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Episodes")).to_be_visible()
    page.screenshot(path="/tmp/h9/phone-open.png", full_page=False)
    assert violations(page) == []
    page.keyboard.press("Tab")  # the first link of the opened menu is next
    expect(menu.get_by_role("link", name="Home", exact=True)).to_be_focused()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    context.close()


def test_at_desktop_width_the_menu_is_shown_and_the_button_is_not(menu_server, browser):
    context, page = _signed_in(browser, menu_server, DESKTOP)
    page.goto(f"{menu_server}/episodes")
    expect(page.locator("#main-menu")).to_be_visible()
    expect(page.locator("#main-menu").get_by_role("link", name="Episodes")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    assert violations(page) == []
    context.close()


def test_without_javascript_the_menu_is_shown_at_phone_width(menu_server, browser):
    context, page = _signed_in(browser, menu_server, PHONE, javascript=False)
    page.goto(f"{menu_server}/episodes")
    expect(page.locator("#main-menu").get_by_role("link", name="Episodes")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    context.close()


def test_a_sorted_list_at_phone_width_says_how_it_is_sorted(menu_server, browser):
    context, page = _signed_in(browser, menu_server, PHONE)
    page.goto(f"{menu_server}/episodes?status=all")
    header = page.get_by_role("columnheader", name="Reported")
    expect(header).to_have_attribute("aria-sort", "descending")  # newest first
    header.get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Reported")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert "sort=reported" in page.url
    expect(page.get_by_role("link", name="Download the row (CSV)")).to_be_visible()
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A dashboard's own menu folds too, so its tables come first.
    page.goto(f"{menu_server}/dashboards/frequent")
    toggle = page.get_by_role("button", name="Dashboards")
    expect(toggle).to_be_visible()
    expect(page.locator("#dashboards-menu")).to_be_hidden()
    toggle.click()
    expect(page.locator("#dashboards-menu")).to_be_visible()
    page.screenshot(path="/tmp/h9/dashboards-open.png", full_page=True)
    assert violations(page) == []
    context.close()
