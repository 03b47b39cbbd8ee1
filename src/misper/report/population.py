"""The population file (--population): the area's under-18s, children looked after, shares by
ethnic group and, optionally, recorded calls per year. Checked on load; every fault named."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Population:
    """The area's figures the rates need; None where they are not given."""

    u18_population: int | None = None
    children_looked_after: int | None = None
    ethnic_shares: Mapping[str, float] | None = None  # group -> share of the population
    recorded_calls: Mapping[int, int] | None = None  # year -> calls

    def filled_from(self, other: Population) -> Population:
        """This population with each figure it does not give taken from `other`."""
        mine = {f.name: getattr(self, f.name) for f in fields(self)}
        return Population(**{k: getattr(other, k) if v is None else v for k, v in mine.items()})


KEYS = tuple(f.name for f in fields(Population))


class PopulationFileError(ValueError):
    """The population file is unreadable or holds a wrong value (the message names which)."""


def load_population(path: str | Path) -> Population:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PopulationFileError(
            f"{path}: cannot read the population file ({exc.__class__.__name__})"
        ) from None
    if not isinstance(data, dict):
        raise PopulationFileError(f"{path}: expected a mapping with keys {', '.join(KEYS)}")
    problems = [
        f"unknown key {k!r} (expected one of {', '.join(KEYS)})" for k in data if k not in KEYS
    ]
    for key in ("u18_population", "children_looked_after"):
        if key in data and (
            not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 0
        ):
            problems.append(f"{key}: expected a whole number >= 0, got {data[key]!r}")
    if (
        isinstance(data.get("u18_population"), int)
        and isinstance(data.get("children_looked_after"), int)
        and data["children_looked_after"] > data["u18_population"]
    ):
        problems.append("children_looked_after is larger than u18_population")
    shares = data.get("ethnic_shares")
    if shares is not None:
        if not isinstance(shares, dict):
            problems.append("ethnic_shares: expected a mapping of group -> share of the population")
        else:
            for group, share in shares.items():
                if (
                    not isinstance(share, (int, float))
                    or isinstance(share, bool)
                    or not 0 <= share <= 1
                ):
                    problems.append(
                        f"ethnic_shares.{group}: expected a share between 0 and 1, got {share!r}"
                    )
            total = sum(v for v in shares.values() if isinstance(v, (int, float)))
            if total > 1.01:
                problems.append(f"ethnic_shares add up to {total:.3f}, more than 1")
    calls = data.get("recorded_calls")
    if calls is not None:
        if not isinstance(calls, dict):
            problems.append("recorded_calls: expected a mapping of year -> calls")
        else:
            for year, n in calls.items():
                if not isinstance(year, int) or not isinstance(n, int) or n < 0:
                    problems.append(
                        f"recorded_calls.{year}: expected year: whole number >= 0, got {n!r}"
                    )
    if problems:
        raise PopulationFileError(f"{path}: " + "; ".join(problems))
    return Population(**data)
