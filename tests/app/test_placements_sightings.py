"""Out-of-area placements tell the host council and police; the placement check finds links without
disclosing; a sighting while the child is missing reaches everyone working the episode."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from misper.app.episodes.models import Associate, EpisodeAssociate, EpisodeLink
from misper.app.episodes.sightings import add_sighting_or_update
from misper.app.errors import Forbidden
from misper.app.notifications.models import Notification
from misper.app.placements.models import Placement
from misper.app.placements.out_of_area import UNSEEN, notify_out_of_area, placement_check
from misper.app.users.models import Role


def test_out_of_area_placement_tells_host_council_and_police_of_the_area(world):
    session, w = world
    assert notify_out_of_area(session, w.a.placement, w.a.home, w.a.child.pid) == []  # in area
    placement = Placement(child_id=w.b.child.id, home_id=w.a.home.id,
                          placing_council_id=w.b.agencies["council"].id, start_date=date(2024, 5, 6))
    session.add(placement)
    session.flush()
    told = notify_out_of_area(session, placement, w.a.home, w.b.child.pid)
    assert told == [w.a.agencies["council"].id, w.a.agencies["force"].id]
    subjects = session.scalars(select(Notification.subject).where(
        Notification.agency_id == w.a.agencies["council"].id,
        Notification.subject.like("Out-of-area%"))).all()
    assert subjects == [f"Out-of-area placement: child {w.b.child.pid} placed in Home a by "
                        f"council b from 06 May 2024"]


def test_placement_check_lists_links_and_hides_children_the_council_may_not_see(world):
    session, w = world
    council = w.actor(Role.council_missing_coordinator)
    assert placement_check(session, council, w.a.child.pid, w.b.home.id) == []
    adult = Associate(associate_id="adult-1", kind="person")
    session.add(adult)
    session.flush()
    session.add_all([EpisodeAssociate(episode_id=w.a.episode.id, associate_id=adult.id),
                     EpisodeAssociate(episode_id=w.b.episode.id, associate_id=adult.id),
                     EpisodeLink(episode_id=w.b.episode.id, linked_rid=w.a.episode.rid)])
    session.flush()
    links = placement_check(session, council, w.a.child.pid, w.b.home.id)
    assert [(l.other, l.shared_associates, l.missing_together) for l in links] == [(UNSEEN, 1, 1)]
    # Linked both ways (as closing records it) still counts the one episode once.
    session.add(EpisodeLink(episode_id=w.a.episode.id, linked_rid=w.b.episode.rid))
    session.flush()
    assert placement_check(session, council, w.a.child.pid, w.b.home.id)[0].missing_together == 1
    with pytest.raises(Forbidden):
        placement_check(session, w.actor(Role.care_staff), w.a.child.pid, w.b.home.id)


def test_a_sighting_while_missing_reaches_the_others_working_the_episode(world):
    session, w = world
    _row, told = add_sighting_or_update(session, w.actor(Role.care_staff), "ep-a", "sighting",
                                        "seen at the station", "AL1 1")
    assert told == sorted([w.a.agencies["force"].id, w.a.agencies["council"].id])
    _row, told = add_sighting_or_update(session, w.actor(Role.police_officer), "ep-a", "sighting",
                                        "seen on bus", None)
    assert told == sorted([w.a.agencies["provider"].id, w.a.agencies["council"].id])
    subjects = session.scalars(select(Notification.subject).where(
        Notification.agency_id == w.a.agencies["council"].id,
        Notification.subject.like("Sighting%"))).all()
    assert subjects == ["Sighting near AL1 1 reported for missing episode ep-a",
                        "Sighting reported for missing episode ep-a"]
    assert add_sighting_or_update(session, w.actor(Role.police_officer), "ep-a", "update",
                                  "called phone", None)[1] == []
    w.a.episode.found_at = datetime(2024, 3, 2, 9)
    session.flush()
    assert add_sighting_or_update(session, w.actor(Role.police_officer), "ep-a", "sighting",
                                  "late news", None)[1] == []


def test_placing_a_child_out_of_area_through_the_store_tells_the_host_area(world):
    from misper.app.placements.service import place_child

    session, w = world
    council = w.actor(Role.council_missing_coordinator)
    place_child(session, council, w.a.child.pid, w.b.home.id, date(2024, 7, 1))
    told = session.scalars(select(Notification.agency_id).where(
        Notification.subject.like(f"Out-of-area placement: child {w.a.child.pid}%"))).all()
    assert sorted(told) == sorted([w.b.agencies["council"].id, w.b.agencies["force"].id])
