"""The Philomena profile as a web page: its completeness, what is missing, the review due, the
child's missing history from the store, and saving it as reviewed."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from misper.app import access
from misper.app.access import Actor
from misper.app.errors import Invalid
from misper.app.philomena import review
from misper.app.philomena.api import PidPath
from misper.app.routing import DB, allowed
from misper.app.triage.service import RECENT_DAYS, child_history, history_frame
from misper.app.ui.forms import day, field_errors
from misper.app.ui.pages import render
from misper.process.config import default_config
from misper.process.philomena import FIELDS

router = APIRouter(include_in_schema=False)


def _profile_page(
    request: Request,
    session: Session,
    actor: Actor,
    pid: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    status = review.profile_status(session, actor, pid)
    frame = history_frame(session, access.episodes(actor))
    history = child_history(frame, pid, pd.Timestamp.now()) if len(frame) else None
    return render(
        request,
        "philomena/profile.html",
        actor,
        status_code=status_code,
        status=status,
        fields=FIELDS,
        history=history,
        recent_days=RECENT_DAYS,
        now=datetime.now(),
        errors=errors or {},
        values=values if values is not None else _shown(status),
        saved=request.query_params.get("saved"),
        default_wait=default_config().carer_flowchart.wait_minutes,
    )


def _shown(status: review.ProfileStatus) -> dict[str, str]:
    wait, born = status.agreed_wait_minutes, status.date_of_birth
    return {
        **status.content,
        "agreed_wait_minutes": "" if wait is None else str(wait),
        "date_of_birth": born.isoformat() if born else "",
    }


@router.get("/children/{pid}/profile", response_class=HTMLResponse)
def profile(
    request: Request, pid: PidPath, session: DB, actor: Actor = allowed("philomena", "read")
):
    return _profile_page(request, session, actor, pid)


@router.post("/children/{pid}/profile", response_class=HTMLResponse)
async def save_profile(
    request: Request, pid: PidPath, session: DB, actor: Actor = allowed("philomena", "create")
):
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in (*FIELDS, "agreed_wait_minutes")}
    born = form.get("date_of_birth")
    upload = form.get("photo")
    try:
        identity = {}
        if isinstance(born, str):  # the form carries it: empty is "not known"
            identity["date_of_birth"] = day(born, "date_of_birth") if born.strip() else None
        if isinstance(upload, UploadFile) and upload.filename:
            identity["photo"] = await upload.read()
        review.save_review(session, actor, pid, values, **identity)
    except Invalid as exc:
        session.rollback()
        shown = {**values, "date_of_birth": born if isinstance(born, str) else ""}
        return _profile_page(request, session, actor, pid, field_errors(exc), shown, 422)
    return RedirectResponse(f"/children/{pid}/profile?saved=1", status_code=303)
