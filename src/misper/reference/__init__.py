"""The seed report's published figures and labels, shipped in the package (never read from
outside)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml


def _read(name: str) -> dict:
    text = resources.files("misper.reference").joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def published() -> dict:
    """The figures of `herts-2019-2022.yaml` (Hertfordshire, 2019-2022, as published)."""
    return _read("herts-2019-2022.yaml")


@cache
def seed_labels() -> dict:
    """The report's labels -> canonical values: missing_from, risk_flags, reasons_vulnerability,
    distance."""
    return _read("labels.yaml")
