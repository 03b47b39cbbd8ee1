"""The administrator's pages (users, audit) and the analyst's (exports) over HTTP: each for its own
role only, forms refusing bad input field by field, a disabled user locked out, the audit filter
and the chain check, the export the same audited file as the API's; then one browser run."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.forms import FormClient
from app.test_audit import _drop_guard
from app.world import PASSWORD, build_world
from misper.app.audit import service as audit
from misper.app.audit.models import AuditEvent
from misper.app.auth.service import issue_token
from misper.app.users.models import Role, User

PAGES = {  # (method, path) -> the one role that may use it
    ("GET", "/users"): Role.admin,
    ("POST", "/users"): Role.admin,
    ("POST", "/users/council_social_worker/disable"): Role.admin,
    ("POST", "/users/council_social_worker/reset"): Role.admin,
    ("GET", "/audit"): Role.admin,
    ("GET", "/audit/verify"): Role.admin,
    ("GET", "/exports"): Role.analyst,
    ("GET", "/exports/incidents.csv"): Role.analyst,
}
CODE_SHOWN = re.compile(r'<span class="secret" id="reset-code">([^<]+)</span>')


@pytest.fixture
def web(database_url, sessions):
    """A client of the app over the two-sided world; `call(role, ...)` sends that role's cookie."""
    from misper.app.main import create_app

    session = sessions()
    world = build_world(session)
    cookies = {role: issue_token(session, user, "session") for role, user in world.users.items()}
    session.commit()
    app = create_app(database_url)
    with FormClient(app, follow_redirects=False) as client:

        def call(role, method, path, **kwargs):
            headers = {"Cookie": f"misper_session={cookies[role]}"} if role else {}
            return client.request(method, path, headers=headers, **kwargs)

        yield call, client, session, world
    session.close()
    app.state.engine.dispose()


def _log_in(client, username, password) -> int:
    return client.post("/login", data={"username": username, "password": password}).status_code


def _new_user(**fields) -> dict:
    return {
        "username": "new.worker",
        "display_name": "New Worker",
        "role": "council_social_worker",
        "agency": "council a",  # the administrator's own
        **fields,
    }


@pytest.mark.parametrize("method, path", list(PAGES))
def test_each_page_is_for_its_role_only(web, method, path):
    call, _client, _session, _world = web
    data = _new_user() if path == "/users" and method == "POST" else None
    for role in Role:
        answer = call(role, method, path, data=data)
        expected = 200 if role is PAGES[method, path] else 403
        assert answer.status_code == expected, (role, answer.text[:300])
        if expected == 403:  # a page saying no, with nothing of what was asked for
            assert answer.headers["content-type"].startswith("text/html")
            assert "<h1>Users</h1>" not in answer.text and "ep-a" not in answer.text
    assert call(None, method, path, data=data).status_code == 303  # to the login page


def test_users_page_shows_role_agency_disabled_and_locked_out(web):
    call, _client, session, world = web
    worker = session.get(User, world.users[Role.council_social_worker].id)
    worker.locked_until = datetime.now() + timedelta(minutes=10)
    session.get(User, world.users[Role.council_missing_coordinator].id).disabled = True
    session.commit()
    page = call(Role.admin, "GET", "/users").text
    row = _row(page, "council_social_worker")
    assert "Social worker" in row and "council a" in row and "Locked out until" in row
    coordinator = _row(page, "council_missing_coordinator")
    assert "Disabled" in coordinator and "Disable<span" not in coordinator  # nothing to disable
    admin = _row(page, "admin")
    assert "Active" in admin and "council a" in admin and "Disable<span" in admin
    # The users of the administrator's own agency (council a) only.
    assert page.count('<li class="person" id="user-') == 3
    assert 'id="user-police_officer"' not in page


def _row(page: str, username: str) -> str:
    start = page.index(f'<li class="person" id="user-{username}">')
    return page[start : page.index("</li>", start)]


