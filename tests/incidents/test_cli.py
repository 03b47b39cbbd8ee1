"""`misper import` and `misper keygen` as a user runs them: exit codes, messages, files."""

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from misper.cli import app
from misper.incidents.load import load_incidents

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compact-export.csv"
runner = CliRunner()


def test_import_compact_example_from_xlsx_with_its_sheet(tmp_path):
    frame = pd.read_csv(EXAMPLE, encoding="cp1252", dtype=str, keep_default_na=False)
    xlsx = tmp_path / "export.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="Cover", index=False)
        frame.to_excel(writer, sheet_name="Missing Reports", index=False)
    out = tmp_path / "canonical.csv"
    result = runner.invoke(app, ["import", str(xlsx), "--profile", "compact", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "12 incidents, 9 children" in result.output
    from_csv = load_incidents(EXAMPLE, profile="compact").frame
    assert load_incidents(out).frame.rid.tolist() == from_csv.rid.tolist()


def test_refused_import_exits_non_zero_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("rid,pid,reported_at,age,missing_from_type\nR1,P1,yesterday,15,home\n")
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["import", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "row 2, column reported_at: 'yesterday'" in result.output
    assert not out.exists()


def test_pseudonymised_import_and_keygen(tmp_path):
    key = tmp_path / "misper.key"
    assert runner.invoke(app, ["keygen", str(key)]).exit_code == 0
    assert runner.invoke(app, ["keygen", str(key)]).exit_code == 1  # never overwrites
    out = tmp_path / "p.parquet"
    result = runner.invoke(
        app,
        [
            "import",
            str(EXAMPLE),
            "--profile",
            "compact",
            "--out",
            str(out),
            "--pseudonymise",
            str(key),
        ],
    )
    assert result.exit_code == 0, result.output
    frame = load_incidents(out).frame
    assert not frame.pid.isin(["C1001", "C1002"]).any() and frame.pid.nunique() == 9
    assert "circumstances_text" not in frame
