"""Reading a page's form: typed values from text, and a refusal's messages by field."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, get_args

from fastapi import Request, Response
from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
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
    if not value.strip():
        raise Invalid(field, plain_message(field, {"type": "missing"}))
    try:
        return _LOCAL.validate_python(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise Invalid(field, plain_message(field, {"type": "datetime_parsing"})) from None


def day(value: str, field: str) -> date:
    """A date typed into `field`, as the API takes one (`schemas.PlausibleDate`)."""
    if not value.strip():
        raise Invalid(field, plain_message(field, {"type": "missing"}))
    try:
        return _DAY.validate_python(date.fromisoformat(value.strip()))
    except ValueError:
        raise Invalid(field, plain_message(field, {"type": "date_parsing"})) from None


def record_id(value: str) -> int | None:
    """The id of a record typed or chosen in a form (or found in a path), None when the text is
    not one: ASCII digits only (`str.isdigit` also takes "²", which `int` refuses), and within
    the database's integers."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ID:
        return None
    return int(value)


def same_site_path(value: str, default: str) -> str:
    """Where a form may send the user back to after it is sent: a path of this site, else
    `default` (ASVS 5.1.5). Refused: anything not starting with one slash ("//host" is another
    host), any backslash (browsers read "/" then a backslash as "//"), and any space or control
    character (browsers drop a tab or newline from a URL, which can make "//" of what was not)."""
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in value)
    ):
        return default
    return value


def field_errors(exc: Invalid) -> dict[str, str]:
    """A refusal's messages keyed by the form field they belong beside."""
    return {f["field"].split(".")[0]: f["message"] for f in exc.fields}


def sentence(message: str) -> str:
    """`message` as a sentence: its first letter a capital."""
    return message[:1].upper() + message[1:]


# How a refusal speaks of each form field: (what to do when it is empty or not chosen, what it is
# called in any other message). A field not listed is named by its own name, with spaces.
FIELDS: dict[str, tuple[str, str]] = {
    "found_at": ("Enter the time the child was found", "The found time"),
    "found_by": ("Choose who found the child", "Who found the child"),
    "found_how": ("Choose how the child was found", "How the child was found"),
    "found_location_type": ("Choose the kind of place where found", "The kind of place"),
    "harm": ("Choose the harm while missing", "The harm while missing"),
    "found_postcode_sector": ("Enter the postcode sector where found", "The postcode sector"),
    "found_text": ("Say how the child was found", "How the child was found"),
    "with_rids": ("Enter the other children's episode references", "The episode references"),
    "associates": ("Enter the associates' ids", "The associates' ids"),
    "level": ("Choose a risk level", "The risk level"),
    "factors": ("Choose risk factors from the list", "The risk factors"),
    "rationale": ("Say why: the reason is kept with the record", "The reason"),
    "decision": ("Choose what happens now", "The decision"),
    "review_at": ("Enter the date and time of the review", "The review time"),
    "held_at": ("Enter the date and time of the meeting", "The meeting time"),
    "attendees": ("Enter who attended", "Who attended"),
    "summary": ("Enter what the meeting decided", "The summary"),
    "description": ("Enter the action agreed", "The action"),
    "outcome": ("Enter the outcome", "The outcome"),
    "kind": ("Choose update or sighting", "The kind"),
    "text": ("Say what is new", "What is new"),
    "postcode_sector": ("Enter a postcode sector, for example AL1 3", "The postcode sector"),
    "name": ("Enter the child's name", "The name"),
    "date_of_birth": ("Enter the child's date of birth", "The date of birth"),
    "expected_back": ("Enter when the child was expected back", "The time expected back"),
    "step": ("Choose one of the steps listed", "The step"),
    "result": ("Choose what the step found", "What the step found"),
    "at": ("Enter the time of the step", "The time of the step"),
    "note": ("Enter a note", "The note"),
    "start": ("Enter the first day of the period", "The start of the period"),
    "end": ("Enter the last day of the period", "The end of the period"),
    "version": ("Open the page again: the form is out of date", "The version"),
}
EMPTY = {"missing", "string_too_short", "blank", "literal_error", "enum", "list_type"}


