"""The demand report: assemble the analyses into sections and render them as HTML, XLSX and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from misper.incidents.frame import atomic_path
from misper.report.model import Report
from misper.report.population import Population

__all__ = ["build_report", "make_report", "write_report"]

TITLE = "Missing children: demand report"


def make_report(
    frame: pd.DataFrame,
    *,
    start=None,
    end=None,
    year: int | None = None,
    publish: bool = False,
    compare_published: bool = False,
    population: Population | None = None,
    quality: dict | None = None,
    warnings: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """The report in memory: sections (tables protected when publishing) and the JSON contract."""
    from misper.report import compare, contract
    from misper.report.assemble import assemble
    from misper.report.messages import key_messages

    if (
        compare_published
    ):  # compared with Hertfordshire: its population gives the rates unless told otherwise
        published = compare.reference()["population"]
        hertfordshire = Population(
            u18_population=published["u18_population_2022"],
            children_looked_after=published["children_looked_after_2022"],
        )
        population = (population or Population()).filled_from(hertfordshire)
    ctx, sections = assemble(
        frame,
        start=start,
        end=end,
        year=year,
        publish=publish,
        population=population,
        quality=quality,
        progress=progress,
    )
    if compare_published:
        compare.add_comparisons(ctx, sections)
    data = contract.build(ctx, sections)
    messages = key_messages(ctx, sections)
    data["key_messages"] = messages
    if compare_published:
        data["published_comparison"] = contract.plain(
            [
                {
                    "section": s.key,
                    "figure": c.figure,
                    "published": c.published,
                    "this_data": c.this_data,
                    "agrees": c.agrees,
                }
                for s in sections
                for c in s.comparisons
            ]
        )
    for section in sections:
        if section.key == "data_quality" and warnings:
            section.findings.extend(f"Loader: {w}." for w in warnings)
    dropped = ", ".join(f"{n:,} {why}" for why, n in ctx.selection.dropped.items() if n)
    cover = {
        "Period": f"{ctx.shared.start.date()} to {ctx.shared.end.date()}",
        "Incidents analysed": f"{ctx.shared.n_incidents:,} (under 18, record type missing_report)",
        "Children": f"{ctx.shared.n_children:,}",
        "Year looked at in detail": str(ctx.year),
        "Rows left out by the filters": dropped or "none",
        "Published figures compared": (
            "yes (seed report, Hertfordshire 2019-2022; its under-18 and "
            "looked-after populations used for the rates unless --population "
            "gives them)"
        )
        if compare_published
        else "no",
    }
    return Report(TITLE, cover, sections, data, publish, messages)


def write_report(
    report: Report,
    *,
    out_html: Path | None = None,
    out_json: Path | None = None,
    out_xlsx: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Write each requested output atomically (a reader never sees half a file)."""
    from misper.report import html, xlsx

    step = progress or (lambda name: None)
    if out_html is not None:
        step("Writing HTML")
        with atomic_path(Path(out_html)) as tmp:
            tmp.write_text(html.render(report), encoding="utf-8")
    if out_json is not None:
        step("Writing JSON")
        with atomic_path(Path(out_json)) as tmp:
            tmp.write_text(
                json.dumps(report.data, indent=1, ensure_ascii=False, allow_nan=False),
                encoding="utf-8",
            )
    if out_xlsx is not None:
        step("Writing XLSX")
        with atomic_path(Path(out_xlsx)) as tmp:
            xlsx.write(report, tmp)


def build_report(
    frame: pd.DataFrame,
    *,
    out_html: Path | None = None,
    out_json: Path | None = None,
    out_xlsx: Path | None = None,
    start=None,
    end=None,
    year: int | None = None,
    publish: bool = False,
    compare_published: bool = False,
    population: Population | None = None,
    quality: dict | None = None,
    warnings: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Build the report from a canonical frame, write the outputs asked for, return the report."""
    report = make_report(
        frame,
        start=start,
        end=end,
        year=year,
        publish=publish,
        compare_published=compare_published,
        population=population,
        quality=quality,
        warnings=warnings,
        progress=progress,
    )
    write_report(report, out_html=out_html, out_json=out_json, out_xlsx=out_xlsx, progress=progress)
    return report
