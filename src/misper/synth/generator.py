"""The calibrated synthetic generator: people -> episodes -> canonical incident table + truth.

How it is calibrated (by design, not by fitting afterwards). Every published figure is read from
the package's reference YAML (`calibration`); shapes the report shows only as charts are named
in `parameters`. The yearly number of under-18 reports (Table 1, rescaled to the analysed 9,184),
of children in care's reports, of adults' reports and of unconverted control-room incidents are
fixed per year and shared among people in proportion to their latent intensities (a Poisson
process conditioned on its total), so yearly counts are exact. One-off people are added per year
until the expected distinct children (and adults) equal Table 1. Latent intensities are heavy-
tailed with bursts, which is what makes the top decile hold about half of the reports. Shares
that depend on context (found by, distance, risk) are mixtures whose baseline is solved so that
the overall share is the published one; child-level attributes whose incident share matters
(vulnerabilities, ethnic appearance) are assigned by thresholds or systematic sampling over
reports. The tests in tests/synth/ analyse the output with plain pandas and compare with the YAML.

`incidents` counts the under-18 `missing_report` rows over the range; adults' reports and
`incident_only` rows scale with it in Table 1's proportions.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from misper.incidents.frame import to_canonical, write_incidents
from misper.incidents.schema import MARKERS, RISK_FLAGS
from misper.synth import (
    calibration,
    columns,
    episodes,
    geography,
    outcomes,
    places,
    recording,
    traits,
)
from misper.synth import parameters as P
from misper.synth.calendar import Calendar
from misper.synth.population import (
    ADULT,
    CARE,
    STRATA,
    YEAR,
    People,
    calibrate_fill,
    occasional_people,
    repeat_people,
)

DEFAULT_START = date(2019, 1, 1)
DEFAULT_END = date(2022, 12, 31)


@dataclass
class Synthetic:
    """A generated data set: the canonical incident table and the truth behind it."""

    incidents: pd.DataFrame
    truth: dict[str, pd.DataFrame] = field(default_factory=dict)
    seed: int = 0

    def summary(self) -> dict[str, object]:
        frame = self.incidents
        u18 = frame[(frame["age"] < 18) & (frame["record_type"] == "missing_report")]
        return {
            "rows": len(frame),
            "u18_reports": len(u18),
            "children": u18["pid"].nunique(),
            "years": sorted(frame["reported_at"].dt.year.unique().tolist()),
        }


@dataclass(frozen=True)
class Demand:
    """Table 1's yearly cells, rescaled to the incidents asked for: what each year must hold."""

    reports: np.ndarray  # int, years x STRATA; the children's cells sum to the incidents asked for
    distinct: np.ndarray  # float, years x STRATA: distinct people reported
    incident_only: np.ndarray  # int, per year: control-room incidents not converted (all ages)


@dataclass(frozen=True)
class Allocation:
    """The incidents in time order: whose, when, where from; what the episodes are built on."""

    cal: Calendar
    people: People
    places: pd.DataFrame  # every place: homes, schools, care homes, supported living, public
    placements: pd.DataFrame  # children in care: person, start, place
    sectors: pd.DataFrame
    inc: pd.DataFrame  # per incident: segment, year, record_type, person, segment_kind, ...
    kind: np.ndarray  # missing_from_type
    t: np.ndarray  # reported at, in days since the range start
    place: np.ndarray  # row of `places` missing from
    first: np.ndarray  # rows of the first of each co-missing pair ...
    second: np.ndarray  # ... and of the second, reported just after the first
    demand_scale: np.ndarray  # years x STRATA: reports per unit of latent intensity
    death_scale: float  # incidents asked for / the seed's analysed incidents

    @property
    def persons(self) -> pd.DataFrame:
        return self.people.persons


@dataclass(frozen=True)
class Who:
    """Whose incident each row is, and which rows are reports of a child or an adult."""

    person: np.ndarray
    stratum: np.ndarray
    record_type: np.ndarray
    report: np.ndarray
    child_report: np.ndarray
    adult_report: np.ndarray

    @classmethod
    def of(cls, alloc: Allocation) -> Who:
        person = alloc.inc["person"].to_numpy()
        record_type = alloc.inc["record_type"].to_numpy()
        stratum = alloc.persons["stratum"].to_numpy()[person]
        report = record_type == episodes.REPORT
        return cls(
            person=person,
            stratum=stratum,
            record_type=record_type,
            report=report,
            child_report=report & (stratum != ADULT),
            adult_report=report & (stratum == ADULT),
        )


