"""On the fixture: children in care (Table 7), hotspots (Table 10), workload (Table 9), sample."""

import pytest

from misper.analysis import care, hotspots, sampling, workload


def test_care_rates(shared):
    rates = care.care_rates(shared, u18_population=1000, children_looked_after=10)
    # P01 x5, P04
    assert rates["children_in_care"] == 2 and rates["incidents_children_in_care"] == 6
    assert rates["share_cla_with_incident"] == pytest.approx(2 / 10)
    assert rates["share_general_population_with_incident"] == pytest.approx(3 / 990)
    assert "share_cla_with_incident" not in care.care_rates(shared)


def test_authority_by_care(shared):
    table = care.authority_by_care(shared)
    herts = table.loc["Hertfordshire County Council"]
    # R05 is from home but P01 still records full_care: 5 full_care;
    # P02 x3, P03 x2, P05 = 6 not in care
    assert (herts["full_care"], herts["accommodated"], herts["no"], herts["total"]) == (5, 0, 6, 11)
    assert table.loc["Essex County Council", "accommodated"] == 1


def test_out_of_area(shared):
    assert care.out_of_area(shared) == {
        "incidents": 1,
        "children": 1,
        "incidents_in_care": 1,
        "known": 11,
    }


def test_postcode_sectors_and_places(shared):
    sectors = hotspots.postcode_sectors(shared).set_index("sector")
    assert sectors["incidents"].to_dict() == {"HP4 1": 6, "AL1 2": 5, "SG1 1": 1}
    assert (
        sectors.loc["HP4 1", "children"] == 2
    )  # P01 (all five, R05 from home in the same sector) and P04
    places = hotspots.places(shared).set_index("place_id")
    assert places.loc["H1", "incidents"] == 5 and places.loc["H1", "children"] == 2
    assert (
        places.loc["X2", "incidents_per_child"] == 3.0
        and places.loc["H1", "missing_from_type"] == "care_home"
    )


def test_map_grid(shared):
    grid = hotspots.map_grid(shared)
    assert grid["incidents"].sum() == 11  # P05 has no coordinates
    assert grid["incidents"].max() == 6


def test_workload(shared):
    narratives = workload.narratives(shared)
    # 200 + 150 + 300 + 9 x 100 = 1550 over 12
    assert narratives["mean"] == pytest.approx(1550 / 12)
    assert narratives["mean_by_risk_final"] == {"high": pytest.approx(750 / 4), "medium": 100.0}
    assert narratives["test_by_risk_final"]["p_value"] < 0.05  # every high above every medium
    assert (
        narratives["n_by_found_by"]["police"] == 4
        and narratives["mean_by_found_by"]["police"] == 175.0
    )
    tasks = workload.tasks(shared)
    assert tasks["mean_by_risk_final"]["high"] == pytest.approx((26 + 26 + 30 + 18) / 4)
    assert tasks["n_by_risk_final"] == {"high": 4, "medium": 8}


def test_every_kth(shared):
    sample = sampling.every_kth(shared, 2)
    assert sample.to_dict("list") == {"rank": [2, 4], "pid": ["P02", "P04"], "incidents": [3, 1]}
    incidents = sampling.sample_incidents(shared, sample, ("pid", "rid"))
    assert list(incidents["rid"]) == ["R06", "R07", "R08", "R11"]
    with pytest.raises(ValueError, match="--every"):
        sampling.every_kth(shared, 0)
