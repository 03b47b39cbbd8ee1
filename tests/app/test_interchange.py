"""Store <-> canonical table: export gives back what was imported; re-import changes nothing."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import func, select

from misper.app.agencies.models import Agency
from misper.app.audit.models import AuditEvent
from misper.app.episodes.models import Episode
from misper.app.interchange.service import export_frame, import_frame
from misper.incidents.frame import to_canonical
from misper.incidents.schema import NAMES
from misper.report import make_report


@pytest.fixture(scope="session")
def synthetic():
    from misper.synth import generate

    return generate(incidents=150, seed=7).incidents


def _force(session) -> int:
    force = Agency(name="Hertfordshire Constabulary", kind="police")
    session.add(force)
    session.flush()
    return force.id


def _sorted(frame):
    return frame.sort_values("rid").reset_index(drop=True)[list(NAMES)]


def headline_figures(frame: pd.DataFrame) -> dict:
    """A dozen figures the report leads with, computed directly with pandas."""
    hours = (frame["found_at"] - frame["reported_at"]).dt.total_seconds() / 3600
    per_child = frame.groupby("pid").size()
    return {
        "incidents": len(frame),
        "children": frame["pid"].nunique(),
        "repeat_children": int((per_child >= 2).sum()),
        "incidents_of_top_10pct": int(
            per_child.sort_values(ascending=False).head(max(1, len(per_child) // 10)).sum()
        ),
        "from_care_home": int((frame["missing_from_type"] == "care_home").sum()),
        "in_care": int(frame["in_care"].isin(["full_care", "accommodated"]).sum()),
        "high_risk_final": int((frame["risk_final"] == "high").sum()),
        "median_hours": round(float(hours.median()), 6),
        "found_by_police": int((frame["found_by"] == "police").sum()),
        "mean_distance": round(float(frame["distance_miles"].mean()), 6),
        "cse_flagged": int(
            frame["risk_flags"]
            .list.len()
            .where(frame["risk_flags"].apply(lambda v: v is not None and "cse" in list(v)), 0)
            .gt(0)
            .sum()
        ),
        "rhi_offered": int(frame["rhi_offered"].fillna(False).sum()),
        "by_year": frame["reported_at"].dt.year.value_counts().sort_index().to_dict(),
    }


def test_export_gives_back_the_synthetic_file(sessions, synthetic):
    with sessions() as session:
        summary = import_frame(session, None, synthetic, _force(session))
        session.commit()
        assert (summary.added, summary.updated, summary.unchanged) == (len(synthetic), 0, 0)
        exported = export_frame(session)
    pd.testing.assert_frame_equal(_sorted(exported), _sorted(synthetic), check_categorical=True)
    assert headline_figures(exported) == headline_figures(synthetic)


def test_reimport_changes_nothing_and_a_changed_row_updates_with_audit(sessions, synthetic):
    with sessions() as session:
        force_id = _force(session)
        import_frame(session, None, synthetic, force_id)
        session.commit()
        versions = dict(session.execute(select(Episode.rid, Episode.version)).all())
        again = import_frame(session, None, synthetic, force_id)
        session.commit()
        assert (again.added, again.updated, again.unchanged) == (0, 0, len(synthetic))
        assert dict(session.execute(select(Episode.rid, Episode.version)).all()) == versions

        changed = synthetic.copy()
        row = changed.index[3]
        new_value = "school" if changed.loc[row, "found_by"] == "health" else "health"
        changed.loc[row, "found_by"] = new_value
        changed["linked_rids"] = changed["linked_rids"].astype(object)
        changed.at[row, "linked_rids"] = ["R-elsewhere"]
        changed = to_canonical(changed)
        third = import_frame(session, None, changed, force_id)
        session.commit()
        assert (third.added, third.updated) == (0, 1)
        rid = changed.loc[row, "rid"]
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "import_update"))
        assert event.entity_id == str(session.scalar(select(Episode.id).where(Episode.rid == rid)))
        assert '"found_by"' in event.detail and '"linked_rids"' in event.detail
        assert new_value not in event.detail  # names what changed, never the values
        exported = export_frame(session)
    pd.testing.assert_frame_equal(_sorted(exported), _sorted(changed))


def test_unknown_and_empty_lists_stay_apart(sessions):
    frame = to_canonical(
        pd.DataFrame(
            {
                "rid": ["r1", "r2", "r3"],
                "pid": ["p1", "p1", "p2"],
                "reported_at": [
                    datetime(2022, 1, 1, 10),
                    datetime(2022, 2, 1, 9),
                    datetime(2022, 3, 1),
                ],
                "age": [14, 14, 16],
                "missing_from_type": ["home", "care_home", "street"],
                "linked_rids": [None, [], ["r1"]],
                "associate_ids": [["A1", "A2"], [], None],
                "risk_flags": [None, ["cse", "gang"], []],
                "prevention_interview": ["done", None, "declined"],
                "rhi_offered": [True, None, False],
                "rhi_accepted": [False, None, None],
                "rhi_completed_at": [None, None, None],
            }
        )
    )
    with sessions() as session:
        import_frame(session, None, frame, _force(session))
        session.commit()
        exported = export_frame(session)
    assert exported["linked_rids"].isna().tolist() == [True, False, False]
    assert exported["associate_ids"].isna().tolist() == [False, False, True]
    pd.testing.assert_frame_equal(
        exported[frame.columns].reset_index(drop=True), frame.reset_index(drop=True)
    )
    assert exported["pid"].tolist() == ["p1", "p1", "p2"]


def test_a_file_with_a_repeated_rid_is_refused_whole(sessions):
    from misper.app.errors import Invalid

    frame = to_canonical(
        pd.DataFrame(
            {
                "rid": ["r1", "r1"],
                "pid": ["p1", "p2"],
                "reported_at": [datetime(2022, 1, 1), datetime(2022, 1, 2)],
                "age": [10, 11],
                "missing_from_type": ["home", "home"],
            }
        )
    )
    with sessions() as session:
        force_id = _force(session)
        with pytest.raises(Invalid, match="rid"):
            import_frame(session, None, frame, force_id)
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Episode)) == 0


def test_report_on_the_store_equals_the_report_on_the_file(sessions, synthetic):
    """`misper export` then `misper report` gives the figures the report gives on the file."""
    with sessions() as session:
        import_frame(session, None, synthetic, _force(session))
        session.commit()
        exported = export_frame(session)
    from_store = make_report(exported).data
    from_file = make_report(synthetic).data
    assert from_store == from_file
    assert from_file  # a report with figures, not two empty ones
