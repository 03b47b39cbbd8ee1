"""`misper insight ...`: decision support from the canonical incident table (survival, early warning, network, evaluation)."""

from __future__ import annotations

from pathlib import Path

import typer

from misper.cli import app

insight_app = typer.Typer(
    help="Decision support: time to return, repeat early warning, network, did it work.",
    no_args_is_help=True,
)
app.add_typer(insight_app, name="insight")

INPUT = typer.Argument(
    ..., help="Incident file: canonical .parquet/.csv/.xlsx, or an export with --profile."
)
PROFILE = typer.Option(None, "--profile", help="Mapping profile (YAML) for a force's export.")


def _load(path: Path, profile: Path | None):
    from misper.cli.output import console, fail
    from misper.incidents.load import IncidentFileError, load_incidents
    from misper.incidents.profiles import ProfileError
    from misper.insight.episodes import children_reports

    try:
        result = load_incidents(path, profile)
    except (IncidentFileError, ProfileError) as exc:
        fail(str(exc))
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    frame, dropped = children_reports(result.frame)
    for reason, count in dropped.items():
        if count:
            console.print(f"Left out {count:,} incidents: {reason}.")
    if frame.empty:
        fail(f"{path}: no missing reports of children to analyse")
    return frame


def _write(out: Path, source: Path, title: str, intro: list[str], sections) -> None:
    from misper.incidents.frame import atomic_path
    from misper.insight.render import page

    html = page(title, f"Made by misper insight from {source.name}", intro, sections)
    with atomic_path(out) as tmp:
        tmp.write_text(html, encoding="utf-8")


def _write_table(table, out: Path) -> None:
    from misper.cli.output import fail
    from misper.incidents.frame import atomic_path

    if out.suffix.lower() != ".csv":
        fail(f"{out}: the table export must end in .csv")
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False)


def _date(value: str | None, option: str):
    import pandas as pd

    from misper.cli.output import fail

    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except ValueError:
        fail(f"{option} {value!r}: expected a date such as 2021-07-01")


def _html_or_csv(out: Path) -> str:
    from misper.cli.output import fail

    suffix = out.suffix.lower()
    if suffix not in (".html", ".csv"):
        fail(f"{out}: --out must end in .html (page) or .csv (table)")
    return suffix


@insight_app.command("survival")
def survival(
    source: Path = INPUT,
    out: Path = typer.Option(..., "--out", help="HTML page to write."),
    test_from: str | None = typer.Option(
        None,
        "--test-from",
        help="Start of the hold-out (default: 1 Jan of the last report's year).",
    ),
    now: str | None = typer.Option(
        None, "--now", help="Censor open episodes here (default: data end)."
    ),
    table: Path | None = typer.Option(
        None, "--table", help="Also write the Kaplan-Meier table (.csv)."
    ),
    profile: Path | None = PROFILE,
) -> None:
    """Time to return: Kaplan-Meier by context and a Cox model checked on a temporal hold-out."""
    import pandas as pd

    from misper.cli.output import console, fail
    from misper.insight.episodes import data_end
    from misper.insight.render import survival_sections
    from misper.insight.survival import (
        evaluate_time_to_return,
        evaluate_wait_guidance,
        km_by_group,
        survival_frame,
    )

    frame = _load(source, profile)
    end = _date(now, "--now") or data_end(frame)
    start = _date(test_from, "--test-from") or pd.Timestamp(frame["reported_at"].max().year, 1, 1)
    episodes = survival_frame(frame, end)
    by_group = {
        c: km_by_group(episodes, c)
        for c in (
            "missing_from_type",
            "hour_band",
            "day_type",
            "age_band",
            "exploitation_flag",
            "previous_band",
            "previous_duration_band",
        )
    }
    try:
        evaluation = evaluate_time_to_return(frame, start, end)
    except ValueError as exc:
        fail(str(exc))
    guidance = evaluate_wait_guidance(frame, start, end)
    _write(
        out,
        source,
        "Time to return",
        [
            f"{len(episodes):,} episodes; {int((~episodes['ended']).sum()):,} open at "
            f"{end:%Y-%m-%d %H:%M}, censored there."
        ],
        survival_sections(by_group, evaluation, guidance),
    )
    if table is not None:
        _write_table(
            pd.concat(
                [t.rename(columns={c: "value"}).assign(by=c) for c, t in by_group.items() if len(t)]
            ),
            table,
        )
    console.print(f"[green]Wrote[/] {out}: hold-out concordance {evaluation['concordance']:.3f}.")


@insight_app.command("early-warning")
def early_warning(
    source: Path = INPUT,
    out: Path = typer.Option(
        ..., "--out", help=".csv: the ranked list; .html: list and evaluation."
    ),
    k: int = typer.Option(3, "--k", min=1, help="Further episodes that count as repeat."),
    days: int = typer.Option(90, "--days", min=1, help="Within this many days."),
    test_from: str | None = typer.Option(
        None,
        "--test-from",
        help="Start of the test period (default: 1 Jan of the last report's year).",
    ),
    all_children: bool = typer.Option(
        False, "--all-children", help="List every child, not only those whose window is still open."
    ),
    profile: Path | None = PROFILE,
) -> None:
    """Rank children by the chance of K more episodes within D days, with reasons, and evaluate it."""
    from misper.cli.output import console, fail
    from misper.insight.early_warning import evaluate_early_warning, rank_children
    from misper.insight.render import early_warning_sections

    suffix = _html_or_csv(out)
    frame = _load(source, profile)
    try:
        ranked, _ = rank_children(frame, k, days, active_only=not all_children)
        evaluation = evaluate_early_warning(frame, k, days, _date(test_from, "--test-from"))
    except ValueError as exc:
        fail(str(exc))
    if suffix == ".csv":
        _write_table(ranked, out)
    else:
        _write(out, source, "Repeat early warning", [], early_warning_sections(evaluation, ranked))
    model = evaluation["scores"].loc["model"]
    console.print(
        f"[green]Wrote[/] {out}: {len(ranked):,} children ranked. Test AUC "
        f"{model['auc']:.3f}, precision at top 10% {model['precision_top_10%']:.3f}. "
        f"{evaluation['verdict']}"
    )


