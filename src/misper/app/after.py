"""The after-episode stage's routes (issue 6): closing, interviews, meetings, dashboards, pages."""

from __future__ import annotations

from fastapi import FastAPI


def include(app: FastAPI) -> None:
    from misper.app.dashboards.views import router as dashboards
    from misper.app.episodes.closing_views import router as closing
    from misper.app.escalation.charity_views import router as charity
    from misper.app.escalation.meeting_views import router as meetings
    from misper.app.interviews.after_views import router as interviews
    from misper.app.web.after_pages import router as pages

    for router in (closing, interviews, meetings, charity, dashboards, pages):
        app.include_router(router)
