"""Web pages of missing episodes: the list, the episode as every agency working it reads it, its
updates and sightings, and closing it when the child is found."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import pass_context
from pydantic import ValidationError

from misper.app import access
from misper.app.access import Actor, visible_episode
from misper.app.episodes import advice, briefing, merging, sightings
from misper.app.episodes import service as episodes
from misper.app.episodes.api import EpisodeClose
from misper.app.episodes.closing import FOUND_FIELDS, close_episode
from misper.app.episodes.models import Episode
from misper.app.episodes.schemas import UpdateIn
from misper.app.errors import DomainError, Invalid
from misper.app.routing import DB, allowed
from misper.app.ui import forms
from misper.app.ui.forms import field_errors
from misper.app.ui.listing import CSV_LIMIT, csv_answer, read_listing
from misper.app.ui.pages import render, templates
from misper.incidents.schema import BY_NAME, FOUND_BY, FOUND_HOW, FOUND_LOCATION_TYPES

router = APIRouter(include_in_schema=False)
forms.limited(UpdateIn, EpisodeClose)
# The list's columns, by sort key, in the order shown (the CSV's too).
LIST_COLUMNS = {
    "episode": "Episode",
    "child": "Child",
    "reported": "Reported",
    "missing_from": "Missing from",
    "risk": "Risk",
    "found": "Found",
    "hours": "Hours",
}
RISKS = tuple(BY_NAME["risk_final"].values)
STATUSES = (("open", "open (missing now)"), ("closed", "closed"), ("all", "all"))
Pid = Annotated[str, Query(max_length=64)]
Rid = Annotated[str, FPath(min_length=1, max_length=64)]
# Read whole: a text over its API shape's limit is refused with the text kept.
Text = Annotated[str, Form()]

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
    actor: Actor = allowed("episodes", "list"),
):
    """Newest first unless sorted otherwise; `format=csv`: every page's rows, as shown."""
    listing = read_listing(
        request, {k: LIST_COLUMNS[k] for k in episodes.LIST_SORTS}, default="-reported"
    )
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
            offset=0 if listing.csv else listing.offset,
            limit=CSV_LIMIT if listing.csv else listing.per_page,
            sort=listing.sort or "reported",
            descending=listing.descending,
        )
    )
    now = datetime.now()
    if listing.csv and not errors:
        return _episodes_csv(session, actor, [(e, p, _hours(e, now)) for e, p in rows])
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
        listing=listing,
        columns=LIST_COLUMNS,
    )


def _episodes_csv(session, actor: Actor, rows: list[tuple[Episode, str, float]]) -> Response:
    """The list's columns as the page shows them, but for its links."""
    table = [
        (
            e.rid,
            pid,
            e.reported_at.strftime("%d %b %Y %H:%M"),
            (e.missing_from_type or "unknown").replace("_", " "),
            (e.risk_final or "not assessed").replace("_", " "),
            e.found_at.strftime("%d %b %H:%M") if e.found_at else "missing",
            str(hours),
        )
        for e, pid, hours in rows
    ]
    return csv_answer(session, actor, "episode", "episodes", list(LIST_COLUMNS.values()), table)


def _hours(episode: Episode, now: datetime) -> float:
    """Hours missing: to the found time, or to now while the episode is open."""
    return round(((episode.found_at or now) - episode.reported_at).total_seconds() / 3600, 1)


@router.get("/episodes/{rid}", response_class=HTMLResponse)
def episode_page(
    request: Request,
    session: DB,
    rid: Rid,
    reported_again: bool = False,
    actor: Actor = allowed("episodes", "read"),
):
    """`reported_again`: the caller came to report this child missing again, and was sent here."""
    return _episode_page(request, session, actor, rid, reported_again=reported_again)


def _episode_page(
    request, session, actor, rid, errors=None, values=None, status_code=200, reported_again=False
):
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
        already=episodes.already_reported(episode) if reported_again and episode.is_open else "",
        duplicates=merging.duplicates_of(session, actor, episode),
        kept=merging.kept_of(session, actor, episode),
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


# --- Merging a duplicate report --------------------------------------------------------------


