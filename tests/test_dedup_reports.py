"""Merge recall end to end: tests/data_merge/reports.jsonl (44 incidents, 109 reports in
different words, outlets and days; see make_reports.py) through the real extraction, store
and merging.  `python scripts/eval_merge.py` prints the same figures in full."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from warlog.records import Document
from warlog.ingest.service import save
from warlog.store.db import Store, event_links, events, merged_events

REPORTS = Path(__file__).parent / "data_merge" / "reports.jsonl"


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> dict:
    from warlog.extract.pipeline import extract_stream

    lines = [json.loads(line) for line in REPORTS.open(encoding="utf-8")]
    gold = {d["id"]: d["gold"] for d in lines}
    docs = [Document(**d) for d in lines]
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('merge') / 'w.db'}")
    extracted = {}
    for ex in extract_stream(sorted(docs, key=lambda d: d.published)):
        extracted[ex.document.id] = ex
        save(store, ex)
    with store.engine.connect() as conn:
        rows = conn.execute(select(events.c.doc_id, events.c.event_date, event_links.c.merged_id)
                            .join(event_links, event_links.c.event_id == events.c.event_id)).all()
        stored = {r.merged_id: dict(r) for r in conn.execute(select(merged_events)).mappings()}
    store.close()
    clusters = defaultdict(set)
    docs_of = defaultdict(set)
    dated_right = set()
    for r in rows:
        clusters[r.doc_id].add(r.merged_id)
        docs_of[r.merged_id].add(r.doc_id)
        if str(r.event_date) == gold[r.doc_id]["date"]:
            dated_right.add(r.doc_id)
    return {"gold": gold, "clusters": clusters, "docs_of": docs_of, "stored": stored, "dated_right": dated_right,
            "extracted": extracted}


def _recall(m: dict, keep: set[str]) -> float:
    gold, clusters, docs_of = m["gold"], m["clusters"], m["docs_of"]
    by_incident = defaultdict(list)
    for d in keep:
        by_incident[gold[d]["incident"]].append(d)
    right = 0
    for inc, ids in by_incident.items():
        votes = Counter(c for d in ids for c in clusters.get(d, ()))
        if not votes:
            continue
        main = votes.most_common(1)[0][0]
        owners = {gold[d]["incident"] for d in docs_of[main]}
        right += sum(1 for d in ids if main in clusters.get(d, ()) and owners == {inc})
    return right / len(keep)


def test_the_set_is_what_the_issue_asks_for() -> None:
    gold = [json.loads(line)["gold"] for line in REPORTS.open(encoding="utf-8")]
    sizes = Counter(g["incident"] for g in gold)
    assert len(sizes) >= 40 and all(2 <= n <= 5 for n in sizes.values())


def test_no_merged_event_mixes_two_incidents(merged: dict) -> None:
    mixed = [c for c, ds in merged["docs_of"].items() if len({merged["gold"][d]["incident"] for d in ds}) > 1]
    assert mixed == []


def test_reports_dated_right_land_in_their_incident(merged: dict) -> None:
    keep = merged["dated_right"]
    assert len(keep) >= 70
    assert _recall(merged, keep) >= 0.85


def test_reports_land_in_their_incident(merged: dict) -> None:
    """The issue's target: at least 95% of all the reports, however their extraction varies
    (sub-event type, sides swapped, the place a province or a town, relative dates, rising tolls)."""
    assert _recall(merged, set(merged["gold"])) >= 0.95


def test_merged_fatality_ranges_match_the_gold_tolls(merged: dict) -> None:
    """For nearly every incident, its merged event holds all its reports and the latest, lowest and
    highest tolls the reports gave (as written, not as extracted)."""
    gold, stored, clusters = merged["gold"], merged["stored"], merged["clusters"]
    published = {d: ex.document.published for d, ex in merged["extracted"].items()}
    by_incident = defaultdict(list)
    for d in gold:
        by_incident[gold[d]["incident"]].append(d)
    right = 0
    for inc, ids in by_incident.items():
        cls = {c for d in ids for c in clusters.get(d, ())}
        if len(cls) != 1 or merged["docs_of"][next(iter(cls))] != set(ids):
            continue
        ids.sort(key=lambda d: (published[d], d))
        tolls = [gold[d]["fatalities"] for d in ids]
        m = stored[cls.pop()]
        expect = (tolls[-1], min(tolls), max(tolls)) if max(tolls) else (0, 0, 0)
        right += (m["fatalities"], m["fatalities_low"] or 0, m["fatalities_high"] or 0) == expect
    assert right >= 0.9 * len(by_incident)


def test_fatality_ranges_follow_the_reports_as_extracted(merged: dict) -> None:
    """Where every report of an incident had its toll read as written, the merged event's
    best/low/high are the latest toll, the lowest and the highest."""
    gold, ex, stored = merged["gold"], merged["extracted"], merged["stored"]
    by_incident = defaultdict(list)
    for d in gold:
        by_incident[gold[d]["incident"]].append(d)
    checked = 0
    for inc, ids in by_incident.items():
        cls = {c for d in ids for c in merged["clusters"].get(d, ())}
        if len(cls) != 1 or any(len(ex[d].events) != 1 or ex[d].events[0].fatalities != gold[d]["fatalities"]
                                for d in ids):
            continue
        ids.sort(key=lambda d: (ex[d].document.published, d))
        tolls = [gold[d]["fatalities"] for d in ids]
        m = stored[cls.pop()]
        if max(tolls) == 0:
            assert m["fatalities"] == 0
        else:
            assert (m["fatalities"], m["fatalities_low"], m["fatalities_high"]) == (tolls[-1], min(tolls), max(tolls)), inc
        assert m["number_of_sources"] == len(ids)
        checked += 1
    assert checked >= 8
