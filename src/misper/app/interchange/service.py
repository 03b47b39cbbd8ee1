"""Between the store and the analysis: episodes out as the canonical incident table, and back in.

The analyst's file is pseudonymised for its recipient: the store's ids (person, episode, place,
associate) replaced by HMAC-SHA256 pseudonyms under the recipient's own key (`keys.py`), the
coordinates coarsened to the centre of their 0.01-degree cell, free text, names and dates of birth
left out; postcode sectors stay. Every CSV it writes has its formula cells neutralised.

The import is idempotent: a row whose rid is stored and whose values are the same changes nothing;
a row that differs updates the episode (one audit event naming the changed columns, never values).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import ColumnElement, and_, delete, insert, select, true
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import (
    EPISODE_FIELDS,
    Associate,
    Episode,
    EpisodeAssociate,
    EpisodeLink,
    episodes_table,
)
from misper.app.errors import Invalid, NotFound
from misper.app.interchange.keys import export_secret, recipient_key
from misper.app.interviews.models import PreventionInterview, ReturnHomeInterview
from misper.app.placements.models import Home
from misper.app.users.models import User
from misper.incidents.cells import neutralise_frame
from misper.incidents.frame import csv_ready, to_arrow, to_canonical
from misper.incidents.pseudonymise import Pseudonymiser
from misper.incidents.schema import BY_NAME, COLUMNS, NAMES, Kind

CHUNK = 5_000
FREE_TEXT = tuple(c.name for c in COLUMNS if c.free_text)
RHI_COLUMNS = {
    "rhi_offered": "offered",
    "rhi_accepted": "accepted",
    "rhi_completed_at": "completed_at",
}
# Coordinates leave as the centre of their cell of 1/100 degree (about 1.1 km north-south and
# 0.7 km east-west here): a fixed grid, the same everywhere, whose cells nest in the report's map
# cells (hotspots.GRID_DEGREES, 0.02), so the map from the file is the map from the store.
CELLS_PER_DEGREE = 100
COORDINATES = ("missing_from_lat", "missing_from_lon", "found_lat", "found_lon")


def export_frame(
    session: Session,
    scope: ColumnElement[bool] | None = None,
    *,
    with_names: bool = False,
    free_text: bool = True,
    merged: bool = False,
) -> pd.DataFrame:
    """The store's episodes (those matching `scope`) as a canonical frame, one row per episode.

    Names and dates of birth are added (as extra columns) only when asked for; free text is
    dropped for pseudonymised exports. A duplicate report merged into another episode is left out
    (its records moved to the one kept, which counts the absence once) unless `merged` is asked.
    """
    scope = true() if scope is None else scope
    if not merged:
        scope = and_(scope, Episode.merged_into_id.is_(None))
    columns = [episodes_table.c[n] for n in EPISODE_FIELDS]
    query = (
        select(
            Episode.id,
            Episode.rid,
            Child.pid,
            Episode.links_recorded,
            Episode.associates_recorded,
            *columns,
            Child.name,
            Child.date_of_birth,
        )
        .join(Child, Child.id == Episode.child_id)
        .where(scope)
        .order_by(Episode.id)
    )
    frame = pd.DataFrame(
        session.execute(query).all(),
        columns=[
            "id",
            "rid",
            "pid",
            "links_recorded",
            "associates_recorded",
            *EPISODE_FIELDS,
            "child_name",
            "date_of_birth",
        ],
    )
    ids = select(Episode.id).where(scope).scalar_subquery()
    links = _grouped(
        session,
        select(EpisodeLink.episode_id, EpisodeLink.linked_rid)
        .where(EpisodeLink.episode_id.in_(ids))
        .order_by(EpisodeLink.episode_id, EpisodeLink.position),
    )
    associates = _grouped(
        session,
        select(EpisodeAssociate.episode_id, Associate.associate_id)
        .join(Associate, Associate.id == EpisodeAssociate.associate_id)
        .where(EpisodeAssociate.episode_id.in_(ids))
        .order_by(EpisodeAssociate.episode_id, EpisodeAssociate.position),
    )
    frame["linked_rids"] = [
        links.get(i, [] if known else None)
        for i, known in zip(frame["id"], frame["links_recorded"], strict=True)
    ]
    frame["associate_ids"] = [
        associates.get(i, [] if known else None)
        for i, known in zip(frame["id"], frame["associates_recorded"], strict=True)
    ]
    prevention = dict(
        session.execute(
            select(PreventionInterview.episode_id, PreventionInterview.outcome).where(
                PreventionInterview.episode_id.in_(ids)
            )
        ).all()
    )
    frame["prevention_interview"] = [prevention.get(i) for i in frame["id"]]
    rhis = {
        r.episode_id: r
        for r in session.execute(
            select(
                ReturnHomeInterview.episode_id,
                ReturnHomeInterview.offered,
                ReturnHomeInterview.accepted,
                ReturnHomeInterview.completed_at,
            ).where(ReturnHomeInterview.episode_id.in_(ids))
        )
    }
    for column, field in RHI_COLUMNS.items():
        frame[column] = [getattr(rhis[i], field) if i in rhis else None for i in frame["id"]]
    wanted = [n for n in NAMES if free_text or n not in FREE_TEXT]
    if with_names:
        wanted += ["child_name", "date_of_birth"]
        frame["date_of_birth"] = pd.Series(
            [None if pd.isna(d) else d.isoformat() for d in frame["date_of_birth"]],
            dtype="string",
            index=frame.index,
        )
    return to_canonical(frame[wanted])


def analyst_frame(
    session: Session, scope: ColumnElement[bool] | None, recipient: int
) -> pd.DataFrame:
    """The episodes matching `scope` as the analyst `recipient` (a user id) receives them: ids as
    their own keyed pseudonyms, coordinates coarsened, no free text, names or dates of birth."""
    key = recipient_key(export_secret(session.get_bind().url), recipient)
    frame = Pseudonymiser(key).apply(export_frame(session, scope, free_text=False))
    for name in COORDINATES:
        frame[name] = _coarse(frame[name])
    return to_canonical(frame)


def _coarse(values: pd.Series) -> pd.Series:
    cells = np.floor(values.to_numpy(dtype=float, na_value=np.nan) * CELLS_PER_DEGREE)
    return pd.Series(np.round((cells + 0.5) / CELLS_PER_DEGREE, 3), index=values.index)


def incidents_csv(frame: pd.DataFrame) -> bytes:
    """A canonical frame as CSV bytes in the spec's form, no cell a live spreadsheet formula."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(csv_ready(to_arrow(neutralise_frame(frame))), sink)
    return sink.getvalue().to_pybytes()


