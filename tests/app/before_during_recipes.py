"""Access-matrix recipes for the before and during routes (issue 5), in the form of
`test_access_matrix.RECIPES`.

Each builds what its route needs on the world's side (a carer's check on that side's child, a task
on that side's episode, that side's force's groups), so every call has a record of its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from app.test_access_matrix import EP, PID, Recipe, _side
from misper.app.flowchart.models import CarerCheck
from misper.app.groups.models import Group
from misper.app.tasks.models import Task
from misper.app.users.models import Role

BACK = "2024-03-01T21:00"


def _check(s, w, side) -> int:
    sd = _side(w, side)
    check = CarerCheck(
        child_id=sd.child.id,
        agency_id=sd.agencies["provider"].id,
        started_by=w.users[Role.care_staff].id,
        started_at=datetime(2024, 3, 1, 21, 5),
        expected_back=datetime(2024, 3, 1, 21),
        concerns=[],
    )
    s.add(check)
    s.commit()
    return check.id


def _task(s, w, side) -> int:
    sd = _side(w, side)
    task = Task(
        episode_id=sd.episode.id,
        description=f"task {uuid.uuid4().hex[:6]}",
        created_at=datetime(2024, 3, 1),
        created_by=w.users[Role.police_mispers].id,
        risk_level="medium",
    )
    s.add(task)
    s.commit()
    return task.id


def _group(s, w, side, name: str | None = None) -> int:
    """A group of the side's force (the named one made once, for the list's markers)."""
    force = _side(w, side).agencies["force"].id
    if name is not None:
        found = s.query(Group).filter_by(force_id=force, name=name).one_or_none()
        if found is not None:
            return found.id
    group = Group(
        force_id=force,
        name=name or f"group {uuid.uuid4().hex[:8]}",
        area="Area",
        created_by=w.users[Role.police_mispers].id,
        created_at=datetime(2024, 1, 1),
    )
    s.add(group)
    s.commit()
    return group.id


def _both_crews(s, w):
    _group(s, w, "a", "Crew A")
    _group(s, w, "b", "Crew B")
    return {}, {}, None


BEFORE_DURING_RECIPES: dict[tuple[str, str], Recipe] = {
    # The carer's flowchart.
    ("POST", "/api/checks"): Recipe(
        lambda s, w, sd, r: ({}, {}, {"pid": PID(w, sd), "expected_back": BACK})
    ),
    ("GET", "/api/checks/{check_id}"): Recipe(
        lambda s, w, sd, r: ({"check_id": _check(s, w, sd)}, {}, None)
    ),
    ("POST", "/api/checks/{check_id}/steps"): Recipe(
        lambda s, w, sd, r: (
            {"check_id": _check(s, w, sd)},
            {},
            {"step": "call_child", "result": "no_contact", "at": "2024-03-01T21:10"},
        )
    ),
    ("PUT", "/api/checks/{check_id}/concerns"): Recipe(
        lambda s, w, sd, r: ({"check_id": _check(s, w, sd)}, {}, {"concerns": ["needs_medication"]})
    ),
    ("POST", "/api/checks/{check_id}/report"): Recipe(
        lambda s, w, sd, r: ({"check_id": _check(s, w, sd)}, {}, None)
    ),
    # Triage.
    ("GET", "/api/episodes/{rid}/triage"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("POST", "/api/episodes/{rid}/triage/risk-assessments"): Recipe(
        lambda s, w, sd, r: (
            {"rid": EP(w, sd)},
            {},
            {"level": "high", "factors": ["cse"], "rationale": "matrix"},
        )
    ),
    # Task progress.
    ("GET", "/api/episodes/{rid}/task-progress"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("POST", "/api/tasks/{task_id}/assign"): Recipe(
        lambda s, w, sd, r: (
            {"task_id": _task(s, w, sd)},
            {},
            {"username": Role.police_officer.value},
        )
    ),
    ("POST", "/api/tasks/{task_id}/complete"): Recipe(
        lambda s, w, sd, r: ({"task_id": _task(s, w, sd)}, {}, {"contributed": True})
    ),
    ("POST", "/api/tasks/{task_id}/not-needed"): Recipe(
        lambda s, w, sd, r: (
            {"task_id": _task(s, w, sd)},
            {},
            {"reason": "already done by the home"},
        )
    ),
    ("GET", "/api/task-review"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    # The placement check and the police's groups.
    ("GET", "/api/placement-check"): Recipe(
        lambda s, w, sd, r: ({}, {"pid": PID(w, sd), "home_id": _side(w, sd).home.id}, None)
    ),
    ("GET", "/api/groups"): Recipe(
        lambda s, w, sd, r: _both_crews(s, w), "list", ("Crew A", "Crew B")
    ),
    ("POST", "/api/groups"): Recipe(
        lambda s, w, sd, r: (
            {},
            {},
            {"name": f"group {uuid.uuid4().hex[:8]}", "area": "Stevenage"},
        ),
        "plain",
    ),
    ("POST", "/api/groups/{group_id}/rivals"): Recipe(
        lambda s, w, sd, r: ({"group_id": _group(s, w, sd)}, {}, {"rival_id": _group(s, w, sd)})
    ),
    ("GET", "/api/children/{pid}/groups"): Recipe(
        lambda s, w, sd, r: ({"pid": PID(w, sd)}, {}, None)
    ),
    ("POST", "/api/children/{pid}/groups"): Recipe(
        lambda s, w, sd, r: (
            {"pid": PID(w, sd)},
            {},
            {"group_id": _group(s, w, sd), "note": "seen with members"},
        )
    ),
}
