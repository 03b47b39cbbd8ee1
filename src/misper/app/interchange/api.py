"""Route of the analyst's export: the caller's episodes as the canonical incident table."""

from __future__ import annotations

from fastapi import APIRouter, Response

from misper.app.access import Actor
from misper.app.interchange import service
from misper.app.routing import DB, ERRORS, ErrorBody, allowed

router = APIRouter(prefix="/api/export", tags=["export"], responses=ERRORS)


@router.get(
    "",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "The canonical incident table, pseudonymised for the caller",
        },
        503: {"model": ErrorBody, "description": "The store's export key is not set up"},
    },
)
def export_incidents(session: DB, actor: Actor = allowed("export", "read")):
    """The caller's agency's episodes as the canonical incident table (CSV) for `misper report`:
    ids as pseudonyms keyed for the caller, coordinates to about 1 km, no names or free text.
    Each call is audited."""
    return Response(
        content=service.export_csv(session, actor),
        media_type="text/csv",
        headers={"Cache-Control": "no-store"},  # a child's data must not stay in a cache
    )
