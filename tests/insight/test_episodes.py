"""History features known at report time, window counts, censored durations, on countable rows."""

import numpy as np
import pandas as pd

from insight.simulated import incidents
from misper.insight.episodes import count_after, count_before, durations, history, nonempty

T = pd.Timestamp("2022-03-01 10:00")


def child_rows():
    # Child a: three episodes; the second is reported while the first is still open.
    return incidents(
        [
            {
                "pid": "a",
                "reported_at": T,
                "found_at": T + pd.Timedelta(hours=30),
                "found_by": "police",
            },
            {
                "pid": "a",
                "reported_at": T + pd.Timedelta(hours=20),
                "found_at": T + pd.Timedelta(hours=22),
                "found_by": "self",
            },
            {"pid": "a", "reported_at": T + pd.Timedelta(days=10), "found_at": None},
            {
                "pid": "b",
                "reported_at": T + pd.Timedelta(days=1),
                "found_at": T + pd.Timedelta(days=1, hours=5),
            },
        ]
    )


def test_history_uses_only_what_was_known_at_the_report():
    past = history(child_rows())
    assert past["previous_count"].tolist() == [0, 1, 2, 0]
    assert np.isnan(past["hours_since_previous"].iloc[0])
    assert past["hours_since_previous"].iloc[1] == 20
    assert past["hours_since_previous"].iloc[2] == 10 * 24 - 20
    # The first episode had not ended when the second was reported: its duration was unknown then.
    assert np.isnan(past["previous_hours"].iloc[1]) and past["previous_open"].iloc[1]
    assert past["previous_found_by"].iloc[1] == "not_yet"
    assert past["previous_hours"].iloc[2] == 2 and past["previous_found_by"].iloc[2] == "self"
    assert past["previous_found_by"].iloc[3] == "none"


def test_history_keeps_the_frame_order_whatever_the_row_order():
    frame = child_rows()
    shuffled = frame.iloc[[3, 2, 0, 1]]
    pd.testing.assert_frame_equal(history(shuffled).loc[frame.index], history(frame))


def test_window_counts_before_and_after():
    days = [0, 1, 5, 30, 31, 100]
    frame = incidents(
        [{"pid": "a", "reported_at": T + pd.Timedelta(days=d)} for d in days]
        + [{"pid": "b", "reported_at": T + pd.Timedelta(days=2)}]
    )
    # In the 30 days before day 31: days 1, 5, 30 (day 1 is exactly 30 days before: included).
    assert count_before(frame, 30).tolist() == [0, 1, 2, 3, 3, 0, 0]
    # Within 30 days after day 0: days 1, 5, 30 (day 30 exactly: included); child b is alone.
    assert count_after(frame, 30).tolist() == [3, 3, 2, 1, 0, 0, 0]


def test_durations_censor_open_episodes_at_now_and_drop_impossible_ones():
    frame = incidents(
        [
            {"pid": "a", "reported_at": T, "found_at": T + pd.Timedelta(hours=3)},
            {"pid": "b", "reported_at": T, "found_at": None},
            {
                "pid": "c",
                "reported_at": T,
                "found_at": T - pd.Timedelta(hours=1),
            },  # found before report
            {
                "pid": "d",
                "reported_at": T,
                "found_at": T + pd.Timedelta(hours=50),
            },  # found after now
            {"pid": "e", "reported_at": T + pd.Timedelta(days=3), "found_at": None},  # after now
        ]
    )
    spells = durations(frame, now=T + pd.Timedelta(hours=10))
    assert spells["ended"].iloc[[0, 1, 3]].tolist() == [True, False, False]
    assert spells["hours"].iloc[0] == 3 and spells["hours"].iloc[1] == 10
    assert spells["hours"].iloc[3] == 10  # returned after now: still open at now
    assert spells["hours"].iloc[[2, 4]].isna().all()  # unusable, so never counted


def test_nonempty_treats_unknown_lists_as_empty():
    frame = incidents(
        [{"pid": "a", "reported_at": T, "linked_rids": v} for v in (["r9"], [], None)]
    )
    assert nonempty(frame["linked_rids"]).tolist() == [True, False, False]


def test_children_reports_keep_every_column_and_count_what_they_leave_out():
    from misper.insight.episodes import children_reports

    frame = incidents(
        [
            {"pid": "a", "reported_at": T, "age": 15, "associate_ids": ["X"]},
            {"pid": "b", "reported_at": T, "age": 18},
            {"pid": "c", "reported_at": T, "age": 12, "record_type": "incident_only"},
            {"pid": "d", "reported_at": T, "age": 9, "record_type": "missing_report"},
        ]
    )
    kept, dropped = children_reports(frame)
    assert kept["pid"].tolist() == ["a", "d"]
    assert list(kept.columns) == list(frame.columns)
    assert dropped == {"aged 18 or over": 1, "record type other than missing_report": 1}
