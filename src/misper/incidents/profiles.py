"""Mapping profiles: how one force's export (COMPACT or other) maps onto the canonical columns.

A profile is YAML, validated on load. Each canonical column is taken from one source column, from a
date and a time column, from several columns that together make one list, from yes/no flag columns,
or is a constant; source values can be recoded. Source columns a profile does not use are kept as
extra columns, so nothing is dropped silently.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from misper.incidents.schema import BY_NAME, Kind

DEFAULT_TRUE = ("true", "yes", "y", "1", "t")
DEFAULT_FALSE = ("false", "no", "n", "0", "f")
PACKAGED = Path(__file__).resolve().parent.parent / "profiles"


class ProfileError(Exception):
    """A profile that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ColumnMap(_Strict):
    """Where one canonical column comes from."""

    source: str | list[str] | None = Field(None, alias="from")
    date: str | None = None  # split date and time columns, joined before parsing
    time: str | None = None
    format: str | None = None  # strptime format of the (joined) datetime text
    values: dict[str, str] = {}  # source value -> canonical value (matched ignoring case)
    flags: dict[str, str] = {}  # yes/no source column -> list item it stands for
    separator: str | None = None  # list separator inside a source cell (default ';')
    value: str | None = None  # constant for every row

    @model_validator(mode="after")
    def _one_way(self) -> ColumnMap:
        ways = [
            self.source is not None,
            self.date is not None,
            bool(self.flags),
            self.value is not None,
        ]
        if sum(ways) != 1:
            raise ValueError("give exactly one of 'from', 'date' (with 'time'), 'flags', 'value'")
        if self.time is not None and self.date is None:
            raise ValueError("'time' needs 'date'")
        return self

    @property
    def source_columns(self) -> list[str]:
        if isinstance(self.source, list):
            return list(self.source)
        named = [self.source, self.date, self.time]
        return [c for c in named if c is not None] + list(self.flags)


class FileOptions(_Strict):
    encoding: str = "utf-8"  # a byte-order mark in the file wins unless this names another
    delimiter: str = ","
    sheet: str | None = None  # XLSX sheet; default the first

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, cp1252, utf-16)") from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError(
                f"the delimiter must be one character (e.g. ',' ';' tab), not {value!r}"
            )
        return value


class Profile(_Strict):
    """A force's export described as a mapping onto the canonical incident table."""

    name: str
    description: str = ""
    file: FileOptions = FileOptions()
    datetime_format: str | None = None  # default for every datetime column; ISO 8601 otherwise
    booleans: dict[Literal["true", "false"], list[str]] = {}
    columns: dict[str, ColumnMap]
    keep_unmapped: bool = True

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        # `rid: Incident Ref` is short for `rid: {from: Incident Ref}`
        if isinstance(value, dict):
            return {k: ({"from": v} if isinstance(v, (str, list)) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _known_columns(self) -> Profile:
        for name, mapping in self.columns.items():
            column = BY_NAME.get(name)
            if column is None:
                raise ValueError(f"columns.{name}: not a canonical column")
            if (mapping.flags or isinstance(mapping.source, list)) and column.kind is not Kind.LIST:
                raise ValueError(f"columns.{name}: several source columns only make a list column")
            if mapping.date is not None and column.kind is not Kind.DATETIME:
                raise ValueError(f"columns.{name}: 'date'/'time' only for a datetime column")
        return self

    def true_values(self) -> set[str]:
        return {v.lower() for v in self.booleans.get("true", [])} | set(DEFAULT_TRUE)

    def false_values(self) -> set[str]:
        return {v.lower() for v in self.booleans.get("false", [])} | set(DEFAULT_FALSE)

    def used_sources(self) -> set[str]:
        return {s for m in self.columns.values() for s in m.source_columns}


def canonical_profile() -> Profile:
    """The identity profile: a file already in the canonical shape."""
    return Profile(name="canonical", columns={})


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile; a bare name refers to a profile shipped with Misper."""
    path = Path(path)
    if not path.exists() and (PACKAGED / f"{path.name}.yaml").exists():
        path = PACKAGED / f"{path.name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"profile {path}: no such file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ProfileError(f"profile {path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"profile {path}: expected a mapping with 'name' and 'columns'")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ProfileError(f"profile {path} is invalid:\n" + "\n".join(lines)) from None
