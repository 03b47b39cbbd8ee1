"""The parents' advice pack: each giving of it recorded on the episode.

`advice_packs`: one row each time the pack is printed or emailed for an episode from a family home
(method, a masked address for an email, who, their agency and when). A new table: no existing data
to move. Downgrade drops it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advice_packs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episodes.id"), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("masked_address", sa.String(120), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
    )
    op.create_index("ix_advice_packs_episode_id", "advice_packs", ["episode_id"])


def downgrade() -> None:
    op.drop_index("ix_advice_packs_episode_id", table_name="advice_packs")
    op.drop_table("advice_packs")
