"""The scopes' per-record lookups use an index on both keys (SQLite, which plans without
statistics).

Without the (child_id, force_id) index SQLite answered "has this child an episode in this force?"
by walking every episode of the force for each child: the police's list of children took 34 s on
the demo store. The plan, not a timing, is what is checked.
"""

from __future__ import annotations

import shutil

from sqlalchemy import func, select, text

from misper.app import access
from misper.app.children.models import Child
from misper.app.db import make_engine, session_factory
from misper.app.users.models import Role


def _plan(session, query) -> str:
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    return "\n".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_police_children_scope_looks_up_each_child_by_child_and_force(sqlite_template, tmp_path):
    from app.world import build_world

    path = tmp_path / "store.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with session_factory(engine)() as session:
        world = build_world(session)
        session.commit()
        for role in (Role.police_mispers, Role.police_officer):
            scoped = select(Child.id).where(access.children(world.actor(role)))
            plan = _plan(session, select(func.count()).select_from(scoped.subquery()))
            assert "ix_episodes_child_id_force_id (child_id=? AND force_id=?)" in plan, plan
            assert "ix_episodes_force_id" not in plan, plan
    engine.dispose()