def export_for(session: Session, username: str) -> tuple[pd.DataFrame, int]:
    """The whole store pseudonymised for the user `username` (the command line's export, for the
    operator to hand on), with that user's id; the same pseudonyms as their own downloads."""
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"user {username!r}")
    return analyst_frame(session, None, user_id), user_id


def _grouped(session: Session, query) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for key, value in session.execute(query):
        out[key].append(value)
    return out


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int


def import_frame(
    session: Session, actor: Actor | None, frame: pd.DataFrame, force_id: int
) -> ImportSummary:
    """Load a canonical frame (from `load_incidents`) into the store as episodes of `force_id`."""
    present = [n for n in NAMES if n in frame.columns]
    rows = _records(frame, present)
    rids = [r["rid"] for r in rows]
    if len(set(rids)) != len(rids):
        raise Invalid("rid", "the file holds the same rid more than once")
    stored: dict[str, int] = {}
    for start in range(0, len(rids), CHUNK):
        stored.update(
            session.execute(
                select(Episode.rid, Episode.force_id).where(
                    Episode.rid.in_(rids[start : start + CHUNK])
                )
            ).all()
        )
    for number, row in enumerate(rows, start=1):
        if row["rid"] in stored and stored[row["rid"]] != force_id:
            raise Invalid(
                "rid",
                f"row {number}: episode {row['rid']} is another force's; the import changes only "
                "the importing force's own episodes (nothing was imported)",
            )
    stored_rids = set(stored)
    new = [r for r in rows if r["rid"] not in stored_rids]
    old = [r for r in rows if r["rid"] in stored_rids]
    children = _ensure_children(session, actor, rows, force_id)
    _insert(session, new, present, children, force_id)
    updated = _update(session, actor, old, present, children) if old else 0
    if "found_at" in present or any(c in present for c in RHI_COLUMNS):
        from misper.app.interviews.return_home import follow_found_time  # (imports episodes)

        follow_found_time(session, actor, announce=False)  # imported interviews get their clock
    audit.record(
        session,
        actor,
        "import",
        "episode",
        detail={"added": len(new), "updated": updated, "unchanged": len(old) - updated},
    )
    return ImportSummary(len(new), updated, len(old) - updated)


