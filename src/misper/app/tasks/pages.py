"""The task review as a web page: which tasks were done over closed episodes, and whether they
helped (a task is worked from the triage page, which shows it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from misper.app.access import Actor
from misper.app.routing import DB, allowed
from misper.app.tasks import service as tasks
from misper.app.ui.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/task-review", response_class=HTMLResponse)
def task_review(request: Request, session: DB, actor: Actor = allowed("tasks", "list")):
    table = tasks.task_review(session, actor)
    return render(request, "tasks/task_review.html", actor, rows=table.to_dict("records"))
