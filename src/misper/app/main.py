"""The FastAPI application: every domain's routes, the error shape, and the web pages."""

from __future__ import annotations

import asyncio
import importlib
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from misper.app.agencies import api as agencies_api
from misper.app.audit import api as audit_api
from misper.app.audit.keys import key_for
from misper.app.audit.service import record_refused
from misper.app.auth import api as auth_api
from misper.app.auth.service import idle_time_out, roles_requiring_code
from misper.app.auth.throttle import AttemptLimiter
from misper.app.charity import api as charity_api
from misper.app.children import api as children_api
from misper.app.dashboards import api as dashboards_api
from misper.app.db import make_engine, session_factory
from misper.app.episodes import api as episodes_api
from misper.app.errors import AlreadyOpen, DomainError, Forbidden, NotFound, SetUpRequired
from misper.app.escalation import api as escalation_api
from misper.app.flowchart import api as flowchart_api
from misper.app.groups import api as groups_api
from misper.app.interchange import api as interchange_api
from misper.app.interviews import api as interviews_api
from misper.app.notifications import api as notifications_api
from misper.app.philomena import api as philomena_api
from misper.app.placements import api as placements_api
from misper.app.tasks import api as tasks_api
from misper.app.triage import api as triage_api
from misper.app.ui import security
from misper.app.ui.pages import error_page
from misper.app.ui.pages import mount as mount_web
from misper.app.users import api as users_api

# Below the thread pool's 40 threads and the database pool's 60 connections (see db.make_engine).
IN_FLIGHT = 32
CHAIN_EVERY = 2.0  # seconds: audit events a busy chainer left behind wait at most this long


class Store(FastAPI):
    """The app, its security headers outermost: on every answer, the server-error page too
    (Starlette answers that one outside the middleware added with `add_middleware`)."""

    def build_middleware_stack(self):
        return security.SecurityHeaders(super().build_middleware_stack())


