"""Every number that shapes the synthetic world, each with the source it follows.

The comment on or just above each parameter starts its account with where the value comes from:
- "Table N", "Figure N", "Appendix N": read off that table or chart of the seed report, or tuned
  so that the generated data, analysed, gives back the figure;
- "ref <key>": tuned to reproduce that key of the reference YAML (`misper/reference/`);
- "Case X": a narrative case study of the seed report (Table 11);
- "assumption": not published; a plausible value, chosen by us;
- "guard": keeps a mixture a distribution on tiny runs; not a property of the world.
Published numbers themselves are never copied here: they come from the reference YAML through
`calibration`, and where a parameter below leans a share (an exploiter named, a curfew breach),
the baseline is solved so that the published share still comes out overall.
"""

import numpy as np

# --- Who goes missing (population) ------------------------------------------------------------
# Repeat children enter at this rate per year (at 9,184-report scale); each stays "active" for a
# spell, during which their latent rate applies. Rates are lognormal (heavy tail).
# Figure 4, Table 8: tuned so that the top decile holds ~54% of incidents
# (ref repeats.top_decile_share_of_incidents) and 2022's top child has ~58 (ref repeats.top10_2022).
REPEAT_CHILD_INFLOW_PER_YEAR = 55
REPEAT_RATE_MEDIAN = 20.0  # Figure 4, Table 8 (tuned as above): incidents a year while active
REPEAT_RATE_SIGMA = 0.8  # Figure 4, Table 8 (tuned as above)
# Figure 10 (four of the top ten ceased by the year's end); the length is an assumption.
REPEAT_SPELL_MEAN_DAYS = 2000  # how long missing lasts before it ceases (exponential)
REPEAT_SPELL_MIN_DAYS = 30  # assumption
REPEAT_LEAD_IN_YEARS = 1.5  # assumption: repeat spells already under way when the range starts
# ref repeats.top50_mostly_from_care_share (72%): P(in care) = a + b * (quantile of expected
# reports)^2, so the top 50 are mostly in care.
REPEAT_CARE_SHARE = (0.1, 0.85)
# ref repeats.top50_mostly_from_care_share: frequent children at home are less extreme than those
# in care; each year's care reports are fixed, so this is what moves the top 50.
HOME_REPEAT_RATE_FACTOR = 0.5
# Assumption (the report is about children): repeat adults. One-off adults then fill each year up
# to Table 1's adult reports and individuals, which therefore come out whatever these are.
REPEAT_ADULT_INFLOW_PER_YEAR = 70
ADULT_RATE_MEDIAN = 1.6  # assumption (as above)
ADULT_RATE_SIGMA = 0.8  # assumption (as above)
# Assumption: spread of one-off people's rates. Their count is solved so that the expected number
# of distinct people per year equals Table 1 (see population.calibrate_fill).
OCCASIONAL_RATE_SIGMA = 0.5

# Bursts: Figure 10 (ref repeats.top10_patterns: five of the top ten compressed into short spans,
# two with a single early episode before the burst); the shapes are assumptions.
BURST_PATTERN_SHARE = 0.5  # Figure 10: of repeat people
BURST_BASELINE = 0.25  # Figure 10 (assumption): share of a burst child's incidents outside bursts
BURST_COUNT = (1, 2, 3)  # Figure 10 (assumption): bursts per child, equally likely
BURST_DAYS_MIN, BURST_DAYS_MEAN = 14, 45  # Figure 10 (assumption): burst length, min + exponential
SENTINEL_SHARE = 0.2  # Figure 10: of burst children, one early episode, a gap, then the burst
SENTINEL_GAP_DAYS = (60, 200)  # Figure 10 (assumption): uniform gap before the burst

