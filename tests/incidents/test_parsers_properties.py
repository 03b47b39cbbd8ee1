"""Property-based tests of the cell parsers: round trips, and no input makes them crash."""

import datetime as dt
import re
import string

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from misper.incidents.errors import Problems
from misper.incidents.schema import BY_NAME, RISK_FLAGS
from misper.incidents.validate import Options, Tally, parse_chunk

OPTIONS = Options(
    true_values=frozenset({"yes", "true", "y", "1"}),
    false_values=frozenset({"no", "false", "n", "0"}),
)
moments = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2025, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


def parse(column: str, cells: list) -> tuple[pd.Series, Problems]:
    problems = Problems(limit=10_000)
    frame = parse_chunk(
        pd.DataFrame({column: pd.Series(cells, dtype=object)}), 2, OPTIONS, problems, Tally()
    )
    return frame[column], problems


@given(st.lists(moments, min_size=1, max_size=20))
def test_iso_datetimes_round_trip(values):
    parsed, problems = parse("reported_at", [v.strftime("%Y-%m-%dT%H:%M") for v in values])
    assert not problems
    assert list(parsed) == [pd.Timestamp(v) for v in values]


@given(moments, st.integers(-12, 12))
def test_offsets_become_london_time(moment, hours):
    offset = dt.timezone(dt.timedelta(hours=hours))
    text = moment.replace(tzinfo=offset).isoformat(timespec="minutes")
    parsed, problems = parse("found_at", [text])
    expected = (
        pd.Timestamp(moment.replace(tzinfo=offset)).tz_convert("Europe/London").tz_localize(None)
    )
    assert not problems and parsed.iloc[0] == expected


@given(
    st.lists(st.lists(st.sampled_from(RISK_FLAGS), max_size=5), min_size=1, max_size=20),
    st.sampled_from(["", " ", "  "]),
)
def test_lists_round_trip_whatever_the_spacing(lists, pad):
    cells = [
        (";" + pad).join(pad + item.upper() for item in items) if items else ";" for items in lists
    ]
    parsed, problems = parse("risk_flags", cells)
    assert not problems
    assert [list(v) for v in parsed] == lists


@given(st.lists(st.text(max_size=12), min_size=1, max_size=30))
def test_any_text_in_an_enum_is_parsed_or_reported_never_crashes(cells):
    parsed, problems = parse("gender", cells)
    allowed = set(BY_NAME["gender"].values)
    bad = [c for c in cells if c.strip() and c.strip().lower() not in allowed]
    assert problems.total == len(bad)
    assert parsed.isna().sum() == len(cells) - (
        len(cells) - len(bad) - sum(not c.strip() for c in cells)
    )


NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
ascii_text = st.text(alphabet=string.printable, max_size=6)


@given(
    st.lists(
        st.one_of(st.integers(-50, 200).map(str), st.floats(allow_nan=False).map(str), ascii_text),
        min_size=1,
        max_size=30,
    )
)
def test_ages_in_range_pass_everything_else_is_reported(cells):
    parsed, problems = parse("age", cells)

    def fine(cell):
        if not cell.strip():
            return False  # age is required
        if not NUMBER.fullmatch(cell):
            return False
        number = float(cell)
        return number == int(number) and 0 <= number <= 120 if abs(number) < 1e18 else False

    assert problems.total == sum(not fine(c) for c in cells)
    assert parsed.dropna().between(0, 120).all()


outward = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?", fullmatch=True)
inward = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True)


@settings(max_examples=50)
@given(st.lists(st.tuples(outward, inward, st.sampled_from(["", " "])), min_size=1, max_size=10))
def test_full_postcodes_become_their_sector(codes):
    parsed, problems = parse("missing_from_postcode_sector", [o + sep + i for o, i, sep in codes])
    assert not problems
    assert list(parsed) == [f"{o} {i[0]}" for o, i, _ in codes]
