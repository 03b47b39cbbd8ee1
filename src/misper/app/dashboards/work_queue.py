"""The home page's work queue: for each part of the process the caller's role works in, how many
items need it now and the first few, each linking to where the work is done.

Built from the same service functions as the lists and dashboards, so it shows exactly what the
role may see there and every read is audited there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.dashboards import service as dashboards
from misper.app.escalation.service import list_referrals
from misper.app.interviews.return_home import list_with_clock
from misper.app.notifications.service import list_notifications

SHOWN = 5  # items listed per panel; the count says how many there are


@dataclass
class Item:
    text: str
    href: str | None = None
    tag: str | None = None  # "high", "overdue", "due": drawn as a coloured label


@dataclass
class Panel:
    title: str
    count: int
    empty: str  # what the panel says when nothing needs the caller
    more_href: str
    more_text: str
    items: list[Item] = field(default_factory=list)


def work_queue(session: Session, actor: Actor, now: datetime) -> list[Panel]:
    panels = []
    role = actor.role
    if access.allowed(role, "episodes", "list"):
        panels += _missing_now(session, actor, now)
    if access.allowed(role, "return_home_interviews", "list"):
        panels.append(_interviews(session, actor, now))
    if access.allowed(role, "referrals", "list"):
        panels.append(_referrals(session, actor))
    panels.append(_notifications(session, actor))
    return panels


def _missing_now(session: Session, actor: Actor, now: datetime) -> list[Panel]:
    frame = dashboards.open_episodes(session, actor, now)
    frame = frame.sort_values(["hours_missing", "rid"], ascending=[False, True])
    # One child once: a child reported twice (not merged yet) is listed by its older report.
    reports = frame["pid"].value_counts()
    children = frame.drop_duplicates("pid")
    triage = access.allowed(actor.role, "decisions", "list")

    def href(row) -> str:  # the police work the episode in triage; others read it
        return f"/triage/{row.rid}" if triage else f"/episodes/{row.rid}"

    def item(row) -> Item:
        risk = (row.risk or "not assessed").replace("_", " ")
        twice = f" ({reports[row.pid]} open reports: merge them)" if reports[row.pid] > 1 else ""
        return Item(
            f"{row.pid}: missing {row.hours_missing:g} h, risk {risk}{twice}",
            href(row),
            "high" if row.risk == "high" else None,
        )

    panels = [
        Panel(
            "Missing now",
            len(children),
            "No child in your records is missing now.",
            "/dashboards/open",
            "The board of open episodes",
            [item(r) for r in children.head(SHOWN).itertuples()],
        )
    ]
    if triage:
        due = frame[frame["review_due"]]
        panels.append(
            Panel(
                "Delayed reports due for review",
                len(due),
                "No delayed report is due for review.",
                "/control-room",
                "Control room",
                [
                    Item(f"{r.pid}: review was due {r.review_at:%d %b %Y %H:%M}", href(r), "due")
                    for r in due.head(SHOWN).itertuples()
                ],
            )
        )
    return panels


def _interviews(session: Session, actor: Actor, now: datetime) -> Panel:
    # Both newest first: years of history must not push this week's interviews off the panel.
    overdue = list_with_clock(session, actor, now, wanted="overdue", newest_first=True)
    due = list_with_clock(session, actor, now, wanted="due", newest_first=True)
    rows = overdue + sorted(due, key=lambda r: r["due_at"])  # then the soonest due first
    return Panel(
        "Return home interviews to do",
        len(rows),
        "No return home interview is waiting.",
        "/interviews",
        "All return home interviews",
        [
            Item(
                f"{r['child']['pid']}: {r['state']}, due {r['due_at']:%d %b %Y %H:%M}",
                f"/interviews/{r['id']}/record",
                r["state"],
            )
            for r in rows[:SHOWN]
        ],
    )


def _referrals(session: Session, actor: Actor) -> Panel:
    rows = list_referrals(session, actor, None, True, 0, 500)
    return Panel(
        "Referrals awaiting an outcome",
        len(rows),
        "No referral is awaiting its meeting.",
        "/referrals",
        "All referrals",
        [
            Item(
                f"{pid}: {r.meeting.upper()} referral of {r.referred_at:%d %b %Y}",
                f"/referrals/{r.id}",
            )
            for r, pid in rows[:SHOWN]
        ],
    )


def _notifications(session: Session, actor: Actor) -> Panel:
    rows = list_notifications(session, actor, True, 0, 500)
    return Panel(
        "Unread notifications",
        len(rows),
        "Nothing new.",
        "/notifications",
        "All notifications",
        [
            # Opening one reads it and goes on to its case (notifications.pages).
            Item(n.subject + (f" – {n.body}" if n.body else ""), f"/notifications/{n.id}")
            for n in rows[:SHOWN]
        ],
    )
