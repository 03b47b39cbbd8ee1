"""The HTML is one offline file with contents, method notes and data quality; the XLSX follows the
Analysis Function's spreadsheet guidance (cover, contents, notes, a table per sheet, no merges)."""

import re
from html.parser import HTMLParser

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
    assert first["A1"].value == tables[0].title and first["A4"].value == "Year"
    where = next(book[n] for n in book.sheetnames if n.endswith("_missing_from"))
    rows = {r[0]: r[1] for r in where.iter_rows(min_row=5, values_only=True)}
    assert rows["home"] == 5 and rows["Total"] == 12
    contents = book["Contents"]
    assert contents.cell(4, 1).hyperlink is not None


class _Headers(HTMLParser):
    """Every header cell's text, and every table's body rows and whether a <details> holds it."""

    def __init__(self):
        super().__init__()
        self.headers, self.tables, self.open_details = [], [], 0
        self._th = None

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.open_details += 1
        elif tag == "th":
            self._th = ""
        elif tag == "table":
            self.tables.append({"rows": 0, "folded": self.open_details > 0})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"] += 1

    def handle_endtag(self, tag):
        if tag == "details":
            self.open_details -= 1
        elif tag == "th":
            self.headers.append(self._th.strip())
            self._th = None

    def handle_data(self, data):
        if self._th is not None:
            self._th += data


def test_headers_are_labels_not_identifiers(outputs):
    parsed = _Headers()
    parsed.feed(outputs[1]["html"].read_text())
    assert parsed.headers and "" not in parsed.headers
    snake = [h for h in parsed.headers if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", h)]
    assert snake == []
    for wanted in ("Reports per day", "Reports per child", "Place missing from", "Care home"):
        assert wanted in parsed.headers, wanted


def test_long_tables_are_folded(outputs):
    parsed = _Headers()
    parsed.feed(outputs[1]["html"].read_text())
    long = [t for t in parsed.tables if t["rows"] - 1 > 12]  # less the header row
    assert long and all(t["folded"] for t in long)
    assert any(not t["folded"] for t in parsed.tables)  # short tables without a chart stay open
    html = outputs[1]["html"].read_text()
    summary = "Data behind the chart: Table 2: incidents by place missing from (5 rows)"
    assert f"<summary>{summary}</summary>" in html  # four places and the Total row


def test_xlsx_headers_are_labels(outputs):
    report, paths = outputs
    book = openpyxl.load_workbook(paths["xlsx"])
    sheet = next(book[n] for n in book.sheetnames if n.endswith("_annual_analysed"))
    assert [c.value for c in sheet[4]] == ["Year", "Incidents", "Children", "Reports per day"]
    where = next(book[n] for n in book.sheetnames if n.endswith("_missing_from"))
    assert where["A4"].value == "Place missing from"
    assert "Care home" in [r[0] for r in where.iter_rows(min_row=5, values_only=True)]
