"""The insight pages (time to return, early warning, patterns, network, did it work) as HTML.

The insight models return data (`misper.insight`); here it becomes charts, tables and notes, and
one offline page through the same layout, macros and stylesheet as the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from misper.report.views import ChartView, Note, TableView, chart, environment, plotly_js

if TYPE_CHECKING:
    from misper.insight.early_warning import EarlyWarningEvaluation
    from misper.insight.evaluation import InterruptedTimeSeries
    from misper.insight.network import NetworkSummary
    from misper.insight.patterns import PatternSummary
    from misper.insight.survival import TimeToReturnSummary

TABLE_ROWS = 200  # longer tables go to the CSV export, not the page
COLLAPSE_AFTER = 30  # longer tables (but a page's main list) are folded until the reader opens them
MAX_MEMBERS = 12  # community members listed before " ..."


@dataclass(frozen=True)
class PageSection:
    heading: str
    paragraphs: tuple[str, ...] = ()
    charts: tuple[ChartView, ...] = ()
    tables: tuple[TableView, ...] = ()
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class InsightPage:
    title: str
    meta: str  # where it was made from
    intro: tuple[str, ...]
    sections: tuple[PageSection, ...]


def _format(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:,.3f}"
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(map(str, value))
    return "" if value is None or (np.isscalar(value) and pd.isna(value)) else str(value)


def table_view(
    caption: str,
    table: pd.DataFrame,
    rows: int = TABLE_ROWS,
    collapse_after: int | None = COLLAPSE_AFTER,
) -> TableView:
    """A table as shown: its columns (not its index), numbers right-aligned and rounded."""
    shown = table.head(rows)
    return TableView(
        caption=caption,
        headers=tuple(str(c) for c in shown.columns),
        rows=tuple(tuple(_format(v) for v in row) for row in shown.itertuples(index=False)),
        numeric=tuple(
            pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
            for c in shown.columns
        ),
        notes=(f"First {rows} of {len(table):,} rows; the full table is in the CSV export.",)
        if len(table) > rows
        else (),
        collapse_after=collapse_after,
    )


def render(page: InsightPage) -> str:
    """The whole HTML document: styles and plotly's JavaScript embedded once, no network."""
    drawn = any(s.charts for s in page.sections)
    return (
        environment()
        .get_template("report/insight.html")
        .render(
            page=page,
            plotly_js=plotly_js() if drawn else None,
            inline_css=True,
        )
    )


def _made_from(source: str) -> str:
    return f"Made by misper insight from {source}"


def _share_ended(part: pd.DataFrame, name: str) -> Any:
    import plotly.graph_objects as go

    return go.Scatter(
        x=part["hours"],
        y=part["share_ended"],
        mode="lines+markers",
        name=name,
        error_y={
            "type": "data",
            "symmetric": False,
            "array": part["upper"] - part["share_ended"],
            "arrayminus": part["share_ended"] - part["lower"],
        },
    )


