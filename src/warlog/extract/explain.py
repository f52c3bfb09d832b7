"""Why warlog coded a report the way it did: per sentence its class, cues, actors, places,
counts and dates; per event the rules that decided it (`coded_by`). Behind `warlog explain`."""
from __future__ import annotations

from typing import Any

from spacy.language import Language

from warlog.extract.decisions import attribution
from warlog.extract.events import Extractor, default_extractor
from warlog.extract.units import Sentence
from warlog.extract.nlp import load_pipeline
from warlog.geo.countries import to_iso2
from warlog.records import Document

SENTENCE_FLAGS = ("headline", "caption", "history", "tally", "estimate", "trend", "commentary", "no_casualties")


def sentence_classes(s: Sentence) -> list[str]:
    """The classes a sentence was given ("narrative" when none of them)."""
    return [flag for flag in SENTENCE_FLAGS if getattr(s, flag)] or ["narrative"]


def _sentence(s: Sentence) -> dict[str, Any]:
    return {
        "index": s.index,
        "paragraph": s.paragraph,
        "text": s.text,
        "classes": sentence_classes(s),
        "cues": [{"rule": f"cues:{c.rule_id}", "sub_event_type": c.sub_event_type, "weight": c.weight,
                  "text": s.text[c.start - s.start:c.end - s.start]} for c in s.cues],
        "actors": [{"text": a.text, "actor": a.actor.name, "inter": a.actor.inter,
                    "role": "source" if attribution(s, a) else "party"} for a in s.actors],
        "places": [{"text": p.text, "place": p.place.name if p.place else None,
                    "country": p.place.country if p.place else None,
                    "admin1": p.place.admin1 if p.place else None} for p in s.places],
        "counts": [{"text": c.text, "best": c.best, "low": c.low, "high": c.high, "qualifier": c.qualifier,
                    "kinds": sorted(c.kinds), "rule": c.rule_id or None} for c in s.counts],
        "dates": [{"text": d.text, "start": d.value.start.isoformat(), "end": d.value.end.isoformat(),
                   "precision": d.value.precision, "report_date": d.is_report_date} for d in s.dates],
    }


def explain(document: Document, *, nlp: Language | None = None, extractor: Extractor | None = None) -> dict[str, Any]:
    """The explanation of one document as plain data (JSON-ready)."""
    nlp = nlp or load_pipeline()
    extractor = extractor or default_extractor()
    doc = nlp.make_doc(document.text)
    if doc.has_extension("country_hint"):
        doc._.country_hint = to_iso2(document.country) if document.country else None
    doc = nlp(doc)
    sentences, _ = extractor._sentences(doc, document)
    extraction = extractor.extract(doc, document)
    starts = {s.start: s.index for s in sentences}
    events = []
    for e in extraction.events:
        events.append({
            "event_type": e.event_type, "sub_event_type": e.sub_event_type, "event_date": e.event_date.isoformat() if e.event_date else None,
            "actor1": e.actor1, "actor2": e.actor2, "location": e.location, "admin1": e.admin1, "country": e.country,
            "fatalities": e.fatalities, "coded_by": e.coded_by,
            "sentences": [starts[s.start] for s in e.evidence if s.start in starts],
        })
    claims = [{"kind": c.kind, "what": c.what, "value": c.value, "text": c.evidence[0].text if c.evidence else None}
              for c in extraction.claims]
    return {"doc_id": document.id, "sentences": [_sentence(s) for s in sentences], "events": events, "claims": claims}
