"""Parsing and checking a chunk of raw cells against the schema, collecting every fault.

Types are converted first, column by column, and content is checked after, so that one bad cell
never hides another (pandera's lesson). Every rule is vectorised: one mask per rule per chunk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from misper.incidents.errors import Problem, Problems
from misper.incidents.frame import LIST_DTYPE
from misper.incidents.schema import (
    BY_NAME,
    COLUMNS,
    LIST_SEPARATOR,
    NAMES,
    REQUIRED,
    TIMEZONE,
    Column,
    Kind,
)

EARLIEST = pd.Timestamp("1980-01-01")  # before this a date is a typing error, not history
ISO_HINT = "a date-time in ISO 8601 form, e.g. 2022-03-05T22:41"
_TZ_SUFFIX = r"(?:Z|[+-]\d\d:?\d\d)$"
_FULL_POSTCODE = r"([A-Z]{1,2}\d[A-Z\d]?) ?(\d)[A-Z]{2}"
SECTOR_PATTERN = r"[A-Z]{1,2}\d[A-Z\d]? \d"
EARTH_RADIUS_MILES = 3958.8


@dataclass
class Options:
    datetime_format: str | None = None
    true_values: frozenset[str] = frozenset()
    false_values: frozenset[str] = frozenset()
    unknown_as_other: bool = False


class Quality(TypedDict):
    """A Tally as plain values: the report's data-quality section and the JSON read it."""

    rows: int
    missing: dict[str, int]  # empty cells per canonical column
    mapped_to_other: dict[str, int]  # unknown values kept as 'other', per column
    postcodes_cut: int
    distances_computed: int
    extra_columns: list[str]


@dataclass
class Tally:
    """What the loader did to the data, kept for the report's data-quality section."""

    rows: int = 0
    missing: Counter[str] = field(default_factory=Counter)
    mapped_to_other: Counter[str] = field(default_factory=Counter)
    postcodes_cut: int = 0
    distances_computed: int = 0
    extra_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> Quality:
        return {
            "rows": self.rows,
            "missing": dict(self.missing),
            "mapped_to_other": dict(self.mapped_to_other),
            "postcodes_cut": self.postcodes_cut,
            "distances_computed": self.distances_computed,
            "extra_columns": self.extra_columns,
        }

    def warnings(self) -> list[str]:
        out = [
            f"{n:,} unknown value(s) in {c} kept as 'other'"
            for c, n in self.mapped_to_other.items()
        ]
        if self.postcodes_cut:
            out.append(f"{self.postcodes_cut:,} full postcode(s) cut to their sector")
        if self.extra_columns:
            out.append(
                f"kept {len(self.extra_columns)} column(s) outside the schema: "
                + ", ".join(self.extra_columns)
            )
        return out


def check_header(columns: list[str], problems: Problems) -> None:
    for name in REQUIRED:
        if name not in columns:
            problems.add(Problem(None, name, None, "required column is missing from the file"))


def parse_chunk(
    raw: pd.DataFrame, first_row: int, options: Options, problems: Problems, tally: Tally
) -> pd.DataFrame:
    """Typed canonical columns (canonical order) then extras as text; faults go to `problems`."""
    rows = first_row + np.arange(len(raw))
    raw = raw.assign(
        **{
            c.name: pd.Series(c.default, index=raw.index, dtype=object)
            for c in COLUMNS
            if c.default is not None and c.name not in raw
        }
    )
    out: dict[str, pd.Series] = {}
    for name in [n for n in NAMES if n in raw.columns]:
        out[name] = _parse(BY_NAME[name], raw[name], rows, options, problems, tally)
    typed = pd.DataFrame(out, index=raw.index)
    _check_rows(typed, raw, rows, problems)
    _derive_distance(typed, tally)
    for name in raw.columns:
        if name not in out:
            typed[name] = _text(raw[name])
            if name not in tally.extra_columns:
                tally.extra_columns.append(name)
    tally.rows += len(raw)
    for name in out:
        tally.missing[name] += int(typed[name].isna().sum())
    return typed.reset_index(drop=True)