def _records(frame: pd.DataFrame, present: list[str]) -> list[dict]:
    """Rows as plain Python values (None for unknown), the form both the database and diffs take."""
    columns = {}
    for name in present:
        series = frame[name]
        kind = BY_NAME[name].kind
        if kind is Kind.LIST:
            columns[name] = pa.Array.from_pandas(series).to_pylist()
        elif kind is Kind.DATETIME:
            columns[name] = [None if pd.isna(v) else v.to_pydatetime() for v in series]
        else:
            columns[name] = series.astype(object).where(series.notna(), None).tolist()
    return [
        dict(zip(present, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def _ensure_children(
    session: Session, actor: Actor | None, rows: list[dict], force_id: int
) -> dict[str, int]:
    """pid -> child id, creating the children not yet stored from their latest row, held by the
    importing force. A stored child must be the importing force's (`access.holding_force`): a
    file cannot attach episodes to another agency's child by naming its pid."""
    pids = sorted({r["pid"] for r in rows})
    known: dict[str, int] = {}
    for start in range(0, len(pids), CHUNK):
        for child in session.scalars(
            select(Child).where(Child.pid.in_(pids[start : start + CHUNK]))
        ):
            if child.agency_id != force_id and access.holding_force(session, child) != force_id:
                number = next(n for n, r in enumerate(rows, start=1) if r["pid"] == child.pid)
                raise Invalid(
                    "pid",
                    f"row {number}: child {child.pid} is held by another agency; the import "
                    "attaches episodes only to the importing force's own children, or to new "
                    "ones it creates (nothing was imported)",
                )
            known[child.pid] = child.id
    councils = dict(
        session.execute(
            select(Agency.name, Agency.id).where(Agency.kind == AgencyKind.council.value)
        ).all()
    )
    latest: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: r["reported_at"]):
        if row["pid"] not in known:
            latest[row["pid"]] = row
    now = datetime.now()
    new = [
        {
            "pid": pid,
            "gender": r.get("gender"),
            "ethnic_appearance": r.get("ethnic_appearance"),
            "in_care": r.get("in_care"),
            "responsible_council_id": councils.get(r.get("responsible_authority")),
            "agency_id": force_id,
            "created_at": now,
        }
        for pid, r in latest.items()
    ]
    for start in range(0, len(new), CHUNK):
        session.execute(insert(Child.__table__), new[start : start + CHUNK])
    for start in range(0, len(new), CHUNK):
        chunk = [c["pid"] for c in new[start : start + CHUNK]]
        known.update(session.execute(select(Child.pid, Child.id).where(Child.pid.in_(chunk))).all())
    if new:
        audit.record(session, actor, "import", "child", detail={"added": len(new)})
    return known


def _episode_values(row: dict, present: list[str]) -> dict:
    return {n: row[n] for n in present if n in EPISODE_FIELDS}


def _insert(
    session: Session, rows: list[dict], present: list[str], children: dict[str, int], force_id: int
) -> None:
    homes = dict(session.execute(select(Home.place_id, Home.id)).all())
    now = datetime.now()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        session.execute(
            insert(episodes_table),
            [
                {
                    "rid": r["rid"],
                    "child_id": children[r["pid"]],
                    "force_id": force_id,
                    "home_id": homes.get(r.get("missing_from_place_id")),
                    "version": 1,
                    "links_recorded": r.get("linked_rids") is not None,
                    "associates_recorded": r.get("associate_ids") is not None,
                    "updated_at": now,
                    **_episode_values(r, present),
                }
                for r in chunk
            ],
        )
        ids = dict(
            session.execute(
                select(Episode.rid, Episode.id).where(Episode.rid.in_([r["rid"] for r in chunk]))
            ).all()
        )
        _write_parts(session, [(ids[r["rid"]], r) for r in chunk], present)


def _write_parts(session: Session, rows: list[tuple[int, dict]], present: list[str]) -> None:
    """The canonical columns held outside the episode row: links, associates, interviews."""
    links = [
        {"episode_id": i, "linked_rid": rid, "position": p}
        for i, r in rows
        for p, rid in enumerate(dict.fromkeys(r.get("linked_rids") or []))
    ]
    if links and "linked_rids" in present:
        session.execute(insert(EpisodeLink.__table__), links)
    naming = [i for i, r in rows if r.get("associate_ids")]
    if naming and "associate_ids" in present:
        # Each associate is the record of the force whose episode names it (access.associates).
        force_of = dict(
            session.execute(
                select(Episode.id, Episode.force_id).where(Episode.id.in_(naming))
            ).all()
        )
        wanted: dict[int, set[str]] = defaultdict(set)
        for i, r in rows:
            wanted[force_of.get(i)].update(r.get("associate_ids") or [])
        held = {force: _ensure_associates(session, names, force) for force, names in wanted.items()}
        session.execute(
            insert(EpisodeAssociate.__table__),
            [
                {"episode_id": i, "associate_id": held[force_of[i]][a], "position": p}
                for i, r in rows
                for p, a in enumerate(dict.fromkeys(r.get("associate_ids") or []))
            ],
        )
    if "prevention_interview" in present:
        now = datetime.now()
        interviews = [
            {"episode_id": i, "outcome": r["prevention_interview"], "recorded_at": now}
            for i, r in rows
            if r["prevention_interview"] is not None
        ]
        if interviews:
            session.execute(insert(PreventionInterview.__table__), interviews)
    if any(c in present for c in RHI_COLUMNS):
        rhis = [
            {
                "episode_id": i,
                "version": 1,
                "shared_with_police": False,
                **{field: r.get(column) for column, field in RHI_COLUMNS.items()},
            }
            for i, r in rows
            if any(r.get(c) is not None for c in RHI_COLUMNS)
        ]
        if rhis:
            session.execute(insert(ReturnHomeInterview.__table__), rhis)


def _ensure_associates(session: Session, wanted: set[str], force_id: int) -> dict[str, int]:
    """associate id -> row id of the force's own record of it, recording those it lacks."""
    ordered = sorted(wanted)
    known: dict[str, int] = {}
    for start in range(0, len(ordered), CHUNK):
        known.update(
            session.execute(
                select(Associate.associate_id, Associate.id).where(
                    Associate.force_id == force_id,
                    Associate.associate_id.in_(ordered[start : start + CHUNK]),
                )
            ).all()
        )
    missing = [
        {"force_id": force_id, "associate_id": a, "kind": "unknown"}
        for a in ordered
        if a not in known
    ]
    for start in range(0, len(missing), CHUNK):
        session.execute(insert(Associate.__table__), missing[start : start + CHUNK])
    if missing:
        return _ensure_associates(session, wanted, force_id)
    return known


def _update(
    session: Session,
    actor: Actor | None,
    rows: list[dict],
    present: list[str],
    children: dict[str, int],
) -> int:
    """Apply the rows that differ from the stored episodes; returns how many did."""
    stored = (
        export_frame(session, Episode.rid.in_([r["rid"] for r in rows]), merged=True)
        if len(rows) <= CHUNK
        else export_frame(session, merged=True)
    )
    before = {r["rid"]: r for r in _records(stored, present)}
    changed_count = 0
    for row in rows:
        changed = [n for n in present if n != "rid" and row[n] != before[row["rid"]][n]]
        if not changed:
            continue
        changed_count += 1
        episode = session.scalar(select(Episode).where(Episode.rid == row["rid"]))
        if "pid" in changed:
            episode.child_id = children[row["pid"]]
        for name in changed:
            if name in EPISODE_FIELDS:
                setattr(episode, name, row[name])
        if "linked_rids" in present:
            episode.links_recorded = row["linked_rids"] is not None
        if "associate_ids" in present:
            episode.associates_recorded = row["associate_ids"] is not None
        episode.updated_at = datetime.now()
        parts = [n for n in changed if n not in EPISODE_FIELDS and n != "pid"]
        if parts:
            _replace_parts(session, episode.id, row, present)
        session.flush()
        audit.record(
            session,
            actor,
            "import_update",
            "episode",
            episode.id,
            child_id=episode.child_id,
            detail={"fields": changed},
        )
    return changed_count


def _replace_parts(session: Session, episode_id: int, row: dict, present: list[str]) -> None:
    """Rewrite the links the file lists; change interviews in place, keeping what the file lacks
    (a provider's findings, an officer's notes)."""
    lists = [n for n in ("linked_rids", "associate_ids") if n in present]
    for name, table in (("linked_rids", EpisodeLink), ("associate_ids", EpisodeAssociate)):
        if name in lists:
            session.execute(delete(table).where(table.episode_id == episode_id))
    _write_parts(session, [(episode_id, row)], lists)
    if "prevention_interview" in present:
        interview = session.scalar(
            select(PreventionInterview).where(PreventionInterview.episode_id == episode_id)
        )
        if row["prevention_interview"] is None and interview is not None:
            session.delete(interview)
        elif interview is None:
            _write_parts(session, [(episode_id, row)], ["prevention_interview"])
        else:
            interview.outcome = row["prevention_interview"]
    rhi_columns = [c for c in RHI_COLUMNS if c in present]
    if rhi_columns:
        rhi = session.scalar(
            select(ReturnHomeInterview).where(ReturnHomeInterview.episode_id == episode_id)
        )
        if rhi is None:
            _write_parts(session, [(episode_id, row)], rhi_columns)
        else:
            for column in rhi_columns:
                setattr(rhi, RHI_COLUMNS[column], row[column])


def export_csv(session: Session, actor: Actor) -> bytes:
    """The episodes the actor's agency holds, pseudonymised for the actor, as CSV bytes; audited."""
    access.require(actor, "export", "read")
    frame = analyst_frame(session, access.episodes(actor), actor.user_id)
    audit.record(session, actor, "export", "episode", detail={"rows": len(frame)})
    return incidents_csv(frame)
