"""The audit chain is built after commit (events are inserted unchained, then numbered and hashed
once).

Also an index on open episodes per force: the store's load benchmark found every listing of open
episodes reading all of a force's closed ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHAIN_COLUMNS = (
    ("seq", sa.Integer()),
    ("prev_hash", sa.String(length=64)),
    ("hash", sa.String(length=64)),
)
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
# The one UPDATE allowed: setting seq, prev_hash and hash, all three, once, on an unchained row,
# with everything else unchanged.
CHAINING_ONCE = (
    "OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL AND NEW.seq IS NOT NULL "
    "AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL AND "
    + " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in CONTENT)
)
REFUSE = "RAISE EXCEPTION 'audit_events is append-only'"


def upgrade() -> None:
    _set_chain_nullable(True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
            f"BEGIN IF TG_OP = 'UPDATE' AND {CHAINING_ONCE} THEN RETURN NEW; END IF; "
            f"{REFUSE}; END $$ LANGUAGE plpgsql"
        )
    else:
        _sqlite_triggers(CHAINING_ONCE.replace("IS NOT DISTINCT FROM", "IS"))
    op.create_index(
        "ix_audit_events_unchained",
        "audit_events",
        ["id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )
    op.create_index(
        "ix_episodes_open",
        "episodes",
        ["force_id", "reported_at"],
        postgresql_where=sa.text("found_at IS NULL"),
        sqlite_where=sa.text("found_at IS NULL"),
    )


def downgrade() -> None:
    unchained = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_events WHERE seq IS NULL"))
    if unchained:
        raise RuntimeError(
            f"{unchained} audit events are not on the chain yet: run "
            "`misper audit verify` (it chains them) before downgrading"
        )
    op.drop_index("ix_episodes_open", table_name="episodes")
    op.drop_index("ix_audit_events_unchained", table_name="audit_events")
    _set_chain_nullable(False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
            f"BEGIN {REFUSE}; END $$ LANGUAGE plpgsql"
        )
    else:
        _sqlite_triggers(None)


def _set_chain_nullable(nullable: bool) -> None:
    """On SQLite this drops the triggers: the caller creates them again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # batch mode rebuilds the table, and its triggers go with the old one
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event}")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        for name, type_ in CHAIN_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=nullable)


def _sqlite_triggers(update_allowed_when: str | None) -> None:
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event}")
    when = f" WHEN NOT ({update_allowed_when})" if update_allowed_when else ""
    op.execute(
        f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events{when} "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
