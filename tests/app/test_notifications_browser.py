"""A notice in a real browser, at phone width: the missing persons team opens it from the list,
lands on the episode it is about, and the header's unread count drops by one; a user of another
force cannot open it (404); the email preference is chosen on the account pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.after_world import build
from app.browsing import log_in, serving, violations
from app.world import PASSWORD
from misper.app.auth.service import hasher
from misper.app.notifications.service import notify

pytestmark = pytest.mark.browser


@pytest.fixture
def server(database_url, sessions):
    if not database_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases; one browser run is enough")
    session = sessions()
    world = build(session, hasher.hash(PASSWORD))
    force = world.agencies["force"].id
    episode = world.episode(session, "away", datetime.now() - timedelta(hours=2), rid="first")
    seen = notify(session, force, "Sighting reported for missing episode first", episode.id)
    notify(session, force, "Review due: episode first was delayed", episode.id)
    session.commit()
    seen_id = seen.id
    session.close()
    with serving(database_url) as base:
        yield base, seen_id


def _phone(browser, base, username):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    log_in(page, base, username)
    page.wait_for_url(f"{base}/")
    return context, page


def test_opening_a_notice_lands_on_its_case_and_the_count_drops(server, browser):
    base, seen_id = server
    context, page = _phone(browser, base, "mispers")
    count = page.locator("#unread-count")
    assert count.inner_text() == "2"
    page.get_by_role("link", name="Notifications").first.click()
    page.wait_for_url(f"{base}/notifications")
    assert violations(page) == []
    page.get_by_role("link", name="Sighting reported for missing episode first").click()
    page.wait_for_url(f"{base}/episodes/first")
    assert count.inner_text() == "1"
    # Back on the list it is read; the other one is marked read with its button.
    page.goto(f"{base}/notifications")
    assert page.get_by_role("button", name="Mark as read").count() == 1
    page.get_by_role("button", name="Mark as read").click()
    page.wait_for_url(f"{base}/notifications")
    assert count.inner_text() == "0"
    assert page.get_by_role("button", name="Mark all as read").count() == 0
    context.close()

    # A user of another force: the notice is not theirs, answered as one that does not exist.
    context, page = _phone(browser, base, "other.force")
    answer = page.goto(f"{base}/notifications/{seen_id}")
    assert answer.status == 404
    assert page.get_by_role("heading", name="Not found").count() == 1
    context.close()


def test_choosing_a_daily_digest_on_the_account_page(server, browser):
    base, _seen = server
    context, page = _phone(browser, base, "mispers")
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Choose whether your notices are emailed to you").click()
    page.wait_for_url(f"{base}/account/notifications")
    page.get_by_label("Once a day, a digest of the day's notices").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Give the address to email your notices to").count() >= 1
    page.get_by_label("Email address").fill("mispers@example.org")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").inner_text() == "Saved."
    assert page.get_by_label("Once a day, a digest of the day's notices").is_checked()
    assert violations(page) == []
    context.close()
