"""Web hardening against the attacks of issue 13: forms forged from a sibling origin of the same
site (an update under the victim's session, and login CSRF), pages without CSP or frame
protection, and an unauthenticated 400 MB body that stalled every request on SQLite."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.browsing import log_in, serving
from app.forms import csrf_token, post_form
from app.world import PASSWORD, build_world
from misper.app.audit.models import AuditEvent
from misper.app.ui.forms import same_site_path
from misper.app.users.models import Role

APP = Path(__file__).resolve().parents[2] / "src" / "misper" / "app"
SIBLING = "http://127.0.0.1:9"  # another origin of the same site (same host, another port)
REFUSED_PAGE = "This form could not be sent"


@pytest.fixture
def app(database_url, sessions):
    from misper.app.main import create_app

    with sessions() as session:
        build_world(session)
        session.commit()
    app = create_app(database_url)
    yield app
    app.state.engine.dispose()


def _signed_in(app, role: Role) -> TestClient:
    """A browser signed in through the sign-in form; its other posts are sent as written."""
    client = TestClient(app, follow_redirects=False)
    answer = post_form(client, "/login", data={"username": role.value, "password": PASSWORD})
    assert answer.status_code == 303, answer.text[:300]
    return client


def _groups(client) -> str:
    return client.get("/groups").text


# --- CSRF: forged forms -----------------------------------------------------------------------


def test_an_update_posted_from_a_sibling_origin_is_refused_and_changes_nothing(app):
    police = _signed_in(app, Role.police_mispers)
    token = csrf_token(police)  # even a valid token does not help a page of another origin
    own = "http://testserver"
    html = {"Accept": "text/html"}
    forged = [
        ({"Origin": SIBLING, **html}, {"csrf_token": token}),  # the reported attack, token aside
        ({"Referer": f"{SIBLING}/attack.html", **html}, {"csrf_token": token}),
        ({"Origin": "null", **html}, {"csrf_token": token}),  # a sandboxed frame
        ({**html}, {"csrf_token": token}),  # says nowhere where it came from
        ({"Origin": own, **html}, {}),  # no token
        ({"Origin": own, **html}, {"csrf_token": "0" * 64}),
        ({"Origin": own, **html}, {"csrf_token": csrf_token(TestClient(app))}),  # another browser
    ]
    for n, (headers, token_field) in enumerate(forged):
        answer = police.post(
            "/groups", data={"name": f"Forged {n}", **token_field}, headers=headers
        )
        assert answer.status_code == 403, (n, answer.status_code)
        assert REFUSED_PAGE in answer.text and "Forged" not in answer.text
    as_json = police.post("/groups", data={"name": "Forged json"})
    assert as_json.status_code == 403
    assert as_json.json()["error"]["code"] == "csrf_refused"
    assert [f["field"] for f in as_json.json()["error"]["fields"]] == ["origin"]
    no_token = police.post("/groups", data={"name": "Forged json"}, headers={"Origin": own})
    assert [f["field"] for f in no_token.json()["error"]["fields"]] == ["csrf_token"]
    assert "Forged" not in _groups(police)


def test_the_same_post_from_the_store_s_own_page_works(app):
    police = _signed_in(app, Role.police_mispers)
    token = csrf_token(police)
    by_origin = police.post(
        "/groups",
        data={"name": "Northside", "csrf_token": token},
        headers={"Origin": "http://testserver"},
    )
    assert by_origin.status_code == 303
    by_referer = police.post(
        "/groups",
        data={"name": "Southside", "csrf_token": token},
        headers={"Referer": "http://testserver/groups"},
    )
    assert by_referer.status_code == 303
    by_header = police.post(
        "/groups",
        data={"name": "Eastside"},
        headers={"Origin": "http://testserver", "X-CSRF-Token": token},
    )
    assert by_header.status_code == 303
    page = _groups(police)
    assert "Northside" in page and "Southside" in page and "Eastside" in page


def test_login_from_another_origin_or_without_the_browser_s_token_signs_no_one_in(app):
    """Login CSRF: a sibling page signing the victim's browser in as the attacker."""
    attacker = TestClient(app, follow_redirects=False)
    attackers_token = csrf_token(attacker)  # the attacker's own visit to the sign-in page
    victim = TestClient(app, follow_redirects=False)
    credentials = {"username": Role.police_officer.value, "password": PASSWORD}
    for headers, data in (
        ({"Origin": SIBLING}, credentials),
        ({"Origin": SIBLING}, {**credentials, "csrf_token": attackers_token}),
        ({"Origin": "http://testserver"}, {**credentials, "csrf_token": attackers_token}),
    ):
        answer = victim.post("/login", data=data, headers=headers)
        assert answer.status_code == 403
        assert "misper_session" not in answer.headers.get("set-cookie", "")
    assert "misper_session" not in victim.cookies
    own = victim.post(
        "/login",
        data={**credentials, "csrf_token": csrf_token(victim)},
        headers={"Origin": "http://testserver"},
    )
    assert own.status_code == 303 and "misper_session" in own.headers["set-cookie"]


