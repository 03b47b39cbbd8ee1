"""In Chromium, on a phone-sized screen: a carer goes through the flowchart and reports; the control
room sees the profile and the wait guidance, assesses risk, delays with a review time, is reminded
when it falls due, then deploys; the tasks for the level appear and are worked. Each page passes
axe. Each test has a store of its own, the world as built plus what the test itself sets up."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from app.browsing import log_in as _log_in
from app.browsing import serving
from app.browsing import violations as _violations
from app.world import AGENCY_OF_ROLE, KINDS, build_world
from misper.app.access import Actor
from misper.app.children.models import Child
from misper.app.db import make_engine, session_factory
from misper.app.episodes.models import Associate, ControlRoomDecision, Episode, EpisodeAssociate
from misper.app.flowchart import service as flowchart
from misper.app.groups.models import Group, GroupAffiliation, GroupRivalry
from misper.app.users.models import Role, User
from misper.process.config import load_task_library
from misper.process.tasks import tasks_for

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def server(sqlite_template, tmp_path):
    """The app on loopback over a SQLite copy of the world of the test's own: each test starts from
    the world as built, whatever ran before it (the pages do not differ by database; the API tests
    cover PostgreSQL)."""
    path = tmp_path / "store.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with session_factory(engine)() as session:
        build_world(session)
        session.commit()
    engine.dispose()
    with serving(url) as base:
        yield base, url


def _actor(session, role: Role) -> Actor:
    user = session.scalar(select(User).where(User.username == role.value))
    return Actor(user.id, user.username, role, user.agency_id, KINDS[AGENCY_OF_ROLE[role]])


def _child_a_back_from_the_worlds_episode(url: str) -> None:
    """Child A found from the world's open episode (ep-a), so that a new absence may be reported:
    a child already missing is reported only once (test_episode_merge.py)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            update(Episode).where(Episode.rid == "ep-a").values(found_at=datetime(2024, 3, 2, 9))
        )
    engine.dispose()


