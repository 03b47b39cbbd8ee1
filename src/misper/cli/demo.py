"""`misper demo`: the whole system on synthetic data, from nothing, in one command.

It generates the default (calibrated) synthetic force, loads it through the same loader a force's
file goes through, builds the demand report with the published figures beside ours, loads the
case store with demo users of every role, and serves the web pages.
"""

from pathlib import Path

import typer

from misper.cli import app


@app.command()
def demo(
    out: Path = typer.Option(Path("out"), "--out", help="Folder for the demo's files."),
    incidents: int | None = typer.Option(
        None,
        "--incidents",
        min=100,
        help="Under-18 reports to generate (default: the published level).",
    ),
    seed: int = typer.Option(0, "--seed"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the case system when done."),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Generate synthetic data, build the report, load the case store, and serve it."""
    from rich.table import Table

    from misper.app.audit.keys import CHECKPOINTS_SUFFIX
    from misper.cli.output import console
    from misper.demo.store import create_demo_store
    from misper.incidents.load import load_incidents
    from misper.report import build_report
    from misper.synth import generate, write_synthetic

    out.mkdir(parents=True, exist_ok=True)
    with console.status("Generating the synthetic force ...") as status:
        data, truth = write_synthetic(
            generate(incidents=incidents, seed=seed), out / "synthetic.parquet"
        )
        status.update("Loading it as a force's file would be loaded ...")
        loaded = load_incidents(data)
        status.update("Building the demand report ...")
        files = {
            "html": out / "report.html",
            "json": out / "report.json",
            "xlsx": out / "report.xlsx",
        }
        report = build_report(
            loaded.frame,
            out_html=files["html"],
            out_json=files["json"],
            out_xlsx=files["xlsx"],
            compare_published=incidents is None,
            quality=loaded.quality,
            warnings=loaded.warnings,
            progress=lambda step: status.update(f"Report: {step} ..."),
        )
        status.update("Loading the case store (SQLite) with demo users ...")
        database = out / "misper.db"
        database.unlink(missing_ok=True)  # the demo starts afresh each time
        # ...and so does its audit log: the old store's checkpoints would say it was rewritten
        database.with_name(database.name + CHECKPOINTS_SUFFIX).unlink(missing_ok=True)
        url = f"sqlite:///{database}"
        # the synthetic years are moved to end today, so that dashboards and clocks show something
        logins, summary = create_demo_store(url, loaded.frame, move_to_today=True)

    figures = report.data
    console.print(f"[green]Synthetic data[/] {data} (ground truth in {truth}/)")
    console.print(
        f"  {figures['n_incidents']:,} under-18 missing reports of {figures['n_children']:,} "
        f"children, {figures['period']['start']} to {figures['period']['end']}; the top 10% "
        f"of children account for {figures['repeat']['top_decile_share']:.0%} of incidents"
    )
    console.print(
        f"[green]Report[/] {files['html']} (also {files['json'].name}, {files['xlsx'].name})"
    )
    console.print(f"[green]Case store[/] {database}: {summary.added:,} episodes imported")
    table = Table("username", "role", "agency", title="Demo logins (one of every role)")
    for login in logins:
        table.add_row(login.username, login.role, login.agency)
    console.print(table)
    passwords = sorted({login.password for login in logins})
    console.print(
        f"Password for {'every demo login' if len(passwords) == 1 else 'the logins'}: "
        + ", ".join(passwords)
    )
    if serve:
        import uvicorn

        from misper.app.main import create_app

        console.print(f"Serving the case system on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
        uvicorn.run(create_app(url), host="127.0.0.1", port=port, log_level="warning")
    else:
        console.print(f"Serve it with: .venv/bin/misper serve --db {url}")
