"""The Philomena profile's fields, how complete a profile is, and when its review falls due."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from misper.process.config import PhilomenaRules

# Part 1 of the Philomena Protocol form, as the practice summary lists it; every field optional.
FIELDS: dict[str, str] = {
    "description": "Physical description",
    "photo_reference": "Recent photograph (reference)",
    "identifying_features": "Identifying features",
    "phone_numbers": "Phone numbers and device identifiers",
    "social_media": "Social media accounts",
    "key_contacts": "Key contacts (family, friends, social worker, placing council)",
    "places_frequented": "Places frequented",
    "addresses_used": "Addresses known to be used",
    "associates": "Associates (named people, some of concern)",
    "vulnerabilities": "Vulnerabilities",
    "medical": "Medical needs: medication, diagnoses (e.g. ADHD, autism), self-harm history",
    "triggers": "Known triggers",
    "what_worked": "What worked when the child was last found",
    "transport": "Usual transport",
    "financial": "Financial information (bank cards)",
}


def completeness(profile: Mapping[str, object]) -> tuple[float, list[str]]:
    """Share of fields filled (0-1) and the labels of those still missing."""
    missing = [label for key, label in FIELDS.items() if _empty(profile.get(key))]
    return 1 - len(missing) / len(FIELDS), missing


def _empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) == 0
    return False


def review_due(
    last_reviewed: pd.Timestamp | None,
    last_placement_change: pd.Timestamp | None,
    rules: PhilomenaRules,
) -> pd.Timestamp | None:
    """When the next review is due: 90 days after the last, or at once after a placement change.

    None means never reviewed: due now (the caller shows it as overdue from the profile's creation).
    """
    if last_reviewed is None:
        return None
    due = pd.Timestamp(last_reviewed) + pd.Timedelta(days=rules.review_days)
    if last_placement_change is not None and pd.Timestamp(last_placement_change) > pd.Timestamp(
        last_reviewed
    ):
        return min(due, pd.Timestamp(last_placement_change))
    return due