def create_app(database_url: str | None = None) -> FastAPI:
    app = Store(
        title="Misper case store",
        description="The shared case store of the police, councils, care homes and "
        "return home interview providers around missing children.",
        version="0.1.0",
        lifespan=_lifespan,
        # No Swagger UI or ReDoc: their pages run a CDN's scripts on the store's origin, with the
        # user's session. The description stays at /openapi.json, for any viewer served elsewhere.
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = make_engine(database_url)
    key_for(app.state.engine.url)  # no audit key, no server: every commit needs it
    roles_requiring_code()  # a role misspelt in MISPER_REQUIRE_TOTP_ROLES stops the server
    idle_time_out()  # so does a MISPER_SESSION_IDLE_MINUTES that is no number of minutes
    app.state.sign_in_attempts = AttemptLimiter()  # per address, in this process (auth.throttle)
    app.state.sessions = session_factory(app.state.engine)
    app.state.in_flight = asyncio.Semaphore(
        1 if app.state.engine.dialect.name == "sqlite" else IN_FLIGHT
    )
    for router in routers():
        app.include_router(router)
    mount_web(app)
    _handle_errors(app)
    # Plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task and a stream per request.
    app.add_middleware(LimitInFlight)
    # Forged forms and oversized bodies are refused before a request waits for the database.
    app.add_middleware(security.CheckForgery, key=key_for(app.state.engine.url))
    app.add_middleware(security.LimitBody)
    app.add_middleware(RefuseNul)  # added last, so it runs first
    return app


DOMAINS = (
    "auth",
    "users",
    "agencies",
    "audit",
    "notifications",
    "children",
    "philomena",
    "groups",
    "placements",
    "interviews",
    "escalation",
    "episodes",
    "tasks",
    "flowchart",
    "triage",
    "charity",
    "interchange",
    "dashboards",
)


def domain_pages() -> list[APIRouter]:
    """Each domain's web pages (`app/<domain>/pages.py`), in the domains' order."""
    found = []
    for name in DOMAINS:
        try:
            module = importlib.import_module(f"misper.app.{name}.pages")
        except ModuleNotFoundError as exc:
            if exc.name != f"misper.app.{name}.pages":
                raise
            continue
        found.append(module.router)
    return found


def routers() -> tuple[APIRouter, ...]:
    """Every domain's API and page routes, in the order they are matched."""
    return (
        *domain_pages(),
        auth_api.router,
        users_api.router,
        agencies_api.router,
        children_api.router,
        children_api.requests_router,
        placements_api.router,
        philomena_api.router,
        episodes_api.router,
        episodes_api.tasks_router,
        interviews_api.router,
        escalation_api.router,
        notifications_api.router,
        audit_api.router,
        interchange_api.router,
        flowchart_api.router,
        triage_api.router,
        tasks_api.router,
        groups_api.router,
        episodes_api.closing_router,
        interviews_api.after_router,
        escalation_api.meetings_router,
        charity_api.router,
        dashboards_api.router,
    )


@asynccontextmanager
async def _lifespan(app: FastAPI):
    """While serving, chain the audit events that commits left unchained (see audit.chain)."""
    from misper.app.audit.chain import chain_periodically

    chainer = asyncio.create_task(chain_periodically(app.state.engine, CHAIN_EVERY))
    try:
        yield
    finally:
        chainer.cancel()


DATABASE_REFUSED = "database_refused"  # the code of a change the database itself refused


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain(request: Request, exc: DomainError):
        if isinstance(exc, (Forbidden, NotFound)):
            # Attempts are audited too, in a transaction of their own: the request's rolled back.
            route = request.scope.get("route")
            await run_in_threadpool(
                record_refused,
                request.app.state.sessions,
                getattr(request.state, "actor", None),
                exc.status,
                request.method,
                request.url.path,
                getattr(route, "path", None),
            )
        body = error_body(exc.code, exc.message, exc.fields)
        if isinstance(exc, AlreadyOpen):
            body["error"]["rid"] = exc.rid
        answer = _answer(
            request,
            exc.status,
            body,
            to=exc.page if isinstance(exc, SetUpRequired) else None,
        )
        answer.headers.update(getattr(exc, "headers", {}))
        return answer

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # One message per field, naming where it is (body.found_at, query.limit, path.rid);
        # the offending value is not echoed: it may be a child's data.
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        return _answer(request, 422, error_body("invalid", "the request is not valid", fields))

    @app.exception_handler(IntegrityError)
    @app.exception_handler(DataError)
    async def refused_by_database(request: Request, exc: IntegrityError | DataError):
        # The last resort for what a request's checks missed: a record named that does not exist,
        # one repeated (two requests at once), a value beyond a column. Not a server error, but
        # nothing to name the field by: the exception's text holds the values, never shown.
        conflict = isinstance(exc, IntegrityError)
        return _answer(
            request,
            409 if conflict else 422,
            error_body(
                DATABASE_REFUSED,
                "the store refused the change: "
                + (
                    "a record it names does not exist, or it repeats one that does"
                    if conflict
                    else "a value is beyond what the store keeps"
                )
                + "; nothing was changed",
            ),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception):
        # Never a traceback or a value in the answer: it could carry a child's data.
        return _answer(
            request,
            500,
            error_body(
                "internal", "the server could not complete the request; nothing was changed"
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _answer(request, exc.status_code, error_body(code, str(exc.detail)))


def _answer(request: Request, status: int, body: dict, to: str | None = None):
    """JSON for the API and for systems; a page for a person's browser on the web pages (or a
    redirect `to` the page that lets them go on)."""
    accept = request.headers.get("accept", "")
    wants_json = "application/json" in accept and "text/html" not in accept
    if request.url.path.startswith("/api") or wants_json:
        return JSONResponse(body, status_code=status)
    if status == 401:
        return RedirectResponse("/login", status_code=303)
    if to is not None:
        return RedirectResponse(to, status_code=303)
    return error_page(request, status, body["error"])


class LimitInFlight:
    """Let at most IN_FLIGHT requests into the thread pool at once (one on SQLite, which has one
    writer). A request holding a database lock then always finds a thread to finish on; without
    this, a burst can fill every thread with requests waiting for that lock, and nothing moves."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        async with scope["app"].state.in_flight:
            await self.app(scope, receive, send)


class RefuseNul:
    """A NUL in the path or query cannot be stored or matched; refuse it before any query runs."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        query = scope.get("query_string", b"")
        if scope["type"] == "http" and (
            "\x00" in scope["path"]
            or b"\x00" in query
            or b"%00" in scope.get("raw_path", b"")
            or b"%00" in query
        ):
            response = JSONResponse(
                error_body(
                    "invalid",
                    "the request is not valid",
                    [{"field": "url", "message": "contains a NUL character"}],
                ),
                status_code=422,
            )
            return await response(scope, receive, send)
        await self.app(scope, receive, send)
