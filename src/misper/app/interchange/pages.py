"""The analyst's page of the pseudonymised export: what it holds, and the file itself (the same
as /api/export, from the same service, so that each download is audited)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from misper.app import access
from misper.app.access import Actor
from misper.app.episodes.models import Episode
from misper.app.interchange import service as interchange
from misper.app.routing import DB, allowed
from misper.app.ui.pages import render
from misper.incidents.schema import COLUMNS

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}  # a child's data must not stay in a cache


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request, session: DB, actor: Actor = allowed("export", "read")):
    count = session.scalar(select(func.count(Episode.id)).where(access.episodes(actor)))
    return render(
        request,
        "interchange/exports.html",
        actor,
        episodes=count,
        columns=[c for c in COLUMNS if not c.free_text],
        dropped=interchange.FREE_TEXT,
    )


@router.get("/exports/incidents.csv")
def export_download(session: DB, actor: Actor = allowed("export", "read")):
    body = interchange.export_csv(session, actor)
    name = f"misper-incidents-{date.today():%Y-%m-%d}.csv"
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )
