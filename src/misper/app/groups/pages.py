"""The police's page for groups (gangs, peer groups): record a group, a rivalry between two, and a
child's known link to one. Police intelligence: the placement check uses it, never shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from misper.app.access import Actor
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.groups import service as groups
from misper.app.groups.models import GroupAffiliation
from misper.app.routing import DB, allowed
from misper.app.ui.forms import field_errors, record_id
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]


def _groups_page(request, session, actor, errors=None, values=None, status_code=200):
    rows = groups.list_groups(session, actor)
    by_id = {g.id: g for g in rows}
    members = dict(
        session.execute(
            select(GroupAffiliation.group_id, func.count())
            .where(GroupAffiliation.group_id.in_(by_id))
            .group_by(GroupAffiliation.group_id)
        ).all()
    )
    table = [
        (
            g,
            sorted(by_id[r].name for r in groups.rivals_of(session, [g.id]) if r in by_id),
            members.get(g.id, 0),
        )
        for g in rows
    ]
    return render(
        request,
        "groups/groups.html",
        actor,
        status_code=status_code,
        table=table,
        groups=rows,
        errors=errors or {},
        values=values or {},
        saved=request.query_params.get("saved"),
    )


@router.get("/groups", response_class=HTMLResponse)
def groups_page(request: Request, session: DB, actor: Actor = allowed("groups", "list")):
    return _groups_page(request, session, actor)


def _act(request, session, actor, values: dict, action: Callable[[], object], saved: str):
    """Run one form's action; on a refusal show the page again with the message by the field."""
    try:
        action()
    except (Invalid, Conflict, NotFound) as exc:
        session.rollback()
        errors = field_errors(exc) if isinstance(exc, Invalid) else {values["_form"]: exc.message}
        return _groups_page(request, session, actor, errors, values, 422)
    return RedirectResponse(f"/groups?saved={saved}", status_code=303)


def _group_id(value: str, field: str) -> int:
    group_id = record_id(value)
    if group_id is None:
        raise Invalid(field, "choose a group")
    return group_id


@router.post("/groups", response_class=HTMLResponse)
def add_group(
    request: Request,
    session: DB,
    name: Short = "",
    area: Short = "",
    actor: Actor = allowed("groups", "create"),
):
    values = {"_form": "name", "name": name, "area": area}
    return _act(
        request,
        session,
        actor,
        values,
        lambda: groups.add_group(session, actor, name, area),
        "group",
    )


@router.post("/groups/rivalries", response_class=HTMLResponse)
def add_rivalry(
    request: Request,
    session: DB,
    group_id: Short = "",
    rival_id: Short = "",
    actor: Actor = allowed("groups", "create"),
):
    values = {"_form": "group_id", "group_id": group_id, "rival_id": rival_id}
    return _act(
        request,
        session,
        actor,
        values,
        lambda: groups.add_rivalry(
            session, actor, _group_id(group_id, "group_id"), _group_id(rival_id, "rival_id")
        ),
        "rivalry",
    )


@router.post("/groups/links", response_class=HTMLResponse)
def link_child(
    request: Request,
    session: DB,
    pid: Short = "",
    link_group_id: Short = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    actor: Actor = allowed("group_affiliations", "create"),
):
    values = {"_form": "pid", "pid": pid, "link_group_id": link_group_id, "note": note}

    def link():
        if not pid.strip():
            raise Invalid("pid", "enter the child's pseudonymous id")
        try:
            groups.link_child(
                session, actor, pid.strip(), _group_id(link_group_id, "link_group_id"), note
            )
        except NotFound:
            raise Invalid("pid", "no child with this id is in your force's records") from None
        except Invalid as exc:  # the service names the group field as the API has it
            field = exc.fields[0]["field"]
            raise Invalid(
                "link_group_id" if field == "group_id" else field, exc.fields[0]["message"]
            ) from None

    return _act(request, session, actor, values, link, "link")
