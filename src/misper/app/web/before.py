"""Web pages of the "before" stage: the Philomena profile a care home keeps for each child (its
completeness, what is missing, the review due, the child's missing history from the store), and
the council's placement check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from misper.app import access
from misper.app.children import service as children
from misper.app.errors import Invalid
from misper.app.philomena import review
from misper.app.placements import out_of_area
from misper.app.placements.models import Home
from misper.app.routing import DB
from misper.app.triage.service import child_history, history_frame
from misper.app.ui.pages import Caller
from misper.app.ui.pages import render as _page
from misper.app.web.during import _errors, _gate
from misper.process.config import default_config
from misper.process.philomena import FIELDS

router = APIRouter(include_in_schema=False)
Pid = Annotated[str, Path(min_length=1, max_length=64)]


def _profile_page(request, session, actor, pid, errors=None, values=None, status_code=200):
    status = review.profile_status(session, actor, pid)
    frame = history_frame(session, access.episodes(actor))
    history = child_history(frame, pid, pd.Timestamp.now()) if len(frame) else None
    return _page(
        request,
        "during/profile.html",
        actor,
        status_code=status_code,
        status=status,
        fields=FIELDS,
        history=history,
        now=datetime.now(),
        errors=errors or {},
        values=values if values is not None else _shown(status),
        saved=request.query_params.get("saved"),
        default_wait=default_config().carer_flowchart.wait_minutes,
    )


def _shown(status: review.ProfileStatus) -> dict:
    wait = status.agreed_wait_minutes
    return {**status.content, "agreed_wait_minutes": "" if wait is None else str(wait)}


@router.get("/children/{pid}/profile", response_class=HTMLResponse)
def profile(request: Request, pid: Pid, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "philomena", "read")) is not None:
        return refused
    return _profile_page(request, session, actor, pid)


@router.post("/children/{pid}/profile", response_class=HTMLResponse)
async def save_profile(request: Request, pid: Pid, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "philomena", "create")) is not None:
        return refused
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in (*FIELDS, "agreed_wait_minutes")}
    try:
        review.save_review(session, actor, pid, values)
    except Invalid as exc:
        session.rollback()
        return _profile_page(request, session, actor, pid, _errors(exc), values, 422)
    return RedirectResponse(f"/children/{pid}/profile?saved=1", status_code=303)


@router.get("/placement-check", response_class=HTMLResponse)
def placement_check(
    request: Request,
    session: DB,
    actor: Caller,
    pid: Annotated[str, Query(max_length=64)] = "",
    home: Annotated[str, Query(max_length=64)] = "",
):
    """Before confirming a placement: links between the child and the children in that home."""
    if (refused := _gate(request, actor, "placements", "create")) is not None:
        return refused
    rows, _ = children.list_children(session, actor, in_care=None, offset=0, limit=500)
    errors, links, target = {}, None, None
    if "pid" in request.query_params:  # the form was sent, even empty
        try:
            if not pid:
                raise Invalid("pid", "choose the child")
            target = session.scalar(select(Home).where(Home.place_id == home.strip()))
            if target is None:
                raise Invalid("home", "no home has this place id")
            links = out_of_area.placement_check(session, actor, pid, target.id)
        except Invalid as exc:
            errors = _errors(exc)
    return _page(
        request,
        "during/placement_check.html",
        actor,
        status_code=422 if errors else 200,
        children=rows,
        errors=errors,
        links=links,
        target=target,
        values={"pid": pid, "home": home},
        link_parts=link_parts,
    )


def _times(n: int, one: str, many: str) -> str:
    return one.format(n=n) if n == 1 else many.format(n=n)


def link_parts(link: out_of_area.Link) -> list[str]:
    """The links found with one resident, in words."""
    parts = []
    if link.shared_associates:
        parts.append(
            _times(link.shared_associates, "{n} shared associate", "{n} shared associates")
        )
    if link.missing_together:
        parts.append(
            _times(
                link.missing_together,
                "went missing together {n} time",
                "went missing together {n} times",
            )
        )
    if link.rival_groups:
        parts.append(
            _times(
                link.rival_groups,
                "linked to a group that is a rival of the child's",
                "linked to {n} groups that are rivals of the child's",
            )
        )
    return parts
