"""Shape parameters of the synthetic world that the report describes but does not tabulate.

Each value is either read off a figure of the report (the figure is named) or tuned so that the
generated data, analysed, gives back a published figure (the figure is named). Published numbers
themselves are never copied here: they come from the reference YAML through `calibration`.
"""

import numpy as np

# --- Who goes missing -------------------------------------------------------------------------
# Repeat children enter at this rate per year (at 9,184-report scale); each stays "active" for a
# spell, during which their latent rate applies. Rates are lognormal (heavy tail): tuned so that
# the top decile holds ~54% of incidents and 2022's top child has ~58 (Table 8, Figure 4).
REPEAT_CHILD_INFLOW_PER_YEAR = 55
REPEAT_RATE_MEDIAN = 20.0  # incidents a year while active (before the year's demand scale)
REPEAT_RATE_SIGMA = 0.8
REPEAT_SPELL_MEAN_DAYS = 2000  # how long missing lasts before it ceases (exponential)
REPEAT_SPELL_MIN_DAYS = 30
# P(in care) = a + b * (quantile of expected reports)^2: the top 50 are mostly in care.
REPEAT_CARE_SHARE = (0.1, 0.85)
# Frequent children living at home are less extreme than those in care (72% of the top 50 go
# missing mostly from care); each year's care reports are fixed, so this is what moves the top 50.
HOME_REPEAT_RATE_FACTOR = 0.5
REPEAT_ADULT_INFLOW_PER_YEAR = 70
ADULT_RATE_MEDIAN = 1.6
ADULT_RATE_SIGMA = 0.8
# One-off children and adults fill the rest of each year's reports; their count is solved so that
# the expected number of distinct people per year equals Table 1 (see population.calibrate_fill).
OCCASIONAL_RATE_SIGMA = 0.5

# Bursts (Figure 10): half the repeat children go missing in intense spells on a low baseline.
BURST_PATTERN_SHARE = 0.5
BURST_BASELINE = 0.25  # share of a burst child's incidents outside bursts
BURST_COUNT = (1, 2, 3)
BURST_DAYS_MIN, BURST_DAYS_MEAN = 14, 45
SENTINEL_SHARE = 0.2  # of burst children: one early episode, a gap, then the burst
SENTINEL_GAP_DAYS = (60, 200)

# Ages at entry (Figures 2-3): teenage peak, girls earlier, children in care at 15-17.
AGE_ENTRY = {  # (mean, sd, lowest, highest)
    ("home", "male"): (14.2, 2.3, 4, 17),
    ("home", "female"): (12.8, 1.4, 4, 17),
    ("care", "male"): (15.9, 1.1, 10, 17),
    ("care", "female"): (15.6, 1.1, 10, 17),
}
ADULT_AGE = (18, 2.0, 11.0)  # 18 + gamma(shape, scale)
FEMALE_SHARE_CHILD = 0.5
FEMALE_SHARE_ADULT = 0.4

# Peer groups: children who go missing together (co-missing incidents share times, linked_rids).
PEER_GROUP_SHARE = 0.7  # of repeat children
PEER_GROUP_SIZE = 3
LINK_PROBABILITY = 0.6  # of a grouped child's reports, offered for pairing

# Placements of children in care: moves between homes and supported living.
PLACEMENT_MOVE_DAYS_MIN, PLACEMENT_MOVE_DAYS_MEAN = 60, 240
CARE_HOME_PLACEMENT_SHARE = 0.45  # the rest are supported living addresses (Table 10 vs 499)
SUPPORTED_LIVING_PER_CARE_CHILD = 0.4  # supported living addresses per child in care
CARE_CHILD_HOME_SHARE = (0.4, 10.0)  # Beta: share of a care child's reports made from family home

