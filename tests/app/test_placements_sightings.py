"""Out-of-area placements tell the host council and police; the placement check finds links (rival
groups too) without disclosing; groups are police intelligence; a sighting while the child is
missing reaches everyone working the episode."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from misper.app.children.models import Child
from misper.app.episodes.models import Associate, EpisodeAssociate, EpisodeLink
from misper.app.episodes.sightings import add_sighting_or_update
from misper.app.errors import Conflict, Forbidden, Invalid, NotFound
from misper.app.groups import service as groups
from misper.app.groups.models import Group, GroupAffiliation, GroupRivalry
from misper.app.notifications.models import Notification
from misper.app.placements.models import Placement
from misper.app.placements.out_of_area import UNSEEN, notify_out_of_area, placement_check
from misper.app.users.models import Role


def test_out_of_area_placement_tells_host_council_and_police_of_the_area(world):
    session, w = world
    assert notify_out_of_area(session, w.a.placement, w.a.home, w.a.child.pid) == []  # in area
    placement = Placement(
        child_id=w.b.child.id,
        home_id=w.a.home.id,
        placing_council_id=w.b.agencies["council"].id,
        start_date=date(2024, 5, 6),
    )
    session.add(placement)
    session.flush()
    told = notify_out_of_area(session, placement, w.a.home, w.b.child.pid)
    assert told == [w.a.agencies["council"].id, w.a.agencies["force"].id]
    subjects = session.scalars(
        select(Notification.subject).where(
            Notification.agency_id == w.a.agencies["council"].id,
            Notification.subject.like("Out-of-area%"),
        )
    ).all()
    assert subjects == [
        f"Out-of-area placement: child {w.b.child.pid} placed in Home a by "
        f"council b from 06 May 2024"
    ]


def test_placement_check_lists_links_and_hides_children_the_council_may_not_see(world):
    session, w = world
    council = w.actor(Role.council_missing_coordinator)
    assert placement_check(session, council, w.a.child.pid, w.b.home.id) == []
    # Each force holds its own record of the adult; the check matches them by the adult's id.
    adults = {
        side: Associate(force_id=s.agencies["force"].id, associate_id="adult-1", kind="person")
        for side, s in (("a", w.a), ("b", w.b))
    }
    session.add_all(adults.values())
    session.flush()
    session.add_all(
        [
            EpisodeAssociate(episode_id=w.a.episode.id, associate_id=adults["a"].id),
            EpisodeAssociate(episode_id=w.b.episode.id, associate_id=adults["b"].id),
            EpisodeLink(episode_id=w.b.episode.id, linked_rid=w.a.episode.rid),
        ]
    )
    session.flush()
    links = placement_check(session, council, w.a.child.pid, w.b.home.id)
    assert [(k.other, k.shared_associates, k.missing_together) for k in links] == [(UNSEEN, 1, 1)]
    # Linked both ways (as closing records it) still counts the one episode once.
    session.add(EpisodeLink(episode_id=w.a.episode.id, linked_rid=w.b.episode.rid))
    session.flush()
    assert placement_check(session, council, w.a.child.pid, w.b.home.id)[0].missing_together == 1
    with pytest.raises(Forbidden):
        placement_check(session, w.actor(Role.care_staff), w.a.child.pid, w.b.home.id)


def test_a_sighting_while_missing_reaches_the_others_working_the_episode(world):
    session, w = world
    _row, told = add_sighting_or_update(
        session, w.actor(Role.care_staff), "ep-a", "sighting", "seen at the station", "AL1 1"
    )
    assert told == sorted([w.a.agencies["force"].id, w.a.agencies["council"].id])
    _row, told = add_sighting_or_update(
        session, w.actor(Role.police_officer), "ep-a", "sighting", "seen on bus", None
    )
    assert told == sorted([w.a.agencies["provider"].id, w.a.agencies["council"].id])
    subjects = session.scalars(
        select(Notification.subject).where(
            Notification.agency_id == w.a.agencies["council"].id,
            Notification.subject.like("Sighting%"),
        )
    ).all()
    assert subjects == [
        "Sighting near AL1 1 reported for missing episode ep-a",
        "Sighting reported for missing episode ep-a",
    ]
    assert (
        add_sighting_or_update(
            session, w.actor(Role.police_officer), "ep-a", "update", "called phone", None
        )[1]
        == []
    )
    w.a.episode.found_at = datetime(2024, 3, 2, 9)
    session.flush()
    assert (
        add_sighting_or_update(
            session, w.actor(Role.police_officer), "ep-a", "sighting", "late news", None
        )[1]
        == []
    )


def test_placing_a_child_out_of_area_through_the_store_tells_the_host_area(world):
    from misper.app.placements.service import place_child

    session, w = world
    council = w.actor(Role.council_missing_coordinator)
    place_child(session, council, w.a.child.pid, w.b.home.id, date(2024, 7, 1))
    told = session.scalars(
        select(Notification.agency_id).where(
            Notification.subject.like(f"Out-of-area placement: child {w.a.child.pid}%")
        )
    ).all()
    assert sorted(told) == sorted([w.b.agencies["council"].id, w.b.agencies["force"].id])


def _side_b_group(session, w, name):
    """A group side B's force recorded (the world's users are side A's)."""
    group = Group(
        force_id=w.b.agencies["force"].id,
        name=name,
        created_by=w.users[Role.police_mispers].id,
        created_at=datetime(2024, 1, 1),
    )
    session.add(group)
    session.flush()
    return group


