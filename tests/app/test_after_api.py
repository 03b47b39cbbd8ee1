"""The after-episode routes over HTTP: closing, the interview clock, field errors, 404 outside
scope, the dashboards' figures, the worker command, and the pages rendering for each role."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from app.after_world import build
from misper.app.auth.service import issue_token
from misper.app.notifications.models import Notification
from misper.app.users.models import User


@pytest.fixture
def api(database_url, sessions):
    from misper.app.main import create_app

    session = sessions()
    world = build(session)
    users = {u.username: u for u in session.scalars(select(User))}
    tokens = {name: issue_token(session, user, "bearer") for name, user in users.items()}
    session.commit()
    app = create_app(database_url)
    with TestClient(app) as client:

        def call(name, method, path, **kwargs):
            return client.request(
                method, path, headers={"Authorization": f"Bearer {tokens[name]}"}, **kwargs
            )

        yield call, session, world, database_url
    app.state.engine.dispose()
    session.close()


def test_close_over_http_then_clock_and_404_elsewhere(api):
    call, session, world, _url = api
    world.episode(session, "away", datetime.now() - timedelta(hours=3), rid="e1")
    session.commit()
    found = (datetime.now() - timedelta(hours=1)).isoformat(timespec="minutes")
    bad = call(
        "mispers",
        "POST",
        "/api/episodes/e1/close",
        json={"version": 1, "found_at": "soon", "found_by": "wizard"},
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["error"]["fields"]} == {"body.found_at", "body.found_by"}
    assert (
        call(
            "other.force", "POST", "/api/episodes/e1/close", json={"version": 1, "found_at": found}
        ).status_code
        == 404
    )
    closed = call(
        "mispers",
        "POST",
        "/api/episodes/e1/close",
        json={
            "version": 1,
            "found_at": found,
            "found_by": "police",
            "found_postcode_sector": "AL1 3",
        },
    )
    assert closed.status_code == 200, closed.text
    rhi_id = closed.json()["return_home_interview_id"]
    assert closed.json()["episode"]["distance_miles"] == 0.0
    [row] = call("coord.placing", "GET", "/api/rhi-clock").json()
    assert (row["id"], row["state"]) == (rhi_id, "due")
    assert call("coord.host", "GET", f"/api/rhi-clock/{rhi_id}").status_code == 200
    assert call("mispers", "GET", f"/api/rhi-clock/{rhi_id}").status_code == 404  # not shared
    assert call("care", "GET", f"/api/rhi-clock/{rhi_id}").status_code == 403
    done = call(
        "coord.placing",
        "POST",
        f"/api/rhi-clock/{rhi_id}/record",
        json={
            "version": 1,
            "offered": True,
            "accepted": True,
            "completed_at": datetime.now().isoformat(timespec="minutes"),
            "findings": {"reason_codes": ["curfew"]},
            "shared": ["reason_codes"],
        },
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed_on_time"
    police = call("mispers", "GET", f"/api/rhi-clock/{rhi_id}").json()
    assert police["findings"]["reason_codes"] == ["curfew"] and police["findings"]["where"] is None
    bad_share = call(
        "coord.placing",
        "POST",
        f"/api/rhi-clock/{rhi_id}/record",
        json={"version": 2, "shared": ["everything"]},
    )
    assert bad_share.status_code == 422
    assert bad_share.json()["error"]["fields"][0]["field"].startswith("body.shared")


def test_worker_once_notifies_overdue_interviews_once(api):
    from misper.cli import app as cli

    call, session, world, url = api
    world.episode(session, "away", datetime.now() - timedelta(days=5), rid="e1")
    session.commit()
    found = (datetime.now() - timedelta(hours=73)).isoformat(timespec="minutes")
    assert (
        call(
            "mispers", "POST", "/api/episodes/e1/close", json={"version": 1, "found_at": found}
        ).status_code
        == 200
    )
    runner = CliRunner()
    first = runner.invoke(cli, ["worker", "--once", "--db", url])
    second = runner.invoke(cli, ["worker", "--once", "--db", url])
    assert first.exit_code == 0 and "1 overdue" in first.output
    assert "0 overdue" in second.output
    session.expire_all()
    subjects = session.scalars(
        select(Notification.subject).where(Notification.agency_id == world.agencies["placing"].id)
    ).all()
    assert sum("overdue" in s for s in subjects) == 1


def test_dashboards_figures_and_pages_per_role(api):
    call, session, world, _url = api
    now = datetime.now()
    for k, days in enumerate((40, 20, 10, 2)):  # four episodes of the away child in the year
        world.episode(session, "away", now - timedelta(days=days), rid=f"a{k}")
    world.episode(session, "local", now - timedelta(hours=5), rid="open1")
    session.commit()
    for k in range(4):
        at = (now - timedelta(days=(40, 20, 10, 2)[k]) + timedelta(hours=1)).isoformat(
            timespec="minutes"
        )
        assert (
            call(
                "mispers",
                "POST",
                f"/api/episodes/a{k}/close",
                json={"version": 1, "found_at": at, "found_how": "returned_self"},
            ).status_code
            == 200
        )
    opened = call("mispers", "GET", "/api/dashboards/open-episodes").json()
    assert [r["rid"] for r in opened] == ["open1"] and 4.9 < opened[0]["hours_missing"] < 5.1
    frequent = call("coord.placing", "GET", "/api/dashboards/frequently-missing").json()
    [child] = frequent["frequent"]
    assert (child["pid"], child["last_90_days"], child["last_year"]) == ("P-away", 4, 4)
    assert child["escalation"] == "MARM referred"  # the third within 30 days (days 20, 10, 2)
    start = (now - timedelta(days=60)).date().isoformat()
    end = (now + timedelta(days=1)).date().isoformat()
    [home] = call(
        "mispers", "GET", "/api/dashboards/care-homes", params={"start": start, "end": end}
    ).json()
    # Four episodes from the home, all ended within 2 hours by the child's own return.
    assert (home["episodes"], home["short_own_return_share"]) == (4, 1.0)
    assert home["resident_months"] == pytest.approx(61 / (365.25 / 12), abs=0.05)
    spots = call(
        "mispers", "GET", "/api/dashboards/hotspots", params={"start": start, "end": end}
    ).json()
    assert {r["missing_from_postcode_sector"]: r["episodes"] for r in spots["from_sectors"]} == {
        "AL1 3": 4,
        "SG1 1": 1,
    }
    assert call("coord.placing", "GET", "/api/dashboards/network").status_code == 403
    timeline = call("coord.placing", "GET", "/api/children/P-away/timeline").json()
    assert [e["kind"] for e in timeline].count("episode") == 4 and any(
        e["kind"] == "referral" for e in timeline
    )
    for name, path in (
        ("mispers", "/dashboards/open"),
        ("mispers", "/dashboards/frequent"),
        ("coord.placing", "/dashboards/interviews"),
        ("care", "/dashboards/care-homes"),
        ("mispers", "/dashboards/hotspots"),
        ("mispers", "/dashboards/network"),
        ("coord.placing", "/notifications"),
        ("coord.placing", "/children/P-away/timeline"),
    ):
        page = call(name, "GET", path)
        assert page.status_code == 200, (name, path, page.text[:300])
        assert "<h1>" in page.text
    assert "P-away" in call("coord.placing", "GET", "/dashboards/interviews").text
    assert call("care", "GET", "/dashboards/network").status_code == 403


def test_prevention_findings_marked_for_intelligence_feed_the_episode(api):
    call, session, world, _url = api
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    session.commit()
    body = {
        "outcome": "done",
        "findings": {
            "reason_codes": ["curfew", "friends_partner"],
            "exploitation_indicators": ["cce"],
            "free_text": "said little",
        },
        "for_intelligence": ["reason_codes"],
    }
    assert call("care", "PUT", "/api/episodes/e1/prevention-findings", json=body).status_code == 403
    saved = call("mispers", "PUT", "/api/episodes/e1/prevention-findings", json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["findings"]["shared"] == ["reason_codes"]
    episode = call("mispers", "GET", "/api/episodes/e1").json()
    assert episode["reason_codes"] == ["curfew", "friends_partner"]
    assert not episode["risk_flags"]  # the indicator was not marked, so it stays in the interview
    assert call("other.force", "GET", "/api/episodes/e1/prevention-findings").status_code == 404
    page = call(
        "mispers",
        "POST",
        "/episodes/e1/prevention",
        data={"outcome": "declined", "reason_codes": "bored", "shared": "reason_codes"},
        follow_redirects=False,
    )
    assert page.status_code == 303
    assert "Saved." in call("mispers", "GET", page.headers["location"]).text
    assert call("mispers", "GET", "/api/episodes/e1").json()["reason_codes"] == [
        "curfew",
        "friends_partner",
        "bored",
    ]
    bad = call("mispers", "POST", "/episodes/e1/prevention", data={"outcome": "maybe"})
    assert bad.status_code == 422 and 'href="#outcome"' in bad.text


def test_closing_page_records_crimes_links_and_says_what_is_wrong(api):
    call, session, world, _url = api
    reported = datetime.now() - timedelta(hours=6)
    world.episode(session, "away", reported, rid="e1")
    world.episode(session, "local", reported, rid="e2")
    session.commit()
    form = {"version": "1", "found_at": (reported - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    early = call("mispers", "POST", "/episodes/e1/close", data=form, follow_redirects=False)
    assert early.status_code == 422
    assert "The found time cannot be before the child was reported missing" in early.text
    form.update(
        found_at=(reported + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        victim_of_crime="true",
        with_rids="e2",
        associates="adult-7",
        harm="minor",
    )
    done = call("mispers", "POST", "/episodes/e1/close", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/children/P-away/timeline"
    episode = call("mispers", "GET", "/api/episodes/e1").json()
    assert (episode["victim_of_crime"], episode["arrested_while_missing"], episode["harm"]) == (
        True,
        None,
        "minor",
    )
    links = call("mispers", "GET", "/api/episodes/e2/associations").json()
    assert links["linked_rids"] == ["e1"]  # together both ways
    mine = call("mispers", "GET", "/api/episodes/e1/associations").json()
    assert mine["linked_rids"] == ["e2"] and mine["associates"][0]["associate_id"] == "adult-7"
