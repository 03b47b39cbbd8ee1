"""Second-factor secrets sealed at rest: `users.totp_secret` widened to hold a sealed secret
(`v1:` and AES-GCM's nonce and ciphertext in base64, 83 characters; auth/sealing.py).

The key is outside the database, so the migration cannot seal: secrets kept in clear stay as they
are, still work, and are sealed at their user's next sign-in with a code. The downgrade cannot
open sealed secrets either: their users lose the second factor and enrol again (those whose role
must use one are sent to enrol at their next sign-in); secrets still in clear are kept.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=128)
        )


def downgrade() -> None:
    op.execute(
        "UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE totp_secret LIKE 'v1:%'"
    )
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=128), type_=sa.String(length=64)
        )
