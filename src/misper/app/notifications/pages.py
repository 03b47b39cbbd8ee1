"""The notifications pages: the caller's notices, newest first, each opening its case (and read
once opened); marking them read; and how the caller wants them emailed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.episodes.models import Episode
from misper.app.errors import Invalid
from misper.app.interviews.return_home import raise_overdue
from misper.app.notifications import service
from misper.app.notifications.mail import MailSetupError, mail_settings
from misper.app.notifications.models import EmailFrequency
from misper.app.routing import DB, allowed, may_open
from misper.app.schemas import MAX_ID
from misper.app.ui.forms import field_errors, same_site_path
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)
SHOWN = 200
NoticeId = Annotated[int, Path(ge=1, le=MAX_ID)]
LIST = "/notifications"


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, session: DB, actor: Actor = allowed("notifications", "list")):
    raise_overdue(session, datetime.now())  # so an interview just past its target is told at once
    notices = service.list_notifications(session, actor, False, 0, SHOWN)
    return render(
        request,
        "notifications/notifications.html",
        actor,
        notices=notices,
        any_unread=any(n.read_at is None for n in notices),
    )


def _case_page(request: Request, session: Session, actor: Actor, notice: service.Notice) -> str:
    """The page of the case the notice is about; the list when it is about none, or when the
    caller's role does not work on that page (an officer told of a referral to their force)."""
    page = None
    if notice.link:
        page = same_site_path(notice.link, LIST)
    elif notice.episode_id is not None:
        rid = session.scalar(select(Episode.rid).where(Episode.id == notice.episode_id))
        page = f"/episodes/{rid}" if rid is not None else None
    return page if page and may_open(request, actor, page) else LIST


@router.get("/notifications/{notification_id}")
def open_notification(
    notification_id: NoticeId,
    request: Request,
    session: DB,
    actor: Actor = allowed("notifications", "update"),
):
    """Following a notice: read, and on to its case (whose page decides what the caller sees)."""
    notice = service.mark_read(session, actor, notification_id, action="open")
    return RedirectResponse(_case_page(request, session, actor, notice), status_code=303)


@router.post("/notifications/read-all")
def mark_all_read(session: DB, actor: Actor = allowed("notifications", "update")):
    service.mark_all_read(session, actor)
    return RedirectResponse(LIST, status_code=303)


@router.post("/notifications/{notification_id}/read")
def mark_read(
    notification_id: NoticeId, session: DB, actor: Actor = allowed("notifications", "update")
):
    service.mark_read(session, actor, notification_id)
    return RedirectResponse(LIST, status_code=303)


def _email_page(request, session, actor, status_code=200, errors=None, values=None, saved=False):
    try:
        email_on = mail_settings() is not None
    except MailSetupError:
        email_on = False
    chosen = service.preference(session, actor)
    values = values or {
        "frequency": chosen.frequency if chosen else EmailFrequency.NEVER,
        "email": (chosen.email if chosen else None) or "",
    }
    return render(
        request,
        "notifications/email.html",
        actor,
        status_code=status_code,
        errors=errors or {},
        values=values,
        email_on=email_on,
        saved=saved,
    )


@router.get("/account/notifications", response_class=HTMLResponse)
def email_form(request: Request, session: DB, actor: Actor = allowed("notifications", "list")):
    return _email_page(request, session, actor)


@router.post("/account/notifications", response_class=HTMLResponse)
def save_email(
    request: Request,
    session: DB,
    frequency: Annotated[str, Form(max_length=20)] = "",
    email: Annotated[str, Form(max_length=400)] = "",
    actor: Actor = allowed("notifications", "update"),
):
    try:
        service.set_preference(session, actor, frequency, email)
    except Invalid as exc:
        values = {"frequency": frequency, "email": email}
        return _email_page(request, session, actor, 422, field_errors(exc), values)
    return _email_page(request, session, actor, saved=True)
