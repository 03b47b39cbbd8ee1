"""The Philomena profile's completeness, its review every 90 days and on a placement change, the
reminder to the care home, once per due time, and the agreed wait of the child's risk plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from misper.app.errors import Invalid
from misper.app.notifications.models import Notification
from misper.app.philomena import review
from misper.app.philomena import service as profiles
from misper.app.placements.models import Placement
from misper.app.users.models import Role
from misper.process.philomena import FIELDS

REVIEWED = datetime(2024, 1, 2)  # the world's profile version 1


def test_status_shows_completeness_missing_fields_and_the_90_day_review(world):
    session, w = world
    status = review.profile_status(session, w.actor(Role.care_staff), w.a.child.pid)
    assert status.version == 1 and status.content == {"description": "tall"}
    assert status.share == pytest.approx(1 / len(FIELDS))
    assert len(status.missing) == len(FIELDS) - 1 and FIELDS["description"] not in status.missing
    assert status.due == REVIEWED + timedelta(days=90)
    assert not status.overdue(REVIEWED + timedelta(days=89)) and status.overdue(status.due)


def test_a_placement_change_makes_the_review_due_at_once(world):
    session, w = world
    session.add(
        Placement(
            child_id=w.a.child.id,
            home_id=w.a.home.id,
            placing_council_id=w.a.agencies["council"].id,
            start_date=date(2024, 2, 1),
        )
    )
    session.flush()
    status = review.profile_status(session, w.actor(Role.care_staff), w.a.child.pid)
    assert status.due == datetime(2024, 2, 1)


def test_reminder_fires_once_per_due_time_to_the_care_home(world):
    session, w = world
    due = REVIEWED + timedelta(days=90)
    assert review.remind_reviews(session, due - timedelta(minutes=1)) == 0
    assert review.remind_reviews(session, due) == 2  # both sides' children, same dates
    assert review.remind_reviews(session, due + timedelta(days=1)) == 0
    subjects = session.scalars(
        select(Notification.subject).where(
            Notification.agency_id == w.a.agencies["provider"].id,
            Notification.subject.like("Philomena%"),
        )
    ).all()
    assert subjects == [
        f"Philomena profile review due for child {w.a.child.pid} (since 01 Apr 2024)"
    ]
    # Reviewing (saving) restarts the 90 days: no reminder until then.
    review.save_review(
        session,
        w.actor(Role.care_staff),
        w.a.child.pid,
        {"description": "tall, red coat", "medical": "ADHD, takes medication"},
    )
    after = datetime.now() + timedelta(days=89)
    assert review.remind_reviews(session, after) == 0


def test_saving_refuses_unknown_or_overlong_fields_and_drops_empty_ones(world):
    session, w = world
    carer = w.actor(Role.care_staff)
    with pytest.raises(Invalid) as caught:
        review.save_review(session, carer, w.a.child.pid, {"shoe_size": "5"})
    assert caught.value.fields[0]["field"] == "shoe_size"
    with pytest.raises(Invalid) as caught:
        review.save_review(session, carer, w.a.child.pid, {"triggers": "x" * 4001})
    assert caught.value.fields[0]["field"] == "triggers"
    saved = review.save_review(
        session, carer, w.a.child.pid, {"triggers": " arguments at school ", "associates": "  "}
    )
    assert saved.version == 2 and saved.content == {"triggers": "arguments at school"}


def test_the_agreed_wait_is_validated_and_versioned_with_the_profile(world):
    session, w = world
    carer = w.actor(Role.care_staff)
    for bad, message in (
        ("an hour", "whole number of minutes"),
        ("-5", "whole number of minutes"),
        ("1441", "from 0 to 1440"),
    ):
        with pytest.raises(Invalid) as refused:
            review.save_review(session, carer, w.a.child.pid, {"agreed_wait_minutes": bad})
        assert refused.value.fields[0]["field"] == "agreed_wait_minutes"
        assert message in refused.value.fields[0]["message"]
    with pytest.raises(Invalid):  # the API's integer, out of range, is refused by the service too
        profiles.save_profile(session, carer, w.a.child.pid, {}, agreed_wait_minutes=24 * 60 + 1)
    saved = review.save_review(
        session,
        carer,
        w.a.child.pid,
        {"agreed_wait_minutes": " 45 ", "triggers": "phone taken away"},
    )
    assert (saved.version, saved.agreed_wait_minutes) == (2, 45)
    assert saved.content == {"triggers": "phone taken away"}  # not one of the form's fields
    status = review.profile_status(session, carer, w.a.child.pid)
    assert status.agreed_wait_minutes == 45
    assert profiles.agreed_wait(session, w.a.child.id) == 45
    # A later version without it drops it (each version is whole); the old one keeps its value.
    review.save_review(session, carer, w.a.child.pid, {"triggers": "phone taken away"})
    assert profiles.agreed_wait(session, w.a.child.id) is None
    history = profiles.profile_history(session, carer, w.a.child.pid)
    assert [p.agreed_wait_minutes for p in history] == [None, 45, None]
