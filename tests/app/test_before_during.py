"""The carer's flowchart, triage, risk policy, decisions, review reminders and tasks, on both
stores."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from misper.app.errors import Conflict, Forbidden, Invalid, NotFound
from misper.app.flowchart import service as flowchart
from misper.app.flowchart.models import CarerStep
from misper.app.notifications.models import Notification
from misper.app.tasks import service as tasks
from misper.app.tasks.models import Task
from misper.app.tasks.service import review_table
from misper.app.triage import service as triage
from misper.app.users.models import Role
from misper.process.config import RiskRules, default_config, load_task_library
from misper.process.philomena import FIELDS
from misper.process.tasks import tasks_for

BACK = datetime(2024, 6, 1, 21, 0)  # the child should have been home at 21:00


def _found_from_last_time(session, world) -> None:
    """Child A came back from the world's open episode: a new absence may be reported."""
    world.a.episode.found_at = datetime(2024, 3, 2, 9)
    session.flush()


def _check(session, world, now=BACK + timedelta(minutes=10)):
    carer = world.actor(Role.care_staff)
    return carer, flowchart.start_check(session, carer, world.a.child.pid, BACK, now=now)


def test_steps_keep_trying_until_the_agreed_wait_then_report(world):
    session, w = world
    carer, check = _check(session, w)
    view = flowchart.record_step(
        session,
        carer,
        check.id,
        "call_child",
        "no_contact",
        BACK + timedelta(minutes=5),
        "voicemail",
        now=BACK + timedelta(minutes=10),
    )
    assert view.decision.outcome.value == "keep_trying"
    assert view.decision.until == BACK + timedelta(minutes=60)  # the configured 60-minute wait
    assert check.outcome == "keep_trying" and check.until == BACK + timedelta(minutes=60)
    # At 22:00 the wait is over though steps are left: report now.
    view = flowchart.read_check(session, carer, check.id, now=BACK + timedelta(minutes=60))
    assert view.decision.outcome.value == "report_now"
    assert "Check places the child is known to go" in view.decision.steps_left


def test_whereabouts_known_is_late_not_missing_and_a_concern_means_report_now(world):
    session, w = world
    carer, check = _check(session, w)
    now = BACK + timedelta(minutes=20)
    view = flowchart.record_step(
        session,
        carer,
        check.id,
        "contact_friends_family",
        "whereabouts_known",
        BACK + timedelta(minutes=15),
        None,
        now=now,
    )
    assert view.decision.outcome.value == "late_monitor"
    view = flowchart.set_concerns(session, carer, check.id, ["with_adult_of_concern"], now=now)
    assert view.decision.outcome.value == "report_now"
    assert view.decision.reasons == ("Believed to be with an adult of concern",)


def test_report_carries_the_steps_and_the_profile_and_tells_the_force(world):
    session, w = world
    _found_from_last_time(session, w)
    carer, check = _check(session, w)
    now = BACK + timedelta(minutes=30)
    flowchart.record_step(
        session,
        carer,
        check.id,
        "call_child",
        "no_contact",
        BACK + timedelta(minutes=2),
        "phone off",
        now=now,
    )
    flowchart.record_step(
        session,
        carer,
        check.id,
        "search_home",
        "no_contact",
        BACK + timedelta(minutes=12),
        None,
        now=now,
    )
    flowchart.set_concerns(session, carer, check.id, ["needs_medication"], now=now)
    episode, pid = flowchart.report_to_police(session, carer, check.id, now=now)
    assert pid == w.a.child.pid and episode.force_id == w.a.agencies["force"].id
    assert episode.reported_at == now and episode.missing_from_type == "care_home"
    assert episode.home_id == w.a.home.id
    lines = episode.circumstances_text.splitlines()
    assert lines[1] == "Concern: The child needs medication they do not have."
    assert lines[2] == "21:02 Call or message the child's phone: No contact, not found (phone off)"
    assert lines[3] == "21:12 Search the home, outbuildings and grounds: No contact, not found"
    assert check.episode_id == episode.id and check.profile_version == 1
    told = session.scalars(
        select(Notification.subject).where(
            Notification.episode_id == episode.id,
            Notification.agency_id == w.a.agencies["force"].id,
        )
    ).all()
    assert told == [f"Child reported missing: episode {episode.rid}"]
    # The control room sees the same steps on triage: nothing is asked twice.
    view = triage.triage(session, w.actor(Role.police_control_room), episode.rid, now=now)
    assert [s.step for s in view.steps] == ["call_child", "search_home"]
    assert view.profile == {"description": "tall"} and view.profile_version == 1
    with pytest.raises(Conflict):
        flowchart.record_step(session, carer, check.id, "call_child", "found", now, None, now=now)


