"""What leaves the store: the analyst's file carries keyed pseudonyms per recipient (never the
store's ids), coarse coordinates and no live spreadsheet formulas; the key lives outside the
database; every export is audited; the file still makes the report."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import stat
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from misper.app.access import Actor
from misper.app.agencies.service import add_agency
from misper.app.audit.models import AuditEvent
from misper.app.interchange.service import export_csv, import_frame
from misper.app.users.models import Role
from misper.app.users.service import add_user
from misper.cli import app as cli
from misper.incidents.frame import to_canonical
from misper.incidents.load import load_incidents
from misper.report import make_report

FORMULA = '=HYPERLINK("http://x.example/","click")'
STARTS_A_FORMULA = ("=", "+", "-", "@", "\t", "\r")
KEY_ENV = "MISPER_EXPORT_KEY_FILE"


def _episodes() -> pd.DataFrame:
    """Three episodes of two children; the first names a formula everywhere text can go."""
    return to_canonical(
        pd.DataFrame(
            {
                "rid": ["r1", "r2", "r3"],
                "pid": ["C1", "C1", "C2"],
                "reported_at": [
                    datetime(2022, 3, 1, 22),
                    datetime(2022, 3, 8, 21),
                    datetime(2022, 4, 2, 20),
                ],
                "found_at": [
                    datetime(2022, 3, 2, 9),
                    datetime(2022, 3, 9, 1),
                    datetime(2022, 4, 3, 6),
                ],
                "age": [14, 14, 15],
                "ethnic_appearance": [FORMULA, "British", "-African"],
                "missing_from_type": ["care_home", "care_home", "home"],
                "missing_from_place_id": ["H-OAK", "H-OAK", FORMULA],
                "missing_from_postcode_sector": ["AL1 3", "AL1 3", "HP4 1"],
                "missing_from_lat": [51.75234, 51.75234, 51.76999],
                "missing_from_lon": [-0.33891, -0.33891, -0.56001],
                "found_lat": [51.76012, None, 51.70444],
                "found_lon": [-0.30077, None, 0.00321],
                "linked_rids": [["r2"], ["r1"], []],
                "associate_ids": [["A9"], ["A9"], None],
                "circumstances_text": [FORMULA, "left after tea", None],
            }
        )
    )


@pytest.fixture
def key_file(database_url, tmp_path, monkeypatch) -> Path:
    """Where the export key ends up: beside a SQLite store, where the operator says otherwise."""
    if database_url.startswith("sqlite"):
        monkeypatch.delenv(KEY_ENV, raising=False)
        return Path(make_url(database_url).database + ".export-key")
    path = tmp_path / "secrets" / "export.key"
    path.parent.mkdir()
    monkeypatch.setenv(KEY_ENV, str(path))
    return path


@pytest.fixture
def store(sessions, key_file):
    """A force with two analysts and the three episodes; yields the session and the analysts."""
    session = sessions()
    force = add_agency(session, None, "Herts Police", "police")
    analysts = []
    for name in ("analyst.one", "analyst.two"):
        user, _ = add_user(session, None, username=name, role="analyst", agency="Herts Police")
        analysts.append(Actor(user.id, name, Role.analyst, force.id, "police"))
    import_frame(session, None, _episodes(), force.id)
    session.commit()
    yield session, analysts
    session.close()


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def _pseudonym(secret: bytes, recipient: int, domain: str, prefix: str, value: str) -> str:
    """The documented construction, written out here: a key per recipient from the store's export
    secret, then HMAC-SHA256 of the id in its domain, 20 hex characters."""
    key = hmac.new(secret, f"misper-export-recipient:{recipient}".encode(), hashlib.sha256)
    digest = hmac.new(key.digest(), f"{domain}:{value}".encode(), hashlib.sha256).hexdigest()
    return prefix + digest[:20]


def test_the_analysts_file_holds_keyed_pseudonyms_never_the_stores_ids(store, key_file):
    session, (one, _two) = store
    rows = _rows(export_csv(session, one))
    session.commit()
    secret = bytes.fromhex(key_file.read_text().strip())

    def expected(domain, prefix, value):
        return _pseudonym(secret, one.user_id, domain, prefix, value)

    rids = {r: expected("incident", "r", r) for r in ("r1", "r2", "r3")}
    by_rid = {row["rid"]: row for row in rows}
    assert set(by_rid) == set(rids.values())
    first, second, third = (by_rid[rids[r]] for r in ("r1", "r2", "r3"))
    assert first["pid"] == second["pid"] == expected("person", "p", "C1")
    assert third["pid"] == expected("person", "p", "C2")
    assert first["missing_from_place_id"] == expected("place", "h", "H-OAK")
    assert third["missing_from_place_id"] == expected("place", "h", FORMULA)
    assert first["associate_ids"] == expected("associate", "a", "A9")
    # Links still join inside the file: r1's link is r2's pseudonym.
    assert first["linked_rids"] == rids["r2"] and second["linked_rids"] == rids["r1"]
    cells = {cell for row in rows for cell in row.values()}
    assert not cells & {"C1", "C2", "r1", "r2", "r3", "H-OAK", "A9"}
    assert "circumstances_text" not in rows[0] and "child_name" not in rows[0]


def test_the_analysts_file_holds_their_own_forces_episodes_only(store, key_file):
    session, (one, _two) = store
    elsewhere = add_agency(session, None, "Beds Police", "police")
    theirs = pd.DataFrame(
        {
            "rid": ["r9"],
            "pid": ["C9"],
            "reported_at": [datetime(2022, 5, 1, 20)],
            "age": [13],
            "missing_from_type": ["home"],
        }
    )
    import_frame(session, None, to_canonical(theirs), elsewhere.id)
    rows = _rows(export_csv(session, one))
    session.commit()
    secret = bytes.fromhex(key_file.read_text().strip())
    assert len(rows) == 3
    assert _pseudonym(secret, one.user_id, "incident", "r", "r9") not in {r["rid"] for r in rows}


def test_two_analysts_cannot_join_their_files_and_each_keeps_the_same_pseudonyms(store):
    session, (one, two) = store
    first = export_csv(session, one)
    again = export_csv(session, one)
    other = export_csv(session, two)
    session.commit()
    assert first == again  # the same recipient, the same pseudonyms, download after download
    for column in ("rid", "pid", "missing_from_place_id", "associate_ids"):
        mine = {r[column] for r in _rows(first)} - {""}
        theirs = {r[column] for r in _rows(other)} - {""}
        assert mine and theirs and not mine & theirs, column


def test_coordinates_are_coarsened_to_a_kilometre_grid_and_sectors_kept(store):
    session, (one, _two) = store
    rows = _rows(export_csv(session, one))
    session.commit()
    # Each point given as the centre of its 0.01-degree cell (about 1.1 km by 0.7 km here).
    coarse = {
        (
            r["missing_from_postcode_sector"],
            float(r["missing_from_lat"]),
            float(r["missing_from_lon"]),
            float(r["found_lat"]) if r["found_lat"] else None,
            float(r["found_lon"]) if r["found_lon"] else None,
        )
        for r in rows
    }
    assert coarse == {
        ("AL1 3", 51.755, -0.335, 51.765, -0.305),
        ("AL1 3", 51.755, -0.335, None, None),
        ("HP4 1", 51.765, -0.565, 51.705, 0.005),
    }


def test_no_cell_of_the_analysts_file_is_a_live_formula(store):
    session, (one, _two) = store
    rows = _rows(export_csv(session, one))
    session.commit()
    ethnic = sorted(r["ethnic_appearance"] for r in rows)
    assert ethnic == sorted(["'" + FORMULA, "British", "'-African"])
    for row in rows:
        for name, cell in row.items():
            if cell.startswith(STARTS_A_FORMULA):
                float(cell)  # only a negative number may start so (a longitude)
                assert name.endswith("_lon"), name


def test_the_operators_csv_with_names_neutralises_free_text_and_place_names(
    store, database_url, tmp_path
):
    session, _ = store
    out = tmp_path / "names.csv"
    result = CliRunner().invoke(
        cli, ["export", "--with-names", "--out", str(out), "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    rows = {r["rid"]: r for r in csv.DictReader(out.open())}
    assert rows["r1"]["circumstances_text"] == "'" + FORMULA
    assert rows["r1"]["ethnic_appearance"] == "'" + FORMULA
    assert rows["r3"]["missing_from_place_id"] == "'" + FORMULA
    assert rows["r3"]["ethnic_appearance"] == "'-African"
    assert rows["r1"]["missing_from_lon"] == "-0.33891"  # a number stays a number, and exact
    assert rows["r1"]["pid"] == "C1"  # the operator's own file keeps the store's ids


def test_the_command_line_export_is_pseudonymised_for_a_named_recipient(
    store, database_url, tmp_path
):
    session, (one, _two) = store
    runner = CliRunner()
    refused = runner.invoke(cli, ["export", "--out", str(tmp_path / "x.csv"), "--db", database_url])
    assert refused.exit_code == 1 and "--for" in refused.output
    unknown = runner.invoke(
        cli, ["export", "--for", "nobody", "--out", str(tmp_path / "x.csv"), "--db", database_url]
    )
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    out = tmp_path / "analyst.csv"
    result = runner.invoke(
        cli, ["export", "--for", "analyst.one", "--out", str(out), "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    # The same file the analyst downloads (the store holds only their force's episodes).
    assert out.read_bytes() == export_csv(session, one)
    session.commit()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.detail) for e in events] == [
        (
            None,
            f'{{"file":"analyst.csv","names":false,"recipient":{one.user_id},"rows":3}}',
        ),
        (one.user_id, '{"rows":3}'),
    ]


def test_the_key_is_made_owner_only_outside_the_database(store, key_file):
    session, (one, _two) = store
    assert not key_file.exists()
    export_csv(session, one)
    session.commit()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32


def test_a_postgresql_store_without_a_key_file_refuses_to_export(monkeypatch):
    from misper.app.errors import DomainError
    from misper.app.interchange.keys import export_secret

    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(DomainError, match=KEY_ENV) as refused:
        export_secret(make_url("postgresql+psycopg://u@db.example/misper"))
    assert refused.value.status == 503


def test_another_key_gives_other_pseudonyms(store, tmp_path, monkeypatch):
    session, (one, _two) = store
    before = export_csv(session, one)
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "another.key"))
    after = export_csv(session, one)
    session.commit()
    assert {r["pid"] for r in _rows(before)}.isdisjoint({r["pid"] for r in _rows(after)})


@pytest.fixture(scope="module")
def synthetic():
    from misper.synth import generate

    return generate(incidents=150, seed=7).incidents


def _without_ids(data: dict) -> dict:
    """The report's figures with the ids taken out of the two lists labelled by them (the top
    children by pid, the places by place id): their counts compared as sets, since ties are
    ordered, and the top list cut, by the label."""
    data = dict(data)
    data["top_children"] = sorted(c["incidents"] for c in data["top_children"])
    hotspots = dict(data["hotspots"])
    hotspots["places"] = sorted((p["incidents"], p["children"]) for p in hotspots["places"])
    data["hotspots"] = hotspots
    return data


def _map(report) -> dict:
    [chart] = [c for s in report.sections for c in s.charts if c.key == "map"]
    return chart.figure["data"]


def test_the_analysts_file_makes_the_same_report_but_for_ids(
    sessions, database_url, key_file, synthetic, tmp_path
):
    """Both files go through CSV and the loader (`misper report`'s checks), so that only what
    pseudonymising changes can differ."""
    session = sessions()
    force = add_agency(session, None, "Herts Police", "police")
    user, _ = add_user(session, None, username="analyst", role="analyst", agency="Herts Police")
    import_frame(session, None, synthetic, force.id)
    session.commit()
    analyst = Actor(user.id, "analyst", Role.analyst, force.id, "police")
    pseudonymised = tmp_path / "analyst.csv"
    pseudonymised.write_bytes(export_csv(session, analyst))
    session.commit()
    session.close()
    named = tmp_path / "names.csv"
    result = CliRunner().invoke(
        cli, ["export", "--with-names", "--out", str(named), "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    analysts, operators = (load_incidents(p).frame for p in (pseudonymised, named))
    assert len(analysts) == len(operators) == len(synthetic)
    from_pseudonyms, from_names = make_report(analysts), make_report(operators)
    assert _without_ids(from_pseudonyms.data) == _without_ids(from_names.data)
    assert from_pseudonyms.data["top_children"] != from_names.data["top_children"]  # by pid
    # The map's cells (0.02 degrees) hold the same incidents from the coarsened coordinates.
    assert str(_map(from_pseudonyms)) == str(_map(from_names))
