"""The missing-persons charity's part: partnerships with forces (recorded by the administrator) and
the emerging-frequent list of each partner force, with pseudonymous ids and why, nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, aliased

from misper.analysis.selection import child_reports
from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.audit import service as audit
from misper.app.charity.models import CharityPartnership
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.errors import Conflict, Invalid, NotFound
from misper.process.config import ProcessConfig, default_config
from misper.process.emerging import emerging_frequent

LISTED = ("pid", "recent", "baseline", "why")  # all a charity sees of a listed child


def _agency(session: Session, agency_id: int, kind: AgencyKind, field: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None or agency.kind != kind.value:
        raise Invalid(field, f"not an agency of kind {kind.value}")
    return agency


def add_partnership(
    session: Session,
    actor: Actor | None,
    charity_id: int,
    force_id: int,
    now: datetime | None = None,
) -> tuple[CharityPartnership, str, str]:
    """Record that a charity works with a force: its workers then see the force's emerging list."""
    if actor is not None:
        access.require(actor, "charity_partnerships", "create")
    charity = _agency(session, charity_id, AgencyKind.charity, "charity_id")
    force = _agency(session, force_id, AgencyKind.police, "force_id")
    if (
        session.scalar(
            select(CharityPartnership.id).where(
                CharityPartnership.charity_id == charity_id, CharityPartnership.force_id == force_id
            )
        )
        is not None
    ):
        raise Conflict("this charity already partners this force")
    row = CharityPartnership(
        charity_id=charity_id,
        force_id=force_id,
        recorded_at=now or datetime.now(),
        recorded_by=actor.user_id if actor else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "charity_partnership",
        row.id,
        detail={"charity_id": charity_id, "force_id": force_id},
    )
    return row, charity.name, force.name


def _partnerships(actor: Actor):
    charity, force = aliased(Agency), aliased(Agency)
    return (
        select(CharityPartnership, charity.name, force.name)
        .join(charity, charity.id == CharityPartnership.charity_id)
        .join(force, force.id == CharityPartnership.force_id)
        .where(access.charity_partnerships(actor))
        .order_by(charity.name, force.name)
    )


def list_partnerships(session: Session, actor: Actor) -> list[tuple[CharityPartnership, str, str]]:
    """(partnership, charity name, force name) in the caller's scope."""
    access.require(actor, "charity_partnerships", "list")
    rows = session.execute(_partnerships(actor)).all()
    audit.record(session, actor, "list", "charity_partnership")
    return [tuple(r) for r in rows]


def end_partnership(
    session: Session, actor: Actor, partnership_id: int
) -> tuple[CharityPartnership, str, str]:
    """Ends it (the charity no longer sees the force's list); returns it as it was."""
    access.require(actor, "charity_partnerships", "delete")
    found = session.execute(
        _partnerships(actor).where(CharityPartnership.id == partnership_id)
    ).first()
    if found is None:
        raise NotFound("charity partnership")
    row = found[0]
    session.execute(delete(CharityPartnership).where(CharityPartnership.id == row.id))
    audit.record(
        session,
        actor,
        "delete",
        "charity_partnership",
        partnership_id,
        detail={"charity_id": row.charity_id, "force_id": row.force_id},
    )
    return tuple(found)


def emerging_for_charity(
    session: Session, actor: Actor, now: datetime, config: ProcessConfig | None = None
) -> list[dict]:
    """Per partner force: its children whose recent frequency is rising, ranked, with why.

    Reads only the pseudonymous id, report time, age and record type of episodes in the rule's
    window, so nothing else of a case can reach a charity even by mistake.
    """
    access.require(actor, "partner_emerging", "list")
    rules = (config or default_config()).emerging_frequent
    since = now - timedelta(days=rules.recent_days + rules.baseline_days)
    force, child = aliased(Agency), aliased(Child)
    partners = session.execute(
        select(force.id, force.name)
        .join(CharityPartnership, CharityPartnership.force_id == force.id)
        .where(CharityPartnership.charity_id == actor.agency_id)
        .order_by(force.name)
    ).all()
    rows = session.execute(
        select(Episode.force_id, child.pid, Episode.reported_at, Episode.age, Episode.record_type)
        .join(child, child.id == Episode.child_id)
        .where(
            access.partner_episodes(actor), Episode.reported_at > since, Episode.reported_at <= now
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["force_id", "pid", "reported_at", "age", "record_type"])
    frame = frame[child_reports(frame)[0]]  # the report's one rule for a child's missing report
    lists = []
    for force_id, name in partners:
        mine = frame[frame["force_id"] == force_id]
        listed = emerging_frequent(mine, pd.Timestamp(now), rules) if len(mine) else None
        children = (
            []
            if listed is None
            else [
                {
                    k: (int(v) if k in ("recent", "baseline") else v)
                    for k, v in zip(LISTED, r, strict=True)
                }
                for r in listed[list(LISTED)].itertuples(index=False)
            ]
        )
        lists.append({"force_id": force_id, "force": name, "children": children})
    audit.record(
        session,
        actor,
        "list",
        "emerging_frequent",
        detail={
            "force_ids": [p[0] for p in partners],
            "pids": [c["pid"] for entry in lists for c in entry["children"]],
        },
    )
    return lists
