"""The insight pages: values are escaped, long tables cut with a note and folded, numbers
right-aligned, plotly embedded once."""

import pandas as pd

from misper.report.insight_pages import InsightPage, PageSection, render, table_view
from misper.report.views import chart


def page(*sections: PageSection) -> str:
    return render(InsightPage("T", "meta", ("intro",), sections))


def test_table_cells_are_escaped_and_long_tables_cut():
    table = pd.DataFrame(
        {"pid": ["<script>alert(1)</script>", "p2", "p3"], "score": [0.5, 0.25, 0.125]}
    )
    view = table_view("Children", table, rows=2)
    assert view.notes == ("First 2 of 3 rows; the full table is in the CSV export.",)
    html = page(PageSection("S", tables=(view,)))
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "First 2 of 3 rows" in html
    assert '<td class="num">0.250</td>' in html and "<td>p3</td>" not in html
    assert '<th scope="col" class="num">score</th>' in html and '<th scope="col">pid</th>' in html


def test_long_tables_are_folded_unless_asked_not_to():
    table = pd.DataFrame({"n": range(40)})
    folded = page(PageSection("S", tables=(table_view("Many", table),)))
    assert '<details class="collapsible"><summary>Many: 40 rows</summary>' in folded
    shown = page(PageSection("S", tables=(table_view("Many", table, collapse_after=None),)))
    assert "<details" not in shown and "<caption>Many</caption>" in shown


def test_page_embeds_plotly_once_and_the_stylesheet():
    import plotly.graph_objects as go

    figures = [go.Figure(go.Scatter(x=[1, 2], y=[3, 4])) for _ in range(3)]
    html = page(PageSection("S", charts=tuple(chart(f) for f in figures)))
    assert html.count("plotly.js v") == 1
    assert html.count('class="plotly-graph-div"') == 3
    assert "<style>" in html and "<link" not in html  # opens offline
    assert "<h1>T</h1>" in html and '<p class="lede">intro</p>' in html


def test_page_without_charts_has_no_plotly():
    assert "plotly" not in page(PageSection("S", paragraphs=("only words",)))