@dataclass(frozen=True)
class Vulnerability:
    """Risk flags and markers of each incident, and the associates linked to and named on it."""

    flags: np.ndarray  # incidents x RISK_FLAGS
    person_markers: np.ndarray  # persons x MARKERS
    associates: pd.DataFrame  # associate_id, kind, is_exploiter
    link: np.ndarray  # persons x 2: associate rows each person is linked to (-1: none)
    which: np.ndarray  # per incident: the associate row that may be named (-1: none)
    named: np.ndarray  # an associate is named on the report ...
    exploiter: np.ndarray  # ... and is an exploiter
    exploited: np.ndarray  # the child is at risk of exploitation

    @property
    def by_flag(self) -> dict[str, np.ndarray]:
        return {f: self.flags[:, k] for k, f in enumerate(RISK_FLAGS)}

    @property
    def severe(self) -> np.ndarray:
        """CSE, county lines or suicide flagged: what raises the risk grading."""
        flag = self.by_flag
        return flag["cse"] | flag["county_lines"] | flag["suicide"]


@dataclass(frozen=True)
class Outcome:
    """How each episode ended: who found the child, how, where, how far from where missing."""

    by: np.ndarray
    how: np.ndarray
    location: np.ndarray  # found_location_type
    found: dict[str, np.ndarray]  # found_lat, found_lon, distance_miles, out_of_uk, sector
    origin_lat: np.ndarray  # where missing from
    origin_lon: np.ndarray
    origin_sector: np.ndarray
    paired: np.ndarray  # co-missing
    fatal: np.ndarray


@dataclass(frozen=True)
class Clock:
    """The reported, found and last-seen times of each incident."""

    reported: pd.Series
    found_at: pd.Series
    last_seen: pd.Series


@dataclass(frozen=True)
class Associates:
    """The associates, each person's links to them, and who was named on which report."""

    table: pd.DataFrame
    link: np.ndarray
    named: pd.DataFrame  # one row per naming: associate (row), pid


def default_incidents(start: date = DEFAULT_START, end: date = DEFAULT_END) -> int:
    """Under-18 reports the published demand gives over [start, end] (9,184 for 2019-2022)."""
    return int(round(sum(t.reports_u18 for t in calibration.year_targets(start, end))))


