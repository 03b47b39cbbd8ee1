"""Notices by email over SMTP: the operator's settings, messages that carry no case details, and
sending each notice to each user at most once (at once after the commit, or in a daily digest).

An email says only that there is a notice and what kind of case it is about, with a link to sign
in and open it: never its subject or text, which may name a child, a home or a place. Off unless
the operator sets `MISPER_SMTP_HOST` (README, "Email notifications").
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
import weakref
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from misper.app import access
from misper.app.db import session_factory, transaction
from misper.app.notifications.models import (
    EmailFrequency,
    Notification,
    NotificationEmail,
    NotificationPreference,
    NotificationRead,
)
from misper.app.users.models import User

_log = logging.getLogger(__name__)

HOST_ENV = "MISPER_SMTP_HOST"
PORT_ENV = "MISPER_SMTP_PORT"
STARTTLS_ENV = "MISPER_SMTP_STARTTLS"
USERNAME_ENV = "MISPER_SMTP_USERNAME"
PASSWORD_FILE_ENV = "MISPER_SMTP_PASSWORD_FILE"
FROM_ENV = "MISPER_MAIL_FROM"
BASE_URL_ENV = "MISPER_BASE_URL"
TIMEOUT = 30  # seconds for the mail server to answer

# What a notice is about, told by the page it opens (the first part of its link).
KINDS = {
    "episodes": "a missing episode",
    "interviews": "a return home interview",
    "referrals": "a MARM or MACE referral",
    "record-requests": "a request for a child's record",
    "break-glass": "a break-glass opening of a child's record",
    "children": "a child's record",
    "control-room": "a delayed report due for review",
}
OTHER_KIND = "case work"


class MailSetupError(ValueError):
    """The operator's email settings are wrong; the message names the variable."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None
    sender: str
    base_url: str  # where users sign in, e.g. https://misper.example.org


