"""Field types shared by every API shape: safe text, local datetimes, database-sized ids."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from misper.incidents.schema import TIMEZONE, Column, Kind

LONDON = ZoneInfo(TIMEZONE)
MAX_ID = 2_147_483_647  # a 32-bit database integer; larger ids cannot exist


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, dict):
        for item in value.values():
            _no_nul(item)
    if isinstance(value, (list, tuple)):
        for item in value:
            _no_nul(item)
    return value


class StoreModel(BaseModel):
    """Base of request bodies: unknown fields refused, no NUL characters anywhere (PostgreSQL
    cannot store them, and no person writes them)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        return _no_nul(data)


def _local(value: datetime) -> datetime:
    """The store keeps naive Europe/London times, as the incident table; convert aware ones."""
    _plausible_date(value)  # first: year 1 or 9999 would overflow on the way to London time
    if value.tzinfo is not None:
        value = value.astimezone(LONDON).replace(tzinfo=None)
    return _plausible_date(value)


def _plausible_date(value: date) -> date:
    if not 1900 <= value.year <= 2100:
        raise ValueError("year must be between 1900 and 2100")
    return value


def _with_zone(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=LONDON)


LocalDatetime = Annotated[datetime, AfterValidator(_local)]
# In answers: the stored local time with its UTC offset, as RFC 3339 date-times must carry.
Stamp = Annotated[datetime, AfterValidator(_with_zone)]
PlausibleDate = Annotated[date, AfterValidator(_plausible_date)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def text(max_length: int, min_length: int = 0):
    return Annotated[str, Field(min_length=min_length, max_length=max_length)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "Enter a name, not only spaces")
    return value.strip()


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
CHILD_UNDER = 18  # a child's report is for someone under this age (Children Act 1989, s.105)


def age_in_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def child_birth_date_problem(born: date, today: date | None = None) -> str | None:
    """What is wrong with `born` as the date of birth of a child reported missing (None: nothing):
    the one rule the report forms, the API and the child's pages share."""
    today = today or date.today()
    if born >= today:
        return "The date of birth must be in the past"
    age = age_in_years(born, today)
    if age >= CHILD_UNDER:
        return (
            f"This date of birth makes the person {age}: a child's report is for someone "
            f"under {CHILD_UNDER}. Check the year"
        )
    return None


def _child_birth_date(born: date) -> date:
    problem = child_birth_date_problem(born)
    if problem:
        raise PydanticCustomError("child_date_of_birth", problem)
    return born


ChildBirthDate = Annotated[date, AfterValidator(_plausible_date), AfterValidator(_child_birth_date)]
Pid = text(64, 1)
Sector = text(8, 1)
Note = text(10_000)


def canonical_type(column: Column, answer: bool = False):
    """The API type of a canonical column, from the one schema definition (`answer`: in a
    response, where datetimes carry their offset)."""
    kind = column.kind
    if kind is Kind.TEXT:
        return text(10_000 if column.free_text else 120)
    if kind is Kind.ENUM:
        return Literal[column.values]
    if kind is Kind.DATETIME:
        return Stamp if answer else LocalDatetime
    if kind is Kind.INTEGER:
        return Annotated[int, Field(ge=column.minimum or 0, le=column.maximum or MAX_ID)]
    if kind is Kind.FLOAT:
        return Annotated[float, Field(ge=column.minimum, le=column.maximum, allow_inf_nan=False)]
    if kind is Kind.BOOL:
        return bool
    item = Literal[column.values] if column.values else text(64, 1)
    return Annotated[list[item], Field(max_length=100)]


# Path parameters: a child's pid, an episode's rid, a numbered record.
PidPath = Annotated[str, Path(min_length=1, max_length=64)]
RidPath = Annotated[str, Path(min_length=1, max_length=64)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
