"""The FastAPI application: every domain's routes, the error shape, and the web pages."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from misper.app.db import make_engine, session_factory
from misper.app.errors import DomainError

# Below the thread pool's 40 threads and the database pool's 60 connections (see db.make_engine).
IN_FLIGHT = 32
CHAIN_EVERY = 2.0  # seconds: audit events a busy chainer left behind wait at most this long


def create_app(database_url: str | None = None) -> FastAPI:
    from misper.app.agencies.views import router as agencies
    from misper.app.audit.views import router as audit
    from misper.app.auth.views import router as auth
    from misper.app.children.views import router as children
    from misper.app.episodes.views import export_router, tasks_router
    from misper.app.episodes.views import router as episodes
    from misper.app.escalation.views import router as referrals
    from misper.app.interviews.views import router as interviews
    from misper.app.notifications.views import router as notifications
    from misper.app.philomena.views import router as philomena
    from misper.app.placements.views import router as placements
    from misper.app.users.views import router as users
    from misper.app.web.views import mount as mount_web

    app = FastAPI(
        title="Misper case store",
        description="The shared case store of the police, councils, care homes and "
        "return home interview providers around missing children.",
        version="0.1.0",
        lifespan=_lifespan,
    )
    app.state.engine = make_engine(database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.in_flight = asyncio.Semaphore(
        1 if app.state.engine.dialect.name == "sqlite" else IN_FLIGHT
    )
    for router in (
        auth,
        users,
        agencies,
        children,
        placements,
        philomena,
        episodes,
        tasks_router,
        interviews,
        referrals,
        notifications,
        audit,
        export_router,
    ):
        app.include_router(router)
    from misper.app.before_during import include as include_before_during

    include_before_during(app)  # flowchart, triage, task progress, groups: API (issue 5)
    from misper.app.web.before import router as before_pages
    from misper.app.web.case_pages import router as case_pages
    from misper.app.web.during import router as during_pages
    from misper.app.web.groups_pages import router as groups_pages

    # Before mount_web: the pages come first.
    for router in (case_pages, groups_pages, before_pages, during_pages):
        app.include_router(router)
    from misper.app.web.admin_pages import router as admin_pages

    app.include_router(admin_pages)  # users, audit, exports pages (issue 4), before mount_web
    from misper.app.after import include as include_after

    include_after(app)  # closing, interviews, meetings, dashboards: API and pages
    mount_web(app)
    _handle_errors(app)
    # Plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task and a stream per request.
    app.add_middleware(LimitInFlight)
    app.add_middleware(RefuseNul)  # added last, so it runs first
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI):
    """While serving, chain the audit events that commits left unchained (see audit.chain)."""
    from misper.app.audit.chain import chain_periodically

    chainer = asyncio.create_task(chain_periodically(app.state.engine, CHAIN_EVERY))
    try:
        yield
    finally:
        chainer.cancel()


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain(request: Request, exc: DomainError):
        return _answer(request, exc.status, error_body(exc.code, exc.message, exc.fields))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # One message per field, naming where it is (body.found_at, query.limit, path.rid);
        # the offending value is not echoed: it may be a child's data.
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        return _answer(request, 422, error_body("invalid", "the request is not valid", fields))

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


def _answer(request: Request, status: int, body: dict):
    """JSON for the API and for systems; a page for a person's browser on the web pages."""
    if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(body, status_code=status)
    from misper.app.web.views import error_page

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
