"""Typed domain errors; the API maps each to one JSON error shape and status code."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or []


class NotFound(DomainError):
    """Absent, or outside the caller's scope: the two are never told apart."""

    status = 404
    code = "not_found"

    def __init__(self, what: str):
        super().__init__(f"{what} not found")


class Forbidden(DomainError):
    """The caller's role may not do this to any record of this kind."""

    status = 403
    code = "forbidden"

    def __init__(self, permission: str):
        super().__init__(f"your role may not do {permission}")


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", [{"field": field, "message": message}])
