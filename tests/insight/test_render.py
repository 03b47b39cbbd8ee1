"""The pages: values are escaped, long tables are cut with a note, numbers are right-aligned."""

import pandas as pd

from misper.insight.render import Section, page, table_html


def test_table_cells_are_escaped_and_long_tables_cut():
    table = pd.DataFrame(
        {"pid": ["<script>alert(1)</script>", "p2", "p3"], "score": [0.5, 0.25, 0.125]}
    )
    html = table_html("Children", table, rows=2)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "First 2 of 3 rows" in html
    assert '<td class="num">0.250</td>' in html and "p3" not in html


def test_page_embeds_plotly_once():
    import plotly.graph_objects as go

    figures = [go.Figure(go.Scatter(x=[1, 2], y=[3, 4])) for _ in range(3)]
    html = page("T", "meta", ["intro"], [Section("S", figures=figures)])
    assert html.count("plotly.js v") == 1
    assert html.count('class="plotly-graph-div"') == 3
