"""--publish: small counts as "<5" in HTML and JSON, no pids, nothing recoverable from totals."""

import json

import numpy as np
from scipy.optimize import linprog

from misper.report import suppression


def test_json_has_no_pids_and_no_small_counts(published):
    report, paths = published
    data = json.loads(paths["json"].read_text())
    assert all("pid" not in child for child in data["top_children"])
    assert data["missing_from"]["education"] == "<5" and data["missing_from"]["home"] == 5
    counts = (
        [v for v in data["missing_from"].values()]
        + data["weekday"]["all"]
        + list(data["monthly"].values())
    )
    assert not [v for v in counts if isinstance(v, int) and 0 < v < 5]
    assert data["suppressed"] is True
    # tasks by risk: 4 high-risk incidents is too few for a published mean, 8 medium is enough
    assert data["workload"]["tasks_mean_by_risk"] == {"high": "[c]", "medium": 18.0}


def test_html_says_so_and_holds_no_pid(published):
    html = published[1]["html"].read_text()
    assert "Published version" in html and "&lt;5" in html
    for pid in ("P01", "P02", "P03", "P04", "P05"):
        assert pid not in html


def test_unpublished_html_keeps_pids(outputs):
    assert "P01" in outputs[1]["html"].read_text()


def test_no_suppressed_cell_of_a_report_table_can_be_recovered(published):
    """For every table with published totals, an LP attack pins no suppressed cell."""
    report = published[0]
    checked = 0
    for section in report.sections:
        for table in section.tables:
            for block in table.counts:
                if not (block.rows_known or block.cols_known):
                    continue
                values = table.frame[list(block.columns)].to_numpy(dtype=float)
                cells = table.suppressed[list(block.columns)].to_numpy()[: len(values)]
                assert not (suppression.primary(values) & ~cells).any(), table.key
                mask = suppression.suppress(
                    values, rows_known=block.rows_known, cols_known=block.cols_known
                )
                assert (mask[:-1, :-1] == cells).all()
                assert _pinned(values, mask, block.rows_known, block.cols_known) == [], table.key
                checked += 1
    assert checked >= 8


def test_a_table_too_small_to_publish_is_hidden_whole():
    import pandas as pd

    from misper.report.model import Counts, Table

    table = Table(
        "tiny",
        "tiny",
        pd.DataFrame({"incidents": [3, 1, 0]}, index=["a", "b", "c"]),
        counts=(Counts(("incidents",)),),
        total_row=True,
    )
    table.protect(publish=True)
    assert table.shown["incidents"].tolist() == ["<5", "<5", 0, "<5"]  # all below 5, total too


def _pinned(values, mask, rows_known, cols_known):
    table = suppression.extend(values)
    unknown = mask | suppression.hidden(table.shape, rows_known, cols_known)
    cells = np.flatnonzero(unknown)
    system = suppression.equations(table.shape)
    a = system[:, cells]
    b = -system[:, np.setdiff1d(np.arange(table.size), cells)] @ np.delete(table.ravel(), cells)
    out = []
    for k, cell in enumerate(cells):
        if not mask.ravel()[cell]:
            continue
        goal = np.zeros(len(cells))
        goal[k] = 1
        low, high = (
            linprog(goal, A_eq=a, b_eq=b, bounds=(0, None)),
            linprog(-goal, A_eq=a, b_eq=b, bounds=(0, None)),
        )
        if high.status == 0 and -high.fun - low.fun < 1e-6:
            out.append(int(cell))
    return out
