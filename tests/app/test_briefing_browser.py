"""The patrol briefing as an officer prints it (issue 14): opened from the episode page in chromium,
printed to PDF on A4, and the PDF read back with pypdf: one page, holding the child's facts and
none of the site's menu; then the parents' advice pack printed the same way."""

from __future__ import annotations

import io
import shutil

import pytest

from app.advice_world import build
from app.browsing import log_in, serving, violations
from misper.app.db import make_engine, session_factory

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path, sqlite_template):
    """The world on a SQLite store of the test's own (the pages are the same on PostgreSQL)."""
    path = tmp_path / "store.db"
    shutil.copy(sqlite_template, path)
    database_url = f"sqlite:///{path}"
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        build(session)
        session.commit()
    engine.dispose()
    with serving(database_url) as base:
        yield base


def _pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_briefing_prints_on_one_a4_page(served, browser):
    page = browser.new_page()
    log_in(page, served, "officer.north")
    page.goto(f"{served}/episodes/now-1")
    page.get_by_role("link", name="Patrol briefing (one printable page)").click()
    page.wait_for_url(f"{served}/episodes/now-1/briefing")
    assert page.get_by_role("heading", level=1).inner_text() == "Missing: Lily Fielding"
    assert violations(page) == []
    printed = _pages(page.pdf(format="A4"))
    assert len(printed) == 1
    text = " ".join(printed[0].split())
    for fact in ("Lily Fielding", "AL2 7", "AL3 5", "adult-7", "tall, red hair"):
        assert fact in text, fact
    for chrome in ("Log out", "Back to episode", "south-adult-desc"):
        assert chrome not in text, chrome
    page.close()


def test_the_advice_pack_prints_without_its_forms(served, browser):
    page = browser.new_page()
    log_in(page, served, "officer.north")
    page.goto(f"{served}/episodes/now-1")
    page.get_by_role("link", name="Advice pack for parents").click()
    page.get_by_role("button", name="Record as printed and given").click()
    page.wait_for_url(f"{served}/episodes/now-1/advice?printed=true")
    assert violations(page) == []
    text = " ".join(" ".join(_pages(page.pdf(format="A4"))).split())
    assert "Signs of exploitation to look out for" in text
    for chrome in ("Log out", "Email the pack", "Parent's email address", "Not given yet"):
        assert chrome not in text, chrome
    page.goto(f"{served}/episodes/now-1")
    assert "printed by officer.north" in page.locator("#advice ~ ul").first.inner_text()
    page.close()
