"""A hand-countable world of two sides, A and B, each with one agency of every kind, one home,
one child placed there, one open episode and one record of every other kind.

A user of every role belongs to side A. For every record, "own" means side A's and "other" side
B's; the access rules say an A user sees A's records of a kind its role may see, never B's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.charity.models import CharityPartnership
from misper.app.children.models import Child
from misper.app.episodes.models import (
    ControlRoomDecision,
    Episode,
    EpisodeLink,
    EpisodeUpdate,
    RiskAssessment,
)
from misper.app.escalation.models import Referral
from misper.app.interviews.models import PreventionInterview, ReturnHomeInterview
from misper.app.notifications.models import Notification
from misper.app.philomena.models import PhilomenaProfile
from misper.app.placements.models import Home, Placement
from misper.app.tasks.models import Task
from misper.app.users.models import Role, User

PASSWORD = "correct horse battery"
# Hashed at Argon2's lowest cost: a hash carries its own parameters, so the store checks it as any
# other, and the many sign-ins of the tests do not each spend the production cost.
_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
AGENCY_OF_ROLE = {
    Role.care_staff: "provider",
    Role.police_mispers: "force",
    Role.police_control_room: "force",
    Role.police_officer: "force",
    Role.council_social_worker: "council",
    Role.council_missing_coordinator: "council",
    Role.rhi_worker: "rhi",
    Role.analyst: "force",
    Role.admin: "council",
    Role.charity_worker: "charity",
}
KINDS = {
    "force": "police",
    "council": "council",
    "provider": "care_provider",
    "rhi": "rhi_provider",
    "charity": "charity",
}


@dataclass
class Side:
    agencies: dict[str, Agency] = field(default_factory=dict)
    home: Home | None = None
    child: Child | None = None
    episode: Episode | None = None
    rhi: ReturnHomeInterview | None = None
    referral: Referral | None = None
    task: Task | None = None
    placement: Placement | None = None
    notification: Notification | None = None


@dataclass
class World:
    a: Side
    b: Side
    users: dict[Role, User]

    def actor(self, role: Role) -> Actor:
        user = self.users[role]
        return Actor(user.id, user.username, role, user.agency_id, KINDS[AGENCY_OF_ROLE[role]])


def build_world(session: Session) -> World:
    sides = {}
    user = None
    for name in ("a", "b"):
        side = Side()
        for role, kind in KINDS.items():
            agency = Agency(name=f"{role} {name}", kind=kind)
            session.add(agency)
            side.agencies[role] = agency
        session.flush()
        ag = side.agencies
        side.home = Home(
            name=f"Home {name}",
            place_id=f"place-{name}",
            provider_id=ag["provider"].id,
            host_council_id=ag["council"].id,
            police_force_id=ag["force"].id,
            postcode_sector="AL1 1",
        )
        side.child = Child(
            pid=f"child-{name}",
            name=f"Child {name.upper()}",
            date_of_birth=date(2009, 5, 1),
            gender="female",
            in_care="full_care",
            responsible_council_id=ag["council"].id,
            created_at=datetime(2024, 1, 1),
        )
        session.add_all([side.home, side.child])
        session.flush()
        side.placement = Placement(
            child_id=side.child.id,
            home_id=side.home.id,
            placing_council_id=ag["council"].id,
            start_date=date(2023, 1, 1),
        )
        side.episode = Episode(
            rid=f"ep-{name}",
            child_id=side.child.id,
            force_id=ag["force"].id,
            reported_by_agency_id=ag["provider"].id,
            home_id=side.home.id,
            links_recorded=True,
            associates_recorded=True,
            version=1,
            updated_at=datetime(2024, 3, 1),
            reported_at=datetime(2024, 3, 1, 22, 0),
            age=14,
            missing_from_type="care_home",
            missing_from_place_id=side.home.place_id,
            risk_initial="medium",
            risk_final="medium",
            tasks_count=1,
            narratives_count=1,
        )
        session.add_all([side.placement, side.episode])
        session.flush()
        if user is None:
            users = {}
            for role in Role:
                users[role] = User(
                    username=role.value,
                    display_name=role.value,
                    role=role.value,
                    agency_id=ag[AGENCY_OF_ROLE[role]].id,
                    password_hash=_HASH,
                    created_at=datetime(2024, 1, 1),
                )
            session.add_all(users.values())
            session.flush()
            user = users[Role.police_mispers]
        e = side.episode.id
        side.rhi = ReturnHomeInterview(
            episode_id=e, provider_id=ag["rhi"].id, offered=True, shared_with_police=True
        )
        side.referral = Referral(
            child_id=side.child.id,
            episode_id=e,
            meeting="mace",
            reason="exploitation",
            referred_at=datetime(2024, 3, 3),
            referred_by=user.id,
            referred_by_agency_id=ag["council"].id,
        )
        side.task = Task(
            episode_id=e,
            description="check phone",
            created_at=datetime(2024, 3, 1),
            created_by=user.id,
        )
        side.notification = Notification(
            agency_id=ag["force"].id, subject="episode reported", created_at=datetime(2024, 3, 1)
        )
        session.add_all(
            [
                side.rhi,
                side.referral,
                side.task,
                side.notification,
                PhilomenaProfile(
                    child_id=side.child.id,
                    version=1,
                    content={"description": "tall"},
                    created_by=user.id,
                    created_by_agency_id=ag["provider"].id,
                    created_at=datetime(2024, 1, 2),
                ),
                RiskAssessment(
                    episode_id=e,
                    level="medium",
                    assessed_at=datetime(2024, 3, 1, 22, 5),
                    assessed_by=user.id,
                ),
                ControlRoomDecision(
                    episode_id=e,
                    decision="deploy",
                    decided_at=datetime(2024, 3, 1, 22),
                    decided_by=user.id,
                ),
                EpisodeUpdate(
                    episode_id=e,
                    kind="sighting",
                    text="seen at station",
                    at=datetime(2024, 3, 1, 23),
                    created_by=user.id,
                    agency_id=ag["force"].id,
                ),
                EpisodeLink(episode_id=e, linked_rid="ep-elsewhere"),
                CharityPartnership(
                    charity_id=ag["charity"].id,
                    force_id=ag["force"].id,
                    recorded_at=datetime(2024, 1, 1),
                ),
                PreventionInterview(episode_id=e, outcome="done", recorded_at=datetime(2024, 3, 4)),
            ]
        )
        session.flush()
        sides[name] = side
    return World(sides["a"], sides["b"], users)


def child_not_missing(session: Session, world: World, side: str = "a") -> Child:
    """Another child living in the side's home, with no episode: one that may be reported missing
    (the side's own child is missing already, and is reported only once). Flushed, not committed."""
    home = getattr(world, side).home
    child = Child(
        pid=f"child-{side}-{secrets.token_hex(4)}",
        date_of_birth=date(2010, 6, 1),
        in_care="full_care",
        responsible_council_id=home.host_council_id,
        created_at=datetime(2024, 1, 1),
    )
    session.add(child)
    session.flush()
    session.add(
        Placement(
            child_id=child.id,
            home_id=home.id,
            placing_council_id=home.host_council_id,
            start_date=date(2023, 1, 1),
        )
    )
    session.flush()
    return child
