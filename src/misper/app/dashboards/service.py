"""The dashboards' figures, each within the caller's scope. The pages count in the database (a few
columns, GROUP BY over indexed ones), so a write costs the next load nothing; the whole co-missing
network (the API's) still reads the canonical frame through the report's export, kept between
loads until the store changes (`cache`), and the pure functions over that frame stay the reference
the database paths are tested against."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from misper.analysis import hotspots as report_hotspots
from misper.analysis.selection import CHILD_MAX_AGE, DEFAULT_RECORD_TYPE, Shared
from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.dashboards import cache
from misper.app.episodes.models import ControlRoomDecision, Episode, episodes_table
from misper.app.errors import Invalid
from misper.app.escalation.models import Referral
from misper.app.interchange.service import export_frame
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.interviews.return_home import raise_overdue
from misper.app.philomena.models import PhilomenaProfile
from misper.app.placements.models import Home, Placement
from misper.process.config import FrequentRules, ProcessConfig, default_config
from misper.process.emerging import emerging_frequent
from misper.process.philomena import completeness
from misper.process.return_home_interview import Clock, clock, monthly_compliance


def scoped_frame(session: Session, actor: Actor) -> pd.DataFrame:
    """The caller's episodes as the canonical frame (pseudonymous, no free text). Read-only: the
    frame is shared by later loads until the store changes."""
    return _scoped(session, actor)[0]


def _scoped(session: Session, actor: Actor) -> tuple[pd.DataFrame, tuple]:
    """The scoped frame and its cache key: the store's version and the scope's episodes, asked of
    the database on every load, so that a placement or a new episode counts at once."""
    access.require(actor, "episodes", "list")
    version = cache.store_version(session)
    rids = session.scalars(
        select(Episode.rid).where(access.episodes(actor)).order_by(Episode.rid)
    ).all()
    key = (version, hashlib.blake2b("\n".join(rids).encode(), digest_size=16).hexdigest())
    # An uncorrelated id list: the export joins children, which the scope's sub-queries also read.
    scope = Episode.id.in_(select(Episode.id).where(access.episodes(actor)).correlate(None))
    frame = cache.memo(
        (*key, "frame"), lambda: export_frame(session, scope, free_text=False), kind="frame"
    )
    audit.record(session, actor, "list", "dashboard", detail={"rows": len(frame)})
    return frame, key


def frequent_and_emerging(
    session: Session, actor: Actor, now: datetime, config: ProcessConfig | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frequently-missing and emerging-frequent tables of children's missing reports (the
    report's rule, `child_reports`, applied in the query): only the pid and time of the episodes
    of the windows the rules read are fetched, never the whole store's frame."""
    access.require(actor, "episodes", "list")
    config = config or default_config()
    emerging_rules = config.emerging_frequent
    days = max(365, emerging_rules.recent_days + emerging_rules.baseline_days)
    times = episode_columns(
        session,
        actor,
        ["reported_at"],
        Episode.reported_at > now - timedelta(days=days),
        Episode.reported_at <= now,
        Episode.age <= CHILD_MAX_AGE,
        or_(Episode.record_type == DEFAULT_RECORD_TYPE, Episode.record_type.is_(None)),
    )
    audit.record(session, actor, "list", "dashboard", detail={"rows": len(times)})
    status = escalation_status(session, actor)
    frequent = frequently_missing(times, now, status, config.frequently_missing)
    return frequent, emerging(times, now, config)


def episode_columns(
    session: Session, actor: Actor, columns: list[str], *where: ColumnElement[bool]
) -> pd.DataFrame:
    """pid and `columns` of the caller's episodes matching `where` (merged duplicates left out, as
    the export leaves them out): the few columns a dashboard counts, read in one query."""
    child = aliased(Child)  # not to be correlated with the scope's own sub-query on children
    rows = session.execute(
        select(child.pid, *(episodes_table.c[c] for c in columns))
        .join(child, child.id == Episode.child_id)
        .where(access.episodes(actor), Episode.merged_into_id.is_(None), *where)
    ).all()
    frame = pd.DataFrame(rows, columns=["pid", *columns])
    if "reported_at" in frame:
        frame["reported_at"] = pd.to_datetime(frame["reported_at"])
    return frame


def network_graph(session: Session, actor: Actor) -> dict:
    """The co-missing network of the caller's scope, kept until the store changes."""
    frame, key = _scoped(session, actor)
    return cache.memo((*key, "network"), lambda: network(frame))


def refresh(session: Session, now: datetime, config: ProcessConfig | None = None) -> int:
    """Run the overdue check on each dashboard load, so the lists never lag the worker."""
    return raise_overdue(session, now, config)


