"""Signing in and out of the web pages, and the user's own sign-in: their password and their
authenticator app. The session is an HttpOnly, SameSite=Strict cookie (`__Host-` over https,
`auth.cookies`) that ends after LIFETIME or when left unused (`service.idle_time_out`).

Signing in is one or two steps: the password (or a one-time reset code), then, for an account
with an authenticator app, its code; between the two the browser holds a five-minute cookie that
can do nothing but finish that sign-in. Attempts are limited per address (auth.throttle)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from misper.app.access import Actor
from misper.app.auth import cookies, throttle
from misper.app.auth import service as auth
from misper.app.auth.passwords import MIN_LENGTH
from misper.app.errors import Conflict, Invalid, TooManyRequests
from misper.app.routing import DB, signed_in
from misper.app.ui.forms import field_errors
from misper.app.ui.pages import render
from misper.app.users.models import User

router = APIRouter(include_in_schema=False)
FAILED = "Wrong username or password, or the account is locked."
WRONG_CODE = "Wrong code, or the account is locked. Sign in again if five minutes have passed."
NO_STORE = {"Cache-Control": "no-store"}  # a key on the page must not stay in a cache
IDLE = (
    "You were signed out because the case system was not used for {minutes} minutes. "
    "Sign in again to go on."
)
# At sign-out the browser forgets what the store's pages left in it (ASVS 8.2.3).
CLEAR_SITE_DATA = {"Clear-Site-Data": '"cache", "cookies", "storage"'}


def _cookie(response, request: Request, name: str, secret: str, kind: str) -> None:
    lifetime = int(auth.LIFETIME[kind].total_seconds())
    cookies.put(response, request.scope, name, secret, lifetime)


def _signed_in(request: Request, session, user) -> RedirectResponse:
    throttle.signed_in(request)
    response = RedirectResponse("/", status_code=303)
    secret = auth.issue_token(session, user, "session")
    _cookie(response, request, cookies.SESSION, secret, "session")
    cookies.drop(response, request.scope, cookies.SECOND_STEP)
    return response


def _refused(request: Request, exc: TooManyRequests, page: str, **context):
    response = render(
        request,
        page,
        None,
        status_code=429,
        error="Too many sign-in attempts from your address: wait a minute and try again.",
        **context,
    )
    response.headers.update(exc.headers)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: DB):
    """The sign-in form; it says so when the browser's session ended for being left unused."""
    secret = cookies.session_secret(request)
    if not (secret and auth.ended_unused(session, secret)):
        return render(request, "auth/login.html", None, username="")
    minutes = int(auth.idle_time_out().total_seconds() // 60)
    response = render(
        request, "auth/login.html", None, username="", notice=IDLE.format(minutes=minutes)
    )
    cookies.drop(response, request.scope, cookies.SESSION)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DB,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
):
    try:
        throttle.limit_attempts(request)
    except TooManyRequests as exc:
        return _refused(request, exc, "auth/login.html", username=username)
    user = auth.first_factor(session, username, password) if username and password else None
    if user is None:
        session.commit()  # keep the failure count though the login fails
        return render(
            request, "auth/login.html", None, status_code=401, username=username, error=FAILED
        )
    if user.totp_secret is None:
        signed = auth.complete_sign_in(session, user)
        if signed is None:
            session.commit()
            return render(
                request, "auth/login.html", None, status_code=401, username=username, error=FAILED
            )
        return _signed_in(request, session, signed)
    response = render(request, "auth/code.html", None)
    secret = auth.issue_token(session, user, "second_factor")
    _cookie(response, request, cookies.SECOND_STEP, secret, "second_factor")
    return response


@router.post("/login/code", response_class=HTMLResponse)
def login_code(request: Request, session: DB, code: Annotated[str, Form(max_length=12)] = ""):
    try:
        throttle.limit_attempts(request)
    except TooManyRequests as exc:
        return _refused(request, exc, "auth/code.html")
    secret = cookies.read(request, cookies.SECOND_STEP)
    user = auth.user_for_token(session, secret, "second_factor") if secret else None
    if user is None:
        return RedirectResponse("/login", status_code=303)  # five minutes passed: start again
    signed = auth.second_factor(session, user, code) if code else None
    if signed is None:
        if code:
            session.commit()  # keep the failure count
        return render(request, "auth/code.html", None, status_code=401, error=WRONG_CODE)
    auth.revoke(session, secret)
    return _signed_in(request, session, signed)


@router.post("/logout")
def logout(request: Request, session: DB):
    secret = cookies.session_secret(request)
    if secret:
        auth.sign_out(session, secret)
    response = RedirectResponse("/login", status_code=303, headers=CLEAR_SITE_DATA)
    cookies.drop(response, request.scope, cookies.SESSION)
    return response


# --- The user's own sign-in --------------------------------------------------------------------


def _password_page(request, session, actor, status_code=200, errors=None, notice=None):
    user = session.get(User, actor.user_id)
    return render(
        request,
        "auth/password.html",
        actor,
        status_code=status_code,
        errors=errors or {},
        must_change=user is not None and user.must_change_password,
        has_code=user is not None and user.totp_secret is not None,
        notice=notice,
        min_length=MIN_LENGTH,
    )


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, session: DB, actor: Actor = signed_in()):
    return _password_page(request, session, actor)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: DB,
    current_password: Annotated[str, Form(max_length=200)] = "",
    new_password: Annotated[str, Form(max_length=400)] = "",
    confirm: Annotated[str, Form(max_length=400)] = "",
    actor: Actor = signed_in(),
):
    keep = cookies.session_secret(request)
    try:
        auth.change_password(session, actor, current_password, new_password, confirm, keep)
    except Invalid as exc:
        session.commit()  # a wrong current password counts towards the lock-out
        return _password_page(request, session, actor, 422, errors=field_errors(exc))
    session.commit()
    return RedirectResponse("/", status_code=303)


@router.get("/account/second-factor", response_class=HTMLResponse)
def second_factor_form(request: Request, session: DB, actor: Actor = signed_in()):
    return _second_factor_page(request, session, actor, auth.new_totp_secret())


def _second_factor_page(request, session, actor, secret, status_code=200, errors=None):
    user = session.get(User, actor.user_id)
    response = render(
        request,
        "auth/second_factor.html",
        actor,
        status_code=status_code,
        enrolled=user is not None and user.totp_secret is not None,
        secret=secret,
        grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=auth.totp_uri(secret, actor.username),
        errors=errors or {},
    )
    response.headers.update(NO_STORE)
    return response


@router.post("/account/second-factor", response_class=HTMLResponse)
def enrol_second_factor(
    request: Request,
    session: DB,
    secret: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    actor: Actor = signed_in(),
):
    try:
        auth.enrol_second_factor(session, actor, password, secret, code)
    except Invalid as exc:
        session.commit()  # a wrong password counts towards the lock-out
        errors = field_errors(exc)
        if "secret" in errors or not auth.is_totp_secret(secret):
            secret = auth.new_totp_secret()
        return _second_factor_page(request, session, actor, secret, 422, errors)
    except Conflict:
        return RedirectResponse("/account/second-factor", status_code=303)
    session.commit()
    return RedirectResponse("/", status_code=303)
