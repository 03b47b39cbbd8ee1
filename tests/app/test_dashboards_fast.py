"""The dashboards' database paths (frequently missing, hotspots, triage's history) give what the
whole-store frame gives, within the same scope; one child's co-missing network, counted by hand."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from app.after_world import build
from misper.analysis.selection import child_reports
from misper.app import access
from misper.app.children.models import Child
from misper.app.dashboards import network as child_network
from misper.app.dashboards import service as dash
from misper.app.episodes.models import Associate, EpisodeAssociate, EpisodeLink
from misper.app.errors import Invalid, NotFound
from misper.app.triage import service as triage
from misper.incidents.frame import to_canonical

NOW = datetime.now().replace(microsecond=0)


@pytest.fixture
def world(sessions):
    session = sessions()
    built = build(session)
    yield session, built
    session.rollback()
    session.close()


def _history(session, world):
    """Episodes of both children over two years, with some the report's rule leaves out."""
    for k, days in enumerate((5, 20, 40, 80, 200, 400, 500)):
        world.episode(session, "local", NOW - timedelta(days=days), rid=f"l{k}")
    for k, days in enumerate((2, 3, 4, 30, 300)):
        world.episode(session, "away", NOW - timedelta(days=days), rid=f"a{k}", risk_flags=["cse"])
    adult = world.episode(session, "local", NOW - timedelta(days=6), rid="adult")
    adult.age = 19  # not a child's report
    other = world.episode(session, "local", NOW - timedelta(days=7), rid="other-kind")
    other.record_type = "absent"
    merged = world.episode(session, "away", NOW - timedelta(days=8), rid="merged")
    merged.merged_into_id = merged.id - 1
    session.flush()


@pytest.mark.parametrize("who", ["mispers", "care"])
def test_frequent_and_emerging_match_the_whole_frame(world, who):
    session, built = world
    _history(session, built)
    actor = built.actors[who]
    frequent, rising = dash.frequent_and_emerging(session, actor, NOW)
    frame = dash.scoped_frame(session, actor)
    children = frame[child_reports(frame)[0]]
    status = dash.escalation_status(session, actor)
    expected = dash.frequently_missing(children, NOW, status)
    pd.testing.assert_frame_equal(
        frequent.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        rising.reset_index(drop=True),
        dash.emerging(children, NOW).reset_index(drop=True),
        check_dtype=False,
    )
    # By hand: "local" has l0-l4 in the year (the adult's report and the absence left out), l0-l3
    # within 90 days; "away" a0-a4 (the merged duplicate left out), a0-a3 within 90 days.
    pairs = zip(frequent["last_90_days"], frequent["last_year"], strict=True)
    counts = dict(zip(frequent["pid"], pairs, strict=True))
    if who == "mispers":
        assert counts == {"P-local": (4, 5), "P-away": (4, 5)}
    else:  # the home sees its resident only
        assert counts == {"P-away": (4, 5)}


@pytest.mark.parametrize("who", ["mispers", "care", "coord.host"])
def test_hotspot_counts_match_the_report_on_the_whole_frame(world, who):
    session, built = world
    _history(session, built)
    actor = built.actors[who]
    start, end = NOW - timedelta(days=365), NOW + timedelta(days=1)
    fast = dash.hotspot_counts(session, actor, start, end)
    plain = dash.hotspots(dash.scoped_frame(session, actor), start, end)
    assert set(fast) == set(plain)
    for key, table in plain.items():
        expected = [tuple(r) for r in table.astype(object).itertuples(index=False)]
        assert [tuple(r) for r in fast[key].astype(object).itertuples(index=False)] == expected
    if who == "mispers":  # by hand: a0-a4 from the home, l0-l4 and two others from SG1 1
        assert fast["places"].values.tolist() == [["H-OAK", 5]]
        assert fast["from_sectors"].values.tolist() == [["SG1 1", 7], ["AL1 3", 5]]
    with pytest.raises(Invalid) as refused:
        dash.hotspot_counts(session, actor, end, start)
    assert refused.value.fields[0]["field"] == "end"


def test_triage_history_frame_reads_the_lists_as_the_canonical_frame_does(world):
    session, built = world
    _history(session, built)
    built.episode(
        session, "away", NOW - timedelta(days=9), rid="flags", risk_flags=["cse", "drugs"]
    )
    scope = access.episodes(built.actors["mispers"])
    fast = triage.history_frame(session, scope).sort_values("rid", ignore_index=True)
    from sqlalchemy import select

    from misper.app.episodes.models import Episode, episodes_table

    rows = session.execute(
        select(Child.pid, *[episodes_table.c[n] for n in triage.HISTORY_COLUMNS])
        .join(Child, Child.id == Episode.child_id)
        .where(scope)
    ).all()
    plain = to_canonical(pd.DataFrame(rows, columns=["pid", *triage.HISTORY_COLUMNS]))
    pd.testing.assert_frame_equal(fast, plain.sort_values("rid", ignore_index=True))
    assert list(fast.loc[fast["rid"] == "flags", "risk_flags"].iloc[0]) == ["cse", "drugs"]