# Figures 2-3: ages at entry, teenage peak, girls earlier, children in care at 15-17.
AGE_ENTRY = {  # (mean, sd, lowest, highest)
    ("home", "male"): (14.2, 2.3, 4, 17),
    ("home", "female"): (12.8, 1.4, 4, 17),
    ("care", "male"): (15.9, 1.1, 10, 17),
    ("care", "female"): (15.6, 1.1, 10, 17),
}
ADULT_AGE = (18.3, 2.0, 11.0)  # assumption: lowest age + gamma(shape, scale)
ADULT_AGE_MAX = 90.0  # assumption
FEMALE_SHARE_CHILD = 0.5  # Figure 2 (small differences between genders)
FEMALE_SHARE_ADULT = 0.4  # assumption
# ref gender.transgender_share (0.35% of reports, through calibration): recorded on children
# reported at most this often (assumption).
TRANSGENDER_MAX_REPORTS = 5

# --- Places and placements ---------------------------------------------------------------------
PUBLIC_PLACES_PER_KIND = 8  # assumption: hospitals, streets, ... each at this many sectors
ADDRESS_JITTER_DEG = 0.006  # assumption: about 0.4 miles, addresses around a sector's centroid
# Table 10 (ref postcode_sectors_2022): a care home's attraction is its 2022 count plus this, so
# the homes with no report still receive an occasional placement.
CARE_HOME_ATTRACTION_FLOOR = 0.5
# Case H (ten placements): children in care move between homes and supported living.
PLACEMENT_MOVE_DAYS_MIN, PLACEMENT_MOVE_DAYS_MEAN = 60, 240
PLACEMENT_LEAD_YEARS = 1.0  # assumption: a placement begins up to this long before missing does
# Table 10 vs ref repeats.cla_2022 (its care-home sectors hold 217 of the 499 care reports); the
# rest are supported living addresses.
CARE_HOME_PLACEMENT_SHARE = 0.45
SUPPORTED_LIVING_PER_CARE_CHILD = 0.4  # assumption: supported living addresses per child in care
SUPPORTED_LIVING_MIN_ADDRESSES = 5  # guard
# Table 2 (ref missing_from): Beta share of a care child's reports made from the family home.
CARE_CHILD_HOME_SHARE = (0.4, 10.0)
# Table 8 (all of the ten most frequent had a social worker): P(allocated) for a child not in care
# = base + repeat * min(rate / full_rate, 1); base and slope are assumptions.
SOCIAL_WORKER_BASE = 0.12
SOCIAL_WORKER_REPEAT = 0.83  # Table 8 (as above)
SOCIAL_WORKER_FULL_RATE = 12.0  # Table 8 (as above): reports a year

# Peer groups: children who go missing together (co-missing incidents share times, linked_rids).
PEER_GROUP_SHARE = 0.7  # assumption: of repeat children
PEER_GROUP_SIZE = 3  # assumption
LINK_PROBABILITY = 0.6  # assumption: of a grouped child's reports, offered for pairing
CO_MISSING_GAP_MINUTES = (1, 20)  # assumption: the second report follows the first (uniform)
CO_MISSING_FOUND_LAG_HOURS = (0, 0.25)  # assumption: the second is found just after the first

# --- Where from --------------------------------------------------------------------------------
# Table 2 (ref missing_from): children in care when not from their family home; children at home
# take what is left of Table 2 (episodes.where_from), so the overall shares are the published.
CARE_MISSING_FROM = {"care_home": 0.985, "education": 0.012, "hospital": 0.003}
ADULT_MISSING_FROM = {  # assumption (adults are not tabulated)
    "home": 0.8,
    "hospital": 0.08,
    "mha_sectioned": 0.03,
    "mha_voluntary": 0.02,
    "street": 0.02,
    "town_centre": 0.01,
    "care_home": 0.02,
    "other": 0.02,
}

