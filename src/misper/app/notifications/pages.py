"""The notifications page: what was sent to the caller or their agency, newest first."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from misper.app.access import Actor
from misper.app.interviews.return_home import raise_overdue
from misper.app.notifications.service import list_notifications
from misper.app.routing import DB, allowed
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)
SHOWN = 200


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, session: DB, actor: Actor = allowed("notifications", "list")):
    raise_overdue(session, datetime.now())  # so an interview just past its target is told at once
    rows = [
        [n.created_at, n.subject, n.body]
        for n in list_notifications(session, actor, False, 0, SHOWN)
    ]
    return render(request, "notifications/notifications.html", actor, rows=rows)
