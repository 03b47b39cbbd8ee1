"""A ready-to-try store: demo agencies, one user of every role, and a canonical frame imported.

Used by `misper demo` and `misper db demo`; the passwords printed are for a machine no real data
ever reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from misper.app.agencies.service import add_agency, add_home
from misper.app.charity.service import add_partnership
from misper.app.db import make_engine, session_factory, transaction, upgrade
from misper.app.interchange.service import ImportSummary, import_frame
from misper.app.users.service import add_user
from misper.demo.follow_up import ending_today, seed_after_stage
from misper.demo.identity import seed_identities
from misper.demo.missing_now import seed_during_stage

FORCE = "Hertfordshire Constabulary"
AGENCIES = (
    (FORCE, "police"),
    ("Bedfordshire Police", "police"),
    ("Hertfordshire County Council", "council"),
    ("London Borough of Barnet", "council"),
    ("Oakfield Care Group", "care_provider"),
    ("Safe Return Interviews", "rhi_provider"),
    ("Missing People", "charity"),
)
USERS = (  # username, role, agency
    ("care.oakfield", "care_staff", "Oakfield Care Group"),
    ("mispers.herts", "police_mispers", FORCE),
    ("control.herts", "police_control_room", FORCE),
    ("officer.herts", "police_officer", FORCE),
    ("sw.herts", "council_social_worker", "Hertfordshire County Council"),
    ("coordinator.herts", "council_missing_coordinator", "Hertfordshire County Council"),
    ("rhi.saferreturn", "rhi_worker", "Safe Return Interviews"),
    ("analyst.herts", "analyst", FORCE),
    ("admin", "admin", "Hertfordshire County Council"),
    ("charity.missingpeople", "charity_worker", "Missing People"),
)
DEMO_PASSWORD = "misper-demo-password"


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    agency: str
    password: str


def create_demo_store(
    database_url: str | None = None, frame: pd.DataFrame | None = None, move_to_today: bool = False
) -> tuple[list[Login], ImportSummary | None]:
    """Create (or upgrade) the database, seed demo agencies, a home and users, import `frame`,
    give its children synthetic names, dates of birth and placeholder photos, then seed the
    after-episode stage (homes, interviews, referrals, overdue notifications).

    `move_to_today` (synthetic data only) moves the frame's times so that it ends today, so that
    the dashboards' recent windows and the interview clocks have something to show.
    """
    if frame is not None and move_to_today:
        frame = ending_today(frame)
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with transaction(session_factory(engine)) as session:
            ids = {name: add_agency(session, None, name, kind).id for name, kind in AGENCIES}
            add_home(
                session,
                None,
                name="Oakfield House",
                place_id="H-DEMO-OAKFIELD",
                provider_id=ids["Oakfield Care Group"],
                host_council_id=ids["Hertfordshire County Council"],
                police_force_id=ids[FORCE],
                postcode_sector="AL1 3",
            )
            for u, r, a in USERS:  # the operator's shared demo password, no code to pass on
                add_user(session, None, username=u, role=r, agency=a, password=DEMO_PASSWORD)
            logins = [Login(u, r, a, DEMO_PASSWORD) for u, r, a in USERS]
            summary = import_frame(session, None, frame, ids[FORCE]) if frame is not None else None
            seed_identities(session)  # names, dates of birth and placeholder photos
            add_partnership(session, None, ids["Missing People"], ids[FORCE])
    finally:
        engine.dispose()
    seed_after_stage(
        database_url,
        homes=(
            "Oakfield Care Group",
            "Hertfordshire County Council",
            FORCE,
            "London Borough of Barnet",
        ),
    )
    if frame is not None and move_to_today:  # live work only on history that ends today
        seed_during_stage(database_url, care_user="care.oakfield", control_user="control.herts")
    return logins, summary
