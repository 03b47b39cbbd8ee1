"""Sign-in: one-time reset codes, a password change forced after an administrator's reset, and the
authenticator (TOTP) second factor.

Existing users keep their passwords and sign in as before (no change forced, no second factor).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(sa.Column("reset_code_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("reset_code_expires", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        for column in (
            "totp_last_step",
            "totp_secret",
            "reset_code_expires",
            "reset_code_hash",
            "must_change_password",
        ):
            batch.drop_column(column)
