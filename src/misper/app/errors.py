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


class FieldForbidden(Forbidden):
    """The caller's role may not write this field of this kind of record (`access.FIELD_WRITERS`),
    whichever record it is: nothing of the change is written."""

    def __init__(self, record: str, field: str):
        DomainError.__init__(
            self,
            f"your role may not write {record}.{field}",
            [{"field": field, "message": f"your role may not write {field}"}],
        )


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class AlreadyOpen(Conflict):
    """A second report of what is already open (a child already missing, reported again): the
    answer names the open record, which the caller may read, so that the caller goes to it."""

    code = "already_open"

    def __init__(self, message: str, rid: str):
        super().__init__(message)
        self.rid = rid


class Invalid(DomainError):
    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", [{"field": field, "message": message}])


class Unavailable(DomainError):
    """The store cannot do this until its operator sets it up (a key file it needs, say)."""

    status = 503
    code = "unavailable"


class TooManyRequests(DomainError):
    """Too many attempts from one address in a short time (signing in); `headers` say when to
    try again."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, headers: dict[str, str]):
        super().__init__(message)
        self.headers = headers


class SetUpRequired(DomainError):
    """The caller must first finish setting up their sign-in on `page`: choose their own password
    after an administrator's reset, or enrol the second factor their role requires."""

    status = 403
    code = "sign_in_setup_required"

    def __init__(self, message: str, page: str):
        super().__init__(message)
        self.page = page
