"""Disclosure control for published output: small counts shown as "<5", with secondary suppression.

One module, named constants, on by `--publish`. A table of counts is published with its row
totals, column totals or neither; the totals are cells too. Every count of 1-4 that could
identify a child, inside or in a total, is suppressed (primary); then more cells are suppressed
until no suppressed cell can be worked out exactly from what is published (secondary). A
suppressed cell is recoverable when its unit vector lies in the row space of the sum equations
restricted to the suppressed cells (its coordinate vanishes on their null space). Zeros are never
suppressed, so every suppressed cell is positive and the bounds (counts >= 0) cannot pin one that
the equations leave free. The grand total is always published: a table whose total is itself
below the threshold cannot be published.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import null_space

THRESHOLD = 5  # counts 1..THRESHOLD-1 are suppressed; zero says nothing about a child
SUPPRESSED = "<5"  # shown in place of a count below the threshold
SECONDARY = (
    "[c]"  # shown in place of a larger count (or a share, mean or total) hidden to protect one
)
_EPS = 1e-7


class DisclosureError(ValueError):
    """A table cannot be published safely, or what was given is not a table of counts."""


class TooFewToPublish(DisclosureError):
    """The table's own total (or what is left of it) would reveal a small count."""


def extend(values: np.ndarray) -> np.ndarray:
    """The table with a last column of row totals, a last row of column totals, the grand total."""
    table = np.column_stack([values, values.sum(axis=1)])
    return np.vstack([table, table.sum(axis=0)])


def equations(shape: tuple[int, int]) -> np.ndarray:
    """Every total of the extended table as an equation over its cells (flattened)."""
    rows, cols = shape
    out = []
    for i in range(rows):  # each row's cells sum to its last cell
        eq = np.zeros(shape)
        eq[i, :-1] = 1
        eq[i, -1] = -1
        out.append(eq.ravel())
    for j in range(cols):
        eq = np.zeros(shape)
        eq[:-1, j] = 1
        eq[-1, j] = -1
        out.append(eq.ravel())
    return np.array(out)


def hidden(shape: tuple[int, int], rows_known: bool, cols_known: bool) -> np.ndarray:
    """Totals that are not published at all (unknown to a reader, but not marked "<5")."""
    out = np.zeros(shape, dtype=bool)
    if not rows_known:
        out[:-1, -1] = True
    if not cols_known:
        out[-1, :-1] = True
    return out


def _check(values, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise DisclosureError(
            f"{name}: expected a 2-D table of counts, got {values.ndim} dimension(s)"
        )
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise DisclosureError(f"{name}: counts must be whole numbers >= 0")
    return values


def primary(values: np.ndarray) -> np.ndarray:
    """Cells holding a small non-zero count."""
    values = np.asarray(values)
    return (values > 0) & (values < THRESHOLD)


def recoverable(mask: np.ndarray) -> np.ndarray:
    """Cells of `mask` (unknown cells of the extended table) the other cells determine exactly."""
    out = np.zeros(mask.shape, dtype=bool)
    cells = np.flatnonzero(mask)
    if len(cells) == 0:
        return out
    unknown = equations(mask.shape)[:, cells]
    unknown = unknown[np.abs(unknown).sum(axis=1) > 0]
    free = null_space(unknown)
    fixed = np.abs(free).max(axis=1, initial=0.0) < _EPS
    out.ravel()[cells[fixed]] = True
    return out


def _partner(table: np.ndarray, open_: np.ndarray, cell: tuple[int, int]):
    """The cell to suppress next to protect `cell`: the smallest open non-zero count in its row or
    column, else in the whole table."""
    i, j = cell
    lines = np.zeros(open_.shape, dtype=bool)
    lines[i, :] = True
    lines[:, j] = True
    for pool in (lines & open_ & (table > 0), open_ & (table > 0)):
        if pool.any():
            candidates = np.argwhere(pool)
            return tuple(candidates[np.argmin(table[pool])])
    return None


def suppress(values, *, rows_known: bool, cols_known: bool, name: str = "table") -> np.ndarray:
    """Mask over the extended table (see `extend`) of cells to publish as SUPPRESSED.

    rows_known / cols_known: whether row / column totals are published (here or elsewhere in the
    report); the grand total is published whenever either is. With neither (counts that do not
    add up, such as children per year), only the small counts themselves are suppressed.
    """
    values = _check(values, name)
    table = extend(values)
    if not (rows_known or cols_known):
        mask = primary(table)
        mask[:, -1] = mask[-1, :] = False
        return mask
    if 0 < table[-1, -1] < THRESHOLD:
        raise TooFewToPublish(
            f"{name}: only {SUPPRESSED} incidents in all; too few incidents to publish"
        )
    unpublished = hidden(table.shape, rows_known, cols_known)
    mask = primary(table) & ~unpublished
    mask[-1, -1] = False  # the grand total is published
    while True:
        exposed = recoverable(mask | (unpublished & (table > 0))) & mask
        if not exposed.any():
            return mask
        open_ = ~(mask | unpublished)
        open_[-1, -1] = False
        partner = _partner(table, open_, tuple(np.argwhere(exposed)[0]))
        if partner is None:
            raise TooFewToPublish(
                f"{name}: its totals reveal a small count; too few incidents to publish"
            )
        mask[partner] = True


def suppress_all(values) -> np.ndarray:
    """Mask hiding every non-zero cell and total: the fallback for a table too small to publish."""
    return extend(_check(values, "table")) > 0


def suppress_column(values, *, total_known: bool = True, name: str = "table") -> np.ndarray:
    """Mask over a single column of counts (its total is published when total_known)."""
    column = np.asarray(values, dtype=float).reshape(-1, 1)
    mask = suppress(column, rows_known=False, cols_known=total_known, name=name)
    return mask[: len(column), 0]
