"""The return home interview after an episode: which council owes it, its 72-hour clock, arranging,
offer/accept/decline/complete, findings shared with the police, and the overdue notifications."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.interviews import findings as found
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.notifications.service import notify
from misper.app.placements.models import Home, Placement
from misper.app.placements.service import out_of_area
from misper.process.config import ProcessConfig, default_config
from misper.process.return_home_interview import Clock, clock, due_at

INTERVIEWER_KINDS = ("independent_provider", "social_worker")
STATES = ("declined",) + tuple(c.value for c in Clock)


def _current_placement(session: Session, child_id: int) -> tuple[Placement, Home] | None:
    row = session.execute(
        select(Placement, Home)
        .join(Home, Home.id == Placement.home_id)
        .where(Placement.child_id == child_id, Placement.end_date.is_(None))
        .order_by(Placement.start_date.desc())
        .limit(1)
    ).first()
    return tuple(row) if row else None


def open_for_episode(
    session: Session, actor: Actor, episode: Episode, config: ProcessConfig | None = None
) -> ReturnHomeInterview:
    """On closing: the interview is owed by the placing council (the responsible council when the
    child is not placed), with the clock running from the found time; the host council of an
    out-of-area placement is told, since it may take the interview on by agreement."""
    rhi = session.scalar(
        select(ReturnHomeInterview).where(ReturnHomeInterview.episode_id == episode.id)
    )
    if rhi is None:
        rhi = ReturnHomeInterview(episode_id=episode.id, shared_with_police=False)
        session.add(rhi)
        session.flush()
    if rhi.found_at is None:  # no clock yet
        _arrange(session, actor, episode, rhi, config)
    return rhi


def _owing(
    placed: tuple[Placement, Home] | None, child: Child
) -> tuple[int | None, int | None, bool]:
    """(council owing the interview, placing council, out of area) from the current placement."""
    placing = placed[0].placing_council_id if placed else child.responsible_council_id
    away = placed is not None and out_of_area(*placed)
    council = placing if placing is not None else (placed[1].host_council_id if placed else None)
    return council, placing, away


def _arrange(
    session: Session,
    actor: Actor | None,
    episode: Episode,
    rhi: ReturnHomeInterview,
    config: ProcessConfig | None,
) -> None:
    """Start the interview's clock from the found time and tell the councils concerned."""
    rules = (config or default_config()).return_home_interview
    placed = _current_placement(session, episode.child_id)
    council, placing, away = _owing(placed, session.get(Child, episode.child_id))
    due = due_at(episode.found_at, rules).to_pydatetime()
    rhi.council_id, rhi.placing_council_id, rhi.out_of_area = council, placing, away
    rhi.found_at, rhi.due_at = episode.found_at, due
    session.flush()
    if council is not None:
        notify(
            session,
            council,
            f"Return home interview {rhi.id} due by {due:%d %b %Y %H:%M}",
            episode.id,
            link=f"/interviews/{rhi.id}/record",
        )
    if away:
        notify(
            session,
            placed[1].host_council_id,
            f"A child placed in your area was found; its placing council owes return home "
            f"interview {rhi.id}, which you may take on by agreement",
            episode.id,
            link="/interviews",
        )
    audit.record(
        session,
        actor,
        "create",
        "return_home_interview",
        rhi.id,
        child_id=episode.child_id,
        detail={"council_id": council, "out_of_area": away},
    )


def follow_found_time(
    session: Session,
    actor: Actor | None,
    episode_ids: list[int] | None = None,
    *,
    announce: bool = True,
    now: datetime | None = None,
    config: ProcessConfig | None = None,
) -> int:
    """Give every interview of a found episode its 72-hour clock from the found time, whichever
    path made the interview (closing, the older assign endpoint, an import) and whichever closed
    the episode (closing, a change, an import); a corrected found time moves the clock.

    `episode_ids` None: every interview in the store. `announce` False (imports): no notification
    per interview, and a clock already past its target when started is marked as notified, since
    an import brings history: its overdue interviews show on the list and in the compliance, not
    as a burst of notifications. Returns the number of clocks started or moved.
    """
    config = config or default_config()
    rules, now = config.return_home_interview, now or datetime.now()
    query = (
        select(
            ReturnHomeInterview.id,
            Episode.id,
            Episode.child_id,
            Episode.found_at,
            ReturnHomeInterview.found_at.is_not(None),
        )
        .join(Episode, Episode.id == ReturnHomeInterview.episode_id)
        .where(
            Episode.found_at.is_not(None),
            or_(
                ReturnHomeInterview.found_at.is_(None),
                ReturnHomeInterview.found_at != Episode.found_at,
            ),
        )
    )
    if episode_ids is None:
        rows = session.execute(query).all()
    else:
        rows = [
            r
            for chunk in _chunks(episode_ids)
            for r in session.execute(query.where(Episode.id.in_(chunk))).all()
        ]
    fresh = []
    for rhi_id, episode_id, child_id, found_at, running in rows:
        if running:
            _move(
                session, actor, session.get(ReturnHomeInterview, rhi_id), child_id, found_at, rules
            )
        elif announce:
            _arrange(
                session,
                actor,
                session.get(Episode, episode_id),
                session.get(ReturnHomeInterview, rhi_id),
                config,
            )
        else:
            fresh.append((rhi_id, child_id, found_at))
    for chunk in _chunks(fresh):
        _arrange_quietly(session, actor, chunk, rules, now)
    session.flush()
    return len(rows)


