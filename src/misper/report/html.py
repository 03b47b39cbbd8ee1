"""The report as one self-contained HTML file: plotly's JavaScript embedded once, no network."""

from __future__ import annotations

import datetime as dt
import html
import math

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from misper import __version__
from misper.report.model import Report, Table

MAX_ROWS = 100  # longer tables are cut in the HTML (the XLSX and JSON hold them whole)


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


def table_html(table: Table) -> str:
    shown = table.shown
    highlight = table.highlight
    rows = shown.index[:MAX_ROWS] if len(shown) > MAX_ROWS else shown.index
    esc = html.escape
    out = [
        f'<div class="scroll"><table id="t-{esc(table.key)}"><caption>{esc(table.title)}</caption><thead><tr>',
        f'<th scope="col">{esc(str(shown.index.name or ""))}</th>',
    ]
    out += [f'<th scope="col">{esc(str(c))}</th>' for c in shown.columns]
    out.append("</tr></thead><tbody>")
    for position, label in enumerate(rows):
        total = table.total_row and position == len(shown) - 1
        out.append(f'<tr{" class=total" if total else ""}><th scope="row">{esc(str(label))}</th>')
        for j, column in enumerate(shown.columns):
            value = shown.iat[position, j]
            mark = (
                highlight is not None
                and position < len(highlight)
                and bool(highlight.iat[position, j])
                and not isinstance(value, str)
            )
            out.append(f"<td{' class=hl' if mark else ''}>{esc(fmt(value, str(column)))}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if len(shown) > MAX_ROWS:
        out.append(
            f'<p class="muted">First {MAX_ROWS} of {len(shown):,} rows; all rows are in the XLSX and JSON.</p>'
        )
    if table.note:
        out.append(f'<p class="muted">{esc(table.note)}</p>')
    if highlight is not None:
        out.append(
            '<p class="muted">Highlighted: over twice the count expected under independence.</p>'
        )
    return "".join(out)


def render(report: Report) -> str:
    import plotly.io
    import plotly.offline

    env = Environment(
        loader=PackageLoader("misper.report", "templates"), autoescape=select_autoescape()
    )
    template = env.get_template("report.html.j2")
    config = {"displaylogo": False, "responsive": True}
    blocks = {}
    for section in report.sections:
        charts = [
            (
                c.title,
                plotly.io.to_html(
                    c.figure,
                    full_html=False,
                    include_plotlyjs=False,
                    config=config,
                    default_width="100%",
                    validate=False,
                    default_height=f"{c.figure['layout'].get('height', 380)}px",
                ),
            )
            for c in section.charts
        ]
        blocks[section.key] = {"charts": charts, "tables": [table_html(t) for t in section.tables]}
    return template.render(
        report=report,
        plotly_js=plotly.offline.get_plotlyjs(),
        blocks=blocks,
        fmt=fmt,
        version=__version__,
        made=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
