"""Web page routes on the same app as the API; sessions in an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from misper.app import access
from misper.app.access import Actor
from misper.app.auth import service as auth
from misper.app.routing import DB, SESSION_COOKIE, actor_or_none
from misper.app.users.models import Role

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
Caller = Annotated[Actor | None, Depends(actor_or_none)]

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


def _page(request: Request, name: str, actor: Actor | None, status_code: int = 200, **context):
    menu = access.menu(actor.role) if actor else []
    return templates.TemplateResponse(
        request,
        name,
        {
            "actor": actor,
            "menu": menu,
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


def error_page(request: Request, status: int, error: dict):
    """An error as a page (no menu: the caller is not looked up again on the way out)."""
    title, text = ERROR_PAGES.get(status, ("Not possible", error.get("message", "")))
    fields = (error.get("fields") or []) if status == 422 else []
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "actor": None,
            "menu": [],
            "current": request.url.path,
            "title": title,
            "text": text,
            "fields": fields,
        },
        status_code=status,
    )


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request):
        return _page(request, "login.html", None, username="")

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    def login(
        request: Request,
        session: DB,
        username: Annotated[str, Form(max_length=80)] = "",
        password: Annotated[str, Form(max_length=200)] = "",
    ):
        user = auth.login(session, username, password) if username and password else None
        if user is None:
            session.commit()  # keep the failure count though the login fails
            return _page(
                request,
                "login.html",
                None,
                status_code=401,
                username=username,
                error="Wrong username or password, or the account is locked.",
            )
        secret = auth.issue_token(session, user, "session")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            secret,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=int(auth.LIFETIME["session"].total_seconds()),
        )
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, session: DB):
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            auth.revoke(session, secret)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