def _network(session, built):
    """away and local missing together 10 days ago (each lists the other: one outing) and 100
    days ago (only local's lists it); away and a third child 300 days ago. Adults: A-1 named by
    both (10 days ago), A-2 by local only, A-3 (an address) by away, A-X another force's."""
    third = Child(
        pid="P-third",
        name="Child third",
        date_of_birth=date(2010, 1, 1),
        responsible_council_id=built.agencies["placing"].id,
        created_at=datetime(2024, 1, 1),
    )
    session.add(third)
    session.flush()
    built.children["third"] = third
    ep = {
        rid: built.episode(session, child, NOW - timedelta(days=days), rid=rid)
        for rid, child, days in (
            ("a-10", "away", 10),
            ("l-10", "local", 10),
            ("a-100", "away", 100),
            ("l-100", "local", 100),
            ("a-300", "away", 300),
            ("t-300", "third", 300),
            ("l-alone", "local", 20),
        )
    }
    links = [("a-10", "l-10"), ("l-10", "a-10"), ("l-100", "a-100"), ("a-300", "t-300")]
    session.add_all(EpisodeLink(episode_id=ep[a].id, linked_rid=b) for a, b in links)
    force, other = built.agencies["force"].id, built.agencies["other_force"].id
    people = {
        "A-1": Associate(force_id=force, associate_id="A-1", kind="person"),
        "A-2": Associate(force_id=force, associate_id="A-2", kind="person"),
        "A-3": Associate(force_id=force, associate_id="A-3", kind="address"),
        "A-X": Associate(force_id=other, associate_id="A-X", kind="person"),
    }
    session.add_all(people.values())
    session.flush()
    named = [("a-10", "A-1"), ("l-10", "A-1"), ("l-alone", "A-2"), ("a-10", "A-3")]
    named.append(("a-10", "A-X"))
    session.add_all(
        EpisodeAssociate(episode_id=ep[e].id, associate_id=people[a].id) for e, a in named
    )
    session.flush()


def _edges(graph):
    return sorted((e["a"], e["b"], e["weight"]) for e in graph["edges"])


def test_one_childs_network_over_the_period_chosen(world):
    session, built = world
    _network(session, built)
    police = built.actors["mispers"]
    three = child_network.child_network(session, police, "P-away", 3, NOW)
    assert [n["id"] for n in three["nodes"]] == [
        "child:P-away",
        "child:P-local",
        "associate:A-1",
        "associate:A-3",
    ]
    assert _edges(three) == [
        ("associate:A-1", "child:P-away", 1),
        ("associate:A-1", "child:P-local", 1),
        ("associate:A-3", "child:P-away", 1),
        ("child:P-away", "child:P-local", 1),
    ]
    # Police must give a reason to see names in a list: pids only.
    assert [n["label"] for n in three["nodes"][:2]] == ["P-away", "P-local"]
    six = child_network.child_network(session, police, "P-away", 6, NOW)
    assert ("child:P-away", "child:P-local", 2) in _edges(six)
    year = child_network.child_network(session, police, "P-away", 12, NOW)
    assert ("child:P-away", "child:P-third", 1) in _edges(year)
    # From local's side the same outings, the same weight.
    local = child_network.child_network(session, police, "P-local", 6, NOW)
    assert ("child:P-local", "child:P-away", 2) in _edges(local)
    # A-2 is local's own (shown from its side); from away's, named by local only, it links
    # nobody to away, and is left out (the node list above).
    assert ("associate:A-2", "child:P-local", 1) in _edges(local)


def test_the_network_refuses_another_forces_child_and_a_period_not_offered(world):
    session, built = world
    _network(session, built)
    with pytest.raises(NotFound):
        child_network.child_network(session, built.actors["other.force"], "P-away", 6, NOW)
    with pytest.raises(NotFound):
        child_network.child_network(session, built.actors["mispers"], "P-nobody", 6, NOW)
    with pytest.raises(Invalid) as refused:
        child_network.child_network(session, built.actors["mispers"], "P-away", 5, NOW)
    assert refused.value.fields[0]["field"] == "months"
    assert child_network.pick_options(session, built.actors["mispers"], 3, NOW) == [
        "P-away",
        "P-local",
    ]
    assert child_network.pick_options(session, built.actors["other.force"], 12, NOW) == []


@pytest.mark.browser
def test_the_network_page_by_keyboard_with_no_serious_findings(database_url, sessions, browser):
    if not database_url.startswith("sqlite"):
        pytest.skip("the page is the same on both databases; one browser run is enough")
    from app.browsing import log_in, serving, violations
    from app.world import PASSWORD
    from misper.app.auth.service import hasher

    session = sessions()
    built = build(session, hasher.hash(PASSWORD))
    _network(session, built)
    session.commit()
    session.close()
    with serving(database_url) as base:
        context = browser.new_context(viewport={"width": 375, "height": 740})  # a phone
        page = context.new_page()
        log_in(page, base, "mispers")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/dashboards/network")
        assert violations(page) == []
        # By keyboard: the child's field, the period, the button.
        page.get_by_label("Child (pid)").focus()
        page.keyboard.type("P-away")
        page.keyboard.press("Tab")
        page.get_by_label("Period").select_option("3")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*pid=P-away.*months=3"))
        points = page.get_by_role("table", name="Points").inner_text()
        assert "P-local" in points and "A-1" in points and "A-3" in points
        assert "P-third" not in points  # 300 days ago: outside the three months
        links = page.get_by_role("table", name="Links").inner_text()
        assert re.search(r"P-away\s+P-local\s+1", links)
        assert violations(page) == []
        page.goto(f"{base}/dashboards/network?pid=P-away&months=12")
        assert "P-third" in page.get_by_role("table", name="Points").inner_text()
        page.goto(f"{base}/dashboards/network?pid=P-nobody")
        assert "No child with this pid that you may see" in page.inner_text("body")
        assert violations(page) == []
        context.close()
