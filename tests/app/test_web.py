"""The web pages in a real browser: each role logs in and sees its own menu only; pages pass axe."""

from __future__ import annotations

import pytest

from app.browsing import log_in as _log_in
from app.browsing import serving
from app.browsing import violations as _violations
from app.world import PASSWORD
from misper.app.users.models import Role

pytestmark = pytest.mark.browser

# Written out by hand from the rules, not computed from `access`, so the two check each
# other.
EXPECTED_MENU = {
    Role.care_staff: ["Children", "Episodes", "Not where they should be", "Dashboards"],
    Role.police_mispers: [
        "Children",
        "Episodes",
        "Not where they should be",
        "Control room",
        "Task review",
        "Groups",
        "Return home interviews",
        "Referrals",
        "Record requests",
        "Break-glass review",
        "Dashboards",
    ],
    Role.police_control_room: [
        "Children",
        "Episodes",
        "Not where they should be",
        "Control room",
        "Task review",
        "Groups",
        "Return home interviews",
        "Dashboards",
    ],
    Role.police_officer: [
        "Children",
        "Episodes",
        "Not where they should be",
        "Control room",
        "Task review",
        "Groups",
        "Return home interviews",
        "Dashboards",
    ],
    Role.council_social_worker: [
        "Children",
        "Episodes",
        "Placement check",
        "Return home interviews",
        "Referrals",
        "Dashboards",
    ],
    Role.council_missing_coordinator: [
        "Children",
        "Episodes",
        "Placement check",
        "Return home interviews",
        "Referrals",
        "Dashboards",
    ],
    Role.rhi_worker: ["Return home interviews"],
    Role.analyst: ["Exports"],
    Role.admin: ["Users", "Audit", "Charity partnerships"],
    Role.charity_worker: ["Emerging frequent"],
}


@pytest.fixture(scope="module")
def server(sqlite_template, tmp_path_factory):
    """The app on loopback over a SQLite copy of the world: the pages do not differ by database,
    and the API tests cover PostgreSQL."""
    import shutil

    from app.world import build_world
    from misper.app.db import make_engine, session_factory

    path = tmp_path_factory.mktemp("web") / "store.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with session_factory(engine)() as session:
        build_world(session)
        session.commit()
    engine.dispose()
    with serving(url) as base:
        yield base


def test_login_page_is_accessible_and_says_what_went_wrong(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/")
    assert page.url.endswith("/login")
    assert _violations(page) == []
    _log_in(page, server, "care_staff", "not the password")
    assert page.get_by_role("alert").is_visible()
    assert "Wrong username or password" in page.get_by_role("alert").inner_text()
    assert _violations(page) == []
    page.close()


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_own_menu_only(server, browser, role):
    context = browser.new_context(viewport={"width": 375, "height": 740})  # a phone
    page = context.new_page()
    _log_in(page, server, role.value)
    page.wait_for_url(f"{server}/")
    page.get_by_role("button", name="Menu").click()  # folded at a phone's width
    menu = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    assert menu == ["Home", *EXPECTED_MENU[role]]
    assert _violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A page outside the role's menu is refused, whatever the menu shows.
    hidden = {
        "/children",
        "/episodes",
        "/interviews",
        "/referrals",
        "/exports",
        "/users",
        "/audit",
    } - {
        page.get_by_role("link", name=label).first.get_attribute("href")
        for label in EXPECTED_MENU[role]
    }
    for path in sorted(hidden)[:2]:
        assert page.goto(f"{server}{path}").status == 403
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{server}/login")
    assert page.goto(f"{server}/").url.endswith("/login")
    context.close()


def test_keyboard_alone_logs_in(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/login")
    for _ in range(5):  # skip link and the header's link come first
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "username":
            break
    assert page.evaluate("document.activeElement.id") == "username"
    page.keyboard.type("analyst")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Analyst"
    page.close()
