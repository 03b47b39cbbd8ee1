"""Store fixtures: every database test runs on real migrations, on SQLite and on PostgreSQL.

PostgreSQL runs when MISPER_TEST_POSTGRES_URL names a server; each test gets a database of its own,
copied from a migrated template made once per session (the next copy made in the background while a
test runs), and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from misper.app.db import make_engine, session_factory, upgrade

PG_URL = os.environ.get("MISPER_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="MISPER_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_db_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def audit_key(tmp_path_factory):
    """The audit log's key, outside every test store as in production (docs/audit.md); each
    store keeps its checkpoints apart (beside a SQLite store; per database for PostgreSQL)."""
    from misper.app.audit.keys import KEY_ENV, keygen

    path = tmp_path_factory.mktemp("audit-key") / "audit.key"
    keygen(path)
    before = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = str(path)
    yield path
    if before is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = before


@pytest.fixture(scope="session", autouse=True)
def production_hasher():
    """Passwords hashed at Argon2's lowest cost in tests: a hash carries its own parameters and the
    store verifies any, so sign-in works the same, without the production cost at every one of
    the suite's thousands of sign-ins. Yields the store's own hasher: test_auth checks its cost."""
    from argon2 import PasswordHasher

    from misper.app.auth import service as auth
    from misper.app.users import service as users

    quick = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    saved = auth.hasher, users.hasher, auth._DUMMY_HASH
    auth.hasher = users.hasher = quick
    auth._DUMMY_HASH = quick.hash("not a password of anyone")
    yield saved[0]
    auth.hasher, users.hasher, auth._DUMMY_HASH = saved


@pytest.fixture(scope="session", autouse=True)
def export_key(tmp_path_factory):
    """The analysts' export secret, outside every test store (PostgreSQL needs it named); made on
    first use. Tests of where it goes by default unset it."""
    from misper.app.interchange.keys import KEY_ENV

    path = tmp_path_factory.mktemp("export-key") / "export.key"
    before = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = str(path)
    yield path
    if before is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = before


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


class _Databases:
    """Copies of the migrated template, each made in a background thread while the test before it
    runs, and dropped there after: a test waits for neither."""

    def __init__(self, template: str):
        self.template = template
        self.admin = _pg_admin()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-copies")
        self.ready: Future[str] = self.worker.submit(self._copy)

    def _copy(self) -> str:
        name = f"misper_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def take(self) -> str:
        name = self.ready.result()
        self.ready = self.worker.submit(self._copy)
        return name

    def give_back(self, name: str) -> None:
        self.worker.submit(self._drop, name)

    def close(self) -> None:
        self.give_back(self.ready.result())
        self.worker.shutdown(wait=True)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_template():
    name = f"misper_tpl_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_db_url(name))
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_databases(pg_template):
    databases = _Databases(pg_template)
    yield databases
    databases.close()


def _fresh_store(backend, request, folder):
    """URL of a fresh, fully migrated, empty store, dropped when the fixture ends."""
    if backend == "sqlite":
        path = folder / "store.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    databases = request.getfixturevalue("pg_databases")
    name = databases.take()
    yield _pg_db_url(name)
    databases.give_back(name)


@pytest.fixture
def empty_url(request, tmp_path):
    """A database with no store in it yet, to migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"misper_m_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield _pg_db_url(name)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(request, tmp_path):
    """A store of the test's own."""
    yield from _fresh_store(request.param, request, tmp_path)


@pytest.fixture
def second_store(request, tmp_path, database_url):
    """Another fresh store on the same backend as `database_url`."""
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    folder = tmp_path / "second"
    folder.mkdir()
    yield from _fresh_store(backend, request, folder)


@pytest.fixture(scope="module")
def module_database_url(request, tmp_path_factory):
    """A store shared by a module's tests, for tests that roll back what they change."""
    yield from _fresh_store(request.param, request, tmp_path_factory.mktemp("module-store"))


def pytest_generate_tests(metafunc):
    for name in ("database_url", "empty_url"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, BACKENDS, indirect=True)
    if "module_database_url" in metafunc.fixturenames:
        metafunc.parametrize("module_database_url", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def world_store(module_database_url):
    """The two-sided world of `world.py`, built once per module and backend.

    Yields (session, world); the session stays open for the module. Tests may change records
    but must only flush: `world` rolls their changes back.
    """
    from app.world import build_world

    engine = make_engine(module_database_url)
    session = session_factory(engine)()
    built = build_world(session)
    session.commit()
    yield session, built, module_database_url
    session.close()
    engine.dispose()


@pytest.fixture
def world(world_store):
    session, built, _url = world_store
    yield session, built
    session.rollback()


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (a test tool's own browser download does not work
    here), one per test module."""
    from playwright.sync_api import sync_playwright

    from app.browsing import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def store(sessions):
    """The after-episode world of after_world.py on a fresh store; the test's changes roll back."""
    from app.after_world import build

    session = sessions()
    world = build(session)
    yield session, world
    session.rollback()
    session.close()
