"""Tasks as web pages: working one from the triage page (done, not needed, assigned), and the task
review over closed episodes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from misper.app.access import Actor
from misper.app.errors import Invalid
from misper.app.routing import DB, allowed
from misper.app.tasks import service as tasks
from misper.app.tasks.api import TaskId
from misper.app.triage.pages import render_triage
from misper.app.ui.forms import field_errors
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)


@router.post("/tasks/{task_id}", response_class=HTMLResponse)
def task_action(
    request: Request,
    task_id: TaskId,
    session: DB,
    rid: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=4_000)] = "",
    assignee: Annotated[str, Form(max_length=80)] = "",
    actor: Actor = allowed("tasks", "update"),
):
    try:
        if action in ("helped", "not_helped"):
            tasks.complete(session, actor, task_id, contributed=action == "helped")
        elif action == "not_needed":
            tasks.not_needed(session, actor, task_id, reason)
        elif action == "assign":
            tasks.assign(session, actor, task_id, assignee.strip())
        else:
            raise Invalid("action", "choose what to do with the task")
    except Invalid as exc:
        session.rollback()
        errors = {f"task-{task_id}": next(iter(field_errors(exc).values()))}
        values = {f"reason-{task_id}": reason, f"assignee-{task_id}": assignee}
        return render_triage(request, session, actor, rid, errors, values, 422)
    return RedirectResponse(f"/triage/{rid}#task-{task_id}", status_code=303)


@router.get("/task-review", response_class=HTMLResponse)
def task_review(request: Request, session: DB, actor: Actor = allowed("tasks", "list")):
    table = tasks.task_review(session, actor)
    return render(request, "tasks/task_review.html", actor, rows=table.to_dict("records"))
