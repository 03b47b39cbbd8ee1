"""The case store's commands: `misper db`, `misper users`, `misper agencies`, `misper audit`,
`misper import-incidents`, `misper export` and `misper serve`.

Every command works on MISPER_DATABASE_URL (default: misper.db here) unless --db names another.
"""

from __future__ import annotations

from pathlib import Path

import typer

from misper.cli import app

DB_HELP = "Database URL (default: $MISPER_DATABASE_URL, else sqlite:///misper.db)."
db_app = typer.Typer(
    help="Create, upgrade, back up and restore the case store.", no_args_is_help=True
)
users_app = typer.Typer(help="Manage the store's users.", no_args_is_help=True)
agencies_app = typer.Typer(help="Manage the agencies that share the store.", no_args_is_help=True)
audit_app = typer.Typer(help="The store's hash-chained audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(agencies_app, name="agencies")
app.add_typer(audit_app, name="audit")


def _session(url: str | None):
    """A unit of work on the store, refusing with a clear message if it was never upgraded."""
    from misper.app.db import current_revision, make_engine, session_factory, transaction
    from misper.cli.output import fail

    engine = make_engine(url)
    if current_revision(engine) is None:
        fail("the database has no case store yet: run `misper db upgrade` first")
    return transaction(session_factory(engine))


def _domain(action):
    """Run `action`, turning the store's typed errors into a clean exit."""
    from misper.app.errors import DomainError
    from misper.cli.output import fail

    try:
        return action()
    except DomainError as exc:
        fail(exc.message)


@db_app.command("upgrade")
def db_upgrade(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Create the store or bring it to the latest schema (safe to run again)."""
    from misper.app.db import current_revision, database_url, make_engine, upgrade
    from misper.cli.output import console

    upgrade(db)
    console.print(
        f"Store at revision {current_revision(make_engine(db))}: {database_url(db).split('@')[-1]}"
    )


@db_app.command("backup")
def db_backup(
    file: Path = typer.Argument(..., help="Backup file to write (.jsonl.gz)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Write the whole store to FILE (one consistent snapshot; written atomically)."""
    from misper.app.backup import backup
    from misper.app.db import make_engine
    from misper.cli.output import console

    counts = backup(make_engine(db), file)
    console.print(f"Wrote {file}: {sum(counts.values()):,} rows in {len(counts)} tables.")


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="Backup written by `misper db backup`."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Load FILE into an empty, upgraded store (all or nothing)."""
    from misper.app.backup import BackupError, restore
    from misper.app.db import make_engine
    from misper.cli.output import console, fail

    if not file.exists():
        fail(f"{file} does not exist")
    try:
        counts = restore(make_engine(db), file)
    except BackupError as exc:
        fail(str(exc))
    console.print(f"Restored {sum(counts.values()):,} rows in {len(counts)} tables from {file}.")


@db_app.command("demo")
def db_demo(
    file: Path | None = typer.Option(
        None, "--incidents", help="Canonical file to import (default: 2,000 synthetic incidents)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create a demo store: agencies, a user of every role (logins printed), incidents imported."""
    from misper.demo.store import create_demo_store
    from misper.cli.output import console

    if file is None:
        from misper.synth import generate

        frame = generate(incidents=2000, seed=1).incidents
    else:
        frame = _load(file, None)
    logins, summary = _domain(lambda: create_demo_store(db, frame, move_to_today=file is None))
    console.print(
        f"Imported {summary.added:,} episodes. Demo logins (password for all: "
        f"{logins[0].password}):"
    )
    for login in logins:
        console.print(f"  {login.username:20} {login.role:28} {login.agency}")


@users_app.command("add")
def users_add(
    username: str = typer.Argument(...),
    role: str = typer.Option(
        ...,
        "--role",
        help="care_staff, police_mispers, "
        "police_control_room, police_officer, "
        "council_social_worker, council_missing_coordinator, "
        "rhi_worker, analyst or admin.",
    ),
    agency: str = typer.Option(..., "--agency", help="Agency name (see `misper agencies list`)."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Add a user; prints a generated password once (only its Argon2 hash is kept)."""
    from misper.app.users.service import add_user
    from misper.cli.output import console

    with _session(db) as session:
        user, password = _domain(
            lambda: add_user(
                session, None, username=username, role=role, agency=agency, display_name=name
            )
        )
    console.print(f"Added {username} ({role}, {agency}). Password: {password}")


@users_app.command("disable")
def users_disable(
    username: str = typer.Argument(...),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Stop a user logging in (their tokens stop working at once)."""
    from misper.app.auth.service import revoke_all
    from misper.app.users.service import disable_user
    from misper.cli.output import console

    with _session(db) as session:
        user = _domain(lambda: disable_user(session, None, username))
        revoke_all(session, user.id)
    console.print(f"Disabled {username}.")


@users_app.command("reset")
def users_reset(
    username: str = typer.Argument(...),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """New password (printed once); clears a lock-out and re-enables the user."""
    from misper.app.users.service import reset_password
    from misper.cli.output import console

    with _session(db) as session:
        _user, password = _domain(lambda: reset_password(session, None, username))
    console.print(f"Reset {username}. New password: {password}")


@agencies_app.command("add")
def agencies_add(
    name: str = typer.Argument(...),
    kind: str = typer.Option(
        ..., "--kind", help="police, council, care_provider, rhi_provider or charity."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Add an agency."""
    from misper.app.agencies.service import add_agency
    from misper.cli.output import console, fail

    with _session(db) as session:
        try:
            _domain(lambda: add_agency(session, None, name, kind))
        except ValueError:
            fail(
                f"kind must be police, council, care_provider, rhi_provider or charity, not {kind!r}"
            )
    console.print(f"Added {kind} agency {name}.")


@agencies_app.command("list")
def agencies_list(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """List the agencies."""
    from sqlalchemy import select

    from misper.app.agencies.models import Agency
    from misper.cli.output import console

    with _session(db) as session:
        for agency in session.scalars(select(Agency).order_by(Agency.name)):
            console.print(f"{agency.id:5}  {agency.kind:14} {agency.name}")


@audit_app.command("verify")
def audit_verify(
    head: str | None = typer.Option(
        None,
        "--head",
        help="A head printed by an earlier run: fail if the chain no longer holds it.",
    ),
    events: int | None = typer.Option(
        None,
        "--events",
        min=1,
        help="The event count printed with that head: fail if the chain is shorter.",
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Chain the events still waiting, then check the chain: exits 1 naming the first edited,
    deleted or reordered event, or a tail cut off since the --head given."""
    from misper.app.audit.service import chain_and_verify
    from misper.cli.output import console, fail

    if events is not None and head is None:
        fail("--events needs the --head printed with it")
    with _session(db) as session:
        chained, result = chain_and_verify(session.get_bind(), session, head=head, events=events)
    if chained:
        console.print(f"Chained {chained:,} event(s) that were waiting for the chain.")
    if not result.ok:
        fail(f"audit log broken after {result.events:,} good events: {result.problem}")
    console.print(f"Audit log intact: {result.events:,} events; head {result.head}")
    if result.pending:
        console.print(f"{result.pending:,} event(s) committed during the check wait for the chain.")
    console.print(
        "Keep the head elsewhere; `misper audit verify --head HEAD --events N` later "
        "shows whether events were cut off the end since."
    )


def _load(file: Path, profile: Path | None):
    from misper.cli.output import fail
    from misper.incidents.load import IncidentFileError, load_incidents
    from misper.incidents.profiles import ProfileError

    try:
        return load_incidents(file, profile).frame
    except (IncidentFileError, ProfileError) as exc:
        fail(str(exc))


@app.command("import-incidents")
def import_incidents(
    file: Path = typer.Argument(..., help="Canonical incident file (.csv, .xlsx, .parquet)."),
    force: str = typer.Option(
        ...,
        "--force",
        help="Police force the incidents belong to (added as a police agency if new).",
    ),
    profile: Path | None = typer.Option(None, "--profile", help="Mapping profile (YAML)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Load incidents into the store; re-running changes nothing, a changed row updates (audited)."""
    from sqlalchemy import select

    from misper.app.agencies.models import Agency
    from misper.app.agencies.service import add_agency
    from misper.app.interchange.service import import_frame
    from misper.cli.output import console, fail

    frame = _load(file, profile)
    with _session(db) as session:
        agency = session.scalar(select(Agency).where(Agency.name == force))
        if agency is None:
            agency = add_agency(session, None, force, "police")
            console.print(f"Added police agency {force}.")
        elif agency.kind != "police":
            fail(f"{force} is a {agency.kind} agency, not a police force")
        summary = _domain(lambda: import_frame(session, None, frame, agency.id))
    console.print(
        f"{file}: {summary.added:,} added, {summary.updated:,} updated, "
        f"{summary.unchanged:,} unchanged."
    )


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="Canonical file to write (.parquet or .csv)."),
    with_names: bool = typer.Option(
        False, "--with-names", help="Add the children's names and dates of birth."
    ),
    no_text: bool = typer.Option(False, "--no-text", help="Leave out free text."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Write the store's episodes as the canonical incident table, for `misper report`."""
    from misper.app.audit.service import record
    from misper.app.interchange.service import export_frame
    from misper.cli.output import console, fail
    from misper.incidents.frame import write_incidents

    if out.suffix.lower() not in (".parquet", ".csv"):
        fail(f"{out}: the output must end in .parquet or .csv")
    with _session(db) as session:
        frame = export_frame(session, with_names=with_names, free_text=not no_text)
        write_incidents(frame, out)
        record(
            session,
            None,
            "export",
            "episode",
            detail={"rows": len(frame), "names": with_names, "file": out.name},
        )
    console.print(f"Wrote {out}: {len(frame):,} episodes.")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Run the web pages and the API (OpenAPI at /openapi.json) on HOST:PORT."""
    import os

    import uvicorn

    from misper.app.db import current_revision, make_engine
    from misper.cli.output import console, fail

    if current_revision(make_engine(db)) is None:
        fail("the database has no case store yet: run `misper db upgrade` first")
    if db:
        os.environ["MISPER_DATABASE_URL"] = db  # the workers build the app from the environment
    console.print(f"Serving on http://{host}:{port}/ (API docs at /docs)")
    uvicorn.run(
        "misper.app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