def generate(
    incidents: int | None = None,
    seed: int = 0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
) -> Synthetic:
    """Generate a synthetic force's incidents over [start, end] (inclusive), deterministic per seed.

    `incidents` is the number of under-18 reports (default: the published demand of the range).
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if incidents is not None and incidents < 1:
        raise ValueError(f"incidents must be at least 1, not {incidents}")
    rng = np.random.default_rng(seed)
    cal = Calendar.of(start, end)
    targets = calibration.year_targets(start, end)
    published = sum(t.reports_u18 for t in targets)
    n_u18 = int(incidents) if incidents is not None else default_incidents(start, end)
    scale = n_u18 / published
    demand = _demand(targets, scale, n_u18)
    analysed = calibration.reference()["dataset"]["u18_incidents_2019_2022"]
    alloc = _allocate(rng, cal, scale, demand, death_scale=n_u18 / analysed)
    frame, truth_incidents, associates = _episodes_frame(rng, alloc)
    truth = _truth(alloc, demand, associates, truth_incidents)
    return Synthetic(incidents=frame, truth=truth, seed=seed)


def _demand(targets: list[calibration.YearTarget], scale: float, n_u18: int) -> Demand:
    """Integer reports per year x stratum (children's summing exactly to n_u18), distinct people,
    unconverted incidents."""
    want = (
        np.array(
            [[t.reports_u18 - t.reports_care, t.reports_care, t.reports_adult] for t in targets]
        )
        * scale
    )
    children = np.floor(want[:, :ADULT]).ravel()
    remainder = want[:, :ADULT].ravel() - children
    children[np.argsort(-remainder, kind="stable")[: n_u18 - int(children.sum())]] += 1
    reports = np.column_stack([children.reshape(-1, ADULT), np.round(want[:, ADULT])]).astype(int)
    distinct = (
        np.array(
            [
                [t.children_u18 - t.children_care, t.children_care, t.individuals_adult]
                for t in targets
            ]
        )
        * scale
    )
    incident_only = np.round(np.array([t.incident_only for t in targets]) * scale).astype(int)
    return Demand(reports, distinct, incident_only)


def _people(
    rng: np.random.Generator, cal: Calendar, scale: float, reports: np.ndarray, distinct: np.ndarray
) -> People:
    """Repeat people, then one-off people per year and stratum up to Table 1's distinct counts."""
    people = repeat_people(rng, cal, scale)
    persons, segments = [people.persons], [people.segments]
    offset = n_repeat = len(people.persons)
    seg_stratum = people.persons["stratum"].to_numpy()[people.segments["person"].to_numpy()]
    seg_person = people.segments["person"].to_numpy()
    rate = people.segments["rate"].to_numpy()
    for y, (_, first, last) in enumerate(cal.years):
        overlap = rate * cal.demand(
            np.maximum(people.segments["start"].to_numpy(), first),
            np.minimum(people.segments["end"].to_numpy(), last),
        )
        for s in range(len(STRATA)):
            mine = seg_stratum == s
            mu = np.bincount(seg_person[mine], weights=overlap[mine], minlength=n_repeat)
            mu = mu[(people.persons["stratum"].to_numpy() == s) & (mu > 0)]
            # Never more distinct people than reports (tiny runs round a stratum down to 0).
            wanted = min(distinct[y, s], reports[y, s])
            size = int(2 * wanted) + 20
            for _ in range(8):  # the pool doubles until it holds enough; bounded for safety
                pool = occasional_people(rng, cal, s, y, size)
                pool_mu = pool.segments["rate"].to_numpy() * cal.demand(
                    pool.segments["start"].to_numpy(), pool.segments["end"].to_numpy()
                )
                k = calibrate_fill(mu, pool_mu, reports[y, s], wanted) if wanted > 0 else 0
                if k < size:
                    break
                size *= 2
            kept = pool.persons.iloc[:k].copy()
            kept.index = np.arange(offset, offset + k)
            seg = pool.segments.iloc[:k].copy()
            seg["person"] = kept.index.to_numpy()
            persons.append(kept)
            segments.append(seg)
            offset += k
    all_persons = pd.concat(persons)
    all_segments = pd.concat(segments, ignore_index=True)
    all_segments = all_segments[all_segments["end"] > all_segments["start"]].reset_index(drop=True)
    return People(all_persons, all_segments, people.bursts)


def _settle(
    rng: np.random.Generator, cal: Calendar, scale: float, demand: Demand
) -> tuple[People, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The people, where they live, placements of those in care, peer groups: people, places,
    placements, sectors."""
    people = _people(rng, cal, scale, demand.reports, demand.distinct)
    sectors = geography.sectors()
    places.care_characteristics(rng, people.persons)
    place_table = places.build_places(rng, people.persons, sectors)
    history = places.placements(rng, people.persons, place_table)
    places.peer_groups(rng, people.persons)
    return people, place_table, history, sectors


def _allocate(
    rng: np.random.Generator, cal: Calendar, scale: float, demand: Demand, death_scale: float
) -> Allocation:
    """Each year's reports shared among the people, timed, paired, placed; put in time order."""
    people, place_table, history, sectors = _settle(rng, cal, scale, demand)
    persons, segments = people.persons, people.segments
    inc, demand_scale = episodes.allocate(
        rng, cal, segments, persons["stratum"].to_numpy(), demand.reports, demand.incident_only
    )
    inc["segment_kind"] = segments["kind"].to_numpy()[inc["segment"].to_numpy()]
    care_share = demand.reports[:, CARE].sum() / demand.reports[:, :ADULT].sum()
    kind = episodes.where_from(rng, inc, persons, calibration.missing_from_shares(), care_share)
    t = episodes.time_of_day(rng, cal, inc, kind)
    first, second = episodes.pair_co_missing(rng, inc, persons, kind, t)
    year_end = np.array([last for _, _, last in cal.years])[inc["year"].to_numpy()]
    t = np.minimum(t, year_end - 1e-4)
    place = episodes.missing_place(rng, inc, kind, persons, place_table, history, t)
    # From here on rows are in time order, so rids follow reported_at and nothing is re-sorted.
    order = np.argsort(t, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return Allocation(
        cal=cal,
        people=people,
        places=place_table,
        placements=history,
        sectors=sectors,
        inc=inc.iloc[order].reset_index(drop=True),
        kind=kind[order],
        t=t[order],
        place=place[order],
        first=rank[first],
        second=rank[second],
        demand_scale=demand_scale,
        death_scale=death_scale,
    )


def _episodes_frame(
    rng: np.random.Generator, alloc: Allocation
) -> tuple[pd.DataFrame, pd.DataFrame, Associates]:
    """Every column of the canonical table for the allocated incidents, the incidents' truth and
    the associates'.

    The stages draw from `rng` in this order; changing it changes every seed's output.
    """
    who = Who.of(alloc)
    vul = _vulnerability(rng, alloc, who)
    age, hours, scenario = _durations(rng, alloc, who, vul.exploiter)
    outcome = _outcome(rng, alloc, who, vul, scenario)
    initial, final = recording.risk(
        rng, who.child_report, who.adult_report, vul.severe, age < P.RISK_YOUNG_AGE
    )
    clock = _clock(rng, alloc, hours)
    reasons = _reason_columns(rng, alloc, who, vul, scenario, outcome)
    rid = _new_ids(rng, alloc)
    pid = alloc.persons["pid"].to_numpy()[who.person]
    data = {
        **_id_columns(alloc, who, rid, pid),
        "reported_at": clock.reported,
        "last_seen_at": clock.last_seen,
        "found_at": clock.found_at,
        **_person_columns(alloc, who, age),
        **_place_columns(alloc, outcome),
        "risk_initial": initial,
        "risk_final": final,
        **_vulnerability_columns(who, vul),
        **reasons,
        **_aftermath_columns(rng, who, vul, outcome, initial, clock),
    }
    truth = _incident_truth(alloc, rid, pid, scenario, vul, outcome)
    named = pd.DataFrame({"associate": vul.which[vul.named], "pid": pid[vul.named]})
    return to_canonical(pd.DataFrame(data)), truth, Associates(vul.associates, vul.link, named)


def _incident_truth(
    alloc: Allocation,
    rid: pd.Series,
    pid: np.ndarray,
    scenario: np.ndarray,
    vul: Vulnerability,
    outcome: Outcome,
) -> pd.DataFrame:
    """What lies behind each incident: its scenario, the associate named, co-missing, a death."""
    return pd.DataFrame(
        {
            "rid": rid.to_numpy(dtype=object),
            "pid": pid,
            "scenario": scenario,
            "segment_kind": alloc.inc["segment_kind"].to_numpy(),
            "exploiter_named": vul.exploiter,
            "associate_named": vul.named,
            "co_missing": outcome.paired,
            "fatal": outcome.fatal,
        }
    )


def _vulnerability(rng: np.random.Generator, alloc: Allocation, who: Who) -> Vulnerability:
    """The children's traits (on `persons`), each incident's flags, and the associates named."""
    persons = alloc.persons
    u18_reports = np.bincount(who.person[who.child_report], minlength=len(persons))
    traits.carriers(rng, persons, u18_reports)
    persons["ethnic_appearance"] = traits.ethnic_appearance(rng, persons, u18_reports)
    traits.transgender(rng, persons, u18_reports)
    traits.care_orders(rng, persons, u18_reports)
    person_markers = traits.markers(rng, persons)
    associates, link = traits.associates(rng, persons, u18_reports)
    flags = traits.incident_flags(rng, who.person, persons, who.child_report, who.record_type)
    # Associates named on the report: an exploiter on many of an exploited child's reports.
    n, person = len(who.person), who.person
    second_named = (link[person, 1] >= 0) & (rng.random(n) < P.SECOND_ASSOCIATE_NAMED)
    which = np.where(second_named, link[person, 1], link[person, 0])
    exploited = persons["exploitation_risk"].to_numpy()[person]
    named_p = np.where(exploited, P.EXPLOITER_NAMED, P.ASSOCIATE_NAMED)
    named = who.report & (which >= 0) & (rng.random(n) < named_p)
    return Vulnerability(
        flags=flags,
        person_markers=person_markers,
        associates=associates,
        link=link,
        which=which,
        named=named,
        exploiter=named & (which < int(associates["is_exploiter"].sum())),
        exploited=exploited,
    )


def _durations(
    rng: np.random.Generator, alloc: Allocation, who: Who, exploiter: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Age, hours missing and scenario; the second of a pair comes back just after the first."""
    t, first, second = alloc.t, alloc.first, alloc.second
    birth = alloc.persons["birth"].to_numpy()[who.person]
    age = np.floor((t - birth) / YEAR).astype(np.int64)
    hours, scenario = episodes.durations(rng, t, age, who.record_type, exploiter)
    lag = rng.uniform(*P.CO_MISSING_FOUND_LAG_HOURS, len(second))
    hours[second] = np.maximum(
        hours[first] + (t[first] - t[second]) * 24 + lag, P.MIN_EPISODE_HOURS
    )
    scenario[second] = scenario[first]
    return age, hours, scenario


def _outcome(
    rng: np.random.Generator, alloc: Allocation, who: Who, vul: Vulnerability, scenario: np.ndarray
) -> Outcome:
    """Who found each child, how, where and how far away; then the deaths."""
    by = outcomes.found_by(rng, scenario, vul.exploiter, alloc.kind, who.child_report)
    how = outcomes.found_how(rng, by)
    location, at_origin = outcomes.found_location(rng, by, how, alloc.kind, vul.exploiter)
    lat = alloc.places["lat"].to_numpy()[alloc.place]
    lon = alloc.places["lon"].to_numpy()[alloc.place]
    origin_sector = alloc.places["sector"].to_numpy(dtype=object)[alloc.place]
    found = outcomes.distances(
        rng, at_origin, vul.exploiter, lat, lon, alloc.sectors, origin_sector, who.child_report
    )
    _found_with_first(alloc, by, how, location, found, lat, lon)
    paired = np.zeros(len(by), dtype=bool)
    paired[alloc.first], paired[alloc.second] = True, True
    fatal = _fatal(rng, alloc, who, vul.by_flag["suicide"] & ~paired)
    by[fatal], how[fatal], location[fatal] = "other", "other", "other"
    return Outcome(by, how, location, found, lat, lon, origin_sector, paired, fatal)


def _found_with_first(
    alloc: Allocation,
    by: np.ndarray,
    how: np.ndarray,
    location: np.ndarray,
    found: dict[str, np.ndarray],
    lat: np.ndarray,
    lon: np.ndarray,
) -> None:
    """The second of a pair is found with the first: same place, same people finding them.

    Changes `by`, `how`, `location` and `found` in place.
    """
    first, second = alloc.first, alloc.second
    by[second], how[second] = by[first], how[first]
    same_place = alloc.place[first] == alloc.place[second]
    location[second] = np.where(
        np.isin(location[first], outcomes.ORIGIN_KINDS) & ~same_place,
        "friend_address",
        location[first],
    )
    for column in ("found_lat", "found_lon", "out_of_uk", "found_postcode_sector"):
        found[column][second] = found[column][first]
    moved = geography.haversine_miles(
        lat[second], lon[second], found["found_lat"][second], found["found_lon"][second]
    )
    found["distance_miles"][second] = np.where(
        found["out_of_uk"][second], found["distance_miles"][first], np.round(moved, 2)
    )


def _fatal(
    rng: np.random.Generator, alloc: Allocation, who: Who, eligible: np.ndarray
) -> np.ndarray:
    """The deaths, each on a child's last report among the `eligible` ones (suicide flagged)."""
    last_report = _last_of_person(who.person, alloc.t, who.child_report)
    fatal = np.zeros(len(who.person), dtype=bool)
    candidates = np.flatnonzero(last_report & eligible)
    fatal[outcomes.fatal_incidents(rng, candidates, alloc.death_scale)] = True
    return fatal


def _clock(rng: np.random.Generator, alloc: Allocation, hours: np.ndarray) -> Clock:
    """Times to the minute: reported, found `hours` later, last seen a lognormal lag before."""
    t0 = np.datetime64(alloc.cal.start, "m")
    minute = np.floor(alloc.t * 1440).astype(np.int64)
    found_minute = minute + np.maximum(np.round(hours * 60), 1).astype(np.int64)
    reported = pd.Series((t0 + minute.astype("timedelta64[m]")).astype("datetime64[ns]"))
    found_at = pd.Series((t0 + found_minute.astype("timedelta64[m]")).astype("datetime64[ns]"))
    lag_median, lag_sigma, lag_cap = P.REPORT_LAG_HOURS
    factor = np.where(alloc.kind == "care_home", P.REPORT_LAG_CARE_HOME_FACTOR, 1.0)
    noise = np.exp(lag_sigma * rng.standard_normal(len(minute)))
    lag = np.minimum(lag_median * factor * noise, lag_cap)
    last_seen = reported - np.round(lag * 60).astype(np.int64).astype("timedelta64[m]")
    return Clock(reported, found_at, last_seen)


def _reason_columns(
    rng: np.random.Generator,
    alloc: Allocation,
    who: Who,
    vul: Vulnerability,
    scenario: np.ndarray,
    outcome: Outcome,
) -> dict[str, object]:
    """Reasons given, reasons linked to vulnerability, and the free-text phrases."""
    n = len(who.person)
    stratum_kind = np.array(["home", "care", "adult"], dtype=object)[who.stratum]
    suicide = alloc.persons["carrier_suicide"].to_numpy()[who.person]
    reason_rows, reason_values = recording.reason_codes(
        rng, scenario, stratum_kind, vul.exploited, suicide
    )
    vul_rows, vul_values = recording.reason_vulnerability(
        rng, vul.by_flag, who.child_report, int(who.child_report.sum())
    )
    circumstances, found_text = recording.texts(scenario, outcome.how)
    found_text[outcome.fatal] = "Found deceased."
    return {
        "reason_vulnerability": columns.lists(n, vul_rows, vul_values, null=~who.report),
        "reason_codes": columns.lists(n, reason_rows, reason_values, null=~who.report),
        "circumstances_text": circumstances,
        "found_text": found_text,
    }


def _new_ids(rng: np.random.Generator, alloc: Allocation) -> pd.Series:
    """Incident ids in time order; person ids (`persons["pid"]`) in an order that tells nothing."""
    rid = columns.ids("R", np.arange(1, len(alloc.inc) + 1), 8)
    pid_number = rng.permutation(len(alloc.persons)) + 1
    alloc.persons["pid"] = columns.ids("P", pid_number, 6).to_numpy()
    return rid


def _id_columns(alloc: Allocation, who: Who, rid: pd.Series, pid: np.ndarray) -> dict[str, object]:
    """rid, pid, record type, and the rid of the other child of a co-missing pair."""
    partner = np.full(len(rid), -1)
    partner[alloc.first], partner[alloc.second] = alloc.second, alloc.first
    has_partner = np.flatnonzero(partner >= 0)
    return {
        "rid": rid,
        "pid": pid,
        "record_type": np.where(who.report, "missing_report", "incident_only"),
        "linked_rids": columns.lists(
            len(rid), has_partner, rid.to_numpy(dtype=object)[partner[has_partner]]
        ),
    }


def _person_columns(alloc: Allocation, who: Who, age: np.ndarray) -> dict[str, object]:
    """The child's (or adult's) details at the time of each incident."""
    persons, person = alloc.persons, who.person
    adult = who.stratum == ADULT
    return {
        "age": age,
        "gender": persons["gender"].to_numpy()[person],
        "ethnic_appearance": persons["ethnic_appearance"].to_numpy()[person],
        "in_care": persons["in_care"].to_numpy()[person],
        "responsible_authority": persons["responsible_authority"].to_numpy()[person],
        "out_of_area_placement": columns.optional_bool(
            persons["out_of_area_placement"].to_numpy()[person], adult
        ),
        "social_worker_allocated": columns.optional_bool(
            persons["social_worker_allocated"].to_numpy()[person], adult
        ),
    }


def _place_columns(alloc: Allocation, outcome: Outcome) -> dict[str, object]:
    """Where missing from and where found, who found the child and how."""
    found = outcome.found
    return {
        "missing_from_type": alloc.kind,
        "missing_from_place_id": alloc.places["place_id"].to_numpy(dtype=object)[alloc.place],
        "missing_from_postcode_sector": outcome.origin_sector,
        "missing_from_lat": np.round(outcome.origin_lat, 5),
        "missing_from_lon": np.round(outcome.origin_lon, 5),
        "found_by": outcome.by,
        "found_how": outcome.how,
        "found_location_type": outcome.location,
        "found_postcode_sector": found["found_postcode_sector"],
        "found_lat": np.round(found["found_lat"], 5),
        "found_lon": np.round(found["found_lon"], 5),
        "distance_miles": found["distance_miles"],
        "out_of_uk": found["out_of_uk"],
    }


def _vulnerability_columns(who: Who, vul: Vulnerability) -> dict[str, object]:
    """Risk flags, the person's warning markers, and the associates named."""
    n = len(who.person)
    marker_rows, marker_cols = np.nonzero(vul.person_markers[who.person] & who.report[:, None])
    return {
        "risk_flags": columns.lists_from_matrix(vul.flags, RISK_FLAGS),
        "markers": columns.lists(
            n, marker_rows, np.array(MARKERS, dtype=object)[marker_cols], null=~who.report
        ),
        "associate_ids": columns.lists(
            n,
            np.flatnonzero(vul.named),
            vul.associates["associate_id"].to_numpy(dtype=object)[vul.which[vul.named]],
        ),
    }


def _aftermath_columns(
    rng: np.random.Generator,
    who: Who,
    vul: Vulnerability,
    outcome: Outcome,
    initial: np.ndarray,
    clock: Clock,
) -> dict[str, object]:
    """Harm, crime, arrest, the police's workload and the interviews (drawn in this order)."""
    n, report, by = len(who.person), who.report, outcome.by
    harm = outcomes.harm(rng, n, outcome.fatal)
    victim_p = np.where(vul.exploited, P.VICTIM_OF_CRIME_EXPLOITED, P.VICTIM_OF_CRIME)
    victim = rng.random(n) < victim_p
    arrested_anyway = report & (by == "police") & (rng.random(n) < P.ARRESTED_FOUND_BY_POLICE)
    return {
        "harm": harm,
        "victim_of_crime": columns.optional_bool(victim, ~report),
        "arrested_while_missing": (outcome.how == "arrested") | arrested_anyway,
        "narratives_count": recording.narratives(rng, by, report),
        "tasks_count": recording.tasks(rng, initial, clock.reported, report),
        **recording.interviews(rng, who.child_report, clock.found_at, outcome.fatal, vul.exploited),
    }


def _last_of_person(person: np.ndarray, t: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """True on each person's last eligible incident."""
    rows = np.flatnonzero(eligible)
    order = rows[np.lexsort((t[rows], person[rows]))]
    last = np.zeros(len(person), dtype=bool)
    if len(order):
        ends = np.append(person[order][1:] != person[order][:-1], True)
        last[order[ends]] = True
    return last


def _linked_ids(link: np.ndarray, names: np.ndarray) -> pd.Series:
    rows, cols = np.nonzero(link >= 0)
    return columns.lists(len(link), rows, names[link[rows, cols]])


def _truth(
    alloc: Allocation, demand: Demand, associates: Associates, incidents: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Ground truth for evaluating models: people, bursts, placements, associates, effects."""
    people = _people_truth(alloc, associates)
    return {
        "children": people[people["stratum"] != "adult"].reset_index(drop=True),
        "adults": people[people["stratum"] == "adult"].reset_index(drop=True),
        "associates": _associate_truth(alloc, associates),
        "bursts": _burst_truth(alloc),
        "placements": _placement_truth(alloc),
        "places": alloc.places[["place_id", "kind", "sector", "lat", "lon"]],
        "incidents": incidents,
        "demand": _demand_truth(alloc, demand),
        "effects": _effects_truth(),
    }


def _when(alloc: Allocation, days: object) -> pd.Series:
    """Days since the range start as timestamps (to the second)."""
    t0 = pd.Timestamp(alloc.cal.start)
    seconds = np.round(np.asarray(days, dtype=float) * 86400).astype(np.int64)
    return pd.Series(t0.to_datetime64() + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")


def _people_truth(alloc: Allocation, associates: Associates) -> pd.DataFrame:
    """One row per person: stratum, latent pattern and rate, spell, traits, links, reports."""
    persons, place_table = alloc.persons, alloc.places
    is_report = alloc.inc["record_type"].to_numpy() == episodes.REPORT
    reports = np.bincount(alloc.inc["person"].to_numpy()[is_report], minlength=len(persons))
    home = persons["home_place"].to_numpy()
    return pd.DataFrame(
        {
            "pid": persons["pid"].to_numpy(dtype=object),
            "stratum": np.array(STRATA, dtype=object)[persons["stratum"].to_numpy()],
            "kind": persons["kind"].to_numpy(),
            "pattern": persons["pattern"].to_numpy(),
            "rate_per_year": persons["rate"].to_numpy(),
            "rate_quantile": persons["rate_quantile"].to_numpy(),
            "active_from": _when(alloc, persons["active_from"]),
            "active_to": _when(alloc, persons["active_to"]),
            "ceased_in_range": persons["active_to"].to_numpy() < alloc.cal.days,
            "birth_date": _when(alloc, persons["birth"]).dt.normalize(),
            "gender": persons["gender"].to_numpy(),
            "ethnic_appearance": persons["ethnic_appearance"].to_numpy(),
            "in_care": persons["in_care"].to_numpy(),
            "responsible_authority": persons["responsible_authority"].to_numpy(),
            "out_of_area_placement": persons["out_of_area_placement"].to_numpy(),
            "social_worker_allocated": persons["social_worker_allocated"].to_numpy(),
            "peer_group": persons["peer_group"].to_numpy(),
            "home_place_id": place_table["place_id"].to_numpy()[home],
            "home_sector": place_table["sector"].to_numpy()[home],
            **{c: persons[c].to_numpy() for c in persons.columns if c.startswith("carrier_")},
            "exploitation_risk": persons["exploitation_risk"].to_numpy(),
            "associate_ids": _linked_ids(
                associates.link, associates.table["associate_id"].to_numpy(dtype=object)
            ),
            "reports": reports,
        }
    )


def _associate_truth(alloc: Allocation, associates: Associates) -> pd.DataFrame:
    """Each associate with the children linked to them and how often they were named."""
    pid = alloc.persons["pid"].to_numpy(dtype=object)
    link = associates.link
    drawn = pd.DataFrame(
        {"associate": np.concatenate([link[:, 0], link[:, 1]]), "pid": np.concatenate([pid, pid])}
    )
    drawn = drawn[drawn["associate"] >= 0]
    drawn = drawn.drop_duplicates().sort_values(["associate", "pid"])
    n = len(associates.table)
    return associates.table.assign(
        children=columns.lists(
            n, drawn["associate"].to_numpy(), drawn["pid"].to_numpy(dtype=object)
        ),
        n_children=np.bincount(drawn["associate"].to_numpy(), minlength=n),
        incidents_named=np.bincount(associates.named["associate"].to_numpy(), minlength=n),
    )


def _burst_truth(alloc: Allocation) -> pd.DataFrame:
    bursts = alloc.people.bursts
    pid = alloc.persons["pid"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "pid": pid[bursts["person"].to_numpy()],
            "kind": bursts["kind"].to_numpy(),
            "start": _when(alloc, bursts["start"]),
            "end": _when(alloc, bursts["end"]),
            "rate_per_year": bursts["rate"].to_numpy() * YEAR,
        }
    )


def _placement_truth(alloc: Allocation) -> pd.DataFrame:
    history, place_table = alloc.placements, alloc.places
    pid = alloc.persons["pid"].to_numpy(dtype=object)
    place = history["place"].to_numpy()
    return pd.DataFrame(
        {
            "pid": pid[history["person"].to_numpy()],
            "place_id": place_table["place_id"].to_numpy()[place],
            "place_kind": place_table["kind"].to_numpy()[place],
            "sector": place_table["sector"].to_numpy()[place],
            "start": _when(alloc, history["start"]),
        }
    )


def _demand_truth(alloc: Allocation, demand: Demand) -> pd.DataFrame:
    """Per year and stratum: reports allocated, distinct people aimed at, the demand scale."""
    return pd.DataFrame(
        [
            {
                "year": year,
                "stratum": STRATA[s],
                "reports": int(demand.reports[i, s]),
                "distinct_target": float(demand.distinct[i, s]),
                "demand_scale": float(alloc.demand_scale[i, s]),
                "incident_only_all": int(demand.incident_only[i]),
            }
            for i, (year, _, _) in enumerate(alloc.cal.years)
            for s in range(len(STRATA))
        ]
    )


def _effects_truth() -> pd.DataFrame:
    """The effects injected on purpose, for evaluating the models that should find them."""
    return pd.DataFrame(
        [
            ("task_review_date", P.TASK_REVIEW_DATE, "tasks before it x TASKS_BEFORE_REVIEW"),
            (
                "tasks_before_review_high",
                P.TASKS_BEFORE_REVIEW["high"],
                "multiplier on Table 9 mean",
            ),
            (
                "tasks_before_review_medium",
                P.TASKS_BEFORE_REVIEW["medium"],
                "multiplier on Table 9 mean",
            ),
            ("long_episode_probability", P.LONG_PROBABILITY, "no exploiter named"),
            ("long_episode_probability_exploiter", P.LONG_PROBABILITY_EXPLOITER, "exploiter named"),
            ("exploiter_distance_boost", P.EXPLOITER_DISTANCE_BOOST, "odds of >10 miles"),
            ("delay_defer_deploy_year", 2021, "incident_only rows rise from 2021 (Table 1)"),
        ],
        columns=["effect", "value", "note"],
    ).astype({"value": str})


def truth_folder(out: str | Path) -> Path:
    """Where the truth of a data set written to `out` goes: `<out without suffix>.truth/`."""
    out = Path(out)
    return out.with_suffix(".truth") if out.suffix else out.parent / f"{out.name}.truth"


def write_synthetic(result: Synthetic, out: str | Path) -> tuple[Path, Path]:
    """Write the incidents (atomically) and the truth folder beside them; returns both paths."""
    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise ValueError(f"{out}: output must end in .parquet or .csv")
    folder = truth_folder(out)
    staging = folder.with_name(f".{folder.name}.part")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for name, table in result.truth.items():
            pq.write_table(
                pa.Table.from_pandas(table, preserve_index=False), staging / f"{name}.parquet"
            )
        write_incidents(result.incidents, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return out, folder
