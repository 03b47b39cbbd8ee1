"""Per-address limits on sign-in attempts, counted in a sliding window in the server's memory.

Each server process counts apart (with two workers an address gets twice the limit) and a restart
forgets the counts: the limit slows guessing down, while the account lock-out, kept in the
database, is what stops it. Behind a proxy the address is the client's only when the server is
told to trust the proxy's forwarded header (uvicorn's --forwarded-allow-ips).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from starlette.requests import Request

from misper.app.errors import TooManyRequests

ATTEMPTS_PER_MINUTE = 20  # failed ones: a successful sign-in gives its attempt back
WINDOW = 60.0  # seconds
MAX_ADDRESSES = 10_000  # beyond, the addresses seen longest ago are forgotten first


class AttemptLimiter:
    """At most `limit` attempts per key in any `window` seconds."""

    def __init__(
        self, limit: int = ATTEMPTS_PER_MINUTE, window: float = WINDOW, keys: int = MAX_ADDRESSES
    ):
        self.limit, self.window, self.keys = limit, window, keys
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # routes run in a thread pool

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count an attempt from `key`; False (and not counted) when it is over the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            attempts = self._attempts.pop(key, None) or deque()
            while attempts and attempts[0] <= now - self.window:
                attempts.popleft()
            allowed = len(attempts) < self.limit
            if allowed:
                attempts.append(now)
            self._attempts[key] = attempts  # re-inserted last: the dict stays in order of use
            while len(self._attempts) > self.keys:
                del self._attempts[next(iter(self._attempts))]
            return allowed

    def succeeded(self, key: str) -> None:
        """Give back the attempt of a sign-in that succeeded: an office whose people all sign in
        at 9 o'clock from one address uses none of its budget. (Counted first and given back
        after, so that guesses sent at once are all counted before any is checked.)"""
        with self._lock:
            attempts = self._attempts.get(key)
            if attempts:
                attempts.pop()


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_attempts(request: Request) -> None:
    """Count a sign-in attempt from the request's address in the app's limiter (made by
    `main.create_app`); `TooManyRequests` when the address is over the limit."""
    if not request.app.state.sign_in_attempts.allow(_address(request)):
        raise TooManyRequests(
            "too many sign-in attempts from your address: wait a minute and try again",
            headers={"Retry-After": str(int(WINDOW))},
        )


def signed_in(request: Request) -> None:
    """The request's sign-in succeeded: its attempt is given back."""
    request.app.state.sign_in_attempts.succeeded(_address(request))
