"""Keyed audit events (a nonce and a MAC per event) and the field history of case records.

Events already chained keep their unkeyed hashes; `verify` accepts them only as the opening run of
the chain, before its first keyed event. `field_history` is append-only like `audit_events`, and
on PostgreSQL neither table can be truncated.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CONTENT = (
    "id",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "entity",
    "entity_id",
    "child_id",
    "reason",
    "detail",
)
KEYED = ("nonce", "mac")


def chaining_once(content: tuple[str, ...]) -> str:
    """The one UPDATE allowed: setting seq, prev_hash and hash, all three, once, on an unchained
    row, with everything else (its MAC too) unchanged."""
    return (
        "OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL AND NEW.seq IS NOT NULL "
        "AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL AND "
        + " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in content)
    )


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("nonce", sa.String(length=32), nullable=True))
    op.add_column("audit_events", sa.Column("mac", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_events_nonce", "audit_events", ["nonce"], unique=True)
    _guard_events(chaining_once(CONTENT + KEYED))
    op.create_table(
        "field_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_history")),
    )
    op.create_index(
        "ix_field_history_record", "field_history", ["table_name", "row_id", "id"], unique=False
    )
    _guard_history(True)
    _guard_truncate(True)


def downgrade() -> None:
    keyed = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_events WHERE mac IS NOT NULL"))
    if keyed:
        raise RuntimeError(
            f"{keyed} audit events carry a MAC and a keyed link, which the older store cannot "
            "verify: downgrading would leave its log unverifiable"
        )
    _guard_truncate(False)
    _guard_history(False)
    op.drop_index("ix_field_history_record", table_name="field_history")
    op.drop_table("field_history")
    _guard_events(None)  # SQLite cannot drop a column its triggers name: off while they go
    op.drop_index("ix_audit_events_nonce", table_name="audit_events")
    for column in KEYED:  # in place (SQLite 3.35+): a rebuilt table would lose its indexes
        op.execute(f"ALTER TABLE audit_events DROP COLUMN {column}")
    _guard_events(chaining_once(CONTENT))


def _guard_events(update_allowed_when: str | None) -> None:
    """Append-only audit_events: UPDATE only when `update_allowed_when`, never DELETE. With None,
    on SQLite the triggers are dropped (PostgreSQL's function is replaced right after)."""
    if op.get_bind().dialect.name == "postgresql":
        if update_allowed_when is not None:
            op.execute(
                "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
                f"BEGIN IF TG_OP = 'UPDATE' AND {update_allowed_when} THEN RETURN NEW; END IF; "
                "RAISE EXCEPTION 'audit_events is append-only'; END $$ LANGUAGE plpgsql"
            )
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event}")
    if update_allowed_when is None:
        return
    when = update_allowed_when.replace("IS NOT DISTINCT FROM", "IS")
    op.execute(
        f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events WHEN NOT ({when}) "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )


def _guard_history(on: bool) -> None:
    """field_history refuses every UPDATE and DELETE, as audit_events does."""
    if op.get_bind().dialect.name == "postgresql":
        if on:
            op.execute(
                "CREATE FUNCTION field_history_append_only() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'field_history is append-only'; END $$ LANGUAGE plpgsql"
            )
            op.execute(
                "CREATE TRIGGER field_history_append_only BEFORE UPDATE OR DELETE ON "
                "field_history FOR EACH ROW EXECUTE FUNCTION field_history_append_only()"
            )
        else:
            op.execute("DROP TRIGGER field_history_append_only ON field_history")
            op.execute("DROP FUNCTION field_history_append_only()")
        return
    for event in ("update", "delete"):
        if on:
            op.execute(
                f"CREATE TRIGGER field_history_no_{event} BEFORE {event.upper()} ON field_history "
                "BEGIN SELECT RAISE(ABORT, 'field_history is append-only'); END"
            )
        else:
            op.execute(f"DROP TRIGGER field_history_no_{event}")


def _guard_truncate(on: bool) -> None:
    """PostgreSQL's TRUNCATE fires no row trigger: refuse it on both tables (SQLite has none)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    tables = ("audit_events", "field_history")
    if on:
        op.execute(
            "CREATE FUNCTION audit_no_truncate() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
        )
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate()"
            )
    else:
        for table in tables:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION audit_no_truncate()")
