"""Who the child is (issue 14): the Philomena profile's date of birth and photo, the care home's
report when no date of birth is held, the child banner on the pages of the case, and finding a
child by name, pid or date of birth; each within what the viewer may see.

The world (world.py): side A's child "Child A" (child-a, born 1 May 2009, placed in A's home, open
episode ep-a with its return home interview), side B's "Child B" likewise; every user is side A's.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.forms import FormClient, csrf_token, origin
from app.world import PASSWORD, build_world
from misper.app.audit.models import AuditEvent
from misper.app.children import photos
from misper.app.children.identity import child_banner
from misper.app.children.models import Child, ChildPhoto
from misper.app.children.service import check_date_of_birth
from misper.app.db import make_engine, session_factory
from misper.app.episodes.models import Episode
from misper.app.errors import Invalid
from misper.app.main import create_app
from misper.app.users.models import Role
from misper.demo.identity import birth_dates, seed_identities


def _png(size=(800, 600), colour=(200, 30, 30), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x0131] = "secret-software"  # Software
        image.save(out, "JPEG", exif=tags.tobytes())
    else:
        image.save(out, "PNG")
    return out.getvalue()


# --- The photo and the date of birth, checked by the store -----------------------------------


def test_a_photo_is_re_encoded_small_without_its_metadata():
    original = _png((1600, 1200), exif=True)
    assert b"secret-software" in original
    thumb = photos.thumbnail(original)
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG" and image.size == (240, 180)
        assert not image.getexif()
    assert b"secret-software" not in thumb and b"PhoneMaker" not in thumb


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "choose a photo"),
        (b"MZ\x90\x00 this is a program renamed photo.jpg", "not a photo the store takes"),
        (b"GIF89a" + b"\x00" * 64, "not a photo the store takes"),  # a GIF: not taken
        (_png()[:60], "could not be read"),  # cut short
        (b"\xff" * (2_000_001), "choose one under 2 MB"),
    ],
)
def test_what_is_not_a_photo_under_the_limit_is_refused_by_the_photo_field(data, words):
    with pytest.raises(Invalid) as refused:
        photos.thumbnail(data)
    assert refused.value.fields[0]["field"] == "photo"
    assert words in refused.value.fields[0]["message"]


def test_a_date_of_birth_is_in_the_past_and_makes_a_child():
    today = date(2026, 12, 7)
    assert check_date_of_birth(date(2008, 12, 8), today) == date(2008, 12, 8)  # 17 today
    for born, words in (
        (date(2027, 1, 1), "in the future"),
        (today, "today"),
        (date(2008, 12, 7), "makes the child 18"),  # 18th birthday today
        (date(1990, 1, 1), "makes the child 36"),
    ):
        with pytest.raises(Invalid) as refused:
            check_date_of_birth(born, today)
        assert refused.value.fields[0]["field"] == "date_of_birth"
        assert words in refused.value.fields[0]["message"]


# --- The pages, each test on a store of its own ----------------------------------------------


@pytest.fixture
def site(database_url):
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        build_world(session)
        session.commit()
    app = create_app(database_url)
    yield app, session_factory(engine)
    app.state.engine.dispose()
    engine.dispose()


def _client(app, role: Role) -> FormClient:
    client = FormClient(app, follow_redirects=False)
    answer = client.post("/login", data={"username": role.value, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


def _save_profile(client, pid="child-a", born="2010-04-23", photo: bytes | None = None, name="x"):
    files = {"photo": (name, photo, "image/jpeg")} if photo is not None else None
    return client.post(
        f"/children/{pid}/profile",
        data={"description": "short dark hair", "date_of_birth": born, "agreed_wait_minutes": ""},
        files=files,
    )


def _field_error(html: str, field: str) -> str:
    start = html.index(f'id="{field}-error"')
    return html[start : html.index("</p>", start)]


@pytest.mark.parametrize(
    ("born", "photo", "name", "field", "words"),
    [
        (f"{date.today() + timedelta(days=3)}", None, "", "date_of_birth", "in the future"),
        ("2001-02-03", None, "", "date_of_birth", "a child is under 18"),
        ("2010-02-31", None, "", "date_of_birth", ""),  # no such day
        ("2010-04-23", b"%PDF-1.4 not a picture at all", "photo.jpg", "photo", "not a photo"),
        ("2010-04-23", b"\xff\xd8" + b"\x00" * 2_100_000, "big.jpg", "photo", "under 2 MB"),
    ],
)
def test_the_profile_refuses_bad_identity_beside_its_field_and_keeps_nothing(
    site, born, photo, name, field, words
):
    app, sessions = site
    client = _client(app, Role.care_staff)
    answer = _save_profile(client, born=born, photo=photo, name=name)
    assert answer.status_code == 422
    assert words in _field_error(answer.text, field)
    assert "short dark hair" in answer.text  # what was typed stays
    with sessions() as session:  # nothing half-written: no new version, no photo, the old date
        child = session.scalar(select(Child).where(Child.pid == "child-a"))
        assert child.date_of_birth == date(2009, 5, 1)
        assert session.scalar(select(ChildPhoto.id)) is None
        assert "short dark hair" not in client.get("/children/child-a/profile").text


def test_care_staff_record_the_date_of_birth_and_photo_and_the_photo_is_served_privately(site):
    app, sessions = site
    client = _client(app, Role.care_staff)
    answer = _save_profile(client, photo=_png(exif=True), name="IMG_0001.JPG")
    assert answer.status_code == 303, answer.text
    page = client.get("/children/child-a/profile").text
    assert 'value="2010-04-23"' in page and 'src="/children/child-a/photo"' in page
    served = client.get("/children/child-a/photo")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "no-store"
    assert b"secret-software" not in served.content
    with sessions() as session:
        child = session.scalar(select(Child).where(Child.pid == "child-a"))
        assert child.date_of_birth == date(2010, 4, 23)  # the one date, on the child's record
        reads = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity == "child_photo", AuditEvent.child_id == child.id
            )
        ).all()
        assert sorted(reads) == ["read", "update"]


def test_a_bad_date_of_birth_and_a_bad_photo_are_both_named_at_once(site):
    app, _sessions = site
    client = _client(app, Role.care_staff)
    soon = f"{date.today() + timedelta(days=10)}"
    answer = _save_profile(client, born=soon, photo=b"not a photo", name="me.jpg")
    assert answer.status_code == 422
    assert "in the future" in _field_error(answer.text, "date_of_birth")
    assert "not a photo" in _field_error(answer.text, "photo")


def test_a_date_of_birth_held_before_is_kept_as_it_is_when_the_profile_is_saved(site):
    """An imported record may hold a date no form would take now (a person since grown up): the
    profile still saves, and the date is refused only when someone types it anew."""
    app, sessions = site
    with sessions() as session:
        session.execute(
            Child.__table__.update()
            .where(Child.pid == "child-a")
            .values(date_of_birth=date(2001, 2, 3))
        )
        session.commit()
    client = _client(app, Role.care_staff)
    assert _save_profile(client, born="2001-02-03").status_code == 303
    assert _save_profile(client, born="2001-02-04").status_code == 422


def _give_photo(sessions, pid: str) -> None:
    with sessions() as session:
        child = session.scalar(select(Child).where(Child.pid == pid))
        session.add(
            ChildPhoto(
                child_id=child.id,
                content=photos.thumbnail(_png()),
                media_type="image/jpeg",
                uploaded_at=datetime.now(),
            )
        )
        session.commit()


@pytest.mark.parametrize(
    ("role", "own"),
    [
        (Role.care_staff, 200),
        (Role.police_control_room, 200),
        (Role.council_social_worker, 200),
        (Role.rhi_worker, 200),  # the interview's child, to arrange it
        (Role.charity_worker, 403),
        (Role.analyst, 403),
        (Role.admin, 403),
    ],
)
def test_the_photo_is_served_only_to_who_may_see_the_child(site, role, own):
    app, sessions = site
    _give_photo(sessions, "child-a")
    _give_photo(sessions, "child-b")
    client = _client(app, role)
    assert client.get("/children/child-a/photo").status_code == own
    # Another area's child (another force's, another council's, another home's): as absent.
    assert client.get("/children/child-b/photo").status_code == (404 if own == 200 else 403)


def test_the_banner_names_only_a_child_the_viewer_may_identify(world):
    session, w = world
    police = w.actor(Role.police_control_room)
    own = child_banner(session, police, rid="ep-a", now=datetime(2024, 3, 2))
    assert (own.name, own.age, own.identified) == ("Child A", 14, True)
    assert [m.label for m in own.markers] == ["Missing now"]
    # Another force's child, asked by pid: the pid alone, no name, age, photo or markers.
    other = child_banner(session, police, pid="child-b")
    assert other == type(other)("child-b", identified=False)
    # Another force's episode: no banner at all (the page itself answers 404).
    assert child_banner(session, police, rid="ep-b") is None
    rhi = child_banner(session, w.actor(Role.rhi_worker), pid="child-a", now=datetime(2024, 3, 2))
    assert (rhi.name, rhi.age, rhi.markers) == ("Child A", 14, ())  # no episodes to read
    charity = child_banner(session, w.actor(Role.charity_worker), pid="child-a")
    assert (charity.name, charity.identified) == (None, False)


def test_the_banner_marks_concerns_and_frequent_missing_from_episodes_the_viewer_reads(world):
    session, w = world
    child_a = w.a.child
    for day, flags in ((5, ["cse"]), (9, ["vulnerable", "cce"])):
        session.add(
            Episode(
                rid=f"ep-a-{day}",
                child_id=child_a.id,
                force_id=w.a.agencies["force"].id,
                links_recorded=False,
                associates_recorded=False,
                version=1,
                updated_at=datetime(2024, 2, day),
                reported_at=datetime(2024, 2, day),
                found_at=datetime(2024, 2, day, 6),
                age=14,
                risk_flags=flags,
                missing_from_type="home",
            )
        )
    session.flush()
    police = child_banner(session, w.actor(Role.police_mispers), pid="child-a", now=w_now())
    assert [m.label for m in police.markers] == [
        "Missing now",
        "CSE concern",
        "CCE concern",
        "Frequently missing: 3 in the last year",
    ]
    # Care staff read the episodes of the children in their homes too; the force's own two new
    # episodes were reported by no one of theirs but the child lives with them.
    carer = child_banner(session, w.actor(Role.care_staff), pid="child-a", now=w_now())
    assert [m.kind for m in carer.markers] == ["missing", "concern", "concern", "frequent"]


def w_now() -> datetime:
    return datetime(2024, 3, 2)


def test_the_control_room_sees_the_child_on_the_episode_and_triage_pages(site):
    app, sessions = site
    _give_photo(sessions, "child-a")
    client = _client(app, Role.police_control_room)
    age = date.today().year - 2009 - ((date.today().month, date.today().day) < (5, 1))
    for path in ("/episodes/ep-a", "/triage/ep-a"):
        page = client.get(path)
        assert page.status_code == 200
        banner = page.text[page.text.index('class="child-banner"') :]
        banner = banner[: banner.index("</section>")]
        assert "Child A" in banner and f"Age {age}" in banner and "Missing now" in banner
        assert 'src="/children/child-a/photo"' in banner


# --- Reporting a child whose date of birth is not recorded ------------------------------------


def _check(client, sessions) -> str:
    """A new check of child A, late two hours; the world's open episode of the child closed first
    (a second report of a child already missing goes to the open episode)."""
    with sessions() as session:
        session.execute(
            Episode.__table__.update()
            .where(Episode.rid == "ep-a")
            .values(found_at=datetime(2024, 3, 2), version=Episode.version + 1)
        )
        session.commit()
    answer = client.post(
        "/children/child-a/not-here",
        data={"expected_back": f"{datetime.now() - timedelta(hours=2):%Y-%m-%dT%H:%M}"},
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_the_care_home_reports_a_child_with_no_date_of_birth_by_giving_the_age(site):
    app, sessions = site
    with sessions() as session:
        session.execute(
            Child.__table__.update().where(Child.pid == "child-a").values(date_of_birth=None)
        )
        session.commit()
    client = _client(app, Role.care_staff)
    check = _check(client, sessions)
    assert 'id="age"' in client.get(check).text  # asked, since no date of birth is held
    report = f"{check}/report"
    for typed, words in (
        ("", "their date of birth is not recorded"),
        ("fourteen", "whole number of years"),
        ("19", "from 0 to 17"),
    ):
        refused = client.post(report, data={"age": typed})
        assert refused.status_code == 422
        assert words in _field_error(refused.text, "age")
    assert client.post(report, data={"age": "14"}).status_code == 303
    with sessions() as session:
        ages = session.scalars(
            select(Episode.age)
            .join(Child, Child.id == Episode.child_id)
            .where(Child.pid == "child-a", Episode.rid != "ep-a")
        ).all()
        assert ages == [14]


def test_a_child_with_a_date_of_birth_is_reported_without_asking_the_age(site):
    app, sessions = site
    client = _client(app, Role.care_staff)
    check = _check(client, sessions)
    assert 'id="age"' not in client.get(check).text
    assert client.post(f"{check}/report", data={}).status_code == 303
    today = date.today()
    with sessions() as session:
        age = session.scalar(
            select(Episode.age)
            .join(Child, Child.id == Episode.child_id)
            .where(Child.pid == "child-a", Episode.rid != "ep-a")
        )
    assert age == today.year - 2009 - ((today.month, today.day) < (5, 1))


# --- Finding a child ------------------------------------------------------------------------


def test_search_finds_a_child_by_name_pid_or_date_of_birth_within_scope(site):
    app, sessions = site
    client = _client(app, Role.council_social_worker)
    for term in ("child a", "hild", "child-a", "01/05/2009", "2009-05-01"):
        listed = client.get("/children", params={"q": term}).text
        assert "child-a" in listed and "child-b" not in listed, term  # B: born the same day
    assert "No child matches" in client.get("/children", params={"q": "Zebedee"}).text
    with sessions() as session:
        searched = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "list", AuditEvent.entity == "child")
            .order_by(AuditEvent.id)
        ).all()
    assert [json.loads(d).get("search") for d in searched][-2:] == ["date_of_birth", "name or pid"]


def test_police_search_by_name_only_once_they_give_a_reason(site):
    app, _sessions = site
    client = _client(app, Role.police_mispers)
    assert "No child matches" in client.get("/children", params={"q": "Child A"}).text
    assert "child-a" in client.get("/children", params={"q": "child-a"}).text
    named = client.get("/children", params={"q": "Child A", "reason": "missing now, checking"})
    assert "child-a" in named.text and "Child A" in named.text


# --- The demo's children ----------------------------------------------------------------------


def test_demo_dates_of_birth_agree_with_every_episode_age():
    import random

    rows = [
        (1, datetime(2024, 3, 10, 22), 14),  # born 11 Mar 2009 .. 10 Mar 2010
        (1, datetime(2025, 1, 5, 9), 15),  # born 6 Jan 2009 .. 5 Jan 2010
        (2, datetime(2024, 2, 29, 12), 13),  # a leap day: born 1 Mar 2010 .. 28 Feb 2011
    ]
    for seed in range(20):
        born = birth_dates(rows, random.Random(seed))
        assert date(2009, 3, 11) <= born[1] <= date(2010, 1, 5)
        assert date(2010, 3, 1) <= born[2] <= date(2011, 2, 28)


def test_demo_children_get_a_name_a_date_of_birth_and_a_photo(world):
    session, w = world
    nameless = Child(pid="demo-1", gender="male", created_at=datetime(2024, 1, 1))
    session.add(nameless)
    session.flush()
    session.add(
        Episode(
            rid="demo-ep",
            child_id=nameless.id,
            force_id=w.a.agencies["force"].id,
            links_recorded=False,
            associates_recorded=False,
            version=1,
            updated_at=datetime(2024, 6, 1),
            reported_at=datetime(2024, 6, 1),
            age=15,
            missing_from_type="home",
        )
    )
    session.flush()
    assert seed_identities(session, seed=7) == 1  # the world's two children keep their names
    session.refresh(nameless)
    assert len(nameless.name.split()) >= 2
    assert date(2008, 6, 2) <= nameless.date_of_birth <= date(2009, 6, 1)
    photo = session.scalar(select(ChildPhoto).where(ChildPhoto.child_id == nameless.id))
    with Image.open(io.BytesIO(photo.content)) as image:
        assert image.format == "JPEG" and image.size == (120, 120)
    assert session.scalar(select(Child.name).where(Child.pid == "child-a")) == "Child A"


def test_the_api_takes_the_age_of_a_child_with_no_date_of_birth_and_finds_by_name(site):
    app, sessions = site
    client = _client(app, Role.care_staff)
    check = _check(client, sessions)
    with sessions() as session:
        session.execute(
            Child.__table__.update().where(Child.pid == "child-a").values(date_of_birth=None)
        )
        session.commit()
    check_id = check.rsplit("/", 1)[1]
    headers = {"X-CSRF-Token": csrf_token(client), "Origin": origin(client)}
    refused = client.post(f"/api/checks/{check_id}/report", json={}, headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["fields"][0]["field"] == "age"
    too_old = client.post(f"/api/checks/{check_id}/report", json={"age": 18}, headers=headers)
    assert too_old.status_code == 422
    reported = client.post(f"/api/checks/{check_id}/report", json={"age": 13}, headers=headers)
    assert reported.status_code == 201, reported.text
    with sessions() as session:
        age = session.scalar(select(Episode.age).where(Episode.rid == reported.json()["rid"]))
    assert age == 13
    found = client.get("/api/children", params={"q": "Child A"}).json()
    assert [c["pid"] for c in found["items"]] == ["child-a"]
