"""The batch faces of the geo stage: `warlog places` and `warlog geocode` (see batch-interface.md)."""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from warlog import rules
from warlog.records import Document, GeocodeResult, PlaceMention

from warlog.geo.countries import to_iso2
from warlog.geo.gazetteer import Candidate, Gazetteer, _rank, default_gazetteer, haversine_km, seat_first
from warlog.geo.matcher import find_place_mentions, place_tables, road_between
from warlog.geo.names import normalise_name, skeleton_of_key

__all__ = ["places", "geocode", "geocode_one"]


def places(docs: Iterable[Document], nlp, include_demonyms: bool = True, batch_size: int = 32
           ) -> Iterator[PlaceMention]:
    """Every place named in each document, resolved where the gazetteer allows.

    Demonyms ("Syrian") are listed with their country when `include_demonyms` (toponym
    corpora such as LGL count them); unresolved names are listed with null coordinates.
    """
    docs = list(docs) if not isinstance(docs, list) else docs

    def texts():
        for d in docs:
            yield d.text

    for d, sdoc in zip(docs, nlp.pipe(texts(), batch_size=batch_size)):
        hint = to_iso2(d.country) if d.country else None
        for m in find_place_mentions(sdoc, hint):
            if m.is_demonym and not include_demonyms:
                continue
            p = m.place
            yield PlaceMention(
                doc_id=d.id, start=m.start, end=m.end, text=m.text,
                name=p.name if p else None, latitude=p.latitude if p else None,
                longitude=p.longitude if p else None, geonames_id=p.geonames_id if p else None,
                country=p.country if p else None, admin1=p.admin1 if p else None,
                admin2=p.admin2 if p else None, feature_class=p.feature_class if p else None)


# what a query says of the place rather than its name: "Taftanaz Military Airbase", "Tall Sakhr hill",
# "Former Al Mayadin Airport", "Maarratah IDP", "Hosh Sahya suburb" (rules/places.yaml)
_TYPE_WORDS = rules.pattern("places", "geocode_type_words")
_LEADING_WORDS = rules.pattern("places", "geocode_leading_words")
_CONTAINER = re.compile(r"^(.+?)\s*\(([^()]+)\)\s*$")
_ROAD = rules.pattern("places", "geocode_road")
_ROAD_IN = rules.pattern("places", "geocode_road_in")


def _result(qid: str, c: Candidate | None) -> GeocodeResult:
    if c is None:
        return GeocodeResult(id=qid)
    return GeocodeResult(id=qid, name=c.name, latitude=c.lat, longitude=c.lon, geonames_id=c.geonames_id,
                         country=c.country, admin1=c.admin1)


def _candidates(gaz: Gazetteer, name: str, cc: str | None, fuzzy: bool = True) -> list[Candidate]:
    key = normalise_name(name)
    if not key:
        return []
    cs = gaz.candidates_for_keys([key]).get(key, [])
    if cc:
        cs = [c for c in cs if c.country == cc]
    if not cs and cc:
        sk = skeleton_of_key(key)
        if len(sk.replace(" ", "")) >= 5:
            cs = gaz.candidates_for_skeleton(sk, cc, primary_only=True)
    if not cs and cc and len(key) >= 8 and fuzzy:
        fz = gaz.fuzzy_candidates(name, cc, limit=5, score_cutoff=92)
        fz = [(c, s) for c, s in fz if _fuzzy_ok(key, normalise_name(c.name))]
        if fz:
            best = max(s for _, s in fz)
            cs = [c for c, s in fz if s == best]
    return cs


def _fuzzy_ok(a: str, b: str) -> bool:
    """A fuzzy hit counts when the distinctive words agree, not the "airbase" or "camp" around them."""
    from rapidfuzz import fuzz

    generic = place_tables().geocode_generic  # rules/place_values.yaml: geocode_generic_words
    ca = " ".join(w for w in a.split() if w not in generic)
    cb = " ".join(w for w in b.split() if w not in generic)
    if len(ca) < 5 or not cb or ca[0] != cb[0]:
        return False
    return fuzz.ratio(ca, cb) >= 88


