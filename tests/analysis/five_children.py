"""Five children and twelve incidents whose every figure can be counted by hand (see each test).

Children: P01 5 incidents (4 from care home H1, 1 from home X1), P02 3 (one in 2021), P03 2,
P04 1 (died), P05 1. Two more rows are dropped by the default filter: an adult report and an
incident_only record.
"""

import pandas as pd

from misper.incidents.frame import to_canonical

COLUMNS = (
    "rid pid record_type reported_at found_at age gender ethnic_appearance in_care "
    "responsible_authority out_of_area_placement social_worker_allocated missing_from_type "
    "missing_from_place_id missing_from_postcode_sector missing_from_lat missing_from_lon "
    "risk_final found_by found_how found_location_type distance_miles out_of_uk harm "
    "risk_flags reason_vulnerability reason_codes markers narratives_count tasks_count"
).split()

HCC = "Hertfordshire County Council"
A = dict(
    pid="P01",
    age=16,
    gender="female",
    ethnic_appearance="British",
    in_care="full_care",
    responsible_authority=HCC,
    out_of_area_placement=False,
    social_worker_allocated=True,
    missing_from_type="care_home",
    missing_from_place_id="H1",
    missing_from_postcode_sector="HP4 1",
    missing_from_lat=51.76,
    missing_from_lon=-0.56,
    risk_flags=["gang", "county_lines"],
    reason_vulnerability=["county_lines"],
    reason_codes=["friends_partner"],
    markers=["weapons"],
)
B = dict(
    pid="P02",
    age=13,
    gender="male",
    ethnic_appearance="African",
    in_care="no",
    responsible_authority=HCC,
    out_of_area_placement=False,
    social_worker_allocated=False,
    missing_from_type="home",
    missing_from_place_id="X2",
    missing_from_postcode_sector="AL1 2",
    missing_from_lat=51.75,
    missing_from_lon=-0.33,
    risk_flags=["cse"],
    reason_vulnerability=[],
    reason_codes=["family_argument"],
    markers=[],
)
C = dict(
    B,
    pid="P03",
    age=15,
    gender="female",
    ethnic_appearance="British",
    missing_from_place_id="X3",
    risk_flags=[],
    reason_codes=["curfew"],
)
D = dict(
    pid="P04",
    age=17,
    gender="male",
    ethnic_appearance="Caribbean",
    in_care="accommodated",
    responsible_authority="Essex County Council",
    out_of_area_placement=True,
    social_worker_allocated=True,
    missing_from_type="care_home",
    missing_from_place_id="H1",
    missing_from_postcode_sector="HP4 1",
    missing_from_lat=51.76,
    missing_from_lon=-0.56,
    risk_flags=["suicide", "self_harm"],
    reason_vulnerability=[],
    reason_codes=["mental_health"],
    markers=["self_harm"],
    harm="fatal",
)
E = dict(
    pid="P05",
    age=9,
    gender="female",
    ethnic_appearance="Not Stated",
    in_care="no",
    responsible_authority=HCC,
    missing_from_type="hospital",
    missing_from_place_id="Y1",
    missing_from_postcode_sector="SG1 1",
    risk_flags=None,
    reason_codes=None,
    markers=None,
)


def _row(
    rid,
    child,
    reported,
    found,
    found_by,
    found_how,
    distance,
    risk="medium",
    narratives=100,
    tasks=18,
    **extra,
):
    row = dict(
        child,
        rid=rid,
        record_type="missing_report",
        reported_at=reported,
        found_at=found,
        found_by=found_by,
        found_how=found_how,
        distance_miles=distance,
        out_of_uk=False,
        risk_final=risk,
        narratives_count=narratives,
        tasks_count=tasks,
    )
    row.setdefault("harm", "none")
    row.setdefault("found_location_type", "home")
    row.update(extra)
    return row


ROWS = [
    _row(
        "R01",
        A,
        "2022-01-08 22:30",
        "2022-01-09 02:30",
        "police",
        "police_targeted",
        2.0,
        "high",
        200,
        26,
        found_location_type="street_public",
    ),
    _row(
        "R02",
        A,
        "2022-01-15 23:10",
        "2022-01-16 10:10",
        "self",
        "returned_self",
        5.0,
        "high",
        150,
        26,
    ),
    _row("R03", A, "2022-02-05 21:00", "2022-02-07 21:00", "police", "police_other_activity", 30.0),
    _row(
        "R04",
        A,
        "2022-02-12 00:30",
        "2022-02-12 03:30",
        "care_staff",
        "found_by_carer",
        0.5,
        found_location_type="care_home",
    ),
    _row(
        "R05",
        A,
        "2022-03-01 14:00",
        "2022-03-01 20:00",
        "self",
        "returned_self",
        12.0,
        missing_from_type="home",
        missing_from_place_id="X1",
    ),
    _row("R06", B, "2021-06-07 19:00", "2021-06-08 07:00", "parent_carer", "found_by_carer", 7.0),
    _row(
        "R07",
        B,
        "2022-06-11 20:00",
        "2022-06-14 20:00",
        "police",
        "arrested",
        90.0,
        "high",
        300,
        30,
        found_location_type="police_station",
    ),
    _row("R08", B, "2022-07-04 08:00", "2022-07-04 09:00", "self", "returned_self", None),
    _row("R09", C, "2022-04-02 21:00", None, None, None, None),
    _row(
        "R10",
        C,
        "2022-04-20 10:00",
        "2022-04-20 15:00",
        "school",
        "found_by_other_agency",
        None,
        missing_from_type="education",
        missing_from_place_id="S1",
        out_of_uk=True,
    ),
    _row(
        "R11", D, "2022-12-31 23:59", "2023-01-01 05:00", "police", "police_targeted", 41.0, "high"
    ),
    _row("R12", E, "2022-08-03 12:00", "2022-08-03 13:00", "health", "found_by_other_agency", 3.0),
    # dropped by the default filter
    _row(
        "R13",
        dict(B, pid="P06", age=30),
        "2022-05-05 10:00",
        "2022-05-05 12:00",
        "self",
        "returned_self",
        1.0,
    ),
    _row(
        "R14",
        A,
        "2022-05-06 22:00",
        "2022-05-06 23:00",
        "self",
        "returned_self",
        1.0,
        record_type="incident_only",
    ),
]


def frame() -> pd.DataFrame:
    plain = pd.DataFrame(ROWS)[COLUMNS]
    return to_canonical(plain)


POPULATION = {
    "u18_population": 1000,
    "children_looked_after": 10,
    "ethnic_shares": {"British": 0.8, "African": 0.05, "Caribbean": 0.05, "Indian": 0.1},
    "recorded_calls": {2021: 500, 2022: 600},
}
