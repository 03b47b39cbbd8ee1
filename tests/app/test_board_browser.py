"""The control-room board in a real browser at a phone's width (390 px): the most urgent first, each
row readable without scrolling sideways, no accessibility finding, and the board refreshing itself
(board.js) when a new report comes in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.browsing import serving, violations
from app.world import PASSWORD, build_world, child_not_missing
from misper.app.episodes.models import ControlRoomDecision, Episode
from misper.app.users.models import Role

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _open(session, world, rid, hours_ago, risk, review_in=None) -> None:
    now = datetime.now()
    episode = Episode(
        rid=rid,
        child_id=child_not_missing(session, world).id,
        force_id=world.a.agencies["force"].id,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=now,
        reported_at=now - timedelta(hours=hours_ago),
        age=15,
        missing_from_type="care_home",
        missing_from_postcode_sector="AL1 1",
        risk_final=risk,
    )
    session.add(episode)
    session.flush()
    if review_in is not None:
        session.add(
            ControlRoomDecision(
                episode_id=episode.id,
                decision="delay",
                review_at=now + timedelta(hours=review_in),
                decided_at=now,
                decided_by=world.users[Role.police_control_room].id,
            )
        )
    session.commit()


@pytest.fixture
def board_server(database_url, sessions):
    if not database_url.startswith("sqlite"):
        pytest.skip("the page is the same on both databases; one browser run is enough")
    session = sessions()
    world = build_world(session)
    _open(session, world, "low-long", 30, "low")
    _open(session, world, "high-due", 2, "high", review_in=-1)
    session.commit()
    with serving(database_url) as base:
        yield base, session, world
    session.close()


def test_the_board_at_phone_width_most_urgent_first_and_refreshing_itself(board_server, browser):
    base, session, world = board_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.clock.install()  # the board's timer, moved on by the test
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(Role.police_control_room.value)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/dashboards/open")
    rows = page.locator("#board tbody tr")
    # High (review overdue), then medium (the world's ep-a), then low.
    expect(rows).to_have_count(3)
    assert [rows.nth(i).inner_text().split("episode ")[1].split()[0] for i in range(3)] == [
        "high-due",
        "ep-a",
        "low-long",
    ]
    first = rows.first.inner_text()
    assert "high" in first and "overdue by 1.0 h" in first and "care home, AL1 1" in first
    # On a phone each row is a block of labelled lines, not a table wider than the screen.
    cell = rows.first.locator("td").nth(2)
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"
    label = "td => getComputedStyle(td, '::before').content"
    assert cell.evaluate(label) == '"Risk: "'
    assert "due" in (rows.first.get_attribute("class") or "")  # highlighted
    # Every row readable at 390 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations(page) == []
    # A new report comes in; a minute later the board shows it, first (high, longest missing).
    _open(session, world, "high-new", 5, "high")
    page.clock.run_for(61_000)
    expect(rows).to_have_count(4)
    assert "episode high-due" in rows.first.inner_text()  # overdue still leads
    assert "episode high-new" in rows.nth(1).inner_text()
    context.close()
