"""`misper insight ...`: decision support from the incident table, as pages and tables."""

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


def _write(out: Path, page) -> None:
    from misper.incidents.frame import atomic_path
    from misper.report.insight_pages import render

    html = render(page)
    with atomic_path(out) as tmp:
        tmp.write_text(html, encoding="utf-8")


def _write_table(table, out: Path) -> None:
    from misper.cli.output import fail
    from misper.incidents.cells import neutralise_frame
    from misper.incidents.frame import atomic_path

    if out.suffix.lower() != ".csv":
        fail(f"{out}: the table export must end in .csv")
    with atomic_path(out) as tmp:
        neutralise_frame(table).to_csv(tmp, index=False)  # no live formulas in a spreadsheet


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
    from misper.insight.survival import summarise_time_to_return
    from misper.report.insight_pages import survival_page

    frame = _load(source, profile)
    end, start = _date(now, "--now"), _date(test_from, "--test-from")
    try:
        summary = summarise_time_to_return(frame, start, end)
    except ValueError as exc:
        fail(str(exc))
    _write(out, survival_page(summary, source.name))
    if table is not None:
        _write_table(
            pd.concat(
                [
                    t.rename(columns={c: "value"}).assign(by=c)
                    for c, t in summary.by_context.items()
                    if len(t)
                ]
            ),
            table,
        )
    console.print(
        f"[green]Wrote[/] {out}: hold-out concordance {summary.evaluation.concordance:.3f}."
    )


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
    """Rank children by the chance of K more episodes within D days, with reasons; evaluate it."""
    from misper.cli.output import console, fail
    from misper.insight.early_warning import evaluate_early_warning, rank_children
    from misper.report.insight_pages import early_warning_page

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
        _write(out, early_warning_page(evaluation, ranked, source.name))
    model = evaluation.scores.loc["model"]
    console.print(
        f"[green]Wrote[/] {out}: {len(ranked):,} children ranked. Test AUC "
        f"{model['auc']:.3f}, precision at top 10% {model['precision_top_10%']:.3f}. "
        f"{evaluation.verdict}"
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
    from misper.insight.patterns import child_patterns, summarise_patterns
    from misper.report.insight_pages import patterns_page

    suffix = _html_or_csv(out)
    frame = _load(source, profile)
    if suffix == ".csv":
        found = child_patterns(frame, max_gap_days=max_gap, min_episodes=min_episodes)
        _write_table(found, out)
        children = len(found)
    else:
        summary = summarise_patterns(frame, max_gap, min_episodes)
        _write(out, patterns_page(summary, source.name))
        children = summary.counts.children
    console.print(f"[green]Wrote[/] {out}: {children:,} children with 2+ episodes.")


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
    """Children linked by going missing together and by shared associates; communities; years."""
    import pandas as pd

    from misper.cli.output import console, fail
    from misper.insight.network import summarise_network
    from misper.report.insight_pages import network_page

    frame = _load(source, profile)
    known = None
    if truth is not None:
        known = pd.read_parquet(truth) if truth.suffix.lower() == ".parquet" else pd.read_csv(truth)
        if not {"associate_id", "is_exploiter"} <= set(known.columns):
            fail(f"{truth}: needs the columns associate_id and is_exploiter")
    try:
        summary = summarise_network(frame, top, known)
    except ValueError as exc:
        fail(str(exc))
    _write(out, network_page(summary, source.name))
    if table is not None:
        _write_table(summary.ranking, table)
    precision = summary.precision
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
    """Did it work: interrupted time series of incidents around a change, with intervals."""
    from misper.cli.output import console, fail
    from misper.insight.evaluation import evaluate_intervention
    from misper.report.insight_pages import intervention_page

    when = _date(intervention, "--intervention")
    frame = _load(source, profile)
    try:
        its = evaluate_intervention(frame, when, group, comparison, freq)
    except ValueError as exc:
        fail(str(exc))
    label = (group or "all incidents") + (f" against {comparison}" if comparison else "")
    _write(out, intervention_page(its, label, freq, source.name))
    if table is not None:
        _write_table(its.counterfactual_, table)
    level = its.summary.iloc[0]
    console.print(
        f"[green]Wrote[/] {out}: level change x{level['rate_ratio']:.2f} "
        f"(95% {level['lower']:.2f}-{level['upper']:.2f})."
    )
