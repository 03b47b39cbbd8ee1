"""`misper insight ...` end to end on the simulated history: pages, tables and clean errors."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from misper.cli import app
from misper.incidents.frame import write_incidents

runner = CliRunner()


@pytest.fixture(scope="module")
def files(simulated, tmp_path_factory):
    folder = tmp_path_factory.mktemp("insight")
    frame, truth = simulated
    write_incidents(frame, folder / "incidents.parquet")
    truth.to_csv(folder / "truth.csv", index=False)
    return folder


def run(*args):
    result = runner.invoke(app, ["insight", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def is_offline_page(path, title):
    html = path.read_text(encoding="utf-8")
    assert f"<h1>{title}</h1>" in html
    assert "plotly.js v" in html  # the library is embedded...
    assert 'src="http' not in html  # ... and nothing is fetched


def test_survival(files):
    out = run(
        "survival",
        files / "incidents.parquet",
        "--out",
        files / "s.html",
        "--table",
        files / "s.csv",
    )
    assert "concordance" in out
    is_offline_page(files / "s.html", "Time to return")
    table = pd.read_csv(files / "s.csv")
    assert {"value", "by", "share_ended", "lower", "upper"} <= set(table.columns)


def test_early_warning_list_and_page(files):
    out = run("early-warning", files / "incidents.parquet", "--out", files / "ew.csv")
    assert "AUC" in out and "baselines" in out
    ranked = pd.read_csv(files / "ew.csv")
    assert list(ranked.columns[:3]) == ["rank", "pid", "probability"]
    run("early-warning", files / "incidents.parquet", "--out", files / "ew.html", "--k", "2")
    is_offline_page(files / "ew.html", "Repeat early warning")


def test_patterns(files):
    run("patterns", files / "incidents.parquet", "--out", files / "p.html")
    is_offline_page(files / "p.html", "Patterns of repeat episodes")


def test_network_with_truth(files):
    out = run(
        "network",
        files / "incidents.parquet",
        "--out",
        files / "n.html",
        "--table",
        files / "n.csv",
        "--truth",
        files / "truth.csv",
    )
    assert "precision@10" in out
    is_offline_page(files / "n.html", "Co-missing and associate network")
    assert pd.read_csv(files / "n.csv")["rank"].tolist()[:3] == [1, 2, 3]


def test_evaluate(files):
    out = run(
        "evaluate",
        files / "incidents.parquet",
        "--intervention",
        "2021-07-01",
        "--group",
        "care_home",
        "--comparison",
        "home",
        "--freq",
        "month",
        "--out",
        files / "e.html",
        "--table",
        files / "e.csv",
    )
    assert "level change" in out
    is_offline_page(files / "e.html", "Did it work?")
    assert {"observed", "fitted", "counterfactual"} <= set(pd.read_csv(files / "e.csv").columns)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["evaluate", "{inp}", "--intervention", "someday", "--out", "{dir}/x.html"],
            "--intervention",
        ),
        (
            [
                "evaluate",
                "{inp}",
                "--intervention",
                "2021-07-01",
                "--group",
                "school",
                "--out",
                "{dir}/x.html",
            ],
            "group 'school'",
        ),
        (["early-warning", "{inp}", "--out", "{dir}/x.txt"], "must end in .html"),
        (["survival", "{dir}/missing.csv", "--out", "{dir}/x.html"], "missing.csv"),
    ],
)
def test_errors_are_clean_and_write_nothing(files, args, message):
    args = [a.format(inp=files / "incidents.parquet", dir=files) for a in args]
    result = runner.invoke(app, ["insight", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (files / "x.html").exists() and not (files / "x.txt").exists()
