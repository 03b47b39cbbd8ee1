"""The HTML is one offline file with contents, method notes and data quality; the XLSX follows the
Analysis Function's spreadsheet guidance (cover, contents, notes, a table per sheet, no merges)."""

import re

import openpyxl

from misper.report.assemble import SECTIONS


def test_html_is_self_contained(outputs):
    html = outputs[1]["html"].read_text()
    assert not re.search(r"<script[^>]+src=", html) and not re.search(r"<link[^>]+href=", html)
    assert html.count("Plotly.newPlot") == sum(len(s.charts) for s in outputs[0].sections)
    assert len(re.findall(r"plotly\.js v\d", html)) == 1  # the library embedded once


def test_html_has_contents_method_notes_and_quality(outputs):
    report, paths = outputs
    html = paths["html"].read_text()
    assert len(report.sections) == len(SECTIONS)
    for section in report.sections:
        assert f'href="#{section.key}"' in html and f'id="{section.key}"' in html
        assert section.method.definition, section.key
    assert html.count('<dl class="method">') == len(SECTIONS)
    assert "Rows dropped by the report" in html
    assert "aged 18 or over" in html and "Missing values per column" in html
    assert "Published (seed report) vs this data" in html


def test_xlsx_structure(outputs):
    report, paths = outputs
    book = openpyxl.load_workbook(paths["xlsx"])
    tables = [t for s in report.sections for t in s.tables]
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert len(book.sheetnames) == 3 + len(tables)
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
    first = book[book.sheetnames[3]]
    assert first["A1"].value == tables[0].title and first["A4"].value == "year"
    where = next(book[n] for n in book.sheetnames if n.endswith("_missing_from"))
    rows = {r[0]: r[1] for r in where.iter_rows(min_row=5, values_only=True)}
    assert rows["home"] == 5 and rows["Total"] == 12
    contents = book["Contents"]
    assert contents.cell(4, 1).hyperlink is not None
