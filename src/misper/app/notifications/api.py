"""Notification routes: the caller's own, marking one or all of them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from misper.app.access import Actor
from misper.app.notifications import service
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import MAX_ID, Stamp

router = APIRouter(prefix="/api/notifications", tags=["notifications"], responses=ERRORS)


class NotificationOut(BaseModel):
    id: int
    subject: str
    body: str
    episode_id: int | None
    link: str | None  # the page of the case it is about
    created_at: Stamp
    read_at: Stamp | None  # when the caller read it (each user reads a notice for themselves)


class MarkedOut(BaseModel):
    marked: int  # how many were unread


@router.get("", response_model=list[NotificationOut])
def list_notifications(
    session: DB, page: Paging, actor: Actor = allowed("notifications", "list"), unread: bool = False
):
    return [
        NotificationOut.model_validate(n, from_attributes=True)
        for n in service.list_notifications(session, actor, unread, page.offset, page.limit)
    ]


@router.post("/read-all", response_model=MarkedOut)
def mark_all_read(session: DB, actor: Actor = allowed("notifications", "update")):
    return MarkedOut(marked=service.mark_all_read(session, actor))


@router.post("/{notification_id}/read", response_model=NotificationOut)
def mark_read(
    notification_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: DB,
    actor: Actor = allowed("notifications", "update"),
):
    return NotificationOut.model_validate(
        service.mark_read(session, actor, notification_id), from_attributes=True
    )
