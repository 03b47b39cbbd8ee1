"""API shapes of episodes and their parts; the canonical fields are typed from the schema module."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, create_model

from misper.app.children.schemas import NewChild
from misper.app.episodes.models import EPISODE_FIELDS
from misper.app.schemas import (
    Id,
    LocalDatetime,
    Note,
    Pid,
    Sector,
    Stamp,
    StoreModel,
    canonical_type,
    text,
)
from misper.incidents.schema import BY_NAME, RISK_LEVELS

# What a report of a child going missing gives; the rest is learnt while the episode runs.
REPORT_FIELDS = (
    "reported_at",
    "last_seen_at",
    "missing_from_type",
    "missing_from_postcode_sector",
    "risk_initial",
    "age",
    "circumstances_text",
    "risk_flags",
    "markers",
)
# What may change while the episode runs and when the child is found.
CHANGE_FIELDS = (
    "last_seen_at",
    "found_at",
    "found_by",
    "found_how",
    "found_location_type",
    "found_postcode_sector",
    "distance_miles",
    "out_of_uk",
    "harm",
    "victim_of_crime",
    "arrested_while_missing",
    "risk_flags",
    "reason_vulnerability",
    "reason_codes",
    "markers",
    "found_text",
)


def _optional(names):
    return {n: (canonical_type(BY_NAME[n]) | None, None) for n in names}


EpisodeReport = create_model(
    "EpisodeReport",
    __base__=StoreModel,
    pid=(Pid | None, None),
    child=(NewChild | None, None),
    reported_at=(canonical_type(BY_NAME["reported_at"]), ...),
    missing_from_type=(canonical_type(BY_NAME["missing_from_type"]), ...),
    **_optional([n for n in REPORT_FIELDS if n not in ("reported_at", "missing_from_type")]),
)
EpisodeChange = create_model(
    "EpisodeChange", __base__=StoreModel, version=(Id, ...), **_optional(CHANGE_FIELDS)
)
EpisodeOut = create_model(
    "EpisodeOut",
    rid=(str, ...),
    pid=(str, ...),
    version=(int, ...),
    is_open=(bool, ...),
    force_id=(int, ...),
    reported_by_agency_id=(int | None, None),
    home_id=(int | None, None),
    **{n: (canonical_type(BY_NAME[n], answer=True) | None, None) for n in EPISODE_FIELDS},
)


class MergeIn(StoreModel):
    """The other report of the same absence; the older of the two is kept."""

    other_rid: Pid


class MergedOut(BaseModel):
    episode: EpisodeOut  # the episode kept
    merged_rid: str  # the report merged into it (kept, marked merged)
    moved: dict[str, int]  # how many records of each kind moved


class EpisodePage(BaseModel):
    total: int
    items: list[EpisodeOut]


class RiskAssessmentIn(StoreModel):
    level: Literal[RISK_LEVELS]
    rationale: Note | None = None


class RiskAssessmentOut(BaseModel):
    id: int
    level: str
    rationale: str | None
    assessed_at: Stamp
    assessed_by: int


class DecisionIn(StoreModel):
    decision: Literal["deploy", "delay", "defer", "not_missing"]
    review_at: LocalDatetime | None = None
    rationale: Note | None = None


class DecisionOut(BaseModel):
    id: int
    decision: str
    review_at: Stamp | None
    rationale: str | None
    decided_at: Stamp
    decided_by: int


class TaskIn(StoreModel):
    description: text(2_000, 1)


class TaskChange(StoreModel):
    done: bool


class TaskOut(BaseModel):
    id: int
    description: str
    done: bool
    created_at: Stamp


class UpdateIn(StoreModel):
    kind: Literal["update", "sighting"]
    text: text(10_000, 1)
    postcode_sector: Sector | None = None


class UpdateOut(BaseModel):
    id: int
    kind: str
    text: str
    postcode_sector: str | None
    at: Stamp
    agency_id: int


class AssociationIn(StoreModel):
    linked_rid: Pid | None = None
    associate_id: Pid | None = None
    kind: Literal["person", "address", "unknown"] = "unknown"
    description: Note | None = None


class AssociateOut(BaseModel):
    associate_id: str
    kind: str
    description: str | None


class AssociationsOut(BaseModel):
    linked_rids: list[str]
    associates: list[AssociateOut]
