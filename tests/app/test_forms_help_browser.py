"""In Chromium, on a phone-sized screen: a parent's report with an impossible child is refused in
the GOV.UK pattern (a summary at the top linking to each field, the message beside the field,
what was typed kept) and passes axe; corrected, it starts the steps under the child's name."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest

from app.browsing import log_in, serving, violations
from app.world import build_world
from misper.app.db import make_engine, session_factory

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def server(sqlite_template, tmp_path):
    """The app on loopback over a SQLite store of the test's own, holding the world as built."""
    path = tmp_path / "store.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with session_factory(engine)() as session:
        build_world(session)
        session.commit()
    engine.dispose()
    with serving(url) as base:
        yield base


def _words(locator) -> str:
    return " ".join(locator.inner_text().split())


def test_a_refused_report_shows_the_summary_the_messages_and_what_was_typed(browser, server):
    page = browser.new_page(viewport=PHONE)
    log_in(page, server, "police_mispers")
    page.goto(f"{server}/not-here")
    expected = f"{datetime.now() - timedelta(hours=1):%Y-%m-%dT%H:%M}"
    page.get_by_label("Child's name").fill("   ")
    page.get_by_label("Date of birth").fill("2030-01-01")
    page.get_by_label("When was the child expected back?").fill(expected)
    page.get_by_role("button", name="Start the steps").click()

    summary = page.get_by_role("alert")
    assert summary.get_by_role("link", name="Enter the child's name").get_attribute("href") == (
        "#name"
    )
    born = summary.get_by_role("link", name="The date of birth must be in the past")
    assert born.get_attribute("href") == "#date_of_birth"
    assert _words(page.locator("#name-error")) == "Error: Enter the child's name"
    assert _words(page.locator("#date_of_birth-error")) == (
        "Error: The date of birth must be in the past"
    )
    assert page.get_by_label("Date of birth").input_value() == "2030-01-01"
    assert page.get_by_label("When was the child expected back?").input_value() == expected
    # The messages fit the phone's screen and read well to a screen reader.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert violations(page) == []
    born.click()  # the summary's link takes the carer to the field
    assert page.evaluate("document.activeElement.id") == "date_of_birth"

    page.get_by_label("Child's name").fill("Jo Bloggs")
    page.get_by_label("Date of birth").fill("2012-06-30")
    page.get_by_role("button", name="Start the steps").click()
    page.wait_for_url("**/checks/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Steps taken for Jo Bloggs"
    page.close()
