"""Sessions: when each token was last used, so that a web session left unused ends (the idle
time-out, `auth.service.idle_time_out`).

Existing tokens count as last used when they were made: a web session older than the time-out
ends at the upgrade, and its user signs in again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_tokens") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE auth_tokens SET last_seen_at = created_at")
    with op.batch_alter_table("auth_tokens") as batch:
        batch.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_tokens") as batch:
        batch.drop_column("last_seen_at")
