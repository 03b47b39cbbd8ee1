"""The published Hertfordshire figures, read from the package's reference YAML, as generator targets.

Everything the generator is calibrated to comes from `misper/reference/herts-2019-2022.yaml`
through this module: yearly demand (Table 1), where from (Table 2), ethnic appearance (Table 3),
distance (Table 4), stated reasons (Table 5), risk flags (Table 6), responsible authority (Table 7),
children in care in 2022, care-home postcode sectors (Table 10), found by/how, workload (Table 9).
The report's labels are translated here, once, to the canonical values of the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from misper.incidents.schema import MISSING_FROM_TYPES
from misper.reference import published, seed_labels

# The report's labels -> canonical values (Tables 2, 6, 5), shared with the report's comparison.
MISSING_FROM_LABELS = seed_labels()["missing_from"]
RISK_FLAG_LABELS = seed_labels()["risk_flags"]
REASON_VULNERABILITY_LABELS = seed_labels()["reasons_vulnerability"]
# Table 4 bands: label -> (lower, upper] in miles; the open band is drawn up to the upper value.
DISTANCE_BANDS = {
    "0-5": (0.0, 5.0),
    "6-10": (5.0, 10.0),
    "11-20": (10.0, 20.0),
    "21-40": (20.0, 40.0),
    "41-80": (40.0, 80.0),
    ">80 (UK)": (80.0, 250.0),
    "Out of UK": (250.0, 900.0),
}
HERTFORDSHIRE = "Hertfordshire County Council"


reference = published  # the reference YAML shipped in the package (never the shared copy)


@dataclass(frozen=True)
class YearTarget:
    """Published demand of one calendar year, prorated to the part of it inside the range."""

    year: int
    fraction: float  # share of the year's days inside [start, end]
    reports_u18: float
    children_u18: float
    reports_care: float  # reports of children in care
    children_care: float
    reports_adult: float
    individuals_adult: float
    incident_only: float  # control-room incidents not converted into a report (all ages)


def year_targets(start: date, end: date) -> list[YearTarget]:
    """Unscaled yearly targets for the years that [start, end] touches.

    Under-18 reports follow Table 1, rescaled so that 2019-2022 sums to the analysed 9,184 (Table 1
    itself sums to 9,239). Reports of children in care follow `care_share` (assumption below);
    their distinct children follow the 2022 figure (133 for 499) with a per-child rate that falls
    less than the reports do. Years outside the published ones take the nearest published year.
    """
    ref = reference()
    annual = {row["year"]: row for row in ref["annual"]}
    u18_scale = ref["dataset"]["u18_incidents_2019_2022"] / sum(
        r["reports_u18"] for r in annual.values()
    )
    cla = ref["repeats"]["cla_2022"]
    care_2022 = cla["incidents_children_in_care"] / cla["reports_u18"]
    out = []
    for year in range(start.year, end.year + 1):
        row = annual[min(max(year, min(annual)), max(annual))]
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        fraction = ((last - first).days + 1) / ((date(year, 12, 31) - date(year, 1, 1)).days + 1)
        reports = row["reports_u18"] * u18_scale
        care_reports = reports * care_share(row["year"], care_2022)
        care_children = (
            cla["children_in_care_reported"]
            * (care_reports / (cla["incidents_children_in_care"] * u18_scale)) ** 0.8
        )
        out.append(
            YearTarget(
                year=year,
                fraction=fraction,
                reports_u18=reports * fraction,
                children_u18=row["individuals_u18"] * u18_scale * fraction,
                reports_care=care_reports * fraction,
                children_care=care_children * fraction,
                reports_adult=(row["reports_all_ages"] - row["reports_u18"]) * fraction,
                individuals_adult=(row["individuals_all_ages"] - row["individuals_u18"]) * fraction,
                incident_only=(row["missing_incidents"] - row["reports_all_ages"]) * fraction,
            )
        )
    return out


def care_share(year: int, share_2022: float) -> float:
    """Share of under-18 reports that concern a child in care, by year.

    Only 2022 is published (499 of 1,863). The report says care reports fell "up to 60%" from 2019
    to 2022 and that 'Childrens Home and Supported Living' is a third of 2019-2022 (Table 2); a
    linear fall of 0.04 a year back from 2022 gives both (about -50% in reports, 33% overall).
    """
    return share_2022 + 0.039 * (2022 - min(max(year, 2019), 2022))


def missing_from_shares() -> dict[str, float]:
    """Table 2 as shares of canonical missing_from_type values (zero for unlisted ones)."""
    counts = {MISSING_FROM_LABELS[k]: v for k, v in reference()["missing_from"].items()}
    total = sum(counts.values())
    return {t: counts.get(t, 0) / total for t in MISSING_FROM_TYPES}


def ethnic_shares() -> dict[str, float]:
    counts = reference()["ethnic_appearance"]
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


def risk_flag_shares() -> dict[str, float]:
    return {RISK_FLAG_LABELS[k]: v / 100 for k, v in reference()["risk_flags_percent"].items()}


def reason_vulnerability_shares() -> dict[str, float]:
    """Table 5 counts as shares of the 9,184 analysed incidents."""
    total = reference()["dataset"]["u18_incidents_2019_2022"]
    counts = reference()["reasons_vulnerability_counts"]
    return {REASON_VULNERABILITY_LABELS[k]: v / total for k, v in counts.items()}


def distance_shares() -> dict[str, float]:
    percent = reference()["distance_miles_percent"]
    total = sum(percent.values())
    return {k: v / total for k, v in percent.items()}


def authority_rows() -> dict[str, np.ndarray]:
    """Table 7: responsible authority -> 2022 counts [full_care, accommodated, not_in_care]."""
    rows = reference()["responsible_authority_2022"]["rows"]
    return {k: np.asarray(v, dtype=float) for k, v in rows.items()}


def care_home_sectors() -> list[tuple[str, int]]:
    """Table 10: one care home per listed sector (26 rows, as the county's 26 homes) and its count."""
    return [(sector, count) for sector, count in reference()["postcode_sectors_2022"]]