def open_episodes(session: Session, actor: Actor, now: datetime) -> pd.DataFrame:
    """Open episodes: rid, pid, reported_at, hours_missing, risk, review_at (delayed ones)."""
    access.require(actor, "episodes", "list")
    child = aliased(Child)  # not to be correlated with the scope's own sub-query on children
    rows = session.execute(
        select(
            Episode.id,
            Episode.rid,
            child.pid,
            Episode.reported_at,
            Episode.risk_final,
            Episode.missing_from_type,
        )
        .join(child, child.id == Episode.child_id)
        .where(access.episodes(actor), Episode.found_at.is_(None), Episode.merged_into_id.is_(None))
        .order_by(Episode.reported_at)
    ).all()
    frame = pd.DataFrame(
        rows, columns=["id", "rid", "pid", "reported_at", "risk", "missing_from_type"]
    )
    frame["hours_missing"] = (
        (pd.Timestamp(now) - pd.to_datetime(frame["reported_at"])).dt.total_seconds() / 3600
    ).round(1)
    frame["review_at"] = pd.NaT
    if access.allowed(actor.role, "decisions", "list") and len(frame):
        latest = (
            select(ControlRoomDecision.episode_id, func.max(ControlRoomDecision.id).label("d"))
            .where(ControlRoomDecision.episode_id.in_(frame["id"].tolist()))
            .group_by(ControlRoomDecision.episode_id)
            .subquery()
        )
        reviews = dict(
            session.execute(
                select(ControlRoomDecision.episode_id, ControlRoomDecision.review_at)
                .join(latest, latest.c.d == ControlRoomDecision.id)
                .where(ControlRoomDecision.decision == "delay")
            ).all()
        )
        frame["review_at"] = pd.to_datetime(frame["id"].map(reviews))
    frame["review_due"] = frame["review_at"].notna() & (frame["review_at"] <= pd.Timestamp(now))
    return frame.drop(columns="id")


def escalation_status(session: Session, actor: Actor) -> dict[str, str]:
    """pid -> latest referral ("MARM referred", "MACE: outcome recorded"), where the role sees
    referrals."""
    if not access.allowed(actor.role, "referrals", "list"):
        return {}
    child = aliased(Child)
    rows = session.execute(
        select(child.pid, Referral.meeting, Referral.outcome)
        .join(child, child.id == Referral.child_id)
        .where(access.referrals(actor))
        .order_by(Referral.referred_at, Referral.id)
    ).all()
    return {
        pid: f"{meeting.upper()} " + ("outcome recorded" if outcome else "referred")
        for pid, meeting, outcome in rows
    }


def frequently_missing(
    frame: pd.DataFrame,
    now: datetime,
    status: dict[str, str],
    rules: FrequentRules | None = None,
) -> pd.DataFrame:
    """Children with the rules' episodes (three) or more in the last year: counts over 90 and 365
    days, the pattern of their year (compressed or spread, intense periods) and their escalation
    status."""
    from misper.insight.patterns import child_patterns

    least = (rules or default_config().frequently_missing).episodes
    now = pd.Timestamp(now)
    year = frame[
        (frame["reported_at"] > now - pd.Timedelta(days=365)) & (frame["reported_at"] <= now)
    ]
    columns = ["pid", "last_90_days", "last_year", "pattern", "intense_periods", "escalation"]
    if year.empty:
        return pd.DataFrame(columns=columns)
    recent = year["reported_at"] > now - pd.Timedelta(days=90)
    counts = pd.DataFrame(
        {
            "last_90_days": recent.groupby(year["pid"], observed=True).sum(),
            "last_year": year.groupby("pid", observed=True).size(),
        }
    ).astype(int)
    counts = counts[counts["last_year"] >= least]
    if counts.empty:
        return pd.DataFrame(columns=columns)
    patterns = child_patterns(year[year["pid"].isin(counts.index)], min_child_episodes=least)
    patterns = patterns.set_index("pid")[["pattern", "intense_periods"]]
    table = counts.join(patterns).rename_axis("pid").reset_index()
    table["escalation"] = table["pid"].map(status).fillna("none")
    return table.sort_values(["last_90_days", "last_year"], ascending=False, ignore_index=True)[
        columns
    ]


def emerging(
    frame: pd.DataFrame, now: datetime, config: ProcessConfig | None = None
) -> pd.DataFrame:
    return emerging_frequent(
        frame, pd.Timestamp(now), (config or default_config()).emerging_frequent
    )


