"""Plain words for the report's statistics: a test's p-value, a column's name, a weekday."""

from __future__ import annotations

import functools
import math
import re
from importlib import resources

import yaml

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # an identifier, not words


def significance(p: float | None) -> str:
    """How far a test's result is from chance, in words with the p-value beside them.

    Thresholds are the usual ones (0.001, 0.01, 0.05); the wording says what a reader may
    conclude, the bracket is for the analyst (the band below 0.05, else the p-value itself).
    """
    if p is None or not math.isfinite(p):
        return "not tested (too few incidents)"
    if p < 0.001:
        return "far more than chance would explain (p < 0.001)"
    if p < 0.01:
        return "very unlikely to be chance (p < 0.01)"
    if p < 0.05:
        return "unlikely to be chance (p < 0.05)"
    return f"small enough to be chance (p = {p:.2f})"


WEEKDAYS = dict(
    Mon="Monday", Tue="Tuesday", Wed="Wednesday", Thu="Thursday", Fri="Friday",
    Sat="Saturday", Sun="Sunday",
)  # fmt: skip


def weekday(short: str | None) -> str:
    """A weekday as the analysis names it (Mon..Sun) in full."""
    return WEEKDAYS.get(short or "", short or "")


@functools.cache
def labels() -> dict[str, str]:
    """Column and measure names -> labels (labels.yaml, beside methods.yaml)."""
    text = resources.files("misper.report").joinpath("labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def label(name: object) -> str:
    """A column, index or measure name as a reader says it; other values unchanged.

    Named in labels.yaml, or else an identifier (snake_case) spelt out in words.
    """
    text = "" if name is None else str(name)
    if text in labels():
        return labels()[text]
    if SNAKE.match(text):
        return text.replace("_", " ").capitalize()
    return text
