#!/usr/bin/env python3
"""How much the place matcher adds to `extract`: times PlaceMatcher.__call__ inside extract_stream.

    python scripts/bench_places.py [DOCS.jsonl]

Prints the whole extract time, the time spent finding and resolving places, and the second as a
share of the rest (the issue's budget: at most 15%). One warm-up pass over 50 documents first.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[2] / "shared/data/dev/acled2020.jsonl")
    import warlog.geo.matcher as matcher
    from warlog.extract.pipeline import extract_stream
    from warlog.records import Document

    spent = [0.0]
    original = matcher.PlaceMatcher.__call__

    def timed(self, doc, country_hint=None):
        t = time.perf_counter()
        try:
            return original(self, doc, country_hint)
        finally:
            spent[0] += time.perf_counter() - t

    matcher.PlaceMatcher.__call__ = timed
    with open(path, encoding="utf-8") as fh:
        docs = [Document.model_validate(json.loads(line)) for line in fh if line.strip()]
    list(extract_stream(docs[:50]))
    spent[0] = 0.0
    t = time.perf_counter()
    events = sum(1 for _ in extract_stream(docs))
    total = time.perf_counter() - t
    print(f"documents {len(docs)}, results {events}: extract {total:.2f} s, of which places {spent[0]:.2f} s "
          f"= {100 * spent[0] / max(total - spent[0], 1e-9):.1f}% added to the rest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
