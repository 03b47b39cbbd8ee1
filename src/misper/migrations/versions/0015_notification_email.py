"""Notifications that lead somewhere, read by each user apart, and by email.

Notifications get `link`, the page of the case a notice is about (filled for the existing ones
about an episode: its page). Reading becomes each user's own (`notification_reads`): a notice
read before is kept read for the user it was addressed to, or, for a notice to a whole agency,
for every user of that agency (who read it was never kept); `notifications.read_at` goes.
`notification_preferences` holds how a user wants to be emailed (never, unless they choose), and
`notification_emails` each notice emailed to a user, so none goes twice. Downgrade gives a notice
the first time anyone read it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _pair(table: str, stamp: str, *extra: sa.Column) -> None:
    op.create_table(
        table,
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(stamp, sa.DateTime(), nullable=False),
        *extra,
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f(f"fk_{table}_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users")),
        sa.PrimaryKeyConstraint("notification_id", "user_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"])


NOTIFICATIONS = sa.table(
    "notifications",
    sa.column("id", sa.Integer()),
    sa.column("agency_id", sa.Integer()),
    sa.column("user_id", sa.Integer()),
    sa.column("episode_id", sa.Integer()),
    sa.column("link", sa.String()),
    sa.column("read_at", sa.DateTime()),
)
READS = sa.table(
    "notification_reads",
    sa.column("notification_id", sa.Integer()),
    sa.column("user_id", sa.Integer()),
    sa.column("read_at", sa.DateTime()),
)
USERS = sa.table("users", sa.column("id", sa.Integer()), sa.column("agency_id", sa.Integer()))
EPISODES = sa.table("episodes", sa.column("id", sa.Integer()), sa.column("rid", sa.String()))


def upgrade() -> None:
    n, u = NOTIFICATIONS, USERS
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("link", sa.String(length=200), nullable=True))
    rid = sa.select(EPISODES.c.rid).where(EPISODES.c.id == n.c.episode_id).scalar_subquery()
    op.execute(
        n.update().where(n.c.episode_id.is_not(None)).values(link=sa.literal("/episodes/") + rid)
    )
    readers = (
        sa.select(n.c.id, u.c.id, n.c.read_at)
        .select_from(n.join(u, u.c.agency_id == n.c.agency_id))
        .where(n.c.read_at.is_not(None), sa.or_(n.c.user_id.is_(None), n.c.user_id == u.c.id))
    )
    # Held while `notifications` is rebuilt without `read_at`: SQLite cannot drop a table that
    # the rows of another refer to.
    reads = [
        {"notification_id": notice, "user_id": user, "read_at": at}
        for notice, user, at in op.get_bind().execute(readers)
    ]
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("read_at")
    _pair("notification_reads", "read_at")
    _pair(
        "notification_emails",
        "sent_at",
        sa.Column("digest", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
    )
    if reads:
        op.bulk_insert(READS, reads)


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(), nullable=True))
    first = (
        sa.select(sa.func.min(READS.c.read_at))
        .where(READS.c.notification_id == NOTIFICATIONS.c.id)
        .scalar_subquery()
    )
    op.execute(NOTIFICATIONS.update().values(read_at=first))
    op.drop_table("notification_preferences")
    for table in ("notification_emails", "notification_reads"):
        op.drop_index(op.f(f"ix_{table}_user_id"), table_name=table)
        op.drop_table(table)
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("link")