# --- When --------------------------------------------------------------------------------------
# Figure 6 (ref timing.busiest_weekday): day of week Mon..Sun, Saturday significantly busier.
WEEKDAY_FACTOR = np.array([0.95, 0.93, 0.94, 0.95, 1.07, 1.25, 0.98])
# Figure 1 (ref monthly.lowest_month_each_year): December is the lowest month every year; 0.55
# keeps it lowest despite the noise that bursts add to months.
MONTH_FACTOR = np.array([1.0, 0.98, 1.02, 1.03, 1.05, 1.04, 1.06, 1.0, 1.03, 1.04, 1.0, 0.55])
# Figure 7 (ref timing.school_reports): reports from education on Monday to Friday only.
SCHOOL_DAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
SCHOOL_AUGUST_FACTOR = 0.03  # assumption: the summer holiday
# Figure 7: hour reported (0-23), by where from, normalised; care homes report 63% at 22:00-01:00
# (ref timing.supported_living_share_22_to_01).
# fmt: off
HOUR_PROFILE = {
    name: weights / weights.sum()
    for name, weights in {
        "care_home": np.array([
            0.15, 0.045, 0.025, 0.012, 0.008, 0.004, 0.004, 0.004, 0.006, 0.008, 0.01, 0.011,
            0.013, 0.014, 0.015, 0.017, 0.019, 0.021, 0.024, 0.027, 0.03, 0.043, 0.26, 0.23,
        ]),
        "home": np.array([
            0.045, 0.03, 0.02, 0.012, 0.008, 0.006, 0.008, 0.015, 0.025, 0.03, 0.032, 0.034,
            0.036, 0.04, 0.044, 0.05, 0.056, 0.06, 0.064, 0.07, 0.075, 0.085, 0.095, 0.06,
        ]),
        "education": np.array([
            0, 0, 0, 0, 0, 0, 0, 0, 0.08, 0.16, 0.16, 0.15,
            0.15, 0.14, 0.12, 0.04, 0, 0, 0, 0, 0, 0, 0, 0,
        ], dtype=float),
        "other": np.array([
            0.02, 0.015, 0.01, 0.01, 0.01, 0.01, 0.02, 0.03, 0.045, 0.055, 0.06, 0.06,
            0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.055, 0.05, 0.05, 0.045, 0.04, 0.03,
        ]),
    }.items()
}
# fmt: on
# Assumption: last seen -> reported, lognormal median hours, sigma, cap.
REPORT_LAG_HOURS = (1.0, 0.8, 48.0)
REPORT_LAG_CARE_HOME_FACTOR = 1.5  # assumption: care homes take the reasonable steps first

# --- How long (Figure 8) -----------------------------------------------------------------------
# Figure 8's scenarios: curfew breach reported 22:00-00:00 back within hours; overnight stay found
# next morning; ordinary short episodes; long episodes (more often with an exploiter named).
CURFEW_HOURS = (22, 23)  # Figure 8 (ref timing.curfew_breach_window)
CURFEW_MIN_AGE = 12  # assumption: younger children are not out after a curfew
CURFEW_PROBABILITY = 0.55  # Figure 8, Appendix 1: of an under-18 report in the curfew hours
CURFEW_DURATION = (1.8, 0.7)  # Figure 8, Appendix 1: lognormal median hours, sigma
OVERNIGHT_HOURS = (20, 21, 22, 23, 0, 1, 2)  # Figure 8, Appendix 1
OVERNIGHT_PROBABILITY = 0.35  # Figure 8, Appendix 1: of other late reports
OVERNIGHT_FOUND_HOUR = (10.5, 2.5)  # Figure 8, Appendix 1: normal mean, sd of the clock found
OVERNIGHT_FOUND_CLOCK = (6, 16)  # Figure 8, Appendix 1: found between these hours next day
# Figure 8: tuned so that at least 90% resolve within 24 h
# (ref timing.resolved_within_24h_share_min).
SHORT_DURATION = (5.0, 0.9)
LONG_DURATION = (50.0, 0.7)  # Figure 8 (tuned as above)
LONG_PROBABILITY = 0.05  # Figure 8 (tuned as above)
LONG_PROBABILITY_EXPLOITER = 0.3  # assumption: an injected effect, stated in the truth
INCIDENT_ONLY_DURATION = (2.0, 0.8)  # assumption: unconverted control-room incidents
MIN_EPISODE_HOURS = 0.1  # guard: no episode ends before it is reported

