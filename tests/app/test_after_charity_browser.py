"""The charity's pages in a real browser: the administrator records a partnership, the charity
worker then sees that force's emerging-frequent list (ids and why only); both pages pass axe."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.browsing import log_in as _log_in
from app.browsing import serving
from app.browsing import violations as _violations
from app.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def server(database_url, sessions):
    if not database_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases; one browser run is enough")
    from misper.app.agencies.models import Agency
    from misper.app.episodes.models import Episode
    from misper.app.users.models import Role

    session = sessions()
    world = build_world(session)  # charity a partners force a already
    now = datetime.now()
    for k, days in enumerate((1, 6, 15)):  # child b, in force b: rising
        session.add(
            Episode(
                rid=f"rise-{k}",
                child_id=world.b.child.id,
                force_id=world.b.agencies["force"].id,
                links_recorded=False,
                associates_recorded=False,
                version=1,
                updated_at=now,
                reported_at=now - timedelta(days=days),
                age=14,
                missing_from_type="home",
                record_type="missing_report",
            )
        )
    newcomer = Agency(name="charity c", kind="charity")  # no partnership yet
    session.add(newcomer)
    session.flush()
    world.users[Role.charity_worker].agency_id = newcomer.id
    session.commit()
    session.close()
    with serving(database_url) as base:
        yield base


def test_partnership_recorded_then_the_charity_sees_the_forces_list(server, browser):
    charity = browser.new_page()
    _log_in(charity, server, "charity_worker")
    charity.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Emerging frequent"
    ).click()
    assert "No force partners your charity yet" in charity.content()
    assert _violations(charity) == []

    admin = browser.new_page()
    _log_in(admin, server, "admin")
    admin.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Charity partnerships"
    ).click()
    assert _violations(admin) == []
    admin.get_by_label("Charity").select_option(label="charity c")
    admin.get_by_label("Force").select_option(label="force b")
    admin.get_by_role("button", name="Record the partnership").click()
    table = admin.get_by_role("table", name="Partnerships")
    assert "charity c" in table.inner_text()
    admin.get_by_role("button", name="Record the partnership").click()  # the same again
    assert "already partners this force" in admin.get_by_role("alert").inner_text()
    assert _violations(admin) == []

    charity.reload()
    listed = charity.get_by_role("table", name="force b: recent frequency rising")
    assert "child-b" in listed.inner_text()
    assert "3 episodes in the last 30 days" in listed.inner_text()
    assert "Child B" not in charity.content()  # the name never reaches the charity
    assert _violations(charity) == []