def _choose(cs: list[Candidate], qualified: bool = False) -> Candidate | None:
    """The best of a name's candidates, or None when they disagree by a lot."""
    if not cs:
        return None
    # a village known only by one of its alternate names: GeoNames' alternates of small places
    # are often another village's name ("Mushayrifah" for Musayfirah); better none
    cs = [c for c in cs if c.primary or c.source in ("curated", "imported") or c.kind != "town"
          or c.population >= 20_000]
    if not cs:
        return None
    ranked = seat_first(sorted(cs, key=_rank))
    best = ranked[0]
    # "Al-Khalidiyah (Aleppo)" answers to "Al-Khalidiyah" in a text that says where; a bare query
    # may mean any of the places so named
    if not qualified and any("(" in c.name and c.country == best.country for c in cs):
        return None
    # candidates far apart with no clear winner: don't guess
    rivals = [c for c in ranked[1:] if haversine_km(c.lat, c.lon, best.lat, best.lon) > 25]
    if rivals:
        r = rivals[0]
        if _rank(r) - _rank(best) < 0.5 and best.population < 5000 and best.kind == "town" and r.kind == "town":
            return None
    return best


def geocode_one(query: str, country: str | None = None, gazetteer: Gazetteer | None = None) -> Candidate | None:
    gaz = gazetteer or default_gazetteer()
    cc = to_iso2(country) if country else None
    q = re.sub(r"\s+", " ", query or "").strip()
    if not q:
        return None
    m_in = _ROAD_IN.match(q)
    if m_in:
        # "Khanasir-Aleppo road in Khanasir": the place named last is where it happened
        c = geocode_one(m_in.group(2), cc, gaz)
        if c is not None:
            return c
        q = m_in.group(1)
    m = _ROAD.match(q)
    if m:
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        ca, cb = _choose(_candidates(gaz, a, cc)), _choose(_candidates(gaz, b, cc))
        if ca and cb and haversine_km(ca.lat, ca.lon, cb.lat, cb.lon) < 300:
            r = road_between(ca.to_place(), cb.to_place())
            return Candidate(-1, r.place_id, r.name, r.latitude, r.longitude, r.country, r.admin1, None, "R", "RD",
                             0, None, "derived", "road")
        return None
    alts = [q]
    if "/" in q:
        alts = [a.strip() for a in q.split("/") if a.strip()]
    out: list[Candidate] = []
    for a in alts:
        m_in = _CONTAINER.match(a)
        core, container = (m_in.group(1), m_in.group(2)) if m_in else (a, None)
        bare = _LEADING_WORDS.sub("", _TYPE_WORDS.sub("", core)).strip() or core
        cs = _candidates(gaz, core, cc, fuzzy=bare == core)
        if not cs and bare != core:
            cs = _candidates(gaz, bare, cc)
        c = _choose(cs, qualified=container is not None)
        if c is None and container:
            # "Taybah farms (Mayadin)": a site unknown by name lies in or by the town named with it
            town = _choose(_candidates(gaz, container, cc))
            if town is not None and town.kind == "town":
                c = town
        if c is not None:
            out.append(c)
    if not out:
        return None
    if len(out) > 1 and any(haversine_km(c.lat, c.lon, out[0].lat, out[0].lon) > 25 for c in out[1:]):
        return None  # "Jiman/Chama/Shamanli": the spellings name places far apart
    return min(out, key=_rank)


def geocode(queries: Iterable[dict], gazetteer: Gazetteer | None = None) -> Iterator[GeocodeResult]:
    """One result per query {"id", "query", "country"?}; nulls when nothing fits.

    A place outside the query's country is never returned.
    """
    gaz = gazetteer or default_gazetteer()
    for q in queries:
        qid = str(q.get("id"))
        c = geocode_one(str(q.get("query") or ""), q.get("country"), gaz)
        yield _result(qid, c)
