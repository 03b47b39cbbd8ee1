"""One report per episode: a duplicate episode merged into the one kept.

Episodes: `merged_into_id`, the episode a duplicate report of the same child was merged into (its
sightings, tasks, risk assessments and updates moved there). The duplicate is kept, never deleted,
so the audit trail and any link to it still lead somewhere; lists, the board and exports leave it
out. Every existing episode starts unmerged. Downgrade drops the column: the records moved stay
with the episode kept.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place, without a foreign key: SQLite adds a constraint only by rebuilding the table,
    # and cannot drop `episodes` while the rows of every table naming an episode refer to it.
    op.add_column("episodes", sa.Column("merged_into_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("episodes", "merged_into_id")
