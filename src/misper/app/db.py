"""Database plumbing: the declarative base, engines, sessions, running the packaged migrations."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from importlib import resources

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DEFAULT_URL = "sqlite:///misper.db"  # no set-up: a file in the working directory

# Named constraints so that migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=False)}  # naive Europe/London, as the table


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("MISPER_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """The store's engine. A statement's parameters (a child's name, an address) never go into an
    error's message or the log, and no log record made afterwards carries a database's copy of a
    row (see `withhold_rows_from_logs`)."""
    url = database_url(url)
    kwargs.setdefault("hide_parameters", True)
    withhold_rows_from_logs()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        path = engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            event.listen(engine, "do_connect", lambda *_: _create_owner_only(path))
        return engine
    if "poolclass" not in kwargs:
        # Kept open for every request the app lets in at once (main.IN_FLIGHT) and its audit
        # chainer: overflow connections are closed on return, and opening one per request under
        # load costs more than the request. Two workers stay under PostgreSQL's 100 connections.
        kwargs.setdefault("pool_size", 36)
        kwargs.setdefault("max_overflow", 4)
    return create_engine(url, pool_pre_ping=True, **kwargs)


# PostgreSQL repeats the row a change was refused for ("DETAIL:  Failing row contains (...)",
# "Key (pid)=(...)"); an engine without hide_parameters adds "[parameters: ...]".
# To the end of the line, wherever it starts: a repr() puts the whole message on one line.
ROW_LINES = re.compile(r"(DETAIL:|\[parameters:)[^\n]*")
WITHHELD = r"\1 (withheld from the log: it may hold a child's data)"


def withhold_rows_from_logs() -> None:
    """Make every log record of this process free of the rows a database error repeats: its
    message and its traceback are rewritten as the record is made, whichever logger or handler
    (uvicorn's, the worker's, a test's) then writes it. Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "withholds_rows", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        _withhold_rows(record)
        return record

    factory.withholds_rows = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def _withhold_rows(record: logging.LogRecord) -> None:
    if record.exc_info and _from_database(record.exc_info[1]):
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text, record.exc_info = ROW_LINES.sub(WITHHELD, text), None
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it itself when formatting
        return
    if ROW_LINES.search(message):
        record.msg, record.args = ROW_LINES.sub(WITHHELD, message), None


def _from_database(exc: BaseException | None) -> bool:
    """The exception, or one it was raised from or during, is a database driver's."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (StatementError, sqlite3.Error)) or type(exc).__module__.startswith(
            "psycopg"
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _create_owner_only(path: str) -> None:
    # SQLite would create a missing store readable by everyone (under the usual umask); made here
    # first, it is readable by its owner only, and SQLite gives its -wal and -shm files its mode.
    with suppress(OSError):  # it exists, or SQLite cannot create it either and will say so
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while one request writes,
    # and in WAL mode synchronous=NORMAL cannot corrupt the file (a power cut may lose the last
    # commits, never half of one).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class StoreSession(Session):
    """The app's sessions: the audit domain keeps the field history of their changes
    (audit/history.py listens on this class)."""


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=StoreSession, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends normally, rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None):
    """Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("misper") / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Create or bring the database to the latest schema (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
