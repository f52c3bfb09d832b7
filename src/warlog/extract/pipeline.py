"""Documents in, extractions out: the language layer and the assembly, streamed in batches."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language

from warlog.extract.events import Extractor, default_extractor
from warlog.geo.countries import to_iso2
from warlog.ingest.readers import IngestError
from warlog.extract.nlp import load_pipeline
from warlog.records import Document, Extraction

#: Longer texts are refused with a clear message rather than parsed for minutes.
MAX_EXTRACT_CHARS = 1_000_000


@dataclass(frozen=True)
class ExtractionError:
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


def _origin(doc: Document) -> str:
    return doc.origin or doc.id


def extract_stream(
    items: Iterable[Document | IngestError],
    *,
    nlp: Language | None = None,
    extractor: Extractor | None = None,
    batch_size: int = 32,
) -> Iterator[Extraction | IngestError | ExtractionError]:
    """Extract every document; errors (ingest or extraction) come through in order, and
    one bad document never stops the others."""
    nlp = nlp or load_pipeline()
    extractor = extractor or default_extractor()

    def admissible() -> Iterator[tuple[str, Document | IngestError | ExtractionError]]:
        for item in items:
            if isinstance(item, IngestError):
                yield "", item
            elif len(item.text) > MAX_EXTRACT_CHARS:
                yield "", ExtractionError(_origin(item), f"text too long to extract: {len(item.text):,} characters > {MAX_EXTRACT_CHARS:,}")
            else:
                doc = nlp.make_doc(item.text)
                if doc.has_extension("country_hint"):
                    doc._.country_hint = to_iso2(item.country) if item.country else None
                yield doc, item

    for parsed, item in nlp.pipe(admissible(), as_tuples=True, batch_size=batch_size):
        if not isinstance(item, Document):
            yield item
            continue
        try:
            yield extractor.extract(parsed, item)
        except Exception as exc:  # noqa: BLE001 - one document's failure must not stop the batch
            yield ExtractionError(_origin(item), f"extraction failed: {type(exc).__name__}: {exc}")