def survival_page(summary: TimeToReturnSummary, source: str) -> InsightPage:
    import plotly.graph_objects as go

    sections = []
    for column, table in summary.by_context.items():
        if table.empty:
            continue
        fig = go.Figure()
        for value, part in table.groupby(column):
            fig.add_trace(_share_ended(part, str(value)))
        fig.update_layout(
            xaxis_title="hours since report",
            yaxis_title="share ended",
            yaxis_range=[0, 1],
            height=380,
        )
        sections.append(
            PageSection(
                f"Share returned by time, by {column.replace('_', ' ')}",
                (
                    "Kaplan-Meier estimate with 95% interval; episodes still open are "
                    "censored, not dropped. Groups under 10 episodes are left out.",
                ),
                (chart(fig),),
                (table_view(f"Share ended by hour, by {column}", table),),
            )
        )
    guidance = summary.guidance
    overall = guidance[guidance["group"] == "all"]
    fig = go.Figure(
        [
            go.Scatter(
                x=overall["hours"],
                y=overall["guidance"],
                mode="lines+markers",
                name="guidance shown",
            ),
            _share_ended(overall, "what happened (Kaplan-Meier)"),
        ]
    )
    fig.update_layout(
        xaxis_title="hours since report", yaxis_title="share ended", yaxis_range=[0, 1], height=380
    )
    sections.append(
        PageSection(
            "Wait guidance for triage, checked on the hold-out",
            (
                "Each later episode is given the guidance triage would have shown (similar earlier "
                "episodes, broadening until at least 30 match); its mean is set against what "
                "happened.",
            ),
            (chart(fig),),
            (
                table_view(
                    "Guidance against outcome, overall and by how similar the episodes were",
                    guidance,
                ),
            ),
        )
    )
    evaluation = summary.evaluation
    cal = evaluation.calibration
    fig = go.Figure()
    for hours, part in cal.groupby("hours"):
        fig.add_trace(
            go.Scatter(
                x=part["predicted"],
                y=part["observed"],
                mode="markers",
                name=f"{hours} h",
                text=part["group"],
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dot", "color": "grey"}
        )
    )
    fig.update_layout(
        xaxis_title="predicted share ended", yaxis_title="observed (Kaplan-Meier)", height=420
    )
    sections.append(
        PageSection(
            "Cox model of time to return: temporal hold-out",
            (
                f"Trained on {evaluation.train_episodes:,} episodes reported before the hold-out "
                f"(returns after its start censored there), tested on "
                f"{evaluation.test_episodes:,} episodes ({evaluation.test_open:,} still open, "
                "censored).",
                f"Concordance on the hold-out: {evaluation.concordance:.3f} (training: "
                f"{evaluation.train_concordance:.3f}; 0.5 is chance).",
            ),
            (chart(fig),),
            (
                table_view("Calibration at 2, 6 and 24 hours (by fifth of predicted speed)", cal),
                table_view(
                    "Hazard ratios of returning (above 1: sooner)",
                    evaluation.model.summary.reset_index().rename(columns={"covariate": "context"}),
                ),
            ),
        )
    )
    return InsightPage(
        "Time to return",
        _made_from(source),
        (
            f"{summary.episodes:,} episodes; {summary.open_episodes:,} open at "
            f"{summary.now:%Y-%m-%d %H:%M}, censored there.",
        ),
        tuple(sections),
    )


def early_warning_page(
    evaluation: EarlyWarningEvaluation, ranked: pd.DataFrame, source: str
) -> InsightPage:
    import plotly.graph_objects as go

    rel = evaluation.reliability
    fig = go.Figure(
        [
            go.Scatter(
                x=rel["mean_predicted"], y=rel["observed"], mode="lines+markers", name="model"
            ),
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                name="perfect",
                line={"dash": "dot", "color": "grey"},
            ),
        ]
    )
    fig.update_layout(
        xaxis_title="predicted probability (tenth of test episodes)",
        yaxis_title="observed share",
        height=400,
    )
    k, days = evaluation.k, evaluation.days
    skipped = tuple(f"Skipped: {why}." for why in evaluation.skipped.values())
    sections = (
        PageSection(
            f"Children most likely to have {k}+ more episodes within {days} days",
            (
                "Each child is scored at their latest episode, from what was known when it was "
                "reported. Reasons are the recorded features that raised the score most.",
            ),
            tables=(table_view("Ranked children", ranked, collapse_after=None),),
        ),
        PageSection(
            "How well it works: temporal split",
            (
                f"Trained on {evaluation.train_episodes:,} episodes whose {days}-day window "
                f"closed before {evaluation.test_from.date()}, tested on "
                f"{evaluation.test_episodes:,} episodes from then on. Precision at the top 5% "
                "and 10% is over test episodes ranked by score.",
                *skipped,
            ),
            (chart(fig),),
            (
                table_view(
                    "Scores on the test period",
                    evaluation.scores.reset_index().rename(columns={"index": "score"}),
                ),
                table_view(
                    "By gender and ethnic appearance (groups with fewer than 10 of either "
                    "outcome left out)",
                    evaluation.by_group,
                ),
            ),
            (_verdict(evaluation.verdict, bool(evaluation.beaten_by)),),
        ),
    )
    return InsightPage("Repeat early warning", _made_from(source), (), sections)


