"""Whether a password is good enough: long, not a common one (or one dressed up), not the username.

The list is the 10,000 most common passwords (`common_passwords.txt`, its source in its header);
with the minimum length most entries are too short anyway, so a password is also refused when
stripping the digits and symbols around it leaves a common one ("Password2024!"), or when it only
repeats a few characters. NIST SP 800-63B asks for exactly this kind of check instead of rules
about character classes.
"""

from __future__ import annotations

from pathlib import Path

from misper.app.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON = frozenset(
    line
    for line in (Path(__file__).with_name("common_passwords.txt").read_text("utf-8").splitlines())
    if line and not line.startswith("#")
)
_AROUND = "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "


def check(password: str, username: str | None = None, field: str = "password") -> None:
    """Refuse a weak password with an `Invalid(field, why)` a person can act on."""
    if len(password) < MIN_LENGTH:
        raise Invalid(field, f"use at least {MIN_LENGTH} characters (a few words work well)")
    if len(password) > MAX_LENGTH:
        raise Invalid(field, f"use at most {MAX_LENGTH} characters")
    lowered = password.lower()
    core = lowered.strip(_AROUND)
    if lowered in COMMON or core in COMMON:
        raise Invalid(field, "this password is too common: it is among the first ones guessed")
    if _repeats(lowered):
        raise Invalid(field, "this password repeats a few characters: choose a few words")
    if username and len(username) >= 3 and username.lower() in lowered:
        raise Invalid(field, "this password contains your username: choose another")


def _repeats(password: str) -> bool:
    """The password is one short run repeated ("aaaa...", "abcabc...")."""
    for size in range(1, 5):
        unit = password[:size]
        if len(password) > size and (unit * (len(password) // size + 1)).startswith(password):
            return True
    return False
