"""The council's placement check as a web page: before confirming a placement, the links between
the child and the children already living in the home."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from misper.app.access import Actor
from misper.app.children import service as children
from misper.app.errors import Invalid
from misper.app.placements import out_of_area
from misper.app.placements.models import Home
from misper.app.routing import DB, allowed
from misper.app.ui.forms import field_errors
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)
CHILDREN_LISTED = 500


@router.get("/placement-check", response_class=HTMLResponse)
def placement_check(
    request: Request,
    session: DB,
    pid: Annotated[str, Query(max_length=64)] = "",
    home: Annotated[str, Query(max_length=64)] = "",
    actor: Actor = allowed("placements", "create"),
):
    """Before confirming a placement: links between the child and the children in that home."""
    rows, _ = children.list_children(session, actor, in_care=None, offset=0, limit=CHILDREN_LISTED)
    errors, links, target = {}, None, None
    if "pid" in request.query_params:  # the form was sent, even empty
        try:
            if not pid:
                raise Invalid("pid", "choose the child")
            # Any home: a child may be placed outside the council's own area.
            target = session.scalar(select(Home).where(Home.place_id == home.strip()))
            if target is None:
                raise Invalid("home", "no home has this place id")
            links = out_of_area.placement_check(session, actor, pid, target.id)
        except Invalid as exc:
            errors = field_errors(exc)
    return render(
        request,
        "placements/placement_check.html",
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