def test_bad_answers_are_refused_by_field_and_saved_answers_stay(world):
    session, w = world
    carer, check = _check(session, w)
    now = BACK + timedelta(minutes=20)
    flowchart.record_step(
        session,
        carer,
        check.id,
        "call_child",
        "no_contact",
        BACK + timedelta(minutes=5),
        None,
        now=now,
    )
    cases = [
        ("dance", "no_contact", now, "step"),
        ("call_child", "maybe", now, "result"),
        ("call_child", "no_contact", now + timedelta(minutes=1), "at"),
        ("call_child", "no_contact", BACK - timedelta(days=2), "at"),
    ]
    for step, result, at, field in cases:
        with pytest.raises(Invalid) as caught:
            flowchart.record_step(session, carer, check.id, step, result, at, None, now=now)
        assert caught.value.fields[0]["field"] == field
    with pytest.raises(Invalid) as caught:
        flowchart.set_concerns(session, carer, check.id, ["out_of_character", "bored"], now=now)
    assert caught.value.fields[0]["field"] == "concerns.1"
    saved = session.scalar(
        select(func.count()).select_from(CarerStep).where(CarerStep.check_id == check.id)
    )
    assert saved == 1
    with pytest.raises(Invalid) as caught:
        flowchart.start_check(session, carer, w.a.child.pid, now + timedelta(hours=1), now=now)
    assert caught.value.fields[0]["field"] == "expected_back"


def test_carers_see_only_children_placed_with_them(world):
    session, w = world
    carer = w.actor(Role.care_staff)
    with pytest.raises(NotFound):
        flowchart.start_check(session, carer, w.b.child.pid, BACK, now=BACK + timedelta(hours=1))
    _carer, check = _check(session, w)
    council = w.actor(Role.council_social_worker)  # the responsible council reads, never records
    assert flowchart.read_check(session, council, check.id).pid == w.a.child.pid
    with pytest.raises(Forbidden):
        flowchart.record_step(
            session,
            council,
            check.id,
            "call_child",
            "found",
            BACK,
            None,
            now=BACK + timedelta(hours=1),
        )


def test_under_18_policy_refuses_a_level_with_the_levels_allowed(world):
    session, w = world
    police = w.actor(Role.police_control_room)
    strict = default_config().model_copy(
        update={
            "risk_assessment": RiskRules(
                forbidden_for_under_18=("no_apparent_risk", "absent", "low")
            )
        }
    )
    with pytest.raises(Invalid) as caught:
        triage.assess_risk(session, police, "ep-a", "low", [], "usual pattern", config=strict)
    assert caught.value.fields[0]["field"] == "level"
    assert "medium, high" in caught.value.fields[0]["message"]
    with pytest.raises(Invalid) as caught:
        triage.assess_risk(
            session, police, "ep-a", "medium", ["cse", "nonsense"], "x", config=strict
        )
    assert caught.value.fields[0]["field"] == "factors.1"
    with pytest.raises(Invalid) as caught:
        triage.assess_risk(session, police, "ep-a", "medium", [], "  ", config=strict)
    assert caught.value.fields[0]["field"] == "rationale"
    triage.assess_risk(
        session, police, "ep-a", "medium", ["cse"], "seen with older male", config=strict
    )
    assert w.a.episode.risk_final == "medium" and "cse" in w.a.episode.risk_flags


def test_tasks_follow_the_level_and_a_reassessment_adds_only_new_ones(world):
    session, w = world
    police = w.actor(Role.police_control_room)
    library = load_task_library()
    before = session.scalar(
        select(func.count()).select_from(Task).where(Task.episode_id == w.a.episode.id)
    )
    triage.assess_risk(session, police, "ep-a", "low", [], "known pattern", library=library)
    low = set(tasks_for("low", library))
    rows = tasks.list_tasks(session, police, "ep-a")
    assert {t.description for t in rows if t.risk_level == "low"} == low
    triage.assess_risk(
        session, police, "ep-a", "high", ["self_harm"], "needs medication", library=library
    )
    high_only = set(tasks_for("high", library)) - low
    rows = tasks.list_tasks(session, police, "ep-a")
    assert len(rows) == before + len(low) + len(high_only)
    assert {t.description for t in rows if t.risk_level == "high"} == high_only
    assert len({t.description for t in rows}) == len(rows)  # nothing generated twice


