"""`misper report` (the demand report as HTML, JSON and XLSX) and `misper sample` (case review)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from misper.cli import app


def _load(source: Path, profile: Path | None):
    from misper.cli.output import fail
    from misper.incidents.load import IncidentFileError, load_incidents
    from misper.incidents.profiles import ProfileError

    try:
        return load_incidents(source, profile)
    except (IncidentFileError, ProfileError) as exc:
        fail(str(exc))


@app.command()
def report(
    source: Path = typer.Argument(
        ..., help="Incident file: canonical, or a force export with --profile."
    ),
    out: Path = typer.Option(..., "--out", help="HTML report to write (one self-contained file)."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures as JSON."),
    xlsx_out: Path | None = typer.Option(
        None, "--xlsx", help="Also write the tables as a workbook."
    ),
    profile: Path | None = typer.Option(
        None, "--profile", help="Mapping profile of a force export (YAML)."
    ),
    start: dt.datetime | None = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="First day (default: Jan 1 of the first year)."
    ),
    end: dt.datetime | None = typer.Option(
        None, "--to", formats=["%Y-%m-%d"], help="Last day (default: Dec 31 of the last year)."
    ),
    year: int | None = typer.Option(
        None,
        "--year",
        help="Year of the detailed sections (care, top children, workload); default the last.",
    ),
    population: Path | None = typer.Option(
        None,
        "--population",
        help="Population file (YAML): u18_population, children_looked_after, ethnic_shares, "
        "recorded_calls.",
    ),
    publish: bool = typer.Option(
        False,
        "--publish",
        help="Suppress counts below 5 (with secondary suppression) and leave pids out.",
    ),
    compare_published: bool = typer.Option(
        False,
        "--compare-published",
        help="Add the seed report's published figures beside this data's.",
    ),
) -> None:
    """The demand report: under-18 missing reports by default, every figure with its method note."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from misper.cli.output import console, fail
    from misper.report import make_report, write_report
    from misper.report.assemble import SECTIONS
    from misper.report.population import PopulationFileError, load_population

    try:
        context = load_population(population) if population else None
    except PopulationFileError as exc:
        fail(str(exc))
    outputs = sum(x is not None for x in (out, json_out, xlsx_out))
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"Reading {source.name}", total=len(SECTIONS) + outputs + 2)
        loaded = _load(source, profile)
        bar.advance(task)

        def step(name: str) -> None:
            bar.update(task, description=name, advance=1)

        try:
            built = make_report(
                loaded.frame,
                start=start,
                end=end,
                year=year,
                publish=publish,
                compare_published=compare_published,
                population=context,
                quality=loaded.quality,
                warnings=loaded.warnings,
                progress=step,
            )
            write_report(built, out_html=out, out_json=json_out, out_xlsx=xlsx_out, progress=step)
        except (
            ValueError
        ) as exc:  # no incidents left, or a table that cannot be published (DisclosureError)
            fail(str(exc))
    data = built.data
    console.print(
        f"[green]Wrote[/] {out}"
        + "".join(f", {p}" for p in (json_out, xlsx_out) if p)
        + f": {data['n_incidents']:,} incidents, {data['n_children']:,} children, "
        f"{data['period']['start']} to {data['period']['end']}"
        + (" (published version)" if publish else ".")
    )
    if data["skipped"]:
        console.print(
            f"[yellow]Not computed:[/] {', '.join(sorted(data['skipped']))} "
            "(reasons in the report)."
        )


@app.command()
def sample(
    source: Path = typer.Argument(
        ..., help="Incident file: canonical, or a force export with --profile."
    ),
    year: int = typer.Option(..., "--year", help="Year to sample from."),
    every: int = typer.Option(
        9, "--every", help="Take every k-th child in the ranking (the seed took every 9th)."
    ),
    profile: Path | None = typer.Option(
        None, "--profile", help="Mapping profile of a force export (YAML)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the sampled children's incidents (.csv or .parquet)."
    ),
) -> None:
    """The seed's in-depth sample: the year's children by incidents, every k-th, for review."""
    import pandas as pd
    from rich.table import Table

    from misper.analysis import sampling
    from misper.analysis.selection import Shared, select
    from misper.cli.output import console, fail
    from misper.incidents.frame import write_incidents

    loaded = _load(source, profile)
    chosen = select(loaded.frame, year=year)
    if chosen.frame.empty:
        fail(f"no under-18 missing reports in {year}")
    shared = Shared(chosen.frame, chosen.start, chosen.end)
    try:
        picked = sampling.every_kth(shared, every)
    except ValueError as exc:
        fail(str(exc))
    incidents = sampling.sample_incidents(shared, picked, tuple(chosen.frame.columns))
    table = Table(
        title=f"{year}: every child at a multiple of rank {every}, of {shared.n_children:,} "
        "ranked by incidents"
    )
    for column in ("rank", "pid", "incidents"):
        table.add_column(column, justify="right" if column != "pid" else "left")
    for row in picked.itertuples(index=False):
        table.add_row(str(row.rank), str(row.pid), str(row.incidents))
    console.print(table)
    console.print(
        f"{len(picked):,} children, {len(incidents):,} incidents "
        "(case review: not for publication)."
    )
    if out is not None:
        if out.suffix.lower() not in (".csv", ".parquet"):
            fail(f"{out}: --out must end in .csv or .parquet")
        write_incidents(pd.DataFrame(incidents), out)
        console.print(f"[green]Wrote[/] {out}")
