"""The emerging-frequent list on five children counted by hand."""

import pandas as pd

from misper.process.config import default_config
from misper.process.emerging import emerging_frequent

NOW = pd.Timestamp("2022-06-30 12:00")


def incidents(spec):
    rows = [(pid, NOW - pd.Timedelta(days=d)) for pid, days in spec.items() for d in days]
    return pd.DataFrame(rows, columns=["pid", "reported_at"])


def test_rising_children_are_listed_and_ranked_with_why():
    frame = incidents(
        {
            "A": [1, 5, 9, 20],  # 4 recent, none before: new and rising fast
            "B": [2, 10, 40, 50, 60],  # 2 recent, 3 in the 90 days before: 2/30d vs 1/30d
            "C": [3, 35, 45, 55, 65, 75, 85, 95, 105],  # 1 recent: below the minimum
            "D": [4, 8, 31, 32, 33, 34, 35, 36, 37],  # 2 recent vs 7 before (2.33/30d): falling
            "E": [200, 2, 3],  # 2 recent; the day-200 episode is outside both windows
        }
    )
    table = emerging_frequent(frame, NOW, default_config().emerging_frequent)
    assert table.pid.tolist() == ["A", "E", "B"]
    a = table.iloc[0]
    assert (a.recent, a.baseline, a.rise) == (4, 0, 4.0) and "new to the list" in a.why
    assert table.set_index("pid").loc["B", "rise"] == 1.0