def mail_settings(environ: Mapping[str, str] = os.environ) -> MailSettings | None:
    """The settings from the environment; None when email is off (no `MISPER_SMTP_HOST`)."""
    host = environ.get(HOST_ENV, "").strip()
    if not host:
        return None
    port_text = environ.get(PORT_ENV, "587").strip()
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise MailSetupError(f"{PORT_ENV}: a port number from 1 to 65535, not {port_text!r}")
    starttls_text = environ.get(STARTTLS_ENV, "true").strip().lower()
    if starttls_text not in ("true", "false"):
        raise MailSetupError(f"{STARTTLS_ENV}: true or false, not {starttls_text!r}")
    username = environ.get(USERNAME_ENV, "").strip() or None
    password = None
    if environ.get(PASSWORD_FILE_ENV):
        try:
            password = Path(environ[PASSWORD_FILE_ENV]).read_text().strip()
        except OSError as exc:
            raise MailSetupError(f"{PASSWORD_FILE_ENV}: cannot read it ({exc.strerror})") from None
    if username and not password:
        raise MailSetupError(f"{PASSWORD_FILE_ENV}: {USERNAME_ENV} is set, so give its password")
    try:
        sender = validate_email(environ.get(FROM_ENV, ""), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise MailSetupError(f"{FROM_ENV}: the address emails come from ({exc})") from None
    base_url = environ.get(BASE_URL_ENV, "").strip().rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise MailSetupError(f"{BASE_URL_ENV}: the store's address, as https://host")
    return MailSettings(
        host, int(port_text), starttls_text == "true", username, password, sender, base_url
    )


def kind_of(link: str | None, episode_id: int | None = None) -> str:
    """What a notice is about, in words that name no one."""
    if link is None:
        return KINDS["episodes"] if episode_id is not None else OTHER_KIND
    return KINDS.get(link.strip("/").split("/")[0], OTHER_KIND)


def immediate_message(settings: MailSettings, to: str, notification_id: int, kind: str):
    message = _message(settings, to, "Misper: a new notice for you")
    message.set_content(
        f"There is a new notice for you in Misper about {kind}.\n\n"
        f"Sign in to open it:\n{settings.base_url}/notifications/{notification_id}\n\n"
        + _footer(settings, "as each notice arrives")
    )
    return message


def digest_message(settings: MailSettings, to: str, kinds: Counter[str]):
    total = sum(kinds.values())
    message = _message(settings, to, f"Misper: {total} new notice{'s' * (total != 1)}")
    lines = "\n".join(f"- {n} about {kind}" for kind, n in sorted(kinds.items()))
    message.set_content(
        f"There {'are' if total != 1 else 'is'} {total} new notice{'s' * (total != 1)} for you "
        f"in Misper:\n{lines}\n\n"
        f"Sign in to read them:\n{settings.base_url}/notifications\n\n"
        + _footer(settings, "once a day")
    )
    return message


def _message(settings: MailSettings, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, settings.sender, to
    return message


def _footer(settings: MailSettings, how: str) -> str:
    return (
        "This email holds no case details; they stay in Misper.\n"
        f"You chose to be emailed {how}; change it at {settings.base_url}/account/notifications"
    )


@dataclass(frozen=True)
class Due:
    notification_id: int
    user_id: int
    email: str
    kind: str


def due(session: Session, frequency: str, now: datetime) -> list[Due]:
    """Notices to email at this frequency: to users who chose it, since they chose it, neither
    read nor emailed yet."""
    pair = and_(
        NotificationEmail.notification_id == Notification.id, NotificationEmail.user_id == User.id
    )
    read = and_(
        NotificationRead.notification_id == Notification.id, NotificationRead.user_id == User.id
    )
    rows = session.execute(
        select(
            Notification.id,
            User.id,
            NotificationPreference.email,
            Notification.link,
            Notification.episode_id,
        )
        .select_from(Notification)
        .join(User, access.notified_users())
        .join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(
            NotificationPreference.frequency == frequency,
            NotificationPreference.email.is_not(None),
            Notification.created_at >= NotificationPreference.since,
            Notification.created_at <= now,
            ~exists().where(pair),
            ~exists().where(read),
        )
        .order_by(User.id, Notification.id)
    )
    return [Due(n, u, email, kind_of(link, episode)) for n, u, email, link, episode in rows]


def _claim(session: Session, items: list[Due], digest: bool, now: datetime) -> list[Due]:
    """Record the emails before sending them; those another sender recorded first are skipped."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed = []
    for item in items:
        done = session.execute(
            insert(NotificationEmail)
            .values(
                notification_id=item.notification_id,
                user_id=item.user_id,
                sent_at=now,
                digest=digest,
            )
            .on_conflict_do_nothing()
            .returning(NotificationEmail.notification_id)
        ).first()
        if done is not None:  # this sender recorded it: it is this one's to send
            claimed.append(item)
    return claimed


def _release(sessions: sessionmaker[Session], items: list[Due]) -> None:
    """A message the server refused: its record goes, so the next run sends it."""
    with transaction(sessions) as session:
        for item in items:
            session.execute(
                delete(NotificationEmail).where(
                    NotificationEmail.notification_id == item.notification_id,
                    NotificationEmail.user_id == item.user_id,
                )
            )


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    if settings.starttls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def _send(
    sessions: sessionmaker[Session],
    settings: MailSettings,
    batches: list[tuple[list[Due], EmailMessage]],
) -> int:
    """Send each claimed batch as its message; a batch not sent is released. Returns emails sent."""
    if not batches:
        return 0
    sent = 0
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        _log.warning("cannot reach the mail server: %s", exc)
        _release(sessions, [item for items, _ in batches for item in items])
        return 0
    with smtp:
        for items, message in batches:
            try:
                smtp.send_message(message)
                sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                _log.warning("the mail server refused a notice email: %s", exc)
                _release(sessions, items)
    return sent


def send_immediate(
    sessions: sessionmaker[Session], settings: MailSettings, now: datetime | None = None
) -> int:
    """Email each notice due to users who want them at once, one email each; returns how many."""
    now = now or datetime.now()
    with transaction(sessions) as session:
        claimed = _claim(session, due(session, EmailFrequency.IMMEDIATELY, now), False, now)
    return _send(
        sessions,
        settings,
        [
            ([item], immediate_message(settings, item.email, item.notification_id, item.kind))
            for item in claimed
        ],
    )


def send_digests(
    sessions: sessionmaker[Session], settings: MailSettings, now: datetime | None = None
) -> int:
    """One email per user who chose a daily digest, gathering every notice not yet emailed to
    them; run again, it finds nothing more to send. Returns the emails sent."""
    now = now or datetime.now()
    with transaction(sessions) as session:
        claimed = _claim(session, due(session, EmailFrequency.DAILY, now), True, now)
    per_user: dict[int, list[Due]] = defaultdict(list)
    for item in claimed:
        per_user[item.user_id].append(item)
    return _send(
        sessions,
        settings,
        [
            (items, digest_message(settings, items[0].email, Counter(i.kind for i in items)))
            for items in per_user.values()
        ],
    )


class _Sender:
    """One sending thread per database at a time; a commit while it works asks for another
    round, so no notice waits for the next commit."""

    def __init__(self, engine: Engine):
        self.sessions = session_factory(engine)
        self.lock = threading.Lock()
        self.again = threading.Event()

    def run(self, settings: MailSettings) -> None:
        while True:
            try:
                while self.again.is_set():
                    self.again.clear()
                    send_immediate(self.sessions, settings)
            except Exception:  # never into the request; the next commit tries again
                _log.exception("sending notice emails failed")
            finally:
                self.lock.release()
            if not (self.again.is_set() and self.lock.acquire(blocking=False)):
                return


_SENDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SENDERS_LOCK = threading.Lock()


def send_soon(engine: Engine) -> None:
    """After a commit that told someone something: email those who want it at once, in a thread
    (the request does not wait for the mail server). Nothing when email is off."""
    try:
        settings = mail_settings()
    except MailSetupError as exc:
        _log.warning("notice emails are not sent: %s", exc)
        return
    if settings is None:
        return
    with _SENDERS_LOCK:
        sender = _SENDERS.get(engine)
        if sender is None:
            sender = _SENDERS[engine] = _Sender(engine)
    sender.again.set()
    if sender.lock.acquire(blocking=False):
        threading.Thread(target=sender.run, args=(settings,), daemon=True).start()


def send_now(
    settings: MailSettings, to: str, subject: str, text: str, html: str | None = None
) -> None:
    """Send one message at once, in the caller's time (the parents' advice pack, to an address an
    officer typed); raises OSError or SMTPException when the server does not take it."""
    message = _message(settings, to, subject)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    with _connect(settings) as smtp:
        smtp.send_message(message)