def test_logout_needs_the_token_too(app):
    police = _signed_in(app, Role.police_mispers)
    forged = police.post("/logout", headers={"Origin": SIBLING})
    assert forged.status_code == 403
    assert police.get("/groups").status_code == 200  # still signed in
    assert post_form(police, "/logout").status_code == 303
    assert police.get("/groups", headers={"Accept": "text/html"}).status_code == 303


def test_the_api_needs_the_token_when_the_session_cookie_signs_in_not_a_bearer(app, sessions):
    from misper.app.auth.service import issue_token

    police = _signed_in(app, Role.police_mispers)
    forged = police.post("/api/groups", json={"name": "By cookie"}, headers={"Origin": SIBLING})
    assert forged.status_code == 403
    assert police.post("/api/groups", json={"name": "By cookie"}).status_code == 403
    allowed = police.post(
        "/api/groups",
        json={"name": "By cookie"},
        headers={"Origin": "http://testserver", "X-CSRF-Token": csrf_token(police)},
    )
    assert allowed.status_code == 201
    with sessions() as session:
        from misper.app.users.models import User

        user = session.query(User).filter_by(username=Role.police_officer.value).one()
        bearer = issue_token(session, user, "bearer")
        session.commit()
    system = TestClient(app, follow_redirects=False)  # a system: a bearer token, no cookie
    answer = system.post(
        "/api/groups", json={"name": "By bearer"}, headers={"Authorization": f"Bearer {bearer}"}
    )
    assert answer.status_code == 201
    # A page posted with a bearer token: no browser sends one by itself, so no token is asked.
    page = system.post(
        "/groups", data={"name": "Page by bearer"}, headers={"Authorization": f"Bearer {bearer}"}
    )
    assert page.status_code == 303
    # A bearer header with the browser's cookie: the bearer signs in, the cookie is ignored.
    both = police.post(
        "/api/groups", json={"name": "Both"}, headers={"Authorization": f"Bearer {bearer}"}
    )
    assert both.status_code == 201


# --- every POST form carries the token ---------------------------------------------------------

FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
POST = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.IGNORECASE)
FORM_END = re.compile(r"</form\s*>", re.IGNORECASE)


def post_forms_without_token(text: str) -> list[int]:
    """Lines of the POST forms in a template whose body has no `csrf_field()`."""
    missing = []
    for start in FORM.finditer(text):
        if not POST.search(start.group(0)):
            continue
        end = FORM_END.search(text, start.end())
        body = text[start.end() : end.start() if end else len(text)]
        if "csrf_field()" not in body:
            missing.append(text.count("\n", 0, start.start()) + 1)
    return missing


