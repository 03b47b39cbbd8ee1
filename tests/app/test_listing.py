"""Paging, sorting and CSV download of the case store's lists (`app/ui/listing.py`), over HTTP on a
small world whose order is counted by hand: the children list, the episodes list and the return
home interviews' table; an unknown sort key and an oversized page are refused naming the field;
the CSV is every page's rows as shown, audited as an export, with no live formula."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.forms import FormClient
from app.world import PASSWORD, build_world
from misper.app.audit.models import AuditEvent
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.main import create_app
from misper.app.users.models import Role


@pytest.fixture
def small_world(database_url, sessions):
    """The world (child-a, its open episode ep-a reported 1 Mar 2024) and, on side A, four more
    children (k-1..k-4, one named "=cmd") and four closed episodes of k-1, each with an interview
    due on a day of its own."""
    with sessions() as session:
        world = build_world(session)
        council = world.a.agencies["council"].id
        kids = {}
        for pid, name, born, in_care in [
            ("k-3", "Bea", date(2011, 1, 1), "full_care"),
            ("k-1", "Zed", date(2012, 1, 1), "no"),
            ("k-4", None, None, "no"),
            ("k-2", "=cmd", date(2008, 1, 1), None),
        ]:
            kids[pid] = Child(
                pid=pid,
                name=name,
                date_of_birth=born,
                in_care=in_care,
                responsible_council_id=council,
                created_at=datetime(2024, 1, 1),
            )
        session.add_all(kids.values())
        session.flush()
        for rid, reported, risk, due in [
            ("e-1", datetime(2024, 1, 5), "high", datetime(2024, 1, 9)),
            ("e-2", datetime(2024, 2, 1), "low", datetime(2024, 2, 20)),
            ("e-3", datetime(2024, 4, 1), None, datetime(2024, 4, 2)),
            ("e-4", datetime(2023, 12, 1), "no_apparent_risk", datetime(2024, 5, 1)),
        ]:
            episode = Episode(
                rid=rid,
                child_id=kids["k-1"].id,
                force_id=world.a.agencies["force"].id,
                links_recorded=False,
                associates_recorded=False,
                version=1,
                updated_at=reported,
                reported_at=reported,
                found_at=reported.replace(hour=12),
                age=12,
                missing_from_type="home",
                risk_final=risk,
            )
            session.add(episode)
            session.flush()
            session.add(
                ReturnHomeInterview(
                    episode_id=episode.id,
                    provider_id=world.a.agencies["rhi"].id,
                    council_id=council,
                    offered=True,
                    shared_with_police=False,
                    found_at=episode.found_at,
                    due_at=due,
                    completed_at=due,
                )
            )
        session.commit()
    return create_app(database_url), sessions


def _client(app, role: Role) -> FormClient:
    client = FormClient(app, follow_redirects=False)
    answer = client.post("/login", data={"username": role.value, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


def _rows(page: str, table_id: str | None = None) -> list[list[str]]:
    """The body rows of the page's (first, or `table_id`'s) table, each cell's text."""
    if table_id:
        page = page.split(f'<table id="{table_id}">', 1)[1]
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td>(.*?)</td>", r, re.S)
        ]
        for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _first_column(client, url: str, table_id: str | None = None) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.text
    return [row[0] for row in _rows(answer.text, table_id)]


def test_children_paged_and_sorted_in_the_order_counted_by_hand(small_world):
    app, _ = small_world
    client = _client(app, Role.council_social_worker)
    assert _first_column(client, "/children?sort=child&per_page=2") == ["child-a", "k-1"]
    assert _first_column(client, "/children?sort=child&per_page=2&page=2") == ["k-2", "k-3"]
    assert _first_column(client, "/children?sort=child&per_page=2&page=3") == ["k-4"]
    # Names descending, the unnamed child last; youngest first (the unknown birth date last).
    assert _first_column(client, "/children?sort=-name") == ["k-1", "child-a", "k-3", "k-2", "k-4"]
    assert _first_column(client, "/children?sort=age") == ["k-1", "k-3", "child-a", "k-2", "k-4"]
    page = client.get("/children?sort=-name").text
    assert 'aria-sort="descending"><a class="sort" href="/children?sort=name"' in page


def test_episodes_newest_first_then_sorted_by_risk_and_paged(small_world):
    app, _ = small_world
    client = _client(app, Role.police_mispers)
    newest = ["e-3", "ep-a", "e-2", "e-1", "e-4"]
    assert _first_column(client, "/episodes?status=all") == newest
    assert _first_column(client, "/episodes?status=all&per_page=3&page=2") == newest[3:]
    # By how grave, the unassessed last either way.
    assert _first_column(client, "/episodes?status=all&sort=risk") == [
        "e-4",
        "e-2",
        "ep-a",
        "e-1",
        "e-3",
    ]
    assert _first_column(client, "/episodes?status=all&sort=-risk") == [
        "e-1",
        "ep-a",
        "e-2",
        "e-4",
        "e-3",
    ]


