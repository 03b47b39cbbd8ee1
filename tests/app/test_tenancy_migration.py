"""Migration 0011 (tenancy) on SQLite and PostgreSQL: rows written as the store held them at 0010,
the migration run, what arrived checked by hand, then downgraded and checked again.

Two forces named the associate "adult-1"; only force 2 named "adult-2"; nobody names "adult-3".
Child 1 has a responsible council, child 2 only episodes (force 2's first), child 3 only a check
started by force 1 (a parent's report).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from misper.app.db import make_engine, upgrade

F1, F2, COUNCIL = 1, 2, 3
AT = datetime(2024, 3, 1, 9)


def _row(connection, table: str, **values) -> None:
    columns = [sa.column(k) for k in values]
    connection.execute(sa.table(table, *columns).insert().values(**values))


def _rows(connection, sql: str) -> list[tuple]:
    return [tuple(r) for r in connection.execute(sa.text(sql))]


def _at_0010(connection) -> None:
    for id_, name, kind in (
        (F1, "force 1", "police"),
        (F2, "force 2", "police"),
        (COUNCIL, "council", "council"),
    ):
        _row(connection, "agencies", id=id_, name=name, kind=kind)
    _row(
        connection,
        "users",
        id=1,
        username="u",
        display_name="u",
        role="police_mispers",
        agency_id=F1,
        password_hash="x",
        disabled=False,
        failed_logins=0,
        created_at=AT,
        must_change_password=False,
    )
    for child, council in ((1, COUNCIL), (2, None), (3, None)):
        _row(
            connection,
            "children",
            id=child,
            pid=f"P{child}",
            responsible_council_id=council,
            created_at=AT,
        )
    for id_, child, force, day in ((1, 1, F1, 1), (2, 2, F2, 2), (3, 2, F1, 3)):
        _row(
            connection,
            "episodes",
            id=id_,
            rid=f"e{id_}",
            child_id=child,
            force_id=force,
            links_recorded=True,
            associates_recorded=True,
            version=1,
            updated_at=AT,
            reported_at=datetime(2024, 3, day, 9),
            age=14,
            missing_from_type="home",
        )
    _row(
        connection,
        "carer_checks",
        id=1,
        child_id=3,
        agency_id=F1,
        started_by=1,
        started_at=AT,
        expected_back=AT,
        concerns="[]",
    )
    for id_, name, kind, description in (
        (1, "adult-1", "person", "force 1's intelligence"),
        (2, "adult-2", "address", None),
        (3, "adult-3", "unknown", None),
    ):
        _row(
            connection, "associates", id=id_, associate_id=name, kind=kind, description=description
        )
    # (link, episode, associate): force 1 named adult-1 first (episode 1), then force 2 (episode 2)
    for id_, episode, associate in ((1, 1, 1), (2, 2, 1), (3, 2, 2), (4, 3, 1)):
        _row(
            connection,
            "episode_associates",
            id=id_,
            episode_id=episode,
            associate_id=associate,
            position=0,
        )


def test_migration_0011_holds_children_and_splits_associates_per_force(empty_url):
    upgrade(empty_url, "0010")
    engine = make_engine(empty_url)
    with engine.begin() as c:
        _at_0010(c)
    upgrade(empty_url, "0011")
    with engine.connect() as c:
        assert _rows(c, "SELECT id, agency_id FROM children ORDER BY id") == [
            (1, COUNCIL),  # its responsible council
            (2, F2),  # the force of its first episode
            (3, F1),  # the agency of its first check
        ]
        associates = _rows(
            c, "SELECT id, force_id, associate_id, kind, description FROM associates ORDER BY id"
        )
        assert associates[:2] == [
            (1, F1, "adult-1", "person", "force 1's intelligence"),
            (2, F2, "adult-2", "address", None),
        ]
        [(copy, force, name, kind, description)] = associates[2:]  # adult-3, named by none, gone
        assert (force, name, kind, description) == (F2, "adult-1", "person", None)
        assert _rows(
            c, "SELECT id, episode_id, associate_id FROM episode_associates ORDER BY id"
        ) == [(1, 1, 1), (2, 2, copy), (3, 2, 2), (4, 3, 1)]
        assert _rows(c, "SELECT count(*) FROM record_requests") == [(0,)]
    with engine.begin() as c:  # the same id is now one record per force, and no more
        _row(c, "associates", force_id=F1, associate_id="adult-2", kind="unknown")
    try:
        with engine.begin() as c:
            _row(c, "associates", force_id=F1, associate_id="adult-1", kind="unknown")
        raise AssertionError("a second record of one id in one force was accepted")
    except sa.exc.IntegrityError:
        pass

    from alembic import command

    from misper.app.db import alembic_config

    command.downgrade(alembic_config(empty_url), "0010")
    with engine.connect() as c:
        assert _rows(
            c, "SELECT id, associate_id, kind, description FROM associates ORDER BY id"
        ) == [
            (1, "adult-1", "person", "force 1's intelligence"),
            (2, "adult-2", "address", None),
        ]
        assert _rows(
            c, "SELECT id, episode_id, associate_id FROM episode_associates ORDER BY id"
        ) == [(1, 1, 1), (2, 2, 1), (3, 2, 2), (4, 3, 1)]
        assert "agency_id" not in {col["name"] for col in sa.inspect(c).get_columns("children")}
        assert "record_requests" not in sa.inspect(c).get_table_names()
    engine.dispose()
