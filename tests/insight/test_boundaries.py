"""The models know no HTML: nothing in misper.insight imports Jinja, plotly, the report or ui,
directly or through other modules (rendering lives in misper.report.insight_pages)."""

import grimp
import pytest

RENDERING = ("jinja2", "markupsafe", "plotly", "misper.report", "misper.ui")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("misper", include_external_packages=True)


@pytest.mark.parametrize("rendering", RENDERING)
def test_insight_imports_no_rendering(graph, rendering):
    chain = graph.find_shortest_chain(
        importer="misper.insight", imported=rendering, as_packages=True
    )
    assert chain is None, " -> ".join(chain)


def test_insight_modules_are_seen(graph):
    modules = graph.find_children("misper.insight")
    assert {
        "misper.insight.survival",
        "misper.insight.early_warning",
        "misper.insight.network",
    } <= modules
