"""A small world for the parents' advice pack and the patrol briefing, every fact set by hand.

North Police and South Police; North Council, responsible for Lily; North Care with Oak House.
Lily Fielding (P-lily, 14 on DAY, yesterday) lives with her family in the north. Episodes of hers:
    now-1    open, from the family home, risk high with CSE flagged; reported at 09:00 from
             sector AL1 4, last seen 08:30; a sighting at 11:00 in AL2 7 (the latest with a place)
             and a later update with no place
    old-1    closed (North), found at a friend's address, AL3 5; names North's associate adult-7
    old-2    closed (North), found at a friend's address, AL3 5
    old-3    closed (North), found in the street, AL1 2
    south-1  closed (South), found at a relative's address, SG1 9; names South's adult-9
Ben Carewell (P-ben) lives in Oak House; his episode care-1 went missing from the care home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.tenancy_world import PASSWORD, QUICK
from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.children.models import Child, ChildPhoto
from misper.app.episodes.models import Associate, Episode, EpisodeAssociate, EpisodeUpdate
from misper.app.philomena.models import PhilomenaProfile
from misper.app.placements.models import Home, Placement
from misper.app.users.models import Role, User

__all__ = ["PASSWORD", "AdviceWorld", "build"]
DAY = (datetime.now() - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
USERS = {
    "officer.north": (Role.police_officer, "north"),
    "officer.south": (Role.police_officer, "south"),
    "coord.north": (Role.council_missing_coordinator, "council"),
    "care.north": (Role.care_staff, "care"),
}
AGENCIES = {
    "north": ("North Police", "police"),
    "south": ("South Police", "police"),
    "council": ("North Council", "council"),
    "care": ("North Care", "care_provider"),
}
# (rid, force, found at, where found, sector found, associate (force key, id, description))
EARLIER = (
    ("old-1", "north", 40, "friend_address", "AL3 5", ("north", "adult-7", "north-adult-desc")),
    ("old-2", "north", 30, "friend_address", "AL3 5", None),
    ("old-3", "north", 20, "street_public", "AL1 2", None),
    ("south-1", "south", 10, "relative_address", "SG1 9", ("south", "adult-9", "south-adult-desc")),
)


@dataclass
class AdviceWorld:
    agency: dict[str, int]
    actors: dict[str, Actor]
    lily: int


def build(session: Session) -> AdviceWorld:
    """Everything above, flushed (the caller commits)."""
    agencies = {k: Agency(name=n, kind=kind) for k, (n, kind) in AGENCIES.items()}
    session.add_all(agencies.values())
    session.flush()
    a = {k: v.id for k, v in agencies.items()}
    hashed = QUICK.hash(PASSWORD)
    users = {
        name: User(
            username=name,
            display_name=name,
            role=role.value,
            agency_id=a[key],
            password_hash=hashed,
            created_at=datetime(2024, 1, 1),
        )
        for name, (role, key) in USERS.items()
    }
    session.add_all(users.values())
    session.flush()
    actors = {
        name: Actor(u.id, name, Role(u.role), u.agency_id, AGENCIES[USERS[name][1]][1])
        for name, u in users.items()
    }
    by = users["officer.north"].id
    born = date(DAY.year - 14, 1, 1)  # 14 on DAY
    lily = Child(
        pid="P-lily",
        name="Lily Fielding",
        date_of_birth=born,
        gender="female",
        ethnic_appearance="white",
        responsible_council_id=a["council"],
        agency_id=a["north"],
        created_at=datetime(2024, 1, 1),
    )
    ben = Child(
        pid="P-ben",
        name="Ben Carewell",
        date_of_birth=date(2010, 6, 1),
        responsible_council_id=a["council"],
        agency_id=a["council"],
        created_at=datetime(2024, 1, 1),
    )
    home = Home(
        name="Oak House",
        place_id="place-oak",
        provider_id=a["care"],
        host_council_id=a["council"],
        police_force_id=a["north"],
        postcode_sector="AL1 1",
    )
    session.add_all([lily, ben, home])
    session.flush()
    session.add_all(
        [
            Placement(
                child_id=ben.id,
                home_id=home.id,
                placing_council_id=a["council"],
                start_date=date(2024, 1, 1),
            ),
            ChildPhoto(
                child_id=lily.id,
                content=b"\xff\xd8 lily",
                media_type="image/jpeg",
                uploaded_at=DAY - timedelta(days=50),
            ),
            PhilomenaProfile(
                child_id=lily.id,
                version=1,
                content={"description": "tall, red hair, green school coat"},
                created_by=by,
                created_by_agency_id=a["north"],
                created_at=DAY - timedelta(days=50),
            ),
        ]
    )

    def episode(rid, child, force, reported, **fields):
        row = Episode(
            rid=rid,
            child_id=child.id,
            force_id=a[force],
            links_recorded=False,
            associates_recorded=False,
            version=1,
            updated_at=reported,
            reported_at=reported,
            age=14,
            **fields,
        )
        session.add(row)
        session.flush()
        return row

    now = episode(
        "now-1",
        lily,
        "north",
        DAY + timedelta(hours=9),
        last_seen_at=DAY + timedelta(hours=8, minutes=30),
        missing_from_type="home",
        missing_from_postcode_sector="AL1 4",
        risk_initial="medium",
        risk_final="high",
        risk_flags=["cse"],
    )
    session.add_all(
        [
            EpisodeUpdate(
                episode_id=now.id,
                kind="sighting",
                text="seen at the bus station",
                postcode_sector="AL2 7",
                at=DAY + timedelta(hours=11),
                created_by=by,
                agency_id=a["north"],
            ),
            EpisodeUpdate(
                episode_id=now.id,
                kind="update",
                text="called the school",
                at=DAY + timedelta(hours=12),
                created_by=by,
                agency_id=a["north"],
            ),
        ]
    )
    for rid, force, days_ago, where, sector, associate in EARLIER:
        reported = DAY - timedelta(days=days_ago)
        old = episode(
            rid,
            lily,
            force,
            reported,
            missing_from_type="home",
            found_at=reported + timedelta(hours=6),
            found_location_type=where,
            found_postcode_sector=sector,
        )
        if associate is not None:
            key, associate_id, description = associate
            row = Associate(
                force_id=a[key], associate_id=associate_id, kind="person", description=description
            )
            session.add(row)
            session.flush()
            session.add(EpisodeAssociate(episode_id=old.id, associate_id=row.id))
    episode(
        "care-1",
        ben,
        "north",
        DAY + timedelta(hours=7),
        missing_from_type="care_home",
        home_id=home.id,
        missing_from_place_id="place-oak",
        found_at=DAY + timedelta(hours=10),
    )
    session.flush()
    return AdviceWorld(a, actors, lily.id)