def test_the_form_checker_finds_a_form_without_the_token():
    assert post_forms_without_token('<form method="post"><button>Go</button></form>') == [1]
    assert post_forms_without_token("<form action=x METHOD=POST>\n</form>") == [1]
    assert post_forms_without_token('<form method="get"></form>') == []
    assert post_forms_without_token('<form method="post">{{ csrf_field() }}</form>') == []
    assert post_forms_without_token(
        '<form method="post">{{ csrf_field() }}</form>\n<form method="post"></form>'
    ) == [2]


def test_every_post_form_of_every_template_carries_the_token():
    templates = sorted(APP.rglob("templates/**/*.html"))
    assert len(templates) > 20
    missing = {
        str(path.relative_to(APP)): lines
        for path in templates
        if (lines := post_forms_without_token(path.read_text()))
    }
    assert missing == {}


# --- headers -----------------------------------------------------------------------------------

EXPECTED_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}


def test_every_answer_carries_the_security_headers_and_hsts_only_over_https(app):
    client = TestClient(app, follow_redirects=False)
    answers = {
        "page": client.get("/login"),
        "file": client.get("/static/network.js"),
        "api refusal": client.get("/api/children"),
        "not found": client.get("/nowhere", headers={"Accept": "text/html"}),
        "csrf refusal": client.post("/login", data={}),
        "too large": client.post("/api/auth/token", content=b"x" * 1_000_001),
        "nul": client.get("/login?q=%00"),
    }
    assert answers["file"].status_code == 200
    for what, answer in answers.items():
        for name, value in EXPECTED_HEADERS.items():
            assert answer.headers.get(name) == value, (what, name)
        assert "strict-transport-security" not in answer.headers, what
    # The server-error page too, answered outside the app's middleware, with its sign-out form.
    from misper.app.routing import signed_in

    @app.get("/test-fails")
    def fails(actor=signed_in()):
        raise RuntimeError("a fault")

    police = _signed_in(app, Role.police_mispers)
    police = TestClient(app, cookies=police.cookies, raise_server_exceptions=False)
    failed = police.get("/test-fails", headers={"Accept": "text/html"})
    assert failed.status_code == 500 and 'name="csrf_token"' in failed.text
    for name, value in EXPECTED_HEADERS.items():
        assert failed.headers.get(name) == value, ("server error", name)
    # A client cannot claim https for itself: only uvicorn's trusted proxies set the scheme.
    claimed = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in claimed.headers
    secure = TestClient(app, base_url="https://testserver").get("/login")
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    for name, value in EXPECTED_HEADERS.items():
        assert secure.headers.get(name) == value


