import importlib.util
from pathlib import Path

import pytest

from misper.report import build_report
from misper.report.population import Population


def _five_children():
    path = Path(__file__).parents[1] / "analysis" / "five_children.py"
    spec = importlib.util.spec_from_file_location("five_children", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIVE = _five_children()


@pytest.fixture(scope="session")
def five():
    return FIVE


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    """The fixture's report written once as HTML, JSON and XLSX (not published)."""
    folder = tmp_path_factory.mktemp("report")
    paths = {k: folder / f"report.{k}" for k in ("html", "json", "xlsx")}
    report = build_report(
        FIVE.frame(),
        out_html=paths["html"],
        out_json=paths["json"],
        out_xlsx=paths["xlsx"],
        population=Population(**FIVE.POPULATION),
        compare_published=True,
        year=2022,
    )
    return report, paths


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """The same report with --publish."""
    folder = tmp_path_factory.mktemp("published")
    paths = {k: folder / f"report.{k}" for k in ("html", "json", "xlsx")}
    report = build_report(
        FIVE.frame(),
        out_html=paths["html"],
        out_json=paths["json"],
        out_xlsx=paths["xlsx"],
        population=Population(**FIVE.POPULATION),
        publish=True,
        year=2022,
    )
    return report, paths
