"""HTML pages (plotly charts with the JavaScript embedded, so they open offline) for the insight outputs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TABLE_ROWS = 200  # longer tables go to the CSV export, not the page


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list = field(default_factory=list)  # plotly figures
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (caption, table)
    notes: list[dict] = field(default_factory=list)  # {"text": ..., "verdict": bool}


def table_html(caption: str, table: pd.DataFrame, rows: int = TABLE_ROWS) -> str:
    """An accessible table: caption, header cells, numbers right-aligned and rounded."""
    from html import escape

    shown = table.head(rows)
    numeric = [
        pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
        for c in shown.columns
    ]
    head = "".join(
        f'<th scope="col" class="{"num" if n else ""}">{escape(str(c))}</th>'
        for c, n in zip(shown.columns, numeric)
    )
    body = []
    for row in shown.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if n else ""}">{escape(_format(v))}</td>'
            for v, n in zip(row, numeric)
        )
        body.append(f"<tr>{cells}</tr>")
    more = (
        f'<p class="meta">First {rows} of {len(table):,} rows; the full table is in the CSV '
        "export.</p>"
        if len(table) > rows
        else ""
    )
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


def _format(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:,.3f}"
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(map(str, value))
    return "" if value is None or (np.isscalar(value) and pd.isna(value)) else str(value)


def page(title: str, meta: str, intro: list[str], sections: list[Section]) -> str:
    """The whole HTML document; plotly's JavaScript is embedded once, in the first chart."""
    import jinja2
    import plotly.io as pio

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("misper.insight", "templates"), autoescape=True
    )
    first = True
    rendered = []
    for section in sections:
        figures = []
        for figure in section.figures:
            figures.append(
                pio.to_html(
                    figure, full_html=False, include_plotlyjs=first, config={"displaylogo": False}
                )
            )
            first = False
        rendered.append(
            {
                "heading": section.heading,
                "paragraphs": section.paragraphs,
                "notes": section.notes,
                "figures": figures,
                "tables": [table_html(c, t) for c, t in section.tables],
            }
        )
    return env.get_template("insight.html.j2").render(
        title=title, meta=meta, intro=intro, sections=rendered
    )


def survival_sections(
    by_group: dict[str, pd.DataFrame], evaluation: dict, guidance: pd.DataFrame
) -> list[Section]:
    import plotly.graph_objects as go

    sections = []
    for column, table in by_group.items():
        if table.empty:
            continue
        fig = go.Figure()
        for value, part in table.groupby(column):
            fig.add_trace(
                go.Scatter(
                    x=part["hours"],
                    y=part["share_ended"],
                    mode="lines+markers",
                    name=str(value),
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": part["upper"] - part["share_ended"],
                        "arrayminus": part["share_ended"] - part["lower"],
                    },
                )
            )
        fig.update_layout(
            xaxis_title="hours since report",
            yaxis_title="share ended",
            yaxis_range=[0, 1],
            height=380,
        )
        sections.append(
            Section(
                f"Share returned by time, by {column.replace('_', ' ')}",
                [
                    "Kaplan-Meier estimate with 95% interval; episodes still open are "
                    "censored, not dropped. Groups under 10 episodes are left out."
                ],
                [fig],
                [(f"Share ended by hour, by {column}", table)],
            )
        )
    overall = guidance[guidance["group"] == "all"]
    fig = go.Figure(
        [
            go.Scatter(
                x=overall["hours"],
                y=overall["guidance"],
                mode="lines+markers",
                name="guidance shown",
            ),
            go.Scatter(
                x=overall["hours"],
                y=overall["share_ended"],
                mode="lines+markers",
                name="what happened (Kaplan-Meier)",
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": overall["upper"] - overall["share_ended"],
                    "arrayminus": overall["share_ended"] - overall["lower"],
                },
            ),
        ]
    )
    fig.update_layout(
        xaxis_title="hours since report", yaxis_title="share ended", yaxis_range=[0, 1], height=380
    )
    sections.append(
        Section(
            "Wait guidance for triage, checked on the hold-out",
            [
                "Each later episode is given the guidance triage would have shown (similar earlier "
                "episodes, broadening until at least 30 match); its mean is set against what happened."
            ],
            [fig],
            [("Guidance against outcome, overall and by how similar the episodes were", guidance)],
        )
    )
    cal = evaluation["calibration"]
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
        Section(
            "Cox model of time to return: temporal hold-out",
            [
                f"Trained on {evaluation['train_episodes']:,} episodes reported before the hold-out "
                f"(returns after its start censored there), tested on {evaluation['test_episodes']:,} "
                f"episodes ({evaluation['test_open']:,} still open, censored).",
                f"Concordance on the hold-out: {evaluation['concordance']:.3f} (training: "
                f"{evaluation['train_concordance']:.3f}; 0.5 is chance).",
            ],
            [fig],
            [
                ("Calibration at 2, 6 and 24 hours (by fifth of predicted speed)", cal),
                (
                    "Hazard ratios of returning (above 1: sooner)",
                    evaluation["model"]
                    .summary.reset_index()
                    .rename(columns={"covariate": "context"}),
                ),
            ],
        )
    )
    return sections


