"""Before and during the episode: the carer's flowchart, risk factors, review reminders (delays and
Philomena profiles), task progress.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "carer_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("expected_back", sa.DateTime(), nullable=False),
        sa.Column("concerns", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("profile_version", sa.Integer(), nullable=True),
        _fk("carer_checks", "child_id", "children"),
        _fk("carer_checks", "agency_id", "agencies"),
        _fk("carer_checks", "started_by", "users"),
        _fk("carer_checks", "episode_id", "episodes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carer_checks")),
    )
    op.create_index(op.f("ix_carer_checks_child_id"), "carer_checks", ["child_id"])
    op.create_index(op.f("ix_carer_checks_agency_id"), "carer_checks", ["agency_id"])
    op.create_index(op.f("ix_carer_checks_episode_id"), "carer_checks", ["episode_id"])
    op.create_table(
        "carer_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("result", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        _fk("carer_steps", "check_id", "carer_checks"),
        _fk("carer_steps", "recorded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carer_steps")),
    )
    op.create_index(op.f("ix_carer_steps_check_id"), "carer_steps", ["check_id"])
    op.create_table(
        "risk_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        _fk("risk_factors", "assessment_id", "risk_assessments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_factors")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_risk_factors_assessment_id")),
    )
    op.create_table(
        "review_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=False),
        _fk("review_reminders", "decision_id", "control_room_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reminders")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_review_reminders_decision_id")),
    )
    op.create_table(
        "profile_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=False),
        _fk("profile_reminders", "child_id", "children"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_reminders")),
        sa.UniqueConstraint("child_id", "due_at", name=op.f("uq_profile_reminders_child_id")),
    )
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
        _fk("task_progress", "task_id", "tasks"),
        _fk("task_progress", "assigned_to", "users"),
        _fk("task_progress", "closed_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_progress")),
        sa.UniqueConstraint("task_id", name=op.f("uq_task_progress_task_id")),
    )


def downgrade() -> None:
    op.drop_table("task_progress")
    op.drop_table("profile_reminders")
    op.drop_table("review_reminders")
    op.drop_table("risk_factors")
    op.drop_table("carer_steps")
    op.drop_table("carer_checks")
