"""Paging, sorting and CSV download for every list and dashboard table, read one way.

A table's query is `page`, `per_page` (at most `MAX_PER_PAGE`), `sort` (a column key from the
table's own whitelist, `-key` for descending) and `format=csv` (every page's rows as an audited
download). A page with several tables gives each a prefix (`overdue.page`). The links are built
here; `macros/listing.html` draws the sortable headers (`aria-sort`) and the pager.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import pandas as pd
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.errors import Invalid
from misper.incidents.cells import neutralise_formula

PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000
CSV_LIMIT = 100_000  # the most rows one download holds; no list in the store comes near it


@dataclass(frozen=True)
class Listing:
    """One table's reading of the query, and the links that change it."""

    path: str
    query: Mapping[str, str]
    prefix: str
    columns: Mapping[str, str]  # sortable column key: its header
    page: int = 1
    per_page: int = PER_PAGE
    sort: str | None = None  # a key of `columns`
    descending: bool = False
    csv: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def name(self, param: str) -> str:
        return self.prefix + param

    def link(self, **changes: object) -> str:
        """This page's address with the table's `changes` (None drops a parameter)."""
        query = {k: v for k, v in self.query.items() if k != self.name("format")}
        for param, value in changes.items():
            query.pop(self.name(param), None)
            if value is not None:
                query[self.name(param)] = str(value)
        return f"{self.path}?{urlencode(query)}" if query else self.path

    def sort_link(self, key: str) -> str:
        """Sorting by `key`: ascending first, then the other way; back to the first page."""
        ascending = not (self.sort == key and not self.descending)
        return self.link(sort=key if ascending else f"-{key}", page=None)

    def aria_sort(self, key: str) -> str | None:
        if self.sort != key:
            return None
        return "descending" if self.descending else "ascending"

    def csv_link(self) -> str:
        query = {k: v for k, v in self.query.items() if k != self.name("page")}
        query[self.name("format")] = "csv"
        return f"{self.path}?{urlencode(query)}"

    def pages(self, total: int) -> dict:
        """What the pager shows: this page, the last, and the links either side."""
        last = max(1, -(-total // self.per_page))
        return {
            "page": self.page,
            "last": last,
            "total": total,
            "previous": self.link(page=self.page - 1) if self.page > 1 else None,
            "next": self.link(page=self.page + 1) if self.page < last else None,
            "csv": self.csv_link(),
        }


def read_listing(
    request: Request,
    columns: Mapping[str, str],
    *,
    default: str | None = None,
    prefix: str = "",
) -> Listing:
    """The table's paging, sort and format from the query; a value out of bounds, a sort key not
    among `columns` or a format other than csv is refused naming its field."""
    query = dict(request.query_params)

    def number(param: str, lowest: int, highest: int, fallback: int, words: str) -> int:
        text = query.get(prefix + param, "").strip()
        if not text:
            return fallback
        whole = text.isascii() and text.isdigit() and len(text) <= 9
        if not whole or not lowest <= int(text) <= highest:
            raise Invalid(prefix + param, f"{words} between {lowest} and {highest:,}")
        return int(text)

    page = number("page", 1, MAX_PAGE, 1, "give a page number")
    per_page = number("per_page", 1, MAX_PER_PAGE, PER_PAGE, "show a number of rows a page")
    sort = query.get(prefix + "sort", "").strip() or default or ""
    key = sort.removeprefix("-")
    if key and key not in columns:
        raise Invalid(prefix + "sort", f"sort by one of: {', '.join(columns) or 'nothing'}")
    fmt = query.get(prefix + "format", "").strip()
    if fmt not in ("", "csv"):
        raise Invalid(prefix + "format", "the only download is format=csv")
    return Listing(
        path=request.url.path,
        query=query,
        prefix=prefix,
        columns=columns,
        page=page,
        per_page=per_page,
        sort=key or None,
        descending=sort.startswith("-"),
        csv=fmt == "csv",
    )


def frame_page(
    frame: pd.DataFrame, listing: Listing, sort_by: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, int]:
    """The frame sorted by the listing's column (or the frame column `sort_by` names for it;
    ties and blanks keep their order, blanks last), then its page, or every row for a download."""
    if listing.sort and len(frame):
        column = (sort_by or {}).get(listing.sort, listing.sort)
        order = {"ascending": not listing.descending, "kind": "stable", "na_position": "last"}
        try:
            frame = frame.sort_values(column, **order)
        except TypeError:  # values of kinds that do not compare: as the words shown
            frame = frame.sort_values(column, key=lambda s: s.map(cell_text), **order)
    if listing.csv:
        return frame.head(CSV_LIMIT), len(frame)
    return frame.iloc[listing.offset : listing.offset + listing.per_page], len(frame)


def cell_text(value: object) -> str:
    """A cell as the page shows it (the `cell` macro): a link's or label's text, nothing for none,
    a date and time, two decimals for a fraction, codes with spaces for underscores."""
    if isinstance(value, Mapping):
        value = value.get("text", "")
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, date):
        return value.strftime("%d %b %Y %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).replace("_", " ")


def csv_answer(
    session: Session,
    actor: Actor,
    entity: str,
    name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    **detail: object,
) -> Response:
    """The rows (cells as the page shows them: see `cell_text`) as a CSV download, no cell a live
    formula; recorded as an export, and never kept by a browser or a proxy."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise_formula(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow([neutralise_formula("" if v is None else str(v)) for v in row])
        count += 1
    audit.record(session, actor, "export", entity, detail={"rows": count, "list": name, **detail})
    filename = f"misper-{name}-{date.today():%Y-%m-%d}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
