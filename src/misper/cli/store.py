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
audit_app = typer.Typer(help="The store's keyed, hash-chained audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(agencies_app, name="agencies")
app.add_typer(audit_app, name="audit")


def _session(url: str | None):
    """A unit of work on the store, refusing with a clear message if it was never upgraded."""
    from misper.app.audit.keys import AuditKeyError, key_for
    from misper.app.db import current_revision, make_engine, session_factory, transaction
    from misper.cli.output import fail

    engine = make_engine(url)
    if current_revision(engine) is None:
        fail("the database has no case store yet: run `misper db upgrade` first")
    try:
        key_for(engine.url)  # every change is audited, and the audit log needs its key
    except AuditKeyError as exc:
        fail(str(exc))
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
    """Write the whole store to FILE from one consistent snapshot, read it back and check it
    (rows, keys, foreign keys, audit chain); a file that fails the check is deleted."""
    from misper.app.backup import BackupError, backup
    from misper.app.db import make_engine
    from misper.cli.output import console, fail

    try:
        summary = backup(make_engine(db), file)
    except BackupError as exc:
        fail(str(exc))
    console.print(
        f"Wrote {file}: {sum(summary.rows.values()):,} rows in {len(summary.rows)} tables; "
        f"checked: every row of the snapshot, foreign keys whole, audit chain intact "
        f"({summary.events:,} events)."
    )


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="Backup written by `misper db backup`."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Check FILE whole, then load it into an empty, upgraded store (all or nothing)."""
    from misper.app.backup import BackupError, restore
    from misper.app.db import make_engine
    from misper.cli.output import console, fail

    if not file.exists():
        fail(f"{file} does not exist")
    try:
        summary = restore(make_engine(db), file)
    except BackupError as exc:
        fail(str(exc))
    console.print(
        f"Restored {sum(summary.rows.values()):,} rows in {len(summary.rows)} tables from "
        f"{file}; audit chain intact ({summary.events:,} events)."
    )


@db_app.command("demo")
def db_demo(
    file: Path | None = typer.Option(
        None, "--incidents", help="Canonical file to import (default: 2,000 synthetic incidents)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create a demo store: agencies, a user of every role (logins printed), incidents imported."""
    from misper.cli.output import console
    from misper.demo.store import create_demo_store

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


PASSWORD_HELP = (
    "Set this password instead of printing a one-time code (a first administrator, a demo): "
    "it is then in your shell's history, so prefer the code for real users."
)


@users_app.command("add")
def users_add(
    username: str = typer.Argument(...),
    role: str = typer.Option(
        ...,
        "--role",
        help="care_staff, police_mispers, "
        "police_control_room, police_officer, "
        "council_social_worker, council_missing_coordinator, "
        "rhi_worker, charity_worker, analyst or admin.",
    ),
    agency: str = typer.Option(..., "--agency", help="Agency name (see `misper agencies list`)."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    password: str | None = typer.Option(None, "--password", help=PASSWORD_HELP),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Add a user; prints a one-time code (shown once, only its hash kept) with which they sign
    in and choose their own password, unless --password is given."""
    from misper.app.users.service import add_user
    from misper.cli.output import console

    with _session(db) as session:
        user, code = _domain(
            lambda: add_user(
                session,
                None,
                username=username,
                role=role,
                agency=agency,
                display_name=name,
                password=password,
            )
        )
        expires = user.reset_code_expires
    if code is None:
        console.print(f"Added {username} ({role}, {agency}) with the password given.")
    else:
        console.print(
            f"Added {username} ({role}, {agency}). One-time code: {code} (good once, until "
            f"{expires:%d %b %Y %H:%M}): they log in with it and choose their password."
        )


@users_app.command("disable")
def users_disable(
    username: str = typer.Argument(...),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Stop a user logging in (their tokens stop working at once)."""
    from misper.app.users.service import disable_user
    from misper.cli.output import console

    with _session(db) as session:
        _domain(lambda: disable_user(session, None, username))
    console.print(f"Disabled {username}.")


@users_app.command("reset")
def users_reset(
    username: str = typer.Argument(...),
    password: str | None = typer.Option(None, "--password", help=PASSWORD_HELP),
    remove_second_factor: bool = typer.Option(
        False,
        "--remove-second-factor",
        help="Also remove their authenticator app (lost phone): they set up a new one.",
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """A one-time code (printed once) to log in with and choose a new password, unless
    --password is given; the old password and every token stop working, a lock-out is cleared
    and the user re-enabled."""
    from misper.app.users import service
    from misper.cli.output import console

    with _session(db) as session:
        if remove_second_factor:
            _domain(lambda: service.remove_second_factor(session, username))
        if password is not None:
            _domain(lambda: service.set_password(session, username, password))
            code = None
        else:
            user, code = _domain(lambda: service.reset_sign_in(session, None, username))
            expires = user.reset_code_expires
    if code is None:
        console.print(f"Reset {username}: the password given is set.")
    else:
        console.print(
            f"Reset {username}. One-time code: {code} (good once, until "
            f"{expires:%d %b %Y %H:%M}): they log in with it and choose their password."
        )


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
                "kind must be police, council, care_provider, rhi_provider or charity, "
                f"not {kind!r}"
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


@audit_app.command("keygen")
def audit_keygen(
    file: Path = typer.Argument(..., help="Key file to create (never overwritten)."),
) -> None:
    """Make a new audit key in FILE, readable by its owner only; point MISPER_AUDIT_KEY_FILE at it
    for the server and every command."""
    from misper.app.audit.keys import KEY_ENV, keygen
    from misper.cli.output import console, fail

    try:
        keygen(file)
    except FileExistsError:
        fail(f"{file} exists already: a store's key is never replaced (its log needs it)")
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror}")
    console.print(
        f"Wrote a new audit key to {file} (mode 600). Set {KEY_ENV}={file} for the server and "
        "every `misper` command on this store, keep it away from the database's hosts and "
        "backups, and keep a copy safe: without it the log cannot be verified."
    )


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
    """Chain the events still waiting, then check the chain with the audit key and against its
    signed checkpoints: exits 1 naming the first edited, deleted, inserted or reordered event, a
    rebuilt chain, or a tail cut off since a checkpoint (or since the --head given)."""
    from misper.app.audit.keys import key_for
    from misper.app.audit.service import chain_and_verify
    from misper.cli.output import console, fail

    if events is not None and head is None:
        fail("--events needs the --head printed with it")
    with _session(db) as session:
        key = key_for(session.get_bind().url)
        chained, result = chain_and_verify(session.get_bind(), session, head=head, events=events)
    if chained:
        console.print(f"Chained {chained:,} event(s) that were waiting for the chain.")
    if result.bad_checkpoints:
        console.print(
            f"{result.bad_checkpoints:,} line(s) of {key.checkpoints} skipped: unreadable, or "
            "signed with another key (a torn write, or someone else's)."
        )
    if not result.ok:
        fail(f"audit log broken after {result.events:,} good events: {result.problem}")
    console.print(f"Audit log intact: {result.events:,} events; head {result.head}")
    if result.pending:
        console.print(f"{result.pending:,} event(s) committed during the check wait for the chain.")
    if result.checkpoint is None:
        console.print(
            f"No checkpoint was found in {key.checkpoints}: one is written now, and a tail cut "
            "off before it would not show."
        )
    else:
        console.print(f"Checked against the signed checkpoints in {key.checkpoints}.")


def _load(file: Path, profile: Path | None):
    from misper.cli.output import console, fail
    from misper.incidents.load import IncidentFileError, load_incidents
    from misper.incidents.profiles import ProfileError

    try:
        loaded = load_incidents(file, profile)
    except (IncidentFileError, ProfileError) as exc:
        fail(str(exc))
    for warning in loaded.warnings:  # e.g. cells that look like spreadsheet formulas
        console.print(f"[yellow]warning:[/] {warning}")
    return loaded.frame


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
    """Load incidents into the store; re-running changes nothing, a changed row updates
    (audited)."""
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
    recipient: str | None = typer.Option(
        None,
        "--for",
        help="User name of the analyst the file is for: ids become pseudonyms keyed for them "
        "(the same as in their own downloads), coordinates are coarsened to about 1 km, free "
        "text is left out.",
    ),
    with_names: bool = typer.Option(
        False,
        "--with-names",
        help="Instead: the store's own ids, the children's names and dates of birth, exact "
        "coordinates (the operator's file).",
    ),
    no_text: bool = typer.Option(False, "--no-text", help="Leave out free text (--with-names)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Write the store's episodes as the canonical incident table, for `misper report`:
    pseudonymised for one analyst (--for USER), or whole (--with-names)."""
    from misper.app.audit.service import record
    from misper.app.interchange.service import export_for, export_frame
    from misper.cli.output import console, fail
    from misper.incidents.cells import neutralise_frame
    from misper.incidents.frame import write_incidents

    if out.suffix.lower() not in (".parquet", ".csv"):
        fail(f"{out}: the output must end in .parquet or .csv")
    if with_names == (recipient is not None):
        fail("say who the file is for: --for USER (pseudonymised) or --with-names, one of them")
    with _session(db) as session:
        if recipient is None:
            frame = export_frame(session, with_names=True, free_text=not no_text)
            detail = {"names": True}
        else:
            frame, user_id = _domain(lambda: export_for(session, recipient))
            detail = {"names": False, "recipient": user_id}
        # A spreadsheet opens the CSV: no cell may be a live formula. Parquet keeps the values.
        write_incidents(neutralise_frame(frame) if out.suffix.lower() == ".csv" else frame, out)
        record(
            session,
            None,
            "export",
            "episode",
            detail={"rows": len(frame), "file": out.name, **detail},
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
    console.print(f"Serving on http://{host}:{port}/ (OpenAPI at /openapi.json)")
    uvicorn.run(
        "misper.app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