def test_no_page_has_inline_script_or_style():
    """What the CSP forbids must not be needed: scripts and styles are files under /static."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    found = {
        str(path.relative_to(APP)): inline.findall(path.read_text())
        for path in sorted(APP.rglob("templates/**/*.html"))
    }
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_the_interactive_docs_are_off_and_the_openapi_description_stays(app):
    client = TestClient(app)
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Misper case store"


# --- body size ---------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_with_413(app):
    client = TestClient(app, follow_redirects=False)
    big = client.post(
        "/api/auth/token",
        content=b'{"username": "' + b"a" * 1_100_000 + b'", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert big.status_code == 413
    assert big.json()["error"] == {
        "code": "too_large",
        "message": "the request body is over 1 MB; nothing was read or changed",
        "fields": [{"field": "body", "message": "at most 1,000,000 bytes"}],
    }
    form = client.post("/login", data={"username": "a" * 1_100_000, "password": "x"})
    assert form.status_code == 413

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(12):
            yield b"a" * 100_000

    assert client.post("/api/auth/token", content=chunks()).status_code == 413
    # Just under the limit is read and answered as usual (401: no such user).
    fits = client.post(
        "/api/auth/token",
        json={"username": "a" * 80, "password": "b" * 200, "pad": "c" * 990_000},
    )
    assert fits.status_code in (401, 422)


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def _status_line(sock: socket.socket) -> bytes:
    received = b""
    while b"\r\n" not in received:
        part = sock.recv(4096)
        if not part:
            break
        received += part
    return received.split(b"\r\n", 1)[0]


STALLED = 10  # seconds: a small GET this slow waited for the other request's body


def _quick_get(base: str) -> float:
    """Seconds a small GET takes; over STALLED, it fails (the stall reported took 39 s)."""
    started = time.monotonic()
    answer = httpx.get(f"{base}/login", timeout=STALLED)
    assert answer.status_code == 200
    return time.monotonic() - started


def test_a_huge_body_is_refused_at_once_and_stalls_no_one(database_url):
    """The reported attack: a 400 MB body, unauthenticated, held every request on SQLite."""
    with serving(database_url) as base:
        _quick_get(base)  # the server warmed up: what is timed below is the wait alone
        with socket.create_connection(_address(base), timeout=STALLED) as huge:
            huge.sendall(
                b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 400000000\r\n\r\n"
            )
            time.sleep(0.2)  # the huge request is in before the small one
            assert _quick_get(base) < 3
            assert _status_line(huge) == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_slow_chunked_body_stalls_no_one_and_is_refused_past_the_limit(database_url):
    with serving(database_url) as base:
        _quick_get(base)
        with socket.create_connection(_address(base), timeout=STALLED) as slow:
            slow.sendall(
                b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"400\r\n" + b" " * 1024 + b"\r\n"
            )
            time.sleep(0.2)  # the slow request is in, its body unfinished
            assert _quick_get(base) < 3
            chunk = b"40000\r\n" + b" " * 0x40000 + b"\r\n"  # 256 KiB
            for _ in range(4):
                slow.sendall(chunk)
            assert _status_line(slow) == b"HTTP/1.1 413 Request Entity Too Large"


# --- redirects -------------------------------------------------------------------------------

# `back` values a browser would follow to another host, or that are no path of the store at all.
ELSEWHERE = [
    "/\\evil.example",  # the reported one: browsers read a backslash as a slash
    "/\\/evil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "/\t/evil.example",  # browsers drop the tab: "//evil.example"
    "/\n/evil.example",
    "/episodes/ep-a\r\nSet-Cookie: x=1",
    " //evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "",
]


def test_the_back_path_refuses_anything_a_browser_could_read_as_another_place():
    for value in ELSEWHERE + ["/\u2028/evil.example", "/episodes/\u202eep-a", "/x\x7f"]:
        assert same_site_path(value, "/home") == "/home", value
    for value in ("/", "/episodes/ep-a", "/triage/ep-a?tab=2#updates", "/checks/12"):
        assert same_site_path(value, "/home") == value


def test_the_updates_form_sends_the_user_back_only_to_a_path_of_this_site(app):
    social = _signed_in(app, Role.council_social_worker)
    for n, back in enumerate(ELSEWHERE):
        answer = post_form(
            social,
            "/episodes/ep-a/updates",
            data={"kind": "update", "text": f"Update {n}", "back": back},
        )
        assert answer.status_code == 303, (back, answer.status_code)
        assert answer.headers["location"] == "/triage/ep-a#updates", back
    own = post_form(
        social,
        "/episodes/ep-a/updates",
        data={"kind": "update", "text": "Phoned school", "back": "/episodes/ep-a"},
    )
    assert own.headers["location"] == "/episodes/ep-a#updates"


# --- caching and sign-out ----------------------------------------------------------------------


def test_pages_and_api_answers_are_never_stored_but_static_files_may_be(app):
    police = _signed_in(app, Role.police_mispers)
    html = {"Accept": "text/html"}
    answers = {
        "home": police.get("/", headers=html),
        "episode page": police.get("/episodes/ep-a", headers=html),
        "groups page": police.get("/groups", headers=html),
        "episode api": police.get("/api/episodes/ep-a"),
        "children api": police.get("/api/children"),
        "sign-in page": police.get("/login"),
        "refused": police.get("/api/users"),
        "not found page": police.get("/episodes/ep-b", headers=html),
    }
    statuses = {what: answer.status_code for what, answer in answers.items()}
    assert statuses == {
        "home": 200,
        "episode page": 200,
        "groups page": 200,
        "episode api": 200,
        "children api": 200,
        "sign-in page": 200,
        "refused": 403,
        "not found page": 404,
    }
    for what, answer in answers.items():
        assert answer.headers.get("cache-control") == "no-store", what
    static = police.get("/static/network.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


def test_signing_out_clears_the_browser_s_cache_cookies_and_storage(app):
    police = _signed_in(app, Role.police_mispers)
    out = post_form(police, "/logout")
    assert out.status_code == 303
    assert out.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert "misper_session" not in police.cookies


# --- refusals before any route are audited -----------------------------------------------------


def _events(app, action: str) -> list[tuple]:
    with app.state.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [
            (e.actor_id, e.entity, e.entity_id, json.loads(e.detail), e.mac is not None)
            for e in events
        ]


def test_a_forged_form_and_a_body_over_the_limit_are_audited(app):
    police = _signed_in(app, Role.police_mispers)
    token = csrf_token(police)
    own = {"Origin": "http://testserver"}
    assert (
        police.post(
            "/groups", data={"name": "Forged", "csrf_token": token}, headers={"Origin": SIBLING}
        ).status_code
        == 403
    )
    assert (
        police.post(
            "/groups", data={"name": "Forged", "csrf_token": "0" * 64}, headers=own
        ).status_code
        == 403
    )
    stranger = TestClient(app)
    assert stranger.post("/login", data={"username": "x"}, headers=own).status_code == 403
    assert stranger.post("/api/auth/token", content=b"x" * 1_000_001).status_code == 413
    assert _events(app, "csrf_refused") == [
        (
            None,
            "request",
            "/groups",
            {"method": "POST", "refused": "origin", "session_cookie": True},
            True,
        ),
        (
            None,
            "request",
            "/groups",
            {"method": "POST", "refused": "csrf_token", "session_cookie": True},
            True,
        ),
        (
            None,
            "request",
            "/login",
            {"method": "POST", "refused": "csrf_token", "session_cookie": False},
            True,
        ),
    ]
    assert _events(app, "too_large") == [
        (None, "request", "/api/auth/token", {"method": "POST", "content_length": "1000001"}, True)
    ]


# --- in a real browser -------------------------------------------------------------------------


@contextmanager
def sibling_site(html: str):
    """A page on another origin of the same site as the store (127.0.0.1, another port)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/attack.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _auto_post(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<input name="{k}" value="{v}">' for k, v in fields.items())
    return (
        f'<!doctype html><form method="post" action="{action}">{inputs}</form>'
        "<script>document.forms[0].submit()</script>"
    )


@pytest.fixture
def served(database_url, sessions):
    with sessions() as session:
        build_world(session)
        session.commit()
    with serving(database_url) as base:
        yield base


@pytest.mark.browser
def test_in_a_browser_a_sibling_origin_cannot_post_an_update_as_the_victim(served, browser):
    base = served
    context = browser.new_context()
    page = context.new_page()
    csp_errors = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, base, Role.police_mispers.value)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/groups")
    with sibling_site(_auto_post(f"{base}/groups", {"name": "Forged by a sibling"})) as attack:
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.goto(attack)
        assert posted.value.status == 403
    page.goto(f"{base}/groups")
    assert "Forged by a sibling" not in page.content()
    assert csp_errors == []
    context.close()


@pytest.mark.browser
def test_in_a_browser_a_sibling_origin_cannot_sign_the_victim_in_as_someone_else(served, browser):
    base = served
    context = browser.new_context()
    victim = context.new_page()
    credentials = {"username": Role.police_officer.value, "password": PASSWORD}
    with sibling_site(_auto_post(f"{base}/login", credentials)) as attack:
        with victim.expect_response(lambda r: r.request.method == "POST") as posted:
            victim.goto(attack)
        assert posted.value.status == 403
    assert [c for c in context.cookies(base) if c["name"] == "misper_session"] == []
    context.close()