# --- How episodes end --------------------------------------------------------------------------
# found_by other than self and police (their shares are ref found.returned_of_own_accord_share and
# ref found.police_involved_found_by_share); assumption. From a care placement, staff take the
# parents' share and parents the staff's.
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
# Figure 13 (ref found.sample_2022_how_found: other police activity 35, arrest 9): found_how
# given police, besides police_targeted, whose share makes ref found.police_found_how_share.
FOUND_HOW_POLICE = {
    "presented_to_police": 0.44,
    "police_other_activity": 0.34,
    "arrested": 0.1,
    "other": 0.04,
}
# Figure 8's scenarios lean who finds the child (assumption); the baseline is solved so the
# overall self and police shares stay ref found.returned_of_own_accord_share and
# ref found.police_involved_found_by_share.
FOUND_SELF_LEAN = {"curfew": 1.3, "overnight": 1.2, "long": 0.5}
FOUND_SELF_LEAN_EXPLOITER = 0.7  # assumption (as above)
FOUND_POLICE_LEAN = {"long": 1.8, "curfew": 0.7}  # assumption (as above)
FOUND_POLICE_LEAN_EXPLOITER = 1.5  # assumption (as above)
FOUND_SELF_MAX = 0.8  # guard: P(self) on any one incident
FOUND_SELF_OR_POLICE_MAX = 0.95  # guard: leaves others a share on every incident
# Figure 5 (found locations, not tabulated): kind of place found, by who found the child;
# "origin" is the very place missing from. Assumption.
FOUND_LOCATION = {
    "self": {"origin": 0.8, "friend_address": 0.14, "relative_address": 0.06},
    "police": {
        "street_public": 0.35,
        "police_station": 0.25,
        "friend_address": 0.15,
        "associate_address": 0.08,
        "origin": 0.1,
        "other": 0.07,
    },
    "carer": {
        "friend_address": 0.35,
        "street_public": 0.3,
        "relative_address": 0.15,
        "origin": 0.1,
        "other": 0.1,
    },
    "other": {
        "friend_address": 0.3,
        "street_public": 0.3,
        "relative_address": 0.2,
        "hospital": 0.05,
        "other": 0.1,
        "unknown": 0.05,
    },
}
EXPLOITER_FOUND_AT_ASSOCIATE = 0.4  # assumption: exploiter named, not back by themselves
# Table 4's bands (ref distance_miles_percent): label -> (lower, upper] in miles; the upper limits
# of the open bands (>80 in the UK, out of the UK) are assumptions.
DISTANCE_BAND_MILES = {
    "0-5": (0.0, 5.0),
    "6-10": (5.0, 10.0),
    "11-20": (10.0, 20.0),
    "21-40": (20.0, 40.0),
    "41-80": (40.0, 80.0),
    ">80 (UK)": (80.0, 250.0),
    "Out of UK": (250.0, 900.0),
}
EXPLOITER_DISTANCE_BOOST = 3.0  # assumption (injected effect): odds multiplier beyond...
EXPLOITER_DISTANCE_BOOST_FROM_MILES = 10.0  # assumption: ... the bands starting at 10 miles
DISTANCE_NEAR = (0.1, 1.5)  # assumption: 0-5 band, lowest miles and skew exponent towards it
DISTANCE_BAND_MARGIN_MILES = 0.05  # guard: a distance stays inside its band once rounded
FAR_JOURNEY_MILES = 40  # assumption: journeys longer than this go west, north or south ...
FAR_JOURNEY_BEARING = (190, 390)  # assumption: ... as east of the county there is soon sea
DISTANCE_ORIGIN_SHARE_MAX = 0.7  # guard: below Table 4's 0-5 share, the rest stays a distribution
DISTANCE_EXPLOITER_SHARE_MAX = 0.5  # guard (as above)
# Assumption; only deaths are published (ref deaths_while_missing, through calibration).
HARM = {"none": 0.9, "minor": 0.06, "serious": 0.012, "unknown": 0.028}
VICTIM_OF_CRIME = 0.03  # assumption: of reports
VICTIM_OF_CRIME_EXPLOITED = 0.12  # assumption: of reports of children at risk of exploitation
ARRESTED_FOUND_BY_POLICE = 0.02  # assumption: arrested though found_how says otherwise

