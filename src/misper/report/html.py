"""The report as one self-contained HTML file: styles and plotly's JavaScript in it, no network."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from misper import __version__
from misper.report.model import Comparison, Report, Section, Table
from misper.report.views import ChartView, TableView, chart, environment, plotly_js
from misper.report.wording import label

MAX_ROWS = 100  # longer tables are cut in the HTML (the XLSX and JSON hold them whole)
COLLAPSE_AFTER = 12  # longer tables are folded in a <details> the reader opens
ROWS_HEADER = "Item"  # heads the row labels when the table's index has no name
HIGHLIGHT_NOTE = "Highlighted: over twice the count expected under independence."


def fmt(value, column: str = "") -> str:
    """A cell as text: counts with separators, shares as percent, other numbers to 3 figures."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if "share" in column:
            return f"{value:.1%}"
        if float(value).is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def table_view(table: Table, charted: bool = False) -> TableView:
    """A protected table as shown: row labels heading the rows, highlighted cells marked.

    Folded in a <details> when longer than COLLAPSE_AFTER rows, or always when a chart of the
    section draws it (the chart is what a reader looks at; its data stay one click away).
    """
    shown, highlight = table.shown, table.highlight
    cut = len(shown) > MAX_ROWS
    rows = []
    for position, row in enumerate(shown.index[:MAX_ROWS]):
        cells: list[object] = [label(row)]
        for j, column in enumerate(shown.columns):
            value = shown.iat[position, j]
            text = fmt(value, str(column))
            marked = (
                highlight is not None
                and position < len(highlight)
                and bool(highlight.iat[position, j])
                and not isinstance(value, str)
            )
            cells.append({"text": text, "class": "hl"} if marked else text)
        rows.append(tuple(cells))
    notes = []
    if cut:
        notes.append(f"First {MAX_ROWS} of {len(shown):,} rows; all rows are in the XLSX and JSON.")
    if table.note:
        notes.append(table.note)
    if highlight is not None:
        notes.append(HIGHLIGHT_NOTE)
    return TableView(
        caption=table.title,
        headers=(label(shown.index.name) or ROWS_HEADER, *(label(c) for c in shown.columns)),
        rows=tuple(rows),
        numeric=(False, *(_numeric(table.frame[c]) for c in shown.columns)),
        row_headers=True,
        total_rows=1 if table.total_row and not cut else 0,
        id=f"t-{table.key}",
        notes=tuple(notes),
        collapse_after=0 if charted else COLLAPSE_AFTER,
        summary=f"Data behind the chart: {table.title} ({len(rows):,} rows)" if charted else None,
    )


def comparison_view(comparisons: list[Comparison], section: str = "") -> TableView:
    """The seed report's published figures beside this data's (captioned by the section, so that
    each table's scrolling region has a name of its own)."""

    def agrees(c: Comparison) -> dict[str, str]:
        if c.agrees is None:
            return {"text": "n/a", "class": "muted"}
        return (
            {"text": "yes", "class": "agree-yes"}
            if c.agrees
            else {"text": "no", "class": "agree-no"}
        )

    return TableView(
        caption="Published (seed report) vs this data" + (f": {section}" if section else ""),
        headers=("Figure", "Published", "This data", "Agrees if", "Agrees"),
        rows=tuple(
            (c.figure, fmt(c.published), fmt(c.this_data), c.tolerance, agrees(c))
            for c in comparisons
        ),
        numeric=(False, True, True, False, False),
        row_headers=True,
        collapse_after=COLLAPSE_AFTER,
    )


def _charts(section: Section) -> tuple[ChartView, ...]:
    return tuple(chart(c.figure, c.title) for c in section.charts)


def _table_views(section: Section) -> list[TableView]:
    drawn = {c.key for c in section.charts}
    return [table_view(t, charted=t.key in drawn) for t in section.tables]


def render(report: Report) -> str:
    return (
        environment()
        .get_template("report/demand.html")
        .render(
            report=report,
            charts={s.key: _charts(s) for s in report.sections},
            tables={s.key: _table_views(s) for s in report.sections},
            comparisons={s.key: comparison_view(s.comparisons, s.title) for s in report.sections},
            plotly_js=plotly_js(),
            label=label,
            inline_css=True,
            version=__version__,
            made=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        )
    )
