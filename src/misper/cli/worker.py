"""`misper worker`: the store's scheduled checks, each idempotent (one notification per event)."""

from __future__ import annotations

import typer

from misper.cli import app


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Run the checks once and exit."),
    every: int = typer.Option(300, "--every", min=10, help="Seconds between runs."),
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: $MISPER_DATABASE_URL, else sqlite:///misper.db)."
    ),
) -> None:
    """Notify overdue return home interviews, delayed reports due for review, and profile reviews
    due."""
    import time
    from datetime import datetime

    from alembic.script import ScriptDirectory

    from misper.app.db import (
        alembic_config,
        current_revision,
        make_engine,
        session_factory,
        transaction,
    )
    from misper.app.interviews.return_home import raise_overdue
    from misper.app.philomena.review import remind_reviews
    from misper.app.triage.service import remind_due_reviews
    from misper.cli.output import console, fail

    engine = make_engine(db)
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    if current_revision(engine) != head:
        fail("the case store is not at the latest schema: run `misper db upgrade` first")
    sessions = session_factory(engine)
    while True:
        now = datetime.now()
        with transaction(sessions) as session:
            counts = (
                raise_overdue(session, now),
                remind_due_reviews(session, now),
                remind_reviews(session, now),
            )
        console.print(
            f"{now:%Y-%m-%d %H:%M}: notified {counts[0]} overdue return home "
            f"interview(s), {counts[1]} delayed report(s) due for review, "
            f"{counts[2]} Philomena profile review(s) due"
        )
        if once:
            return
        time.sleep(every)
