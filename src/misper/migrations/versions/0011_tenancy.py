"""Tenancy: a child's record held by an agency, associates held by the force that recorded them,
and the requests (and break-glass openings) of one force to read a record another force holds.

Children: `agency_id`, the agency holding the record, filled from what the store knows: the
responsible council; else the force of the child's first episode; else the agency that started the
first carer's check (a force taking a parent's report of a child new to the store).

Associates: one record per force and associate id (the id alone was unique: every force read and
extended one shared record). An associate named in episodes of several forces is split: the force
that named it first keeps the record, each other force gets its own with the same id and kind and
no description (the description was written by one force, and is its intelligence), and its
episodes' links follow. An associate no episode names is dropped: no query could reach it.
Downgrade merges each id's records back into the oldest and gives the id its uniqueness back.

The links are lifted off and put back around the rebuild of `associates`: SQLite rebuilds a
table to change its constraints, and cannot drop it while another table's rows refer to it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHILD_FK = "fk_children_agency_id_agencies"
ASSOCIATE_FK = "fk_associates_force_id_agencies"


def _associates():
    return sa.table(
        "associates",
        sa.column("id", sa.Integer()),
        sa.column("force_id", sa.Integer()),
        sa.column("associate_id", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("description", sa.Text()),
    )


def _links():
    return sa.table(
        "episode_associates",
        sa.column("id", sa.Integer()),
        sa.column("episode_id", sa.Integer()),
        sa.column("associate_id", sa.Integer()),
        sa.column("position", sa.Integer()),
    )


def _episodes():
    return sa.table("episodes", sa.column("id", sa.Integer()), sa.column("force_id", sa.Integer()))


def upgrade() -> None:
    _children_held()
    _associates_per_force()
    op.create_table(
        "record_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("requesting_agency_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("holding_agency_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answer_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_record_requests_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["requesting_agency_id"],
            ["agencies.id"],
            name=op.f("fk_record_requests_requesting_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_record_requests_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["holding_agency_id"],
            ["agencies.id"],
            name=op.f("fk_record_requests_holding_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_record_requests_answered_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_requests")),
    )
    for column in ("child_id", "requesting_agency_id", "holding_agency_id"):
        op.create_index(op.f(f"ix_record_requests_{column}"), "record_requests", [column])


def downgrade() -> None:
    for column in ("child_id", "requesting_agency_id", "holding_agency_id"):
        op.drop_index(op.f(f"ix_record_requests_{column}"), table_name="record_requests")
    op.drop_table("record_requests")
    _associates_shared_again()
    op.drop_index(op.f("ix_children_agency_id"), table_name="children")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(CHILD_FK, "children", type_="foreignkey")
    op.drop_column("children", "agency_id")  # SQLite drops the column's own REFERENCES with it


# --- children -----------------------------------------------------------------------------------


def _children_held() -> None:
    if op.get_bind().dialect.name == "sqlite":  # a column's own REFERENCES: no rebuild of children
        op.execute(
            "ALTER TABLE children ADD COLUMN agency_id INTEGER "
            f"CONSTRAINT {CHILD_FK} REFERENCES agencies (id)"
        )
    else:
        op.add_column("children", sa.Column("agency_id", sa.Integer(), nullable=True))
        op.create_foreign_key(CHILD_FK, "children", "agencies", ["agency_id"], ["id"])
    op.create_index(op.f("ix_children_agency_id"), "children", ["agency_id"])
    op.execute(
        "UPDATE children SET agency_id = responsible_council_id "
        "WHERE responsible_council_id IS NOT NULL"
    )
    op.execute(
        "UPDATE children SET agency_id = (SELECT e.force_id FROM episodes e "
        "WHERE e.child_id = children.id ORDER BY e.reported_at, e.id LIMIT 1) "
        "WHERE agency_id IS NULL"
    )
    op.execute(
        "UPDATE children SET agency_id = (SELECT c.agency_id FROM carer_checks c "
        "WHERE c.child_id = children.id ORDER BY c.started_at, c.id LIMIT 1) "
        "WHERE agency_id IS NULL"
    )


# --- associates ---------------------------------------------------------------------------------


def _lift_links() -> list[dict]:
    links, episodes = _links(), _episodes()
    bind = op.get_bind()
    rows = [
        dict(r._mapping)
        for r in bind.execute(
            sa.select(links, episodes.c.force_id)
            .join(episodes, episodes.c.id == links.c.episode_id)
            .order_by(links.c.id)
        )
    ]
    op.execute(links.delete())
    return rows


def _put_links_back(rows: list[dict]) -> None:
    if rows:
        op.get_bind().execute(
            _links().insert(),
            [{k: r[k] for k in ("id", "episode_id", "associate_id", "position")} for r in rows],
        )


def _associates_per_force() -> None:
    links = _lift_links()
    associates = _associates()
    bind = op.get_bind()
    with op.batch_alter_table("associates") as batch:
        batch.add_column(sa.Column("force_id", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_associates_associate_id", type_="unique")
    stored = {r.id: r for r in bind.execute(sa.select(associates))}
    next_id = max(stored, default=0) + 1
    held: dict[tuple[int, int], int] = {}  # (old associate id, force) -> associate id
    kept: set[int] = set()
    for link in links:  # oldest link first: the force that named the associate first keeps it
        key = (link["associate_id"], link["force_id"])
        if key not in held:
            old = stored[link["associate_id"]]
            if old.id not in kept:
                kept.add(old.id)
                bind.execute(
                    associates.update()
                    .where(associates.c.id == old.id)
                    .values(force_id=link["force_id"])
                )
                held[key] = old.id
            else:
                bind.execute(
                    associates.insert().values(
                        id=next_id,
                        force_id=link["force_id"],
                        associate_id=old.associate_id,
                        kind=old.kind,
                    )
                )
                held[key], next_id = next_id, next_id + 1
        link["associate_id"] = held[key]
    if bind.dialect.name == "postgresql":  # ids given above: the sequence goes on after them
        op.execute(
            "SELECT setval(pg_get_serial_sequence('associates', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM associates), false)"
        )
    op.execute(associates.delete().where(associates.c.force_id.is_(None)))  # named by none
    with op.batch_alter_table("associates") as batch:
        batch.alter_column("force_id", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_associates_force_id", ["force_id", "associate_id"])
        batch.create_foreign_key(ASSOCIATE_FK, "agencies", ["force_id"], ["id"])
    op.create_index(op.f("ix_associates_force_id"), "associates", ["force_id"])
    _put_links_back(links)


def _associates_shared_again() -> None:
    links = _lift_links()
    associates = _associates()
    bind = op.get_bind()
    oldest: dict[str, int] = {}
    for row in bind.execute(sa.select(associates).order_by(associates.c.id)):
        oldest.setdefault(row.associate_id, row.id)
    by_id = {
        r.id: oldest[r.associate_id]
        for r in bind.execute(sa.select(associates.c.id, associates.c.associate_id))
    }
    op.execute(associates.delete().where(associates.c.id.not_in(list(oldest.values()))))
    op.drop_index(op.f("ix_associates_force_id"), table_name="associates")
    with op.batch_alter_table("associates") as batch:
        batch.drop_constraint(ASSOCIATE_FK, type_="foreignkey")
        batch.drop_constraint("uq_associates_force_id", type_="unique")
        batch.drop_column("force_id")
        batch.create_unique_constraint("uq_associates_associate_id", ["associate_id"])
    kept, seen = [], set()
    for link in links:
        link["associate_id"] = by_id[link["associate_id"]]
        if (link["episode_id"], link["associate_id"]) not in seen:
            seen.add((link["episode_id"], link["associate_id"]))
            kept.append(link)
    _put_links_back(kept)
