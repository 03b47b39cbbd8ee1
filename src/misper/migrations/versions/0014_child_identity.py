"""The child's identity: a photo for the Philomena profile (the date of birth stays the one column
of `children`, which the profile page now edits).

`child_photos`: one small re-encoded thumbnail per child. Nothing to move: no photo was held before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=False), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name="fk_child_photos_child_id_children"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name="fk_child_photos_uploaded_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_child_photos"),
        sa.UniqueConstraint("child_id", name="uq_child_photos_child_id"),
    )


def downgrade() -> None:
    op.drop_table("child_photos")
