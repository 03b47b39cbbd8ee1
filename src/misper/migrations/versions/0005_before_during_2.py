"""Before and during, second part: rival groups, agreed wait in the Philomena profile.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("groups", "force_id", "agencies"),
        _fk("groups", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("force_id", "name", name=op.f("uq_groups_force_id")),
    )
    op.create_index(op.f("ix_groups_force_id"), "groups", ["force_id"])
    op.create_table(
        "group_rivalries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("rival_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("group_id < rival_id", name=op.f("ck_group_rivalries_ordered")),
        _fk("group_rivalries", "group_id", "groups"),
        _fk("group_rivalries", "rival_id", "groups"),
        _fk("group_rivalries", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_rivalries")),
        sa.UniqueConstraint("group_id", "rival_id", name=op.f("uq_group_rivalries_group_id")),
    )
    op.create_index(op.f("ix_group_rivalries_group_id"), "group_rivalries", ["group_id"])
    op.create_index(op.f("ix_group_rivalries_rival_id"), "group_rivalries", ["rival_id"])
    op.create_table(
        "group_affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_by_agency_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("group_affiliations", "child_id", "children"),
        _fk("group_affiliations", "group_id", "groups"),
        _fk("group_affiliations", "created_by", "users"),
        _fk("group_affiliations", "created_by_agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_affiliations")),
        sa.UniqueConstraint("child_id", "group_id", name=op.f("uq_group_affiliations_child_id")),
    )
    op.create_index(op.f("ix_group_affiliations_child_id"), "group_affiliations", ["child_id"])
    op.create_index(op.f("ix_group_affiliations_group_id"), "group_affiliations", ["group_id"])
    with op.batch_alter_table("philomena_profiles") as batch:
        batch.add_column(sa.Column("agreed_wait_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("philomena_profiles") as batch:
        batch.drop_column("agreed_wait_minutes")
    op.drop_table("group_affiliations")
    op.drop_table("group_rivalries")
    op.drop_table("groups")