def _arrow_text(values: pd.Series) -> pa.Array:
    """Trimmed text as an Arrow array, empty cells as null (Arrow's kernels: no Python loop)."""
    if isinstance(values.dtype, (pd.ArrowDtype, pd.StringDtype)) and values.dtype != object:
        array = pa.array(values.array)
    else:
        array = pa.array(
            values.astype(object).where(values.notna(), None).to_numpy(dtype=object),
            from_pandas=True,
        )
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    array = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _text(values: pd.Series) -> pd.Series:
    return pd.Series(_arrow_text(values), dtype="string[pyarrow]", index=values.index)


def _codes(
    values: pd.Series, allowed: Iterable[str], lower: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Position of each cell's value in `allowed` (-1 if not there) and where cells are blank."""
    text = _arrow_text(values)
    if lower:
        text = pc.utf8_lower(text)
    codes = pc.index_in(text, value_set=pa.array(list(allowed), type=pa.string()))
    blank = pc.is_null(text).to_numpy(zero_copy_only=False)
    return pc.fill_null(codes, -1).to_numpy(zero_copy_only=False), blank


def _parse(
    column: Column,
    values: pd.Series,
    rows: np.ndarray,
    options: Options,
    problems: Problems,
    tally: Tally,
) -> pd.Series:
    kind = column.kind
    if kind is Kind.TEXT:
        return (
            _parse_postcode(column, values, rows, problems, tally)
            if column.postcode_sector
            else _text(values)
        )
    if kind is Kind.ENUM:
        return _parse_enum(column, values, rows, options, problems, tally)
    if kind is Kind.DATETIME:
        return _parse_datetime(column, values, rows, options, problems)
    if kind in (Kind.INTEGER, Kind.FLOAT):
        return _parse_number(column, values, rows, problems)
    if kind is Kind.BOOL:
        return _parse_bool(column, values, rows, options, problems)
    return _parse_list(column, values, rows, options, problems, tally)


def _parse_enum(
    column: Column,
    values: pd.Series,
    rows: np.ndarray,
    options: Options,
    problems: Problems,
    tally: Tally,
) -> pd.Series:
    codes, blank = _codes(values, column.values)
    if column.default is not None:
        codes = np.where(blank, column.values.index(column.default), codes)
        blank = np.zeros(len(codes), dtype=bool)
    bad = (codes < 0) & ~blank
    if bad.any() and options.unknown_as_other and "other" in column.values:
        codes = np.where(bad, column.values.index("other"), codes)
        tally.mapped_to_other[column.name] += int(bad.sum())
        bad[:] = False
    else:
        problems.add_mask(
            bad,
            rows,
            column.name,
            values,
            f"not an allowed value; expected one of {', '.join(column.values)} "
            f"(map it in the profile)",
        )
    return pd.Series(
        pd.Categorical.from_codes(np.where(bad, -1, codes), dtype=column.pandas_dtype),
        index=values.index,
    )


def _parse_datetime(
    column: Column, values: pd.Series, rows: np.ndarray, options: Options, problems: Problems
) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
        if getattr(values.dt, "tz", None) is not None:
            parsed = values.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
        parsed = parsed.astype("datetime64[ns]")
        bad = np.zeros(len(values), dtype=bool)
    else:
        text = _text(values)
        zoned = text.str.contains(_TZ_SUFFIX, regex=True, na=False)
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        naive = text[~zoned & text.notna()]
        if len(naive):
            got = pd.Series(pd.NaT, index=naive.index, dtype="datetime64[ns]")
            if options.datetime_format:
                got = pd.to_datetime(naive, format=options.datetime_format, errors="coerce")
            retry = got.isna()
            if retry.any():  # ISO 8601 (e.g. Excel's native dates) is unambiguous in any profile
                got[retry] = pd.to_datetime(naive[retry], format="ISO8601", errors="coerce")
            parsed[naive.index] = got.astype("datetime64[ns]")
        if zoned.any():
            got = pd.to_datetime(text[zoned], format="ISO8601", utc=True, errors="coerce")
            parsed[zoned] = (
                got.dt.tz_convert(TIMEZONE).dt.tz_localize(None).astype("datetime64[ns]")
            )
        bad = (text.notna() & parsed.isna()).to_numpy()
        expected = (
            f"not a date-time in the form {options.datetime_format!r} or ISO 8601"
            if options.datetime_format
            else f"not {ISO_HINT}"
        )
        problems.add_mask(bad, rows, column.name, values, expected)
    latest = pd.Timestamp.now().normalize() + pd.Timedelta(days=2)
    absurd = (~bad & ((parsed < EARLIEST) | (parsed > latest))).to_numpy()
    problems.add_mask(
        absurd,
        rows,
        column.name,
        values,
        f"date out of range (expected between {EARLIEST:%Y-%m-%d} and today)",
    )
    return parsed


def _parse_number(
    column: Column, values: pd.Series, rows: np.ndarray, problems: Problems
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        number = values.astype("float64")
        text_na = number.isna()
    else:
        text = _text(values)
        number = pd.to_numeric(text, errors="coerce").astype("float64")
        text_na = text.isna()
    bad = ~text_na & number.isna()
    if column.kind is Kind.INTEGER:
        bad |= number.notna() & (number != np.round(number))
    problems.add_mask(
        bad.to_numpy(),
        rows,
        column.name,
        values,
        "not a whole number" if column.kind is Kind.INTEGER else "not a number",
    )
    number = number.mask(bad)
    low = column.minimum if column.minimum is not None else -np.inf
    high = column.maximum if column.maximum is not None else np.inf
    out_of_range = (number < low) | (number > high)
    problems.add_mask(
        out_of_range.to_numpy(),
        rows,
        column.name,
        values,
        f"out of range (expected {_bound(low)} to {_bound(high)})",
    )
    number = number.mask(out_of_range)  # reported above; also keeps inf out of the integer cast
    if column.kind is Kind.INTEGER:
        return number.round().astype("Int64")
    return number


def _bound(value: float) -> str:
    return f"{value:g}"


def _parse_bool(
    column: Column, values: pd.Series, rows: np.ndarray, options: Options, problems: Problems
) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    spellings = sorted(options.true_values) + sorted(options.false_values)
    codes, blank = _codes(values, spellings)
    bad = (codes < 0) & ~blank
    problems.add_mask(
        bad, rows, column.name, values, "not yes/no (expected e.g. true/false, yes/no, Y/N, 1/0)"
    )
    parsed = pd.array(codes < len(options.true_values), dtype="boolean")
    parsed[codes < 0] = pd.NA
    return pd.Series(parsed, index=values.index)


def _parse_list(
    column: Column,
    values: pd.Series,
    rows: np.ndarray,
    options: Options,
    problems: Problems,
    tally: Tally,
) -> pd.Series:
    if isinstance(values.dtype, pd.ArrowDtype):
        lists = pa.array(values)
    else:
        lists = pc.split_pattern(pa.array(_text(values), type=pa.string()), pattern=LIST_SEPARATOR)
    items = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parents = pc.list_parent_indices(lists)
    keep = pc.not_equal(items, "")
    items, parents = items.filter(keep), parents.filter(keep)
    if column.values:
        items = pc.utf8_lower(items)
        known = pc.is_in(items, value_set=pa.array(column.values)).to_numpy(zero_copy_only=False)
        unknown = ~known
        if unknown.any() and options.unknown_as_other and "other" in column.values:
            items = pa.array(np.where(known, items.to_numpy(zero_copy_only=False), "other"))
            tally.mapped_to_other[column.name] += int(unknown.sum())
        elif unknown.any():
            where = parents.to_numpy()[unknown]
            bad_rows = np.zeros(len(values), dtype=bool)
            bad_rows[where] = True
            problems.add_mask(
                bad_rows,
                rows,
                column.name,
                values,
                f"holds an item not allowed; items must be among "
                f"{', '.join(column.values)} (map it in the profile)",
            )
    counts = np.bincount(parents.to_numpy(), minlength=len(values))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    rebuilt = pa.ListArray.from_arrays(offsets, items, mask=pc.is_null(lists))
    return pd.Series(rebuilt, dtype=LIST_DTYPE, index=values.index)


def _parse_postcode(
    column: Column, values: pd.Series, rows: np.ndarray, problems: Problems, tally: Tally
) -> pd.Series:
    codes, uniques = pd.factorize(_text(values))  # few distinct sectors: work on those only
    text = pd.Series(uniques, dtype="string").str.upper().str.replace(r"\s+", " ", regex=True)
    full = text.str.extract(f"^{_FULL_POSTCODE}$")
    is_full = full[0].notna().to_numpy()
    is_sector = text.str.fullmatch(SECTOR_PATTERN).fillna(False).to_numpy(dtype=bool)
    sector = np.where(
        is_full,
        (full[0] + " " + full[1]).to_numpy(dtype=object),
        np.where(is_sector, text.to_numpy(dtype=object), None),
    )
    found = codes >= 0
    bad = found & ~np.append(is_full | is_sector, True)[codes]
    problems.add_mask(
        bad, rows, column.name, values, "not a postcode sector (e.g. 'HP4 1') or a full postcode"
    )
    # privacy by default: a full postcode is cut to its sector (and counted)
    tally.postcodes_cut += int((found & np.append(is_full, False)[codes]).sum())
    out = np.concatenate([sector, [None]])[codes]
    return pd.Series(out, index=values.index, dtype="string[pyarrow]")


def _check_rows(
    typed: pd.DataFrame, raw: pd.DataFrame, rows: np.ndarray, problems: Problems
) -> None:
    for name in REQUIRED:
        if name in typed:
            empty = (
                _text(raw[name]).isna()
                if not pd.api.types.is_datetime64_any_dtype(raw[name])
                else raw[name].isna()
            )
            problems.add_mask(
                empty.to_numpy(), rows, name, raw[name], "required; the cell is empty"
            )
    _order(
        typed,
        raw,
        rows,
        problems,
        "reported_at",
        "found_at",
        "found_at",
        "before reported_at (found before the police were told)",
    )
    _order(
        typed,
        raw,
        rows,
        problems,
        "last_seen_at",
        "reported_at",
        "last_seen_at",
        "after reported_at (last seen after the police were told)",
    )
    _order(
        typed,
        raw,
        rows,
        problems,
        "found_at",
        "rhi_completed_at",
        "rhi_completed_at",
        "before found_at (interview before the child was found)",
    )


def _order(
    typed: pd.DataFrame,
    raw: pd.DataFrame,
    rows: np.ndarray,
    problems: Problems,
    earlier: str,
    later: str,
    blamed: str,
    message: str,
) -> None:
    """Flag rows where `later` precedes `earlier`, reporting the fault on the `blamed` cell."""
    if earlier not in typed or later not in typed:
        return
    wrong = (typed[later] < typed[earlier]).fillna(False).to_numpy()
    problems.add_mask(wrong, rows, blamed, raw[blamed], message)


def _derive_distance(typed: pd.DataFrame, tally: Tally) -> None:
    coords = ["missing_from_lat", "missing_from_lon", "found_lat", "found_lon"]
    if not all(c in typed for c in coords):
        return
    if "distance_miles" not in typed:
        typed["distance_miles"] = np.nan
    todo = typed["distance_miles"].isna() & typed[coords].notna().all(axis=1)
    if todo.any():
        lat1, lon1, lat2, lon2 = (np.radians(typed.loc[todo, c].to_numpy()) for c in coords)
        typed.loc[todo, "distance_miles"] = haversine_miles(lat1, lon1, lat2, lon2)
        tally.distances_computed += int(todo.sum())


def haversine_miles(
    lat1: npt.NDArray[np.float64],
    lon1: npt.NDArray[np.float64],
    lat2: npt.NDArray[np.float64],
    lon2: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Great-circle distance in miles between points given in radians."""
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    miles: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(a))
    return miles


def duplicate_rids(rids: pa.Array, rows: np.ndarray, problems: Problems) -> None:
    """Every rid that appears twice or more, each repeat named with the row it repeats."""
    series = pd.Series(rids.to_pandas(), dtype="string")
    dup = series.duplicated(keep="first") & series.notna()
    if not dup.any():
        return
    first = series[~series.duplicated(keep="first")]
    first_row = pd.Series(rows[first.index], index=first.to_numpy())
    where = np.flatnonzero(dup.to_numpy())
    for i in where[: max(problems.limit - len(problems.items), 0)]:
        rid = series.iloc[i]
        problems.items.append(
            Problem(
                int(rows[i]), "rid", rid, f"duplicate incident id (first on row {first_row[rid]})"
            )
        )
    problems.total += len(where)