def test_add_user_shows_a_one_time_code_once_and_the_user_chooses_a_password(web):
    call, client, session, _world = web
    answer = call(Role.admin, "POST", "/users", data=_new_user())
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    [code] = CODE_SHOWN.findall(answer.text)
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    assert "User new.worker added." in answer.text
    user = session.scalar(select(User).where(User.username == "new.worker"))
    assert (user.role, user.agency.name, user.display_name) == (
        "council_social_worker",
        "council a",
        "New Worker",
    )
    assert code not in user.reset_code_hash  # only the hash is kept
    assert code not in call(Role.admin, "GET", "/users").text  # shown once
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.action == "create")
    )
    assert event.entity_id == str(user.id)
    assert _log_in(client, "new.worker", "not the code") == 401
    assert _log_in(client, "new.worker", code) == 303
    assert client.get("/").headers["location"] == "/account/password"


@pytest.mark.parametrize(
    "fields, errors",
    [
        (
            {"username": "", "role": "", "agency": ""},
            {
                "username": "enter a username",
                "role": "choose the user's role",
                "agency": "choose the user's agency",
            },
        ),
        (
            {
                "username": "two words",
                "display_name": "x" * 201,
                "role": "wizard",
                "agency": "nowhere",
            },
            {
                "username": "no spaces",
                "display_name": "at most 200 characters",
                "role": "choose the user's role",
                "agency": "choose the user's agency",
            },
        ),
        ({"username": "care_staff"}, {"username": "this username is taken"}),
        ({"role": "police_control_room"}, {"role": "cannot belong to a council agency"}),
        ({"agency": "force a"}, {"agency": "choose your own agency"}),
    ],
)
def test_add_user_refuses_bad_input_field_by_field_and_keeps_what_was_typed(web, fields, errors):
    call, _client, session, _world = web
    before = session.scalar(text("SELECT count(*) FROM users"))
    typed = _new_user(**fields)
    answer = call(Role.admin, "POST", "/users", data=typed)
    assert answer.status_code == 422
    page = answer.text
    for field, message in errors.items():
        error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
        assert error and message in html.unescape(error.group(1)), field
        assert f'<a href="#{field}">' in page  # the summary links to the field
    assert page.count('class="field-error"') == len(errors)
    if typed["username"]:
        assert f'name="username" value="{typed["username"]}"' in page
    if typed["role"] == "council_social_worker":
        assert '<option value="council_social_worker" selected>' in page
    assert '<option value="police_control_room"' not in page  # not a council's role
    assert "reset-code" not in page
    assert session.scalar(text("SELECT count(*) FROM users")) == before


def test_a_disabled_user_cannot_log_in_and_their_session_ends(web):
    call, client, session, _world = web
    assert _log_in(client, "council_social_worker", PASSWORD) == 303
    answer = call(Role.admin, "POST", "/users/council_social_worker/disable")
    assert answer.status_code == 200
    assert "User council_social_worker is disabled" in answer.text
    assert "Disabled" in _row(answer.text, "council_social_worker")
    assert _log_in(client, "council_social_worker", PASSWORD) == 401
    assert call(Role.council_social_worker, "GET", "/").headers["location"] == "/login"
    assert call(Role.admin, "POST", "/users/nobody/disable").status_code == 404
    assert call(Role.admin, "POST", "/users/police_officer/disable").status_code == 404
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "user")).all()
    assert "disable" in actions


def test_reset_shows_a_one_time_code_once_and_unlocks(web):
    call, client, session, world = web
    worker = session.get(User, world.users[Role.council_social_worker].id)
    worker.locked_until, worker.disabled = datetime.now() + timedelta(minutes=10), True
    session.commit()
    answer = call(Role.admin, "POST", "/users/council_social_worker/reset")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    [code] = CODE_SHOWN.findall(answer.text)
    assert "Active" in _row(answer.text, "council_social_worker")
    assert _log_in(client, "council_social_worker", PASSWORD) == 401  # the old one is void
    assert call(Role.council_social_worker, "GET", "/").status_code == 303  # sessions ended
    assert _log_in(client, "council_social_worker", code) == 303
    assert client.get("/").headers["location"] == "/account/password"
    assert call(Role.admin, "POST", "/users/nobody/reset").status_code == 404
    assert call(Role.admin, "POST", "/users/police_officer/reset").status_code == 404


