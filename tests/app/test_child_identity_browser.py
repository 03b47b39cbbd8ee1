"""Walked as staff would, on the demo store (issue 14): the care home reports one of its children
from the not-here page, and the control room sees who the child is (name, age, photo) at the top
of the episode and triage pages; at desktop width and on a 390 px phone."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.browsing import log_in, serving, violations
from misper.app.children.models import Child
from misper.app.db import make_engine, session_factory
from misper.app.episodes.models import Episode
from misper.app.flowchart.models import CarerCheck
from misper.app.placements.models import Home, Placement

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo store, made once for the module (each test serves a copy of its own)."""
    from misper.demo.store import DEMO_PASSWORD, create_demo_store
    from misper.synth import generate

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    create_demo_store(f"sqlite:///{path}", generate(incidents=300, seed=0).incidents, True)
    return path, DEMO_PASSWORD


def _a_child_at_oakfield(url: str) -> tuple[str, str, date]:
    """A child living in one of the demo provider's homes, not missing and with no check open."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        busy = select(Episode.child_id).where(Episode.found_at.is_(None))
        checking = select(CarerCheck.child_id)
        child = session.scalars(
            select(Child)
            .join(Placement, Placement.child_id == Child.id)
            .join(Home, Home.id == Placement.home_id)
            .where(
                Placement.end_date.is_(None),
                Child.id.not_in(busy),
                Child.id.not_in(checking),
            )
            .order_by(Child.id)
        ).first()
        found = (child.pid, child.name, child.date_of_birth)
    engine.dispose()
    return found


def _age(born: date) -> int:
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _banner_shows(page, name: str, age: int) -> None:
    banner = page.locator(".child-banner")
    assert name in banner.inner_text() and f"Age {age}" in banner.inner_text()
    photo = banner.get_by_role("img", name=f"Photo of {name}")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert violations(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_care_home_reports_a_demo_child_and_the_control_room_sees_who_it_is(
    demo_file, tmp_path, browser, size
):
    source, password = demo_file
    path = tmp_path / "store.db"
    shutil.copy(source, path)
    url = f"sqlite:///{path}"
    pid, name, born = _a_child_at_oakfield(url)
    with serving(url) as base:
        carer = browser.new_context(viewport=SIZES[size])
        page = carer.new_page()
        log_in(page, base, "care.oakfield", password)
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/not-here")
        page.locator(".task", has_text=name).get_by_role(
            "link", name="Not where they should be"
        ).click()
        assert name in page.locator(".child-banner").inner_text()  # whom the steps are for
        late = datetime.now() - timedelta(hours=3)
        page.get_by_label("When was the child expected back?").fill(f"{late:%Y-%m-%dT%H:%M}")
        page.get_by_role("button", name="Start the steps").click()
        page.wait_for_url("**/checks/*")
        _banner_shows(page, name, _age(born))
        assert page.locator("#age").count() == 0  # the date of birth is held: no age asked
        page.get_by_role("button", name="Report to the police now").click()
        assert "Reported to the police" in page.locator("#outcome").inner_text()
        rid = page.url.split("reported=")[1].split("&")[0].split("#")[0]
        carer.close()

        control = browser.new_context(viewport=SIZES[size])
        page = control.new_page()
        log_in(page, base, "control.herts", password)
        page.wait_for_url(f"{base}/")
        for where in (f"/episodes/{rid}", f"/triage/{rid}"):
            page.goto(f"{base}{where}")
            _banner_shows(page, name, _age(born))
            assert "Missing now" in page.locator(".child-banner").inner_text()
        control.close()
    assert pid  # the child reported is the one found in the store