def early_warning_sections(evaluation: dict, ranked: pd.DataFrame) -> list[Section]:
    import plotly.graph_objects as go

    rel = evaluation["reliability"]
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
    k, days = evaluation["k"], evaluation["days"]
    skipped = [f"Skipped: {why}." for why in evaluation["skipped"].values()]
    return [
        Section(
            f"Children most likely to have {k}+ more episodes within {days} days",
            [
                "Each child is scored at their latest episode, from what was known when it was "
                "reported. Reasons are the recorded features that raised the score most."
            ],
            tables=[("Ranked children", ranked)],
        ),
        Section(
            "How well it works: temporal split",
            [
                f"Trained on {evaluation['train_episodes']:,} episodes whose {days}-day window "
                f"closed before {evaluation['test_from'].date()}, tested on "
                f"{evaluation['test_episodes']:,} episodes from then on. Precision at the top 5% "
                "and 10% is over test episodes ranked by score.",
                *skipped,
            ],
            [fig],
            [
                (
                    "Scores on the test period",
                    evaluation["scores"].reset_index().rename(columns={"index": "score"}),
                ),
                (
                    "By gender and ethnic appearance (groups with fewer than 10 of either "
                    "outcome left out)",
                    evaluation["by_group"],
                ),
            ],
            [{"text": evaluation["verdict"], "verdict": "NOT" in evaluation["verdict"]}],
        ),
    ]


def pattern_sections(
    patterns: pd.DataFrame, bursts: pd.DataFrame, episodes: pd.DataFrame
) -> list[Section]:
    """The ten children with most episodes on a timeline (intense periods shaded), and the tables."""
    import plotly.graph_objects as go

    top = patterns.head(10)
    row = {pid: i for i, pid in enumerate(top["pid"])}
    mine = episodes[episodes["pid"].isin(row)]
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
            "tickvals": list(range(len(top))),
            "ticktext": list(top["pid"]),
            "autorange": "reversed",
        },
    )
    counts = {"children with 2+ episodes": len(patterns)}
    if len(patterns):
        counts.update(
            {
                "with an intense period": int((patterns["intense_periods"] > 0).sum()),
                "compressed": int((patterns["pattern"] == "compressed").sum()),
                "ceased": int(patterns["ceased"].sum()),
                "reduced": int(patterns["reduced"].sum()),
                "sentinel first episode": int(patterns["sentinel"].sum()),
            }
        )
    return [
        Section(
            "Patterns per child",
            [
                "Top ten children by number of episodes: each tick is an episode, shaded spans are "
                "intense periods. Compressed, ceased, reduced and sentinel follow the demand report's rules."
            ],
            [fig] if len(top) else [],
            [
                ("Summary", pd.DataFrame([counts])),
                ("Children by number of episodes", patterns),
                ("Intense periods", bursts),
            ],
        )
    ]


