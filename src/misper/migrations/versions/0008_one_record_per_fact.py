"""One record per fact: a task holds its progress, a return home interview holds its clock.

Tasks: `task_progress` (status, who has it, when it was closed and by whom, whether it helped)
folds into `tasks`, and the stored `done` goes: it is read from the status. Where the two
disagreed the later word is kept. Completing set both, so a done progress beside `done` false was
unticked afterwards: the task is open again, without its completion. An open progress beside `done`
true was ticked without being completed: done, when and whether it helped unknown. A task with no
progress row (keyed by hand, never listed since) is done or open as it was ticked. A task marked
not needed and ticked as well stays not needed: its reason is the fuller record.

Return home interviews: the one-to-one `rhi_arrangements` (the council owing the interview, its
72-hour clock, who does it, the host council's agreement, when its lateness was told) folds into
`return_home_interviews`; an interview whose episode was not found yet has no clock (found_at
empty).

Downgrade gives both side tables back: a progress row for every task (the older code made one for
each task it listed) and an arrangement for every interview on its clock.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 5_000


def _progress_columns():
    return [
        sa.Column("risk_level", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),  # NOT NULL once filled
        sa.Column("assigned_to", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("contributed", sa.Boolean(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
    ]


def _clock_columns():
    return [
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("placing_council_id", sa.Integer(), nullable=True),
        sa.Column("out_of_area", sa.Boolean(), nullable=True),  # NOT NULL once filled
        sa.Column("found_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("interviewer_kind", sa.String(length=32), nullable=True),
        sa.Column("host_agreement", sa.Text(), nullable=True),
        sa.Column("host_agreed_at", sa.DateTime(), nullable=True),
        sa.Column("host_agreed_by", sa.Integer(), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(), nullable=True),
    ]


PROGRESS = tuple(c.name for c in _progress_columns())
CLOCK = tuple(c.name for c in _clock_columns())
# (folded column, table it refers to) on tasks and on return_home_interviews
TASK_FKS = (("assigned_to", "users"), ("closed_by", "users"))
RHI_FKS = (
    ("council_id", "agencies"),
    ("placing_council_id", "agencies"),
    ("host_agreed_by", "users"),
)
RHI_INDEXED = ("council_id", "due_at")


def _table(name, *columns):
    """A table as this revision knows it, to move rows (never the app's models: they move on)."""
    return sa.table(name, *(sa.column(c.name, c.type) for c in columns))


def _tasks(*extra):
    return _table("tasks", sa.Column("id", sa.Integer()), *_progress_columns(), *extra)


def _task_progress():
    return _table("task_progress", sa.Column("task_id", sa.Integer()), *_progress_columns())


def _rhis():
    return _table("return_home_interviews", sa.Column("id", sa.Integer()), *_clock_columns())


def _arrangements():
    return _table("rhi_arrangements", sa.Column("rhi_id", sa.Integer()), *_clock_columns())


def _fk_name(table, column, target):
    return op.f(f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    _fold_task_progress()
    _fold_rhi_arrangements()


def downgrade() -> None:
    _unfold_rhi_arrangements()
    _unfold_task_progress()


# --- tasks --------------------------------------------------------------------------------------
# The columns are added plainly and their constraints in a batch after the side table is gone:
# SQLite's batch rebuilds the table, and cannot drop it while another table's rows refer to it.


def _fold_task_progress() -> None:
    for column in _progress_columns():
        op.add_column("tasks", column)
    tasks, progress = _tasks(sa.Column("done", sa.Boolean())), _task_progress()
    op.execute(
        tasks.update().values(
            {
                name: sa.select(progress.c[name])
                .where(progress.c.task_id == tasks.c.id)
                .scalar_subquery()
                for name in PROGRESS
            }
        )
    )
    no_progress = tasks.c.status.is_(None)
    op.execute(
        tasks.update()
        .where(no_progress)
        .values(status=sa.case((tasks.c.done.is_(True), "done"), else_="open"))
    )
    unticked = sa.and_(tasks.c.status == "done", tasks.c.done.is_(False))
    op.execute(
        tasks.update()
        .where(unticked)
        .values(status="open", contributed=None, closed_at=None, closed_by=None)
    )
    ticked = sa.and_(tasks.c.status == "open", tasks.c.done.is_(True))
    op.execute(tasks.update().where(ticked).values(status="done"))
    op.drop_table("task_progress")
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("status", existing_type=sa.String(length=16), nullable=False)
        batch.drop_column("done")
        for column, target in TASK_FKS:
            batch.create_foreign_key(_fk_name("tasks", column, target), target, [column], ["id"])


def _unfold_task_progress() -> None:
    op.add_column("tasks", sa.Column("done", sa.Boolean(), nullable=True))
    tasks = _tasks(sa.Column("done", sa.Boolean()))
    op.execute(tasks.update().values(done=tasks.c.status == "done"))
    rows = [
        {"task_id": row.id, **{name: row._mapping[name] for name in PROGRESS}}
        for row in op.get_bind().execute(sa.select(tasks.c.id, *tasks.c[PROGRESS]))
    ]
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("done", existing_type=sa.Boolean(), nullable=False)
        for column, target in TASK_FKS:
            batch.drop_constraint(_fk_name("tasks", column, target), type_="foreignkey")
        for name in PROGRESS:
            batch.drop_column(name)
    op.create_table(
        "task_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("risk_level", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_to", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("contributed", sa.Boolean(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        *(
            sa.ForeignKeyConstraint(
                [column], [f"{target}.id"], name=_fk_name("task_progress", column, target)
            )
            for column, target in (("task_id", "tasks"), *TASK_FKS)
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_progress")),
        sa.UniqueConstraint("task_id", name=op.f("uq_task_progress_task_id")),
    )
    _insert(_task_progress(), rows)


# --- return home interviews ---------------------------------------------------------------------


def _fold_rhi_arrangements() -> None:
    for column in _clock_columns():
        op.add_column("return_home_interviews", column)
    rhis, arrangements = _rhis(), _arrangements()
    op.execute(
        rhis.update()
        .where(rhis.c.id.in_(sa.select(arrangements.c.rhi_id)))
        .values(
            {
                name: sa.select(arrangements.c[name])
                .where(arrangements.c.rhi_id == rhis.c.id)
                .scalar_subquery()
                for name in CLOCK
            }
        )
    )
    op.execute(rhis.update().where(rhis.c.out_of_area.is_(None)).values(out_of_area=False))
    op.drop_table("rhi_arrangements")
    with op.batch_alter_table("return_home_interviews") as batch:
        batch.alter_column("out_of_area", existing_type=sa.Boolean(), nullable=False)
        for column, target in RHI_FKS:
            batch.create_foreign_key(
                _fk_name("return_home_interviews", column, target), target, [column], ["id"]
            )
    for column in RHI_INDEXED:
        op.create_index(
            op.f(f"ix_return_home_interviews_{column}"), "return_home_interviews", [column]
        )


def _unfold_rhi_arrangements() -> None:
    rhis = _rhis()
    rows = [
        {"rhi_id": row.id, **{name: row._mapping[name] for name in CLOCK}}
        for row in op.get_bind().execute(
            sa.select(rhis.c.id, *rhis.c[CLOCK]).where(rhis.c.found_at.is_not(None))
        )
    ]
    for column in RHI_INDEXED:
        op.drop_index(
            op.f(f"ix_return_home_interviews_{column}"), table_name="return_home_interviews"
        )
    with op.batch_alter_table("return_home_interviews") as batch:
        for column, target in RHI_FKS:
            batch.drop_constraint(
                _fk_name("return_home_interviews", column, target), type_="foreignkey"
            )
        for name in CLOCK:
            batch.drop_column(name)
    # As 0002 made it.
    op.create_table(
        "rhi_arrangements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rhi_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("placing_council_id", sa.Integer(), nullable=True),
        sa.Column("out_of_area", sa.Boolean(), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("interviewer_kind", sa.String(length=32), nullable=True),
        sa.Column("host_agreement", sa.Text(), nullable=True),
        sa.Column("host_agreed_at", sa.DateTime(), nullable=True),
        sa.Column("host_agreed_by", sa.Integer(), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(), nullable=True),
        *(
            sa.ForeignKeyConstraint(
                [column], [f"{target}.id"], name=_fk_name("rhi_arrangements", column, target)
            )
            for column, target in (("rhi_id", "return_home_interviews"), *RHI_FKS)
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rhi_arrangements")),
        sa.UniqueConstraint("rhi_id", name=op.f("uq_rhi_arrangements_rhi_id")),
    )
    op.create_index(op.f("ix_rhi_arrangements_council_id"), "rhi_arrangements", ["council_id"])
    op.create_index(op.f("ix_rhi_arrangements_due_at"), "rhi_arrangements", ["due_at"])
    _insert(_arrangements(), rows)


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        op.get_bind().execute(table.insert(), rows[start : start + BATCH])
