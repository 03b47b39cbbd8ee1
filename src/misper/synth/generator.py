"""The calibrated synthetic generator: people -> episodes -> canonical incident table + ground truth.

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


def default_incidents(start: date = DEFAULT_START, end: date = DEFAULT_END) -> int:
    """Under-18 reports the published demand gives over [start, end] (9,184 for 2019-2022)."""
    return int(round(sum(t.reports_u18 for t in calibration.year_targets(start, end))))


def generate(
    incidents: int | None = None,
    seed: int = 0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
) -> Synthetic:
    """Generate a synthetic force's incidents over [start, end] (inclusive); deterministic per seed."""
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
    reports, distinct, incident_only = _cells(targets, scale, n_u18)

    people = _people(rng, cal, scale, reports, distinct)
    persons, segments = people.persons, people.segments
    sectors = geography.sectors()
    places.care_characteristics(rng, persons)
    place_table = places.build_places(rng, persons, sectors)
    history = places.placements(rng, persons, place_table)
    places.peer_groups(rng, persons)
    stratum_of = persons["stratum"].to_numpy()

    inc, demand_scale = episodes.allocate(rng, cal, segments, stratum_of, reports, incident_only)
    inc["segment_kind"] = segments["kind"].to_numpy()[inc["segment"].to_numpy()]
    care_share = reports[:, CARE].sum() / reports[:, :ADULT].sum()
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
    inc, kind, t, place = (
        inc.iloc[order].reset_index(drop=True),
        kind[order],
        t[order],
        place[order],
    )
    first, second = rank[first], rank[second]

    frame, truth_incidents, associates = _episodes_frame(
        rng,
        cal,
        inc,
        persons,
        place_table,
        sectors,
        kind,
        t,
        place,
        first,
        second,
        n_u18 / calibration.reference()["dataset"]["u18_incidents_2019_2022"],
    )
    report_counts = np.bincount(
        inc["person"].to_numpy()[inc["record_type"].to_numpy() == episodes.REPORT],
        minlength=len(persons),
    )
    truth = _truth(
        persons,
        people.bursts,
        history,
        place_table,
        associates,
        report_counts,
        truth_incidents,
        demand_scale,
        reports,
        distinct,
        incident_only,
        cal,
        start,
    )
    return Synthetic(incidents=frame, truth=truth, seed=seed)


def _cells(targets, scale: float, n_u18: int):
    """Integer reports per year x stratum (children's summing exactly to n_u18), distinct, unconverted."""
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
    return reports, distinct, incident_only


def _people(rng, cal: Calendar, scale: float, reports: np.ndarray, distinct: np.ndarray) -> People:
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
    persons = pd.concat(persons)
    segments = pd.concat(segments, ignore_index=True)
    segments = segments[segments["end"] > segments["start"]].reset_index(drop=True)
    return People(persons, segments, people.bursts)


