"""One child through the after-episode stage in a real browser: the episode closed by the police,
the interview gone overdue and notified, completed and shared by the council, a third episode in
30 days raising a MARM referral, and the dashboards updating along the way."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from app.after_world import build
from app.browsing import serving
from app.browsing import violations as _violations
from app.world import PASSWORD
from misper.app.auth.service import hasher
from misper.app.episodes.closing import close_episode
from misper.app.interviews import return_home

pytestmark = pytest.mark.browser


@pytest.fixture
def server(database_url, sessions):
    if not database_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases; one browser run is enough")
    session = sessions()
    world = build(session, hasher.hash(PASSWORD))
    now = datetime.now()
    world.episode(session, "away", now - timedelta(days=10), rid="first")
    first = close_episode(
        session,
        world.actors["mispers"],
        "first",
        1,
        {"found_at": now - timedelta(days=10) + timedelta(hours=3)},
        [],
        [],
    )[2]
    return_home.record(
        session,
        world.actors["coord.placing"],
        first.id,
        1,  # done on time
        {"offered": True, "accepted": True, "completed_at": now - timedelta(days=9)},
        None,
        None,
        now,
    )
    world.episode(session, "away", now - timedelta(days=4), rid="second")
    world.episode(session, "away", now - timedelta(hours=2), rid="third")
    session.commit()
    session.close()
    with serving(database_url) as base:
        yield base


def _as(browser, base, username):
    context = browser.new_context(viewport={"width": 375, "height": 740})  # a phone
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    return context, page


def _close(page, base, rid, found_at: datetime):
    page.goto(f"{base}/episodes/{rid}/close")
    page.get_by_label("When found").fill(found_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("How", exact=True).select_option("returned_self")
    page.get_by_label("Postcode sector where found").fill("SG1 1")
    page.get_by_role("button", name="Close the episode").click()
    page.wait_for_url(f"{base}/children/P-away/timeline")


def test_one_child_through_the_after_stage(server, browser):
    now = datetime.now()
    police, page = _as(browser, server, "mispers")
    page.goto(f"{server}/dashboards/open")
    assert "second" in page.locator("table").first.inner_text()
    assert _violations(page) == []
    # 1. The police close the second episode: found 73 hours ago, so its interview is overdue.
    _close(page, server, "second", now - timedelta(hours=73))
    assert "Found" in page.locator("table").inner_text()
    page.goto(f"{server}/dashboards/open")
    assert "second" not in page.locator("table").first.inner_text()

    # 2. The placing council is notified that the interview is overdue and sees it on its list.
    council, cpage = _as(browser, server, "coord.placing")
    cpage.goto(f"{server}/notifications")
    assert "overdue" in cpage.locator("table").inner_text()
    cpage.goto(f"{server}/dashboards/interviews")
    overdue = cpage.get_by_role("table", name="Overdue (not done within 72 hours)")
    assert "P-away" in overdue.inner_text()
    assert _violations(cpage) == []
    # 3. The interview is completed, with findings, and the reasons shared with the police.
    overdue.locator("tbody").get_by_role("link", name="Interview").first.click()
    cpage.get_by_label("Offered").check()
    cpage.get_by_label("Accepted").check()
    cpage.get_by_label("Completed at").fill(now.strftime("%Y-%m-%dT%H:%M"))
    cpage.get_by_label("friends partner").check()
    cpage.get_by_label("Notes").fill("Stays with an older friend after school.")
    cpage.get_by_role("group", name="Share with the police").get_by_label("reason codes").check()
    cpage.get_by_role("button", name="Save the interview").click()
    assert cpage.get_by_role("status").inner_text() == "Saved."
    assert "completed late" in cpage.locator("main").inner_text()
    assert _violations(cpage) == []

    # 4. The third episode in 30 days, closed, raises a MARM referral.
    _close(page, server, "third", now - timedelta(minutes=30))
    assert "Referred to MARM" in page.locator("table").inner_text()
    # The meeting it leads to, an action and its outcome, recorded against the child.
    page.get_by_role("table").get_by_role("link", name=re.compile(r"^Referral \d+$")).click()
    page.get_by_label("Held at").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("What was agreed").fill("Safety plan with the home")
    page.get_by_role("button", name="Record the meeting").click()
    page.get_by_label("New action").fill("Return interview follow-up")
    page.get_by_role("button", name="Add the action").click()
    page.get_by_label("Outcome of this action").fill("done by the council")
    page.get_by_role("button", name="Mark done").click()
    assert "done by the council" in page.locator("main").inner_text()
    assert _violations(page) == []
    page.get_by_role("link", name="P-away").click()
    assert "Meeting held: Safety plan with the home" in page.locator("table").inner_text()
    page.goto(f"{server}/dashboards/frequent")
    frequent = page.get_by_role("table", name="Three or more episodes in the last year")
    assert "MARM referred" in frequent.get_by_role("row").filter(has_text="P-away").inner_text()
    rising = page.get_by_role("table", name="Emerging frequent: recent frequency rising")
    assert "P-away" in rising.inner_text()
    assert _violations(page) == []

    # 5. The council's dashboards have moved on: nothing overdue, the month's compliance counted.
    cpage.goto(f"{server}/dashboards/interviews")
    assert (
        "P-away"
        not in cpage.get_by_role("table", name="Overdue (not done within 72 hours)").inner_text()
    )
    compliance = cpage.get_by_role("table", name="Compliance per month of return").inner_text()
    assert (
        now.strftime("%Y-%m") in compliance
        or (now - timedelta(days=10)).strftime("%Y-%m") in compliance
    )
    page.goto(f"{server}/dashboards/network")
    assert page.get_by_role("heading", level=1).inner_text() == "Co-missing network"
    police.close()
    council.close()
