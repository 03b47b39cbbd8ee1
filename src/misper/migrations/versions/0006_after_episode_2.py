"""After the episode, second part: charity access, interview clocks.

Charities partner forces (a table); every return home interview of a found episode that has no
72-hour clock (made by the older assign endpoint or an import) gets one from the found time, owed
as closing would owe it. A clock already past its target is marked as notified: the overdue list
shows it, without a burst of notifications for history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:00:00
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The packaged target when this revision was written (config/process.yaml), frozen here: a
# migration gives the same store whenever and wherever it runs, so it never reads the live
# configuration (a force's own file, or a later default). The app applies the current target to
# every clock it reads (`return_home.state`); only the stored due time of a clock backfilled here
# keeps this one.
TARGET_HOURS = 72


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "charity_partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("charity_id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        _fk("charity_partnerships", "charity_id", "agencies"),
        _fk("charity_partnerships", "force_id", "agencies"),
        _fk("charity_partnerships", "recorded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charity_partnerships")),
        sa.UniqueConstraint(
            "charity_id", "force_id", name=op.f("uq_charity_partnerships_charity_id")
        ),
    )
    op.create_index(
        op.f("ix_charity_partnerships_charity_id"), "charity_partnerships", ["charity_id"]
    )
    backfill_clocks(op.get_bind())


def _tables():
    m = sa.MetaData()
    i, d = sa.Integer, sa.DateTime

    def t(name, *cols):
        return sa.Table(name, m, sa.Column("id", i, primary_key=True), *cols)

    return (
        t("return_home_interviews", sa.Column("episode_id", i)),
        t("episodes", sa.Column("child_id", i), sa.Column("found_at", d)),
        t("children", sa.Column("responsible_council_id", i)),
        t(
            "placements",
            sa.Column("child_id", i),
            sa.Column("home_id", i),
            sa.Column("placing_council_id", i),
            sa.Column("start_date", sa.Date),
            sa.Column("end_date", sa.Date),
        ),
        t("homes", sa.Column("host_council_id", i)),
        t(
            "rhi_arrangements",
            sa.Column("rhi_id", i),
            sa.Column("council_id", i),
            sa.Column("placing_council_id", i),
            sa.Column("out_of_area", sa.Boolean),
            sa.Column("found_at", d),
            sa.Column("due_at", d),
            sa.Column("overdue_notified_at", d),
        ),
    )


def backfill_clocks(bind, now: datetime | None = None) -> int:
    """Clocks for the interviews of found episodes that have none (the rule of
    `return_home.follow_found_time`, written here in SQL so that it stays as it was at 0006)."""
    target = timedelta(hours=TARGET_HOURS)
    now = now or datetime.now()
    rhi, ep, child, placement, home, arr = _tables()
    rows = bind.execute(
        sa.select(rhi.c.id, ep.c.child_id, ep.c.found_at, child.c.responsible_council_id)
        .join(ep, ep.c.id == rhi.c.episode_id)
        .join(child, child.c.id == ep.c.child_id)
        .outerjoin(arr, arr.c.rhi_id == rhi.c.id)
        .where(ep.c.found_at.is_not(None), arr.c.id.is_(None))
    ).all()
    if not rows:
        return 0
    placed = {}
    for child_id, placing, host in bind.execute(
        sa.select(placement.c.child_id, placement.c.placing_council_id, home.c.host_council_id)
        .join(home, home.c.id == placement.c.home_id)
        .where(placement.c.end_date.is_(None))
        .order_by(placement.c.start_date.desc(), placement.c.id.desc())
    ):
        placed.setdefault(child_id, (placing, host))
    values = []
    for rhi_id, child_id, found_at, responsible in rows:
        placing, host = placed.get(child_id, (responsible, None))
        away = child_id in placed and placing != host
        due = found_at + target
        values.append(
            {
                "rhi_id": rhi_id,
                "council_id": placing if placing is not None else host,
                "placing_council_id": placing,
                "out_of_area": away,
                "found_at": found_at,
                "due_at": due,
                "overdue_notified_at": now if due < now else None,
            }
        )
    for start in range(0, len(values), 5_000):
        bind.execute(sa.insert(arr), values[start : start + 5_000])
    return len(values)


def downgrade() -> None:
    # The clocks stay: 0002's table held them already, and they are right under either schema.
    op.drop_index(op.f("ix_charity_partnerships_charity_id"), table_name="charity_partnerships")
    op.drop_table("charity_partnerships")