@insight_app.command("patterns")
def patterns(
    source: Path = INPUT,
    out: Path = typer.Option(..., "--out", help=".csv: one row per child; .html: page with chart."),
    max_gap: float = typer.Option(
        7, "--max-gap", help="Days between episodes inside an intense period."
    ),
    min_episodes: int = typer.Option(
        3, "--min-episodes", help="Episodes that make an intense period."
    ),
    profile: Path | None = PROFILE,
) -> None:
    """Per child: intense periods, cessation, reduction and sentinel first episodes."""
    from misper.cli.output import console
    from misper.insight.patterns import child_patterns, intense_periods
    from misper.insight.render import pattern_sections

    suffix = _html_or_csv(out)
    frame = _load(source, profile)
    found = child_patterns(frame, max_gap_days=max_gap, min_episodes=min_episodes)
    if suffix == ".csv":
        _write_table(found, out)
    else:
        bursts = intense_periods(frame, max_gap, min_episodes)
        _write(
            out,
            source,
            "Patterns of repeat episodes",
            [
                f"Intense period: at least {min_episodes} episodes, each within {max_gap:g} days of the "
                "previous."
            ],
            pattern_sections(found, bursts, frame[["pid", "reported_at"]]),
        )
    console.print(f"[green]Wrote[/] {out}: {len(found):,} children with 2+ episodes.")


@insight_app.command("network")
def network(
    source: Path = INPUT,
    out: Path = typer.Option(..., "--out", help="Interactive HTML page (opens offline)."),
    table: Path | None = typer.Option(
        None, "--table", help="Also write the associate ranking (.csv)."
    ),
    top: int = typer.Option(20, "--top", min=1, help="Associates drawn in the graph."),
    truth: Path | None = typer.Option(
        None,
        "--truth",
        help="Synthetic truth (.csv/.parquet with associate_id, "
        "is_exploiter): report precision at 10 and 20.",
    ),
    profile: Path | None = PROFILE,
) -> None:
    """Children linked by going missing together and by shared associates; communities; over time."""
    import pandas as pd

    from misper.cli.output import console, fail
    from misper.insight.network import (
        associate_ranking,
        build_graph,
        communities,
        over_time,
        precision_at_k,
    )
    from misper.insight.render import network_sections

    frame = _load(source, profile)
    try:
        ranking = associate_ranking(frame)
    except ValueError as exc:
        fail(str(exc))
    graph = build_graph(frame)
    precision = None
    if truth is not None:
        known = pd.read_parquet(truth) if truth.suffix.lower() == ".parquet" else pd.read_csv(truth)
        if not {"associate_id", "is_exploiter"} <= set(known.columns):
            fail(f"{truth}: needs the columns associate_id and is_exploiter")
        precision = precision_at_k(ranking, known)
    linked = sum(1 for n in graph if n.startswith("child:") and graph.degree(n))
    _write(
        out,
        source,
        "Co-missing and associate network",
        [
            f"{linked:,} of {frame['pid'].nunique():,} children are linked to an associate or to another "
            f"child; {len(ranking):,} associates are named."
        ],
        network_sections(ranking, communities(graph), over_time(frame), graph, top, precision),
    )
    if table is not None:
        _write_table(ranking, table)
    note = (
        ""
        if precision is None
        else " " + ", ".join(f"precision@{k} {v:.2f}" for k, v in precision.items())
    )
    console.print(f"[green]Wrote[/] {out}.{note}")


@insight_app.command("evaluate")
def evaluate(
    source: Path = INPUT,
    intervention: str = typer.Option(
        ..., "--intervention", help="Date the change started, e.g. 2021-07-01."
    ),
    out: Path = typer.Option(..., "--out", help="HTML page to write."),
    group: str | None = typer.Option(
        None, "--group", help="care_home, home, ... or place:ID (default all)."
    ),
    comparison: str | None = typer.Option(
        None, "--comparison", help="Comparison group (difference in differences)."
    ),
    freq: str = typer.Option("week", "--freq", help="week or month."),
    table: Path | None = typer.Option(None, "--table", help="Also write the series (.csv)."),
    profile: Path | None = PROFILE,
) -> None:
    """Did it work: interrupted time series of incidents around a change, with intervals and a chart."""
    from misper.cli.output import console, fail
    from misper.insight.evaluation import evaluate_intervention
    from misper.insight.render import intervention_sections

    when = _date(intervention, "--intervention")
    frame = _load(source, profile)
    try:
        its = evaluate_intervention(frame, when, group, comparison, freq)
    except ValueError as exc:
        fail(str(exc))
    label = (group or "all incidents") + (f" against {comparison}" if comparison else "")
    _write(
        out,
        source,
        "Did it work?",
        [f"Change from {when.date()}; {freq}ly incidents, {label}."],
        intervention_sections(its, label),
    )
    if table is not None:
        _write_table(its.counterfactual_, table)
    level = its.summary.iloc[0]
    console.print(
        f"[green]Wrote[/] {out}: level change x{level['rate_ratio']:.2f} "
        f"(95% {level['lower']:.2f}-{level['upper']:.2f})."
    )
