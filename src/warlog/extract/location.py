"""Where an incident happened: from the places named in its sentences to one location with
ACLED's geo_precision (1 the place itself, 2 near it or a road between two places, 3 a region).
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pycountry

from warlog import rules
from warlog.geo.countries import demonym_country, to_iso2
from warlog.geo.gazetteer import default_gazetteer, haversine_km
from warlog.geo.matcher import ResolvedMention, find_place_mentions, place_tables, road_between
from warlog.records import Place

if TYPE_CHECKING:
    from spacy.tokens import Doc

# "between X and Y", "the road linking X to Y" (rules/places.yaml); a road longer than
# place_values.yaml's road_midpoint_max_km is coded at its named origin, not at a midpoint in the desert
_BEFORE_FIRST = rules.pattern("places", "road_before_first")
_BETWEEN_TWO = rules.pattern("places", "road_between_two")
_DEMONYM_WORD = rules.pattern("places", "demonym_word")


def places_in_doc(doc: "Doc", country_hint: str | None) -> list[ResolvedMention]:
    """Places named in the document, demonyms left out (they are country evidence)."""
    return [m for m in find_place_mentions(doc, to_iso2(country_hint) if country_hint else None) if not m.is_demonym]


def road_between_in(sentences, mentions: list[ResolvedMention]) -> tuple[Place, str, int] | None:
    """A road "between X and Y" / "from X to Y" named in the incident's sentences."""
    for s in sentences:
        inside = sorted((m for m in mentions if s.start <= m.start < s.end and m.place is not None), key=lambda m: m.start)
        for a, b in zip(inside, inside[1:]):
            before = s.text[max(0, a.start - s.start - 40):a.start - s.start]
            middle = s.text[a.end - s.start:b.start - s.start]
            if not (_BEFORE_FIRST.search(before) and _BETWEEN_TWO.match(middle)):
                continue
            pa, pb = a.place, b.place
            road = road_between(pa, pb)
            if haversine_km(pa.latitude, pa.longitude, pb.latitude, pb.longitude) > place_tables().road_midpoint_max_km:
                road = road.model_copy(update={"latitude": pa.latitude, "longitude": pa.longitude})
            admin1 = pa.admin1 if pa.admin1 == pb.admin1 or not pb.admin1 else f"{pa.admin1} / {pb.admin1}"
            road = road.model_copy(update={"admin1": admin1, "admin2": pa.admin2 if pa.admin2 == pb.admin2 else None})
            return road, road.name, 2
    return None


def country_place(iso2: str | None) -> tuple[Place, str, int] | None:
    """The country itself, at ACLED's precision 3: where a report names no place the gazetteer
    knows ("in Tsrancha village"), the country it is filed under is the least wrong point."""
    if not iso2:
        return None
    c = default_gazetteer().country_candidate(iso2)
    if c is None:
        return None
    p = c.to_place()
    return p, p.name, 3


def country_code(value: str | None) -> str | None:
    return to_iso2(value) if value else None


def country_from_text(text: str) -> str | None:
    """The country a text is most about, from its demonyms and adjectives ("Syrian", "Iraqi")."""
    votes: Counter[str] = Counter()
    for word in _DEMONYM_WORD.findall(text):
        cc = demonym_country(word)
        if cc:
            votes[cc] += 1
    return votes.most_common(1)[0][0] if votes else None


def iso3(iso2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=iso2)
    return country.alpha_3 if country else None
