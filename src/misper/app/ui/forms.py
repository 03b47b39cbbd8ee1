"""Reading a page's form: typed values from text, and a refusal's messages by field."""

from __future__ import annotations

from datetime import datetime

from misper.app.errors import Invalid


def when(value: str, field: str) -> datetime:
    """A date and time typed into `field`; Invalid (naming the field) when it is not one."""
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(field, "enter a date and time, for example 2024-03-01 21:30") from None


def field_errors(exc: Invalid) -> dict[str, str]:
    """A refusal's messages keyed by the form field they belong beside."""
    return {f["field"].split(".")[0]: f["message"] for f in exc.fields}
