"""Web pages of the charity partnerships: the charity worker's emerging-frequent lists of its
partner forces (pseudonymous ids and why each child is listed, nothing else), and the
administrator's page recording and ending partnerships."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.agencies.service import list_agencies
from misper.app.charity.api import PartnershipIn
from misper.app.charity.service import (
    add_partnership,
    emerging_for_charity,
    end_partnership,
    list_partnerships,
)
from misper.app.errors import DomainError
from misper.app.routing import DB, allowed
from misper.app.schemas import MAX_ID
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)
Key = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, Form()]
AGENCIES = 10_000  # offered in the drop-downs: every charity and force


@router.get("/emerging-frequent", response_class=HTMLResponse)
def emerging(request: Request, session: DB, actor: Actor = allowed("partner_emerging", "list")):
    """Each partner force's list, ranked; the ids are not links (the charity opens no record)."""
    lists = [
        {
            "force": entry["force"],
            "rows": [[c["pid"], c["recent"], c["baseline"], c["why"]] for c in entry["children"]],
        }
        for entry in emerging_for_charity(session, actor, datetime.now())
    ]
    return render(request, "charity/emerging.html", actor, lists=lists)


@router.get("/charity-partnerships", response_class=HTMLResponse)
def partnerships(
    request: Request, session: DB, actor: Actor = allowed("charity_partnerships", "create")
):
    return _partnerships(request, actor, session)


@router.post("/charity-partnerships", response_class=HTMLResponse)
def partnership_add(
    request: Request,
    session: DB,
    charity_id: Text = "",
    force_id: Text = "",
    actor: Actor = allowed("charity_partnerships", "create"),
):
    fields = {"charity_id": charity_id, "force_id": force_id}
    try:
        data = PartnershipIn.model_validate({k: v for k, v in fields.items() if v})
        add_partnership(session, actor, data.charity_id, data.force_id)
    except ValidationError as exc:
        errors = exc.errors()
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        errors = exc.fields or [{"field": "charity_id", "message": exc.message}]
    else:
        return RedirectResponse("/charity-partnerships", status_code=303)
    session.rollback()
    return _partnerships(request, actor, session, status_code=422, errors=errors)


@router.post("/charity-partnerships/{partnership_id}/end", response_class=HTMLResponse)
def partnership_end(
    partnership_id: Key, session: DB, actor: Actor = allowed("charity_partnerships", "delete")
):
    end_partnership(session, actor, partnership_id)
    return RedirectResponse("/charity-partnerships", status_code=303)


def _partnerships(
    request: Request,
    actor: Actor,
    session: Session,
    status_code: int = 200,
    errors: list | None = None,
):
    return render(
        request,
        "charity/partnerships.html",
        actor,
        status_code=status_code,
        rows=list_partnerships(session, actor),
        errors=errors,
        charities=list_agencies(session, actor, "charity", 0, AGENCIES),
        forces=list_agencies(session, actor, "police", 0, AGENCIES),
    )
