"""Time cross-source merging on generated events, through the store.

    python scripts/bench_merge.py [--sizes 25000 100000] [--keep DIR]

For each size N: N generated events (incidents told by one to four reports each, over a
period that grows with N, so that the events a day stays that of a busy conflict feed: about
35 a day per country in 30 countries) are stored without merging, then ``warlog merge``'s
step (``dedup.merge_pending``) assigns them all; its time is printed, with the time per
event and the ratio between the sizes (linear growth: the ratio of times is the ratio of
sizes).  The same run prints how many merged events came out against the incidents generated.
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from warlog.records import Document, Event, Extraction, Span
from warlog.store.db import Store

COUNTRIES = [f"Country{i:02d}" for i in range(30)]
TYPES = [("Political violence", "Battles", "Armed clash"),
         ("Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
         ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
         ("Political violence", "Violence against civilians", "Attack"),
         ("Demonstrations", "Protests", "Peaceful protest")]
VICTIMS = ["soldiers", "civilians", "villagers", "police officers", "fighters", "protesters"]
SYL = ["ka", "ra", "mo", "li", "ta", "ba", "su", "ne", "di", "ho", "za", "vi"]
EVENTS_A_DAY = 35 * len(COUNTRIES)


def town(rng: random.Random) -> str:
    return "".join(rng.choice(SYL) for _ in range(3)).capitalize()


def generate(n: int, seed: int = 7) -> list[Extraction]:
    rng = random.Random(seed)
    towns = {c: [(town(rng), 30 + rng.random() * 10, 30 + rng.random() * 10) for _ in range(300)] for c in COUNTRIES}
    actors = {c: [f"Group {k} ({c})" for k in range(8)] for c in COUNTRIES}
    days = max(1, n // EVENTS_A_DAY)
    start = date(2020, 1, 1)
    out: list[Extraction] = []
    k = 0
    while k < n:
        c = rng.choice(COUNTRIES)
        name, lat, lon = rng.choice(towns[c])
        day = start + timedelta(days=rng.randrange(days))
        dis, et, st = rng.choice(TYPES)
        a1, a2 = rng.sample(actors[c], 2)
        victims = rng.choice(VICTIMS)
        toll = rng.choice([0, 0, 1, 2, 3, 5, 8, 12, 20])
        for r in range(min(rng.choice([1, 1, 2, 2, 3, 4]), n - k)):
            toll_r = toll + r * rng.choice([0, 1, 2])
            text = (f"{a1} attacked {a2} near {name} on {day:%B %d}, killing {toll_r} {victims}, "
                    f"source {r} said. Report {k}.")
            doc = Document(id=f"d{k}", text=text, published=day + timedelta(days=r), source=f"Outlet {r}")
            ev = Event(doc_id=doc.id, event_date=day, time_precision=1, disorder_type=dis, event_type=et,
                       sub_event_type=st, actor1=a1, actor2=a2, country=c, admin1=f"{c} Province",
                       location=name, latitude=lat + rng.random() * 0.01, longitude=lon, geo_precision=1,
                       fatalities=toll_r, reported_by=f"Source {r}", confidence=0.8,
                       evidence=[Span(start=0, end=len(text), text=text)])
            out.append(Extraction(document=doc, events=[ev]))
            k += 1
    return out


def bench(n: int, workdir: Path) -> tuple[float, int, int]:
    from warlog.merge.dedup import merge_pending

    db = workdir / f"bench_{n}.db"
    if db.exists():
        db.unlink()
    store = Store.from_path_or_url(db)
    exs = generate(n)
    from sqlalchemy import insert

    from warlog.store import db as s

    now = s._now()
    docs, evs, spans = [], [], []
    for ex in exs:  # bulk insert, not merged (saving document by document would time the store, not the merge)
        chash = ex.document.content_hash
        docs.append(Store._document_row(ex.document, chash, now, status="extracted", error=None))
        e_rows, sp_rows = Store._event_rows(ex, chash, now)
        evs.extend(e_rows)
        spans.extend(sp_rows)
    with store.engine.begin() as conn:
        conn.execute(insert(s.documents), docs)
        conn.execute(insert(s.events), evs)
        conn.execute(insert(s.evidence), spans)
    t0, c0 = time.perf_counter(), time.process_time()
    stats = merge_pending(store)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    store.close()
    return elapsed, cpu, stats["assigned"], stats["created"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    ap.add_argument("--keep", help="folder for the databases (default: a temporary one)")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    work = Path(args.keep or tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        elapsed, cpu, assigned, created = bench(n, work)
        results.append((n, elapsed, cpu))
        print(f"{n:>7} events: merged in {elapsed:6.1f} s wall, {cpu:6.1f} s CPU  ({elapsed / n * 1e6:5.0f} µs/event; "
              f"{assigned} assigned, {created} merged events)", flush=True)
    if len(results) > 1:
        (n0, t0, c0), (n1, t1, c1) = results[0], results[-1]
        print(f"growth: {n1 / n0:.1f}x events -> {t1 / t0:.2f}x wall time, {c1 / c0:.2f}x CPU time")
    tmp.cleanup()


if __name__ == "__main__":
    main()
