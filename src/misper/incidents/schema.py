"""The canonical incident table, declared once: every reader, writer, generator and doc uses it.

The definition follows `shared/spec/incident-schema.md` column for column. Everything else in the
project (the loader's checks, the Arrow/pandas types, the generator's output, the store's export,
the data dictionary in docs/) is derived from `COLUMNS`, so a change here is a change everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd
import pyarrow as pa


class Kind(StrEnum):
    """Storage kind of a column; decides parsing, checking and the Arrow type."""

    TEXT = "text"
    ENUM = "enum"
    DATETIME = "datetime"
    INTEGER = "integer"
    FLOAT = "float"
    BOOL = "bool"
    LIST = "list"


@dataclass(frozen=True)
class Column:
    """One canonical column: its type, allowed values and bounds, and what it means."""

    name: str
    kind: Kind
    group: str
    description: str
    required: bool = False
    # allowed values of an enum, or of a list's items (empty: free ids)
    values: tuple[str, ...] = ()
    minimum: float | None = None  # bounds beyond which a value is absurd, not merely unusual
    maximum: float | None = None
    default: str | None = None  # value taken when the cell is empty
    free_text: bool = False  # may identify a person; dropped by pseudonymisation unless kept
    identifier: str | None = None  # pseudonymisation domain: person, incident, place, associate
    postcode_sector: bool = False  # text holding a postcode sector; full postcodes are cut to it

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW[self.kind]

    @property
    def pandas_dtype(self) -> pd.CategoricalDtype | pd.ArrowDtype | str:
        """The dtype a loaded frame holds this column in (enums as categoricals: small and fast)."""
        if self.kind is Kind.ENUM:
            return pd.CategoricalDtype(list(self.values))
        if self.kind is Kind.LIST:
            return pd.ArrowDtype(pa.list_(pa.string()))
        return _PANDAS[self.kind]


_ARROW: dict[Kind, pa.DataType] = {
    Kind.TEXT: pa.string(),
    Kind.ENUM: pa.string(),
    Kind.DATETIME: pa.timestamp("us"),
    Kind.INTEGER: pa.int64(),
    Kind.FLOAT: pa.float64(),
    Kind.BOOL: pa.bool_(),
    Kind.LIST: pa.list_(pa.string()),
}
_PANDAS: dict[Kind, str] = {
    Kind.TEXT: "string[pyarrow]",  # Arrow-backed: compact, and string work runs in Arrow's kernels
    Kind.DATETIME: "datetime64[ns]",
    Kind.INTEGER: "Int64",
    Kind.FLOAT: "float64",
    Kind.BOOL: "boolean",
}

RISK_LEVELS = ("no_apparent_risk", "absent", "low", "medium", "high", "unknown")
MISSING_FROM_TYPES = (
    "home",
    "care_home",
    "education",
    "hospital",
    "street",
    "town_centre",
    "leisure",
    "mha_sectioned",
    "mha_voluntary",
    "detention",
    "youth_custody",
    "licensed_premises",
    "public_transport",
    "special_event",
    "other",
)
RISK_FLAGS = (
    "gang",
    "criminal",
    "cse",
    "cce",
    "county_lines",
    "suicide",
    "self_harm",
    "domestic_abuse",
    "vulnerable",
    "trafficking",
    "hba",
    "modern_slavery",
    "terrorism",
    "fgm",
    "forced_marriage",
    "mental_health",
    "substance_misuse",
    "other",
)
REASON_VULNERABILITY = (
    "county_lines",
    "gang",
    "criminality",
    "modern_slavery",
    "fgm",
    "cse",
    "trafficking",
)
REASON_CODES = (
    "friends_partner",
    "family_argument",
    "curfew",
    "placement_unhappy",
    "school",
    "mental_health",
    "substance_use",
    "exploitation",
    "criminality",
    "escape_violence",
    "bored",
    "other",
    "unknown",
)
MARKERS = (
    "weapons",
    "violence",
    "drugs",
    "mental_health",
    "adhd",
    "autism",
    "learning_disability",
    "self_harm",
    "other",
)
FOUND_BY = (
    "self",
    "police",
    "parent_carer",
    "care_staff",
    "social_services",
    "health",
    "school",
    "friend_relative",
    "other",
    "unknown",
)
FOUND_HOW = (
    "returned_self",
    "presented_to_police",
    "police_targeted",
    "police_other_activity",
    "arrested",
    "found_by_carer",
    "found_by_other_agency",
    "other",
    "unknown",
)
FOUND_LOCATION_TYPES = (
    "home",
    "care_home",
    "friend_address",
    "relative_address",
    "associate_address",
    "street_public",
    "police_station",
    "hospital",
    "other",
    "unknown",
)

_C = Column
_K = Kind
COLUMNS: tuple[Column, ...] = (
    # Identity and class
    _C(
        "rid",
        _K.TEXT,
        "Identity and class",
        "Incident (report) id, unique in the file.",
        required=True,
        identifier="incident",
    ),
    _C(
        "pid",
        _K.TEXT,
        "Identity and class",
        "Person id; the same child keeps the same pid across incidents (pseudonymised).",
        required=True,
        identifier="person",
    ),
    _C(
        "record_type",
        _K.ENUM,
        "Identity and class",
        "missing_report: a full missing-person report was created (default); incident_only: a "
        "control-room incident classed as missing with no full report (resolved, delayed or "
        "deferred first); absent; concern_for_welfare.",
        values=("missing_report", "incident_only", "absent", "concern_for_welfare"),
        default="missing_report",
    ),
    # Timing
    _C("reported_at", _K.DATETIME, "Timing", "When the police were told.", required=True),
    _C(
        "last_seen_at",
        _K.DATETIME,
        "Timing",
        "When the child was last seen (start of the episode).",
    ),
    _C(
        "found_at",
        _K.DATETIME,
        "Timing",
        "When the child was found or returned; empty = not yet / unknown.",
    ),
    # The child at the time
    _C(
        "age",
        _K.INTEGER,
        "The child at the time",
        "Age at reported_at (0-17 for children; 0-120 accepted).",
        required=True,
        minimum=0,
        maximum=120,
    ),
    _C(
        "gender",
        _K.ENUM,
        "The child at the time",
        "Gender as recorded.",
        values=("male", "female", "transgender", "other", "unknown"),
    ),
    _C(
        "ethnic_appearance",
        _K.TEXT,
        "The child at the time",
        "As recorded (the seed report's Table 3 categories are the reference list).",
    ),
    _C(
        "in_care",
        _K.ENUM,
        "The child at the time",
        "full_care, accommodated (s.20), no, unknown.",
        values=("full_care", "accommodated", "no", "unknown"),
    ),
    _C(
        "responsible_authority",
        _K.TEXT,
        "The child at the time",
        "Council responsible for the child.",
    ),
    _C(
        "out_of_area_placement",
        _K.BOOL,
        "The child at the time",
        "Placed in this area by another council, or placed out of its own area.",
    ),
    _C(
        "social_worker_allocated",
        _K.BOOL,
        "The child at the time",
        "A social worker is allocated to the child.",
    ),
    # Where from
    _C(
        "missing_from_type",
        _K.ENUM,
        "Where from",
        "Kind of place missing from: home (Home/Neighbourhood), care_home (Childrens Home and "
        "Supported Living), education, hospital, street, ...",
        required=True,
        values=MISSING_FROM_TYPES,
    ),
    _C(
        "missing_from_place_id",
        _K.TEXT,
        "Where from",
        "Pseudonymised address id: the same care home or house has the same id.",
        identifier="place",
    ),
    _C(
        "missing_from_postcode_sector",
        _K.TEXT,
        "Where from",
        "Postcode sector, e.g. 'HP4 1' (never a full postcode).",
        postcode_sector=True,
    ),
    _C("missing_from_lat", _K.FLOAT, "Where from", "Latitude, WGS84.", minimum=-90, maximum=90),
    _C("missing_from_lon", _K.FLOAT, "Where from", "Longitude, WGS84.", minimum=-180, maximum=180),
    # Risk
    _C("risk_initial", _K.ENUM, "Risk", "Risk level when reported.", values=RISK_LEVELS),
    _C("risk_final", _K.ENUM, "Risk", "Risk level after review.", values=RISK_LEVELS),
    # Resolution
    _C(
        "found_by",
        _K.ENUM,
        "Resolution",
        "Who found the child: self (returned of own accord), police, parent_carer, ...",
        values=FOUND_BY,
    ),
    _C(
        "found_how",
        _K.ENUM,
        "Resolution",
        "How the child was found: police_targeted = police activity aimed at finding the child; "
        "police_other_activity = found during unrelated police work; ...",
        values=FOUND_HOW,
    ),
    _C(
        "found_location_type",
        _K.ENUM,
        "Resolution",
        "Kind of place found.",
        values=FOUND_LOCATION_TYPES,
    ),
    _C(
        "found_postcode_sector",
        _K.TEXT,
        "Resolution",
        "Postcode sector where found.",
        postcode_sector=True,
    ),
    _C(
        "found_lat", _K.FLOAT, "Resolution", "Latitude where found, WGS84.", minimum=-90, maximum=90
    ),
    _C(
        "found_lon",
        _K.FLOAT,
        "Resolution",
        "Longitude where found, WGS84.",
        minimum=-180,
        maximum=180,
    ),
    _C(
        "distance_miles",
        _K.FLOAT,
        "Resolution",
        "Missing-to-found distance in miles; computed from the coordinates when absent and both "
        "points are known.",
        minimum=0,
        maximum=12500,
    ),
    _C("out_of_uk", _K.BOOL, "Resolution", "Found outside the UK."),
    _C(
        "harm",
        _K.ENUM,
        "Resolution",
        "Harm while missing.",
        values=("none", "minor", "serious", "fatal", "unknown"),
    ),
    _C("victim_of_crime", _K.BOOL, "Resolution", "Victim of a crime while missing."),
    _C("arrested_while_missing", _K.BOOL, "Resolution", "Arrested while missing."),
    # Vulnerability and reasons
    _C(
        "risk_flags",
        _K.LIST,
        "Vulnerability and reasons",
        "Risks and vulnerabilities listed on the report.",
        values=RISK_FLAGS,
    ),
    _C(
        "reason_vulnerability",
        _K.LIST,
        "Vulnerability and reasons",
        "Stated reason for going missing when it is a vulnerability.",
        values=REASON_VULNERABILITY,
    ),
    _C(
        "reason_codes",
        _K.LIST,
        "Vulnerability and reasons",
        "Coded reason for going missing.",
        values=REASON_CODES,
    ),
    _C(
        "markers",
        _K.LIST,
        "Vulnerability and reasons",
        "Warning markers on the person.",
        values=MARKERS,
    ),
    _C(
        "circumstances_text",
        _K.TEXT,
        "Vulnerability and reasons",
        "Free text: how the child went missing.",
        free_text=True,
    ),
    _C(
        "found_text",
        _K.TEXT,
        "Vulnerability and reasons",
        "Free text: where and how found.",
        free_text=True,
    ),
    # Workload
    _C(
        "narratives_count",
        _K.INTEGER,
        "Workload",
        "Number of narrative entries on the report.",
        minimum=0,
        maximum=100_000,
    ),
    _C(
        "tasks_count",
        _K.INTEGER,
        "Workload",
        "Number of tasks generated/recorded.",
        minimum=0,
        maximum=10_000,
    ),
    # Links
    _C(
        "linked_rids",
        _K.LIST,
        "Links",
        "Other incidents of children who went missing together with this one.",
        identifier="incident",
    ),
    _C(
        "associate_ids",
        _K.LIST,
        "Links",
        "Pseudonymised ids of people (usually adults) or addresses named in the incident as "
        "companions, facilitators or where found.",
        identifier="associate",
    ),
    # After the episode
    _C(
        "prevention_interview",
        _K.ENUM,
        "After the episode",
        "Police safe-and-well / prevention interview.",
        values=("done", "declined", "not_done", "unknown"),
    ),
    _C("rhi_offered", _K.BOOL, "After the episode", "Return home interview offered."),
    _C("rhi_accepted", _K.BOOL, "After the episode", "Return home interview accepted."),
    _C(
        "rhi_completed_at",
        _K.DATETIME,
        "After the episode",
        "When the return home interview was completed; 72 hours after found_at is the statutory "
        "target.",
    ),
)

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
LIST_SEPARATOR = ";"
TIMEZONE = "Europe/London"


def columns_of(kind: Kind) -> tuple[Column, ...]:
    return tuple(c for c in COLUMNS if c.kind is kind)


def arrow_schema(names: list[str] | None = None) -> pa.Schema:
    """Arrow schema of the canonical columns (in canonical order), optionally a subset."""
    wanted = NAMES if names is None else [n for n in NAMES if n in set(names)]
    return pa.schema([pa.field(n, BY_NAME[n].arrow_type) for n in wanted])


def empty_frame() -> pd.DataFrame:
    """A zero-row frame with every canonical column in its loaded dtype."""
    return pd.DataFrame({c.name: pd.Series([], dtype=c.pandas_dtype) for c in COLUMNS})


FILE_FORMATS = (".csv", ".parquet", ".xlsx")  # what the loader reads; writers take .csv or .parquet
