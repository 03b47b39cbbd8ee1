"""The JSON follows shared/spec/report-json.md: every key, with its stated definition."""

import json

import pytest

from misper.report import make_report

KEYS = (
    "n_incidents",
    "n_children",
    "period",
    "annual",
    "monthly",
    "missing_from",
    "repeat",
    "duration",
    "distance_bands",
    "weekday",
    "hour",
    "care_share_22_to_01",
    "found_by",
    "found_how",
    "risk_flags",
    "top_children",
    "workload",
    "hotspots",
    "skipped",
)


def test_every_key_with_hand_counted_values(outputs):
    _, paths = outputs
    data = json.loads(paths["json"].read_text())
    assert set(KEYS) <= set(data)
    assert data["n_incidents"] == 12 and data["n_children"] == 5
    assert data["period"] == {"start": "2021-01-01", "end": "2022-12-31"}
    assert data["annual"][1] == {
        "year": 2022,
        "incidents": 11,
        "children": 5,
        "per_day": pytest.approx(11 / 365),
    }
    assert data["monthly"]["2022-01"] == 2 and len(data["monthly"]) == 24
    assert data["missing_from"] == {"home": 5, "care_home": 5, "education": 1, "hospital": 1}
    assert data["repeat"] == {
        "top_decile_share": pytest.approx(5 / 12),
        "gini": pytest.approx(1 / 3),
        "share_children_once": pytest.approx(0.4),
        "repeat_incident_share": pytest.approx(7 / 12),
    }
    assert data["duration"]["share_within_24h"] == pytest.approx(9 / 11)
    assert data["distance_bands"] == {
        "0-5": 0.4,
        "6-10": 0.1,
        "11-20": 0.1,
        "21-40": 0.1,
        "41-80": 0.1,
        ">80": 0.1,
        "out_of_uk": 0.1,
    }
    assert data["weekday"]["all"] == [2, 1, 2, 0, 0, 7, 0] and data["weekday"]["care_home"][5] == 5
    assert len(data["hour"]["all"]) == 24 and sum(data["hour"]["all"]) == 12
    assert data["care_share_22_to_01"] == pytest.approx(0.8)
    assert data["found_by"]["police"] == pytest.approx(4 / 11)
    assert data["found_how"]["police_targeted"] == pytest.approx(2 / 11)
    assert data["risk_flags"]["gang"] == pytest.approx(5 / 11)
    assert data["top_children"][0] == {
        "rank": 1,
        "pid": "P01",
        "incidents": 5,
        "in_care_mostly": True,
        "from_care_share": pytest.approx(0.8),
    }
    assert data["workload"]["narratives_mean"] == pytest.approx(1550 / 12)
    assert data["workload"]["tasks_mean_by_risk"]["high"] == pytest.approx(25.0)
    assert data["hotspots"]["postcode_sectors"][0] == {"sector": "HP4 1", "incidents": 6}
    assert data["hotspots"]["places"][0] == {"place_id": "H1", "incidents": 5, "children": 2}


def test_shares_are_fractions(outputs):
    data = outputs[0].data
    for key in ("distance_bands", "found_by", "found_how", "risk_flags"):
        assert all(0 <= v <= 1 for v in data[key].values()), key


def test_absent_columns_give_null_with_a_reason(five):
    frame = five.frame().drop(
        columns=[
            "found_at",
            "distance_miles",
            "out_of_uk",
            "found_by",
            "narratives_count",
            "missing_from_postcode_sector",
        ]
    )
    data = make_report(frame).data
    assert data["duration"] == {
        "median_hours": None,
        "share_within_24h": None,
        "share_within_48h": None,
    }
    assert data["distance_bands"] is None and data["found_by"] is None
    assert (
        data["workload"]["narratives_mean"] is None and data["hotspots"]["postcode_sectors"] is None
    )
    for key in (
        "duration",
        "distance_bands",
        "found_by",
        "workload.narratives_mean",
        "hotspots.postcode_sectors",
    ):
        assert data["skipped"][key], key
    assert "found_at" in data["skipped"]["duration"]
    json.dumps(data, allow_nan=False)


def test_period_and_year_options(five):
    data = make_report(five.frame(), start="2022-01-01", end="2022-06-30").data
    assert data["n_incidents"] == 8 and data["period"] == {
        "start": "2022-01-01",
        "end": "2022-06-30",
    }
    assert data["annual"][0]["per_day"] == pytest.approx(8 / 181)  # Jan-Jun 2022 has 181 days