def test_interviews_table_sorted_by_due_date_and_paged(small_world):
    app, _ = small_world
    client = _client(app, Role.rhi_worker)
    url = "/interviews?all.sort=due_at&all.per_page=2"
    page_1 = _rows(client.get(url).text, "all")
    page_2 = _rows(client.get(url + "&all.page=2").text, "all")
    # Due 9 Jan, 20 Feb, 2 Apr, 1 May (ep-a's child is still missing: no interview is due).
    assert [r[2][:6] for r in page_1 + page_2] == ["09 Jan", "20 Feb", "02 Apr", "01 May"]
    assert [r[0] for r in page_1] == ["Interview 3", "Interview 4"]
    assert _rows(client.get(url + "&all.page=3").text, "all") == [["None."]]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/children?sort=password", "sort: sort by one of: child, name, age, in_care"),
        ("/episodes?per_page=100000", "per_page: show a number of rows a page between 1 and 200"),
        ("/episodes?page=0", "page: give a page number between 1 and 100,000"),
        ("/children?page=%C2%B2", "page: give a page number between 1 and 100,000"),
        (
            "/children?per_page=" + "9" * 5000,
            "per_page: show a number of rows a page between 1 and 200",
        ),
        ("/episodes?format=xlsx", "format: the only download is format=csv"),
        (
            "/interviews?all.sort=findings",
            "all.sort: sort by one of: open, pid, due_at, state_tag, interviewer_kind, "
            "shared_with_police",
        ),
    ],
)
def test_a_bad_sort_or_page_size_is_refused_naming_the_field(small_world, url, message):
    app, _ = small_world
    client = _client(app, Role.council_missing_coordinator)
    answer = client.get(url)
    assert answer.status_code == 422
    assert f"<li>{message}</li>" in answer.text


def test_police_without_a_reason_may_not_sort_children_by_name(small_world):
    app, _ = small_world
    client = _client(app, Role.police_mispers)
    assert client.get("/children?sort=name").status_code == 422
    assert client.get("/children?sort=name&reason=case+review").status_code == 200


def test_children_csv_is_every_page_as_shown_no_formula_audited_and_not_cached(small_world):
    app, sessions = small_world
    client = _client(app, Role.council_social_worker)
    shown = []
    for page in (1, 2, 3):
        shown += [
            r[:7] for r in _rows(client.get(f"/children?sort=child&per_page=2&page={page}").text)
        ]
    answer = client.get("/children?sort=child&per_page=2&page=2&format=csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="misper-children-'
    )
    assert answer.headers["cache-control"] == "no-store"
    table = list(csv.reader(io.StringIO(answer.text)))
    assert table[0] == [
        "Child",
        "Name",
        "Age",
        "In care",
        "Episodes",
        "Missing now",
        "Last reported",
    ]
    assert [r[1] for r in table[1:]] == ["Child A", "Zed", "'=cmd", "Bea", ""]
    assert table[1:] == [[("'=cmd" if c == "=cmd" else c) for c in r] for r in shown]
    with sessions() as session:
        exports = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.entity == "child")
        ).all()
    assert len(exports) == 1 and '"rows":5' in exports[0].detail


def test_episodes_and_interviews_csv_hold_every_page(small_world):
    app, _ = small_world
    client = _client(app, Role.council_missing_coordinator)
    episodes = list(csv.reader(io.StringIO(client.get("/episodes?status=all&format=csv").text)))
    assert [r[0] for r in episodes[1:]] == ["e-3", "ep-a", "e-2", "e-1", "e-4"]
    answer = client.get("/interviews?all.sort=-due_at&all.per_page=1&all.format=csv")
    assert answer.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["Interview", "Child", "Due by", "State", "By", "Shared"]
    assert [r[2][:6] for r in rows[1:]] == ["01 May", "02 Apr", "20 Feb", "09 Jan"]


def test_audit_csv_holds_the_filtered_events_with_no_live_formula(small_world):
    app, sessions = small_world
    council = _client(app, Role.council_social_worker)  # of the administrator's agency
    assert council.get("/children", params={"reason": "=cmd"}).status_code == 200
    admin = _client(app, Role.admin)
    assert 'href="/audit?entity=child&amp;format=csv"' in admin.get("/audit?entity=child").text
    answer = admin.get("/audit?entity=child&format=csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="misper-audit-')
    assert answer.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["No.", "When", "Who", "Action", "Record", "Child", "Reason"]
    listed = [r for r in rows[1:] if r[3] == "list"]
    assert [(r[2], r[4], r[6]) for r in listed] == [
        ("council_social_worker (council social worker)", "child", "'=cmd")
    ]
    with sessions() as session:
        exported = session.scalars(
            select(AuditEvent.entity).where(AuditEvent.action == "export")
        ).all()
    assert exported == ["audit_event"]
