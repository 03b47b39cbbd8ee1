"""The generator's own contract: deterministic, valid canonical rows, consistent truth, scaling."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from misper.cli import app
from misper.incidents.frame import read_canonical, to_canonical
from misper.incidents.schema import BY_NAME, NAMES
from misper.synth import generate, truth_folder, write_synthetic


@pytest.fixture(scope="module")
def small():
    return generate(incidents=1500, seed=7, start=date(2021, 1, 1), end=date(2022, 6, 30))


def test_same_seed_same_frame_other_seed_differs(small):
    again = generate(incidents=1500, seed=7, start=date(2021, 1, 1), end=date(2022, 6, 30))
    pd.testing.assert_frame_equal(small.incidents, again.incidents)
    other = generate(incidents=1500, seed=8, start=date(2021, 1, 1), end=date(2022, 6, 30))
    assert not other.incidents["reported_at"].equals(small.incidents["reported_at"])


def test_every_column_is_filled_and_canonical(incidents):
    assert list(incidents.columns) == list(NAMES)
    recast = to_canonical(incidents)  # raises on any value outside the schema
    for name in NAMES:
        assert recast[name].dtype == BY_NAME[name].pandas_dtype, name
        assert incidents[name].notna().any(), f"{name} is never filled"


def test_bounds_and_order(incidents, u18):
    assert incidents["rid"].is_unique
    assert (incidents["found_at"] >= incidents["reported_at"]).all()
    assert (incidents["last_seen_at"] <= incidents["reported_at"]).all()
    assert u18["age"].between(0, 17).all()
    adults = incidents[incidents["age"] >= 18]
    assert len(adults) > 0 and adults["age"].max() <= 120
    for column in ("narratives_count", "tasks_count", "distance_miles"):
        assert (incidents[column].dropna() >= 0).all()
    assert incidents["pid"].str.fullmatch(r"P\d{6,}").all()


def test_coordinates_in_hertfordshire_and_consistent_with_distance(incidents):
    assert incidents["missing_from_lat"].between(51.60, 52.08).all()
    assert incidents["missing_from_lon"].between(-0.75, 0.25).all()
    near = incidents[incidents["distance_miles"] <= 10]
    assert near["found_lat"].between(51.4, 52.3).all()
    uk = incidents[~incidents["out_of_uk"].astype(bool)]
    lat1, lon1, lat2, lon2 = (
        np.radians(uk[c].to_numpy())
        for c in ("missing_from_lat", "missing_from_lon", "found_lat", "found_lon")
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    miles = 2 * 3958.8 * np.arcsin(np.sqrt(a))
    assert np.allclose(miles, uk["distance_miles"], atol=0.05)
    sectors = incidents["missing_from_postcode_sector"]
    assert sectors.str.fullmatch(r"[A-Z]{1,2}\d{1,2} \d").all()  # sectors, never full postcodes


def test_linked_rids_point_to_other_children_and_are_symmetric(incidents):
    linked = incidents[incidents["linked_rids"].list.len() > 0]
    assert len(linked) > 0.02 * len(incidents[incidents["record_type"] == "missing_report"])
    by_rid = incidents.set_index("rid")
    for rid, others in zip(linked["rid"], linked["linked_rids"], strict=True):
        for other in others:
            assert other in by_rid.index
            assert by_rid.at[other, "pid"] != by_rid.at[rid, "pid"]
            assert rid in by_rid.at[other, "linked_rids"]
            gap = abs(by_rid.at[other, "reported_at"] - by_rid.at[rid, "reported_at"])
            assert gap <= pd.Timedelta(minutes=30)  # co-missing incidents share their times


def test_associates_in_truth_and_exploiters_draw_more_children(synthetic, incidents):
    table = synthetic.truth["associates"]
    named = set(incidents["associate_ids"].explode().dropna())
    assert named and named <= set(table["associate_id"])
    exploiters = table[table["is_exploiter"]]
    others = table[~table["is_exploiter"]]
    assert exploiters["n_children"].mean() > 2 * others["n_children"].mean()
    # Exploiters are tied to criminal and sexual exploitation flags and to longer, further episodes.
    ids = set(exploiters["associate_id"])
    with_exploiter = incidents["associate_ids"].apply(lambda a: bool(set(a) & ids))
    flagged = incidents["risk_flags"].apply(
        lambda r: bool({"county_lines", "cse", "gang"} & set(r))
    )
    assert flagged[with_exploiter].mean() > 0.8
    hours = (incidents["found_at"] - incidents["reported_at"]).dt.total_seconds() / 3600
    assert hours[with_exploiter].mean() > 1.5 * hours[~with_exploiter].mean()
    assert (
        incidents["distance_miles"][with_exploiter].mean()
        > incidents["distance_miles"][~with_exploiter].mean()
    )


def test_truth_describes_the_children(synthetic, u18):
    children = synthetic.truth["children"]
    assert set(u18["pid"]) <= set(children["pid"])
    reported = children.set_index("pid").loc[u18["pid"].unique()]
    assert {"spread", "burst", "sentinel_burst", "single_year"} <= set(reported["pattern"])
    assert reported["ceased_in_range"].any() and (reported["peer_group"] >= 0).any()
    per_child = u18.groupby("pid").size()
    repeat = reported["kind"] == "repeat"
    assert per_child[repeat.index[repeat]].mean() > 3 * per_child[repeat.index[~repeat]].mean()
    bursts = synthetic.truth["bursts"]
    everyone = set(children["pid"]) | set(synthetic.truth["adults"]["pid"])
    assert set(bursts["kind"]) == {"burst", "sentinel"} and set(bursts["pid"]) <= everyone
    care = synthetic.truth["placements"]
    moved = care.groupby("pid")["place_id"].nunique()
    assert (moved > 1).any()  # children move between placements
    assert set(synthetic.truth["demand"]["year"]) == {2019, 2020, 2021, 2022}


def test_scaling_to_fifty_thousand(published):
    result = generate(incidents=50_000, seed=1)
    frame = result.incidents
    u18 = frame[(frame["age"] < 18) & (frame["record_type"] == "missing_report")]
    assert len(u18) == 50_000
    adults = (frame["age"] >= 18) & (frame["record_type"] == "missing_report")
    adult_reports = sum(r["reports_all_ages"] - r["reports_u18"] for r in published["annual"])
    ratio = adult_reports / published["dataset"]["u18_incidents_2019_2022"]
    assert adults.sum() / len(u18) == pytest.approx(ratio, rel=0.05)  # adults scale with it
    assert frame["rid"].is_unique


@pytest.mark.parametrize("n", [1, 7])
def test_tiny_runs_give_exactly_the_reports_asked_for(n):
    frame = generate(incidents=n, start=date(2021, 6, 1), end=date(2021, 6, 2)).incidents
    u18 = frame[(frame["age"] < 18) & (frame["record_type"] == "missing_report")]
    assert len(u18) == n
    assert frame["reported_at"].between("2021-06-01", "2021-06-03").all()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="before start"):
        generate(start=date(2022, 1, 1), end=date(2021, 1, 1))
    with pytest.raises(ValueError, match="at least 1"):
        generate(incidents=0)


def test_write_synthetic_and_read_back(small, tmp_path):
    data, truth = write_synthetic(small, tmp_path / "synthetic.parquet")
    assert truth == truth_folder(data) == tmp_path / "synthetic.truth"
    back = read_canonical(data)
    pd.testing.assert_frame_equal(back, small.incidents, check_dtype=False)
    assert {p.stem for p in truth.iterdir()} == set(small.truth)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing half-written
    csv, _ = write_synthetic(small, tmp_path / "synthetic.csv")
    header = csv.read_text(encoding="utf-8").splitlines()[0].replace('"', "")
    assert header.startswith("rid,pid,record_type")


def test_cli_synth_writes_and_summarises(tmp_path):
    out = tmp_path / "demo.parquet"
    result = CliRunner().invoke(
        app,
        [
            "synth",
            "--out",
            str(out),
            "--incidents",
            "800",
            "--seed",
            "3",
            "--start",
            "2022-01-01",
            "--end",
            "2022-12-31",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "800 under-18 reports" in result.output and "demo.truth" in result.output
    assert out.exists() and (tmp_path / "demo.truth" / "children.parquet").exists()
    bad = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / "x.json")])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
