#!/usr/bin/env python3
"""Benchmark: warlog's `extract` against spaCy's own `nlp.pipe` with the same model, same texts.

    python scripts/bench_extract.py [DOCS.jsonl] [--repeat N]

Prints documents per second for both, their ratio, the gazetteer's load time and the
process's resident memory.  Model loading is outside the timed parts; each side gets one
warm-up pass over the first 50 documents.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("docs", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared/data/dev/acled2020.jsonl"))
    parser.add_argument("--repeat", type=int, default=1, help="timed passes per side (the best is kept)")
    args = parser.parse_args()

    from warlog.records import Document

    docs = []
    with open(args.docs, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                docs.append(Document.model_validate(json.loads(line)))
    texts = [d.text for d in docs]
    words = sum(len(t.split()) for t in texts)

    t0 = time.perf_counter()
    from warlog.geo.gazetteer import default_gazetteer
    gaz = default_gazetteer()
    gaz.lookup("Aleppo")
    gazetteer_load = time.perf_counter() - t0

    from warlog.extract.nlp import load_pipeline, load_reference_pipeline
    from warlog.extract.pipeline import extract_stream
    from warlog.extract.events import default_extractor

    reference = load_reference_pipeline()
    nlp = load_pipeline()
    extractor = default_extractor()

    list(reference.pipe(texts[:50]))
    list(extract_stream(docs[:50], nlp=nlp, extractor=extractor))

    def time_it(fn) -> float:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best

    spacy_s = time_it(lambda: [None for _ in reference.pipe(texts, batch_size=32)])
    events = 0

    def run_warlog() -> None:
        nonlocal events
        events = 0
        for result in extract_stream(docs, nlp=nlp, extractor=extractor):
            events += len(getattr(result, "events", []))

    warlog_s = time_it(run_warlog)
    with nlp.select_pipes(disable=["warlog_actors", "warlog_places"]):
        parse_only_s = time_it(lambda: [None for _ in nlp.pipe(texts, batch_size=32)])
        parse_names = "+".join(nlp.pipe_names)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    spacy_rate, warlog_rate = len(docs) / spacy_s, len(docs) / warlog_s
    print(f"documents: {len(docs)}  words: {words}  file: {args.docs}")
    print(f"spaCy nlp.pipe ({'+'.join(reference.pipe_names)}): {spacy_s:.2f} s  {spacy_rate:.1f} docs/s  {words / spacy_s:.0f} words/s")
    print(f"warlog extract (parse + places + actors + events): {warlog_s:.2f} s  {warlog_rate:.1f} docs/s  {events} events")
    print(f"  of which the model's parse ({parse_names}): {parse_only_s:.2f} s; actors, places (gazetteer) and assembly: {warlog_s - parse_only_s:.2f} s ({(warlog_s - parse_only_s) / warlog_s:.0%})")
    print(f"ratio warlog/spaCy docs per second: {warlog_rate / spacy_rate:.2f}")
    print(f"gazetteer load (open + first lookup): {gazetteer_load * 1000:.0f} ms")
    print(f"peak resident memory of this process: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
