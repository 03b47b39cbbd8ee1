"""The access rules on their own: each role's scope holds side A's records and none of side B's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from misper.app import access
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.escalation.models import Referral
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.users.models import Role

CASE_ROLES = {
    Role.care_staff,
    Role.police_mispers,
    Role.police_control_room,
    Role.police_officer,
    Role.council_social_worker,
    Role.council_missing_coordinator,
}


def _visible(session, model, predicate):
    return set(session.scalars(select(model.id).where(predicate)))


@pytest.mark.parametrize("role", list(Role))
def test_children_scope(world, role):
    session, w = world
    seen = _visible(session, Child, access.children(w.actor(role)))
    assert seen == ({w.a.child.id} if role in CASE_ROLES else set())


@pytest.mark.parametrize("role", list(Role))
def test_episode_scope(world, role):
    session, w = world
    seen = _visible(session, Episode, access.episodes(w.actor(role)))
    expected = {w.a.episode.id} if role in CASE_ROLES | {Role.analyst} else set()
    assert seen == expected


@pytest.mark.parametrize("role", list(Role))
def test_rhi_scope(world, role):
    session, w = world
    seen = _visible(session, ReturnHomeInterview, access.return_home_interviews(w.actor(role)))
    police = {Role.police_mispers, Role.police_control_room, Role.police_officer}
    council = {Role.council_social_worker, Role.council_missing_coordinator}
    assert seen == ({w.a.rhi.id} if role in police | council | {Role.rhi_worker} else set())


def test_police_see_only_rhis_shared_with_them(world):
    session, w = world
    w.a.rhi.shared_with_police = False
    session.flush()
    assert (
        _visible(
            session,
            ReturnHomeInterview,
            access.return_home_interviews(w.actor(Role.police_mispers)),
        )
        == set()
    )
    assert _visible(
        session,
        ReturnHomeInterview,
        access.return_home_interviews(w.actor(Role.council_social_worker)),
    ) == {w.a.rhi.id}


def test_care_staff_lose_a_child_who_moves_out_but_keep_their_reports(world):
    session, w = world
    care = w.actor(Role.care_staff)
    w.a.placement.end_date = w.a.placement.start_date.replace(year=2024)
    session.flush()
    assert _visible(session, Child, access.children(care)) == set()
    assert _visible(session, Episode, access.episodes(care)) == {w.a.episode.id}


def test_police_profiles_need_an_open_episode_or_a_placement_in_area(world):
    session, w = world
    police = w.actor(Role.police_officer)
    assert _visible(session, Child, access.profiles(police)) == {w.a.child.id}
    w.a.placement.end_date = w.a.placement.start_date.replace(year=2024)
    session.flush()
    assert _visible(session, Child, access.profiles(police)) == {w.a.child.id}  # episode open
    w.a.episode.found_at = w.a.episode.reported_at.replace(hour=23)
    session.flush()
    assert _visible(session, Child, access.profiles(police)) == set()
    assert _visible(session, Child, access.children(police)) == {w.a.child.id}  # history stays


def test_council_sees_children_placed_in_its_area_by_others(world):
    session, w = world
    council_a = w.actor(Role.council_social_worker)
    # Child B moves into home A, still the responsibility of council B.
    w.b.placement.end_date = w.b.placement.start_date.replace(year=2024)
    session.add(
        access.Placement(
            child_id=w.b.child.id,
            home_id=w.a.home.id,
            placing_council_id=w.b.agencies["council"].id,
            start_date=w.b.placement.end_date,
        )
    )
    session.flush()
    assert _visible(session, Child, access.children(council_a)) == {w.a.child.id, w.b.child.id}
    assert _visible(session, Referral, access.referrals(council_a)) == {
        w.a.referral.id,
        w.b.referral.id,
    }
    assert _visible(session, Child, access.children(w.actor(Role.care_staff))) == {
        w.a.child.id,
        w.b.child.id,
    }


def test_menu_follows_permissions():
    assert [label for label, _ in access.menu(Role.rhi_worker)] == ["Return home interviews"]
    assert [label for label, _ in access.menu(Role.admin)] == [
        "Users",
        "Audit",
        "Charity partnerships",
    ]
    assert [label for label, _ in access.menu(Role.charity_worker)] == ["Emerging frequent"]
    assert [label for label, _ in access.menu(Role.analyst)] == ["Exports"]
    assert [label for label, _ in access.menu(Role.care_staff)] == [
        "Children",
        "Episodes",
        "Not where they should be",
        "Dashboards",
    ]
