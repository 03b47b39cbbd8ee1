"""Web pages of the escalation: the MARM and MACE referrals, and on each referral's page its
meetings, their actions and its outcome, each form checked as the API checks it and, when
refused, the referral shown again with what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.errors import DomainError
from misper.app.escalation import meetings
from misper.app.escalation.api import ActionDone, ActionIn, MeetingIn
from misper.app.escalation.schemas import OutcomeIn
from misper.app.escalation.service import list_referrals, read_referral, record_outcome
from misper.app.routing import DB, allowed
from misper.app.schemas import MAX_ID
from misper.app.ui.forms import limited, plain_errors, sentence
from misper.app.ui.pages import render
from misper.process.config import default_config

router = APIRouter(include_in_schema=False)
Key = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, Form()]  # read whole: the API shape refuses it over its limit, kept
SHOWN = 200  # referrals listed, newest first
limited(MeetingIn, ActionIn, ActionDone, OutcomeIn)


@router.get("/referrals", response_class=HTMLResponse)
def referrals_page(request: Request, session: DB, actor: Actor = allowed("referrals", "list")):
    rows = [
        [
            {"href": f"/referrals/{r.id}", "text": f"Referral {r.id}"},
            {"href": f"/children/{pid}/timeline", "text": pid},
            r.meeting.upper(),
            r.reason,
            r.referred_at,
            r.outcome,
        ]
        for r, pid in list_referrals(session, actor, None, None, 0, SHOWN)
    ]
    return render(request, "escalation/referrals.html", actor, rows=rows)


@router.get("/referrals/{referral_id}", response_class=HTMLResponse)
def referral_page(
    referral_id: Key, request: Request, session: DB, actor: Actor = allowed("referrals", "list")
):
    return _referral(request, actor, session, referral_id)


@router.post("/referrals/{referral_id}/meetings", response_class=HTMLResponse)
def meeting_add(
    referral_id: Key,
    request: Request,
    session: DB,
    held_at: Text = "",
    attendees: Text = "",
    summary: Text = "",
    actor: Actor = allowed("referrals", "update"),
):
    typed = {"held_at": held_at, "attendees": attendees, "summary": summary}

    def change():
        data = MeetingIn.model_validate(_filled(**typed))
        meetings.record_meeting(
            session, actor, referral_id, data.held_at, data.attendees, data.summary
        )

    return _changed(request, actor, session, referral_id, change, typed)


@router.post("/referrals/{referral_id}/meetings/{meeting_id}/actions", response_class=HTMLResponse)
def action_add(
    referral_id: Key,
    meeting_id: Key,
    request: Request,
    session: DB,
    description: Text = "",
    actor: Actor = allowed("referrals", "update"),
):
    def change():
        data = ActionIn.model_validate(_filled(description=description))
        meetings.add_action(session, actor, meeting_id, data.description, None, None)

    typed = {"description": description}
    return _changed(request, actor, session, referral_id, change, typed, f"action-{meeting_id}")


@router.post("/referrals/{referral_id}/actions/{action_id}/done", response_class=HTMLResponse)
def action_done(
    referral_id: Key,
    action_id: Key,
    request: Request,
    session: DB,
    outcome: Text = "",
    actor: Actor = allowed("referrals", "update"),
):
    def change():
        data = ActionDone.model_validate(_filled(outcome=outcome))
        meetings.complete_action(session, actor, action_id, data.outcome)

    typed = {"outcome": outcome}
    return _changed(request, actor, session, referral_id, change, typed, f"outcome-{action_id}")


@router.post("/referrals/{referral_id}/outcome", response_class=HTMLResponse)
def outcome_record(
    referral_id: Key,
    request: Request,
    session: DB,
    outcome: Text = "",
    actor: Actor = allowed("referrals", "update"),
):
    def change():
        data = OutcomeIn.model_validate(_filled(outcome=outcome))
        record_outcome(session, actor, referral_id, data.outcome)

    return _changed(request, actor, session, referral_id, change, {"outcome": outcome})


def _changed(
    request: Request,
    actor: Actor,
    session: Session,
    referral_id: int,
    change: Callable[[], None],
    typed: dict[str, str],
    key: str | None = None,
):
    """Back to the referral once `change` is made; a refusal shown on the referral's page in
    plain words beside its field, with what was typed kept (`key`: the field's id on a page
    with one such field per record). One of a record the caller may not touch is answered as the
    API answers it."""
    try:
        change()
    except ValidationError as exc:
        errors = plain_errors(exc.errors())
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        errors = {f["field"]: sentence(f["message"]) for f in exc.fields} or {
            next(iter(typed)): sentence(exc.message)
        }
    else:
        return RedirectResponse(f"/referrals/{referral_id}", status_code=303)
    session.rollback()
    if key is not None:  # one field per record: its id names it
        errors, typed = {key: next(iter(errors.values()))}, {key: next(iter(typed.values()))}
    return _referral(request, actor, session, referral_id, 422, errors, typed)


def _referral(
    request: Request,
    actor: Actor,
    session: Session,
    referral_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
):
    referral, pid = read_referral(session, actor, referral_id)
    return render(
        request,
        "escalation/referral.html",
        actor,
        status_code=status_code,
        referral=referral,
        pid=pid,
        errors=errors or {},
        values={"outcome": referral.outcome or "", **(values or {})},
        limits=default_config().time_limits,
        meetings=meetings.meetings_of(session, actor, referral_id),
    )


def _filled(**fields: str) -> dict[str, str]:
    """The fields given a value: an empty one is as if not sent, so a required one is named."""
    return {name: value for name, value in fields.items() if value}