def _verdict(text: str, against: bool) -> Note:
    """A model's verdict: a warning, in bold, when it is against the model."""
    return Note(text, "warning" if against else "info", strong=against)


def patterns_page(summary: PatternSummary, source: str) -> InsightPage:
    """The children with most episodes on a timeline (intense periods shaded), and the tables."""
    import plotly.graph_objects as go

    row = {pid: i for i, pid in enumerate(summary.timeline_children)}
    mine = summary.timeline
    fig = go.Figure(
        go.Scatter(
            x=mine["reported_at"],
            y=mine["pid"].map(row),
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 12, "color": "#0b0c0c"},
            name="episode",
            hovertext=mine["pid"],
        )
    )
    bursts = summary.bursts
    for b in bursts[bursts["pid"].isin(row)].itertuples():
        fig.add_shape(
            type="rect",
            x0=b.start,
            x1=b.end + pd.Timedelta(days=1),
            y0=row[b.pid] - 0.4,
            y1=row[b.pid] + 0.4,
            fillcolor="rgba(212,53,28,0.25)",
            line_width=0,
        )
    fig.update_layout(
        height=440,
        xaxis_title="date",
        showlegend=False,
        yaxis={
            "tickvals": list(range(len(row))),
            "ticktext": list(row),
            "autorange": "reversed",
        },
    )
    n = summary.counts
    counts: dict[str, int] = {"children with 2+ episodes": n.children}
    if n.children:
        counts.update(
            {
                "with an intense period": n.with_intense_period,
                "compressed": n.compressed,
                "ceased": n.ceased,
                "reduced": n.reduced,
                "sentinel first episode": n.sentinel,
            }
        )
    section = PageSection(
        "Patterns per child",
        (
            "Top ten children by number of episodes: each tick is an episode, shaded spans are "
            "intense periods. Compressed, ceased, reduced and sentinel follow the demand report's "
            "rules.",
        ),
        (chart(fig),) if row else (),
        (
            table_view("Summary", pd.DataFrame([counts])),
            table_view("Children by number of episodes", summary.patterns),
            table_view("Intense periods", bursts),
        ),
    )
    return InsightPage(
        "Patterns of repeat episodes",
        _made_from(source),
        (
            f"Intense period: at least {summary.min_episodes} episodes, each within "
            f"{summary.max_gap_days:g} days of the previous.",
        ),
        (section,),
    )


