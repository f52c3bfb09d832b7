"""Measure cross-source merging on `warlog extract` output, through the real store.

    warlog extract DOCS.jsonl -o EVENTS.jsonl
    python scripts/eval_merge.py DOCS.jsonl EVENTS.jsonl [--db PATH] [--show N]

Every document is saved with its extracted events into a fresh SQLite store, in publication
order, so each is merged as it arrives (the ingest service's ``save``: stored and merged in one
transaction).  Then:

* separation: the share of documents whose events were merged with no other document's
  (for a set where every document is a distinct incident, e.g. acled2020.jsonl);
* with ``gold.incident`` on the documents (tests/data_merge/reports.jsonl): the share of
  reports that land in their incident's merged event (the one holding most of its reports,
  holding no other incident's), and whether each incident's fatalities best/low/high match
  ``gold.fatalities`` (best: the latest report's toll; low, high: the lowest and highest).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import select

from warlog.ingest.service import save
from warlog.records import Document, Event, Extraction
from warlog.store.db import Store, event_links, events, merged_events


def load(docs_path: str, events_path: str) -> tuple[list[Document], dict[str, list[Event]], dict[str, dict]]:
    docs, gold = [], {}
    for line in open(docs_path, encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            docs.append(Document(**d))
            gold[str(d["id"])] = d.get("gold") or {}
    evs: dict[str, list[Event]] = defaultdict(list)
    for line in open(events_path, encoding="utf-8"):
        if line.strip():
            e = json.loads(line)
            if e.get("record") == "claim":
                continue
            evs[e["doc_id"]].append(Event(**e))
    return docs, evs, gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs")
    ap.add_argument("events")
    ap.add_argument("--db", help="keep the store here (default: a temporary file)")
    ap.add_argument("--show", type=int, default=10, help="print up to N errors")
    ap.add_argument("--dated-right", action="store_true",
                    help="keep only documents whose extracted events include the gold date (gold.date): "
                         "merging measured apart from date resolution")
    args = ap.parse_args(argv)

    docs, evs, gold = load(args.docs, args.events)
    if args.dated_right:
        kept = [d for d in docs if gold[d.id].get("date") in {str(e.event_date) for e in evs.get(d.id, [])}]
        print(f"dated right: {len(kept)}/{len(docs)} documents kept")
        docs = kept
    tmp = tempfile.TemporaryDirectory()
    db = args.db or str(Path(tmp.name) / "merge.db")
    store = Store.from_path_or_url(db)
    t0 = time.perf_counter()
    for d in sorted(docs, key=lambda d: (d.published is None, d.published)):
        save(store, Extraction(document=d, events=evs.get(d.id, [])))
    elapsed = time.perf_counter() - t0
    with store.engine.connect() as conn:
        q = select(events.c.event_id, events.c.doc_id, event_links.c.merged_id).join(
            event_links, event_links.c.event_id == events.c.event_id)
        rows = conn.execute(q).all()
        merged = {r.merged_id: dict(r) for r in conn.execute(select(merged_events)).mappings()}
    store.close()

    docs_of: dict[str, set[str]] = defaultdict(set)
    clusters_of_doc: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        docs_of[r.merged_id].add(r.doc_id)
        clusters_of_doc[r.doc_id].add(r.merged_id)
    with_events = [d.id for d in docs if clusters_of_doc.get(d.id)]
    alone = [d for d in with_events if all(len(docs_of[c]) == 1 for c in clusters_of_doc[d])]
    n_events = len(rows)
    print(f"documents: {len(docs)}  with events: {len(with_events)}  events: {n_events}  "
          f"merged events: {len(merged)}  (stored and merged in {elapsed:.1f} s)")
    sep = len(alone) / len(with_events) if with_events else 1.0
    print(f"separation: {len(alone)}/{len(with_events)} documents with events left unmerged = {sep:.2%}  "
          f"(merged events / events = {len(merged) / max(n_events, 1):.2%})")

    if any(g.get("incident") for g in gold.values()):
        by_incident: dict[str, list[str]] = defaultdict(list)
        for d in docs:
            by_incident[gold[d.id]["incident"]].append(d.id)
        main_of: dict[str, str | None] = {}
        for inc, ids in by_incident.items():
            votes = Counter(c for i in ids for c in clusters_of_doc.get(i, ()))
            main_of[inc] = votes.most_common(1)[0][0] if votes else None
        owners: dict[str, set[str]] = defaultdict(set)
        for d in docs:
            for c in clusters_of_doc.get(d.id, ()):
                owners[c].add(gold[d.id]["incident"])
        right, wrong, no_event = 0, [], []
        for d in docs:
            inc = gold[d.id]["incident"]
            cl = clusters_of_doc.get(d.id, set())
            if not cl:
                no_event.append(d.id)
                continue
            main = main_of[inc]
            if main in cl and owners[main] == {inc}:
                right += 1
            else:
                wrong.append((d.id, sorted(owners[main]) if main else []))
        n = len(docs)
        print(f"reports in the right event: {right}/{n} = {right / n:.2%}   "
              f"(no event extracted: {len(no_event)}; of reports with an event: {right}/{n - len(no_event)} = "
              f"{right / max(n - len(no_event), 1):.2%})")
        false = [c for c, o in owners.items() if len(o) > 1]
        print(f"merged events mixing incidents: {len(false)}")
        ok_range, bad_range = 0, []
        for inc, ids in by_incident.items():
            tolls = [(docs_by_id(docs)[i].published, gold[i]["fatalities"]) for i in ids]
            tolls.sort(key=lambda t: t[0])
            expect = (tolls[-1][1], min(t for _, t in tolls), max(t for _, t in tolls))
            m = merged.get(main_of[inc]) if main_of[inc] else None
            got = (m["fatalities"], m["fatalities_low"] or 0, m["fatalities_high"] or 0) if m else None
            if expect[0] == 0:
                expect = (0, 0, 0)
            if got == expect and docs_of[main_of[inc]] == set(ids):
                ok_range += 1
            else:
                bad_range.append((inc, expect, got))
        print(f"incidents with every report merged and fatalities best/low/high right: "
              f"{ok_range}/{len(by_incident)} = {ok_range / len(by_incident):.2%}")
        for d, owner in wrong[: args.show]:
            print(f"  misplaced: {d} (its incident's event holds {owner})")
        for d in no_event[: args.show]:
            print(f"  no event: {d}")
        for inc, e, g in bad_range[: args.show]:
            print(f"  fatalities {inc}: expected {e}, got {g}")
    elif args.show:
        for c, ds in list((c, ds) for c, ds in docs_of.items() if len(ds) > 1)[: args.show]:
            print(f"  merged: {sorted(ds)}")
    tmp.cleanup()
    return 0


_BY_ID: dict[int, dict[str, Document]] = {}


def docs_by_id(docs: list[Document]) -> dict[str, Document]:
    key = id(docs)
    if key not in _BY_ID:
        _BY_ID[key] = {d.id: d for d in docs}
    return _BY_ID[key]


if __name__ == "__main__":
    sys.exit(main())
