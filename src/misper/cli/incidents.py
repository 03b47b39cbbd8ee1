"""`misper import`, `misper keygen`, `misper docs`: a force's export into the canonical table, and
the pages generated from the code (the data dictionary, the access part of the security page)."""

from pathlib import Path

import typer

from misper.cli import app


@app.command("import")
def import_(
    source: Path = typer.Argument(..., help="Force export: .csv, .xlsx or .parquet."),
    out: Path = typer.Option(..., "--out", help="Canonical file to write (.parquet or .csv)."),
    profile: Path | None = typer.Option(None, "--profile", help="Mapping profile (YAML)."),
    pseudonymise: Path | None = typer.Option(
        None, "--pseudonymise", help="Key file: replace ids by keyed hashes (see `misper keygen`)."
    ),
    keep_text: bool = typer.Option(
        False, "--keep-text", help="Keep free text when pseudonymising."
    ),
    keep_extra: bool = typer.Option(
        False, "--keep-extra", help="Keep non-canonical columns when pseudonymising."
    ),
    unknown_as_other: bool = typer.Option(
        False, "--unknown-as-other", help="Keep unknown enum values as 'other' (counted)."
    ),
    max_errors: int = typer.Option(
        50, "--max-errors", help="Errors listed before the rest are counted."
    ),
) -> None:
    """Validate SOURCE against the canonical incident table and write it; refuse it whole if bad."""
    from misper.cli.output import console, fail
    from misper.incidents.load import IncidentFileError, import_file
    from misper.incidents.profiles import ProfileError

    try:
        summary = import_file(
            source,
            out,
            profile=profile,
            key_file=pseudonymise,
            keep_text=keep_text,
            keep_extra=keep_extra,
            unknown_as_other=unknown_as_other,
            max_errors=max_errors,
        )
    except (IncidentFileError, ProfileError) as exc:
        fail(str(exc))
    console.print(
        f"[green]Wrote[/] {out}: {summary.rows:,} incidents, {summary.children:,} children."
    )
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


@app.command()
def keygen(key_file: Path = typer.Argument(..., help="Where to write the new secret key.")) -> None:
    """Create a pseudonymisation key. Keep it secret, and keep it: one key links years of data."""
    from misper.cli.output import console, fail
    from misper.incidents.pseudonymise import new_key_file

    try:
        new_key_file(key_file)
    except FileExistsError:
        fail(
            f"{key_file} exists; refusing to overwrite a key (ids made with it would stop linking)."
        )
    console.print(f"Wrote key {key_file} (readable by you only).")


@app.command()
def docs(
    out: Path | None = typer.Option(
        None,
        "--out",
        help="The page to write (default docs/data-dictionary.md; with --security, "
        "docs/security.md).",
    ),
    security: bool = typer.Option(
        False,
        "--security",
        help="Instead: rewrite the generated part of the security page (who may see and change "
        "what), from the access rules; the rest of the page is kept.",
    ),
) -> None:
    """Write the data dictionary of the canonical incident table (generated from the schema), or
    with --security the part of the security page generated from the access rules."""
    if security:
        from misper.cli.docs import with_access_section
        from misper.cli.output import fail

        out = out or Path("docs/security.md")
        try:
            text = with_access_section(out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            fail(f"{out}: {exc.strerror if isinstance(exc, OSError) else exc}")
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote the generated part of {out}")
        return
    from misper.incidents.dictionary import data_dictionary

    out = out or Path("docs/data-dictionary.md")
    out.write_text(data_dictionary(), encoding="utf-8")
    typer.echo(f"Wrote {out}")