def test_tasks_are_done_with_whether_they_helped_or_not_needed_with_a_reason(world):
    session, w = world
    police = w.actor(Role.police_mispers)
    triage.assess_risk(session, police, "ep-a", "low", [], "known pattern")
    rows = [t for t in tasks.list_tasks(session, police, "ep-a") if t.risk_level == "low"]
    first, second, third = rows[:3]
    tasks.complete(session, police, first.id, contributed=True)
    tasks.complete(session, police, second.id, contributed=False)
    with pytest.raises(Invalid):
        tasks.not_needed(session, police, third.id, "   ")
    tasks.not_needed(session, police, third.id, "child in hospital already checked")
    with pytest.raises(Conflict):
        tasks.complete(session, police, third.id, contributed=True)
    tasks.assign(session, police, rows[3].id, "police_officer")
    with pytest.raises(Invalid):
        tasks.assign(session, police, rows[3].id, "care_staff")
    assert first.done and first.contributed is True
    assert rows[3].assigned_to == w.users[Role.police_officer].id
    # Not yet in the review: the episode is open.
    assert tasks.task_review(session, police).empty
    w.a.episode.found_at = datetime(2024, 3, 2, 8, 0)
    session.flush()
    table = tasks.task_review(session, police).set_index("task")
    assert table.loc[first.description, "contributed"] == 1
    assert table.loc[second.description, "done"] == 1
    assert table.loc[second.description, "contributed"] == 0
    assert table.loc[third.description, "not_needed"] == 1
    assert table["generated"].sum() == len(rows) + 1  # and the world's task keyed by hand
    assert table.loc["check phone", "risk_level"] == "by hand"
    # Care homes and councils do not see police tasks.
    with pytest.raises(Exception) as caught:
        tasks.task_review(session, w.actor(Role.care_staff))
    assert caught.value.status == 403


def test_review_table_counts_by_hand():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "task": ["a", "a", "a", "b"],
            "risk_level": ["low", "low", "low", "high"],
            "status": ["done", "done", "not_needed", "open"],
            "contributed": [True, False, None, None],
        }
    )
    table = review_table(frame).set_index("task")
    assert table.loc["a"].tolist()[1:6] == [3, 2, 1, 0, 1]
    assert table.loc["a", "contributed_share"] == 0.5
    assert pd.isna(table.loc["b", "contributed_share"]) and table.loc["b", "open"] == 1


def test_decisions_need_a_reason_and_a_delay_reminds_once_when_due(world):
    session, w = world
    police = w.actor(Role.police_control_room)
    now = datetime(2024, 3, 1, 22, 30)
    for decision, review_at, reason, field in [
        ("wait", None, "x", "decision"),
        ("deploy", None, "", "rationale"),
        ("delay", None, "x", "review_at"),
        ("delay", now - timedelta(minutes=1), "x", "review_at"),
        ("deploy", now, "x", "review_at"),
    ]:
        with pytest.raises(Invalid) as caught:
            triage.decide(session, police, "ep-a", decision, review_at, reason, now=now)
        assert caught.value.fields[0]["field"] == field
    review = now + timedelta(hours=1)
    triage.decide(
        session, police, "ep-a", "delay", review, "usual pattern, carer searching", now=now
    )
    assert triage.remind_due_reviews(session, review - timedelta(minutes=1)) == 0
    assert triage.remind_due_reviews(session, review) == 1
    assert triage.remind_due_reviews(session, review + timedelta(hours=1)) == 0
    subjects = session.scalars(
        select(Notification.subject).where(
            Notification.episode_id == w.a.episode.id, Notification.subject.like("Review due%")
        )
    ).all()
    assert subjects == ["Review due: episode ep-a was delayed until 23:30 on 01 Mar 2024"]
    rows = triage.queue(session, police, now=review)
    assert [(r.episode.rid, r.review_due) for r in rows] == [("ep-a", True)]
    # A later decision to deploy ends the delay: no reminder for it, nor for the old one.
    triage.decide(session, police, "ep-a", "delay", review + timedelta(hours=2), "again", now=now)
    triage.decide(session, police, "ep-a", "deploy", None, "no contact by 01:00", now=now)
    assert triage.remind_due_reviews(session, review + timedelta(hours=5)) == 0
    assert [d.decision for d in triage.triage(session, police, "ep-a", now=review).decisions][
        -3:
    ] == ["delay", "delay", "deploy"]