def _chunks(items: list, size: int = 5_000) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _move(
    session: Session,
    actor: Actor | None,
    rhi: ReturnHomeInterview,
    child_id: int,
    found_at: datetime,
    rules,
) -> None:
    rhi.found_at = found_at
    rhi.due_at = due_at(found_at, rules).to_pydatetime()
    audit.record(
        session,
        actor,
        "update",
        "return_home_interview",
        rhi.id,
        child_id=child_id,
        detail={"fields": ["found_at", "due_at"]},
    )


def _arrange_quietly(
    session: Session, actor: Actor | None, fresh: list[tuple], rules, now: datetime
) -> None:
    """Clocks for many interviews at once (an import): one query each for the children and their
    placements, one UPDATE statement (no field history per interview: the audit event names them).
    `fresh`: (interview id, child id, found time)."""
    child_ids = sorted({child_id for _, child_id, _ in fresh})
    children = {c.id: c for c in session.scalars(select(Child).where(Child.id.in_(child_ids)))}
    placed: dict[int, tuple[Placement, Home]] = {}
    for placement, home in session.execute(
        select(Placement, Home)
        .join(Home, Home.id == Placement.home_id)
        .where(Placement.child_id.in_(child_ids), Placement.end_date.is_(None))
        .order_by(Placement.start_date.desc())
    ).all():
        placed.setdefault(placement.child_id, (placement, home))
    rows = []
    for rhi_id, child_id, found_at in fresh:
        council, placing, away = _owing(placed.get(child_id), children[child_id])
        due = due_at(found_at, rules).to_pydatetime()
        rows.append(
            {
                "id": rhi_id,
                "council_id": council,
                "placing_council_id": placing,
                "out_of_area": away,
                "found_at": found_at,
                "due_at": due,
                "overdue_notified_at": now if due < now else None,
            }
        )
    table = ReturnHomeInterview.__table__
    session.execute(  # bound as "_<column>": a column's own name is reserved for its SET value
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({name: bindparam(f"_{name}") for name in rows[0] if name != "id"}),
        [{f"_{name}": value for name, value in row.items()} for row in rows],
    )
    started = {row["id"] for row in rows}
    for obj in list(session.identity_map.values()):  # loaded before the UPDATE: read them again
        if isinstance(obj, ReturnHomeInterview) and obj.id in started:
            session.expire(obj)
    audit.record(
        session,
        actor,
        "create",
        "return_home_interview",
        detail={"clocks_started": [row["id"] for row in rows]},
    )


def state(rhi: ReturnHomeInterview, now: datetime, config: ProcessConfig | None = None) -> str:
    """Declined, or where the interview stands on its clock (due, overdue, on time, late)."""
    if rhi.accepted is False and rhi.completed_at is None:
        return "declined"
    rules = (config or default_config()).return_home_interview
    return clock(rhi.found_at, rhi.completed_at, now, rules).value


def _query(actor: Actor):
    # Aliases: the scope predicate's own sub-queries on episodes and children must not be
    # correlated with the rows joined here for the answer.
    episode, child = aliased(Episode), aliased(Child)
    return (
        select(ReturnHomeInterview, episode.rid, child.pid, child.name, child.id)
        .join(episode, episode.id == ReturnHomeInterview.episode_id)
        .join(child, child.id == episode.child_id)
        .where(ReturnHomeInterview.found_at.is_not(None), access.return_home_interviews(actor))
    )


