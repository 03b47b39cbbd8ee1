"""The two-sided world of world.py served over HTTP, with a user of every role on side B too, for
the tenancy tests: two forces, two councils, two care providers, two RHI providers and two
charities, each side's users acting on their own side's records and trying the other's.

A fresh store per test (the attacks change what a force may reach), so each test stands alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.forms import FormClient
from app.world import AGENCY_OF_ROLE, PASSWORD, World, build_world
from misper.app.auth.service import hasher, issue_token
from misper.app.db import make_engine, session_factory
from misper.app.users.models import Role, User

A, B = "a", "b"


@dataclass
class Tenancy:
    session: Session
    world: World
    users: dict[tuple[str, Role], User]
    call: Callable  # call((side, role), method, path, **kwargs) -> response, as a bearer
    app: object

    def user(self, side: str, role: Role) -> User:
        return self.users[(side, role)]

    def browser(self, side: str, role: Role) -> FormClient:
        """A signed-in browser of that side's user, its forms sent as the pages send them."""
        client = FormClient(self.app, follow_redirects=False)
        response = client.post(
            "/login", data={"username": self.user(side, role).username, "password": PASSWORD}
        )
        assert response.status_code == 303, response.text
        return client


def add_side_b_users(session: Session, world: World) -> dict[Role, User]:
    """A user of every role in side B's agency of that role, named `<role>.b`."""
    hashed = hasher.hash(PASSWORD)
    users = {
        role: User(
            username=f"{role.value}.b",
            display_name=f"{role.value} b",
            role=role.value,
            agency_id=world.b.agencies[AGENCY_OF_ROLE[role]].id,
            password_hash=hashed,
            created_at=datetime(2024, 1, 1),
        )
        for role in Role
    }
    session.add_all(users.values())
    session.flush()
    return users


@pytest.fixture(name="tenancy")
def tenancy_store(database_url):
    """A fresh store of this world on each backend; the test's `Tenancy`."""
    from misper.app.main import create_app

    engine = make_engine(database_url)
    session = session_factory(engine)()
    world = build_world(session)
    users = {(A, role): user for role, user in world.users.items()}
    users |= {(B, role): user for role, user in add_side_b_users(session, world).items()}
    tokens = {key: issue_token(session, user, "bearer") for key, user in users.items()}
    session.commit()
    app = create_app(database_url)
    with TestClient(app) as client:

        def call(who: tuple[str, Role], method: str, path: str, **kwargs):
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            return client.request(method, path, headers=headers, **kwargs)

        yield Tenancy(session, world, users, call, app)
    app.state.engine.dispose()
    session.close()
    engine.dispose()
