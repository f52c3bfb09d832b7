"""Latency of the HTTP API on a large SQLite store: prints p50/p95 per query.

    python scripts/bench_api.py                    # 1,000,000 generated events in tmp/bench_api.db
    python scripts/bench_api.py --events 200000 --runs 50

The store is generated once (synthetic events from warlog.demo, bulk-inserted through the
store's own schema and migrations) and reused while it holds the asked-for number of events.
Requests go through the whole FastAPI stack in process (Starlette's TestClient): routing,
validation, SQL, serialisation.  Each query is run with varied parameters (country, type,
page, period) so that no single cached answer is timed.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from warlog import demo  # noqa: E402
from warlog.store import Store, documents, events, evidence  # noqa: E402

START = date(2020, 1, 1)
DAYS = 5 * 365


def build(path: Path, n: int, seed: int = 1) -> Store:
    store = Store(f"sqlite:///{path}")
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(events)).scalar_one()
    if have == n:
        return store
    if have:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        store = Store(f"sqlite:///{path}")
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    per_doc = 100
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        docs = [{"id": f"bench-{i}", "content_hash": f"{i:064d}", "published": START, "country": None, "title": None,
                 "url": None, "source": "bench", "origin": "bench", "text": "generated", "ingested_at": now,
                 "status": "extracted", "error": None} for i in range(n // per_doc + 1)]
        conn.execute(insert(documents), docs)
        batch_ev, batch_sp = [], []
        for i in range(n):
            day = START + timedelta(days=rng.randrange(DAYS))
            f = demo.make_event_fields(rng, day)
            eid = f"ev-bench-{i:08d}"
            f.update(event_id=eid, doc_id=f"bench-{i // per_doc}", ordinal=i % per_doc, assoc_actor_1=None,
                     assoc_actor_2=None, fatalities_low=None, fatalities_high=None, fatalities_qualifier=None,
                     injured=None, captured=None, extra=None, created_at=now)
            batch_ev.append(f)
            batch_sp.append({"event_id": eid, "ordinal": 0, "start": 0, "end": 9, "text": "generated"})
            if len(batch_ev) == 20000:
                conn.execute(insert(events), batch_ev)
                conn.execute(insert(evidence), batch_sp)
                batch_ev, batch_sp = [], []
                print(f"\r{i + 1:,} events", end="", file=sys.stderr, flush=True)
        if batch_ev:
            conn.execute(insert(events), batch_ev)
            conn.execute(insert(evidence), batch_sp)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"\rgenerated {n:,} events in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return store


def percentiles(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--db", default=str(ROOT / "tmp" / "bench_api.db"))
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    path = Path(args.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = build(path, args.events)

    from fastapi.testclient import TestClient

    from warlog.api import create_app
    from warlog.taxonomy import EVENT_TYPES

    client = TestClient(create_app(store))
    rng = random.Random(2)
    countries = list(demo.PLACES)

    def year_range() -> dict[str, str]:
        y = rng.randrange(2020, 2025)
        return {"since": f"{y}-01-01", "until": f"{y}-12-31"}

    queries = {
        "events page: country+type+year, sorted by date": lambda: ("/api/events", {
            "country": rng.choice(countries), "event_type": rng.choice(EVENT_TYPES), **year_range(),
            "page": rng.randrange(1, 5), "per_page": 50}),
        "events page: country only, page 1-20": lambda: ("/api/events", {
            "country": rng.choice(countries), "page": rng.randrange(1, 21), "per_page": 50}),
        "events page: no filter (1M total)": lambda: ("/api/events", {"page": rng.randrange(1, 5)}),
        "stats: weekly by type, country+year": lambda: ("/api/stats", {
            "country": rng.choice(countries), **year_range(), "interval": "week", "by": "event_type"}),
        "stats: monthly by admin1, country+year": lambda: ("/api/stats", {
            "country": rng.choice(countries), **year_range(), "interval": "month", "by": "admin1"}),
        "stats: weekly by type, one type, one year": lambda: ("/api/stats", {
            "event_type": rng.choice(EVENT_TYPES), **year_range(), "interval": "week"}),
    }
    print(f"{args.events:,} events in {path} · {args.runs} requests per query · in-process FastAPI (TestClient)")
    from warlog import query as q

    print("'cold': the API's short-lived cache of totals emptied before every request (first page of a new filter);")
    print("'as served': the cache kept, as when an analyst pages through one filter.")
    print(f"{'query':50} {'cold p50':>9} {'cold p95':>9} {'served p50':>11} {'served p95':>11}")
    for name, make in queries.items():
        for _ in range(3):  # warm up
            url, params = make()
            client.get(url, params=params)
        cells = []
        for cold in (True, False):
            times = []
            for _ in range(args.runs):
                url, params = make()
                if cold:
                    q.counts.clear()
                t = time.perf_counter()
                r = client.get(url, params=params)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
            cells.extend(percentiles(times))
        print(f"{name:50} {cells[0]:9.1f} {cells[1]:9.1f} {cells[2]:11.1f} {cells[3]:11.1f}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
