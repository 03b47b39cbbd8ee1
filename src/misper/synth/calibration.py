"""The published Hertfordshire figures, read from the package's reference YAML, as targets.

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
from misper.synth import parameters as P

# The report's labels -> canonical values (Tables 2, 6, 5), shared with the report's comparison.
MISSING_FROM_LABELS = seed_labels()["missing_from"]
RISK_FLAG_LABELS = seed_labels()["risk_flags"]
REASON_VULNERABILITY_LABELS = seed_labels()["reasons_vulnerability"]
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
    their distinct children follow the detail year's figure (133 for 499 in 2022) with a per-child
    rate that falls less than the reports do. Years outside the published ones take the nearest
    published year.
    """
    ref = reference()
    annual = {row["year"]: row for row in ref["annual"]}
    u18_scale = ref["dataset"]["u18_incidents_2019_2022"] / sum(
        r["reports_u18"] for r in annual.values()
    )
    cla = ref["repeats"]["cla_2022"]
    care_detail = cla["incidents_children_in_care"] / cla["reports_u18"]
    out = []
    for year in range(start.year, end.year + 1):
        row = annual[min(max(year, min(annual)), max(annual))]
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        fraction = ((last - first).days + 1) / ((date(year, 12, 31) - date(year, 1, 1)).days + 1)
        reports = row["reports_u18"] * u18_scale
        care_reports = reports * care_share(row["year"], detail_year(), care_detail)
        care_children = (
            cla["children_in_care_reported"]
            * (care_reports / (cla["incidents_children_in_care"] * u18_scale))
            ** P.CARE_CHILDREN_ELASTICITY
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


def detail_year() -> int:
    """The year the seed analyses in detail (2022): the year of its single-year figures."""
    return int(reference()["detail_year"])


def care_share(year: int, detail: int, share_detail: float) -> float:
    """Share of under-18 reports that concern a child in care in a published `year`.

    Only the detail year's share is published (2022: 499 of 1,863). The report says care reports
    fell "up to 60%" from 2019 to 2022 and that 'Childrens Home and Supported Living' is a third of
    2019-2022 (Table 2); a linear fall of about 0.04 a year back from 2022
    (`CARE_SHARE_FALL_PER_YEAR`) gives both (about -50% in reports, 33% overall).
    """
    return share_detail + P.CARE_SHARE_FALL_PER_YEAR * max(detail - year, 0)


def missing_from_shares() -> dict[str, float]:
    """Table 2 as shares of canonical missing_from_type values (zero for unlisted ones)."""
    counts = {MISSING_FROM_LABELS[k]: v for k, v in reference()["missing_from"].items()}
    total = sum(counts.values())
    return {t: counts.get(t, 0) / total for t in MISSING_FROM_TYPES}


def ethnic_shares() -> dict[str, float]:
    """Table 3 as shares of the analysed reports."""
    counts = reference()["ethnic_appearance"]
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


def risk_flag_shares() -> dict[str, float]:
    """Table 6 as shares of reports, by canonical flag."""
    return {RISK_FLAG_LABELS[k]: v / 100 for k, v in reference()["risk_flags_percent"].items()}


def reason_vulnerability_shares() -> dict[str, float]:
    """Table 5 counts as shares of the 9,184 analysed incidents."""
    total = reference()["dataset"]["u18_incidents_2019_2022"]
    counts = reference()["reasons_vulnerability_counts"]
    return {REASON_VULNERABILITY_LABELS[k]: v / total for k, v in counts.items()}


def distance_shares() -> dict[str, float]:
    """Table 4 as shares, by its band labels."""
    percent = reference()["distance_miles_percent"]
    total = sum(percent.values())
    return {k: v / total for k, v in percent.items()}


def authority_rows() -> dict[str, np.ndarray]:
    """Table 7: responsible authority -> 2022 counts [full_care, accommodated, not_in_care]."""
    rows = reference()["responsible_authority_2022"]["rows"]
    return {k: np.asarray(v, dtype=float) for k, v in rows.items()}


def care_home_sectors() -> list[tuple[str, int]]:
    """Table 10: one care home per listed sector (26 rows, the county's 26 homes), its count."""
    return [(sector, count) for sector, count in reference()["postcode_sectors_2022"]]


def automatic_tasks(level: str) -> int:
    """Appendix 3: how many tasks the system generates at a risk level (15 at low risk)."""
    return sum(level in levels for levels in reference()["tasks_by_risk"].values())