@router.post("/episodes/{rid}/merge", response_class=HTMLResponse)
def merge(
    request: Request,
    rid: Rid,
    session: DB,
    other_rid: Annotated[str, Form(max_length=64)] = "",
    actor: Actor = allowed("episodes", "merge"),
):
    """Merge another report of the same absence with this one; the older is kept and shown."""
    try:
        if not other_rid.strip():
            raise Invalid("other_rid", "choose the other report of this absence")
        done = merging.merge_episodes(session, actor, rid, other_rid.strip())
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        errors = {"other_rid": exc.fields[0]["message"] if exc.fields else exc.message}
        return _episode_page(request, session, actor, rid, errors, None, 422)
    return RedirectResponse(f"/episodes/{done.kept.rid}#updates", status_code=303)


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
    back = forms.same_site_path(back, f"/triage/{rid}")  # never send the user elsewhere
    sector = postcode_sector.strip().upper() or None
    try:
        if kind not in ("update", "sighting"):
            raise Invalid("kind", "Choose update or sighting")
        if not text.strip():
            raise Invalid("text", "Say what is new")
        forms.refuse_too_long(UpdateIn, {"text": text.strip()})
        if sector is not None and len(sector) > 8:
            raise Invalid(
                "postcode_sector", "A postcode sector is at most 8 characters, for example AL1 3"
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
        errors = forms.plain_errors(exc.errors())
        return _close_page(request, actor, visible_episode(session, actor, rid), form, errors, 422)
    except Invalid as exc:
        session.rollback()
        errors = field_errors(exc)
        return _close_page(request, actor, visible_episode(session, actor, rid), form, errors, 422)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()  # e.g. closed already, or changed by another meanwhile
        errors = {"found_at": forms.sentence(exc.message)}
        return _close_page(request, actor, visible_episode(session, actor, rid), form, errors, 422)
    return RedirectResponse(f"/children/{pid}/timeline", status_code=303)


def _split(text: str | None) -> list[str]:
    """The values of a comma-separated field."""
    return [t.strip() for t in (text or "").split(",") if t.strip()]


# --- The parents' advice pack and the patrol briefing -----------------------------------------


@pass_context
def advice_section(context, episode: Episode) -> dict | None:
    """`{% set advice = advice_section(episode) %}` on the episode page: the pack's givings and
    whether it and the briefing are offered to the caller (None: neither)."""
    actor, request = context.get("actor"), context.get("request")
    session = getattr(request.state, "session", None) if request is not None else None
    if actor is None or session is None:
        return None
    pack = access.allowed(actor.role, "advice_packs", "read") and advice.offered(episode)
    return {
        "pack": pack,
        "givings": advice.givings(session, actor, episode) if pack else [],
        "briefing": access.allowed(actor.role, "briefings", "read"),
    }


templates.env.globals["advice_section"] = advice_section


@router.get("/episodes/{rid}/advice", response_class=HTMLResponse)
def advice_page(
    request: Request,
    session: DB,
    rid: Rid,
    printed: bool = False,
    actor: Actor = allowed("advice_packs", "read"),
):
    """The parents' advice pack, to print (the page prints as the pack alone) or to email."""
    return _advice_page(request, session, actor, rid, printed=printed)


def _advice_page(request, session, actor, rid, errors=None, email="", printed=False, status=200):
    episode, pack = advice.advice_episode(session, actor, rid)
    return render(
        request,
        "episodes/advice.html",
        actor,
        status_code=status,
        episode=episode,
        pack=pack,
        givings=advice.givings(session, actor, episode),
        may_give=access.allowed(actor.role, "advice_packs", "create"),
        printed=printed,
        errors=errors or {},
        values={"email": email},
    )


@router.post("/episodes/{rid}/advice/printed", response_class=HTMLResponse)
def advice_printed(
    request: Request, session: DB, rid: Rid, actor: Actor = allowed("advice_packs", "create")
):
    """Keep that the pack was printed for the parents; then the pack, to print."""
    advice.record_printed(session, actor, rid)
    return RedirectResponse(f"/episodes/{rid}/advice?printed=true", status_code=303)


@router.post("/episodes/{rid}/advice/email", response_class=HTMLResponse)
def advice_email(
    request: Request,
    session: DB,
    rid: Rid,
    email: Annotated[str, Form(max_length=320)] = "",
    actor: Actor = allowed("advice_packs", "create"),
):
    """Email the pack to the address typed (kept only masked); back to the episode."""
    try:
        advice.send_by_email(session, actor, rid, email)
    except Invalid as exc:
        session.rollback()
        return _advice_page(request, session, actor, rid, field_errors(exc), email, status=422)
    return RedirectResponse(f"/episodes/{rid}#advice", status_code=303)


@router.get("/episodes/{rid}/briefing", response_class=HTMLResponse)
def briefing_page(
    request: Request, session: DB, rid: Rid, actor: Actor = allowed("briefings", "read")
):
    """One printable page on the missing child for officers on patrol."""
    return render(
        request,
        "episodes/briefing.html",
        actor,
        b=briefing.briefing(session, actor, rid),
        limits=BRIEFING_LIMITS,
    )


# The most the briefing lists of each, so that it prints on one A4 page.
BRIEFING_LIMITS = {"found_before": 5, "associates": 6, "profile_text": 300}
