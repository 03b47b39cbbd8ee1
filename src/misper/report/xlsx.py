"""The report's tables as a workbook in the Government Analysis Function's spreadsheet style:
cover sheet, contents, notes, then one table per sheet, no merged cells, no blank header cells."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from misper.incidents.cells import neutralise_formula
from misper.report.model import Report, Table
from misper.report.wording import label

MAX_SHEET_NAME = 31


def _sheet_names(tables: list[Table]) -> list[str]:
    """Unique by their number; Excel forbids []:*?/\\ and more than 31 characters."""
    return [
        re.sub(r"[\[\]:*?/\\]", "", f"{i}_{t.key}")[:MAX_SHEET_NAME]
        for i, t in enumerate(tables, start=1)
    ]


def _cell(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.bool_, bool)):
        return "yes" if value else "no"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, str):
        return neutralise_formula(value)  # text from the data: never a live formula
    return value


def write(report: Report, path: Path) -> None:
    import xlsxwriter

    tables = [t for s in report.sections for t in s.tables]
    names = _sheet_names(tables)
    # Strings stay strings: no formula and no link is made from a value, whatever it holds.
    book = xlsxwriter.Workbook(
        str(path),
        {"nan_inf_to_errors": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    title = book.add_format({"bold": True, "font_size": 16})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    share = book.add_format({"num_format": "0.0%"})
    number = book.add_format({"num_format": "#,##0.###"})

    cover = book.add_worksheet("Cover")
    cover.write(0, 0, report.title, title)
    row = 2
    for key, value in report.cover.items():
        cover.write(row, 0, key, bold)
        cover.write(row, 1, _cell(str(value)))
        row += 1
    if report.messages:
        row += 1
        cover.write(row, 0, "Key messages", bold)
        for message in report.messages:
            cover.write(row, 1, message, wrap)
            row += 1
    cover.write(row + 1, 0, "Publication", bold)
    cover.write(
        row + 1,
        1,
        "Counts below 5 shown as <5; cells hidden to protect them as [c]; pids left out."
        if report.publish
        else "Not for publication: holds small counts and pseudonymous ids.",
    )
    cover.write(row + 2, 0, "Contents", bold)
    cover.write_url(row + 2, 1, "internal:'Contents'!A1", string="See the Contents sheet")
    cover.set_column(0, 0, 28)
    cover.set_column(1, 1, 90)

    contents = book.add_worksheet("Contents")
    contents.write(0, 0, "Contents", title)
    contents.write_row(2, 0, ["Sheet", "Table", "Section", "Notes"], bold)
    notes = book.add_worksheet("Notes")
    notes.write(0, 0, "Notes", title)
    notes.write_row(2, 0, ["Note", "Section", "Definition", "Denominator", "Excluded"], bold)
    note_of = {}
    for i, section in enumerate(report.sections, start=1):
        note_of[section.key] = f"note {i}"
        notes.write_row(
            2 + i,
            0,
            [f"note {i}", section.title]
            + [section.method.definition, section.method.denominator, section.method.excluded],
            wrap,
        )
    notes.set_column(0, 0, 9)
    notes.set_column(1, 1, 30)
    notes.set_column(2, 4, 60)
    row = 3
    for section in report.sections:
        for table in section.tables:
            name = names[tables.index(table)]
            contents.write_url(row, 0, f"internal:'{name}'!A1", string=name)
            contents.write_row(row, 1, [table.title, section.title, note_of[section.key]])
            row += 1
    contents.set_column(0, 0, 26)
    contents.set_column(1, 2, 60)

    for table, name in zip(tables, names, strict=True):
        sheet = book.add_worksheet(name)
        section = next(s for s in report.sections if table in s.tables)
        sheet.write(0, 0, table.title, title)
        sheet.write(
            1,
            0,
            f"This worksheet contains one table. Method: see {note_of[section.key]} on the Notes "
            "sheet."
            + (
                " Counts below 5 are shown as <5, cells hidden to protect them as [c]."
                if report.publish
                else ""
            ),
        )
        shown = table.shown
        header = [_cell(label(h)) for h in [shown.index.name or "Item", *shown.columns]]
        sheet.write_row(3, 0, header, bold)
        for r, (row, values) in enumerate(
            zip(shown.index, shown.itertuples(index=False), strict=True), start=4
        ):
            sheet.write(
                r,
                0,
                int(row)
                if isinstance(row, (int, np.integer))
                else _cell(label(row) if isinstance(row, str) else row),
            )
            for c, (column, value) in enumerate(zip(shown.columns, values, strict=True), start=1):
                value = _cell(value)
                if value is None:
                    continue
                sheet.write(
                    r,
                    c,
                    value,
                    share
                    if "share" in str(column) and isinstance(value, float)
                    else (number if isinstance(value, float) else None),
                )
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, len(header), 14)
        sheet.freeze_panes(4, 1)
    book.close()