def _episodes_frame(
    rng, cal, inc, persons, place_table, sectors, kind, t, place, first, second, death_scale
):
    """Every column of the canonical table for the allocated incidents."""
    n = len(inc)
    person = inc["person"].to_numpy()
    record_type = inc["record_type"].to_numpy()
    stratum = persons["stratum"].to_numpy()[person]
    report = record_type == episodes.REPORT
    child_report = report & (stratum != ADULT)
    adult_report = report & (stratum == ADULT)
    u18_reports = np.bincount(person[child_report], minlength=len(persons))

    traits.carriers(rng, persons, u18_reports)
    persons["ethnic_appearance"] = traits.ethnic_appearance(rng, persons, u18_reports)
    traits.transgender(rng, persons, u18_reports)
    traits.care_orders(rng, persons, u18_reports)
    person_markers = traits.markers(rng, persons)
    associates, link = traits.associates(rng, persons, u18_reports)
    flags = traits.incident_flags(rng, person, persons, child_report, record_type)
    flag = {f: flags[:, k] for k, f in enumerate(RISK_FLAGS)}

    # Associates named on the report: an exploiter on many of an exploited child's reports.
    n_exploiters = int(associates["is_exploiter"].sum())
    which = np.where(
        (link[person, 1] >= 0) & (rng.random(n) < 0.5), link[person, 1], link[person, 0]
    )
    exploited = persons["exploitation_risk"].to_numpy()[person]
    named_p = np.where(exploited, P.EXPLOITER_NAMED, P.ASSOCIATE_NAMED)
    named = report & (which >= 0) & (rng.random(n) < named_p)
    exploiter = named & (which < n_exploiters)

    birth = persons["birth"].to_numpy()[person]
    age = np.floor((t - birth) / YEAR).astype(np.int64)
    hours, scenario = episodes.durations(rng, t, age, record_type, exploiter)
    hours[second] = np.maximum(
        hours[first] + (t[first] - t[second]) * 24 + rng.uniform(0, 0.25, len(second)), 0.1
    )
    scenario[second] = scenario[first]

    by = outcomes.found_by(rng, scenario, exploiter, kind, child_report)
    how = outcomes.found_how(rng, by)
    location, at_origin = outcomes.found_location(rng, by, how, kind, exploiter)
    lat = place_table["lat"].to_numpy()[place]
    lon = place_table["lon"].to_numpy()[place]
    origin_sector = place_table["sector"].to_numpy(dtype=object)[place]
    found = outcomes.distances(
        rng, at_origin, exploiter, lat, lon, sectors, origin_sector, child_report
    )
    # The second of a pair is found with the first: same place, same people finding them.
    by[second], how[second] = by[first], how[first]
    same_place = place[first] == place[second]
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

    last_report = _last_of_person(person, t, child_report)
    paired = np.zeros(n, dtype=bool)
    paired[first], paired[second] = True, True
    fatal = np.zeros(n, dtype=bool)
    fatal[
        outcomes.fatal_incidents(
            rng, np.flatnonzero(last_report & flag["suicide"] & ~paired), death_scale
        )
    ] = True
    by[fatal], how[fatal], location[fatal] = "other", "other", "other"
    initial, final = recording.risk(
        rng,
        child_report,
        adult_report,
        flag["cse"] | flag["county_lines"] | flag["suicide"],
        age < 12,
    )

    t0 = np.datetime64(cal.start, "m")
    minute = np.floor(t * 1440).astype(np.int64)
    reported = pd.Series((t0 + minute.astype("timedelta64[m]")).astype("datetime64[ns]"))
    found_at = pd.Series(
        (
            t0
            + (minute + np.maximum(np.round(hours * 60), 1).astype(np.int64)).astype(
                "timedelta64[m]"
            )
        ).astype("datetime64[ns]")
    )
    lag_median, lag_sigma, lag_cap = P.REPORT_LAG_HOURS
    lag = np.minimum(
        lag_median
        * np.where(kind == "care_home", 1.5, 1.0)
        * np.exp(lag_sigma * rng.standard_normal(n)),
        lag_cap,
    )
    last_seen = reported - np.round(lag * 60).astype(np.int64).astype("timedelta64[m]")

    stratum_kind = np.array(["home", "care", "adult"], dtype=object)[stratum]
    reason_rows, reason_values = recording.reason_codes(
        rng, scenario, stratum_kind, exploited, persons["carrier_suicide"].to_numpy()[person]
    )
    vul_rows, vul_values = recording.reason_vulnerability(
        rng, flag, child_report, int(child_report.sum())
    )
    circumstances, found_text = recording.texts(scenario, how)
    found_text[fatal] = "Found deceased."

    rid = columns.ids("R", np.arange(1, n + 1), 8)
    pid_number = rng.permutation(len(persons)) + 1
    persons["pid"] = columns.ids("P", pid_number, 6).to_numpy()
    partner = np.full(n, -1)
    partner[first], partner[second] = second, first
    has_partner = np.flatnonzero(partner >= 0)
    marker_rows, marker_cols = np.nonzero(person_markers[person] & report[:, None])

    data = {
        "rid": rid,
        "pid": persons["pid"].to_numpy()[person],
        "record_type": np.where(report, "missing_report", "incident_only"),
        "reported_at": reported,
        "last_seen_at": last_seen,
        "found_at": found_at,
        "age": age,
        "gender": persons["gender"].to_numpy()[person],
        "ethnic_appearance": persons["ethnic_appearance"].to_numpy()[person],
        "in_care": persons["in_care"].to_numpy()[person],
        "responsible_authority": persons["responsible_authority"].to_numpy()[person],
        "out_of_area_placement": columns.optional_bool(
            persons["out_of_area_placement"].to_numpy()[person], stratum == ADULT
        ),
        "social_worker_allocated": columns.optional_bool(
            persons["social_worker_allocated"].to_numpy()[person], stratum == ADULT
        ),
        "missing_from_type": kind,
        "missing_from_place_id": place_table["place_id"].to_numpy(dtype=object)[place],
        "missing_from_postcode_sector": origin_sector,
        "missing_from_lat": np.round(lat, 5),
        "missing_from_lon": np.round(lon, 5),
        "risk_initial": initial,
        "risk_final": final,
        "found_by": by,
        "found_how": how,
        "found_location_type": location,
        "found_postcode_sector": found["found_postcode_sector"],
        "found_lat": np.round(found["found_lat"], 5),
        "found_lon": np.round(found["found_lon"], 5),
        "distance_miles": found["distance_miles"],
        "out_of_uk": found["out_of_uk"],
        "harm": outcomes.harm(rng, n, fatal),
        "victim_of_crime": columns.optional_bool(
            rng.random(n) < np.where(exploited, 0.12, 0.03), ~report
        ),
        "arrested_while_missing": (how == "arrested")
        | (report & (by == "police") & (rng.random(n) < 0.02)),
        "risk_flags": columns.lists_from_matrix(flags, RISK_FLAGS),
        "reason_vulnerability": columns.lists(n, vul_rows, vul_values, null=~report),
        "reason_codes": columns.lists(n, reason_rows, reason_values, null=~report),
        "markers": columns.lists(
            n, marker_rows, np.array(MARKERS, dtype=object)[marker_cols], null=~report
        ),
        "circumstances_text": circumstances,
        "found_text": found_text,
        "narratives_count": recording.narratives(rng, by, report),
        "tasks_count": recording.tasks(rng, initial, reported, report),
        "linked_rids": columns.lists(
            n, has_partner, rid.to_numpy(dtype=object)[partner[has_partner]]
        ),
        "associate_ids": columns.lists(
            n,
            np.flatnonzero(named),
            associates["associate_id"].to_numpy(dtype=object)[which[named]],
        ),
        **recording.interviews(rng, child_report, found_at, fatal, exploited),
    }
    frame = to_canonical(pd.DataFrame(data))
    truth_incidents = pd.DataFrame(
        {
            "rid": rid.to_numpy(dtype=object),
            "pid": data["pid"],
            "scenario": scenario,
            "segment_kind": inc["segment_kind"].to_numpy(),
            "exploiter_named": exploiter,
            "associate_named": named,
            "co_missing": paired,
            "fatal": fatal,
        }
    )
    named_rows = pd.DataFrame({"associate": which[named], "pid": data["pid"][named]})
    return frame, truth_incidents, (associates, link, named_rows)


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
    persons,
    bursts,
    history,
    place_table,
    associate_parts,
    report_counts,
    truth_incidents,
    demand_scale,
    reports,
    distinct,
    incident_only,
    cal,
    start,
) -> dict[str, pd.DataFrame]:
    """Ground truth for evaluating models: people, bursts, placements, associates, injected effects."""
    associates, link, named_rows = associate_parts
    t0 = pd.Timestamp(start)

    def when(days):
        seconds = np.round(np.asarray(days, dtype=float) * 86400).astype(np.int64)
        return pd.Series(t0.to_datetime64() + seconds.astype("timedelta64[s]")).astype(
            "datetime64[ns]"
        )

    pid = persons["pid"].to_numpy(dtype=object)
    people = pd.DataFrame(
        {
            "pid": pid,
            "stratum": np.array(STRATA, dtype=object)[persons["stratum"].to_numpy()],
            "kind": persons["kind"].to_numpy(),
            "pattern": persons["pattern"].to_numpy(),
            "rate_per_year": persons["rate"].to_numpy(),
            "rate_quantile": persons["rate_quantile"].to_numpy(),
            "active_from": when(persons["active_from"]),
            "active_to": when(persons["active_to"]),
            "ceased_in_range": persons["active_to"].to_numpy() < cal.days,
            "birth_date": when(persons["birth"]).dt.normalize(),
            "gender": persons["gender"].to_numpy(),
            "ethnic_appearance": persons["ethnic_appearance"].to_numpy(),
            "in_care": persons["in_care"].to_numpy(),
            "responsible_authority": persons["responsible_authority"].to_numpy(),
            "out_of_area_placement": persons["out_of_area_placement"].to_numpy(),
            "social_worker_allocated": persons["social_worker_allocated"].to_numpy(),
            "peer_group": persons["peer_group"].to_numpy(),
            "home_place_id": place_table["place_id"].to_numpy()[persons["home_place"].to_numpy()],
            "home_sector": place_table["sector"].to_numpy()[persons["home_place"].to_numpy()],
            **{c: persons[c].to_numpy() for c in persons.columns if c.startswith("carrier_")},
            "exploitation_risk": persons["exploitation_risk"].to_numpy(),
            "associate_ids": _linked_ids(link, associates["associate_id"].to_numpy(dtype=object)),
            "reports": report_counts,
        }
    )
    children = people[people["stratum"] != "adult"].reset_index(drop=True)
    adults = people[people["stratum"] == "adult"].reset_index(drop=True)

    drawn = pd.DataFrame(
        {"associate": np.concatenate([link[:, 0], link[:, 1]]), "pid": np.concatenate([pid, pid])}
    )
    drawn = drawn[drawn["associate"] >= 0]
    drawn = drawn.drop_duplicates().sort_values(["associate", "pid"])
    n_associates = len(associates)
    associate_table = associates.assign(
        children=columns.lists(
            n_associates, drawn["associate"].to_numpy(), drawn["pid"].to_numpy(dtype=object)
        ),
        n_children=np.bincount(drawn["associate"].to_numpy(), minlength=n_associates),
        incidents_named=np.bincount(named_rows["associate"].to_numpy(), minlength=n_associates),
    )

    burst_table = pd.DataFrame(
        {
            "pid": pid[bursts["person"].to_numpy()],
            "kind": bursts["kind"].to_numpy(),
            "start": when(bursts["start"]),
            "end": when(bursts["end"]),
            "rate_per_year": bursts["rate"].to_numpy() * YEAR,
        }
    )
    placement_table = pd.DataFrame(
        {
            "pid": pid[history["person"].to_numpy()],
            "place_id": place_table["place_id"].to_numpy()[history["place"].to_numpy()],
            "place_kind": place_table["kind"].to_numpy()[history["place"].to_numpy()],
            "sector": place_table["sector"].to_numpy()[history["place"].to_numpy()],
            "start": when(history["start"]),
        }
    )
    years = [y for y, _, _ in cal.years]
    demand = pd.DataFrame(
        [
            {
                "year": y,
                "stratum": STRATA[s],
                "reports": int(reports[i, s]),
                "distinct_target": float(distinct[i, s]),
                "demand_scale": float(demand_scale[i, s]),
                "incident_only_all": int(incident_only[i]),
            }
            for i, y in enumerate(years)
            for s in range(len(STRATA))
        ]
    )
    effects = pd.DataFrame(
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
    return {
        "children": children,
        "adults": adults,
        "associates": associate_table,
        "bursts": burst_table,
        "placements": placement_table,
        "places": place_table[["place_id", "kind", "sector", "lat", "lon"]],
        "incidents": truth_incidents,
        "demand": demand,
        "effects": effects,
    }


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
