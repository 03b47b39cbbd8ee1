"""Dashboard and timeline routes (JSON), for other systems and the pages' tests."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from misper.app.access import Actor
from misper.app.children.timeline import child_timeline
from misper.app.dashboards import service as dash
from misper.app.routing import DB, ERRORS, allowed
from misper.app.schemas import LocalDatetime

router = APIRouter(prefix="/api", tags=["dashboards"], responses=ERRORS)


def _records(frame) -> list[dict]:
    # Through JSON so that timestamps, NaN and numpy values come out as plain JSON values.
    return json.loads(frame.to_json(orient="records", date_format="iso"))


@router.get("/dashboards/open-episodes")
def open_episodes(session: DB, actor: Actor = allowed("episodes", "list")) -> list[dict]:
    return _records(dash.open_episodes(session, actor, datetime.now()))


@router.get("/dashboards/frequently-missing")
def frequently_missing(session: DB, actor: Actor = allowed("episodes", "list")) -> dict:
    frequent, rising = dash.frequent_and_emerging(session, actor, datetime.now())
    return {"frequent": _records(frequent), "emerging": _records(rising)}


@router.get("/dashboards/rhi-compliance")
def rhi_compliance(
    session: DB, actor: Actor = allowed("return_home_interviews", "list")
) -> list[dict]:
    dash.refresh(session, datetime.now())
    return _records(dash.rhi_compliance(session, actor))


@router.get("/dashboards/care-homes")
def care_homes(
    session: DB,
    start: Annotated[LocalDatetime, Query()],
    end: Annotated[LocalDatetime, Query()],
    actor: Actor = allowed("episodes", "list"),
) -> list[dict]:
    return _records(dash.care_home_feedback(session, actor, start, end))


@router.get("/dashboards/hotspots")
def hotspots(
    session: DB,
    start: Annotated[LocalDatetime, Query()],
    end: Annotated[LocalDatetime, Query()],
    actor: Actor = allowed("episodes", "list"),
) -> dict:
    parts = dash.hotspot_counts(session, actor, start, end)
    return {k: _records(t) for k, t in parts.items()}


@router.get("/dashboards/network")
def network(session: DB, actor: Actor = allowed("associations", "list")) -> dict:
    return dash.network_graph(session, actor)


@router.get("/children/{pid}/timeline")
def timeline(
    pid: Annotated[str, Path(min_length=1, max_length=64)],
    session: DB,
    actor: Actor = allowed("timelines", "read"),
) -> list[dict]:
    return [{**e, "at": e["at"].isoformat()} for e in child_timeline(session, actor, pid)]
