"""Tally claims against the incidents stored: the first thing an analyst asks when two
monitors disagree.

For a tally ("about 200 soldiers ... killed in the Badia since January"), the merged events
that fall inside it -- its period, its country, the places it names (provinces, districts,
towns), the kind of victims where the claim says ("soldiers": incidents with state forces on
one side; "civilians": incidents targeting civilians; "IS members": incidents with IS on one
side) -- and the sum of their deaths (best, low, high), side by side with the claim.

Incidents are read through `warlog.store.query` (those an analyst rejected are left out); the
words that say a claim counts soldiers or civilians are the lexicon's ``claim_state_forces`` and
``claim_civilians``.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from warlog import rules
from warlog.merge.dedup import _squash, names_match
from warlog.records import MergedEvent
from warlog.store.db import documents
from warlog.store.query import EventFilter, iter_events

_GROUPS = {"islamic state": re.compile(r"\b(IS|ISIS|ISIL|Islamic State|Daesh)\b"),
           "al shabaab": re.compile(r"\bal[- ]?Shabaa?b\b", re.I),
           "boko haram": re.compile(r"\bBoko Haram\b", re.I),
           "rapid support forces": re.compile(r"\b(RSF|Rapid Support Forces)\b")}


_victim_words: tuple[Any, tuple[re.Pattern[str], re.Pattern[str]]] | None = None


def _victim_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(state forces, civilians): the lexicon's words for them in a claim, per rule set."""
    global _victim_words
    rs = rules.active()
    if _victim_words is None or _victim_words[0] is not rs:
        _victim_words = (rs, tuple(re.compile(rf"\b({rs.lexicon(i)})\b", re.I)
                                   for i in ("claim_state_forces", "claim_civilians")))  # type: ignore[assignment]
    return _victim_words[1]


@dataclass
class Check:
    claim: Any
    country: str | None
    places: list[str]
    victims: str
    incidents: list[MergedEvent] = field(default_factory=list)

    @property
    def best(self) -> int:
        return sum(int(e.fatalities or 0) for e in self.incidents)

    @property
    def low(self) -> int:
        return sum(int(e.fatalities_low if e.fatalities_low is not None else e.fatalities or 0)
                   for e in self.incidents)

    @property
    def high(self) -> int:
        return sum(int(e.fatalities_high if e.fatalities_high is not None else e.fatalities or 0)
                   for e in self.incidents)

    def as_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "claim": {"doc_id": c.doc_id, "what": c.what, "value": c.value, "low": c.low, "high": c.high,
                      "qualifier": c.qualifier, "period_start": str(c.period_start) if c.period_start else None,
                      "period_end": str(c.period_end) if c.period_end else None, "where": c.where, "source": c.source},
            "country": self.country, "places": self.places, "victims": self.victims,
            "incidents": [e.event_id for e in self.incidents],
            "fatalities": self.best, "fatalities_low": self.low, "fatalities_high": self.high,
        }


def _victim_kind(what: str) -> str:
    for name, rx in _GROUPS.items():
        if rx.search(what):
            return name
    military, civilian = _victim_patterns()
    if military.search(what):
        return "state forces"
    if civilian.search(what):
        return "civilians"
    return "any"


def _fits_victims(e: MergedEvent, kind: str) -> bool:
    if kind == "any":
        return True
    if kind == "state forces":
        return 1 in (e.inter1, e.inter2) or 3 in (e.inter1, e.inter2)
    if kind == "civilians":
        return bool(e.civilian_targeting) or 7 in (e.inter1, e.inter2)
    return any(kind in (a or "").lower() for a in (e.actor1, e.actor2))


def _names(e: MergedEvent) -> set[str]:
    out = {_squash(e.location or ""), _squash(e.admin2 or ""), _squash(e.country or "")}
    for a in re.split(r"\s*/\s*", e.admin1 or ""):
        out.add(_squash(a))
    return {n for n in out if n}


def crosscheck(store: Any, *, doc_id: str | None = None) -> list[Check]:
    """One check per stored tally claim (of deaths) of ``doc_id``, or of every document."""
    claims = [c for c in store.claims(doc_id=doc_id) if c.kind == "tally" and (c.value or c.low or c.high)]
    if not claims:
        return []
    incidents: list[MergedEvent] = list(iter_events(store.engine, EventFilter(), annotate=False))  # type: ignore[arg-type]
    countries = {_squash(e.country): e.country for e in incidents if e.country}
    doc_country: dict[str, str | None] = {}
    with store.engine.connect() as conn:
        for c in claims:
            if c.doc_id not in doc_country:
                doc_country[c.doc_id] = conn.execute(
                    select(documents.c.country).where(documents.c.id == c.doc_id)).scalar()
    out = []
    for c in claims:
        where = [w for w in c.where if w]
        named_countries = [countries[_squash(w)] for w in where if _squash(w) in countries]
        places = [w for w in where if _squash(w) not in countries]
        mine = Counter(e.country for e in incidents if c.doc_id in e.sources and e.country)
        country = (named_countries[0] if named_countries else
                   mine.most_common(1)[0][0] if mine else doc_country.get(c.doc_id))
        kind = _victim_kind(c.what)
        chk = Check(claim=c, country=country, places=places, victims=kind)
        wanted = [_squash(p) for p in places]
        for e in incidents:
            d = e.event_date
            if d is None or (c.period_start and d < c.period_start) or (c.period_end and d > c.period_end):
                continue
            if country and (e.country or "").lower() != country.lower() and _squash(e.country or "") != _squash(country):
                continue
            if wanted and not any(names_match(w, n) for w in wanted for n in _names(e)):
                continue
            if not _fits_victims(e, kind):
                continue
            chk.incidents.append(e)
        out.append(chk)
    return out
