"""A small hand-countable world for the after-episode stage.

One force; two councils: Placing (responsible for both children) and Host (where the home is);
a care provider with one home in Host's area; an RHI provider. Child "away" lives in the home
(placed out of area by Placing); child "local" lives with family (no placement). Users: one per
role needed, each an `Actor` by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.placements.models import Home, Placement
from misper.app.users.models import Role, User

USERS = {  # username: (role, agency key)
    "mispers": (Role.police_mispers, "force"),
    "coord.placing": (Role.council_missing_coordinator, "placing"),
    "coord.host": (Role.council_missing_coordinator, "host"),
    "rhi": (Role.rhi_worker, "rhi"),
    "care": (Role.care_staff, "provider"),
    "other.force": (Role.police_mispers, "other_force"),
}
KINDS = {
    "force": "police",
    "other_force": "police",
    "placing": "council",
    "host": "council",
    "provider": "care_provider",
    "rhi": "rhi_provider",
}


@dataclass
class AfterWorld:
    agencies: dict[str, Agency]
    actors: dict[str, Actor]
    home: Home
    children: dict[str, Child]

    def episode(
        self,
        session: Session,
        child: str,
        reported_at: datetime,
        *,
        rid: str,
        risk_flags: list[str] | None = None,
        from_home: bool | None = None,
    ) -> Episode:
        c = self.children[child]
        home = from_home if from_home is not None else child == "away"
        row = Episode(
            rid=rid,
            child_id=c.id,
            force_id=self.agencies["force"].id,
            reported_by_agency_id=self.agencies["force"].id,
            home_id=self.home.id if home else None,
            links_recorded=False,
            associates_recorded=False,
            updated_at=reported_at,
            reported_at=reported_at,
            age=14,
            missing_from_type="care_home" if home else "home",
            missing_from_postcode_sector="AL1 3" if home else "SG1 1",
            missing_from_place_id=self.home.place_id if home else None,
            risk_initial="medium",
            risk_final="medium",
            risk_flags=risk_flags or [],
            record_type="missing_report",
            in_care="full_care" if home else "no",
            tasks_count=0,
            narratives_count=0,
        )
        session.add(row)
        session.flush()
        return row


def build(session: Session, password_hash: str = "x") -> AfterWorld:
    agencies = {k: Agency(name=f"{k} agency", kind=kind) for k, kind in KINDS.items()}
    session.add_all(agencies.values())
    session.flush()
    users = {
        name: User(
            username=name,
            display_name=name,
            role=role.value,
            agency_id=agencies[key].id,
            password_hash=password_hash,
            created_at=datetime(2024, 1, 1),
        )
        for name, (role, key) in USERS.items()
    }
    session.add_all(users.values())
    home = Home(
        name="Oak House",
        place_id="H-OAK",
        provider_id=agencies["provider"].id,
        host_council_id=agencies["host"].id,
        police_force_id=agencies["force"].id,
        postcode_sector="AL1 3",
    )
    children = {
        name: Child(
            pid=f"P-{name}",
            name=f"Child {name}",
            date_of_birth=date(2010, 1, 1),
            responsible_council_id=agencies["placing"].id,
            created_at=datetime(2024, 1, 1),
        )
        for name in ("away", "local")
    }
    session.add_all([home, *children.values()])
    session.flush()
    session.add(
        Placement(
            child_id=children["away"].id,
            home_id=home.id,
            placing_council_id=agencies["placing"].id,
            start_date=date(2024, 1, 1),
        )
    )
    session.flush()
    actors = {
        name: Actor(u.id, name, USERS[name][0], u.agency_id, KINDS[USERS[name][1]])
        for name, u in users.items()
    }
    return AfterWorld(agencies, actors, home, children)
