"""Disclosure control: no suppressed cell can be worked out from the published totals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from misper.report import suppression as sup


def attack(values, mask, rows_known, cols_known):
    """Suppressed cells an attacker pins down: min == max of the cell by linear programming over
    counts >= 0 given every published cell and total (independent of the module's null-space
    test)."""
    values = np.asarray(values, dtype=float)
    r, c = values.shape
    table = np.zeros((r + 1, c + 1))
    table[:r, :c] = values
    table[:r, c] = values.sum(axis=1)
    table[r, :] = table[:r, :].sum(axis=0)
    unknown = mask.copy()
    if not rows_known:
        unknown[:r, c] = True
    if not cols_known:
        unknown[r, :c] = True
    if not (rows_known or cols_known):
        unknown[r, c] = True
    names = [tuple(x) for x in np.argwhere(unknown)]
    index = {cell: k for k, cell in enumerate(names)}
    a, b = [], []
    for line in [[(i, j) for j in range(c)] + [(i, c)] for i in range(r + 1)] + [
        [(i, j) for i in range(r)] + [(r, j)] for j in range(c + 1)
    ]:
        row, rhs = np.zeros(len(names)), 0.0
        for k, cell in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if cell in index:
                row[index[cell]] += sign
            else:
                rhs -= sign * table[cell]
        if row.any():
            a.append(row)
            b.append(rhs)
    pinned = []
    for cell in [tuple(x) for x in np.argwhere(mask)]:
        goal = np.zeros(len(names))
        goal[index[cell]] = 1
        if not a:
            continue
        low = linprog(goal, A_eq=a, b_eq=b, bounds=(0, None))
        high = linprog(-goal, A_eq=a, b_eq=b, bounds=(0, None))
        if high.status == 0 and -high.fun - low.fun < 1e-6:  # status 3: unbounded, not pinned
            pinned.append(cell)
    return pinned


tables = arrays(
    np.int64,
    st.tuples(st.integers(1, 5), st.integers(1, 5)),
    elements=st.sampled_from([0, 1, 2, 3, 4, 5, 7, 12, 30]),
)


@settings(max_examples=80, deadline=None)
@given(tables, st.booleans(), st.booleans())
def test_no_suppressed_cell_recoverable_from_totals(values, rows_known, cols_known):
    try:
        mask = sup.suppress(values, rows_known=rows_known, cols_known=cols_known)
    except sup.DisclosureError:
        # Refusing is allowed only when the totals themselves give away a small count.
        assert sup.primary(values).any()
        return
    small = sup.primary(values)
    assert mask[:-1, :-1][small].all(), "every small count is suppressed"
    assert attack(values, mask, rows_known, cols_known) == []


@settings(max_examples=60, deadline=None)
@given(arrays(np.int64, st.integers(1, 12), elements=st.integers(0, 40)))
def test_column_with_published_total(values):
    try:
        mask = sup.suppress_column(values)
    except sup.DisclosureError:
        assert 0 < values.sum() < sup.THRESHOLD
        return
    assert not ((values > 0) & (values < 5) & ~mask).any()
    full = np.zeros((len(values) + 1, 2), dtype=bool)
    full[:-1, 0] = mask
    assert attack(values.reshape(-1, 1), full, False, True) == []


def test_single_small_cell_gets_a_partner_in_its_row_and_column():
    values = np.array([[10, 2, 20], [30, 40, 50], [6, 60, 70]])
    mask = sup.suppress(values, rows_known=True, cols_known=True)
    # the 2 needs a partner in row 0 (the 10), which then needs one in column 0 (the 6) and so on
    assert mask[0, 1] and mask.sum() >= 4 and not mask[-1, -1]
    assert attack(values, mask, True, True) == []


def test_zero_is_not_suppressed_and_large_counts_stand():
    values = np.array([[0, 8], [9, 10]])
    assert not sup.suppress(values, rows_known=True, cols_known=True).any()


def test_not_counts_is_an_error_not_an_assert():
    with pytest.raises(sup.DisclosureError, match="whole numbers"):
        sup.suppress(np.array([[1.5, 2]]), rows_known=True, cols_known=True)
    with pytest.raises(sup.TooFewToPublish, match="too few"):
        sup.suppress_column(np.array([3, 0]))  # the total (3) is the small count itself
    assert sup.suppress_all(np.array([[3, 0]])).tolist() == [
        [True, False, True],
        [True, False, True],
    ]
