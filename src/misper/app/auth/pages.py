"""Signing in and out of the web pages; the session is an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from misper.app.auth import service as auth
from misper.app.routing import DB, SESSION_COOKIE
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request):
    return render(request, "auth/login.html", None, username="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DB,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
):
    user = auth.login(session, username, password) if username and password else None
    if user is None:
        session.commit()  # keep the failure count though the login fails
        return render(
            request,
            "auth/login.html",
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


@router.post("/logout")
def logout(request: Request, session: DB):
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        auth.revoke(session, secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
