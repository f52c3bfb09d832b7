"""Latency of the HTTP API on a large SQLite store: prints p50/p95 per query.

    python scripts/bench_api.py                    # 1,000,000 incidents (1.3M reports) in tmp/bench_api.db
    python scripts/bench_api.py --incidents 200000 --runs 50
    python scripts/bench_api.py --keep             # keep the generated store for the next run (~1.8 GB)

The store is generated (synthetic events from warlog.cli.demo, through the store's own schema and
migrations): N incidents in `merged_events`, each told by 1 to 3 reports (75% one, 20% two,
5% three: 1.3 reports an incident), the reports in `events` with their evidence, each linked
to its incident in `event_links`.  Rows are bulk-loaded with the secondary indexes dropped and
then built again from the schema's own definitions.  The store is deleted after the run unless
--keep is given (a kept store is reused while it holds the asked-for number of incidents).

Requests go through the whole FastAPI stack in process (Starlette's TestClient): routing,
validation, SQL, serialisation.  Each query is run with varied parameters (country, type,
page, period) so that no single cached answer is timed.  The incidents view is the API's
default; two queries time the reports view (view=reports) on the same store.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from warlog.cli import demo  # noqa: E402
from warlog.store.db import Store, documents, event_links, events, evidence, merged_events  # noqa: E402

START = date(2020, 1, 1)
DAYS = 5 * 365
SOURCES = ([1] * 15) + ([2] * 4) + [3]  # reports per incident: 75% one, 20% two, 5% three
TABLES = ("documents", "events", "evidence", "merged_events", "event_links")


def _columns(table) -> list[str]:
    return [c.name for c in table.columns if not (c.primary_key and c.autoincrement is True and c.name == "id")]


def build(path: Path, n: int, seed: int = 1) -> Store:
    """A store with n incidents and their reports; reused if it already holds exactly n incidents."""
    store = Store(f"sqlite:///{path}")
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(merged_events)).scalar_one()
    if have == n:
        return store
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")  # the schema, by the migrations
    store.close()

    rng = random.Random(seed)
    t0 = time.perf_counter()
    ks = [rng.choice(SOURCES) for _ in range(n)]
    n_reports = sum(ks)
    n_docs = n_reports // 100 + 1
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    con.execute("PRAGMA foreign_keys=OFF")  # loaded in the order the keys need; checked by the tests, not here
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN "
                          f"({', '.join('?' for _ in TABLES)})", TABLES).fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')

    def inserter(table):
        cols = _columns(table)
        sql = f'INSERT INTO {table.name} ({", ".join(chr(34) + c + chr(34) for c in cols)}) VALUES ({", ".join("?" for _ in cols)})'
        return cols, sql

    doc_cols, doc_sql = inserter(documents)
    con.executemany(doc_sql, ([{"id": f"bench-{i}", "content_hash": f"{i:064d}", "published": START.isoformat(),
                                "ingested_at": now, "status": "extracted", "text": "generated", "source": "bench",
                                "origin": "bench"}.get(c) for c in doc_cols] for i in range(n_docs)))
    ev_cols, ev_sql = inserter(events)
    _, sp_sql = inserter(evidence)  # event_id, ordinal, start, end, text
    me_cols, me_sql = inserter(merged_events)
    _, ln_sql = inserter(event_links)  # event_id, merged_id, score, linked_at
    outlets = ["Reuters", "AFP", "Local media"]
    batch_ev, batch_sp, batch_me, batch_ln = [], [], [], []
    j = 0
    for i in range(n):
        day = START + timedelta(days=rng.randrange(DAYS))
        f = demo.make_event_fields(rng, day)
        f["event_date"] = day.isoformat()
        k = ks[i]
        mid = f"me-bench-{i:08d}"
        tolls = sorted(max(0, f["fatalities"] - rng.randrange(3)) for _ in range(k - 1)) + [f["fatalities"]]
        for r in range(k):
            eid = f"ev-bench-{j:08d}"
            row = dict(f, event_id=eid, doc_id=f"bench-{j % n_docs}", ordinal=j // n_docs, fatalities=tolls[r],
                       reported_by=outlets[(i + r) % 3], created_at=now)
            batch_ev.append([row.get(c) for c in ev_cols])
            batch_sp.append([eid, 0, 0, 9, "generated"])
            batch_ln.append([eid, mid, 5.0, now])
            j += 1
        merged = dict(f, merged_id=mid, country_key=f["country"].lower(), day_first=f["event_date"],
                      day_last=f["event_date"], fatalities=tolls[-1], fatalities_low=tolls[0], fatalities_high=tolls[-1],
                      reported_by="; ".join(outlets[(i + r) % 3] for r in range(k)), number_of_sources=k,
                      first_reported=(day + timedelta(days=1)).isoformat(),
                      latest_reported=(day + timedelta(days=k)).isoformat(), created_at=now, updated_at=now)
        batch_me.append([merged.get(c) for c in me_cols])
        if len(batch_me) >= 20000 or i == n - 1:
            con.executemany(me_sql, batch_me)
            con.executemany(ev_sql, batch_ev)
            con.executemany(sp_sql, batch_sp)
            con.executemany(ln_sql, batch_ln)
            batch_ev, batch_sp, batch_me, batch_ln = [], [], [], []
            print(f"\r{i + 1:,} incidents, {j:,} reports", end="", file=sys.stderr, flush=True)
    con.commit()
    print(f"\rloaded {n:,} incidents, {n_reports:,} reports in {time.perf_counter() - t0:.0f} s; building indexes",
          file=sys.stderr)
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.commit()
    con.close()
    print(f"generated in {time.perf_counter() - t0:.0f} s: {path.stat().st_size / 1e9:.2f} GB", file=sys.stderr)
    return Store(f"sqlite:///{path}")


def percentiles(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--incidents", "--events", type=int, default=1_000_000, help="incidents (merged events)")
    ap.add_argument("--db", default=str(ROOT / "tmp" / "bench_api.db"))
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--keep", action="store_true", help="keep the generated store (default: delete it after)")
    args = ap.parse_args()
    path = Path(args.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = build(path, args.incidents)
    try:
        run(store, path, args)
    finally:
        store.close()
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


def run(store: Store, path: Path, args: argparse.Namespace) -> None:
    from fastapi.testclient import TestClient

    from warlog.store import query as q
    from warlog.serve.api import create_app
    from warlog.vocabulary import EVENT_TYPES

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
        "events page: no filter, first page": lambda: ("/api/events", {}),
        "events page: no filter, pages 1-4": lambda: ("/api/events", {"page": rng.randrange(1, 5)}),
        "events page: min fatalities + bbox + year": lambda: ("/api/events", {
            "min_fatalities": rng.choice([5, 10, 20]), "bbox": "35,30,46,38", **year_range()}),
        "stats: weekly by type, country+year": lambda: ("/api/stats", {
            "country": rng.choice(countries), **year_range(), "interval": "week", "by": "event_type"}),
        "stats: monthly by admin1, country+year": lambda: ("/api/stats", {
            "country": rng.choice(countries), **year_range(), "interval": "month", "by": "admin1"}),
        "stats: weekly by type, one type, one year": lambda: ("/api/stats", {
            "event_type": rng.choice(EVENT_TYPES), **year_range(), "interval": "week"}),
        "reports view: page, country+type+year": lambda: ("/api/events", {
            "view": "reports", "country": rng.choice(countries), "event_type": rng.choice(EVENT_TYPES),
            **year_range(), "page": rng.randrange(1, 5), "per_page": 50}),
        "reports view: no filter, first page": lambda: ("/api/events", {"view": "reports"}),
        "reports view: stats weekly by type, country+year": lambda: ("/api/stats", {
            "view": "reports", "country": rng.choice(countries), **year_range(), "interval": "week", "by": "event_type"}),
    }
    with store.engine.connect() as conn:
        n_inc = conn.execute(select(func.count()).select_from(merged_events)).scalar_one()
        n_rep = conn.execute(select(func.count()).select_from(events)).scalar_one()
    size = sum(Path(f"{path}{x}").stat().st_size for x in ("", "-wal") if Path(f"{path}{x}").exists())
    print(f"{n_inc:,} incidents ({n_rep:,} reports) in {path} ({size / 1e9:.2f} GB) · {args.runs} requests per query "
          f"· in-process FastAPI (TestClient) · incidents view unless it says reports")
    print("'cold': the API's short-lived cache of totals emptied before every request (first page of a new filter);")
    print("'as served': the cache kept, as when an analyst pages through one filter.  Milliseconds.")
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
        print(f"{name:50} {cells[0]:9.1f} {cells[1]:9.1f} {cells[2]:11.1f} {cells[3]:11.1f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
