"""The names of the browser's sign-in cookies: `__Host-` prefixed when the store is served over
https, so that no sibling host of the domain can set one for the store (the browser takes a
`__Host-` cookie only Secure, with Path=/ and no Domain, from the host itself).

Over https is decided as for HSTS (`ui.security`): the scheme the server saw, which behind a
proxy uvicorn takes from the proxies it trusts. Over plain http (tests, a demo on localhost) the
names stay unprefixed, for a browser refuses `__Host-` cookies there.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import Scope

SESSION = "misper_session"  # the web session's secret
CSRF = "misper_csrf"  # the browser's own random value, until it signs in (ui.csrf)
SECOND_STEP = "misper_second_step"  # between the password and the authenticator code
PREFIX = "__Host-"


def secure(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


def name(base: str, scope: Scope) -> str:
    """The name the cookie `base` has on this request's scheme."""
    return PREFIX + base if secure(scope) else base


def read(connection: HTTPConnection, base: str) -> str | None:
    """The cookie's value under its name for this scheme (over https an unprefixed cookie of the
    same name, which any sibling host could have set, is ignored)."""
    return connection.cookies.get(name(base, connection.scope)) or None


def session_secret(connection: HTTPConnection) -> str | None:
    return read(connection, SESSION)


def put(response: Response, scope: Scope, base: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name(base, scope),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure(scope),
    )


def drop(response: Response, scope: Scope, base: str) -> None:
    """Delete the cookie (a `__Host-` cookie is only replaced by one as Secure, Path=/)."""
    response.delete_cookie(
        name(base, scope), path="/", httponly=True, samesite="strict", secure=secure(scope)
    )


def header(scope: Scope, base: str, value: str) -> bytes:
    """A Set-Cookie header's value for a cookie kept for the browser's session."""
    cookie = f"{name(base, scope)}={value}; Path=/; HttpOnly; SameSite=Strict"
    return (cookie + "; Secure" if secure(scope) else cookie).encode()
