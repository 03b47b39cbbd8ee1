"""The FastAPI application: every domain's routes, the error shape, and the web pages."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from misper.app.db import make_engine, session_factory
from misper.app.errors import DomainError

# Below the thread pool's 40 threads and the database pool's 60 connections (see db.make_engine).
IN_FLIGHT = 32


def create_app(database_url: str | None = None) -> FastAPI:
    from misper.app.agencies.views import router as agencies
    from misper.app.audit.views import router as audit
    from misper.app.auth.views import router as auth
    from misper.app.children.views import router as children
    from misper.app.episodes.views import export_router, router as episodes, tasks_router
    from misper.app.escalation.views import router as referrals
    from misper.app.interviews.views import router as interviews
    from misper.app.notifications.views import router as notifications
    from misper.app.philomena.views import router as philomena
    from misper.app.placements.views import router as placements
    from misper.app.users.views import router as users
    from misper.app.web.views import mount as mount_web

    app = FastAPI(title="Misper case store",
                  description="The shared case store of the police, councils, care homes and "
                              "return home interview providers around missing children.",
                  version="0.1.0")
    app.state.engine = make_engine(database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.in_flight = asyncio.Semaphore(
        1 if app.state.engine.dialect.name == "sqlite" else IN_FLIGHT)
    for router in (auth, users, agencies, children, placements, philomena, episodes, tasks_router,
                   interviews, referrals, notifications, audit, export_router):
        app.include_router(router)
    from misper.app.web.before import router as before_pages
    from misper.app.web.during import router as during_pages

    for router in (before_pages, during_pages):  # before mount_web: pages precede placeholders
        app.include_router(router)
    from misper.app.after import include as include_after

    include_after(app)  # closing, interviews, meetings, dashboards: API and pages
    mount_web(app)
    _handle_errors(app)
    app.middleware("http")(_refuse_nul)
    app.middleware("http")(_limit_in_flight)
    return app


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain(_request: Request, exc: DomainError):
        return JSONResponse(error_body(exc.code, exc.message, exc.fields), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError):
        # One message per field, naming where it is (body.found_at, query.limit, path.rid);
        # the offending value is not echoed: it may be a child's data.
        fields = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                  for e in exc.errors()]
        return JSONResponse(error_body("invalid", "the request is not valid", fields),
                            status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, _exc: Exception):
        # Never a traceback or a value in the answer: it could carry a child's data.
        return JSONResponse(error_body("internal", "the server could not complete the request; "
                                       "nothing was changed"), status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def http(_request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)


async def _limit_in_flight(request: Request, call_next):
    """Let at most IN_FLIGHT requests into the thread pool at once (one on SQLite, which has one
    writer). A request holding a database lock then always finds a thread to finish on; without
    this, a burst can fill every thread with requests waiting for that lock, and nothing moves."""
    async with request.app.state.in_flight:
        return await call_next(request)


async def _refuse_nul(request: Request, call_next):
    """A NUL in the path or query cannot be stored or matched; refuse it before any query runs."""
    if "%00" in request.url.path or "\x00" in request.url.path or \
            "%00" in request.url.query or "\x00" in request.url.query:
        return JSONResponse(error_body("invalid", "the request is not valid",
                                       [{"field": "url", "message": "contains a NUL character"}]),
                            status_code=422)
    return await call_next(request)
