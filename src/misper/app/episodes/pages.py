"""Web pages of missing episodes: the list, the episode as every agency working it reads it, its
updates and sightings, and closing it when the child is found."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from misper.app import access
from misper.app.access import Actor, visible_episode
from misper.app.episodes import service as episodes
from misper.app.episodes import sightings
from misper.app.episodes.api import EpisodeClose
from misper.app.episodes.closing import FOUND_FIELDS, close_episode
from misper.app.episodes.models import Episode
from misper.app.errors import DomainError, Invalid
from misper.app.routing import DB, allowed
from misper.app.ui import forms
from misper.app.ui.forms import field_errors
from misper.app.ui.pages import render
from misper.incidents.schema import BY_NAME, FOUND_BY, FOUND_HOW, FOUND_LOCATION_TYPES

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
RISKS = tuple(BY_NAME["risk_final"].values)
STATUSES = (("open", "open (missing now)"), ("closed", "closed"), ("all", "all"))
Page = Annotated[int, Query(ge=1, le=100_000)]
Pid = Annotated[str, Query(max_length=64)]
Rid = Annotated[str, FPath(min_length=1, max_length=64)]
Text = Annotated[str, Form(max_length=4_000)]

# What the episode page shows, in the order a reader needs it: (label, column).
EPISODE_FIELDS = (
    ("Reported", "reported_at"),
    ("Last seen", "last_seen_at"),
    ("Missing from", "missing_from_type"),
    ("Place", "missing_from_place_id"),
    ("Postcode sector", "missing_from_postcode_sector"),
    ("Age", "age"),
    ("In care", "in_care"),
    ("Risk at first", "risk_initial"),
    ("Risk now", "risk_final"),
    ("Risk flags", "risk_flags"),
    ("Circumstances", "circumstances_text"),
    ("Found", "found_at"),
    ("Found by", "found_by"),
    ("How", "found_how"),
    ("Where found", "found_location_type"),
    ("Found in sector", "found_postcode_sector"),
    ("Distance (miles)", "distance_miles"),
    ("Harm", "harm"),
    ("Found: notes", "found_text"),
)
# The closing form's drop-downs: (field, label, the codes it offers).
FOUND_CHOICES = (
    ("found_by", "Found by", FOUND_BY),
    ("found_how", "How", FOUND_HOW),
    ("found_location_type", "Where (kind of place)", FOUND_LOCATION_TYPES),
    ("harm", "Harm while missing", BY_NAME["harm"].values),
)


@router.get("/episodes", response_class=HTMLResponse)
def episodes_list(
    request: Request,
    session: DB,
    pid: Pid = "",
    status: Annotated[str, Query(max_length=8)] = "open",
    risk: Annotated[str, Query(max_length=32)] = "",
    page: Page = 1,
    actor: Actor = allowed("episodes", "list"),
):
    errors = {}
    if status not in dict(STATUSES):
        errors["status"] = "choose open, closed or all"
    if risk and risk not in RISKS:
        errors["risk"] = f"choose one of: {', '.join(RISKS)}"
    rows, total = (
        ([], 0)
        if errors
        else episodes.list_episodes(
            session,
            actor,
            open_only={"open": True, "closed": False}.get(status),
            pid=pid.strip() or None,
            reported_from=None,
            reported_to=None,
            risk=risk or None,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
    )
    now = datetime.now()
    links = {
        "triage": access.allowed(actor.role, "decisions", "list"),
        "close": access.allowed(actor.role, "episodes", "update"),
        "prevention": access.allowed(actor.role, "prevention_interviews", "read"),
    }
    return render(
        request,
        "episodes/list.html",
        actor,
        status_code=422 if errors else 200,
        rows=[(e, p, _hours(e, now)) for e, p in rows],
        total=total,
        links=links,
        statuses=STATUSES,
        risks=RISKS,
        errors=errors,
        values={"pid": pid, "status": status, "risk": risk},
        page=page,
        per_page=PER_PAGE,
    )


def _hours(episode: Episode, now: datetime) -> float:
    """Hours missing: to the found time, or to now while the episode is open."""
    return round(((episode.found_at or now) - episode.reported_at).total_seconds() / 3600, 1)


@router.get("/episodes/{rid}", response_class=HTMLResponse)
def episode_page(
    request: Request, session: DB, rid: Rid, actor: Actor = allowed("episodes", "read")
):
    return _episode_page(request, session, actor, rid)


def _episode_page(request, session, actor, rid, errors=None, values=None, status_code=200):
    """The episode for every agency that may read it; the update form keeps what was typed."""
    episode, pid = episodes.read_episode(session, actor, rid)
    updates = (
        episodes.list_updates(session, actor, rid)
        if access.allowed(actor.role, "updates", "list")
        else []
    )
    shown = [(label, _shown(getattr(episode, column))) for label, column in EPISODE_FIELDS]
    links = {
        "triage": access.allowed(actor.role, "decisions", "list"),
        "close": access.allowed(actor.role, "episodes", "update") and episode.is_open,
        "prevention": (
            access.allowed(actor.role, "prevention_interviews", "read") and not episode.is_open
        ),
        "add_update": access.allowed(actor.role, "updates", "create"),
    }
    return render(
        request,
        "episodes/episode.html",
        actor,
        status_code=status_code,
        episode=episode,
        pid=pid,
        fields=[(k, v) for k, v in shown if v],
        updates=updates,
        links=links,
        hours=_hours(episode, datetime.now()),
        back=f"/episodes/{rid}",
        errors=errors or {},
        values=values or {"kind": "update"},
    )


def _shown(value) -> str:
    """A stored value as the page shows it: dates in words, codes with spaces, lists joined."""
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, datetime):
        return f"{value:%d %b %Y %H:%M}"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")


# --- Updates and sightings -------------------------------------------------------------------


@router.post("/episodes/{rid}/updates", response_class=HTMLResponse)
def add_update(
    request: Request,
    rid: Rid,
    session: DB,
    kind: Annotated[str, Form(max_length=16)] = "update",
    text: Text = "",
    postcode_sector: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
    actor: Actor = allowed("updates", "create"),
):
    # Only a path on this site: never send the user elsewhere.
    back = back if back.startswith("/") and not back.startswith("//") else f"/triage/{rid}"
    sector = postcode_sector.strip().upper() or None
    try:
        if kind not in ("update", "sighting"):
            raise Invalid("kind", "choose update or sighting")
        if not text.strip():
            raise Invalid("text", "say what is new")
        if sector is not None and len(sector) > 8:
            raise Invalid(
                "postcode_sector", "a postcode sector is at most 8 characters, e.g. AL1 3"
            )
        sightings.add_sighting_or_update(session, actor, rid, kind, text.strip(), sector)
    except Invalid as exc:
        session.rollback()
        errors = field_errors(exc)
        values = {"kind": kind, "text": text, "postcode_sector": postcode_sector}
        for prefix, (resource, action), page in forms.UPDATE_FORM_HOSTS:
            if back.startswith(prefix) and access.allowed(actor.role, resource, action):
                return page(request, session, actor, rid, back, errors, values)
        return _episode_page(request, session, actor, rid, errors, values, 422)
    return RedirectResponse(back + "#updates", status_code=303)


# --- Closing ---------------------------------------------------------------------------------


@router.get("/episodes/{rid}/close", response_class=HTMLResponse)
def close_form(
    request: Request, session: DB, rid: Rid, actor: Actor = allowed("episodes", "update")
):
    episode = visible_episode(session, actor, rid)
    form = {"found_at": f"{datetime.now():%Y-%m-%dT%H:%M}"}
    return _close_page(request, actor, episode, form, {})


def _close_page(request, actor, episode, form, errors, status_code=200):
    writable = access.writable_fields(actor.role, "episode")  # a carer is not asked police fields
    return render(
        request,
        "episodes/close.html",
        actor,
        status_code=status_code,
        episode=episode,
        choices=[c for c in FOUND_CHOICES if c[0] in writable],
        writable=writable,
        may_associate=access.allowed(actor.role, "associations", "create"),
        form=form,
        errors=errors,
    )


@router.post("/episodes/{rid}/close", response_class=HTMLResponse)
async def close_submit(
    request: Request, session: DB, rid: Rid, actor: Actor = allowed("episodes", "update")
):
    form = dict(await request.form())
    fields = {k: v for k, v in form.items() if k in FOUND_FIELDS and v}
    body = {
        "version": form.get("version"),
        **fields,
        "with_rids": _split(form.get("with_rids")),
        "associates": [{"associate_id": a} for a in _split(form.get("associates"))],
    }
    try:
        data = EpisodeClose.model_validate(body)
        found = data.model_dump(include=set(FOUND_FIELDS), exclude_none=True)
        _episode, pid, _rhi, _referral = close_episode(
            session,
            actor,
            rid,
            data.version,
            found,
            list(data.with_rids),
            [a.model_dump() for a in data.associates],
        )
    except ValidationError as exc:
        errors = {}
        for e in exc.errors():  # the first problem of each field, named as the form names it
            errors.setdefault(str(e["loc"][0]), f"{e['loc'][0]}: {e['msg']}")
        return _close_page(request, actor, visible_episode(session, actor, rid), form, errors, 422)
    except Invalid as exc:
        session.rollback()
        errors = field_errors(exc)
        return _close_page(request, actor, visible_episode(session, actor, rid), form, errors, 422)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()  # e.g. closed already, or changed by another meanwhile
        errors = {"found_at": exc.message}
        return _close_page(request, actor, visible_episode(session, actor, rid), form, errors, 422)
    return RedirectResponse(f"/children/{pid}/timeline", status_code=303)


def _split(text: str | None) -> list[str]:
    """The values of a comma-separated field."""
    return [t.strip() for t in (text or "").split(",") if t.strip()]