def check_period(start: datetime, end: datetime) -> None:
    """A dashboard's period [start, end) must hold some time: a reversed one is refused, never
    shown as an empty table."""
    if end <= start:
        raise Invalid("end", "The end of the period must be after its start")


def hotspots(frame: pd.DataFrame, start: datetime, end: datetime) -> dict[str, pd.DataFrame]:
    """Episodes per place and postcode sector missing from and found in, over [start, end), most
    first: the report's hotspot counts (`misper.analysis.hotspots`) of the caller's episodes."""
    check_period(start, end)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    period = frame[(frame["reported_at"] >= start) & (frame["reported_at"] < end)]
    shared = Shared(period.reset_index(drop=True), start, end)
    counted = {  # key: (table, its column of places, the canonical column it counts)
        "places": (report_hotspots.places(shared), "place_id", "missing_from_place_id"),
        "from_sectors": (
            report_hotspots.postcode_sectors(shared),
            "sector",
            "missing_from_postcode_sector",
        ),
        "found_sectors": (
            shared.count_by("found_postcode_sector", "sector"),
            "sector",
            "found_postcode_sector",
        ),
    }
    return {
        key: table.rename(columns={label: column, "incidents": "episodes"})[[column, "episodes"]]
        for key, (table, label, column) in counted.items()
    }


HOTSPOT_COLUMNS = {  # key: the episodes' column of places it counts
    "places": "missing_from_place_id",
    "from_sectors": "missing_from_postcode_sector",
    "found_sectors": "found_postcode_sector",
}


def hotspot_counts(
    session: Session, actor: Actor, start: datetime, end: datetime
) -> dict[str, pd.DataFrame]:
    """The hotspot tables of `hotspots` (episodes per place and sector over [start, end), most
    first, ties by place) counted by the database: one GROUP BY per column over the caller's
    episodes, instead of the whole store's frame."""
    access.require(actor, "episodes", "list")
    check_period(start, end)
    out = {}
    for key, column in HOTSPOT_COLUMNS.items():
        place = episodes_table.c[column]
        rows = session.execute(
            select(place, func.count())
            .where(
                access.episodes(actor),
                Episode.merged_into_id.is_(None),
                Episode.reported_at >= start,
                Episode.reported_at < end,
                place.is_not(None),
            )
            .group_by(place)
        ).all()
        table = pd.DataFrame(rows, columns=[column, "episodes"])
        # Sorted here, not in SQL: the ties' order must not hang on the database's collation.
        out[key] = table.sort_values(
            ["episodes", column], ascending=[False, True], kind="stable", ignore_index=True
        )
    audit.record(session, actor, "list", "dashboard", detail={"hotspots": len(out)})
    return out


def rhi_compliance(
    session: Session, actor: Actor, config: ProcessConfig | None = None
) -> pd.DataFrame:
    """Per month of return: episodes, offered, accepted, completed, within 72 h, shared."""
    access.require(actor, "return_home_interviews", "list")
    rows = session.execute(
        select(
            ReturnHomeInterview.found_at,
            ReturnHomeInterview.offered,
            ReturnHomeInterview.accepted,
            ReturnHomeInterview.completed_at,
            ReturnHomeInterview.shared_with_police,
        )
        .where(ReturnHomeInterview.found_at.is_not(None))  # on its clock
        .where(access.return_home_interviews(actor))
    ).all()
    frame = pd.DataFrame(
        rows, columns=["found_at", "offered", "accepted", "completed_at", "shared_with_police"]
    )
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "month",
                "episodes",
                "offered",
                "accepted",
                "completed",
                "within_target",
                "shared_with_police",
            ]
        )
    return monthly_compliance(frame, (config or default_config()).return_home_interview)