def test_history_counts_the_childs_earlier_episodes_by_hand():
    import pandas as pd

    from misper.incidents.frame import to_canonical

    t = pd.Timestamp("2024-06-01 22:00")
    frame = to_canonical(
        pd.DataFrame(
            {
                "rid": ["r1", "r2", "r3", "r4", "r5"],
                "pid": ["c", "c", "c", "c", "d"],
                "reported_at": [
                    t - pd.Timedelta(days=200),
                    t - pd.Timedelta(days=30),
                    t - pd.Timedelta(days=2),
                    t,
                    t - pd.Timedelta(days=1),
                ],
                "found_at": [
                    t - pd.Timedelta(days=200) + pd.Timedelta(hours=2),
                    t - pd.Timedelta(days=30) + pd.Timedelta(hours=10),
                    pd.NaT,
                    pd.NaT,
                    pd.NaT,
                ],
                "found_by": ["police", "self", None, None, None],
            }
        )
    )
    history = triage.child_history(frame, "c", t)
    assert (history.count, history.recent, history.open_now) == (3, 2, 1)
    assert history.median_hours == 6.0 and history.longest_hours == 10.0
    assert history.found_by == {"police": 1, "self": 1}
    assert [row["hours"] for row in history.last] == [None, 10.0, 2.0]


def test_police_take_a_parents_report_through_the_same_steps_without_a_profile(world):
    session, w = world
    police = w.actor(Role.police_control_room)
    now = BACK + timedelta(minutes=30)
    with pytest.raises(Invalid) as caught:
        flowchart.start_check(session, police, None, BACK, now=now, new_child={"name": "Sam"})
    assert caught.value.fields[0]["field"] == "date_of_birth"
    with pytest.raises(Invalid) as caught:  # care staff name a child placed with them
        flowchart.start_check(
            session,
            w.actor(Role.care_staff),
            None,
            BACK,
            now=now,
            new_child={"name": "Sam", "date_of_birth": date(2011, 2, 3)},
        )
    assert caught.value.fields[0]["field"] == "pid"
    check = flowchart.start_check(
        session,
        police,
        None,
        BACK,
        now=now,
        new_child={"name": "Sam", "date_of_birth": date(2011, 2, 3)},
    )
    flowchart.record_step(
        session,
        police,
        check.id,
        "call_child",
        "no_contact",
        BACK + timedelta(minutes=10),
        "parent rang",
        now=now,
    )
    episode, _pid = flowchart.report_to_police(session, police, check.id, now=now)
    assert episode.force_id == police.agency_id and episode.age == 13
    assert episode.missing_from_type == "home" and check.profile_version is None
    view = triage.triage(session, police, episode.rid, now=now)
    assert view.profile is None and len(view.profile_missing) == len(FIELDS)
    assert [s.note for s in view.steps] == ["parent rang"]


def test_the_flowchart_waits_as_long_as_the_childs_risk_plan_agreed_and_says_so(world):
    from misper.app.philomena import service as profiles

    session, w = world
    _found_from_last_time(session, w)
    carer, check = _check(session, w)
    view = flowchart.read_check(session, carer, check.id, now=BACK + timedelta(minutes=10))
    assert view.decision.until == BACK + timedelta(minutes=60)
    assert view.decision.reasons == ("keep trying until 22:00 (the default wait, 60 minutes)",)
    profiles.save_profile(
        session, carer, w.a.child.pid, {"description": "tall"}, agreed_wait_minutes=20
    )
    view = flowchart.read_check(session, carer, check.id, now=BACK + timedelta(minutes=10))
    assert view.decision.outcome.value == "keep_trying"
    assert view.decision.until == BACK + timedelta(minutes=20)
    assert view.decision.reasons == (
        "keep trying until 21:20 (the wait agreed in the child's risk plan, 20 minutes)",
    )
    # At 21:25 the agreed wait is over though the default hour is not: report now, and the report
    # says why.
    now = BACK + timedelta(minutes=25)
    view = flowchart.record_step(
        session,
        carer,
        check.id,
        "call_child",
        "no_contact",
        BACK + timedelta(minutes=22),
        None,
        now=now,
    )
    assert view.decision.outcome.value == "report_now" and check.outcome == "report_now"
    episode, _pid = flowchart.report_to_police(session, carer, check.id, now=now)
    assert "the wait agreed in the child's risk plan, 20 minutes" in episode.circumstances_text
    # The control room sees the agreed wait with the profile.
    view = triage.triage(session, w.actor(Role.police_control_room), episode.rid, now=now)
    assert view.agreed_wait_minutes == 20 and view.profile_version == 2
