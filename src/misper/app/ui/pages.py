"""Rendering a page: the shared layout with the caller's menu, error pages, and the static files.

Templates live with their domain (`app/<domain>/templates/<domain>/*.html`); this module finds
them all, so a page names its template as `"<domain>/name.html"` and extends `"base.html"`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader, Undefined, pass_context

from misper import ui
from misper.app import access
from misper.app.access import Actor
from misper.app.children.identity import ChildBanner, child_banner
from misper.app.notifications.service import unread_count
from misper.app.routing import actor_or_none
from misper.app.ui.csrf import csrf_field
from misper.app.ui.forms import max_length
from misper.app.users.models import Role

HERE = Path(__file__).parent
APP = HERE.parent
SEARCH_PATH = [HERE / "templates", *sorted(APP.glob("*/templates"))]
# One rendering stack (misper.ui): its layout, macros and stylesheet; then the domains' templates.
templates = Jinja2Templates(env=ui.environment([FileSystemLoader(SEARCH_PATH)]))
templates.env.globals["title_suffix"] = " – Misper"
# Forms show back what was typed from a dict of values: a field not yet typed renders empty.
templates.env.undefined = Undefined
templates.env.globals["csrf_field"] = csrf_field  # in every POST form: {{ csrf_field() }}
# A form field's maxlength is its API shape's max_length: {{ max_length("UpdateIn", "text") }}.
templates.env.globals["max_length"] = max_length


@pass_context
def child_banner_of(context, pid: str | None = None, rid: str | None = None) -> ChildBanner | None:
    """`{{ child_banner(child_banner_of(rid=...)) }}`: the banner of the page's child, for the
    page's caller, in the page's own transaction (`routing.db` keeps it on the request)."""
    actor, request = context.get("actor"), context.get("request")
    session = getattr(request.state, "session", None) if request is not None else None
    if actor is None or session is None:
        return None
    return child_banner(session, actor, pid=pid, rid=rid)


templates.env.globals["child_banner_of"] = child_banner_of


@pass_context
def unread_notices(context) -> int | None:
    """`{{ unread_notices() }}`: the caller's unread notices, for the header; None on a page
    whose transaction has ended (an error page) or with no caller."""
    actor, request = context.get("actor"), context.get("request")
    session = getattr(request.state, "session", None) if request is not None else None
    if actor is None or session is None or not session.in_transaction():
        return None
    return unread_count(session, actor)


templates.env.globals["unread_notices"] = unread_notices
Caller = Annotated[Actor | None, Depends(actor_or_none)]
"""The caller when signed in, else None: only for the pages anyone may open (sign-in)."""

ROLE_TITLES = {
    Role.care_staff: "Care home",
    Role.police_mispers: "Missing persons team",
    Role.police_control_room: "Control room",
    Role.police_officer: "Police officer",
    Role.council_social_worker: "Social worker",
    Role.council_missing_coordinator: "Missing coordinator",
    Role.rhi_worker: "Return home interviews",
    Role.analyst: "Analyst",
    Role.admin: "Administrator",
    Role.charity_worker: "Missing-persons charity",
}


def render(
    request: Request, name: str, actor: Actor | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The page `name` in the shared layout, with the menu of the caller's role."""
    return templates.TemplateResponse(
        request,
        name,
        {
            "actor": actor,
            "menu": access.menu(actor.role) if actor else [],
            "current": request.url.path,
            "role_title": ROLE_TITLES.get(actor.role) if actor else None,
            **context,
        },
        status_code=status_code,
    )


# What a person is told when a page cannot be shown; the record's existence is never revealed.
ERROR_PAGES = {
    403: ("Not for your role", "Your role does not work with this part of the case system."),
    404: ("Not found", "There is no such page or record, or it is not one your agency may see."),
    422: ("Check what was asked", "The page was asked for with something it cannot take."),
    500: ("Something went wrong", "The page could not be shown; nothing was changed."),
}


def error_page(request: Request, status: int, error: dict[str, Any]) -> HTMLResponse:
    """An error as a page, with the caller's menu when the access check already knew them."""
    title, text = ERROR_PAGES.get(status, ("Not possible", error.get("message", "")))
    fields = (error.get("fields") or []) if status == 422 else []
    actor = getattr(request.state, "actor", None) or _signed_in(request)
    return render(
        request, "error.html", actor, status_code=status, title=title, text=text, fields=fields
    )


def _signed_in(request: Request) -> Actor | None:
    """The caller of a request refused before any access check knew them (a page that does not
    exist, a server error): an error page keeps the signed-in user's menu. Any failure here
    (the database down, a session to set up) shows the page without one."""
    if not request.cookies and "authorization" not in request.headers:
        return None
    try:
        with request.app.state.sessions() as session:
            return actor_or_none(request, session)
    except Exception:  # an error page must always be shown, with or without the menu
        return None


def mount(app: FastAPI) -> None:
    """The stylesheet and scripts of every page."""
    app.mount("/static/ui", StaticFiles(directory=ui.static_dir()), name="ui-static")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
