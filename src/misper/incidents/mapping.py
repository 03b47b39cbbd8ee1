"""Applying a mapping profile to a chunk of raw cells: canonical names, recoded values.

Output cells are still raw (text, or typed from Parquet); parsing and checking come after, so a
recoding error and a parsing error are reported the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.incidents.errors import Problem
from misper.incidents.profiles import ColumnMap, Profile
from misper.incidents.schema import BY_NAME, LIST_SEPARATOR, Kind


def missing_sources(profile: Profile, header: list[str]) -> list[Problem]:
    """Problems for source columns the profile names that the file does not have."""
    present = set(header)
    return [
        Problem(
            None,
            name,
            None,
            f"the profile maps {name!r} from column {source!r}, which is not in the file",
        )
        for name, mapping in profile.columns.items()
        for source in mapping.source_columns
        if source not in present
    ]


def apply_profile(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Canonical columns from the profile, then unmapped source columns as extras."""
    out: dict[str, pd.Series] = {}
    for name, mapping in profile.columns.items():
        out[name] = _column(frame, name, mapping, profile.true_values())
    used = profile.used_sources()
    for source in frame.columns:
        if source in out or (source in used) or not profile.keep_unmapped:
            continue
        out[source] = frame[source]  # canonical names pass through; others are kept as extras
    return pd.DataFrame(out, index=frame.index)


def _column(frame: pd.DataFrame, name: str, m: ColumnMap, truthy: set[str]) -> pd.Series:
    if m.value is not None:
        return pd.Series(m.value, index=frame.index, dtype=object)
    if m.date is not None:
        joined = _text(frame[m.date]).str.strip()
        if m.time is not None:
            time = _text(frame[m.time]).str.strip()
            joined = (joined + " " + time).where(time != "", joined)
        return joined
    if m.flags:
        return _from_flags(frame, m, truthy)
    if isinstance(m.source, list):
        sep = m.separator or LIST_SEPARATOR
        parts = [_recode(_text(frame[s]), m.values, split=sep) for s in m.source]
        joined = parts[0]
        for part in parts[1:]:
            joined = _join(joined, part)
        return joined
    values = frame[m.source]
    if not m.values:
        if m.separator and BY_NAME[name].kind is Kind.LIST:
            return _text(values).str.replace(m.separator, LIST_SEPARATOR, regex=False)
        return values
    split = (m.separator or LIST_SEPARATOR) if BY_NAME[name].kind is Kind.LIST else None
    return _recode(_text(values), m.values, split=split)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str)


def _recode(values: pd.Series, mapping: dict[str, str], split: str | None) -> pd.Series:
    """Replace source values by canonical ones (ignoring case and surrounding spaces)."""
    lookup = {k.strip().lower(): v for k, v in mapping.items()}
    if split is None:
        key = values.str.strip().str.lower()
        return key.map(lookup).fillna(values.str.strip())
    items = values.str.split(split, regex=False).explode().str.strip()
    coded = items.str.lower().map(lookup).fillna(items)
    coded = coded[coded != ""]
    joined = coded.groupby(level=0).agg(LIST_SEPARATOR.join)
    return joined.reindex(values.index, fill_value="")


def _join(a: pd.Series, b: pd.Series) -> pd.Series:
    both = (a != "") & (b != "")
    return pd.Series(np.where(both, a + LIST_SEPARATOR + b, np.where(a != "", a, b)), index=a.index)


def _from_flags(frame: pd.DataFrame, m: ColumnMap, truthy: set[str]) -> pd.Series:
    """Several yes/no columns (e.g. 'Gang Risk' = Y) become one list column (gang;...)."""
    result = pd.Series("", index=frame.index, dtype=object)
    answered = np.zeros(len(frame), dtype=bool)
    for source, item in m.flags.items():
        text = _text(frame[source]).str.strip().str.lower()
        answered |= (text != "").to_numpy()
        result = _join(result, pd.Series(np.where(text.isin(truthy), item, ""), index=frame.index))
    # every flag answered "no" means none listed ([]), which the list syntax writes as a lone ';'
    return result.where((result != "") | ~answered, LIST_SEPARATOR)
