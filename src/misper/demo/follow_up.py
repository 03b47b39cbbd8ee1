"""The demo's after-episode stage: synthetic history moved to end today, interviews opened for the
recently found episodes, the escalation rules applied and the overdue check run once, so that every
dashboard has something to show."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select, update

from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.children.models import Child
from misper.app.db import make_engine, session_factory, transaction
from misper.app.episodes.models import Episode
from misper.app.escalation.automatic import escalate
from misper.app.interviews import findings
from misper.app.interviews.models import CLOCK, ReturnHomeInterview
from misper.app.interviews.return_home import open_for_episode, raise_overdue
from misper.app.placements.models import Home, Placement
from misper.app.users.models import Role, User
from misper.incidents.schema import COLUMNS, Kind

EPISODE_TIMES = ("last_seen_at", "reported_at", "found_at")  # the episode itself, not what follows


def ending_today(frame: pd.DataFrame, now: datetime | None = None) -> pd.DataFrame:
    """The synthetic frame with every time moved by whole days so that its last episode ends
    before `now`, today or the day before (only for the demo: a real force's figures are never
    moved). What would still lie ahead, an interview completed after now, is not done yet."""
    now = pd.Timestamp(now or datetime.now())
    last = frame[[c for c in EPISODE_TIMES if c in frame.columns]].max().max()
    shift = pd.Timedelta(days=(now - last).days)  # whole days, rounded down: the end stays past
    moved = frame.copy()
    for column in COLUMNS:
        if column.kind is Kind.DATETIME and column.name in moved.columns:
            moved[column.name] = moved[column.name] + shift
            moved[column.name] = moved[column.name].where(moved[column.name] <= now)
    return moved


def seed_homes(
    session, provider: str, host_council: str, force: str, out_of_area_council: str
) -> int:
    """The synthetic care homes (their pseudonymous place ids) as homes of the demo provider, with
    each child's placements from its episodes there; children of no demo council are placed out of
    area by `out_of_area_council`. Gives the care-home feedback and the care staff something
    real."""
    ids = dict(session.execute(select(Agency.name, Agency.id)).all())
    rows = session.execute(
        select(
            Episode.missing_from_place_id,
            Episode.missing_from_postcode_sector,
            Episode.child_id,
            Episode.reported_at,
        ).where(
            Episode.missing_from_type == "care_home",
            Episode.missing_from_place_id.is_not(None),
            Episode.home_id.is_(None),
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["place_id", "sector", "child_id", "reported_at"])
    if frame.empty:
        return 0
    homes = {}
    for place_id, group in frame.groupby("place_id"):
        sector = group["sector"].mode()
        home = Home(
            name=f"Home {place_id}",
            place_id=place_id,
            provider_id=ids[provider],
            host_council_id=ids[host_council],
            police_force_id=ids[force],
            postcode_sector=sector.iloc[0] if len(sector) else None,
        )
        session.add(home)
        homes[place_id] = home
    session.flush()
    stays = frame.groupby(["child_id", "place_id"])["reported_at"].agg(["min", "max"]).reset_index()
    latest = stays.sort_values("max").groupby("child_id").tail(1).index
    for i, stay in stays.iterrows():
        child = session.get(Child, int(stay["child_id"]))
        if child.responsible_council_id is None:
            child.responsible_council_id = ids[out_of_area_council]
        session.add(
            Placement(
                child_id=child.id,
                home_id=homes[stay["place_id"]].id,
                placing_council_id=child.responsible_council_id,
                start_date=(stay["min"] - pd.Timedelta(days=30)).date(),
                end_date=None if i in latest else stay["max"].date(),
            )
        )
    for place_id, home in homes.items():
        session.execute(
            update(Episode)
            .where(
                Episode.missing_from_place_id == place_id, Episode.missing_from_type == "care_home"
            )
            .values(home_id=home.id)
            .execution_options(synchronize_session=False)
        )
    return len(homes)


def _progress(
    session, actor: Actor, episode: Episode, rhi, provider: int | None, now: datetime
) -> None:
    """Take two in three interviews forward as a council would: arranged with the provider or a
    social worker, and (where two days have passed) completed, the reasons shared with the police.
    The rest stay untouched, so the overdue list and the compliance figures show both."""
    if rhi.id % 3 == 2:
        return
    independent = rhi.id % 3 == 0 and provider is not None
    rhi.interviewer_kind = "independent_provider" if independent else "social_worker"
    rhi.provider_id = provider if independent else None
    rhi.offered = True
    done = rhi.found_at + timedelta(hours=40 if rhi.id % 2 else 90)
    if done <= now:
        rhi.accepted, rhi.completed_at = True, done
        row = findings.save_findings(
            session,
            actor,
            episode,
            "return_home",
            rhi.id,
            {"reason_codes": list(episode.reason_codes or [])},
            ["reason_codes"],
        )
        rhi.shared_with_police = bool(row.shared)


def seed_after_stage(
    database_url: str | None = None,
    now: datetime | None = None,
    recent_days: int = 45,
    username: str = "mispers.herts",
    homes: tuple[str, str, str, str] | None = None,
) -> dict[str, int]:
    """Place the synthetic children in homes (`homes`: provider, host council, force and an
    out-of-area council, by name), open the return home interviews of episodes found in the last
    `recent_days`, apply the escalation rules as the missing persons team would, and raise the
    overdue ones."""
    now = now or datetime.now()
    engine = make_engine(database_url)
    counts = {"homes": 0, "interviews": 0, "referrals": 0, "overdue": 0}
    try:
        with transaction(session_factory(engine)) as session:
            if homes:
                counts["homes"] = seed_homes(session, *homes)
            user = session.scalar(select(User).where(User.username == username))
            actor = Actor(user.id, user.username, Role(user.role), user.agency_id, user.agency.kind)
            window = (
                Episode.found_at >= now - timedelta(days=recent_days),
                Episode.found_at <= now,
            )
            # The import started the recent clocks before the demo's homes existed (and, bringing
            # history, announced none): start them again as closing would, placements known.
            session.execute(
                update(ReturnHomeInterview)
                .where(ReturnHomeInterview.episode_id.in_(select(Episode.id).where(*window)))
                .values({name: None for name in CLOCK} | {"out_of_area": False})
            )
            recent = session.scalars(select(Episode).where(*window).order_by(Episode.found_at))
            provider = session.scalar(
                select(Agency.id).where(Agency.kind == "rhi_provider").order_by(Agency.id).limit(1)
            )
            for episode in recent:
                rhi = open_for_episode(session, actor, episode)
                _progress(session, actor, episode, rhi, provider, now)
                counts["interviews"] += 1
                counts["referrals"] += escalate(session, actor, episode) is not None
            counts["overdue"] = raise_overdue(session, now)
    finally:
        engine.dispose()
    return counts