def network_page(summary: NetworkSummary, source: str) -> InsightPage:
    import plotly.graph_objects as go

    layout = summary.layout
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for e in layout.edges.itertuples():
        edge_x += [e.x0, e.x1, None]
        edge_y += [e.y0, e.y1, None]
    traces = [
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            line={"width": 0.6, "color": "#b1b4b6"},
            hoverinfo="none",
            showlegend=False,
        )
    ]
    for kind, colour, symbol in (
        ("child", "#1d70b8", "circle"),
        ("associate", "#d4351c", "diamond"),
    ):
        members = layout.nodes[layout.nodes["kind"] == kind]
        traces.append(
            go.Scatter(
                x=list(members["x"]),
                y=list(members["y"]),
                mode="markers",
                name=kind,
                text=list(members["node"]),
                hoverinfo="text",
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": [6 + 2 * d**0.5 for d in members["degree"]],
                },
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(height=650, xaxis={"visible": False}, yaxis={"visible": False})
    found = summary.communities
    shown = found.assign(
        members=found["members"].map(
            lambda m: ", ".join(m[:MAX_MEMBERS]) + (" ..." if len(m) > MAX_MEMBERS else "")
        )
    )
    notes = ()
    if summary.precision:
        notes = (
            Note(
                "Against the known exploiters: "
                + "; ".join(f"precision at {k} = {v:.2f}" for k, v in summary.precision.items())
            ),
        )
    years = summary.by_year
    trend = go.Figure(
        [
            go.Scatter(x=years["year"], y=years[c], mode="lines+markers", name=c.replace("_", " "))
            for c in ("children_linked", "associates", "communities", "largest_community_children")
        ]
    )
    trend.update_layout(height=360, xaxis={"dtick": 1, "title": "year"})
    sections = (
        PageSection(
            f"The {summary.top} associates linking the most children",
            (
                "Associates (adults or addresses named in incidents) are ranked by the number of "
                "different children they are named with, then children in care, children with "
                "exploitation flags, incidents. Drag to move, scroll to zoom; hover for ids.",
            ),
            (chart(fig),),
            (table_view("Associates ranked", summary.ranking, collapse_after=None),),
            notes,
        ),
        PageSection(
            "Communities",
            (
                "Louvain communities (seeded) of the child-associate "
                "graph with at least two children.",
            ),
            tables=(table_view("Communities", shown),),
        ),
        PageSection(
            "Over time",
            ("The same graph built from each calendar year's incidents alone.",),
            (chart(trend),) if len(years) else (),
            (table_view("Network per calendar year", years),),
        ),
    )
    return InsightPage(
        "Co-missing and associate network",
        _made_from(source),
        (
            f"{summary.linked_children:,} of {summary.children:,} children are linked to an "
            f"associate or to another child; {len(summary.ranking):,} associates are named.",
        ),
        sections,
    )


def intervention_page(
    its: InterruptedTimeSeries, label: str, freq: str, source: str
) -> InsightPage:
    """`label` names the series (group, and comparison if any); `freq` is week or month."""
    import plotly.graph_objects as go

    series = its.counterfactual_
    fig = go.Figure(
        [
            go.Scatter(
                x=series["start"],
                y=series["observed"],
                mode="markers",
                name="observed",
                marker={"size": 4, "color": "#505a5f"},
            ),
            go.Scatter(
                x=series["start"],
                y=series["fitted"],
                mode="lines",
                name="model",
                line={"color": "#1d70b8"},
            ),
            go.Scatter(
                x=series["start"],
                y=series["counterfactual"],
                mode="lines",
                name="had nothing changed",
                line={"color": "#d4351c", "dash": "dash"},
            ),
        ]
    )
    if its.comparison_ is not None:
        fig.add_trace(
            go.Scatter(
                x=its.comparison_["start"],
                y=its.comparison_["incidents"],
                mode="markers",
                name="comparison group (observed)",
                marker={"size": 4, "color": "#f47738", "symbol": "x"},
            )
        )
    when = pd.Timestamp(its.intervention)
    fig.add_vline(x=when.timestamp() * 1000, line_dash="dot")
    fig.update_layout(height=420, yaxis_title="incidents per period", xaxis_title="period start")
    level = its.summary.iloc[0]
    text = (
        f"Level change at {when.date()}: incidents x "
        f"{level['rate_ratio']:.2f} (95% interval {level['lower']:.2f} to {level['upper']:.2f}); "
        f"after the change the fitted total is {its.post_change_:+.0%} against the "
        "counterfactual."
    )
    method = (
        "Difference in differences against the comparison group: a fixed effect per period "
        "absorbs season and shared shocks."
        if its.comparison_ is not None
        else "Segmented quasi-Poisson regression with trend, two Fourier pairs for the season and "
        "days per period as exposure."
    )
    section = PageSection(
        f"Interrupted time series: {label}",
        (
            method,
            f"Dispersion (Pearson chi-square / df): {its.dispersion_:.2f}. Lag-1 "
            f"autocorrelation of the residuals: {its.autocorrelation_:.2f}; the intervals "
            "assume none, so above about 0.2 they are too narrow (monthly periods help).",
        ),
        (chart(fig),),
        (
            table_view(
                "Estimated change (rate ratios)",
                its.summary.reset_index().rename(columns={"index": "effect"}),
            ),
            table_view("Observed and counterfactual per period", series),
        ),
        (Note(text),),
    )
    return InsightPage(
        "Did it work?",
        _made_from(source),
        (f"Change from {when.date()}; {freq}ly incidents, {label}.",),
        (section,),
    )
