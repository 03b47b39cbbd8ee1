"""The web pages in a real browser: each role logs in and sees its own menu only; pages pass axe."""

from __future__ import annotations

import socket
from contextlib import contextmanager
import threading
import time

import pytest

from misper.app.users.models import Role
from app.world import PASSWORD

pytestmark = pytest.mark.browser

# Written out by hand from the rules, not computed from `access`, so the two check each other.
EXPECTED_MENU = {
    Role.care_staff: ["Children", "Episodes", "Not where they should be", "Dashboards"],
    Role.police_mispers: ["Children", "Episodes", "Not where they should be", "Control room",
                          "Task review", "Return home interviews", "Referrals", "Dashboards"],
    Role.police_control_room: ["Children", "Episodes", "Not where they should be", "Control room",
                               "Task review", "Return home interviews", "Dashboards"],
    Role.police_officer: ["Children", "Episodes", "Not where they should be", "Control room",
                          "Task review", "Return home interviews", "Dashboards"],
    Role.council_social_worker: ["Children", "Episodes", "Placement check",
                                 "Return home interviews", "Referrals", "Dashboards"],
    Role.council_missing_coordinator: ["Children", "Episodes", "Placement check",
                                       "Return home interviews", "Referrals", "Dashboards"],
    Role.rhi_worker: ["Return home interviews"],
    Role.analyst: ["Exports"],
    Role.admin: ["Users", "Audit"],
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(database_url: str):
    """The app on a free loopback port in a thread, for the browser tests; yields its base URL."""
    import uvicorn

    from misper.app.main import create_app

    app = create_app(database_url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def server(sqlite_template, tmp_path_factory):
    """The app on loopback over a SQLite copy of the world: the pages do not differ by database,
    and the API tests cover PostgreSQL."""
    import shutil

    from misper.app.db import make_engine, session_factory
    from app.world import build_world

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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


def _log_in(page, base, username, password=PASSWORD):
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


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
    menu = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    assert menu == ["Home", *EXPECTED_MENU[role]]
    assert _violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A page outside the role's menu is refused, whatever the menu shows.
    hidden = {"/children", "/episodes", "/interviews", "/referrals", "/exports", "/users",
              "/audit"} - {page.get_by_role("link", name=label).first.get_attribute("href")
                           for label in EXPECTED_MENU[role]}
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