def _events(session, world):
    """Three user events and two reads of child B's record, after the world's own (none), all by
    users of the admin's agency (the page lists only theirs)."""
    actor = world.actor(Role.admin)
    for i in range(3):
        audit.record(session, actor, "create", "user", 100 + i)
    for i in range(2):
        audit.record(
            session,
            world.actor(Role.council_social_worker),
            "read",
            "child",
            world.b.child.pid,
            child_id=world.b.child.id,
            reason=f"case review {i}",
        )
    session.commit()


def _seqs(page: str) -> list[int]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return [int(n) for n in re.findall(r'<tr>\s*<td data-label="No.">(\d+)</td>', body)]


def test_audit_lists_newest_first_and_the_filter_filters(web):
    call, _client, session, world = web
    _events(session, world)
    total = session.scalar(text("SELECT max(seq) FROM audit_events"))
    page = call(Role.admin, "GET", "/audit").text
    assert _seqs(page) == list(range(total, 0, -1))
    users = call(Role.admin, "GET", "/audit", params={"entity": "user"}).text
    assert len(_seqs(users)) == 3 and "case review" not in users
    child = call(Role.admin, "GET", "/audit", params={"child_id": str(world.b.child.id)}).text
    assert len(_seqs(child)) == 2 and "case review 1" in child and "council social worker" in child
    assert "council_social_worker" in child  # the actor by username
    both = call(
        Role.admin, "GET", "/audit", params={"entity": "user", "child_id": str(world.b.child.id)}
    ).text
    assert _seqs(both) == [] and "No events match this filter" in both
    bad = call(Role.admin, "GET", "/audit", params={"child_id": "twelve", "entity": "e" * 41})
    assert bad.status_code == 422
    assert 'id="child_id-error"' in bad.text and 'id="entity-error"' in bad.text
    assert 'name="child_id" value="twelve"' in bad.text


def test_audit_pages_through_older_events(web, monkeypatch):
    from misper.app.audit import pages as audit_pages

    call, _client, session, world = web
    _events(session, world)
    monkeypatch.setattr(audit_pages, "EVENTS_PAGE", 2)
    first = call(Role.admin, "GET", "/audit").text
    assert _seqs(first) == [5, 4] and "offset=2" in first and "Newer events" not in first
    # Reading the log is an event too: the first page's read is event 6, so event 1 is 6th.
    second = call(Role.admin, "GET", "/audit", params={"offset": 5}).text
    assert _seqs(second) == [1] and "Older events" not in second and "Newer events" in second
    kept = call(Role.admin, "GET", "/audit", params={"entity": "user"}).text
    assert "entity=user&amp;offset=2" in kept  # the filter stays when paging


def test_verify_shows_a_whole_chain_then_the_first_problem(web):
    call, _client, session, world = web
    _events(session, world)
    whole = call(Role.admin, "GET", "/audit/verify").text
    # Event 5's: the page's own read of the log is event 6, recorded as the page is sent.
    head = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 5))
    assert "The chain is whole" in whole and "5 events checked" in whole and head in whole
    _drop_guard(session)
    session.execute(text("UPDATE audit_events SET reason = 'nothing' WHERE seq = 4"))
    session.commit()
    broken = call(Role.admin, "GET", "/audit/verify").text
    assert "The chain is broken" in broken
    assert "event 4 was altered (its hash does not match)" in broken and "3 events before" in broken


def test_export_is_the_api_file_audited_and_the_page_says_what_it_holds(web):
    call, _client, session, world = web
    page = call(Role.analyst, "GET", "/exports").text
    assert "(1 now)" in page  # side A's one episode: the analyst's force only
    for words in ("Pseudonyms made for you", "Postcode sectors", "No free text", "audit log"):
        assert words in page
    assert "<code>missing_from_postcode_sector</code>" in page
    download = call(Role.analyst, "GET", "/exports/incidents.csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"].startswith('attachment; filename="misper-')
    token = issue_token(session, session.get(User, world.users[Role.analyst].id), "bearer")
    session.commit()
    api = _client.get("/api/export", headers={"Authorization": f"Bearer {token}"})
    assert download.content == api.content
    header, *rows = download.text.strip().splitlines()
    # Side A's episode only (the world holds one each side), under a pseudonym: no store rid.
    assert len(rows) == 1 and "ep-a" not in download.text and "ep-b" not in download.text
    assert "child_name" not in header and "Child A" not in download.text
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_id, e.detail) for e in events] == [
        (world.users[Role.analyst].id, '{"rows":1}')
    ] * 2


