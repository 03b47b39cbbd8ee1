"""Route of the analyst's export: the caller's episodes as the canonical incident table."""

from __future__ import annotations

from fastapi import APIRouter, Response

from misper.app.access import Actor
from misper.app.interchange import service
from misper.app.routing import DB, ERRORS, allowed

router = APIRouter(prefix="/api/export", tags=["export"], responses=ERRORS)


@router.get(
    "",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "The canonical incident table, pseudonymised",
        }
    },
)
def export_incidents(session: DB, actor: Actor = allowed("export", "read")):
    """The caller's agency's episodes as the canonical incident table (CSV), without names or
    free text: what an analyst needs for `misper report`."""
    return Response(content=service.export_csv(session, actor), media_type="text/csv")
