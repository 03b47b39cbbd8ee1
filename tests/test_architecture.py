"""The import contract: how Misper's packages and the case store's domains may depend on each other.

A new import that breaks it fails here, naming the edge. The rules (design.md, CONTRIBUTING.md):
- the core never reaches up: nothing in incidents, analysis, process, insight, report, synth or
  ui imports the case store, the demo or the command line, and the store imports neither of those;
- in the store (`misper.app`), modules form layers: core plumbing (db, errors, schemas), then
  every domain's tables (`models`), the access module, the domains' services in a fixed order
  (a domain uses only domains below it), the routing plumbing and the page layout (`ui`), then
  the routes (`api`, `pages`), then the application (`main`); an import only ever goes down;
- no cycle among modules, imports inside functions included;
- no private name (`_x`) imported from another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "misper"

# The case store's domains, lowest first: a domain's services may import only those before it.
DOMAINS = (
    "audit",
    "notifications",
    "agencies",
    "auth",
    "users",
    "children",
    "philomena",
    "groups",
    "placements",
    "interviews",
    "escalation",
    "episodes",
    "tasks",
    "flowchart",
    "triage",
    "charity",
    "interchange",
    "dashboards",
)
CORE = {"misper.app", "misper.app.db", "misper.app.errors", "misper.app.schemas"}
# Layers of the store, lowest first.
LAYERS = ("core", "models", "access", "service", "routing", "ui", "routes", "main")
# Packages that must never import the store, the demo or the command line.
LOWER = ("incidents", "analysis", "process", "insight", "report", "synth", "ui", "reference")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("misper", include_external_packages=False, cache_dir=None)


def place(module: str) -> tuple[str, str | None]:
    """(layer, domain) of a module of the store."""
    parts = module.split(".")
    if module in CORE:
        return "core", None
    if module in ("misper.app.access",):
        return "access", None
    if module == "misper.app.registry":
        return "models", None
    if module == "misper.app.routing":
        return "routing", None
    if parts[2] == "ui":
        return "ui", None
    if module == "misper.app.main":
        return "main", None
    if module == "misper.app.backup":  # the whole store, for the command line
        return "routes", "backup"
    domain = parts[2]
    leaf = parts[-1] if len(parts) > 3 else None
    if leaf == "models":
        return "models", domain
    if leaf in ("api", "pages"):
        return "routes", domain
    return "service", domain


def app_edges(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    return [
        (a, b)
        for a in sorted(graph.modules)
        if a.startswith("misper.app")
        for b in sorted(graph.find_modules_directly_imported_by(a))
        if b.startswith("misper.app")
    ]


def test_the_core_never_imports_the_store_the_demo_or_the_cli(graph):
    wrong = [
        (a, b)
        for a in sorted(graph.modules)
        if a.count(".") and a.split(".")[1] in LOWER
        for b in graph.find_modules_directly_imported_by(a)
        if b.count(".") and b.split(".")[1] in ("app", "demo", "cli")
    ]
    wrong += [
        (a, b)
        for a in sorted(graph.modules)
        if a.startswith("misper.app")
        for b in graph.find_modules_directly_imported_by(a)
        if b.split(".")[1] in ("demo", "cli")
    ]
    assert wrong == []


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    modules = nx.DiGraph(app_edges(graph))
    return [sorted(c) for c in nx.strongly_connected_components(modules) if len(c) > 1]


def test_no_import_cycle_in_the_store(graph):
    assert cycles(graph) == []


def upward_edges(graph: grimp.ImportGraph) -> list[str]:
    wrong = []
    for a, b in app_edges(graph):
        (layer_a, dom_a), (layer_b, dom_b) = place(a), place(b)
        ra, rb = LAYERS.index(layer_a), LAYERS.index(layer_b)
        if ra > rb:
            continue
        if ra < rb:
            wrong.append(f"{a} -> {b} (up from {layer_a} to {layer_b})")
        elif layer_a == "routes" and dom_a != dom_b:
            wrong.append(f"{a} -> {b} (routes of one domain use another's routes)")
        elif layer_a == "service" and dom_a != dom_b:
            if dom_a not in DOMAINS or dom_b not in DOMAINS:
                wrong.append(f"{a} -> {b} (domain not in DOMAINS)")
            elif DOMAINS.index(dom_a) < DOMAINS.index(dom_b):
                wrong.append(f"{a} -> {b} ({dom_a} is below {dom_b})")
    return wrong


def test_store_imports_only_go_down(graph):
    assert upward_edges(graph) == []


def test_every_store_folder_is_a_known_domain():
    folders = {p.name for p in (SRC / "app").iterdir() if (p / "__init__.py").exists()}
    assert folders - {"ui"} == set(DOMAINS)


def private_imports(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("misper")
            ):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.relative_to(root.parent)}: {alias.name}")
    return found


def test_no_private_name_is_imported_from_another_module():
    assert private_imports(SRC) == []


def test_the_contract_catches_a_new_cycle_and_an_upward_edge():
    """The checks above can fail: an edge up from a low domain is named, and a cycle found."""
    graph = grimp.build_graph("misper", include_external_packages=False, cache_dir=None)
    assert upward_edges(graph) == [] and cycles(graph) == []
    graph.add_import(importer="misper.app.audit.service", imported="misper.app.episodes.service")
    assert upward_edges(graph) == [
        "misper.app.audit.service -> misper.app.episodes.service (audit is below episodes)"
    ]
    graph.add_import(importer="misper.app.episodes.service", imported="misper.app.audit.service")
    assert len(cycles(graph)) == 1
