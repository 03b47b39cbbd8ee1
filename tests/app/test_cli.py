"""The store's commands end to end: upgrade, users, import/export, audit verify, backup/restore."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from misper.cli import app
from misper.incidents.frame import read_canonical, to_canonical, write_incidents

runner = CliRunner()


def misper(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def incidents_file(tmp_path):
    frame = to_canonical(
        pd.DataFrame(
            {
                "rid": ["r1", "r2", "r3"],
                "pid": ["p1", "p1", "p2"],
                "reported_at": pd.to_datetime(
                    ["2022-01-01 10:00", "2022-02-01 09:00", "2022-03-01 00:00"]
                ),
                "found_at": pd.to_datetime(["2022-01-01 18:00", None, "2022-03-02 00:00"]),
                "age": [14, 14, 16],
                "missing_from_type": ["home", "care_home", "street"],
                "risk_flags": [None, ["cse"], []],
                "linked_rids": [[], ["r3"], ["r2"]],
            }
        )
    )
    path = tmp_path / "incidents.parquet"
    write_incidents(frame, path)
    return path, frame


def test_store_commands_end_to_end(database_url, tmp_path, incidents_file):
    source, frame = incidents_file
    db = ["--db", database_url]
    misper("db", "upgrade", *db)
    misper("agencies", "add", "Herts Council", "--kind", "council", *db)
    added = misper(
        "users", "add", "sw1", "--role", "council_social_worker", "--agency", "Herts Council", *db
    )
    assert "One-time code: " in added.output and "choose their password" in added.output
    wrong = misper(
        "users", "add", "sw2", "--role", "care_staff", "--agency", "Herts Council", *db, ok=False
    )
    assert wrong.exit_code == 1 and "cannot belong to a council agency" in wrong.output
    assert "One-time code: " in misper("users", "reset", "sw1", *db).output
    weak = misper("users", "reset", "sw1", "--password", "password1234", *db, ok=False)
    assert weak.exit_code == 1 and "too common" in weak.output
    assert (
        "password given is set"
        in misper("users", "reset", "sw1", "--password", "a long pass phrase here", *db).output
    )
    misper("users", "disable", "sw1", *db)

    first = misper("import-incidents", str(source), "--force", "Herts Police", *db)
    assert "3 added, 0 updated, 0 unchanged" in first.output
    again = misper("import-incidents", str(source), "--force", "Herts Police", *db)
    assert "0 added, 0 updated, 3 unchanged" in again.output

    out = tmp_path / "export.parquet"
    misper("export", "--with-names", "--out", str(out), *db)
    exported = read_canonical(out)
    pd.testing.assert_frame_equal(
        exported[frame.columns].sort_values("rid").reset_index(drop=True),
        frame.sort_values("rid").reset_index(drop=True),
    )
    assert "Audit log intact" in misper("audit", "verify", *db).output

    backup = tmp_path / "store.jsonl.gz"
    misper("db", "backup", str(backup), *db)
    with gzip.open(backup, "rt") as f:
        assert "misper-store-backup" in f.readline()
    refused = misper("db", "restore", str(backup), *db, ok=False)
    assert "not empty" in refused.output


def test_backup_restores_into_a_fresh_store_with_its_chain(
    database_url, tmp_path, incidents_file, request
):
    source, _frame = incidents_file
    misper("db", "upgrade", "--db", database_url)
    misper("import-incidents", str(source), "--force", "Herts Police", "--db", database_url)
    backup = tmp_path / "b.jsonl.gz"
    misper("db", "backup", str(backup), "--db", database_url)
    # Restore into a second fresh store of the same backend.
    target = request.getfixturevalue("second_store")
    misper("db", "restore", str(backup), "--db", target)
    assert "Audit log intact: 3 events" in misper("audit", "verify", "--db", target).output
    out = tmp_path / "after.parquet"
    misper("export", "--with-names", "--out", str(out), "--db", target)
    assert sorted(read_canonical(out)["rid"]) == ["r1", "r2", "r3"]
    # Ids continue after the restored ones: new rows do not collide.
    misper("agencies", "add", "New Council", "--kind", "council", "--db", target)


def test_audit_verify_fails_on_a_deleted_event(database_url, incidents_file):
    from misper.app.db import make_engine

    source, _ = incidents_file
    misper("db", "upgrade", "--db", database_url)
    misper("import-incidents", str(source), "--force", "Herts Police", "--db", database_url)
    misper("import-incidents", str(source), "--force", "Herts Police", "--db", database_url)
    engine = make_engine(database_url)
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            c.execute(text("DROP TRIGGER audit_events_no_delete"))
        c.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    engine.dispose()
    result = misper("audit", "verify", "--db", database_url, ok=False)
    assert result.exit_code == 1 and "event 2 is missing" in result.output


def test_commands_on_a_database_without_a_store_say_so(tmp_path):
    result = misper("audit", "verify", "--db", f"sqlite:///{tmp_path / 'none.db'}", ok=False)
    assert result.exit_code == 1 and "misper db upgrade" in result.output


def test_worker_runs_every_scheduled_check_once_and_refuses_an_old_schema(database_url, tmp_path):
    old = f"sqlite:///{tmp_path / 'never-upgraded.db'}"
    refused = misper("worker", "--once", "--db", old, ok=False)
    assert refused.exit_code == 1 and "misper db upgrade" in refused.output
    misper("db", "upgrade", "--db", database_url)
    done = misper("worker", "--once", "--db", database_url)
    assert (
        "notified 0 overdue return home interview(s), 0 delayed report(s) due for review, "
        "0 Philomena profile review(s) due"
    ) in done.output
