"""Load benchmark of the case store: p50/p99 latency of common reads and writes, 50 clients.

PostgreSQL only (MISPER_BENCH_POSTGRES_URL, else MISPER_TEST_POSTGRES_URL, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test). It creates a database of its own, loads ten
years of a large force's synthetic incidents (~100k episodes), starts `misper serve` on loopback,
runs a bounded number of requests from concurrent clients (paced like people: each waits about
--pace seconds between requests; then a shorter saturated run, no waits, for the throughput
ceiling), prints the figures, writes them to
bench/results/store.json, and drops the database. Targets: p99 < 100 ms reads, < 200 ms writes.
The load generator shares the machine: each run records the 1-minute load average before it
starts (the rest of the machine) and when it ends (with the run itself).

    .venv/bin/python bench/bench_store.py [--incidents 40000] [--clients 10,25,50] [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from misper.app.db import make_engine, session_factory, transaction, upgrade

PASSWORD = "bench-password-only"
READ_SHARE = 0.8  # a case system is read far more than written


def _pg_url() -> str:
    url = os.environ.get("MISPER_BENCH_POSTGRES_URL") or os.environ.get("MISPER_TEST_POSTGRES_URL")
    if not url:
        sys.exit(
            "set MISPER_BENCH_POSTGRES_URL (or MISPER_TEST_POSTGRES_URL) to a PostgreSQL server"
        )
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(url: str, incidents: int) -> dict:
    """Seed the agencies, a user per role and ten years of incidents; returns what the clients
    need."""
    from misper.app.agencies.service import add_agency, add_home
    from misper.app.auth.service import issue_token
    from misper.app.children.models import Child
    from misper.app.episodes.models import Episode
    from misper.app.interchange.service import import_frame
    from misper.app.users.service import add_user
    from misper.synth import generate

    started = time.perf_counter()
    frame = generate(
        incidents=incidents, seed=11, start=date(2013, 1, 1), end=date(2022, 12, 31)
    ).incidents
    frame = frame[frame["age"].between(0, 120)]  # the loader would refuse the rest
    generated = time.perf_counter() - started
    upgrade(url)
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        force = add_agency(session, None, "Bench Constabulary", "police")
        council = add_agency(session, None, "Bench County Council", "council")
        provider = add_agency(session, None, "Bench Care", "care_provider")
        add_home(
            session,
            None,
            name="Bench House",
            place_id="H-BENCH",
            provider_id=provider.id,
            host_council_id=council.id,
            police_force_id=force.id,
            postcode_sector="AL1 1",
        )
        started = time.perf_counter()
        import_frame(session, None, frame, force.id)
        imported = time.perf_counter() - started
        users = {}
        for role, agency in (
            ("police_mispers", force),
            ("police_officer", force),
            ("council_social_worker", council),
        ):
            user, _ = add_user(
                session, None, username=role, role=role, agency=agency.name, password=PASSWORD
            )
            users[role] = issue_token(session, user, "bearer")
    with transaction(session_factory(engine)) as session:
        session.execute(text("ANALYZE"))
        rids = list(session.scalars(select(Episode.rid).order_by(Episode.id.desc()).limit(5000)))
        pids = list(session.scalars(select(Child.pid).order_by(Child.id.desc()).limit(5000)))
    engine.dispose()
    return {
        "tokens": users,
        "rids": rids,
        "pids": pids,
        "episodes": len(frame),
        "generate_s": round(generated, 1),
        "import_s": round(imported, 1),
    }


def _requests(world: dict, rng: random.Random):
    """One request of the common mix: (kind, method, path, params, json)."""
    rid, pid = rng.choice(world["rids"]), rng.choice(world["pids"])
    if rng.random() < READ_SHARE:
        return rng.choice(
            [
                ("read", "GET", f"/api/episodes/{rid}", None, None),
                ("read", "GET", "/api/episodes", {"open": "true", "limit": 50}, None),
                ("read", "GET", "/api/episodes", {"pid": pid}, None),
                ("read", "GET", f"/api/children/{pid}", {"reason": "benchmark"}, None),
                ("read", "GET", f"/api/episodes/{rid}/updates", None, None),
            ]
        )
    return rng.choice(
        [
            (
                "write",
                "POST",
                f"/api/episodes/{rid}/updates",
                None,
                {"kind": "update", "text": "called the home"},
            ),
            ("write", "POST", f"/api/episodes/{rid}/tasks", None, {"description": "check phone"}),
            ("write", "POST", f"/api/episodes/{rid}/risk-assessments", None, {"level": "medium"}),
        ]
    )


async def _client(
    base: str, token: str, world: dict, count: int, seed: int, pace: float, out: list
) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        for _ in range(count):
            if pace:  # a person reading the page before the next click
                await asyncio.sleep(rng.uniform(0, 2 * pace))
            kind, method, path, params, body = _requests(world, rng)
            started = time.perf_counter()
            response = await client.request(method, path, params=params, json=body)
            out.append((kind, (time.perf_counter() - started) * 1000, response.status_code))


async def _run(base: str, world: dict, clients: int, requests: int, pace: float) -> list:
    out: list = []
    per_client = max(1, requests // clients)
    token = world["tokens"]["police_mispers"]
    await asyncio.gather(
        *[_client(base, token, world, per_client, seed, pace, out) for seed in range(clients)]
    )
    return out


def _figures(samples: list, elapsed: float) -> dict:
    figures = {
        "requests": len(samples),
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(samples) / elapsed, 1),
    }
    for kind, target in (("read", 100), ("write", 200)):
        ms = np.array([s[1] for s in samples if s[0] == kind])
        errors = sum(1 for s in samples if s[0] == kind and s[2] >= 400)
        figures[kind] = {
            "count": len(ms),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "errors": errors,
            "target_p99_ms": target,
            "meets_target": bool(np.percentile(ms, 99) < target),
        }
    return figures


def _check_audit_chain(url: str) -> dict:
    """After the load: every event of the concurrent requests on one whole chain."""
    from misper.app.audit.service import chain_and_verify

    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        chained, result = chain_and_verify(engine, session)
    engine.dispose()
    return {
        "events": result.events,
        "ok": result.ok,
        "problem": result.problem,
        "left_unchained_by_the_server": chained,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--incidents",
        type=int,
        default=40_000,
        help="under-18 reports to generate over 2013-2022 (~2.5 episodes each)",
    )
    parser.add_argument(
        "--clients",
        default="50",
        help="concurrent clients; a comma list (10,25,50) runs each on one load",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=3_000,
        help="requests of the paced run at the most clients (fewer clients, "
        "proportionally fewer), and a third as many saturated",
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="mean seconds between one client's requests in the paced run",
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    admin_url = _pg_url()
    name = f"misper_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    server = None
    try:
        world = load(url, args.incidents)
        print(
            f"loaded {world['episodes']:,} episodes (generated in {world['generate_s']} s, "
            f"imported in {world['import_s']} s)",
            flush=True,
        )
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "misper"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--db",
                url,
            ],
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        runs = {}
        counts = [int(c) for c in str(args.clients).split(",")]
        for clients in counts:
            requests = args.requests * clients // max(counts)  # each run lasts about as long
            asyncio.run(_run(base, world, clients, clients * 2, 0))  # warm the pools
            runs[clients] = {}
            for run, count, pace in (
                ("paced", requests, args.pace),
                ("saturated", requests // 3, 0),
            ):
                before = os.getloadavg()[0]
                started = time.perf_counter()
                samples = asyncio.run(_run(base, world, clients, count, pace))
                runs[clients][run] = {
                    **_figures(samples, time.perf_counter() - started),
                    "load_average_1m_before": round(before, 1),
                    "load_average_1m_after": round(os.getloadavg()[0], 1),
                }
            print(
                f"{clients} clients: "
                + "; ".join(
                    f"{run} read p99 {r['read']['p99_ms']} ms, "
                    f"write p99 {r['write']['p99_ms']} ms, "
                    f"{r['requests_per_second']} req/s"
                    for run, r in runs[clients].items()
                ),
                flush=True,
            )
        server.terminate()
        server.wait(timeout=30)
        server = None
        audit = _check_audit_chain(url)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    results = {
        "episodes": world["episodes"],
        "workers": args.workers,
        "pace_s": args.pace,
        "import_seconds": world["import_s"],
        "cpus": os.cpu_count(),
        "audit_chain": audit,
        "runs_by_clients": runs,
    }
    print(json.dumps(results, indent=1))
    out = Path(__file__).parent / "results" / "store.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
