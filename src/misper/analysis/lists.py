"""List columns (risk flags, reasons, markers) as indicator matrices: one fast pass over Arrow."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def indicator(
    series: pd.Series, values: tuple[str, ...]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(matrix, known): matrix[i, j] is True when incident i lists values[j]; known[i] when the
    cell is not null."""
    array = series.array.__arrow_array__()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    known = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    flat = pc.list_flatten(array)
    parents = np.asarray(pc.list_parent_indices(array).to_numpy(zero_copy_only=False))
    position = pc.index_in(flat, value_set=pa.array(values, type=pa.string()))
    column = np.asarray(position.fill_null(-1).to_numpy(zero_copy_only=False))
    listed = column >= 0
    matrix = np.zeros((len(series), len(values)), dtype=bool)
    matrix[parents[listed], column[listed]] = True
    return matrix, known
