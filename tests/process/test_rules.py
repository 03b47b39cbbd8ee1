"""Tasks per level, the under-18 risk policy, Philomena completeness and review, configuration."""

import pandas as pd
import pytest

from misper.process.config import (
    PACKAGED,
    ConfigError,
    RiskRules,
    load_process_config,
    load_task_library,
)
from misper.process.philomena import FIELDS, completeness, review_due
from misper.process.risk import RiskLevelRefused, check_level
from misper.process.tasks import tasks_for

LIBRARY = load_task_library()


def test_task_counts_per_level_match_the_seed_appendix():
    # Appendix 3 of the seed report: 15 tasks at low, 18 at medium, 28 at high.
    assert (
        len(tasks_for("low", LIBRARY)),
        len(tasks_for("medium", LIBRARY)),
        len(tasks_for("high", LIBRARY)),
    ) == (15, 18, 28)
    assert "Press appeal" in tasks_for("high", LIBRARY) and "Press appeal" not in tasks_for(
        "medium", LIBRARY
    )
    assert tasks_for("no_apparent_risk", LIBRARY) == [] and tasks_for("absent", LIBRARY) == []


def test_force_policy_can_forbid_levels_for_children():
    policy = RiskRules(forbidden_for_under_18=("no_apparent_risk", "absent", "low"))
    assert check_level("medium", 15, policy) == "medium"
    assert check_level("low", 19, policy) == "low"  # adults are not covered by the rule
    with pytest.raises(RiskLevelRefused, match="does not allow 'low' for under-18s"):
        check_level("low", 15, policy)
    with pytest.raises(RiskLevelRefused, match="not one of"):
        check_level("severe", 15, policy)


def test_profile_completeness_lists_what_is_missing():
    share, missing = completeness(
        {"description": "Tall", "key_contacts": ["Mum"], "triggers": " ", "associates": []}
    )
    assert share == pytest.approx(2 / len(FIELDS))
    assert "Known triggers" in missing and "Physical description" not in missing
    assert completeness({k: "x" for k in FIELDS}) == (1.0, [])


def test_review_due_every_90_days_or_on_placement_change():
    rules = load_process_config().philomena_profile
    reviewed = pd.Timestamp("2022-01-01")
    assert review_due(reviewed, None, rules) == pd.Timestamp("2022-04-01")
    assert review_due(reviewed, pd.Timestamp("2022-02-10"), rules) == pd.Timestamp("2022-02-10")
    assert review_due(reviewed, pd.Timestamp("2021-12-01"), rules) == pd.Timestamp("2022-04-01")
    assert review_due(None, None, rules) is None


def test_bad_configuration_is_refused_with_the_field(tmp_path):
    text = (PACKAGED / "process.yaml").read_text()
    path = tmp_path / "process.yaml"
    path.write_text(
        text.replace("target_hours: 72", "target_hours: -1").replace(
            "forbidden_for_under_18: []", "forbidden_for_under_18: [severe]"
        )
    )
    with pytest.raises(ConfigError) as info:
        load_process_config(path)
    assert "return_home_interview.target_hours" in str(info.value)
    assert "risk_assessment.forbidden_for_under_18" in str(info.value)


def test_the_time_limits_of_the_forms_are_read_from_the_file_and_checked(tmp_path):
    limits = load_process_config().time_limits
    assert (limits.clock_skew_minutes, limits.delay_review_max_hours) == (5, 24)
    assert (limits.meeting_past_days, limits.meeting_horizon_days) == (1, 90)
    text = (PACKAGED / "process.yaml").read_text()
    path = tmp_path / "process.yaml"
    path.write_text(text.replace("delay_review_max_hours: 24", "delay_review_max_hours: 12"))
    assert load_process_config(path).time_limits.delay_review_max_hours == 12
    path.write_text(text.replace("meeting_horizon_days: 90", "meeting_horizon_days: 0"))
    with pytest.raises(ConfigError) as info:
        load_process_config(path)
    assert "time_limits.meeting_horizon_days" in str(info.value)