def _carer_reported_child_a_since_found(url: str) -> None:
    """The carer's earlier report of child A (the first test's carer steps, through the same
    services): late 20 minutes, no contact, needs medication, reported; the child since found."""
    _child_a_back_from_the_worlds_episode(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        carer = _actor(session, Role.care_staff)
        now = datetime.now()
        check = flowchart.start_check(session, carer, "child-a", now - timedelta(minutes=20), now)
        flowchart.record_step(
            session, carer, check.id, "call_child", "no_contact", now - timedelta(minutes=5), None
        )
        flowchart.set_concerns(session, carer, check.id, ["needs_medication"])
        episode, _pid = flowchart.report_to_police(session, carer, check.id)
        episode.found_at, episode.version = datetime.now(), episode.version + 1
        session.commit()
    engine.dispose()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _checked(page):
    assert _violations(page) == []
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(
        e => e.getBoundingClientRect().right > window.innerWidth + 1).map(
        e => e.tagName + '.' + e.className + ' ' + (e.id || '')).slice(0, 8)""")
    assert _fits(page), (
        wide,
        page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]"
        ),
    )


def test_carer_reports_then_control_room_triages_delays_deploys_and_works_tasks(server, browser):
    base, url = server
    _child_a_back_from_the_worlds_episode(url)
    carer = browser.new_context(viewport=PHONE)
    page = carer.new_page()
    _log_in(page, base, "care_staff")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/not-here")
    _checked(page)
    page.locator(".task", has_text="Child A").get_by_role(
        "link", name="Not where they should be"
    ).click()
    _checked(page)
    expected = datetime.now() - timedelta(minutes=20)
    page.get_by_label("When was the child expected back?").fill(f"{expected:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Start the steps").click()
    page.wait_for_url("**/checks/*")
    check_url = page.url.split("#")[0]

    # A bad answer is refused field by field, and what was typed stays.
    page.get_by_label("Note (optional)").fill("rang twice")
    page.get_by_role("button", name="Save this answer").click()
    alert = page.get_by_role("alert")
    assert "Choose one of the steps listed" in alert.inner_text()
    assert page.get_by_label("Note (optional)").input_value() == "rang twice"
    _checked(page)
    page.get_by_label("Step taken").select_option("call_child")
    page.get_by_label("No contact, not found").check()
    page.get_by_role("button", name="Save this answer").click()
    outcome = page.locator("#outcome")
    until = expected + timedelta(minutes=60)
    assert f"Keep trying until {until:%H:%M}" in outcome.inner_text()
    assert "rang twice" in page.locator(".steps").inner_text()
    _checked(page)

    page.get_by_label("The child needs medication they do not have").check()
    page.get_by_role("button", name="Save concerns").click()
    assert "Report to the police now" in page.locator("#outcome h2").inner_text()
    page.get_by_role("button", name="Report to the police now").click()
    assert "Reported to the police" in page.locator("#outcome").inner_text()
    rid = page.url.split("reported=")[1].split("#")[0]
    _checked(page)
    # The saved answers are still there when the page is opened again.
    page.goto(check_url)
    assert (
        "Call or message the child's phone: No contact, not found"
        in page.locator(".steps").inner_text()
    )
    # A sighting after the report goes on the episode; one saying nothing is refused, the
    # sector kept. The sector's box stops at the server's 8 characters.
    page.get_by_label("Sighting (everyone working the episode is told)").check()
    sector = page.get_by_label("Where: postcode sector (optional)")
    assert sector.get_attribute("maxlength") == "8"
    sector.fill("AL1 3")
    page.get_by_role("button", name="Add to the episode").click()
    assert "Say what is new" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Where: postcode sector (optional)").input_value() == "AL1 3"
    page.get_by_label("What is new").fill("seen by a friend at the bus station")
    page.get_by_role("button", name="Add to the episode").click()
    page.wait_for_url("**/checks/*")
    carer.close()

    room = browser.new_context(viewport=PHONE)
    page = room.new_page()
    _log_in(page, base, "police_control_room")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/control-room")
    assert (
        f"Sighting near AL1 3 reported for missing episode {rid}"
        in page.get_by_role("status").inner_text()
    )
    _checked(page)
    page.get_by_role("link", name=rid).click()
    page.wait_for_url(f"{base}/triage/{rid}")
    _checked(page)
    assert "tall" in page.locator("#profile-title + p + dl").inner_text()
    assert (
        "Call or message the child's phone"
        in page.locator("section", has_text="What the carer has done").inner_text()
    )
    assert "sighting near AL1 3: seen by a friend" in page.locator("#updates").inner_text()
    guidance = page.locator("section", has_text="Wait guidance")
    assert "similar episodes" in guidance.inner_text()
    assert int(page.locator("#similar-count").inner_text()) == 1  # the world's one other episode
    assert page.locator("#guidance tbody tr").count() == 6

    # Risk: refused without a reason, keeping the level chosen; then saved, and tasks appear.
    page.get_by_label("Medium").check()
    page.get_by_label("cse", exact=True).check()
    page.get_by_role("button", name="Save the assessment").click()
    assert "Say why this level" in page.get_by_role("alert").inner_text()
    assert (
        page.get_by_label("Medium").is_checked()
        and page.get_by_label("cse", exact=True).is_checked()
    )
    _checked(page)
    page.get_by_label("Reason for this level").fill("needs medication, seen with older male")
    page.get_by_role("button", name="Save the assessment").click()
    medium = tasks_for("medium", load_task_library())
    assert page.locator(".task").count() == len(medium)
    assert page.locator(".task", has_text=medium[0]).is_visible()
    _checked(page)

    # Delay with a review time; when it falls due the control room is reminded.
    review = datetime.now() + timedelta(hours=1)
    page.get_by_label("Delay, with a review time").check()
    page.get_by_label("Review at (for a delay)").fill(f"{review:%Y-%m-%dT%H:%M}")
    page.get_by_label("Reason", exact=True).fill("carer still searching; usual pattern")
    page.get_by_role("button", name="Record the decision").click()
    assert f"review at {review:%H:%M}" in page.locator("#decisions").inner_text()
    engine = make_engine(url)  # the clock moves on: the review time is now past
    with engine.begin() as connection:
        connection.execute(
            update(ControlRoomDecision)
            .where(ControlRoomDecision.decision == "delay")
            .values(review_at=datetime.now() - timedelta(minutes=1))
        )
    engine.dispose()
    page.goto(f"{base}/control-room")
    assert f"Review due: episode {rid}" in page.get_by_role("status").inner_text()
    assert "review due" in page.locator("tr", has_text=rid).inner_text()
    _checked(page)

    page.get_by_role("link", name=rid).click()
    page.get_by_label("Deploy now").check()
    page.get_by_label("Reason", exact=True).fill("no contact after review")
    page.get_by_role("button", name="Record the decision").click()
    assert "Deploy now" in page.locator("#decisions ol").inner_text()

    first = page.locator(".task").first
    first.get_by_role("button", name="Done, it helped").click()
    assert "done (helped find the child)" in page.locator(".task").first.inner_text()
    second = page.locator(".task").nth(1)
    second.get_by_role("button", name="Not needed").click()  # no reason: refused
    assert "say why the task is not needed" in page.locator(".task").nth(1).inner_text()
    page.locator(".task").nth(1).get_by_label("Not needed because").fill(
        "already in custody records"
    )
    page.locator(".task").nth(1).get_by_role("button", name="Not needed").click()
    assert "not needed: already in custody records" in page.locator(".task").nth(1).inner_text()
    third = page.locator(".task").nth(2)
    third.get_by_label("Assign to (username)").fill("nobody-here")
    third.get_by_role("button", name="Assign").click()
    assert "no police user of your force" in page.locator(".task").nth(2).inner_text()
    assert (
        page.locator(".task").nth(2).get_by_label("Assign to (username)").input_value()
        == "nobody-here"
    )
    page.locator(".task").nth(2).get_by_label("Assign to (username)").fill("police_officer")
    page.locator(".task").nth(2).get_by_role("button", name="Assign").click()
    assert "assigned to police_officer" in page.locator(".task").nth(2).inner_text()
    _checked(page)

    # Once the child is found, the task review counts what was done and what helped.
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            update(Episode)
            .where(Episode.rid == rid)
            .values(found_at=datetime.now(), version=Episode.version + 1)
        )
    engine.dispose()
    page.goto(f"{base}/task-review")
    helped = page.locator("tr", has_text=medium[0]).inner_text()
    assert "medium" in helped and "1 (100% of done)" in helped
    assert "1" in page.locator("tr", has_text=medium[1]).locator("td").nth(4).inner_text()
    _checked(page)
    room.close()


def test_carer_sees_what_the_profile_lacks_and_reviewing_it_clears_the_reminder(server, browser):
    base, url = server
    _carer_reported_child_a_since_found(url)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _log_in(page, base, "care_staff")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/not-here")
    page.locator(".task", has_text="Child A").get_by_role("link", name="Philomena profile").click()
    review = page.locator("#review")
    assert "7% complete" in review.inner_text()  # 1 of 15 fields
    assert "overdue since" in review.inner_text()
    assert page.get_by_label("Physical description").input_value() == "tall"
    _checked(page)
    page.get_by_label("Known triggers").fill("x" * 4001)
    page.get_by_label("Places frequented").fill("the station, the park")
    page.get_by_role("button", name="Save as reviewed").click()
    assert "at most 4000 characters" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Places frequented").input_value() == "the station, the park"
    _checked(page)
    page.get_by_label("Known triggers").fill("arguments about phone use")
    page.get_by_role("button", name="Save as reviewed").click()
    assert "Saved as reviewed today" in page.get_by_role("status").inner_text()
    assert "20% complete" in page.locator("#review").inner_text()  # 3 of 15
    assert "overdue" not in page.locator("#review").inner_text()
    # The history comes from the store: the world's episode and the one the carer reported earlier.
    assert "2 episodes" in page.locator("section", has_text="Missing history").inner_text()
    _checked(page)

    # The wait agreed in the child's risk plan: refused unless whole minutes up to 24 hours, kept
    # as typed; once saved, the carer's flowchart waits that long instead of the usual hour.
    wait = page.get_by_label("Agreed wait before reporting (minutes)")
    assert wait.input_value() == ""
    wait.fill("an hour")
    page.get_by_role("button", name="Save as reviewed").click()
    assert "whole number of minutes" in page.get_by_role("alert").inner_text()
    assert wait.input_value() == "an hour"
    _checked(page)
    wait.fill("1441")
    page.get_by_role("button", name="Save as reviewed").click()
    assert "from 0 to 1440 (24 hours)" in page.get_by_role("alert").inner_text()
    wait.fill("30")
    page.get_by_role("button", name="Save as reviewed").click()
    assert "Saved as reviewed today" in page.get_by_role("status").inner_text()
    assert wait.input_value() == "30"
    assert page.get_by_label("Known triggers").input_value() == "arguments about phone use"
    page.goto(f"{base}/children/child-a/not-here")
    expected = datetime.now() - timedelta(minutes=10)
    page.get_by_label("When was the child expected back?").fill(f"{expected:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Start the steps").click()
    page.wait_for_url("**/checks/*")
    page.get_by_label("Step taken").select_option("call_child")
    page.get_by_label("No contact, not found").check()
    page.get_by_role("button", name="Save this answer").click()
    outcome = page.locator("#outcome").inner_text()
    assert f"Keep trying until {expected + timedelta(minutes=30):%H:%M}" in outcome
    assert "the wait agreed in the child's risk plan, 30 minutes" in outcome
    _checked(page)
    context.close()


def test_council_checks_a_placement_and_learns_only_what_it_may_see(server, browser):
    base, url = server
    engine = make_engine(url)  # child A and child B (placed in home b) shared an adult
    with engine.begin() as connection:
        # Each force holds its own record of the adult (the placement check matches their ids).
        for id_, (episode, force) in enumerate(
            connection.execute(
                select(Episode.id, Episode.force_id).where(Episode.rid.in_(["ep-a", "ep-b"]))
            ).all(),
            start=900,
        ):
            connection.execute(
                insert(Associate).values(
                    id=id_, force_id=force, associate_id="adult-9", kind="person"
                )
            )
            connection.execute(
                insert(EpisodeAssociate).values(episode_id=episode, associate_id=id_, position=0)
            )
        # Police intelligence: child A runs with one group, child B with its rival.
        users = connection.scalar(select(User.id).where(User.username == "police_mispers"))
        forces = dict(
            connection.execute(
                select(Child.pid, Episode.force_id)
                .join(Child, Child.id == Episode.child_id)
                .where(Episode.rid.in_(["ep-a", "ep-b"]))
            ).all()
        )
        children = dict(connection.execute(select(Child.pid, Child.id)).all())
        connection.execute(
            insert(Group),
            [
                {
                    "id": 900,
                    "force_id": forces["child-a"],
                    "name": "Northside crew",
                    "created_by": users,
                    "created_at": datetime(2024, 1, 1),
                },
                {
                    "id": 901,
                    "force_id": forces["child-b"],
                    "name": "Southside crew",
                    "created_by": users,
                    "created_at": datetime(2024, 1, 1),
                },
            ],
        )
        connection.execute(
            insert(GroupRivalry).values(
                group_id=900, rival_id=901, created_by=users, created_at=datetime(2024, 1, 1)
            )
        )
        connection.execute(
            insert(GroupAffiliation),
            [
                {
                    "child_id": children[pid],
                    "group_id": g,
                    "note": "seen with them",
                    "created_by": users,
                    "created_by_agency_id": forces[pid],
                    "created_at": datetime(2024, 1, 1),
                }
                for pid, g in (("child-a", 900), ("child-b", 901))
            ],
        )
    engine.dispose()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _log_in(page, base, "council_missing_coordinator")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/placement-check")
    page.get_by_role("button", name="Check").click()
    assert "choose the child" in page.get_by_role("alert").inner_text()
    page.get_by_label("Child").select_option(label="Child A")
    page.get_by_label("Home (place id)").fill("place-b")
    page.get_by_role("button", name="Check").click()
    result = page.locator("#result").inner_text()
    assert (
        "whose record you may not see: 1 shared associate; linked to a group that is a rival "
        "of the child's"
    ) in result
    assert "ask the police missing persons team" in result
    assert "child-b" not in result and "adult-9" not in result
    assert "crew" not in result.lower() and "seen with them" not in result
    _checked(page)
    context.close()


def test_control_room_takes_a_parents_report_for_a_child_new_to_the_store(server, browser):
    base, _url = server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _log_in(page, base, "police_control_room")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/not-here")
    page.get_by_label("Date of birth").fill("2011-02-03")
    page.get_by_role("button", name="Start the steps").click()
    assert "Enter the child's name" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Date of birth").input_value() == "2011-02-03"
    _checked(page)
    page.get_by_label("Child's name").fill("Sam Example")
    page.get_by_label("When was the child expected back?").fill(
        f"{datetime.now() - timedelta(hours=3):%Y-%m-%dT%H:%M}"
    )
    page.get_by_role("button", name="Start the steps").click()
    page.wait_for_url("**/checks/*")
    # Three hours late with the default hour's wait: the flowchart says report now.
    assert "Report to the police now" in page.locator("#outcome h2").inner_text()
    page.get_by_role("button", name="Report to the police now").click()
    assert "Reported to the police" in page.locator("#outcome").inner_text()
    context.close()
