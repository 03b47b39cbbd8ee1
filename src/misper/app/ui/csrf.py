"""CSRF tokens: each browser's token, signed with the store's server key, and the form field.

A token is an HMAC, under the key kept outside the database (`audit.keys`, purpose "csrf"), of
what the browser holds: its session when signed in (a token from another session, or read by a
sibling site from its own visit, is worth nothing here), else a random cookie of its own, so the
sign-in form is bound to the browser too (login CSRF). Nothing is stored server-side.
`security.CheckForgery` makes each request's `Binding` and checks the token; pages put it in
every POST form with `{{ csrf_field() }}`.
"""

from __future__ import annotations

import hmac
import secrets
from contextvars import ContextVar

from markupsafe import Markup
from starlette.requests import HTTPConnection

from misper.app.audit.keys import AuditKey
from misper.app.auth import cookies

FIELD = "csrf_token"  # the hidden field of a form
HEADER = "x-csrf-token"  # the header a script sends instead
COOKIE = cookies.CSRF  # the browser's own random value, until it signs in (`__Host-` over https)
PURPOSE = "csrf"


class Binding:
    """What one request's token is bound to, and the browser cookie to set if it had none."""

    def __init__(self, key: AuditKey, connection: HTTPConnection):
        self.key = key
        self.session = cookies.session_secret(connection)
        self.browser = cookies.read(connection, COOKIE)
        self.new_cookie: str | None = None

    def token(self) -> str:
        """The token the pages of this request carry (making the browser's cookie if needed)."""
        if self.session:
            return self.key.mac(PURPOSE, ["session", self.session])
        if self.browser is None:
            self.browser = self.new_cookie = secrets.token_urlsafe(32)
        return self.key.mac(PURPOSE, ["browser", self.browser])

    def accepts(self, token: str | None) -> bool:
        if not token or not (self.session or self.browser):
            return False
        return hmac.compare_digest(token.encode(), self.token().encode())


_CURRENT: ContextVar[Binding | None] = ContextVar("csrf_binding", default=None)


def bind(bound: Binding) -> None:
    """Make `bound` the binding of the request being served: its task (each request has its own,
    and keeps it until its last answer, the server-error page included) and the threads its
    routes run in, which copy the task's context. Pages render `csrf_field()` from it, even in
    macros imported without context."""
    _CURRENT.set(bound)


def csrf_field() -> Markup:
    """`{{ csrf_field() }}`: the hidden field every POST form of the pages carries."""
    bound = _CURRENT.get()
    if bound is None:
        raise RuntimeError("no CSRF binding: the page is rendered outside security.CheckForgery")
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, bound.token())
