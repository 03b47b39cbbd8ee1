"""The before and during stages' API routes (issue 5): the carer's flowchart, triage, task
progress, and the police's groups."""

from __future__ import annotations

from fastapi import FastAPI


def include(app: FastAPI) -> None:
    from misper.app.flowchart.views import router as flowchart
    from misper.app.placements.group_views import router as groups
    from misper.app.tasks.views import router as tasks
    from misper.app.triage.views import router as triage

    for router in (flowchart, triage, tasks, groups):
        app.include_router(router)