def test_placement_check_reports_a_rival_group_link_without_naming_the_groups(world):
    session, w = world
    police, council = w.actor(Role.police_mispers), w.actor(Role.council_missing_coordinator)
    north = groups.add_group(session, police, "Northside", "Stevenage")
    east = groups.add_group(session, police, "Eastside", None)
    groups.link_child(session, police, w.a.child.pid, north.id, "seen with them at the station")
    south = _side_b_group(session, w, "Southside")  # side B's intelligence, rival of Northside
    session.add_all(
        [
            GroupRivalry(
                group_id=north.id,
                rival_id=south.id,
                created_by=police.user_id,
                created_at=datetime(2024, 1, 1),
            ),
            GroupAffiliation(
                child_id=w.b.child.id,
                group_id=south.id,
                created_by=police.user_id,
                created_by_agency_id=w.b.agencies["force"].id,
                created_at=datetime(2024, 1, 1),
            ),
        ]
    )
    session.flush()
    links = placement_check(session, council, w.a.child.pid, w.b.home.id)
    assert [(k.other, k.shared_associates, k.missing_together, k.rival_groups) for k in links] == [
        (UNSEEN, 0, 0, 1)
    ]
    # Being in the same group is not a rivalry; a second rival group of the resident counts.
    session.add(
        GroupAffiliation(
            child_id=w.b.child.id,
            group_id=north.id,
            created_by=police.user_id,
            created_by_agency_id=police.agency_id,
            created_at=datetime(2024, 1, 1),
        )
    )
    session.flush()
    assert placement_check(session, council, w.a.child.pid, w.b.home.id)[0].rival_groups == 1
    groups.add_rivalry(session, police, east.id, north.id)  # stored the other way round: found
    session.add(
        GroupAffiliation(
            child_id=w.b.child.id,
            group_id=east.id,
            created_by=police.user_id,
            created_by_agency_id=police.agency_id,
            created_at=datetime(2024, 1, 1),
        )
    )
    session.flush()
    assert placement_check(session, council, w.a.child.pid, w.b.home.id)[0].rival_groups == 2
    # A resident the council may see is named by pid; no rivalry, no link.
    resident = Child(
        pid="child-c",
        responsible_council_id=w.a.agencies["council"].id,
        created_at=datetime(2024, 1, 1),
    )
    session.add(resident)
    session.flush()
    session.add(
        Placement(
            child_id=resident.id,
            home_id=w.a.home.id,
            start_date=date(2024, 2, 1),
            placing_council_id=w.a.agencies["council"].id,
        )
    )
    session.flush()
    session.add(
        GroupAffiliation(
            child_id=resident.id,
            group_id=east.id,
            created_by=police.user_id,
            created_by_agency_id=police.agency_id,
            created_at=datetime(2024, 1, 1),
        )
    )
    session.flush()
    links = placement_check(session, council, w.a.child.pid, w.a.home.id)
    assert [(k.other, k.rival_groups) for k in links] == [("child-c", 1)]


def test_groups_are_police_intelligence_kept_within_the_force(world):
    session, w = world
    police = w.actor(Role.police_officer)
    crew = groups.add_group(session, police, "  Northside  ", "Stevenage")
    assert crew.name == "Northside" and crew.force_id == w.a.agencies["force"].id
    with pytest.raises(Conflict):
        groups.add_group(session, police, "Northside", None)
    with pytest.raises(Invalid) as empty:
        groups.add_group(session, police, "  ", None)
    assert empty.value.fields[0]["field"] == "name"
    other = _side_b_group(session, w, "Southside")
    for bad_rival, field in ((crew.id, "rival_id"), (other.id, "rival_id")):
        with pytest.raises(Invalid) as refused:
            groups.add_rivalry(session, police, crew.id, bad_rival)
        assert refused.value.fields[0]["field"] == field
    with pytest.raises(NotFound):  # another force's group is as absent
        groups.add_rivalry(session, police, other.id, crew.id)
    rival = groups.add_group(session, police, "Southside", None)  # same name, own force: allowed
    groups.add_rivalry(session, police, rival.id, crew.id)
    groups.add_rivalry(session, police, crew.id, rival.id)  # again, either way: one rivalry
    assert session.scalar(select(func.count()).select_from(GroupRivalry)) == 1
    assert groups.rivals_of(session, [crew.id]) == {rival.id}
    groups.link_child(session, police, w.a.child.pid, crew.id, "named in an intelligence report")
    with pytest.raises(Conflict):
        groups.link_child(session, police, w.a.child.pid, crew.id, None)
    with pytest.raises(Invalid) as refused:
        groups.link_child(session, police, w.a.child.pid, other.id, None)
    assert refused.value.fields[0]["field"] == "group_id"
    with pytest.raises(NotFound):
        groups.link_child(session, police, w.b.child.pid, rival.id, None)
    assert [(a.note, g.name) for a, g in groups.child_groups(session, police, w.a.child.pid)] == [
        ("named in an intelligence report", "Northside")
    ]
    assert [g.name for g in groups.list_groups(session, police)] == ["Northside", "Southside"]
    # Never for care staff or the council, who see only the placement check's count.
    for role in (
        Role.care_staff,
        Role.council_missing_coordinator,
        Role.council_social_worker,
        Role.rhi_worker,
    ):
        for call in (
            lambda a: groups.list_groups(session, a),
            lambda a: groups.child_groups(session, a, w.a.child.pid),
            lambda a: groups.add_group(session, a, "x", None),
            lambda a: groups.link_child(session, a, w.a.child.pid, crew.id, None),
        ):
            with pytest.raises(Forbidden):
                call(w.actor(role))
