"""Plotly figures for the report, drawn from the tables as published (suppressed cells left out);
categories and series named as the tables label them (wording.label).

Figures are plain dicts in plotly's JSON form: rendering them skips plotly's per-property
validation, which costs seconds per report and adds nothing for figures built here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.report.wording import label

PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#b58840", "#5694ca", "#6f72af")
AXIS = dict(gridcolor="#e5e5e5", zerolinecolor="#b1b4b6", automargin=True)


def _numbers(values) -> list:
    """Floats with NaN as None (a gap in the chart)."""
    return [
        None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)
        for v in pd.Series(values, dtype="float64").tolist()
    ]


def _figure(title: str, x_title: str = "", y_title: str = "", height: int = 380, **layout) -> dict:
    return {
        "data": [],
        "layout": {
            "title": {"text": title[:1].upper() + title[1:]},
            "height": height,
            "margin": dict(l=60, r=20, t=40, b=50),
            "font": dict(family="Arial, sans-serif", size=13),
            "colorway": list(PALETTE),
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "legend": dict(orientation="h", y=-0.2),
            "xaxis": dict(AXIS, title={"text": x_title}),
            "yaxis": dict(AXIS, title={"text": y_title}),
            **layout,
        },
    }


def bars(
    categories,
    series: dict[str, pd.Series],
    title: str,
    x_title: str = "",
    y_title: str = "Incidents",
    stacked: bool = False,
    horizontal: bool = False,
) -> dict:
    labels = [label(c) for c in categories]
    fig = _figure(
        title,
        y_title if horizontal else x_title,
        x_title if horizontal else y_title,
        height=max(300, 26 * len(labels) + 120) if horizontal else 380,
        barmode="stack" if stacked else "group",
    )
    for name, values in series.items():
        values = _numbers(values)
        fig["data"].append(
            {
                "type": "bar",
                "name": label(name),
                "orientation": "h" if horizontal else "v",
                "x": values if horizontal else labels,
                "y": labels if horizontal else values,
            }
        )
    if horizontal:
        fig["layout"]["yaxis"].update(autorange="reversed", type="category")
    else:
        fig["layout"]["xaxis"]["type"] = "category"
    return fig


def line(
    x, series: dict[str, pd.Series], title: str, x_title: str = "", y_title: str = "Incidents"
) -> dict:
    fig = _figure(title, x_title, y_title)
    for name, values in series.items():
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": label(name),
                "x": [str(v) for v in x],
                "y": _numbers(values),
            }
        )
    fig["layout"]["xaxis"]["type"] = "category"
    return fig


def heatmap(
    frame: pd.DataFrame,
    title: str,
    x_title: str,
    y_title: str,
    highlight: pd.DataFrame | None = None,
) -> dict:
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    fig = _figure(title, x_title, y_title, height=max(320, 22 * len(frame) + 140))
    x, y = [label(c) for c in frame.columns], [label(i) for i in frame.index]
    fig["data"].append(
        {
            "type": "heatmap",
            "x": x,
            "y": y,
            "colorscale": "Blues",
            "hoverongaps": False,
            "z": [[None if np.isnan(v) else float(v) for v in row] for row in values],
        }
    )
    if highlight is not None:
        rows, cols = np.nonzero(highlight.to_numpy(bool))
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "over twice the expected count",
                "x": [x[c] for c in cols],
                "y": [y[r] for r in rows],
                "marker": dict(symbol="square-open", size=14, color="#d4351c", line=dict(width=2)),
            }
        )
    fig["layout"]["yaxis"].update(autorange="reversed", type="category")
    fig["layout"]["xaxis"]["type"] = "category"
    return fig


def boxes(quartiles: pd.DataFrame, title: str, y_title: str = "Age") -> dict:
    """Box plot from precomputed quartiles (no individual ages are embedded)."""
    fig = _figure(title, "", y_title)
    fig["data"].append(
        {
            "type": "box",
            "name": "age",
            "x": [label(i) for i in quartiles.index],
            "q1": _numbers(quartiles["q1"]),
            "median": _numbers(quartiles["median"]),
            "q3": _numbers(quartiles["q3"]),
            "lowerfence": _numbers(quartiles["min"]),
            "upperfence": _numbers(quartiles["max"]),
            "mean": _numbers(quartiles["mean"]),
            "showlegend": False,
        }
    )
    return fig


def lorenz(curve: pd.DataFrame, title: str) -> dict:
    fig = _figure(title, "Share of children (most frequently missing first)", "Share of incidents")
    fig["data"] += [
        {
            "type": "scatter",
            "mode": "lines",
            "fill": "tozeroy",
            "name": "children ranked by incidents",
            "x": _numbers(curve["share_of_children"]),
            "y": _numbers(curve["share_of_incidents"]),
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "equal shares",
            "x": [0, 1],
            "y": [0, 1],
            "line": dict(dash="dot", color="#505a5f"),
        },
    ]
    fig["layout"]["xaxis"]["tickformat"] = fig["layout"]["yaxis"]["tickformat"] = ".0%"
    return fig


def timeline(events: pd.DataFrame, title: str) -> dict:
    """Figure 10: one row per child (by rank), a mark per incident along the period."""
    fig = _figure(
        title, "Date reported", "Child (rank)", height=80 + 34 * max(events["rank"].nunique(), 1)
    )
    fig["data"].append(
        {
            "type": "scatter",
            "mode": "markers",
            "showlegend": False,
            "x": [t.isoformat() for t in pd.to_datetime(events["reported_at"])],
            "y": [f"#{r}" for r in events["rank"]],
            "marker": dict(symbol="line-ns-open", size=16, line=dict(width=2)),
        }
    )
    fig["layout"]["yaxis"].update(autorange="reversed", type="category")
    fig["layout"]["xaxis"]["type"] = "date"
    return fig


def points_map(grid: pd.DataFrame, title: str) -> dict:
    """Incidents per grid cell drawn on plain axes (no map tiles, so it works offline)."""
    fig = _figure(title, "Longitude", "Latitude", height=520)
    counts = grid["incidents"].astype(float)
    size = np.sqrt(counts)
    fig["data"].append(
        {
            "type": "scatter",
            "mode": "markers",
            "showlegend": False,
            "hoverinfo": "text",
            "x": _numbers(grid["lon"]),
            "y": _numbers(grid["lat"]),
            "text": [f"{int(n):,} incidents" for n in counts],
            "marker": dict(
                size=_numbers(4 + 26 * size / max(size.max(), 1) if len(size) else size),
                color=_numbers(counts),
                colorscale="YlOrRd",
                showscale=True,
                colorbar=dict(title={"text": "Incidents"}),
                opacity=0.8,
            ),
        }
    )
    fig["layout"]["yaxis"].update(
        scaleanchor="x", scaleratio=1.6
    )  # ~1/cos(52 deg): miles look square
    return fig
