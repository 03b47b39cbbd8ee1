"""`misper report` and `misper sample` end to end on a CSV of the fixture."""

import json

import pytest
from typer.testing import CliRunner

from misper.cli import app
from misper.incidents.frame import write_incidents

runner = CliRunner()


@pytest.fixture(scope="module")
def csv(tmp_path_factory, five):
    path = tmp_path_factory.mktemp("cli") / "five.csv"
    write_incidents(five.frame(), path)
    return path


def test_report_writes_all_outputs(csv, tmp_path):
    population = tmp_path / "population.yaml"
    population.write_text(
        "u18_population: 1000\nchildren_looked_after: 10\n"
        "ethnic_shares: {British: 0.8, African: 0.05}\n"
    )
    result = runner.invoke(
        app,
        [
            "report",
            str(csv),
            "--out",
            str(tmp_path / "r.html"),
            "--json",
            str(tmp_path / "r.json"),
            "--xlsx",
            str(tmp_path / "r.xlsx"),
            "--population",
            str(population),
            "--publish",
        ],
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps long lines
    assert "12 incidents, 5 children" in said and "published version" in said
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["n_incidents"] == 12 and "pid" not in data["top_children"][0]
    assert (tmp_path / "r.xlsx").stat().st_size > 0


def test_bad_population_file_is_named(csv, tmp_path):
    population = tmp_path / "population.yaml"
    population.write_text("u18_population: lots\nethnic_shares: {British: 1.5}\n")
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["report", str(csv), "--out", str(out), "--population", str(population)]
    )
    assert result.exit_code == 1
    said = "".join(result.output.split())
    assert "u18_population" in said and "ethnic_shares.British" in said
    assert "Traceback" not in result.output and not out.exists()


def test_bad_input_file_fails_cleanly(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("rid,pid\nR1,P1\n")
    result = runner.invoke(app, ["report", str(bad), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and "reported_at" in result.output.replace("\n", "")
    assert "Traceback" not in result.output


def test_no_incidents_after_filters(csv, tmp_path):
    result = runner.invoke(
        app,
        [
            "report",
            str(csv),
            "--out",
            str(tmp_path / "r.html"),
            "--from",
            "2030-01-01",
            "--to",
            "2030-12-31",
        ],
    )
    assert result.exit_code == 1 and "no incidents left" in " ".join(result.output.split())


def test_sample(csv, tmp_path):
    out = tmp_path / "sample.csv"
    result = runner.invoke(
        app, ["sample", str(csv), "--year", "2022", "--every", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "P02" in result.output and "P04" in result.output and "P01" not in result.output
    assert out.read_text().count("\n") == 1 + 3  # header + P02's two 2022 incidents + P04's one
