"""Arrow-backed id and list columns built without a Python loop per row."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """'P000123'-style ids: prefix and zero-padded numbers (wider when the numbers need it)."""
    numbers = np.asarray(numbers)
    width = max(width, len(str(int(numbers.max())))) if len(numbers) else width
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pd.Series(pc.binary_join_element_wise(prefix, text, "").to_numpy(zero_copy_only=False))


def lists(
    n: int, rows: np.ndarray, values: np.ndarray, null: np.ndarray | None = None
) -> pd.Series:
    """A list column from (row, value) pairs; rows in `null` are unknown rather than empty."""
    rows = np.asarray(rows, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int32)
    mask = None if null is None else pa.array(null)
    array = pa.ListArray.from_arrays(
        pa.array(offsets), pa.array(values[order], pa.string()), mask=mask
    )
    return pd.Series(pd.arrays.ArrowExtensionArray(array))


def lists_from_matrix(matrix: np.ndarray, names: Sequence[str]) -> pd.Series:
    """A list column naming the True cells of each row of a boolean matrix."""
    rows, cols = np.nonzero(matrix)
    return lists(len(matrix), rows, np.array(names, dtype=object)[cols])


def optional_bool(values: np.ndarray, unknown: np.ndarray) -> pd.arrays.BooleanArray:
    """A nullable boolean column: `values`, with the rows in `unknown` missing."""
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.asarray(unknown, dtype=bool))
