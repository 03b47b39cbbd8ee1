"""What a report is made of (sections, tables, charts, comparisons), before any rendering."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from misper.report import suppression


@dataclass(frozen=True)
class Counts:
    """A block of count columns suppressed together, and which of its totals are published."""

    columns: tuple[str, ...]
    rows_known: bool = False
    cols_known: bool = True


@dataclass
class Table:
    """One table of the report: the frame (index = row labels) and how to protect it."""

    key: str
    title: str
    frame: pd.DataFrame
    counts: tuple[Counts, ...] = ()
    derived: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # column -> counts it rests on
    total_row: bool = False  # show a Total row (sums of the count columns)
    highlight: pd.DataFrame | None = None  # cells to emphasise (same shape as frame)
    note: str = ""
    shown: pd.DataFrame | None = (
        None  # frame as published: counts below 5 as "<5", other hidden cells "[c]"
    )
    suppressed: pd.DataFrame | None = None  # mask of suppressed cells, frame-shaped (+ Total row)

    def protect(self, publish: bool) -> None:
        """Fill `shown` (and `suppressed`): as is, or with disclosure control applied."""
        frame = self.frame.copy()
        if self.total_row:
            totals = {c: frame[c].sum() for b in self.counts for c in b.columns}
            frame = pd.concat([frame, pd.DataFrame([totals], index=["Total"])])
        mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
        small = mask.copy()
        if publish:
            body = self.frame
            for block in self.counts:
                cols = list(block.columns)
                values = body[cols].to_numpy(dtype=float)
                try:
                    full = suppression.suppress(
                        values,
                        rows_known=block.rows_known,
                        cols_known=block.cols_known,
                        name=self.title,
                    )
                except suppression.TooFewToPublish:
                    full = suppression.suppress_all(values)  # nothing of a tiny table is shown
                where = [frame.columns.get_loc(c) for c in cols]
                mask.iloc[: len(body), where] = full[:-1, :-1]
                small.iloc[: len(body), where] = full[:-1, :-1] & suppression.primary(values)
                if self.total_row:
                    mask.iloc[len(body), where] = full[-1, :-1]
                    small.iloc[len(body), where] = full[-1, :-1] & suppression.primary(
                        values.sum(axis=0)
                    )
            for column, bases in self.derived.items():
                mask[column] = mask[column] | mask[list(bases)].any(axis=1)
        shown = frame.astype(object)
        shown[mask.to_numpy()] = suppression.SECONDARY
        shown[small.to_numpy()] = suppression.SUPPRESSED
        self.shown, self.suppressed = shown, mask

    def numbers(self, column: str) -> pd.Series:
        """A shown column as floats with suppressed cells as NaN (what charts may draw)."""
        values = self.shown[column]
        if self.total_row:
            values = values.iloc[:-1]
        return pd.to_numeric(values, errors="coerce")  # the markers become NaN

    def row_numbers(self, label) -> pd.Series:
        """A shown row as floats with suppressed cells as NaN."""
        return pd.to_numeric(self.shown.loc[label], errors="coerce")

    def value(self, row, column):
        """A shown cell as a JSON value: int/float, None for NaN, or the suppression marker."""
        v = self.shown.loc[row, column]
        if isinstance(v, str):
            return v
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer)) or (
            isinstance(v, float)
            and float(v).is_integer()
            and any(column in b.columns for b in self.counts)
        ):
            return int(v)
        return float(v) if isinstance(v, (float, np.floating)) else v


@dataclass
class Chart:
    key: str
    title: str
    figure: object  # a plotly Figure


@dataclass
class Comparison:
    """One published figure beside this data's value."""

    figure: str
    published: float | str
    this_data: float | str | None
    tolerance: str
    agrees: bool | None


@dataclass
class Section:
    key: str
    title: str
    method: dict[str, str]  # definition, denominator, excluded
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    title: str
    cover: dict[str, str]
    sections: list[Section]
    data: dict  # the JSON contract (already protected when published)
    publish: bool

    def table(self, key: str) -> Table | None:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        return None