def plain_message(field: str, error: Mapping[str, Any]) -> str:
    """One of pydantic's errors as a sentence a carer understands, about the form's `field`."""
    empty, noun = FIELDS.get(field, (f"Enter {field.replace('_', ' ')}", field.replace("_", " ")))
    kind, ctx = error["type"], error.get("ctx") or {}
    named = noun[:1].lower() + noun[1:]
    if kind in EMPTY:
        return empty
    if kind == "string_too_long":
        return f"{sentence(noun)} must be {ctx['max_length']:,} characters or fewer"
    if kind.startswith("datetime") or kind == "timezone_aware":
        return f"Enter {named} as a date and time, for example 2024-03-01 21:30"
    if kind.startswith("date"):
        return f"Enter {named} as a date, for example 2010-05-31"
    if kind.startswith(("int_", "float_", "greater_than", "less_than", "finite")):
        return f"Enter {named} as a number" + (
            f" from {ctx['ge']} to {ctx['le']}" if {"ge", "le"} <= ctx.keys() else ""
        )
    if kind == "value_error":  # the store's own checks already speak in sentences
        return sentence(str(error["msg"]).removeprefix("Value error, "))
    if kind in ("bool_parsing", "bool_type"):
        return f"Choose yes or no for {named}"
    return str(error["msg"]) if kind in SENTENCES else f"Check {named}"


# The store's own error types (`app.schemas`), whose messages are written as sentences already;
# pydantic's other types speak its own words, never shown.
SENTENCES = frozenset({"child_date_of_birth"})


def plain_errors(errors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """pydantic's errors (`ValidationError.errors()`, the API's 422) as plain sentences keyed by
    the form field they belong beside: the first problem of each field. Every page form refuses
    through this, so a carer never reads a type name or a list of codes."""
    found: dict[str, str] = {}
    for error in errors:
        loc = [str(p) for p in error["loc"] if p not in ("body", "query", "path")]
        field = loc[0] if loc else "form"
        found.setdefault(field, plain_message(field, error))
    return found


# --- Length limits: a form's maxlength is its API schema's max_length -------------------------
SCHEMAS: dict[str, type[BaseModel]] = {}


def limited(*models: type[BaseModel]) -> None:
    """Let the pages' templates read these API shapes' length limits: `max_length("UpdateIn",
    "text")` in a template gives the field's `maxlength`, so form and server cannot drift."""
    for model in models:
        if SCHEMAS.setdefault(model.__name__, model) is not model:
            raise ValueError(f"two API shapes named {model.__name__}")


def max_length(schema: str, field: str) -> int:
    """The most characters `field` of the API shape `schema` takes (KeyError: no such shape or
    field, or no limit: a template naming one fails when rendered, not silently)."""
    return limit_of(SCHEMAS[schema], field)


def limit_of(model: type[BaseModel], field: str) -> int:
    """The max_length of `field` of the API shape `model` (KeyError when it has none)."""
    for part in _constraints(model.model_fields[field]):
        limit = getattr(part, "max_length", None)
        if limit is not None:
            return int(limit)
    raise KeyError(f"{model.__name__}.{field} has no max_length")


def refuse_too_long(schema: type[BaseModel], values: Mapping[str, str]) -> None:
    """Invalid naming the first of `values` longer than its field of `schema` takes: a page reads
    the text whole (never cut, never lost to an error page) and refuses it with the text kept."""
    for field, value in values.items():
        limit = limit_of(schema, field)
        if len(value) > limit:
            error = {"type": "string_too_long", "ctx": {"max_length": limit}}
            raise Invalid(field, plain_message(field, error) + f" (it has {len(value):,})")


def _constraints(info: FieldInfo) -> list[Any]:
    """The metadata of a field and of the types inside its annotation (`Note | None` too)."""
    found = list(info.metadata)
    stack = [info.annotation]
    while stack:
        tp = stack.pop()
        for part in getattr(tp, "__metadata__", ()):
            found.extend(part.metadata if isinstance(part, FieldInfo) else [part])
        stack.extend(get_args(tp))
    return found


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
