"""After the episode: return home interview arrangements and clock, interview findings, meetings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
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
        _fk("rhi_arrangements", "rhi_id", "return_home_interviews"),
        _fk("rhi_arrangements", "council_id", "agencies"),
        _fk("rhi_arrangements", "placing_council_id", "agencies"),
        _fk("rhi_arrangements", "host_agreed_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rhi_arrangements")),
        sa.UniqueConstraint("rhi_id", name=op.f("uq_rhi_arrangements_rhi_id")),
    )
    op.create_index(op.f("ix_rhi_arrangements_council_id"), "rhi_arrangements", ["council_id"])
    op.create_index(op.f("ix_rhi_arrangements_due_at"), "rhi_arrangements", ["due_at"])
    op.create_table(
        "interview_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview", sa.String(length=16), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("who_with", sa.JSON(), nullable=False),
        sa.Column("where", sa.JSON(), nullable=False),
        sa.Column("exploitation_indicators", sa.JSON(), nullable=False),
        sa.Column("free_text", sa.Text(), nullable=True),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        _fk("interview_findings", "episode_id", "episodes"),
        _fk("interview_findings", "recorded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_findings")),
        sa.UniqueConstraint(
            "interview", "interview_id", name=op.f("uq_interview_findings_interview")
        ),
    )
    op.create_index(
        op.f("ix_interview_findings_interview_id"), "interview_findings", ["interview_id"]
    )
    op.create_index(op.f("ix_interview_findings_episode_id"), "interview_findings", ["episode_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        _fk("meetings", "referral_id", "referrals"),
        _fk("meetings", "recorded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index(op.f("ix_meetings_referral_id"), "meetings", ["referral_id"])
    op.create_table(
        "meeting_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        _fk("meeting_actions", "meeting_id", "meetings"),
        _fk("meeting_actions", "owner_agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_actions")),
    )
    op.create_index(op.f("ix_meeting_actions_meeting_id"), "meeting_actions", ["meeting_id"])


def downgrade() -> None:
    op.drop_table("meeting_actions")
    op.drop_table("meetings")
    op.drop_table("interview_findings")
    op.drop_table("rhi_arrangements")
