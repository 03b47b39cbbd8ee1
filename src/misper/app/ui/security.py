"""Web hardening of every request: security headers, a body size limit, CSRF and Origin checks.

Plain ASGI middleware (Starlette's BaseHTTPMiddleware costs a task and a stream per request). In
`main` the headers wrap everything (`main.Store`), then the body limit, then the forgery check,
all before a request waits for the database (`main.LimitInFlight`): a slow or huge body, or a
forged form, never holds the pool or reaches a query. Each such refusal is then recorded in the
audit log, in a transaction of its own, once the answer is sent.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from misper.app.audit import service as audit
from misper.app.audit.keys import AuditKey
from misper.app.auth import cookies
from misper.app.routing import ErrorBody, ErrorDetail, FieldError
from misper.app.ui.csrf import COOKIE, FIELD, HEADER, Binding, bind
from misper.app.ui.pages import render

_log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # bytes: no form or JSON body of the store comes near; no upload needs more
# But the Philomena profile's form, which carries the child's photo: big enough that a phone's
# photo over the photo's own limit (2 MB) reaches the form, which names the field.
UPLOAD_BODY, UPLOAD_PATH = 5_000_000, re.compile(r"/children/[^/]+/profile")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
DEFAULT_PORTS = {"http": 80, "https": 443}

# No inline script or style anywhere (scripts and styles are files under /static), no frames,
# no plugins, forms only to the store itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # the Referer still names the store to the store
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# Only over https, as the server saw it: behind a proxy, uvicorn sets the scheme from
# X-Forwarded-Proto for the proxies it trusts (--forwarded-allow-ips, 127.0.0.1 by default).
HSTS = (b"strict-transport-security", b"max-age=31536000")
# Pages and API answers show children's records: no browser or proxy may keep a copy (the back
# button after sign-out, a shared computer). Only the static files may be cached.
NO_STORE = (b"cache-control", b"no-store")
STATIC = "/static/"


class SecurityHeaders:
    """Every answer, pages, API, files and refusals alike, carries the headers above; every
    answer but a static file, `Cache-Control: no-store` too (a route may set its own)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = [*HEADERS, HSTS] if cookies.secure(scope) else list(HEADERS)
        if not scope["path"].startswith(STATIC):
            extra.append(NO_STORE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(header for header in extra if header[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class LimitBody:
    """Refuse a body over MAX_BODY with 413: at once from Content-Length, or as soon as a chunked
    body passes it. The body is read whole here, before the request queues for the database, so a
    slow sender holds nothing but its own connection."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        upload = scope["method"] == "POST" and UPLOAD_PATH.fullmatch(scope["path"])
        limit = UPLOAD_BODY if upload else MAX_BODY
        length = HTTPConnection(scope).headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await _too_large(scope, receive, send, length)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return await _too_large(scope, receive, send, None)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay(b"".join(chunks), receive), send)


async def _too_large(scope: Scope, receive: Receive, send: Send, length: str | None) -> None:
    body = _error_body(
        "too_large",
        f"the request body is over {MAX_BODY // 1_000_000} MB; nothing was read or changed",
        "body",
        f"at most {MAX_BODY:,} bytes",
    )
    await JSONResponse(body, status_code=413)(scope, receive, send)
    declared = length[:20] if length is not None else "none (chunked)"
    await _audit(scope, "too_large", {"content_length": declared})


class CheckForgery:
    """CSRF defence: an unsafe request to a page (sign-in and sign-out included), or to the API
    with the browser's session cookie, unless a bearer token signs it in, must come from the
    store's own origin (Origin, else Referer) and carry the browser's token (`csrf.Binding`) in
    the form field or the X-CSRF-Token header; 403 otherwise, before any database work.

    Every request gets its `Binding` for the pages' `csrf_field()`, and the browser its cookie
    the first time a form is rendered for it before it signs in."""

    def __init__(self, app: ASGIApp, key: AuditKey):
        self.app = app
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        connection = HTTPConnection(scope)
        bound = Binding(self.key, connection)
        send = _setting_cookie(bound, scope, send)
        bind(bound)
        if scope["method"] in UNSAFE and _protected(connection):
            body = await _read(receive)
            refused = _origin_refused(connection) or await _token_refused(scope, body, bound)
            if refused:
                await _refuse(scope, receive, send, *refused)
                detail = {"refused": refused[0], "session_cookie": bound.session is not None}
                return await _audit(scope, "csrf_refused", detail)
            receive = replay(body, receive)
        await self.app(scope, receive, send)


def _protected(connection: HTTPConnection) -> bool:
    """Is this unsafe request one a browser could be made to send? A bearer token never is (no
    browser adds one by itself, nor lets another site add it), and with one routing.actor_or_none
    ignores the cookie; the API without the session cookie signs no one in."""
    if connection.headers.get("authorization", "").lower().startswith("bearer "):
        return False
    path = connection.url.path
    if path == "/api" or path.startswith("/api/"):
        return cookies.session_secret(connection) is not None
    return True


def _origin_refused(connection: HTTPConnection) -> tuple[str, str] | None:
    claimed = connection.headers.get("origin") or connection.headers.get("referer")
    if not claimed:
        return "origin", "the request does not say which site sent it (no Origin or Referer)"
    sender = _origin(claimed)
    if sender is None or sender != _origin(f"{connection.url.scheme}://{connection.url.netloc}"):
        return "origin", "the request was sent from another site"
    return None


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


async def _token_refused(scope: Scope, body: bytes, bound: Binding) -> tuple[str, str] | None:
    request = Request(scope, replay(body, _nothing_more))
    token = request.headers.get(HEADER)
    if token is None and request.headers.get("content-type", "").startswith(FORMS):
        try:
            form = await request.form()
        except (HTTPException, MultiPartException):
            form = FormData()  # a malformed body has no token
        value = form.get(FIELD)
        token = value if isinstance(value, str) else None
        await form.close()
    if not bound.accepts(token):
        return FIELD, (
            f"the form's {FIELD} is missing or not this browser's: "
            "reload the page and send it again"
        )
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, field: str, message: str) -> None:
    request = Request(scope, receive)
    body = _error_body("csrf_refused", f"refused: {message}", field, message)
    page = not request.url.path.startswith("/api") and "text/html" in request.headers.get(
        "accept", ""
    )
    response: Response = (
        render(
            request,
            "error.html",
            None,
            status_code=403,
            title="This form could not be sent",
            text="It was sent from another site, or from a page open since before you signed in "
            "or out. Go back, reload the page and send it again.",
            fields=[],
        )
        if page
        else JSONResponse(body, status_code=403)
    )
    await response(scope, receive, send)


async def _audit(scope: Scope, action: str, detail: dict) -> None:
    """Record a refusal decided before any route (ASVS 7.2.2) as an event of no one (no route
    has read the session yet), after its answer, in a transaction of its own, holding the
    app's in-flight slot as a route would (SQLite has one writer)."""
    state = scope["app"].state
    detail = {"method": scope["method"], **detail}
    async with state.in_flight:
        await run_in_threadpool(_record, state.sessions, action, scope["path"], detail)


def _record(sessions: sessionmaker[Session], action: str, path: str, detail: dict) -> None:
    """Never raises: the answer is already sent."""
    try:
        with sessions() as session:
            audit.record(session, None, action, "request", path[:64], detail=detail)
            session.commit()
    except Exception:  # noqa: BLE001 - logged; the answer is already decided
        _log.warning("a refused request was not recorded in the audit log", exc_info=True)


def _error_body(code: str, message: str, field: str, detail: str) -> dict:
    """The store's one error shape (`routing.ErrorBody`), for answers given before any route."""
    fields = [FieldError(field=field, message=detail)]
    body = ErrorBody(error=ErrorDetail(code=code, message=message, fields=fields))
    return body.model_dump(exclude_none=True)  # as `main.error_body`: no optional key unset


def _setting_cookie(bound: Binding, scope: Scope, send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and bound.new_cookie:
            cookie = cookies.header(scope, COOKIE, bound.new_cookie)
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
        await send(message)

    return sending


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` giving `body` in one message, then whatever the client sends next (its
    disconnect, which streaming answers listen for)."""
    sent = False

    async def replaying() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replaying


async def _nothing_more() -> Message:
    return {"type": "http.disconnect"}