# --- What the report records -------------------------------------------------------------------
# Risk: the high share of under-18 reports comes from Table 9 (ref workload_2022.tasks_mean_by_risk)
# through recording.risk; it leans on severe flags and youth (assumption), solved to stay overall.
RISK_HIGH_LEAN_SEVERE = 1.5
RISK_HIGH_LEAN_YOUNG = 1.0  # assumption (as above)
RISK_YOUNG_AGE = 12  # assumption: "young" is under this age
RISK_HIGH_MAX = 0.9  # guard
RISK_REVIEW_CHANGE = 0.04  # Case E: high downgraded to medium after review, or the reverse
RISK_REVIEW_UPGRADE = 0.25  # assumption: of the reviewed medium reports, the share raised to high
UNCONVERTED_NO_APPARENT_RISK = 0.6  # assumption: unconverted incidents, the rest "absent"
ADULT_RISK = {"low": 0.3, "medium": 0.55, "high": 0.15}  # assumption (adults are not tabulated)
# Table 9's text (ref workload_2022.tasks_note): 2019 high-risk tasks were twice 2022's, until the
# review and removal of automatic tasks in July 2021.
TASKS_BEFORE_REVIEW = {"high": 2.0, "medium": 1.4}
TASK_REVIEW_DATE = "2021-07-01"  # Table 9's text (as above)
TASK_COUNT_NOISE_SHAPE = 25.0  # assumption: gamma noise (mean 1) around the automatic list
NARRATIVE_SIGMA = 0.55  # Figure 11: spread of narratives per report (lognormal, mean kept)
UNCONVERTED_NARRATIVES = (1, 8)  # assumption: log entries of an unconverted incident, [low, high)
# Figure 12 (ref reasons_top): pull factors (friends, family argument, curfew) are the most
# common reasons; the shares by setting are assumptions.
REASONS = {
    "home": {
        "friends_partner": 0.38,
        "family_argument": 0.28,
        "school": 0.04,
        "mental_health": 0.04,
        "substance_use": 0.03,
        "bored": 0.05,
        "escape_violence": 0.02,
        "other": 0.06,
        "unknown": 0.1,
    },
    "care": {
        "friends_partner": 0.45,
        "placement_unhappy": 0.2,
        "family_argument": 0.05,
        "bored": 0.07,
        "substance_use": 0.04,
        "mental_health": 0.04,
        "other": 0.05,
        "unknown": 0.1,
    },
    "adult": {
        "mental_health": 0.25,
        "family_argument": 0.2,
        "substance_use": 0.1,
        "friends_partner": 0.05,
        "other": 0.15,
        "unknown": 0.25,
    },
}
# Assumption: a child at risk of exploitation gives these reasons instead, in these shares.
EXPLOITED_REASONS = {"exploitation": 0.25, "criminality": 0.15}
SUICIDE_REASON_MENTAL_HEALTH = 0.3  # assumption: of a suicide-risk child's reports
SECOND_REASON_FRIENDS = 0.15  # Figure 12 (assumption): a second reason, seeing friends
# Assumption (return home interviews were not given to the report): prevention interview outcome.
PREVENTION_INTERVIEW = {"done": 0.72, "declined": 0.1, "not_done": 0.13, "unknown": 0.05}
RHI_OFFERED, RHI_ACCEPTED, RHI_WITHIN_72H = 0.85, 0.7, 0.75  # assumption (as above)
RHI_OFFERED_EXPLOITED = 0.95  # assumption: offered to a child at risk of exploitation
RHI_COMPLETED = 0.92  # assumption: of those accepted
RHI_EARLIEST_HOURS, RHI_TARGET_HOURS = 4, 72  # assumption: in time, uniform between these
RHI_LATE_MEAN_HOURS = 96  # assumption: late, exponential beyond the target

