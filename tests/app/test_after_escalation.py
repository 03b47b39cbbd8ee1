"""Escalation on closing: the third episode on day 30 refers to a MARM, on day 31 it does not; an
exploitation flag or a flagged first episode refers at once; continued episodes go to a MACE.
Meetings, actions and the child's timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from misper.app.children.timeline import child_timeline
from misper.app.episodes.closing import close_episode
from misper.app.errors import Invalid, NotFound
from misper.app.escalation import meetings
from misper.app.escalation.models import Referral
from misper.app.notifications.models import Notification

DAY0 = datetime(2024, 3, 1, 22, 0)


def episode_closed(session, world, day, rid, child="away", flags=None):
    at = DAY0 + timedelta(days=day)
    world.episode(session, child, at, rid=rid, risk_flags=flags)
    return close_episode(
        session, world.actors["mispers"], rid, 1, {"found_at": at + timedelta(hours=5)}, [], []
    )[3]


@pytest.mark.parametrize("third_day, referred", [(30, True), (31, False)])
def test_third_episode_within_30_days(store, third_day, referred):
    session, world = store
    assert episode_closed(session, world, 0, "e1") is None
    assert episode_closed(session, world, 15, "e2") is None
    referral = episode_closed(session, world, third_day, "e3")
    assert (referral is not None) == referred
    if referred:
        assert referral.meeting == "marm" and "3 episodes within 30 days" in referral.reason
        council = world.agencies["placing"].id
        assert session.scalar(
            select(Notification.subject).where(
                Notification.agency_id == council, Notification.subject.like("MARM referral%")
            )
        )


def test_exploitation_flag_refers_at_once_and_only_once(store):
    session, world = store
    first = episode_closed(session, world, 0, "e1", flags=["county_lines"])
    assert first.meeting == "marm" and "county_lines" in first.reason
    assert episode_closed(session, world, 2, "e2", flags=["county_lines"]) is None
    assert (
        session.scalar(
            select(Referral.id).where(Referral.meeting == "marm").order_by(Referral.id.desc())
        )
        == first.id
    )


def test_a_first_episode_without_indicators_is_not_referred(store):
    session, world = store
    assert episode_closed(session, world, 0, "e1", flags=["mental_health"]) is None


def test_episodes_continuing_after_a_marm_escalate_to_mace(store):
    session, world = store
    marm = episode_closed(session, world, 0, "e1", flags=["cse"])
    marm.referred_at = DAY0 + timedelta(days=1)  # the referral made the day after
    session.flush()
    assert episode_closed(session, world, 10, "e2") is None  # one episode after: not yet
    mace = episode_closed(session, world, 20, "e3")
    assert mace.meeting == "mace" and "2 episodes within 90 days after the MARM" in mace.reason
    assert episode_closed(session, world, 25, "e4") is None  # a MACE already stands


def test_meetings_actions_and_the_timeline_in_order(store):
    session, world = store
    coord = world.actors["coord.placing"]
    referral = episode_closed(session, world, 0, "e1", flags=["cce"])
    referral.referred_at = DAY0 + timedelta(days=1)
    with pytest.raises(Invalid):
        meetings.record_meeting(session, coord, referral.id, DAY0, None, None, now=DAY0)
    meeting = meetings.record_meeting(
        session,
        coord,
        referral.id,
        DAY0 + timedelta(days=3),
        "police, council, home",
        "safety plan agreed",
        now=DAY0 + timedelta(days=3, hours=2),  # recorded the day it was held
    )
    action = meetings.add_action(
        session, coord, meeting.id, "Disrupt the associate", world.agencies["force"].id, None
    )
    meetings.complete_action(session, coord, action.id, "notice served")
    [(m, [a])] = meetings.meetings_of(session, coord, referral.id)
    assert (m.summary, a.outcome) == ("safety plan agreed", "notice served")
    events = child_timeline(session, coord, "P-away")
    kinds = [e["kind"] for e in events]
    assert kinds[:2] == ["episode", "found"]
    assert {"referral", "meeting", "action"} <= set(kinds)
    texts = [e["text"] for e in events]
    assert texts.index("Action agreed: Disrupt the associate") < texts.index(
        "Action done: Disrupt the associate (notice served)"
    )
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    with pytest.raises(NotFound):  # another force: outside its scope
        meetings.record_meeting(session, world.actors["other.force"], referral.id, DAY0, None, None)
