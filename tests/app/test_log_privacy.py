"""Children's data stays out of the process log (ASVS 7.1.2): a change the database refuses for a
row holding a child's name leaves the name in no log record and no answer, on SQLite and
PostgreSQL.

PostgreSQL repeats the refused row in its message ("DETAIL:  Failing row contains (...)"), and
SQLAlchemy, unless told otherwise, the statement's parameters ("[parameters: ...]").
"""

from __future__ import annotations

import logging

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from misper.app.children.models import Child
from misper.app.db import make_engine, session_factory

NAME = "Zephyrine Quillfeather"  # in no other test: found only if this one leaked it
log = logging.getLogger("misper.test_log_privacy")


def _refused_insert(session) -> None:
    """A child's record the database refuses (no created_at), the name in the row."""
    session.add(Child(pid="C-log-privacy", name=NAME, created_at=None))
    session.flush()


def _written(caplog) -> str:
    """Every record as a handler would write it, the traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records)


def test_an_engine_keeps_parameters_out_of_its_errors(database_url):
    engine = make_engine(database_url)
    try:
        assert engine.hide_parameters
        with session_factory(engine)() as session, pytest.raises(IntegrityError) as refused:
            _refused_insert(session)
        assert "[parameters:" not in str(refused.value)
        if engine.dialect.name == "sqlite":  # its message names the column, never the row
            assert NAME not in str(refused.value)
    finally:
        engine.dispose()


def test_a_refused_row_leaves_the_childs_name_in_no_log_record(database_url, caplog):
    engine = make_engine(database_url)
    caplog.set_level(logging.DEBUG)
    try:
        with session_factory(engine)() as session:
            try:
                _refused_insert(session)
            except IntegrityError as exc:
                # Every way a process logs an error: a traceback (uvicorn's "Exception in ASGI
                # application", the chainer's warnings), the message, and its repr.
                log.exception("Exception in ASGI application")
                log.warning("audit events left unchained", exc_info=True)
                log.error("refused: %s", exc)
                log.error("refused: %r", exc)
            else:
                pytest.fail("the database took a child's record without created_at")
    finally:
        engine.dispose()
    assert len(caplog.records) == 4
    formatter = logging.Formatter("%(message)s")
    for record in caplog.records:
        written = formatter.format(record)
        assert "created_at" in written  # each still says what the database refused
        assert NAME not in written
        assert NAME not in record.getMessage()
        assert record.exc_info is None or NAME not in str(record.exc_info[1])
    assert NAME not in caplog.text


def test_a_refused_row_leaves_the_childs_name_in_no_answer(database_url, caplog):
    from misper.app.main import create_app

    app = create_app(database_url)

    @app.post("/api/test-refused-row")
    def refused_row(request: Request):  # a request whose checks missed what the database refuses
        with request.app.state.sessions() as session:
            _refused_insert(session)

    caplog.set_level(logging.DEBUG)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            answer = client.post("/api/test-refused-row", headers={"Origin": "http://testserver"})
    finally:
        app.state.engine.dispose()
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "database_refused"
    assert NAME not in answer.text
    assert NAME not in _written(caplog)


def test_other_errors_keep_their_traceback_whole(caplog):
    """Only a database's errors are rewritten: others reach the handlers as they were."""
    make_engine("sqlite://").dispose()  # the app's engine installs the rewriting
    caplog.set_level(logging.DEBUG)
    try:
        raise ValueError("DETAIL: not from a database")
    except ValueError:
        log.exception("failed")
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is ValueError
    assert "DETAIL: not from a database" in _written(caplog)
