"""Each episode in its child's history: durations, and what was known of earlier episodes then.

Everything here looks only backwards from an episode's `reported_at` (or forwards, explicitly, for
labels), so the models built on it cannot see the future by accident.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from misper.analysis.lists import indicator
from misper.analysis.selection import child_reports

EXPLOITATION_FLAGS = (
    "cse",
    "cce",
    "county_lines",
    "gang",
    "criminal",
    "trafficking",
    "modern_slavery",
)
MENTAL_HEALTH_FLAGS = ("suicide", "self_harm", "mental_health")
# The report found most short episodes start between 10pm and 3am, so that is one band.
HOUR_BANDS = ((3, "03-08"), (8, "08-16"), (16, "16-22"), (22, "22-03"))
AGE_BANDS = ((0, "0-11"), (12, "12-13"), (14, "14-15"), (16, "16-17"), (18, "18+"))


def data_end(frame: pd.DataFrame) -> pd.Timestamp:
    """The last moment the data knows about: the latest report or return."""
    ends = [frame["reported_at"].max()]
    if "found_at" in frame.columns:
        ends.append(frame["found_at"].max())
    return max(e for e in ends if pd.notna(e))


def durations(frame: pd.DataFrame, now: pd.Timestamp | None = None) -> pd.DataFrame:
    """Hours from report to found per episode; open episodes censored at `now` (default: data end).

    Columns `hours` and `ended`; `hours` is NaN where the episode cannot be used: found before it
    was reported (a recording error), or reported after `now`.
    """
    now = data_end(frame) if now is None else pd.Timestamp(now)
    reported = frame["reported_at"]
    found = (
        frame["found_at"] if "found_at" in frame.columns else pd.Series(pd.NaT, index=frame.index)
    )
    ended = found.notna() & (found <= now)
    stop = found.where(ended, now)
    hours = (stop - reported) / pd.Timedelta(hours=1)
    hours = hours.where((hours >= 0) & (reported <= now))
    return pd.DataFrame(
        {"hours": hours.astype("float64"), "ended": ended.astype(bool)}, index=frame.index
    )


def band(values: pd.Series, bands: tuple[tuple[int, str], ...]) -> pd.Series:
    """Label each number with the band whose lower edge it has reached (the first band wraps)."""
    edges = np.array([b[0] for b in bands])
    labels = np.array([b[1] for b in bands])
    numbers = values.astype("float64").to_numpy()
    position = np.searchsorted(edges, numbers, side="right") - 1
    out = labels[np.where(position < 0, len(bands) - 1, position)].astype(object)
    out[np.isnan(numbers)] = "unknown"
    return pd.Series(out, index=values.index, dtype="string")


def has_any(lists: pd.Series, wanted: tuple[str, ...]) -> pd.Series:
    """Whether each list holds any of `wanted` (an unknown list counts as no)."""
    matrix, _ = indicator(lists, tuple(wanted))
    return pd.Series(matrix.any(axis=1), index=lists.index, dtype=bool)


def nonempty(lists: pd.Series) -> pd.Series:
    """Whether each list names at least one item (an unknown list counts as no)."""
    array = lists.array.__arrow_array__()
    lengths = pc.list_value_length(array).fill_null(0).to_numpy(zero_copy_only=False)
    return pd.Series(np.asarray(lengths) > 0, index=lists.index, dtype=bool)


def _keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Int64 keys child * span + minute per episode, and the same sorted, for range counting."""
    codes = pd.factorize(frame["pid"])[0].astype(np.int64)
    minutes = (frame["reported_at"] - frame["reported_at"].min()) // pd.Timedelta(minutes=1)
    minutes = minutes.to_numpy(dtype=np.int64)
    span = int(minutes.max()) + 10 * 366 * 24 * 60 + 1  # room for windows reaching past the ends
    keys = codes * span + minutes
    return keys, np.sort(keys)


def count_before(frame: pd.DataFrame, days: float) -> pd.Series:
    """Per episode, the same child's earlier episodes reported in the `days` before it."""
    keys, sorted_keys = _keys(frame)
    lo = np.searchsorted(sorted_keys, keys - int(round(days * 1440)), side="left")
    hi = np.searchsorted(sorted_keys, keys, side="left")
    return pd.Series(hi - lo, index=frame.index, dtype="int64")


def count_after(frame: pd.DataFrame, days: float) -> pd.Series:
    """Per episode, the same child's later episodes reported within `days` after it (the label)."""
    keys, sorted_keys = _keys(frame)
    lo = np.searchsorted(sorted_keys, keys, side="right")
    hi = np.searchsorted(sorted_keys, keys + int(round(days * 1440)), side="right")
    return pd.Series(hi - lo, index=frame.index, dtype="int64")


def history(frame: pd.DataFrame) -> pd.DataFrame:
    """What was known at each episode's report about the same child's earlier episodes.

    Columns: `previous_count`, `hours_since_previous`, `previous_hours` (duration of the previous
    episode, NaN if it had not ended by this report), `previous_open` (it had not),
    `previous_found_by` (who found the child last time, 'not_yet' / 'none').
    """
    order = np.lexsort((frame["reported_at"].to_numpy(), pd.factorize(frame["pid"])[0]))
    ordered = frame.iloc[order]
    same_child = ordered["pid"].to_numpy()[1:] == ordered["pid"].to_numpy()[:-1]
    same_child = np.concatenate([[False], same_child])
    reported = ordered["reported_at"].to_numpy()
    previous_reported = np.concatenate([[np.datetime64("NaT")], reported[:-1]]).astype(
        reported.dtype
    )
    if "found_at" in frame.columns:
        found = ordered["found_at"].to_numpy()
        previous_found = np.concatenate([[np.datetime64("NaT")], found[:-1]]).astype(found.dtype)
    else:
        previous_found = np.full(len(ordered), np.datetime64("NaT"), dtype=reported.dtype)
    # A previous episode still open when this one was reported has no known duration yet.
    known = same_child & ~np.isnat(previous_found) & (previous_found <= reported)
    previous_hours = np.where(
        known, (previous_found - previous_reported) / np.timedelta64(1, "h"), np.nan
    )
    previous_hours[previous_hours < 0] = np.nan  # found before reported: a recording error
    if "found_by" in frame.columns:
        last_by = np.concatenate(
            [["none"], ordered["found_by"].astype(object).fillna("unknown").to_numpy()[:-1]]
        ).astype(object)
    else:
        last_by = np.full(len(ordered), "unknown", dtype=object)
    last_by = np.where(~same_child, "none", np.where(known, last_by, "not_yet"))
    out = pd.DataFrame(
        {
            "previous_count": ordered.groupby("pid", sort=False, observed=True)
            .cumcount()
            .to_numpy(),
            "hours_since_previous": np.where(
                same_child, (reported - previous_reported) / np.timedelta64(1, "h"), np.nan
            ),
            "previous_hours": previous_hours,
            "previous_open": same_child & ~known,
            "previous_found_by": last_by,
        },
        index=ordered.index,
    )
    return out.loc[frame.index]


def children_reports(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Missing reports of children, every column kept, and how many rows each rule left out.

    The demand report's own rule (`analysis.selection.child_reports`), without its period filter:
    decision support learns from the whole history it is given.
    """
    keep, dropped = child_reports(frame)
    return frame[keep].reset_index(drop=True), dropped
