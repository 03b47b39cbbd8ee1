"""Who the demo's children are: synthetic names (Faker's en_GB lists, seeded), dates of birth that
agree with the ages on their episodes, and placeholder photos (initials on a coloured square,
drawn here at seed time; no real face, nothing committed).

Fast for 10,000 children: names are drawn from Faker's lists in one go rather than through its
per-call providers, and a photo is drawn once per pair of initials and shared.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime, timedelta

from faker import Faker
from faker.providers.person.en_GB import Provider as Names
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from misper.app.children.models import Child, ChildPhoto
from misper.app.children.photos import MEDIA_TYPE
from misper.app.episodes.models import Episode

SEED = 2026
PHOTO_SIZE = 120
# Colours dark enough for white initials (WCAG contrast over 4.5:1).
COLOURS = ("#1d70b8", "#00703c", "#912b88", "#d4351c", "#505a5f", "#28a197", "#6f72af", "#b58840")
CHUNK = 1_000


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_window(reported: date, age: int) -> tuple[date, date]:
    """The dates of birth that make a child `age` on `reported`: (first, last), both included."""
    return years_before(reported, age + 1) + timedelta(days=1), years_before(reported, age)


def birth_dates(rows, rnd) -> dict[int, date]:
    """child id -> a date of birth agreeing with every (child id, reported_at, age) row of it; if
    the ages disagree among themselves, with the child's latest episode."""
    windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for child_id, reported, age in sorted(rows, key=lambda r: r[1]):
        if age is not None and 0 <= age < 120:
            windows[child_id].append(birth_window(reported.date(), int(age)))
    born = {}
    for child_id, spans in windows.items():
        first, last = max(s[0] for s in spans), min(s[1] for s in spans)
        if first > last:
            first, last = spans[-1]
        born[child_id] = first + timedelta(days=rnd.randrange((last - first).days + 1))
    return born


def placeholder_photo(initials: str) -> bytes:
    """A JPEG of the initials in white on a square of a colour they pick."""
    colour = COLOURS[sum(map(ord, initials)) % len(COLOURS)]
    image = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), colour)
    font = ImageFont.load_default(size=PHOTO_SIZE * 2 // 5)
    middle = PHOTO_SIZE // 2
    ImageDraw.Draw(image).text((middle, middle), initials, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_identities(session: Session, seed: int = SEED, now: datetime | None = None) -> int:
    """Name every child with no name, give a date of birth to each with none (from its episodes'
    ages) and a placeholder photo to each with none. Returns how many children were named."""
    now = now or datetime.now()
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rnd = fake.random
    children = session.execute(
        select(Child.id, Child.gender, Child.name, Child.date_of_birth).order_by(Child.id)
    ).all()
    unnamed = [c for c in children if c.name is None]
    surnames = rnd.choices(
        list(Names.last_names), weights=list(Names.last_names.values()), k=len(unnamed)
    )
    names = {
        c.id: f"{rnd.choice(_first_names(c.gender, rnd))} {surname}"
        for c, surname in zip(unnamed, surnames, strict=True)
    }
    no_birth = {c.id for c in children if c.date_of_birth is None}
    rows = session.execute(
        select(Episode.child_id, Episode.reported_at, Episode.age).where(
            Episode.child_id.in_(select(Child.id).where(Child.date_of_birth.is_(None)))
        )
    ).all()
    born = birth_dates(rows, rnd)
    for child_id in no_birth - set(born):  # no episode says: a teenager, as most reported
        born[child_id] = years_before(now.date(), rnd.randint(12, 16)) - timedelta(
            days=rnd.randrange(365)
        )
    changes = [
        {
            "id": c.id,
            "name": names.get(c.id, c.name),
            "date_of_birth": born.get(c.id, c.date_of_birth),
        }
        for c in children
        if c.id in names or c.id in born
    ]
    for start in range(0, len(changes), CHUNK):
        session.execute(update(Child), changes[start : start + CHUNK])
    _photos(session, {c.id: names.get(c.id, c.name) for c in children}, now)
    session.flush()
    return len(names)


def _first_names(gender: str | None, rnd) -> tuple[str, ...]:
    if gender == "female":
        return Names.first_names_female
    if gender == "male":
        return Names.first_names_male
    return rnd.choice((Names.first_names_female, Names.first_names_male))


def _photos(session: Session, names: dict[int, str | None], now: datetime) -> None:
    have = set(session.scalars(select(ChildPhoto.child_id)))
    drawn: dict[str, bytes] = {}
    rows = []
    for child_id, name in names.items():
        if child_id in have or not name:
            continue
        words = name.split()
        initials = (words[0][0] + words[-1][0]).upper()
        if initials not in drawn:
            drawn[initials] = placeholder_photo(initials)
        rows.append(
            {
                "child_id": child_id,
                "content": drawn[initials],
                "media_type": MEDIA_TYPE,
                "uploaded_by": None,
                "uploaded_at": now,
            }
        )
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(ChildPhoto.__table__), rows[start : start + CHUNK])