# --- Vulnerabilities, markers and associates ---------------------------------------------------
# Table 6 (ref risk_flags_percent): a carrier child's flag is recorded on this share of their
# reports; carriers are chosen until Table 6's share divided by it is reached.
FLAG_RECORDING = 0.85
# Latent liabilities (assumption): weights of log(1 + reports), sex and being in care; the
# criminal liability is shared by gang, criminal and county lines (ref risk_flags_note: they
# co-occur), each adding its own noise. The thresholds keep Table 6's shares.
CRIMINAL_LIABILITY = {"frequent": 0.9, "male": 0.6, "care": 0.3}
CRIMINAL_FLAG_NOISE = 0.5  # assumption (as above)
CSE_LIABILITY = {"frequent": 0.7, "female": 1.3, "care": 0.5}  # assumption (as above)
SUICIDE_LIABILITY = {"frequent": 0.5, "female": 0.4}  # assumption (as above)
# Assumption (not in Table 6, no published share): child criminal exploitation and substance
# misuse on some criminal-exploitation reports, mental health on some suicide-flagged ones.
CCE_OF_CRIMINAL = 0.25
SUBSTANCE_MISUSE_OF_CRIMINAL = 0.1  # assumption (as above)
MENTAL_HEALTH_OF_SUICIDE = 0.2  # assumption (as above)
ADULT_FLAGS = {"suicide": 0.12, "mental_health": 0.2}  # assumption (adults are not tabulated)
# Appendix 4 (ref repeats.top20_with_warning_markers): warning markers follow the person, knife
# and violence with criminality, mental health and ADHD with the frequently missing. Per marker:
# (carrier trait, P if a carrier, P otherwise at the lowest rate, + per rate quantile); the
# probabilities are assumptions.
MARKER_PROBABILITY = {
    "weapons": ("criminal", 0.45, 0.02, 0.0),
    "violence": ("criminal", 0.3, 0.03, 0.0),
    "drugs": ("criminal", 0.4, 0.03, 0.0),
    "mental_health": ("suicide", 0.6, 0.05, 0.3),
    "adhd": (None, None, 0.06, 0.1),
    "autism": (None, None, 0.05, 0.0),
    "learning_disability": (None, None, 0.04, 0.0),
    "self_harm": ("suicide", 0.3, 0.02, 0.0),
    "other": (None, None, 0.03, 0.0),
}
EXPLOITER_PER_CARRIER = 0.12  # assumption: exploiters per child carrying a criminal/CSE trait
EXPLOITER_ZIPF_EXPONENT = 0.8  # assumption: a few exploiters draw many children
SECOND_EXPLOITER = 0.3  # assumption: of exploited children, linked to a second exploiter
ORDINARY_ASSOCIATES_PER_CHILD = 0.15  # assumption
ORDINARY_ASSOCIATE_LINK = 0.3  # assumption: of other children reported at least ...
ORDINARY_ASSOCIATE_MIN_REPORTS = 2  # assumption: ... this often, linked to an ordinary associate
ORDINARY_ASSOCIATE_ADULT = 0.6  # assumption: ordinary associates that are adults, not addresses
EXPLOITER_NAMED = 0.45  # assumption: of a carrier child's reports naming one of their exploiters
ASSOCIATE_NAMED = 0.35  # assumption: of a linked ordinary child's reports naming their associate
SECOND_ASSOCIATE_NAMED = 0.5  # assumption: with two exploiters, the second is the one named

# --- Yearly demand (calibration) ---------------------------------------------------------------
# Table 1's text (care reports fell "up to 60%") and Table 2 (ref missing_from: care a third of
# 2019-2022): the care share of under-18 reports falls linearly back from the detail year's.
CARE_SHARE_FALL_PER_YEAR = 0.039
# Assumption: children in care reported per year follow their reports to this power (the detail
# year's are ref repeats.cla_2022), so the per-child rate falls less than the reports do.
CARE_CHILDREN_ELASTICITY = 0.8
