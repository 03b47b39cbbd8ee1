"""`misper notifications`: emailing the users' notices, for an operator's timer (cron, systemd)."""

from __future__ import annotations

import typer

from misper.cli import app

notifications_app = typer.Typer(
    help="Email the users' notices (see README, 'Email notifications').", no_args_is_help=True
)
app.add_typer(notifications_app, name="notifications")

DB_HELP = "Database URL (default: $MISPER_DATABASE_URL, else sqlite:///misper.db)."


def _ready(db: str | None):
    """The mail settings and the store's sessions, or a clear error: email off, settings wrong, or
    a store not at the latest schema."""
    from alembic.script import ScriptDirectory

    from misper.app.db import alembic_config, current_revision, make_engine, session_factory
    from misper.app.notifications.mail import HOST_ENV, MailSetupError, mail_settings
    from misper.cli.output import fail

    try:
        settings = mail_settings()
    except MailSetupError as exc:
        fail(str(exc))
    if settings is None:
        fail(f"email is off: set {HOST_ENV} and the other MISPER_SMTP_* settings first")
    engine = make_engine(db)
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    if current_revision(engine) != head:
        fail("the case store is not at the latest schema: run `misper db upgrade` first")
    return settings, session_factory(engine)


@notifications_app.command("send-digests")
def send_digests(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Send each user who chose a daily digest one email gathering their notices not yet emailed;
    run once a day. Running it again sends nothing already sent."""
    from misper.app.notifications import mail
    from misper.cli.output import console

    settings, sessions = _ready(db)
    sent = mail.send_digests(sessions, settings)
    console.print(f"sent {sent} digest email(s)")


@notifications_app.command("send-immediate")
def send_immediate(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Send the at-once emails still due (the server sends them after each commit; this catches
    up on any the mail server refused)."""
    from misper.app.notifications import mail
    from misper.cli.output import console

    settings, sessions = _ready(db)
    sent = mail.send_immediate(sessions, settings)
    console.print(f"sent {sent} email(s)")