def list_with_clock(
    session: Session,
    actor: Actor,
    now: datetime,
    wanted: str | None = None,
    config: ProcessConfig | None = None,
    limit: int = 500,
    newest_first: bool = False,
) -> list[dict]:
    """The interviews in the caller's scope with their clock, the oldest due first (or newest).

    Overdue ones are picked in the query, so that years of imported history cannot push this
    week's overdue interviews past the limit.
    """
    access.require(actor, "return_home_interviews", "list")
    query = _query(actor)
    if wanted == Clock.OVERDUE.value:
        query = query.where(
            ReturnHomeInterview.due_at < now,
            ReturnHomeInterview.completed_at.is_(None),
            or_(ReturnHomeInterview.accepted.is_(None), ReturnHomeInterview.accepted.is_(True)),
        )
    order = (
        (ReturnHomeInterview.due_at.desc(), ReturnHomeInterview.id.desc())
        if newest_first
        else (ReturnHomeInterview.due_at, ReturnHomeInterview.id)
    )
    rows = session.execute(query.order_by(*order).limit(limit)).all()
    named = access.named_children(session, actor, [row[-1] for row in rows], in_list=True)
    out = [
        _answer(rhi, rid, pid, name if child_id in named else None, now, config)
        for rhi, rid, pid, name, child_id in rows
    ]
    if wanted:
        out = [r for r in out if r["state"] == wanted]
    audit.record(
        session, actor, "list", "return_home_interview", detail={"ids": [r["id"] for r in out]}
    )
    return out


def _answer(rhi, rid, pid, name, now, config) -> dict:
    return {
        "id": rhi.id,
        "rid": rid,
        "child": {"pid": pid, "name": name},
        "council_id": rhi.council_id,
        "placing_council_id": rhi.placing_council_id,
        "out_of_area": rhi.out_of_area,
        "host_agreement": rhi.host_agreement,
        "found_at": rhi.found_at,
        "due_at": rhi.due_at,
        "state": state(rhi, now, config),
        "interviewer_kind": rhi.interviewer_kind,
        "provider_id": rhi.provider_id,
        "interviewer": rhi.interviewer,
        "offered": rhi.offered,
        "accepted": rhi.accepted,
        "completed_at": rhi.completed_at,
        "shared_with_police": rhi.shared_with_police,
        "version": rhi.version,
    }


def _visible(session: Session, actor: Actor, rhi_id: int):
    """(interview, rid, pid, name, child id) of an interview on its clock in the caller's
    scope."""
    row = session.execute(_query(actor).where(ReturnHomeInterview.id == rhi_id)).first()
    if row is None:
        raise NotFound("return home interview")
    return row


def read(
    session: Session, actor: Actor, rhi_id: int, now: datetime, config: ProcessConfig | None = None
) -> dict:
    """One interview with its clock and findings; the police get only the fields shared."""
    access.require(actor, "return_home_interviews", "read")
    rhi, rid, pid, name, child_id = _visible(session, actor, rhi_id)
    audit.record(session, actor, "read", "return_home_interview", rhi.id, child_id=child_id)
    named = child_id in access.named_children(session, actor, [child_id], in_list=False)
    answer = _answer(rhi, rid, pid, name if named else None, now, config)
    answer["findings"] = found.as_dict(
        found.findings_of(session, "return_home", rhi.id),
        only_shared=access.sees_only_shared_findings(actor),
    )
    return answer


def _owed_by_caller(session: Session, actor: Actor, rhi_id: int) -> ReturnHomeInterview:
    rhi, *_ = _visible(session, actor, rhi_id)
    if not access.owes_interview(session, actor, rhi):
        raise Conflict("another council owes this interview; it may be taken on by agreement")
    return rhi


def arrange(
    session: Session,
    actor: Actor,
    rhi_id: int,
    interviewer_kind: str,
    provider_id: int | None,
    interviewer: str | None,
) -> None:
    """The owing council gives the interview to an independent provider or to a social worker."""
    access.require(actor, "return_home_interviews", "create")
    rhi = _owed_by_caller(session, actor, rhi_id)
    if interviewer_kind == "independent_provider":
        provider = session.get(Agency, provider_id) if provider_id else None
        if not access.provides_interviews(provider):
            raise Invalid("provider_id", "not a return home interview provider")
        rhi.provider_id = provider.id
        notify(
            session,
            provider.id,
            f"Return home interview {rhi.id} to arrange, due by {rhi.due_at:%d %b %Y %H:%M}",
            rhi.episode_id,
            link=f"/interviews/{rhi.id}/record",
        )
    else:
        if provider_id is not None:
            raise Invalid("provider_id", "a social worker's interview has no provider")
        rhi.provider_id = None
    rhi.interviewer_kind, rhi.interviewer = interviewer_kind, interviewer
    _flush(session)
    audit.record(
        session,
        actor,
        "arrange",
        "return_home_interview",
        rhi.id,
        detail={"interviewer_kind": interviewer_kind},
    )