def network_sections(
    ranking: pd.DataFrame,
    found: pd.DataFrame,
    years: pd.DataFrame,
    graph,
    top: int = 20,
    precision: dict | None = None,
) -> list[Section]:
    import networkx as nx
    import plotly.graph_objects as go

    from misper.insight.network import ASSOCIATE

    centre = [ASSOCIATE + a for a in ranking["associate_id"].head(top)]
    nodes = set(centre)
    for a in centre:
        nodes.update(graph.neighbors(a))
    sub = graph.subgraph(nodes)
    position = nx.spring_layout(sub, seed=0) if len(sub) else {}
    edge_x, edge_y = [], []
    for a, b in sub.edges():
        edge_x += [position[a][0], position[b][0], None]
        edge_y += [position[a][1], position[b][1], None]
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
        members = [n for n in sub if sub.nodes[n].get("kind") == kind]
        traces.append(
            go.Scatter(
                x=[position[n][0] for n in members],
                y=[position[n][1] for n in members],
                mode="markers",
                name=kind,
                text=members,
                hoverinfo="text",
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": [6 + 2 * sub.degree(n) ** 0.5 for n in members],
                },
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(height=650, xaxis={"visible": False}, yaxis={"visible": False})
    shown = found.assign(
        members=found["members"].map(lambda m: ", ".join(m[:12]) + (" ..." if len(m) > 12 else ""))
    )
    sections = [
        Section(
            f"The {top} associates linking the most children",
            [
                "Associates (adults or addresses named in incidents) are ranked by the number of different "
                "children they are named with, then children in care, children with exploitation flags, "
                "incidents. Drag to move, scroll to zoom; hover for ids."
            ],
            [fig],
            [("Associates ranked", ranking)],
        )
    ]
    if precision:
        sections[0].notes.append(
            {
                "text": "Against the known exploiters: "
                + "; ".join(f"precision at {k} = {v:.2f}" for k, v in precision.items()),
                "verdict": False,
            }
        )
    sections.append(
        Section(
            "Communities",
            [
                "Louvain communities (seeded) of the child-associate "
                "graph with at least two children."
            ],
            tables=[("Communities", shown)],
        )
    )
    trend = go.Figure(
        [
            go.Scatter(x=years["year"], y=years[c], mode="lines+markers", name=c.replace("_", " "))
            for c in ("children_linked", "associates", "communities", "largest_community_children")
        ]
    )
    trend.update_layout(height=360, xaxis={"dtick": 1, "title": "year"})
    sections.append(
        Section(
            "Over time",
            ["The same graph built from each calendar year's incidents alone."],
            [trend] if len(years) else [],
            [("Network per calendar year", years)],
        )
    )
    return sections


def intervention_sections(its, label: str) -> list[Section]:
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
    fig.add_vline(x=pd.Timestamp(its.intervention).timestamp() * 1000, line_dash="dot")
    fig.update_layout(height=420, yaxis_title="incidents per period", xaxis_title="period start")
    level = its.summary.iloc[0]
    text = (
        f"Level change at {pd.Timestamp(its.intervention).date()}: incidents x "
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
    return [
        Section(
            f"Interrupted time series: {label}",
            [
                method,
                f"Dispersion (Pearson chi-square / df): {its.dispersion_:.2f}. Lag-1 "
                f"autocorrelation of the residuals: {its.autocorrelation_:.2f}; the intervals "
                "assume none, so above about 0.2 they are too narrow (monthly periods help).",
            ],
            [fig],
            [
                (
                    "Estimated change (rate ratios)",
                    its.summary.reset_index().rename(columns={"index": "effect"}),
                ),
                ("Observed and counterfactual per period", series),
            ],
            [{"text": text, "verdict": False}],
        )
    ]
