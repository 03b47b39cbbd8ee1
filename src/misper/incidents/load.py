"""Loading an incident file (canonical, or a force export through its profile), all or nothing.

One pipeline serves every command that takes an input file: read in chunks -> map with the profile
-> parse and check -> (pseudonymise) -> collect or stream out. Faults are collected across the
whole file and raised together as IncidentFileError; on refusal nothing is returned or written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from misper.incidents.cells import FormulaCells, check_cells
from misper.incidents.errors import IncidentFileError, Problem, Problems
from misper.incidents.fastpath import fast_load
from misper.incidents.frame import atomic_path, csv_ready, to_arrow
from misper.incidents.mapping import apply_profile, missing_sources
from misper.incidents.profiles import Profile, canonical_profile, load_profile
from misper.incidents.pseudonymise import KeyFileError, Pseudonymiser, read_key
from misper.incidents.read import CHUNK_ROWS, UnreadableFile, read_chunks
from misper.incidents.validate import (
    Options,
    Quality,
    Tally,
    check_header,
    duplicate_rids,
    parse_chunk,
)

__all__ = ["IncidentFileError", "LoadResult", "ImportSummary", "load_incidents", "import_file"]


@dataclass
class LoadResult:
    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    quality: Quality = field(default_factory=lambda: Tally().as_dict())


@dataclass
class ImportSummary:
    rows: int
    children: int
    warnings: list[str]
    quality: Quality


def _profile(profile: Profile | str | Path | None) -> Profile:
    if profile is None:
        return canonical_profile()
    return profile if isinstance(profile, Profile) else load_profile(profile)


class _Pipeline:
    """Streams validated chunks of one file; problems and the tally accumulate on the instance."""

    def __init__(
        self,
        path: Path,
        profile: Profile,
        unknown_as_other: bool,
        max_errors: int,
        chunk_rows: int = CHUNK_ROWS,
    ):
        self.path, self.profile, self.chunk_rows = path, profile, chunk_rows
        self.options = Options(
            profile.datetime_format,
            frozenset(profile.true_values()),
            frozenset(profile.false_values()),
            unknown_as_other,
        )
        self.problems = Problems(limit=max_errors)
        self.tally = Tally()
        self.formulas = FormulaCells()
        self._rids: list[pa.Array] = []
        self._rows: list[np.ndarray] = []

    def chunks(self) -> Iterator[pd.DataFrame]:
        first = True
        try:
            for chunk in read_chunks(self.path, self.profile.file, self.chunk_rows):
                if first:
                    for problem in missing_sources(self.profile, list(chunk.frame.columns)):
                        self.problems.add(problem)
                    if self.problems:  # a mapped column is absent: nothing below can be trusted
                        return
                for problem in chunk.problems:
                    self.problems.add(problem)
                check_cells(chunk.frame, chunk.first_row, self.problems)
                self.formulas.note(chunk.frame, chunk.first_row)
                mapped = apply_profile(chunk.frame, self.profile)
                if first:
                    check_header(list(mapped.columns), self.problems)
                    first = False
                typed = parse_chunk(
                    mapped, chunk.first_row, self.options, self.problems, self.tally
                )
                if "rid" in typed:
                    self._rids.append(pa.array(typed["rid"], type=pa.string()))
                    self._rows.append(chunk.first_row + np.arange(len(typed)))
                yield typed
        except UnreadableFile as exc:
            self.problems.add(exc.problem)
            return
        if self.tally.rows == 0 and not self.problems:
            self.problems.add(Problem(None, None, None, "the file has a header but no rows"))
        elif self._rids:
            duplicate_rids(pa.concat_arrays(self._rids), np.concatenate(self._rows), self.problems)

    def refuse_if_bad(self) -> None:
        if self.problems:
            raise IncidentFileError(self.path, self.problems)

    def warnings(self) -> list[str]:
        formulas = self.formulas.warning()
        return self.tally.warnings() + ([formulas] if formulas else [])


def load_incidents(
    path: str | Path,
    profile: Profile | str | Path | None = None,
    *,
    unknown_as_other: bool = False,
    max_errors: int = 50,
    fast: bool = True,
) -> LoadResult:
    """The whole file as a canonical frame, or IncidentFileError listing every problem.

    `fast=False` forces the chunked loader even for canonical Parquet (the tests compare the two).
    """
    path = Path(path)
    if fast and profile is None and path.suffix.lower() == ".parquet":
        loaded = fast_load(path)  # None unless every rule holds: then the full loader words faults
        if loaded is not None:
            frame, tally = loaded
            formulas = FormulaCells()
            formulas.note(frame, first_row=1)  # Parquet records count from 1
            warning = formulas.warning()
            warnings = tally.warnings() + ([warning] if warning else [])
            return LoadResult(frame, warnings, tally.as_dict())
    pipeline = _Pipeline(Path(path), _profile(profile), unknown_as_other, max_errors)
    frames = list(pipeline.chunks())
    pipeline.refuse_if_bad()
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return LoadResult(frame, pipeline.warnings(), pipeline.tally.as_dict())


def import_file(
    source: str | Path,
    out: str | Path,
    *,
    profile: Profile | str | Path | None = None,
    key_file: str | Path | None = None,
    keep_text: bool = False,
    keep_extra: bool = False,
    unknown_as_other: bool = False,
    max_errors: int = 50,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportSummary:
    """Validate `source`, stream it to `out` (.parquet/.csv); on any problem nothing is written."""
    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise IncidentFileError(
            out, _one(f"output must end in .parquet or .csv, not {out.suffix!r}")
        )
    pseudonymiser = None
    if key_file is not None:
        try:
            pseudonymiser = Pseudonymiser(read_key(key_file), keep_text, keep_extra)
        except KeyFileError as exc:
            raise IncidentFileError(key_file, _one(str(exc))) from None
    pipeline = _Pipeline(Path(source), _profile(profile), unknown_as_other, max_errors, chunk_rows)
    pids: set[str] = set()
    writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
    with atomic_path(out) as tmp:
        try:
            for frame in pipeline.chunks():
                if pipeline.problems:
                    continue  # keep validating to list every problem, but write no more
                if pseudonymiser is not None:
                    frame = pseudonymiser.apply(frame)
                pids.update(frame["pid"].dropna().unique())
                table = to_arrow(frame)
                if writer is None:
                    writer = _writer(tmp, out.suffix.lower(), table.schema)
                writer.write_table(table if out.suffix.lower() == ".parquet" else csv_ready(table))
        finally:
            if writer is not None:
                writer.close()
        pipeline.refuse_if_bad()  # raising here removes the temporary file
    warnings = pipeline.warnings()
    if pseudonymiser is not None and pseudonymiser.dropped:
        warnings.append("pseudonymised; dropped column(s): " + ", ".join(pseudonymiser.dropped))
    return ImportSummary(pipeline.tally.rows, len(pids), warnings, pipeline.tally.as_dict())


def _writer(path: Path, suffix: str, schema: pa.Schema) -> pq.ParquetWriter | pacsv.CSVWriter:
    if suffix == ".parquet":
        return pq.ParquetWriter(path, schema, compression="zstd")
    return pacsv.CSVWriter(path, csv_ready(schema.empty_table()).schema)


def _one(message: str) -> Problems:
    problems = Problems()
    problems.add(Problem(None, None, None, message))
    return problems
