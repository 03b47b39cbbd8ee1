"""Dashboard benchmark: the slow pages of the case store on the demo store, cold after a write and
warm, as milliseconds and as ratios to a trivial page (a small static file) timed in the same run,
so that a busy machine shows as a slower trivial page rather than as slower dashboards.

It copies the demo store (`misper demo --no-serve --out DIR`) to a scratch file, signs in as the
force's missing persons coordinator through a TestClient (no server, no network) and times each
page --repeat times: cold (the first load after a write to an episode, so that no cache entry
holds), warm (the same page again, nothing written) and quiet (the median of both, nobody else
using the store).
Target: every page under 300 ms on a quiet machine. Prints the table and writes
bench/results/dashboards.json.

    .venv/bin/python bench/bench_dashboards.py [--store /tmp/demo-h12/misper.db] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, select, text

from misper.app.episodes.models import Episode

USER, PASSWORD = "mispers.herts", "misper-demo-password"  # the demo's own (misper.demo.store)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
TRIVIAL = "/static/network.js"  # a small file: the request path alone


def _pages(url: str) -> dict[str, str]:
    engine = create_engine(url)
    with engine.connect() as db:
        rid = db.scalar(select(Episode.rid).order_by(Episode.reported_at.desc()).limit(1))
        pid = db.scalar(
            text(
                "select c.pid from episode_links l join episodes e on e.id = l.episode_id "
                "join children c on c.id = e.child_id limit 1"
            )
        )
    engine.dispose()
    return {
        "frequent": "/dashboards/frequent",
        "network": "/dashboards/network",
        "network (one child)": f"/dashboards/network?pid={pid}",
        "care-homes": "/dashboards/care-homes",
        "hotspots": "/dashboards/hotspots",
        "triage": f"/triage/{rid}",
    }


def _write(url: str) -> None:
    """A write that every dashboard depends on: one episode's row version moves on."""
    engine = create_engine(url)
    with engine.begin() as db:
        first = db.scalar(text("select min(id) from episodes"))
        db.execute(text("update episodes set version = version + 1 where id = :i"), {"i": first})
    engine.dispose()


def _time(client, path: str) -> float:
    began = time.perf_counter()
    answer = client.get(path)
    elapsed = (time.perf_counter() - began) * 1000
    if answer.status_code != 200:
        sys.exit(f"{path}: {answer.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="/tmp/demo-h12/misper.db")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not Path(args.store).exists():
        sys.exit(f"no demo store at {args.store}: run misper demo --no-serve --out DIR first")
    from fastapi.testclient import TestClient

    from misper.app.main import create_app

    scratch = Path(tempfile.mkdtemp()) / "misper.db"
    shutil.copy(args.store, scratch)
    url = f"sqlite:///{scratch}"
    client = TestClient(create_app(url), follow_redirects=False)
    token = TOKEN.search(client.get("/login").text).group(1)
    signed = client.post(
        "/login",
        data={"username": USER, "password": PASSWORD, "csrf_token": token},
        headers={"Origin": str(client.base_url).rstrip("/")},
    )
    assert signed.status_code == 303, signed.text[:300]
    results = {}
    trivial = statistics.median(_time(client, TRIVIAL) for _ in range(20))
    for name, path in _pages(url).items():
        _time(client, path)  # the first load of the process: imports, templates
        cold, warm = [], []
        for _ in range(args.repeat):
            _write(url)
            cold.append(_time(client, path))
            warm.append(_time(client, path))
        row = {"cold_ms": statistics.median(cold), "warm_ms": statistics.median(warm)}
        row["quiet_ms"] = statistics.median(cold + warm)
        row |= {f"{k[:-3]}_ratio": v / trivial for k, v in list(row.items())}
        results[name] = row
    print(f"trivial page {TRIVIAL}: {trivial:.1f} ms (median of 20)")
    print(f"{'page':<22}{'cold ms':>9}{'warm ms':>9}{'quiet ms':>10}{'cold x':>8}{'warm x':>8}")
    for name, r in results.items():
        print(
            f"{name:<22}{r['cold_ms']:>9.0f}{r['warm_ms']:>9.0f}{r['quiet_ms']:>10.0f}"
            f"{r['cold_ratio']:>8.0f}{r['warm_ratio']:>8.0f}"
        )
    out = Path(__file__).parent / "results" / "dashboards.json"
    out.parent.mkdir(exist_ok=True)
    load = os.getloadavg()[0]
    out.write_text(json.dumps({"trivial_ms": trivial, "load": load, "pages": results}, indent=1))
    shutil.rmtree(scratch.parent)


if __name__ == "__main__":
    main()
