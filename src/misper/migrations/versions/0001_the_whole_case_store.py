"""The whole case store: agencies, users, children, placements, profiles, episodes, interviews,
audit.

Revision ID: 0001
Revises:
Create Date: 2026-12-02 01:46:29.647172
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    op.create_table(
        "associates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associates")),
        sa.UniqueConstraint("associate_id", name=op.f("uq_associates_associate_id")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_child_id"), ["child_id"], unique=False)

    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("ethnic_appearance", sa.String(length=100), nullable=True),
        sa.Column("in_care", sa.String(length=16), nullable=True),
        sa.Column("responsible_council_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["responsible_council_id"],
            ["agencies.id"],
            name=op.f("fk_children_responsible_council_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
        sa.UniqueConstraint("pid", name=op.f("uq_children_pid")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_children_responsible_council_id"),
            ["responsible_council_id"],
            unique=False,
        )

    op.create_table(
        "homes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("host_council_id", sa.Integer(), nullable=False),
        sa.Column("police_force_id", sa.Integer(), nullable=False),
        sa.Column("postcode_sector", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_council_id"], ["agencies.id"], name=op.f("fk_homes_host_council_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["police_force_id"], ["agencies.id"], name=op.f("fk_homes_police_force_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["agencies.id"], name=op.f("fk_homes_provider_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_homes")),
        sa.UniqueConstraint("place_id", name=op.f("uq_homes_place_id")),
    )
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_homes_host_council_id"), ["host_council_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_homes_police_force_id"), ["police_force_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_homes_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_users_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_tokens_token_hash")),
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rid", sa.String(length=64), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("reported_by_agency_id", sa.Integer(), nullable=True),
        sa.Column("home_id", sa.Integer(), nullable=True),
        sa.Column("links_recorded", sa.Boolean(), nullable=False),
        sa.Column("associates_recorded", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("gender", sa.String(length=32), nullable=True),
        sa.Column("ethnic_appearance", sa.String(length=120), nullable=True),
        sa.Column("in_care", sa.String(length=32), nullable=True),
        sa.Column("responsible_authority", sa.String(length=120), nullable=True),
        sa.Column("out_of_area_placement", sa.Boolean(), nullable=True),
        sa.Column("social_worker_allocated", sa.Boolean(), nullable=True),
        sa.Column("missing_from_type", sa.String(length=32), nullable=False),
        sa.Column("missing_from_place_id", sa.String(length=120), nullable=True),
        sa.Column("missing_from_postcode_sector", sa.String(length=120), nullable=True),
        sa.Column("missing_from_lat", sa.Float(), nullable=True),
        sa.Column("missing_from_lon", sa.Float(), nullable=True),
        sa.Column("risk_initial", sa.String(length=32), nullable=True),
        sa.Column("risk_final", sa.String(length=32), nullable=True),
        sa.Column("found_by", sa.String(length=32), nullable=True),
        sa.Column("found_how", sa.String(length=32), nullable=True),
        sa.Column("found_location_type", sa.String(length=32), nullable=True),
        sa.Column("found_postcode_sector", sa.String(length=120), nullable=True),
        sa.Column("found_lat", sa.Float(), nullable=True),
        sa.Column("found_lon", sa.Float(), nullable=True),
        sa.Column("distance_miles", sa.Float(), nullable=True),
        sa.Column("out_of_uk", sa.Boolean(), nullable=True),
        sa.Column("harm", sa.String(length=32), nullable=True),
        sa.Column("victim_of_crime", sa.Boolean(), nullable=True),
        sa.Column("arrested_while_missing", sa.Boolean(), nullable=True),
        sa.Column("risk_flags", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("reason_vulnerability", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("reason_codes", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("markers", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("circumstances_text", sa.Text(), nullable=True),
        sa.Column("found_text", sa.Text(), nullable=True),
        sa.Column("narratives_count", sa.Integer(), nullable=True),
        sa.Column("tasks_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_episodes_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["force_id"], ["agencies.id"], name=op.f("fk_episodes_force_id_agencies")
        ),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_episodes_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["reported_by_agency_id"],
            ["agencies.id"],
            name=op.f("fk_episodes_reported_by_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episodes")),
        sa.UniqueConstraint("rid", name=op.f("uq_episodes_rid")),
    )
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_episodes_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_episodes_force_id"), ["force_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_episodes_home_id"), ["home_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_episodes_reported_at"), ["reported_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_episodes_reported_by_agency_id"), ["reported_by_agency_id"], unique=False
        )

    op.create_table(
        "philomena_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_by_agency_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_philomena_profiles_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_philomena_profiles_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_agency_id"],
            ["agencies.id"],
            name=op.f("fk_philomena_profiles_created_by_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_philomena_profiles")),
        sa.UniqueConstraint("child_id", "version", name=op.f("uq_philomena_profiles_child_id")),
    )
    with op.batch_alter_table("philomena_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_philomena_profiles_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("home_id", sa.Integer(), nullable=False),
        sa.Column("placing_council_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_placements_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["home_id"], ["homes.id"], name=op.f("fk_placements_home_id_homes")
        ),
        sa.ForeignKeyConstraint(
            ["placing_council_id"],
            ["agencies.id"],
            name=op.f("fk_placements_placing_council_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placements_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_home_id"), ["home_id"], unique=False)

    op.create_table(
        "control_room_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("review_at", sa.DateTime(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_control_room_decisions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_control_room_decisions_episode_id_episodes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_room_decisions")),
    )
    with op.batch_alter_table("control_room_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_room_decisions_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "episode_associates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("associate_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["associate_id"],
            ["associates.id"],
            name=op.f("fk_episode_associates_associate_id_associates"),
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_episode_associates_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_associates")),
        sa.UniqueConstraint(
            "episode_id", "associate_id", name=op.f("uq_episode_associates_episode_id")
        ),
    )
    with op.batch_alter_table("episode_associates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_episode_associates_associate_id"), ["associate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_episode_associates_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "episode_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("linked_rid", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_episode_links_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_links")),
        sa.UniqueConstraint("episode_id", "linked_rid", name=op.f("uq_episode_links_episode_id")),
    )
    with op.batch_alter_table("episode_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_episode_links_episode_id"), ["episode_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_episode_links_linked_rid"), ["linked_rid"], unique=False
        )

    op.create_table(
        "episode_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("postcode_sector", sa.String(length=8), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_episode_updates_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_episode_updates_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_episode_updates_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_updates")),
    )
    with op.batch_alter_table("episode_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_episode_updates_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_notifications_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_notifications_episode_id_episodes")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "prevention_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_prevention_interviews_episode_id_episodes"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_prevention_interviews_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevention_interviews")),
        sa.UniqueConstraint("episode_id", name=op.f("uq_prevention_interviews_episode_id")),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("meeting", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("referred_at", sa.DateTime(), nullable=False),
        sa.Column("referred_by", sa.Integer(), nullable=False),
        sa.Column("referred_by_agency_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("outcome_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_referrals_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_referrals_episode_id_episodes")
        ),
        sa.ForeignKeyConstraint(
            ["referred_by"], ["users.id"], name=op.f("fk_referrals_referred_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_agency_id"],
            ["agencies.id"],
            name=op.f("fk_referrals_referred_by_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_child_id"), ["child_id"], unique=False)

    op.create_table(
        "return_home_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("offered", sa.Boolean(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("interviewer", sa.String(length=200), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("shared_with_police", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_return_home_interviews_episode_id_episodes"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["agencies.id"],
            name=op.f("fk_return_home_interviews_provider_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_home_interviews")),
        sa.UniqueConstraint("episode_id", name=op.f("uq_return_home_interviews_episode_id")),
    )
    with op.batch_alter_table("return_home_interviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_return_home_interviews_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(), nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by"], ["users.id"], name=op.f("fk_risk_assessments_assessed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_risk_assessments_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assessments")),
    )
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_assessments_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_tasks_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_tasks_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_episode_id"), ["episode_id"], unique=False)

    create_append_only_triggers()


def downgrade() -> None:
    drop_append_only_triggers()
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_episode_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_assessments_episode_id"))

    op.drop_table("risk_assessments")
    with op.batch_alter_table("return_home_interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_home_interviews_provider_id"))

    op.drop_table("return_home_interviews")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_child_id"))

    op.drop_table("referrals")
    op.drop_table("prevention_interviews")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_agency_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("episode_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_updates_episode_id"))

    op.drop_table("episode_updates")
    with op.batch_alter_table("episode_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_links_linked_rid"))
        batch_op.drop_index(batch_op.f("ix_episode_links_episode_id"))

    op.drop_table("episode_links")
    with op.batch_alter_table("episode_associates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_associates_episode_id"))
        batch_op.drop_index(batch_op.f("ix_episode_associates_associate_id"))

    op.drop_table("episode_associates")
    with op.batch_alter_table("control_room_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_room_decisions_episode_id"))

    op.drop_table("control_room_decisions")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_home_id"))
        batch_op.drop_index(batch_op.f("ix_placements_child_id"))

    op.drop_table("placements")
    with op.batch_alter_table("philomena_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_philomena_profiles_child_id"))

    op.drop_table("philomena_profiles")
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episodes_reported_by_agency_id"))
        batch_op.drop_index(batch_op.f("ix_episodes_reported_at"))
        batch_op.drop_index(batch_op.f("ix_episodes_home_id"))
        batch_op.drop_index(batch_op.f("ix_episodes_force_id"))
        batch_op.drop_index(batch_op.f("ix_episodes_child_id"))

    op.drop_table("episodes")
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_tokens_user_id"))

    op.drop_table("auth_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_agency_id"))

    op.drop_table("users")
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_homes_provider_id"))
        batch_op.drop_index(batch_op.f("ix_homes_police_force_id"))
        batch_op.drop_index(batch_op.f("ix_homes_host_council_id"))

    op.drop_table("homes")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_children_responsible_council_id"))

    op.drop_table("children")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_child_id"))

    op.drop_table("audit_events")
    op.drop_table("associates")
    op.drop_table("agencies")


# The audit log is append-only in the database itself, not only by convention in the code.
def create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'audit_events is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_events_no_{event}")
