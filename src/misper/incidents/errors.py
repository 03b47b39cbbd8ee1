"""Problems found in an input file, collected (not stopped at the first), told as one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd


@dataclass(frozen=True)
class Problem:
    """One fault: where (row as a person counts it, header = row 1; column), what was expected."""

    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = ", ".join(
            p
            for p in (
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column}" if self.column else None,
            )
            if p
        )
        value = "" if self.value is None else f"{_shown(self.value)}: "
        return f"{where or 'file'}: {value}{self.expected}"


def _shown(value: str) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


@dataclass
class Problems:
    """Collects problems up to `limit` in detail and counts the rest."""

    limit: int = 50
    items: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append(problem)

    def add_mask(
        self, mask: npt.ArrayLike, rows: np.ndarray, column: str, values: pd.Series, expected: str
    ) -> None:
        """Add one problem per True in `mask` (vectorised checks call this once per rule)."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if not count:
            return
        room = max(self.limit - len(self.items), 0)
        for i in np.flatnonzero(mask)[:room]:
            v = values.iloc[i]
            self.items.append(Problem(int(rows[i]), column, None if _isna(v) else str(v), expected))
        self.total += count

    def __bool__(self) -> bool:
        return self.total > 0


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class IncidentFileError(Exception):
    """A refused file: every problem found (up to the limit), and the count of the rest."""

    def __init__(self, path: str | Path, problems: Problems):
        self.path = Path(path)
        self.problems = problems
        super().__init__(self._message())

    def _message(self) -> str:
        p = self.problems
        head = (
            f"{self.path} refused: {p.total} problem{'s' if p.total != 1 else ''} found; "
            f"nothing was written."
        )
        lines = [head] + [f"  {item}" for item in sorted(p.items, key=_order)]
        if p.total > len(p.items):
            lines.append(
                f"  ... and {p.total - len(p.items)} more (raise --max-errors to list them)"
            )
        return "\n".join(lines)


def _order(problem: Problem) -> tuple[int, str]:
    return (problem.row if problem.row is not None else -1, problem.column or "")