# --- In Chromium, on a phone ------------------------------------------------------------------


@pytest.fixture
def site(sqlite_template, tmp_path):
    """The app on loopback over a SQLite copy of the world (the pages do not differ by database)."""
    import shutil

    from app.browsing import serving
    from misper.app.db import make_engine, session_factory

    path = tmp_path / "store.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with session_factory(engine)() as session:
        build_world(session)
        session.commit()
    engine.dispose()
    with serving(f"sqlite:///{path}") as base:
        yield base


def _checked(page):
    from app.browsing import violations as _violations

    assert _violations(page) == []
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(
        e => e.getBoundingClientRect().right > window.innerWidth + 1
             && !e.closest('.table-wrap')).map(
        e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 6)""")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide


@pytest.mark.browser
def test_in_a_browser_the_admin_adds_a_user_who_then_logs_in(site, browser):
    from app.browsing import log_in as log_in_page

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    log_in_page(page, site, "admin")
    page.get_by_role("button", name="Menu").click()  # folded at a phone's width
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.wait_for_url(f"{site}/users")
    _checked(page)
    page.get_by_role("textbox", name="Username").fill("new officer")
    page.get_by_role("button", name="Add the user").click()
    alert = page.get_by_role("alert")
    assert "no spaces" in alert.inner_text() and "choose the user's role" in alert.inner_text()
    assert page.get_by_role("textbox", name="Username").input_value() == "new officer"
    _checked(page)
    alert.get_by_role("link", name=re.compile("no spaces")).click()
    assert page.evaluate("document.activeElement.id") == "username"
    page.get_by_role("textbox", name="Username").fill("new.worker")
    page.get_by_label("Display name (optional)").fill("Pat Worker")
    page.get_by_label("Role").select_option("council_social_worker")
    page.get_by_label("Agency").select_option("council a")
    page.get_by_label("Display name (optional)").press("Enter")  # the keyboard submits the form
    code = page.locator("#reset-code").inner_text()
    assert "User new.worker added." in page.get_by_role("status").inner_text()
    assert "Pat Worker" in page.locator("#user-new\\.worker").inner_text()
    _checked(page)

    page.goto(f"{site}/audit")
    _checked(page)
    page.get_by_role("button", name="Verify the chain").click()
    assert "The chain is whole" in page.locator("#verification").inner_text()
    page.get_by_label("Kind of record").fill("user")
    page.get_by_role("button", name="Filter").click()
    assert "create" in page.get_by_role("region", name="Audit events").inner_text()
    _checked(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{site}/login")

    log_in_page(page, site, "new.worker", code)
    page.wait_for_url(f"{site}/account/password")
    _checked(page)
    chosen = "pat chooses these words"
    page.get_by_label("New password", exact=True).fill(chosen)
    page.get_by_label("New password again").fill(chosen)
    page.get_by_role("button", name="Set the password").click()
    page.wait_for_url(f"{site}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Social worker"
    page.get_by_role("button", name="Menu").click()  # folded at a phone's width
    assert "Children" in page.get_by_role("navigation", name="Main").inner_text()
    assert page.goto(f"{site}/users").status == 403
    context.close()


@pytest.mark.browser
def test_in_a_browser_the_analyst_sees_what_the_export_holds(site, browser):
    from app.browsing import log_in as log_in_page

    context = browser.new_context(viewport={"width": 375, "height": 740}, accept_downloads=True)
    page = context.new_page()
    log_in_page(page, site, "analyst")
    page.get_by_role("button", name="Menu").click()  # folded at a phone's width
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    page.wait_for_url(f"{site}/exports")
    _checked(page)
    page.get_by_text("The columns").click()
    _checked(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the export (CSV)").click()
    assert info.value.suggested_filename.startswith("misper-incidents-")
    context.close()