# --- When ------------------------------------------------------------------------------------
# Day of week Mon..Sun (Figure 6: Saturday significantly busier) and month: December is the
# lowest month every year; 0.55 keeps it lowest despite the noise that bursts add to months.
WEEKDAY_FACTOR = np.array([0.95, 0.93, 0.94, 0.95, 1.07, 1.25, 0.98])
MONTH_FACTOR = np.array([1.0, 0.98, 1.02, 1.03, 1.05, 1.04, 1.06, 1.0, 1.03, 1.04, 1.0, 0.55])
SCHOOL_DAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
SCHOOL_AUGUST_FACTOR = 0.03
# Hour reported, by where from (Figure 7). Care homes: 63% at 22:00-01:00 (Conclusions).
_CARE = np.array(
    [
        0.15,
        0.045,
        0.025,
        0.012,
        0.008,
        0.004,
        0.004,
        0.004,
        0.006,
        0.008,
        0.01,
        0.011,
        0.013,
        0.014,
        0.015,
        0.017,
        0.019,
        0.021,
        0.024,
        0.027,
        0.03,
        0.043,
        0.26,
        0.23,
    ]
)
_HOME = np.array(
    [
        0.045,
        0.03,
        0.02,
        0.012,
        0.008,
        0.006,
        0.008,
        0.015,
        0.025,
        0.03,
        0.032,
        0.034,
        0.036,
        0.04,
        0.044,
        0.05,
        0.056,
        0.06,
        0.064,
        0.07,
        0.075,
        0.085,
        0.095,
        0.06,
    ]
)
_SCHOOL = np.array(
    [
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0.08,
        0.16,
        0.16,
        0.15,
        0.15,
        0.14,
        0.12,
        0.04,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ],
    dtype=float,
)
_DAYTIME = np.array(
    [
        0.02,
        0.015,
        0.01,
        0.01,
        0.01,
        0.01,
        0.02,
        0.03,
        0.045,
        0.055,
        0.06,
        0.06,
        0.06,
        0.06,
        0.06,
        0.06,
        0.06,
        0.06,
        0.055,
        0.05,
        0.05,
        0.045,
        0.04,
        0.03,
    ]
)
HOUR_PROFILE = {"care_home": _CARE, "home": _HOME, "education": _SCHOOL, "other": _DAYTIME}
HOUR_PROFILE = {k: v / v.sum() for k, v in HOUR_PROFILE.items()}
REPORT_LAG_HOURS = (1.0, 0.8, 48.0)  # last seen -> reported: lognormal median, sigma, cap

# --- How long (Figure 8) -----------------------------------------------------------------------
# Scenarios: curfew breach reported 22:00-00:00 back within hours; overnight stay found next
# morning; ordinary short episodes; long episodes (more often with an exploiter named).
CURFEW_HOURS = (22, 23)
CURFEW_PROBABILITY = 0.55  # of an under-18 report made in the curfew hours, aged 12+
CURFEW_DURATION = (1.8, 0.7)  # lognormal median hours, sigma
OVERNIGHT_HOURS = (20, 21, 22, 23, 0, 1, 2)
OVERNIGHT_PROBABILITY = 0.35  # of other late reports
OVERNIGHT_FOUND_HOUR = (10.5, 2.5)
SHORT_DURATION = (5.0, 0.9)
LONG_DURATION = (50.0, 0.7)
LONG_PROBABILITY = 0.05
LONG_PROBABILITY_EXPLOITER = 0.3
INCIDENT_ONLY_DURATION = (2.0, 0.8)

# --- Outcomes ----------------------------------------------------------------------------------
# found_by other than self and police (their shares come from the report), and found_how given
# police: the police_targeted share makes found_how police_targeted = 2.6% overall.
FOUND_BY_OTHER = {
    "parent_carer": 0.38,
    "care_staff": 0.2,
    "friend_relative": 0.18,
    "social_services": 0.08,
    "health": 0.05,
    "school": 0.02,
    "other": 0.06,
    "unknown": 0.03,
}
FOUND_HOW_POLICE = {
    "presented_to_police": 0.44,
    "police_other_activity": 0.34,
    "arrested": 0.1,
    "other": 0.04,
}  # + police_targeted, from the report
EXPLOITER_DISTANCE_BOOST = 3.0  # odds multiplier for bands beyond 10 miles, exploiter named
HIGH_RISK_BASE = 0.10  # share of under-18 reports graded high; raised by vulnerability
RISK_REVIEW_CHANGE = 0.04  # high downgraded to medium after review (Child E), or the reverse
TASKS_BEFORE_REVIEW = {"high": 2.0, "medium": 1.4}  # 2019 high-risk tasks were twice 2022's
TASK_REVIEW_DATE = "2021-07-01"  # the review and removal of automatic tasks (Table 9 text)
NARRATIVE_SIGMA = 0.55
HARM = {"none": 0.9, "minor": 0.06, "serious": 0.012, "unknown": 0.028}
PREVENTION_INTERVIEW = {"done": 0.72, "declined": 0.1, "not_done": 0.13, "unknown": 0.05}
RHI_OFFERED, RHI_ACCEPTED, RHI_WITHIN_72H = 0.85, 0.7, 0.75
# Vulnerability liabilities: recorded on this share of a carrier child's reports.
FLAG_RECORDING = 0.85
EXPLOITER_PER_CARRIER = 0.12  # exploiters per child carrying a criminal/CSE trait
ORDINARY_ASSOCIATES_PER_CHILD = 0.15
EXPLOITER_NAMED = 0.45  # of a carrier child's reports naming one of their exploiters
ASSOCIATE_NAMED = 0.35  # of a linked ordinary child's reports naming their associate
