"""`misper synth`: write a calibrated synthetic incident file and the ground truth beside it."""

from datetime import datetime
from pathlib import Path

import typer

from misper.cli import app


@app.command()
def synth(
    out: Path = typer.Option(..., "--out", help="Incident file to write (.parquet or .csv)."),
    incidents: int | None = typer.Option(
        None,
        "--incidents",
        min=1,
        help="Number of under-18 missing_report rows over the period (default: the published "
        "Hertfordshire level, 9,184 for 2019-2022). Adults' reports and incident_only rows "
        "scale with it in Table 1's proportions.",
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same data."),
    start: datetime = typer.Option(
        "2019-01-01", "--start", formats=["%Y-%m-%d"], help="First day of the period."
    ),
    end: datetime = typer.Option(
        "2022-12-31", "--end", formats=["%Y-%m-%d"], help="Last day of the period (inclusive)."
    ),
) -> None:
    """Generate synthetic incidents calibrated to the published Hertfordshire figures.

    Writes OUT and, beside it, a folder OUT-without-suffix.truth/ with the ground truth (children,
    adults, associates, bursts, placements, places, incidents, demand, effects).
    """
    from misper.cli.output import console, fail
    from misper.synth import generate, write_synthetic

    if out.suffix.lower() not in (".parquet", ".csv"):
        fail(f"--out {out}: must end in .parquet or .csv")
    try:
        result = generate(incidents=incidents, seed=seed, start=start.date(), end=end.date())
        data, truth = write_synthetic(result, out)
    except (ValueError, OSError) as exc:
        fail(str(exc))
    summary = result.summary()
    console.print(
        f"[green]Wrote[/] {data}: {summary['rows']:,} rows "
        f"({summary['u18_reports']:,} under-18 reports, {summary['children']:,} children), "
        f"years {summary['years'][0]}-{summary['years'][-1]}."
    )
    console.print(f"[green]Truth[/] {truth}/ ({', '.join(sorted(result.truth))}).")
