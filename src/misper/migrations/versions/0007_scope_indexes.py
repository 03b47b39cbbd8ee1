"""An index on episodes (child, force) for the police scope's per-child lookup.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:20:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_episodes_child_id_force_id", "episodes", ["child_id", "force_id"])


def downgrade() -> None:
    op.drop_index("ix_episodes_child_id_force_id", table_name="episodes")
