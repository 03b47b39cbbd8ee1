"""Tables, charts and notices in the shape the ui macros take them, and the one Jinja environment.

Shared by the demand report (`html`) and the insight pages (`insight_pages`): each formats its own
numbers, then both render through the same layout, macros and stylesheet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

DEFAULT_CHART_HEIGHT = 380  # pixels, when the figure does not say
CHART_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class TableView:
    """The arguments of `ui.data_table`: formatted cells, one alignment flag per column."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]  # cell text, or {"text": ..., "class": ...}
    numeric: tuple[bool, ...]
    row_headers: bool = False
    total_rows: int = 0
    id: str | None = None
    notes: tuple[str, ...] = ()
    collapse_after: int | None = None  # longer tables are folded until the reader opens them
    summary: str | None = None  # the folded table's line (default: caption and rows)


@dataclass(frozen=True)
class ChartView:
    """A chart's HTML (a plotly div and its script) and the caption under it."""

    html: Markup
    caption: str | None = None


@dataclass(frozen=True)
class Note:
    """A notice in a section (`ui.notice`): kind "info", "warning" or "success"."""

    text: str
    kind: str = "info"
    strong: bool = False


@functools.cache
def environment() -> Environment:
    """ui's environment with the report's templates (`report/...`)."""
    from misper import ui

    return ui.environment(["misper.report"])


def chart(figure: Any, caption: str | None = None) -> ChartView:
    """A plotly figure (a Figure or its dict) as a div; the library itself is in the page once."""
    import plotly.io

    layout = figure["layout"]
    height = layout.get("height") if isinstance(layout, dict) else layout.height
    html = plotly.io.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        config=CHART_CONFIG,
        default_width="100%",
        default_height=f"{height or DEFAULT_CHART_HEIGHT}px",
        validate=False,
    )
    return ChartView(Markup(html), caption)


@functools.cache
def plotly_js() -> Markup:
    """plotly's JavaScript, embedded once in the page's <head> so that it opens offline."""
    import plotly.offline

    return Markup(plotly.offline.get_plotlyjs())
