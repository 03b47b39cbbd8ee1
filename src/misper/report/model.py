"""What a report is made of (sections, tables, charts, comparisons), before any rendering."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from misper.report import suppression

if TYPE_CHECKING:
    from misper.analysis.care import CareRates
    from misper.analysis.demand import Seasonality
    from misper.analysis.outcomes import DurationSummary, PoliceGap
    from misper.analysis.repeats import TopSummary
    from misper.analysis.timing import SaturdayTest
    from misper.analysis.vulnerability import Harm
    from misper.analysis.workload import WorkloadSummary


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
            frame.index.name = self.frame.index.name  # concat forgets it; the header shows it
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


@dataclass(frozen=True)
class Method:
    """The method note under a section: what is counted, over what, and what was left out."""

    definition: str
    denominator: str = ""
    excluded: str = ""

    def parts(self) -> tuple[tuple[str, str], ...]:
        """(name, text) of the parts given, in reading order."""
        named = (
            ("definition", self.definition),
            ("denominator", self.denominator),
            ("excluded", self.excluded),
        )
        return tuple((name, text) for name, text in named if text)


@dataclass
class Section:
    key: str
    title: str
    method: Method
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class ReportValues:
    """Analysis results kept beside the tables, for the JSON contract, the published comparison
    and later sections; filled by the sections as they are built. None: not computed."""

    annual_table: pd.DataFrame | None = None  # Table 1, by year
    seasonality: Seasonality | None = None
    transgender_share: float | None = None
    ethnicity: pd.DataFrame | None = None
    concentration: dict[str, float | int] | None = None  # empty when there are no children
    top50_summary: TopSummary | None = None
    police_gap: PoliceGap | None = None
    saturday: SaturdayTest | None = None  # busiest weekday and the Saturday test
    care_late: float | None = None  # share of care-home incidents reported 22:00-00:59
    duration: DurationSummary | None = None
    reasons_vulnerability: pd.DataFrame | None = None
    risk_flags: pd.DataFrame | None = None
    harm: Harm | None = None
    care_rates: CareRates | None = None
    authority: pd.DataFrame | None = None  # with its total column
    top40_year: pd.DataFrame | None = None
    narratives: WorkloadSummary | None = None
    tasks: WorkloadSummary | None = None

    # report/compare.py, owned apart, still reads these as a mapping (`v.get("duration")`,
    # `"harm" in v`, `v["harm"]`): these three go once it reads the attributes.
    def __getitem__(self, name: str) -> Any:
        if name not in _VALUE_NAMES:
            raise KeyError(name)
        return getattr(self, name)

    def __contains__(self, name: str) -> bool:
        return self[name] is not None

    def get(self, name: str, default: Any = None) -> Any:
        value = self[name]
        return default if value is None else value


_VALUE_NAMES = frozenset(f.name for f in fields(ReportValues))


@dataclass
class Report:
    title: str
    cover: dict[str, str]
    sections: list[Section]
    data: dict  # the JSON contract (already protected when published)
    publish: bool
    messages: list[str] = field(default_factory=list)  # the key messages of the first page

    def table(self, key: str) -> Table | None:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        return None
