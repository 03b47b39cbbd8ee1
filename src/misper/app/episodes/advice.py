"""The parents' advice pack (the seed report's immediate action): after an episode from a family
home, the parents get their force's pack, printed or emailed, and its giving is kept on the episode.

The pack is a Markdown template per force (`config/advice/README.md` says how to override it). An
email goes at once to the address the officer typed, which is never stored: the episode keeps
that it was emailed, by whom and when, and the address masked.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_episode
from misper.app.agencies.models import Agency
from misper.app.audit import service as audit
from misper.app.episodes.models import AdvicePack, Episode
from misper.app.errors import Conflict, Invalid
from misper.app.notifications import mail
from misper.app.users.models import User

_log = logging.getLogger(__name__)
ADVICE_DIR_ENV = "MISPER_ADVICE_DIR"
BUNDLED = Path(__file__).resolve().parents[2] / "config" / "advice"  # misper/config/advice
DEFAULT = "default.md.j2"
FAMILY_HOME = "home"  # the canonical `missing_from_type` of the family home
# The reasons children most often give (seed report, Figure 12: "wanting to see friends/partner,
# cooling off after an argument with family and staying out past curfew"), by the schema's
# reason codes, as the pack says them.
TOP_REASONS = {
    "friends_partner": "to see friends or a partner",
    "family_argument": "after an argument with their family",
    "curfew": "by staying out past a curfew",
}
METHODS = {"print": "printed", "email": "emailed"}
SUBJECT = "Advice for parents and carers from {force}"
_markdown = MarkdownIt("commonmark", {"html": False})  # a template's raw HTML is shown, never run


@dataclass(frozen=True)
class Pack:
    force: str
    markdown: str

    @property
    def html(self) -> Markup:
        return Markup(_markdown.render(self.markdown))  # noqa: S704  (escaped by markdown-it)


@dataclass(frozen=True)
class Given:
    """One giving of the pack, as the episode shows it."""

    method: str  # "printed" or "emailed"
    masked_address: str | None
    by: str
    at: datetime


def offered(episode: Episode) -> bool:
    """The pack is for a child who went missing from the family home (not a care home, where the
    carers are the council's and the provider's staff)."""
    return episode.missing_from_type == FAMILY_HOME


def agency_code(name: str) -> str:
    """A force's code for its template's file name: `North Police` -> `north-police`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _environment() -> SandboxedEnvironment:
    configured = os.environ.get(ADVICE_DIR_ENV, "").strip()
    paths = [Path(configured), BUNDLED] if configured else [BUNDLED]
    return SandboxedEnvironment(
        loader=FileSystemLoader(paths), undefined=StrictUndefined, keep_trailing_newline=True
    )


def render_pack(force: str) -> Pack:
    """The pack of the force named `force`: its own template, else the default."""
    env = _environment()
    template = env.select_template([f"{agency_code(force)}.md.j2", DEFAULT])
    try:
        text = template.render(force=force, reasons=list(TOP_REASONS.values()))
    except TemplateError as exc:  # the operator's template: say which, and why
        raise RuntimeError(f"advice pack template {template.filename}: {exc}") from exc
    return Pack(force, text)


def advice_episode(session: Session, actor: Actor, rid: str) -> tuple[Episode, Pack]:
    """The episode whose parents may be given the pack, and the pack of its force. An episode
    outside the actor's scope is absent (404); one not from a family home is refused (409)."""
    access.require(actor, "advice_packs", "read")
    episode = visible_episode(session, actor, rid)
    if not offered(episode):
        raise Conflict("the advice pack is for a child who went missing from the family home")
    force = session.scalar(select(Agency.name).where(Agency.id == episode.force_id))
    return episode, render_pack(force or "the police")


def record_printed(session: Session, actor: Actor, rid: str) -> AdvicePack:
    """Keep that the pack was printed and given to the parents."""
    access.require(actor, "advice_packs", "create")
    episode, _pack = advice_episode(session, actor, rid)
    return _record(session, actor, episode, "print", None)


def send_by_email(session: Session, actor: Actor, rid: str, address: str) -> AdvicePack:
    """Email the pack at once to the address typed, and keep that it was sent (masked address).
    Refused by the field `email`, with nothing kept, when the address is wrong, email is not set
    up, or the mail server does not take it."""
    access.require(actor, "advice_packs", "create")
    episode, pack = advice_episode(session, actor, rid)
    try:
        to = validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid("email", "enter the parent's email address, like name@example.org") from None
    try:
        settings = mail.mail_settings()
    except mail.MailSetupError as exc:
        _log.warning("the advice pack is not emailed: %s", exc)
        raise Invalid(
            "email", "email is not set up right on this store: print the pack, and tell your admin"
        ) from None
    if settings is None:
        raise Invalid("email", "this store does not send email: print the pack instead")
    sent = _record(session, actor, episode, "email", mask(to))
    try:
        mail.send_now(
            settings, to, SUBJECT.format(force=pack.force), pack.markdown, _email_html(pack)
        )
    except (OSError, smtplib.SMTPException):
        raise Invalid(
            "email", "the mail server did not take the email; nothing was sent: try again"
        ) from None
    return sent


def _email_html(pack: Pack) -> str:
    title = escape(SUBJECT.format(force=pack.force))
    return f'<!doctype html><html lang="en-GB"><title>{title}</title><body>{pack.html}</body>'


def mask(address: str) -> str:
    """An address as the record keeps it: enough to tell which one it was, not to write to it
    (`jane.doe@example.org` -> `j***@e***.org`)."""
    local, _, domain = address.rpartition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***.{tld}" if host else f"{local[:1]}***@{domain[:1]}***"


def _record(
    session: Session, actor: Actor, episode: Episode, method: str, masked: str | None
) -> AdvicePack:
    given = AdvicePack(
        episode_id=episode.id,
        method=method,
        masked_address=masked,
        sent_at=datetime.now().replace(microsecond=0),
        sent_by=actor.user_id,
        agency_id=actor.agency_id,
    )
    session.add(given)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "advice_pack",
        given.id,
        child_id=episode.child_id,
        detail={"episode": episode.rid, "method": method},
    )
    return given


def givings(session: Session, actor: Actor, episode: Episode) -> list[Given]:
    """The pack's givings on an episode the actor reads, oldest first; none for a role that does
    not give it."""
    if not access.allowed(actor.role, "advice_packs", "read"):
        return []
    rows = session.execute(
        select(AdvicePack, User.username)
        .join(User, User.id == AdvicePack.sent_by)
        .where(AdvicePack.episode_id == episode.id)
        .order_by(AdvicePack.sent_at, AdvicePack.id)
    )
    return [Given(METHODS[p.method], p.masked_address, name, p.sent_at) for p, name in rows]