def take_on(session: Session, actor: Actor, rhi_id: int, agreement: str) -> None:
    """The host council of an out-of-area placement takes the interview on, by a recorded
    agreement."""
    access.require(actor, "return_home_interviews", "create")
    rhi, *_ = _visible(session, actor, rhi_id)
    episode = session.get(Episode, rhi.episode_id)
    placed = _current_placement(session, episode.child_id)
    if not rhi.out_of_area or placed is None or placed[1].host_council_id != actor.agency_id:
        raise Conflict("only the host council of an out-of-area placement may take it on")
    if rhi.council_id == actor.agency_id:
        raise Conflict("your council already owes this interview")
    previous = rhi.council_id
    rhi.council_id = actor.agency_id
    rhi.host_agreement, rhi.host_agreed_at, rhi.host_agreed_by = (
        agreement,
        datetime.now(),
        actor.user_id,
    )
    if previous is not None:
        notify(
            session,
            previous,
            f"Return home interview {rhi.id} taken on by the host council",
            rhi.episode_id,
            body=agreement,
            link="/interviews",
        )
    _flush(session)
    audit.record(
        session,
        actor,
        "take_on",
        "return_home_interview",
        rhi.id,
        child_id=episode.child_id,
        detail={"from": previous},
    )


def record(
    session: Session,
    actor: Actor,
    rhi_id: int,
    version: int,
    changes: dict,
    findings: dict | None,
    shared: list[str] | None,
    now: datetime,
) -> None:
    """Offered, accepted or declined, completed, with findings and what is shared with the police.

    The order is the process's: accepting needs an offer, completing needs an acceptance, and a
    completion lies between the found time and now.
    """
    access.require(actor, "return_home_interviews", "update")
    access.check_writes(
        actor,
        "return_home_interview",
        [
            *changes,
            *(["findings"] if findings is not None else []),
            *(["shared_with_police"] if shared is not None else []),
        ],
    )
    rhi = _owed_by_caller(session, actor, rhi_id)
    if rhi.version != version:
        raise Conflict(
            f"interview {rhi_id} was changed by someone else (now version "
            f"{rhi.version}, you had {version}); reload it"
        )
    for name, value in changes.items():
        setattr(rhi, name, value)
    if rhi.accepted is not None and not rhi.offered:
        raise Invalid("accepted", "the interview must be offered before it is accepted or declined")
    if rhi.completed_at is not None:
        if rhi.accepted is not True:
            raise Invalid("completed_at", "only an accepted interview can be completed")
        if not rhi.found_at <= rhi.completed_at <= now:
            raise Invalid("completed_at", "must lie between the found time and now")
    episode = session.get(Episode, rhi.episode_id)
    before = set(found.as_dict(found.findings_of(session, "return_home", rhi.id))["shared"])
    if findings is not None or shared is not None:
        row = found.save_findings(session, actor, episode, "return_home", rhi.id, findings, shared)
        rhi.shared_with_police = bool(row.shared)
    _flush(session)
    if set(shared or ()) - before:  # told once per newly shared finding, not on every save
        notify(
            session,
            episode.force_id,
            f"Return home interview {rhi.id} findings shared with the police",
            episode.id,
        )
    audit.record(
        session,
        actor,
        "update",
        "return_home_interview",
        rhi.id,
        child_id=episode.child_id,
        detail={"fields": sorted(changes), "shared": shared, "findings": findings is not None},
    )


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("the interview was changed by someone else at the same moment") from None


def raise_overdue(session: Session, now: datetime, config: ProcessConfig | None = None) -> int:
    """Notify the owing council (and the provider) of each interview past its target, once.

    Idempotent: an interview already notified is skipped, so the worker and every dashboard load
    may call it. Rows are locked (PostgreSQL) so that two callers at once do not both notify.
    """
    config = config or default_config()
    cutoff = now - timedelta(hours=config.return_home_interview.target_hours)
    rows = session.scalars(
        select(ReturnHomeInterview)
        .where(
            ReturnHomeInterview.overdue_notified_at.is_(None),
            ReturnHomeInterview.found_at < cutoff,
            ReturnHomeInterview.completed_at.is_(None),
            or_(ReturnHomeInterview.accepted.is_(None), ReturnHomeInterview.accepted.is_(True)),
        )
        .with_for_update(skip_locked=True)
    ).all()
    raised = 0
    for rhi in rows:
        if state(rhi, now, config) != Clock.OVERDUE.value:
            continue
        subject = f"Return home interview {rhi.id} is overdue (was due {rhi.due_at:%d %b %Y %H:%M})"
        for agency in {rhi.council_id, rhi.provider_id} - {None}:
            notify(session, agency, subject, rhi.episode_id, link=f"/interviews/{rhi.id}/record")
        rhi.overdue_notified_at = now
        audit.record(session, None, "overdue", "return_home_interview", rhi.id)
        raised += 1
    session.flush()
    return raised
