"""docs/security.md shows who may see and change what as the access rules say it, never stale.

The part between its markers is generated from src/misper/app/access.py (and the routes) by
`misper docs --security`; the page fails here when it differs from what the rules render. The
expected ticks below are written out by hand from the roles' work (README, "The case system, by
role"), not read from the rules: a generator that drew the tables wrongly fails too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from misper.cli import app
from misper.cli.docs import BEGIN, END, access_section, with_access_section

DOC = Path(__file__).resolve().parents[1] / "docs" / "security.md"
POLICE = {"mispers", "control", "officer"}
COUNCIL = {"social", "coord"}


def test_the_committed_page_is_current():
    page = DOC.read_text(encoding="utf-8")
    assert page == with_access_section(page), "run `misper docs --security` and commit"


def ticked(markdown: str, heading: str) -> dict[str, set[str]]:
    """The table under `heading`: its first cell per row -> the columns ticked in that row."""
    lines = markdown.splitlines()
    start = lines.index(heading)
    table = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            table.append([cell.strip() for cell in line.strip("|").split("|")])
        elif table:
            break
    head, rows = table[0], table[2:]
    return {row[0]: {head[i] for i, cell in enumerate(row) if cell == "✓"} for row in rows}


@pytest.fixture(scope="module")
def generated() -> str:
    return access_section()


def test_the_tables_tick_exactly_the_roles_the_rules_allow(generated):
    export = ticked(generated, "#### `export`")
    assert export["read"] == {"analyst"}
    assert ticked(generated, "#### `audit`")["list"] == {"admin"}
    children = ticked(generated, "#### `children`")
    assert children["read"] == {"care"} | POLICE | COUNCIL
    assert children["update"] == COUNCIL
    assert ticked(generated, "#### `associations`")["list"] == POLICE
    assert ticked(generated, "#### `break_glass`")["review"] == {"mispers"}


def test_the_field_table_gives_police_fields_to_the_police_only(generated):
    episode = ticked(generated, "#### episode")
    assert episode["`found_by`"] == POLICE
    assert episode["`arrested_while_missing`"] == POLICE
    assert episode["`found_at`"] == {"care"} | POLICE
    assert ticked(generated, "#### child")["`in_care`"] == COUNCIL


def test_the_scope_matrix_keeps_intelligence_with_the_police(generated):
    scopes = ticked(generated, "### What each role's scope reaches")
    assert scopes["`associates`"] == POLICE
    assert scopes["`groups`"] == POLICE
    assert scopes["`partner_episodes`"] == {"charity"}
    assert scopes["`children`"] == {"care"} | POLICE | COUNCIL  # no admin, analyst, charity


def test_the_permission_rows_name_the_routes_declaring_them(generated):
    lines = generated.splitlines()
    export_read = next(
        line for line in lines[lines.index("#### `export`") :] if line.startswith("| read |")
    )
    assert "`GET /api/export`" in export_read
    assert "`POST /api/auth/token`" in generated.split("Open without signing in:")[1]


def test_only_the_marked_part_is_rewritten():
    page = f"# Security\n\nWritten by hand.\n\n{BEGIN}\nstale\n{END}\n\nAfter, by hand.\n"
    rewritten = with_access_section(page)
    assert rewritten.startswith("# Security\n\nWritten by hand.\n\n" + BEGIN)
    assert rewritten.endswith(END + "\n\nAfter, by hand.\n")
    assert "stale" not in rewritten
    assert with_access_section(rewritten) == rewritten


@pytest.mark.parametrize(
    "page",
    ["no markers", f"{BEGIN} only", f"{END}\n{BEGIN}", f"{BEGIN}\n{END}\n{BEGIN}\n{END}"],
)
def test_a_page_without_one_pair_of_markers_is_refused(page):
    with pytest.raises(ValueError, match="once each|comes before"):
        with_access_section(page)


def test_the_command_rewrites_the_generated_part(tmp_path):
    page = tmp_path / "security.md"
    page.write_text(f"By hand.\n{BEGIN}\nstale\n{END}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["docs", "--security", "--out", str(page)])
    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8") == f"By hand.\n{access_section()}\n"
    page.write_text("no markers here", encoding="utf-8")
    result = CliRunner().invoke(app, ["docs", "--security", "--out", str(page)])
    assert result.exit_code == 1
    assert page.read_text(encoding="utf-8") == "no markers here"