def care_home_feedback(
    session: Session,
    actor: Actor,
    start: datetime,
    end: datetime,
    config: ProcessConfig | None = None,
) -> pd.DataFrame:
    """Per home in the caller's area over [start, end): episodes per resident-month, the share
    that ended within two hours by the child's own return (likely "late, not missing"), the mean
    Philomena profile completeness of its residents, and interviews completed on time (within
    72 hours). The hours are the process configuration's."""
    access.require(actor, "homes", "list")
    access.require(actor, "episodes", "list")
    check_period(start, end)
    config = config or default_config()
    rules = config.return_home_interview
    late = timedelta(hours=config.late_not_missing.hours)
    homes = session.execute(
        select(Home.id, Home.name).where(access.homes(actor)).order_by(Home.name)
    ).all()
    # Five queries for every home at once (not five per home): placements, episodes, interviews,
    # and the latest profile of each current resident.
    in_area = select(Home.id).where(access.homes(actor)).scalar_subquery()
    placements = _grouped(
        session.execute(
            select(
                Placement.home_id, Placement.child_id, Placement.start_date, Placement.end_date
            ).where(Placement.home_id.in_(in_area))
        ).all()
    )
    in_period = (
        Episode.home_id.in_(in_area),
        Episode.reported_at >= start,
        Episode.reported_at < end,
    )
    episodes = _grouped(
        session.execute(
            select(
                Episode.home_id,
                Episode.id,
                Episode.reported_at,
                Episode.found_at,
                Episode.found_how,
            ).where(*in_period)
        ).all()
    )
    interviews = _grouped(
        session.execute(
            select(Episode.home_id, ReturnHomeInterview.found_at, ReturnHomeInterview.completed_at)
            .join(Episode, Episode.id == ReturnHomeInterview.episode_id)
            .where(ReturnHomeInterview.found_at.is_not(None), *in_period)
        ).all()
    )
    profiles = _latest_profiles(
        session,
        select(Placement.child_id)
        .where(Placement.home_id.in_(in_area), Placement.end_date.is_(None))
        .scalar_subquery(),
    )
    rows = []
    for home_id, name in homes:
        stays, found, done = (
            placements.get(home_id, []),
            episodes.get(home_id, []),
            interviews.get(home_id, []),
        )
        resident_days = sum(_overlap_days(s, e, start, end) for _, s, e in stays)
        short_own = [
            f is not None and how == "returned_self" and (f - r) <= late for _, r, f, how in found
        ]
        scores = [
            completeness(profiles.get(c, {}))[0] for c in {c for c, _, e in stays if e is None}
        ]
        on_time = [clock(f, c, end, rules) is Clock.ON_TIME for f, c in done]
        months = resident_days / (365.25 / 12)
        rows.append(
            {
                "home": name,
                "home_id": home_id,
                "episodes": len(found),
                "resident_months": round(months, 1),
                "episodes_per_resident_month": round(len(found) / months, 2) if months else None,
                "short_own_return_share": _share(short_own),
                "profile_completeness": round(sum(scores) / len(scores), 2) if scores else None,
                "interviews": len(done),
                "interviews_on_time_share": _share(on_time),
            }
        )
    return pd.DataFrame(rows)


def _grouped(rows) -> dict:
    """Rows (key, *rest) as key -> [rest, ...]."""
    out: dict = {}
    for key, *rest in rows:
        out.setdefault(key, []).append(tuple(rest))
    return out


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def _overlap_days(s, e, start: datetime, end: datetime) -> int:
    """Days of a placement [s, e] (e empty: ongoing) within [start, end)."""
    lo = max(pd.Timestamp(s), pd.Timestamp(start).normalize())
    hi = min(pd.Timestamp(e) + pd.Timedelta(days=1) if e else pd.Timestamp(end), pd.Timestamp(end))
    return max(0, (hi - lo).days)


def _latest_profiles(session: Session, child_ids) -> dict[int, dict]:
    """Each child's latest Philomena profile content (children without one are left out);
    `child_ids` a sub-query."""
    latest = (
        select(PhilomenaProfile.child_id, func.max(PhilomenaProfile.version).label("v"))
        .where(PhilomenaProfile.child_id.in_(child_ids))
        .group_by(PhilomenaProfile.child_id)
        .subquery()
    )
    return {
        c: content or {}
        for c, content in session.execute(
            select(PhilomenaProfile.child_id, PhilomenaProfile.content).join(
                latest,
                (latest.c.child_id == PhilomenaProfile.child_id)
                & (latest.c.v == PhilomenaProfile.version),
            )
        ).all()
    }


def network(frame: pd.DataFrame, seed: int = 0) -> dict:
    """Nodes (children, associates) with positions and edges, for the interactive graph."""
    import networkx as nx

    from misper.insight.network import build_graph

    graph = build_graph(frame)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if graph.number_of_nodes() == 0:
        return {"nodes": [], "edges": []}
    positions = nx.spring_layout(graph, seed=seed, weight="weight")
    nodes = [
        {
            "id": n,
            "kind": graph.nodes[n]["kind"],
            "label": n.split(":", 1)[-1],
            "x": float(x),
            "y": float(y),
            "degree": graph.degree(n),
        }
        for n, (x, y) in positions.items()
    ]
    edges = [{"a": a, "b": b, "weight": d.get("weight", 1)} for a, b, d in graph.edges(data=True)]
    return {"nodes": nodes, "edges": edges}
