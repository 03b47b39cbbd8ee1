"""The demo store's exports, with names and for the demo's analyst, each accepted by
`misper report`; nothing the demo seeds as done lies after now."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from misper.app.db import make_engine, session_factory
from misper.app.episodes.models import Episode
from misper.app.interviews.models import ReturnHomeInterview
from misper.cli import app as cli
from misper.demo.follow_up import ending_today

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from misper.demo.store import create_demo_store
    from misper.synth import generate

    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    create_demo_store(url, generate(incidents=300, seed=0).incidents, move_to_today=True)
    return url, folder


def _report(path, folder):
    result = runner.invoke(cli, ["report", str(path), "--out", str(folder / f"{path.stem}.html")])
    assert result.exit_code == 0, result.output
    return result


def test_the_demo_store_exports_with_names_for_misper_report(demo_store):
    url, folder = demo_store
    out = folder / "names.csv"
    result = runner.invoke(cli, ["export", "--with-names", "--out", str(out), "--db", url])
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0]
    assert "child_name" in header and "date_of_birth" in header
    _report(out, folder)


def test_the_demo_analysts_export_passes_misper_report(demo_store):
    url, folder = demo_store
    out = folder / "analyst.parquet"
    result = runner.invoke(
        cli, ["export", "--for", "analyst.herts", "--out", str(out), "--db", url]
    )
    assert result.exit_code == 0, result.output
    _report(out, folder)


def test_nothing_the_demo_seeds_as_done_lies_after_now(demo_store):
    url, _folder = demo_store
    engine = make_engine(url)
    with session_factory(engine)() as session:
        now = datetime.now()
        latest_found = session.scalar(select(func.max(Episode.found_at)))
        latest_interview = session.scalar(select(func.max(ReturnHomeInterview.completed_at)))
        latest_report = session.scalar(select(func.max(Episode.reported_at)))
    engine.dispose()
    assert latest_found <= now and latest_interview <= now and latest_report <= now


def test_history_moved_to_today_never_ends_after_now():
    """Moved by whole days so that the last episode ends before now; what would still be to come
    (an interview completed after now) is not done yet."""
    frame = pd.DataFrame(
        {
            "reported_at": pd.to_datetime(["2022-01-01 10:00", "2022-12-19 15:19"]),
            "found_at": pd.to_datetime(["2022-01-01 12:00", "2022-12-19 23:40"]),
            "rhi_completed_at": pd.to_datetime(["2022-01-03 09:00", "2022-12-25 11:00"]),
        }
    )
    # 2 Dec 2026 03:00: the last found time, 19 Dec 2022 23:40, lands on 1 Dec 2026 (1,443 days).
    moved = ending_today(frame, datetime(2026, 12, 2, 3, 0))
    assert moved["reported_at"].tolist() == [
        pd.Timestamp("2025-12-14 10:00"),
        pd.Timestamp("2026-12-01 15:19"),
    ]
    assert moved["found_at"].tolist() == [
        pd.Timestamp("2025-12-14 12:00"),
        pd.Timestamp("2026-12-01 23:40"),
    ]
    assert moved["rhi_completed_at"].iloc[0] == pd.Timestamp("2025-12-16 09:00")
    assert pd.isna(moved["rhi_completed_at"].iloc[1])  # 7 Dec 2026: not done yet
