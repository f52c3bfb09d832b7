"""The one way documents go into the store: `warlog ingest`, `warlog run` and ``POST /api/ingest``.

Each document is extracted, then stored with its events, evidence and claims in one
transaction, in which its events are merged into incidents (`warlog.merge.dedup.assign`): a
document and its merging commit together or not at all.  What fails -- an input that cannot be
read, a document that cannot be extracted, one that cannot be stored -- is reported with its
origin, recorded in ``ingest_errors`` and counted, and the rest of the batch goes on.  At the
end, analysts' values are written back wherever the machine rewrote them.

Layers: this module calls the store (`warlog.store.db`), merging and review; none of them
calls it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from warlog.ingest.readers import IngestError
from warlog.merge.dedup import assign
from warlog.records import Document, Extraction
from warlog.store.db import Store
from warlog.store.review import reapply_overrides

STATS = ("documents", "new", "already stored", "events", "claims", "failed")


def save(store: Store, extraction: Extraction, *, merge: bool = True) -> bool:
    """Store one document's extraction in one transaction, its events merged into incidents in
    the same transaction (``merge=False``: left for `warlog merge`).  False if it was stored
    before; an error rolls everything back and is raised."""
    return store.save_extraction(extraction, then=assign if merge else None)


def ingest(store: Store, items: Iterable[Document | IngestError], *,
           report: Callable[[str], Any] | None = None, tick: Callable[[], Any] | None = None,
           merge: bool = True, **extract: Any) -> dict[str, int]:
    """Extract, store and merge every document of ``items``; returns the counts (`STATS`):
    documents extracted, new, already stored, their events and claims, and failures.

    ``report(message)`` is told of each failure ("ORIGIN: REASON", as it is recorded);
    ``tick()`` is called once per input, for a progress display; ``extract`` goes to
    `warlog.extract.pipeline.extract_stream`.
    """
    from warlog.extract.pipeline import ExtractionError, extract_stream  # spaCy: only when extracting

    stats = dict.fromkeys(STATS, 0)

    def failed(origin: str, reason: str) -> None:
        stats["failed"] += 1
        if report is not None:
            report(f"{origin}: {reason}")
        store.record_error(origin, reason)

    for result in extract_stream(items, **extract):
        if tick is not None:
            tick()
        if isinstance(result, (IngestError, ExtractionError)):
            failed(result.origin, result.reason)
            continue
        stats["documents"] += 1
        try:
            saved = save(store, result, merge=merge)
        except Exception as exc:  # noqa: BLE001 - the document is reported, the batch goes on
            failed(result.document.origin or result.document.id, f"could not be stored: {exc}")
            continue
        if saved:
            stats["new"] += 1
            stats["events"] += len(result.events)
            stats["claims"] += len(result.claims)
        else:
            stats["already stored"] += 1
    reapply_overrides(store.engine)  # analysts' edits win over whatever the machine rewrote
    return stats
