"""Migration 0015 on SQLite and PostgreSQL: notices read before are kept read (for the user a
notice was addressed to, or every user of the agency a notice to it as a whole reached), notices
about an episode get its page as their link, and the downgrade gives each read notice back the
first time it was read."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import command

from misper.app.db import alembic_config, make_engine, upgrade

FORCE, OTHER = 1, 2
MISPERS, OFFICER, STRANGER = 1, 2, 3
READ = datetime(2024, 3, 1, 12)
AT = datetime(2024, 3, 1, 9)


def _insert(connection, table: str, **values) -> None:
    types = {datetime: sa.DateTime(), bool: sa.Boolean()}
    columns = [sa.column(k, types.get(type(v))) for k, v in values.items()]
    connection.execute(sa.table(table, *columns).insert().values(**values))


def _before(connection) -> None:
    """At 0014: two forces, two users of the first and one of the other, an episode, and three
    notices: one to the force read, one to a user read, one about the episode unread."""
    _insert(connection, "agencies", id=FORCE, name="force", kind="police")
    _insert(connection, "agencies", id=OTHER, name="other", kind="police")
    for user, agency in ((MISPERS, FORCE), (OFFICER, FORCE), (STRANGER, OTHER)):
        _insert(
            connection,
            "users",
            id=user,
            username=f"u{user}",
            display_name=f"u{user}",
            role="police_mispers",
            agency_id=agency,
            password_hash="x",
            disabled=False,
            failed_logins=0,
            created_at=AT,
            must_change_password=False,
        )
    _insert(connection, "children", id=1, pid="P1", created_at=AT)
    _insert(
        connection,
        "episodes",
        id=1,
        rid="e1",
        child_id=1,
        force_id=FORCE,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=AT,
        reported_at=AT,
        age=14,
        missing_from_type="home",
    )
    for id_, user, episode, read in (
        (1, None, None, READ),
        (2, OFFICER, None, READ),
        (3, None, 1, None),
    ):
        _insert(
            connection,
            "notifications",
            id=id_,
            agency_id=FORCE,
            user_id=user,
            episode_id=episode,
            subject=f"notice {id_}",
            body="",
            created_at=AT,
            read_at=read,
        )


def _select(connection, query: str) -> list[tuple]:
    return [tuple(row) for row in connection.execute(sa.text(query))]


def test_0015_keeps_reads_per_user_and_links_episodes(empty_url):
    upgrade(empty_url, "0014")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        _before(connection)
    upgrade(empty_url, "0015")
    with engine.connect() as connection:
        reads = _select(
            connection, "SELECT notification_id, user_id FROM notification_reads ORDER BY 1, 2"
        )
        links = _select(connection, "SELECT id, link FROM notifications ORDER BY id")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("notifications")}
    # Notice 1 (to the force, read): both of its users; notice 2: its addressee only.
    assert reads == [(1, MISPERS), (1, OFFICER), (2, OFFICER)]
    assert links == [(1, None), (2, None), (3, "/episodes/e1")]
    assert "read_at" not in columns
    command.downgrade(alembic_config(empty_url), "0014")
    read_at = sa.column("read_at", sa.DateTime())
    with engine.connect() as connection:
        back = connection.execute(
            sa.select(sa.column("id"), read_at)
            .select_from(sa.table("notifications"))
            .order_by("id")
        ).all()
        tables = set(sa.inspect(connection).get_table_names())
    assert [tuple(r) for r in back] == [(1, READ), (2, READ), (3, None)]
    assert not tables & {"notification_reads", "notification_emails", "notification_preferences"}
    engine.dispose()
