"""Reading a page's form: typed values from text, and a refusal's messages by field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from fastapi import Request, Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.errors import Invalid
from misper.app.schemas import MAX_ID, LocalDatetime, PlausibleDate

_LOCAL = TypeAdapter(LocalDatetime)
_DAY = TypeAdapter(PlausibleDate)


def when(value: str, field: str) -> datetime:
    """A date and time typed into `field`, as the API takes one (`schemas.LocalDatetime`: a
    given offset converted to the store's local time, a year from 1900 to 2100); Invalid
    (naming the field) when it is not one."""
    try:
        return _LOCAL.validate_python(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise Invalid(field, "enter a date and time, for example 2024-03-01 21:30") from None


def day(value: str, field: str) -> date:
    """A date typed into `field`, as the API takes one (`schemas.PlausibleDate`)."""
    try:
        return _DAY.validate_python(date.fromisoformat(value.strip()))
    except ValueError:
        raise Invalid(field, "enter a date, for example 2010-05-31") from None


def record_id(value: str) -> int | None:
    """The id of a record typed or chosen in a form (or found in a path), None when the text is
    not one: ASCII digits only (`str.isdigit` also takes "²", which `int` refuses), and within
    the database's integers."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ID:
        return None
    return int(value)


def field_errors(exc: Invalid) -> dict[str, str]:
    """A refusal's messages keyed by the form field they belong beside."""
    return {f["field"].split(".")[0]: f["message"] for f in exc.fields}


# The update form also sits on other domains' pages (the carer's check, the control room's
# triage). Each registers here how it shows the form refused, by the path the form goes back to;
# a caller whose role may not open that page is shown the refusal on the episode page instead.
RefusedUpdatePage = Callable[
    [Request, Session, Actor, str, str, dict[str, str], dict[str, str]], Response
]
UPDATE_FORM_HOSTS: list[tuple[str, tuple[str, str], RefusedUpdatePage]] = []


def update_form_host(
    prefix: str, resource: str, action: str
) -> Callable[[RefusedUpdatePage], RefusedUpdatePage]:
    """Decorator registering a page that shows the update form: its paths start with `prefix` and
    it is open to roles allowed `action` on `resource`. When the form it sent is refused, the page
    is called as `page(request, session, actor, rid, back, errors, values)` and answers with 422."""
    access.PERMISSIONS[resource][action]  # a typo fails at import, not at the first refusal

    def register(page: RefusedUpdatePage) -> RefusedUpdatePage:
        UPDATE_FORM_HOSTS.append((prefix, (resource, action), page))
        return page

    return register
