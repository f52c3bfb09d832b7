"""Finding places in a parsed document and deciding which place each name means.

Candidates come from spaCy's entities (GPE, LOC, FAC) and from gazetteer matches of
capitalised token n-grams the entity recogniser missed (it often tags Syrian towns as ORG or
PERSON).  Common words, people and dates are rejected.  Demonyms ("Syrian") are country
evidence, reported as demonym mentions, never as places of their own.

Each name is then resolved among its gazetteer candidates by: the document's country focus
(the `country_hint`, countries and demonyms named), containment ("Nayrab in Idleb",
"al-Bukamal in Deir-ez-Zor province", "Sirwah (Marib)", "Pandi, Bulacan"), co-mentioned places
pulling each other, the kind of place ("X province" wants a province) and population.
"""
from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, IS_ALPHA, IS_STOP, LIKE_NUM, LOWER, ORTH, POS, SENT_START, SPACY
from spacy.parts_of_speech import IDS as _POS_IDS

from warlog import rules
from warlog.records import Place

from warlog.geo.countries import demonyms
from warlog.geo.gazetteer import Candidate, Gazetteer, default_gazetteer, haversine_km
from warlog.geo.names import normalise_name, skeleton, skeleton_of_key, without_links

__all__ = ["ResolvedMention", "find_place_mentions", "road_between", "PlaceMatcher", "PlacesComponent"]


@dataclass
class ResolvedMention:
    """A place named in a document: where (character offsets) and which place (or None)."""

    start: int
    end: int
    text: str
    place: Place | None = None
    is_country: bool = False
    is_admin1: bool = False  # a province, state or region: a larger area than a town
    is_demonym: bool = False  # "Syrian": country evidence, not a place named
    near: bool = False  # "near X", "outskirts of X", "X countryside", "10 km north of X"
    between: int | None = None  # index (in the returned list) of the other end of "between X and Y"
    country: str | None = None  # ISO2 the mention is evidence for
    label: str | None = None  # spaCy entity label, or "GAZ" for a gazetteer-only match
    confidence: float = 0.0
    candidates: int = 0


def road_between(a: Place, b: Place) -> Place:
    """The road between two places as a place of its own: the midpoint, feature class 'R'.

    Event assembly codes such an event with geo_precision 2 ("a road between two towns").
    """
    lat = (a.latitude + b.latitude) / 2
    lon = (a.longitude + b.longitude) / 2
    return Place(place_id=f"road:{a.place_id}:{b.place_id}", name=f"{a.name} - {b.name} road", latitude=lat,
                 longitude=lon, country=a.country if a.country == b.country else a.country,
                 admin1=a.admin1 if a.admin1 == b.admin1 else a.admin1, feature_class="R", feature_code="RD",
                 source="derived")


# ----------------------------------------------------------------------------- word lists
# The word lists, patterns and weights are rules: rules/place_values.yaml and rules/places.yaml.
# `place_tables()` gives them in the shapes the code reads (frozensets, compiled patterns, numbers),
# built once per rule set, so a user's overlay applies and the hot loops stay plain lookups.


class PlaceTables:
    """The place rules of one rule set, read once (the matcher's, and geo.batch's and
    extract.location's few)."""

    def __init__(self, rs) -> None:
        def value(entry_id: str):
            return rs.value("place_values", entry_id)

        def words(entry_id: str) -> frozenset[str]:
            return frozenset(value(entry_id))

        def num(entry_id: str) -> float:
            return float(value(entry_id))

        def regex(entry_id: str) -> re.Pattern[str]:
            return rs.regex("places", entry_id)

        self.articles = words("articles")
        self.connect = self.articles | words("connectors")
        self.admin_words = words("admin_words")
        self.town_words = words("town_words")
        self.admin_or_town = self.admin_words | self.town_words
        self.admin_or_zone = self.admin_words | words("people_area_words")
        self.part_words = words("part_words")
        self.directions = words("directions")
        self.part_or_direction = self.part_words | self.directions
        self.near_before = words("near_before")
        self.near_stop = words("near_stop")
        self.months_days = words("months_days")
        self.common = words("common_words") | words("common_name_parts")
        self.state_abbr: dict[str, str] = dict(value("state_abbreviations"))
        self.state_abbr_risky = words("risky_state_abbreviations")
        self.stop_fallback = words("stop_fallback")
        self.place_prev = words("place_prev")
        self.place_next = words("place_next")
        self.leading_drop = frozenset({"the"}) | self.directions | self.part_words
        self.place_labels = words("place_labels")
        self.unit_words = words("unit_words")
        self.currency = words("currency_words")
        self.gap_type_words = words("gap_type_words")
        self.not_place_labels = words("not_place_labels")
        self.institution_words = words("institution_words")
        self.name_labels = words("name_labels")
        self.place_nouns = words("place_nouns")
        self.city_office = words("city_office_words")
        self.mislabels = words("mislabels")
        self.locative = words("locative_words")
        self.region_abbr: dict[str, dict[str, str]] = {cc: dict(d) for cc, d in value("region_abbreviations").items()}
        self.name_openers = words("name_openers")
        self.name_links = words("name_links")
        self.admin_suffixes: list[str] = list(value("admin_suffixes"))
        self.containment_gaps = frozenset(tuple(g) for g in value("containment_gaps"))
        self.placed_in_gaps = frozenset(tuple(g) for g in value("placed_in_gaps"))
        self.zone_locatives = words("zone_locatives")
        self.geocode_generic = words("geocode_generic_words")  # geo.batch
        self.road_midpoint_max_km = num("road_midpoint_max_km")  # extract.location
        # patterns
        self.local_us = regex("local_us")
        self.not_us = regex("not_us")
        self.adj_end = regex("adjective_ending")
        self.name_chars = regex("name_chars")
        self.adm_strip = regex("admin_strip")
        self.road_words = regex("road_words")
        # weights: the country focus
        self.focus_hint = num("focus_hint")
        self.focus_us_local = num("focus_us_local")
        self.focus_demonym = num("focus_demonym")
        self.focus_country = num("focus_country")
        self.focus_country_rival = num("focus_country_rival")
        self.focus_gazetteer_strong = num("focus_gazetteer_strong")
        self.focus_gazetteer_weak = num("focus_gazetteer_weak")
        self.strong_focus_min = num("strong_focus_min")
        # ... a reading's score
        self.population_weight = num("population_weight")
        self.world_city_population = int(value("world_city_population"))
        self.world_city_bonus = num("world_city_bonus")
        self.kind_bonus = {k: float(v) for k, v in value("kind_bonus").items()}
        self.admin2_single_bonus = num("admin2_single_bonus")
        self.admin2_bonus = num("admin2_bonus")
        self.curated_bonus = num("curated_bonus")
        self.primary_bonus = num("primary_bonus")
        self.country_name_town_penalty = num("country_name_town_penalty")
        self.focus_share_weight = num("focus_share_weight")
        self.hint_country_bonus = num("hint_country_bonus")
        self.unnamed_country_penalty = num("unnamed_country_penalty")
        self.want_admin_fit = num("want_admin_fit")
        self.want_admin_misfit = num("want_admin_misfit")
        self.want_town_fit = num("want_town_fit")
        self.want_town_misfit = num("want_town_misfit")
        self.loc_region_bonus = num("loc_region_bonus")
        self.front_bonus = num("front_bonus")
        self.us_local_foreign_penalty = num("us_local_foreign_penalty")
        # ... and what the other readings add to it
        self.admin_named_bonus = num("admin_named_bonus")
        self.outside_named_penalty = num("outside_named_penalty")
        self.outside_named_population = int(value("outside_named_population"))
        self.pull = [(float(km) * float(km), float(score)) for km, score in value("pull")]
        self.pull_max = num("pull_max")
        self.seat_pair_bonus = num("seat_pair_bonus")
        self.container_bonus = num("container_bonus")
        self.container_agree_bonus = num("container_agree_bonus")
        self.resolve_rounds = int(value("resolve_rounds"))
        self._cap_words: dict[str, bool] = {}
        self.admin_key = lru_cache(maxsize=65536)(self._admin_key)

    def cap_word(self, t: str, like_num: bool) -> bool:
        """A word that can be (part of) a name: capitalised, name characters, some letter."""
        if not t or not t[0].isupper() or like_num:
            return False
        cache = self._cap_words
        known = cache.get(t)
        if known is None:
            known = bool(self.name_chars.match(t)) and any(ch.isalpha() for ch in t)
            if len(cache) > 200_000:
                cache.clear()
            cache[t] = known
        return known

    def _admin_key(self, name: str | None) -> str:
        if not name:
            return ""
        return skeleton_of_key(self.adm_strip.sub(" ", normalise_name(name)).strip())

    def key(self, span) -> str:
        """The gazetteer key of a span: its normalised text, or the state an abbreviation names."""
        if len(span) == 1 and span[0].text in self.state_abbr:
            return normalise_name(self.state_abbr[span[0].text])
        return normalise_name(span.text)


_TABLES: tuple[object, PlaceTables] | None = None


def place_tables() -> PlaceTables:
    """The tables of the rules in force (rebuilt when the rules change)."""
    global _TABLES
    rs = rules.active()
    cached = _TABLES
    if cached is None or cached[0] is not rs:
        cached = (rs, PlaceTables(rs))
        _TABLES = cached
    return cached[1]


@dataclass(slots=True)
class _Context:
    """What one call of the matcher knows of its document. The matcher keeps none of it, so one
    matcher serves many documents at once (threads of the API) without mixing their places."""

    tables: PlaceTables
    hint: str | None
    local_us: bool = False  # US local news: a town's council and sheriff, no other country
    demo_cc: set[str] = field(default_factory=set)  # countries of the demonyms named
    zones: list["ConflictZone"] = field(default_factory=list)  # the fronts the report is about


class _Tok:
    """A plain copy of what the matcher reads of a spaCy token (attribute access on Token is slow)."""

    __slots__ = ("i", "text", "lower_", "whitespace_", "pos_", "is_stop", "is_sent_start", "like_num", "idx",
                 "is_alpha", "doc", "cap")

    def __init__(self, i, text, lower, ws, pos, stop, sent_start, like_num, idx, alpha, view, cap) -> None:
        self.i = i
        self.text = text
        self.lower_ = lower
        self.whitespace_ = ws
        self.pos_ = pos
        self.is_stop = stop
        self.is_sent_start = sent_start
        self.like_num = like_num
        self.idx = idx
        self.is_alpha = alpha
        self.doc = view
        self.cap = cap


class _SpanView:
    __slots__ = ("view", "start", "end")

    def __init__(self, view, start: int, end: int) -> None:
        self.view, self.start, self.end = view, start, end

    @property
    def text(self) -> str:
        if self.end <= self.start:
            return ""
        a = self.view.toks[self.start]
        b = self.view.toks[self.end - 1]
        return self.view.text[a.idx:b.idx + len(b.text)]

    @property
    def start_char(self) -> int:
        return self.view.toks[self.start].idx

    @property
    def end_char(self) -> int:
        b = self.view.toks[self.end - 1]
        return b.idx + len(b.text)

    def __iter__(self):
        return iter(self.view.toks[self.start:self.end])

    def __len__(self) -> int:
        return max(0, self.end - self.start)

    def __getitem__(self, k: int):
        return self.view.toks[self.start:self.end][k]


class _Ent:
    __slots__ = ("start", "end", "label_", "text", "start_char", "end_char")

    def __init__(self, start: int, end: int, label: str, text: str, start_char: int, end_char: int) -> None:
        self.start, self.end, self.label_, self.text = start, end, label, text
        self.start_char, self.end_char = start_char, end_char

    def __len__(self) -> int:
        return self.end - self.start


_ATTRS = [ORTH, LOWER, SPACY, POS, IS_STOP, SENT_START, LIKE_NUM, IDX, IS_ALPHA, ENT_IOB, ENT_TYPE]
_POS_NAMES = {v: k for k, v in _POS_IDS.items()}


class _DocView:
    """The parsed document as plain Python values, read once."""

    def __init__(self, doc, tables: PlaceTables) -> None:
        # one C call for every token attribute: reading them token by token costs more than matching
        strings = doc.vocab.strings
        cap_word = tables.cap_word
        cols = doc.to_array(_ATTRS).tolist()
        toks = self.toks = []
        parts: list[str] = []
        for i, (orth, lower, space, pos, stop, sent, num, idx, alpha, _iob, _ety) in enumerate(cols):
            word = strings[orth]
            ws = " " if space else ""
            parts.append(word + ws)
            toks.append(_Tok(i, word, strings[lower], ws, _POS_NAMES.get(pos, ""),
                             bool(stop), sent == 1 or i == 0, bool(num), idx, bool(alpha), self,
                             cap_word(word, bool(num))))
        text = self.text = "".join(parts)  # Doc.text walks the tokens again
        spans: list[tuple[int, int, int]] = []
        for i, row in enumerate(cols):
            iob, ety = row[9], row[10]
            if iob == 3 or (iob == 1 and (not spans or spans[-1][1] != i)):
                spans.append([i, i + 1, ety])
            elif iob == 1:
                spans[-1][1] = i + 1
        self.ents = []
        admin_words, place_labels, name_labels = tables.admin_words, tables.place_labels, tables.name_labels
        for start, end, ety in spans:
            toks = self.toks[start:end]
            if any(t.text in ("(", ")") for t in toks):
                continue  # "Asuncion (Asuncion" as a WORK_OF_ART: the recogniser ran over a bracket
            label = strings[ety]
            if label == "PERSON" and any(t.text in ("'s", "’s") for t in toks[:-1]):
                continue  # "Gainesville’s Tom Thumb": a place's something, not a person
            if label in ("PERSON", "ORG") and any(t.text == "," for t in toks[1:-1]):
                continue  # "(Mirpurkhas, Sindh)" as one organisation: a place and its province
            a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
            ent = _Ent(start, end, label, text[a:b], a, b)
            if len(toks) > 1 and toks[-1].lower_ in admin_words and ent.label_ not in place_labels:
                ent.label_ = "GPE"  # "Owerri LGA" taken for a person
            elif ent.label_ in name_labels and end < len(self.toks) and self.toks[end].lower_ in tables.place_nouns \
                    and self.toks[end].text.islower():
                ent.label_ = "GPE"  # "in Umerkot city", "Jhudo town": a name followed by what it is
            elif ent.label_ == "PERSON" and any(t.lower_ in tables.institution_words for t in toks[1:]):
                ent.label_ = "ORG"  # "Rapides Parish Fire (District)" is no one's name
            self.ents.append(ent)

    def __len__(self) -> int:
        return len(self.toks)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return _SpanView(self, k.start or 0, len(self.toks) if k.stop is None else k.stop)
        return self.toks[k]

    def __iter__(self):
        return iter(self.toks)


def _fragment(doc, s: int, t: int, cs, tables: PlaceTables) -> bool:
    """The known name is only the head of a longer one the gazetteer lacks: "San Juan" of
    "San Juan de los Cerritos", "Barra" of "Barra de Santo Antonio" name other places."""
    if any(c.kind == "country" for c in cs):
        return False
    links = tables.name_links
    k = t
    while k < len(doc) and k - t < 3 and doc[k].lower_ in links and doc[k].text.islower():
        k += 1
    if k > t and k < len(doc) and _is_cap(doc[k]):
        return True
    if t - s == 1 and s > 1:
        # "Nagar" of "Tilak Nagar", "Tovar" of "Colonia Tovar": a small town's name closing a longer one
        p = doc[s - 1]
        if p.cap and p.pos_ == "PROPN" and not p.is_sent_start and p.whitespace_ and p.lower_ not in tables.name_openers and \
                doc[s - 2].text not in ("(", ",", '"', "“") and \
                all(c.kind == "town" and c.population < 100_000 for c in cs):
            return True
    k = s - 1  # ... or its tail: "Cerritos" of "San Juan de los Cerritos"
    while k >= 0 and s - k <= 3 and doc[k].lower_ in links and doc[k].text.islower():
        k -= 1
    return k < s - 1 and k >= 0 and _is_cap(doc[k]) and not doc[k].is_sent_start


def _is_cap(tok) -> bool:
    return tok.cap


def _is_connector(tok, connect: frozenset[str]) -> bool:
    t = tok.text
    if t in ("-", "‐", "‑"):
        return tok.i > 0 and not tok.doc[tok.i - 1].whitespace_ and not tok.whitespace_
    if t in ("'", "’", "‘", "ʿ"):
        return not tok.whitespace_
    return tok.lower_ in connect and t.islower()


@dataclass
class _Mention:
    start_tok: int
    end_tok: int  # exclusive
    start: int
    end: int
    text: str
    key: str
    label: str | None
    cands: list[Candidate] = field(default_factory=list)
    want: str | None = None  # "admin" | "town" from a type word ("X province")
    near: bool = False
    part: bool = False
    single: bool = True
    scores: dict[int, float] = field(default_factory=dict)
    top: Candidate | None = None  # the best before an area gave way to its seat town
    best: Candidate | None = None
    margin: float = 0.0
    loose: bool = False  # candidates found by a looser spelling, not by the name itself


def _want_admin(c: Candidate) -> bool:
    return c.kind in ("admin1", "admin2", "region", "country")


def _close_spelling(a: str, b: str) -> bool:
    """Two spellings of one name, not two names sharing consonants ("Sumatra", "Sumter")."""
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) >= 80


class PlaceMatcher:
    """Holds the gazetteer; `__call__(doc, country_hint)` finds and resolves places.

    The word lists and weights are the rules in force (`place_tables()`); what a call learns of its
    document lives in a `_Context` passed along, never on the matcher, so one matcher can serve
    documents on several threads at once."""

    def __init__(self, gazetteer: Gazetteer | None = None, max_cands: int = 25) -> None:
        self.gaz = gazetteer or default_gazetteer()
        self.max_cands = max_cands
        self._demonyms = demonyms()

    # ------------------------------------------------------------------ candidate spans
    def _ngrams(self, doc, blocked: list[bool], T: PlaceTables) -> list[tuple[int, int]]:
        """(start_tok, end_tok) of capitalised n-grams (≤ 4 capitalised words), not in blocked tokens."""
        articles, connect = T.articles, T.connect
        spans: list[tuple[int, int]] = []
        toks = doc.toks
        n = len(toks)
        for i in range(n):
            tok = toks[i]
            if blocked[i]:
                continue
            starts_art = not tok.cap and tok.lower_ in articles and i + 2 < n and \
                toks[i + 1].text in ("-", "‐", "‑") and toks[i + 2].cap
            if not (tok.cap or starts_art):
                continue
            # extend a run of capitalised words and connectors
            j = i
            caps = 0
            while j < n and not blocked[j] and j - i < 10:
                t = toks[j]
                if t.cap:
                    caps += 1
                    if caps > 4:
                        break
                    spans.append((i, j + 1))
                elif not (_is_connector(t, connect) or (j == i and starts_art)):
                    break
                j += 1
        return spans

    def __call__(self, doc, country_hint: str | None = None) -> list[ResolvedMention]:
        gaz = self.gaz
        T = place_tables()
        doc = _DocView(doc, T)
        n = len(doc)
        if n == 0:
            return []
        hint = country_hint.upper() if country_hint else None
        ctx = _Context(T, hint)
        ent_label = [None] * n
        ent_of = [None] * n
        for e in doc.ents:
            for k in range(e.start, e.end):
                ent_label[k] = e.label_
                ent_of[k] = e

        # demonyms: country evidence
        demo: list[ResolvedMention] = []
        demo_tok = [False] * n
        focus: Counter = Counter()
        if hint:
            focus[hint] += T.focus_hint
        # US local news ("Paris City Council", "the Dublin Police Department"): a town's council,
        # schools and sheriff make the document American unless it names another country
        local_us = not hint and bool(T.local_us.search(doc.text)) and not T.not_us.search(doc.text)
        ctx.local_us = local_us
        if local_us:
            focus["US"] += T.focus_us_local
        for e in doc.ents:
            if e.label_ == "NORP":
                cc = self._demonyms.get(normalise_name(e.text))
                if cc and e.end < n and doc[e.end].lower_ in T.admin_or_zone:
                    cc = None  # "Somali region", "Afar Region": a province named like a people
                if cc:
                    demo.append(self._demonym(e.start_char, e.end_char, e.text, cc))
                    focus[cc] += T.focus_demonym
                    for k in range(e.start, e.end):
                        demo_tok[k] = True
        for tok in doc:
            # "the Russian Foreign Ministry", "American Farm Bureau Federation": the adjective opening
            # an organisation's name is still the country's
            org_head = ent_label[tok.i] == "ORG" and ent_of[tok.i] is not None and \
                all(doc[k].lower_ == "the" for k in range(ent_of[tok.i].start, tok.i))
            if not demo_tok[tok.i] and tok.text[:1].isupper() and tok.is_alpha and (ent_label[tok.i] is None or org_head):
                cc = self._demonyms.get(normalise_name(tok.text))
                if cc and tok.i + 1 < n and doc[tok.i + 1].lower_ in T.admin_or_zone:
                    cc = None
                if cc and (tok.i + 1 >= n or not _is_cap(doc[tok.i + 1]) or tok.pos_ == "ADJ"
                           or (org_head and T.adj_end.search(tok.lower_))):
                    demo.append(self._demonym(tok.idx, tok.idx + len(tok.text), tok.text, cc))
                    focus[cc] += T.focus_demonym
                    demo_tok[tok.i] = True

        # NER place entities
        mentions: list[_Mention] = []
        taken = [False] * n
        keys: set[str] = set()
        ner_items = []
        for e in doc.ents:
            if e.label_ not in T.place_labels or demo_tok[e.start]:
                continue
            cc = self._demonyms.get(normalise_name(e.text))
            if cc:  # "Sri Lankan" tagged as a place
                demo.append(self._demonym(e.start_char, e.end_char, e.text, cc))
                focus[cc] += T.focus_demonym
                for k in range(e.start, e.end):
                    demo_tok[k] = True
                continue
            s, t = e.start, e.end
            while s < t and doc[s].lower_ == "the":
                s += 1
            while t > s and doc[t - 1].text in ("'s", "’s", "'", "’", ".", ",", "-"):
                t -= 1
            if s >= t:
                continue
            ner_items.append((s, t, e.label_))
            keys.add(T.key(doc[s:t]))
            keys.add(without_links(T.key(doc[s:t])))
            s2 = s
            while s2 < t - 1 and doc[s2].lower_ in T.leading_drop:
                s2 += 1
            if s2 != s:
                keys.add(T.key(doc[s2:t]))
            # "Idlib province", "province of Idlib", "Aleppo city"
            words = [w.lower_ for w in doc[s2:t]]
            if len(words) > 1 and words[-1] in T.admin_or_town:
                keys.add(T.key(doc[s2:t - 1]))
            if len(words) > 2 and words[0] in T.admin_or_town and words[1] == "of":
                keys.add(T.key(doc[s2 + 2:t]))
        # "(UP)", "Nalgoda, TS": a state's abbreviation in a report filed under its country
        abbr = T.region_abbr.get(hint or "", {})
        abbr_items = [(tok.i, abbr[tok.text]) for tok in doc if tok.text in abbr and tok.i > 0
                      and doc[tok.i - 1].text in ("(", ",")] if abbr else []
        if abbr_items:
            full = gaz.candidates_for_keys({normalise_name(name) for _, name in abbr_items})
            for i, name in abbr_items:
                cs = [c for c in full.get(normalise_name(name), ()) if c.kind == "admin1" and c.country == hint]
                if cs and not taken[i]:
                    tok = doc[i]
                    mentions.append(_Mention(i, i + 1, tok.idx, tok.idx + len(tok.text), tok.text,
                                             normalise_name(name), "GPE", cs, "admin", single=True))
                    taken[i] = True
        # people named in full: their single names elsewhere are people too ("Lincoln said")
        person_words = set()
        for e in doc.ents:
            if e.label_ == "PERSON" and len(e) > 1:
                person_words.add(doc[e.start].text)
                person_words.add(doc[e.end - 1].text)
        ngram_spans = self._ngrams(doc, demo_tok, T)
        ngram_keys = {}
        unlinked: dict[tuple[int, int], str] = {}
        for s, t in ngram_spans:
            k = T.key(doc[s:t])
            ngram_keys[(s, t)] = k
            keys.add(k)
            k2 = without_links(k)
            if k2 != k:
                unlinked[(s, t)] = k2
                keys.add(k2)
        cands = gaz.candidates_for_keys(keys)
        for st, k2 in unlinked.items():  # "San Andres de Tuxtla" for San Andrés Tuxtla
            if not cands.get(ngram_keys[st]) and cands.get(k2):
                ngram_keys[st] = k2

        for s, t, label in ner_items:
            span = doc[s:t]
            key = T.key(span)
            want = None
            cs = cands.get(key, []) or cands.get(without_links(key), [])
            if not cs:
                s2 = s
                while s2 < t - 1 and doc[s2].lower_ in T.leading_drop:
                    s2 += 1
                if s2 != s:
                    s, span = s2, doc[s2:t]
                    key = T.key(span)
                    cs = cands.get(key, [])
            words = [w.lower_ for w in span]
            if not cs and len(words) > 1 and words[-1] in T.admin_or_town:
                want = "admin" if words[-1] in T.admin_words else "town"
                key = T.key(doc[s:t - 1])
                cs = cands.get(key, [])
            elif not cs and len(words) > 2 and words[0] in T.admin_or_town and words[1] == "of":
                want = "admin" if words[0] in T.admin_words else "town"
                key = T.key(doc[s + 2:t])
                cs = cands.get(key, [])
            if not cs:
                # a known place inside the entity ("Idlib's western countryside", "Aleppo University")
                inner = [(ss, tt) for (ss, tt) in ngram_spans if ss >= s and tt <= t and cands.get(ngram_keys[(ss, tt)])]
                for ss, tt in sorted(inner, key=lambda st: (-(st[1] - st[0]), st[0])):
                    acc = self._accept(doc, ss, tt, cands[ngram_keys[(ss, tt)]], ent_label, ent_of,
                                       {hint} if hint else set(), person_words, ctx)
                    if acc:
                        s, t, key, cs = ss, tt, ngram_keys[(ss, tt)], acc
                        span = doc[s:t]
                        break
            # "Guinea" of "Guinea-Bissau", "Democratic Republic" of "... of the Congo": a longer known name
            longer = [(ss, tt) for (ss, tt) in ngram_spans if ss == s and tt > t and cands.get(ngram_keys[(ss, tt)])
                      and not any(taken[k] for k in range(ss, tt))]
            if longer:
                ss, tt = max(longer, key=lambda st: st[1])
                t, key, cs, want = tt, ngram_keys[(ss, tt)], cands[ngram_keys[(ss, tt)]], None
                span = doc[s:t]
            if not cs and label == "FAC":
                continue
            if cs and t - s == 1:
                low = doc[s].lower_
                if low in T.common or low in T.months_days:
                    cs = [c for c in cs if c.kind in ("country", "admin1") and (not hint or c.country == hint
                                                                              or c.kind == "country")]
                    if not cs:
                        continue
                elif doc[s].text in person_words and not any(c.kind in ("country", "admin1") for c in cs):
                    continue
            if any(taken[k] for k in range(s, t)) or (t < n and doc[t].lower_ in T.currency) or \
                    _fragment(doc, s, t, cs, T):
                continue
            m = _Mention(s, t, span.start_char, span.end_char, span.text, key, label, list(cs), want,
                         single=(t - s == 1))
            mentions.append(m)
            for k in range(s, t):
                taken[k] = True

        # country focus from the names so far (countries are near-unambiguous)
        for m in mentions:
            top = self._top_country(m.cands)
            if top:
                # "Georgia" is a country and a state: weaker evidence
                rival = any(c.kind == "admin1" and c.country != top for c in m.cands)
                focus[top] += T.focus_country_rival if rival else T.focus_country
        strong_focus = {cc for cc, w in focus.items() if w >= T.strong_focus_min}

        # gazetteer n-grams the NER missed, longest first
        for s, t in sorted(ngram_spans, key=lambda st: (-(st[1] - st[0]), st[0])):
            if any(taken[k] for k in range(s, t)) or (
                    t - s > 1 and doc[t - 1].lower_ == "city" and t < n and doc[t].lower_ in T.city_office):
                continue  # "Dublin City Council" names the council of Dublin, not "Dublin City"
            key = ngram_keys[(s, t)]
            cs = cands.get(key)
            if not cs:
                continue
            if t < n and (doc[t].lower_ in T.currency or (hint and doc[t].lower_ in T.unit_words and ent_label[t] == ent_label[s]
                                                         and ent_label[s] in ("ORG", "NORP", "PERSON"))):
                continue  # "the US dollar", "Al Sham Corps"
            if _fragment(doc, s, t, cs, T):
                continue
            cs = self._accept(doc, s, t, cs, ent_label, ent_of, strong_focus, person_words, ctx)
            if not cs:
                continue
            span = doc[s:t]
            label = ent_label[s] if ent_label[s] == ent_label[t - 1] and ent_label[s] else "GAZ"
            mentions.append(_Mention(s, t, span.start_char, span.end_char, span.text, key, label, cs,
                                     single=(t - s == 1)))
            for k in range(s, t):
                taken[k] = True
            top = self._top_country(cs)
            if top:
                focus[top] += T.focus_gazetteer_strong if top in strong_focus else T.focus_gazetteer_weak

        mentions.sort(key=lambda m: m.start_tok)
        if not mentions and not demo and not (hint and any(z.country == hint for z in conflict_zones())):
            return []

        # type words after / before a name; "near"
        prev_end = 0
        for m in mentions:
            t = m.end_tok
            if t < n and doc[t].lower_ in T.admin_words and m.want is None:
                m.want = "admin"
            elif t < n and doc[t].lower_ in T.town_words and m.want is None:
                m.want = "town"
            elif m.want is None and m.start_tok >= 2 and doc[m.start_tok - 1].lower_ == "of" and \
                    doc[m.start_tok - 2].lower_ in T.admin_words:
                m.want = "admin"  # "the state of Washington", "the province of Idlib"
            if m.want == "admin" and not any(_want_admin(c) for c in m.cands):
                # "Washington state": the area is listed as "Washington State", "Idlib Governorate"
                extra_keys = [f"{m.key} {w}" for w in T.admin_suffixes]
                extra = gaz.candidates_for_keys(extra_keys)
                for k in extra_keys:
                    m.cands = m.cands + [c for c in extra.get(k, ()) if _want_admin(c)]
            if t < n and doc[t].lower_ in T.part_words:
                m.near = True
            s = m.start_tok
            for k in range(s - 1, max(prev_end, s - 5) - 1, -1):
                w = doc[k].lower_
                if w in T.near_stop:
                    break
                if w in T.near_before or (w == "of" and k > 0 and doc[k - 1].lower_ in T.part_or_direction):
                    m.near = True
                    break
            prev_end = m.end_tok
            if s > 0 and doc[s - 1].lower_ in T.directions:
                m.part = True

        # names with no exact entry: skeleton / fuzzy within the focus country
        top_focus = [cc for cc, _ in focus.most_common(2)]
        for m in mentions:
            if m.cands:
                continue
            if not top_focus or len(m.key) < 4:
                continue
            sk = skeleton_of_key(m.key)
            found: list[Candidate] = []
            if len(sk.replace(" ", "")) >= 4:
                for cc in top_focus:
                    found = [c for c in gaz.candidates_for_skeleton(sk, cc, primary_only=True)
                             if _close_spelling(m.key, normalise_name(c.name))]
                    if found:
                        break
            if not found and len(m.key) >= 6 and hint and m.label in T.place_labels:
                fz = gaz.fuzzy_candidates(m.text, top_focus[0], limit=5, score_cutoff=90)
                if fz:
                    best_score = max(sc for _, sc in fz)
                    found = [c for c, sc in fz if sc == best_score]
            m.cands = found
            m.loose = bool(found)

        # one name, one set of readings: "Dublin" at a sentence start kept only its capital's reading,
        # while the recogniser's "Dublin" elsewhere in the text keeps every town so named
        by_key: dict[str, list[_Mention]] = defaultdict(list)
        for m in mentions:
            if m.cands:
                by_key[m.key].append(m)
        for group in by_key.values():
            if len(group) > 1:
                union = {c.id: c for m in group for c in m.cands}
                if any(len(m.cands) < len(union) for m in group):
                    widest = max(group, key=lambda m: len(m.cands))
                    for m in group:
                        m.cands = list(widest.cands) + [c for cid, c in union.items()
                                                        if cid not in {x.id for x in widest.cands}]
        named = {cc for cc in (self._top_country(m.cands) for m in mentions) if cc} | {d.country for d in demo}
        ctx.demo_cc = {d.country for d in demo}
        doc_cc = hint or next((cc for cc, w in focus.most_common(1) if w >= T.strong_focus_min), None)
        ctx.zones = [z for z in conflict_zones() if z.country == doc_cc and z.cue.search(doc.text)]
        self._resolve(doc, mentions, focus, ctx, named)
        if ctx.zones:
            mentions = self._zone_fallback(doc, mentions, taken, ent_label, ctx)
        return self._output(doc, mentions, demo, T)

    def _zone_fallback(self, doc, mentions: list[_Mention], taken: list[bool], ent_label, ctx: _Context
                       ) -> list[_Mention]:
        """In a report from a front ("the OSCE SMM observed ... near Mineralne"), a place name the
        gazetteer lacks, or knows only as a small namesake far from the front, is placed at the
        front's point (a region: ACLED's precision 3) rather than nowhere or in the wrong province."""
        T = ctx.tables
        zone = ctx.zones[0]
        # names the recogniser missed: "near Mineralne", "at Shahpur sector"
        n = len(doc)
        for k in range(1, n):
            if taken[k] or not _is_cap(doc[k]) or doc[k - 1].lower_ not in T.zone_locatives:
                continue
            if ent_label[k] in T.not_place_labels or (ent_label[k] in ("PERSON", "ORG", "NORP")
                                                      and doc[k - 1].lower_ != "near"):
                continue
            e = k + 1
            while e < n and not taken[e] and (_is_cap(doc[e]) or (doc[e].text == "-" and e + 1 < n and _is_cap(doc[e + 1]))) \
                    and e - k < 4:
                e += 1
            span = doc[k:e]
            low = doc[k].lower_
            if low in T.common or low in T.months_days or len(span.text) < 4 or doc[e - 1].text.endswith("."):
                continue
            mentions.append(_Mention(k, e, span.start_char, span.end_char, span.text, T.key(span), "GAZ", [],
                                     single=(e - k == 1), near=doc[k - 1].lower_ == "near"))
            for j in range(k, e):
                taken[j] = True
        mentions.sort(key=lambda m: m.start_tok)
        for i, m in enumerate(mentions):
            c = m.best
            if c is None:
                if any(x.country == zone.country for x in m.cands) or \
                        (m.label not in T.place_labels and m.label != "GAZ") or len(m.key) < 4:
                    continue
                nxt = mentions[i + 1] if i + 1 < len(mentions) else None
                if nxt is not None and nxt.best is not None and nxt.best.kind in ("admin1", "admin2", "region") \
                        and nxt.start_tok - m.end_tok <= 2:
                    continue  # "Novotroitske, Donetsk": the province carries the place
            elif not (c.kind == "town" and c.population < 100_000 and c.source != "imported"
                      and haversine_km(c.lat, c.lon, zone.lat, zone.lon) > zone.radius_km * 1.3):
                continue
            m.best = m.top = zone.candidate
            m.margin = 0.5
        return mentions

    # ------------------------------------------------------------------ helpers

    def _demonym(self, start: int, end: int, text: str, cc: str) -> ResolvedMention:
        c = self.gaz.country_candidate(cc)
        return ResolvedMention(start, end, text, c.to_place() if c else None, is_country=True, is_demonym=True,
                               country=cc, label="NORP", confidence=0.9)

    @staticmethod
    def _top_country(cs: list[Candidate]) -> str | None:
        for c in cs:
            if c.kind == "country":
                return c.country
        return None

    def _accept(self, doc, s: int, t: int, cs: list[Candidate], ent_label, ent_of, focus: set[str],
                person_words: set[str], ctx: _Context):
        """Candidates of a non-NER n-gram that make it a place, or [] to reject it."""
        T, hint_cc = ctx.tables, ctx.hint
        labels = {ent_label[k] for k in range(s, t)}
        if labels & T.not_place_labels:
            # "near Svitlodarsk" tagged PRODUCT: a place of the country in focus after a locative word
            if labels - T.mislabels - {"DATE"} - {None} or not (s > 0 and doc[s - 1].lower_ in T.locative):
                return []
            if "DATE" in labels and any(doc[k].lower_ in T.months_days or not doc[k].is_alpha or not doc[k].cap
                                        for k in range(s, t)):
                return []  # "in May": a date; "in Dahuk" tagged DATE: a place
            return [c for c in cs if c.country in focus and c.kind != "country"
                    and (c.primary or c.population >= 5000 or c.source in ("curated", "imported"))]
        single = t - s == 1
        tok = doc[s]
        if single and tok.text.isupper() and len(tok.text) <= 3 and tok.text not in T.state_abbr and \
                all(c.kind == "town" and c.population < 100_000 for c in cs):
            return []  # "SAD leaders": an acronym, not the village of Sad
        if "ORG" in labels and all(c.kind == "continent" for c in cs):
            return []  # "Philippine Span Asia Carrier Corporation"
        if single and tok.text in T.state_abbr:
            if tok.text in T.state_abbr_risky and not (s > 0 and doc[s - 1].text == ","):
                return []
            return [c for c in cs if c.kind == "admin1" and c.country == "US"]
        person_ctx = False
        if "PERSON" in labels:
            e = ent_of[s]
            if e is not None and e.label_ == "PERSON" and e.start <= s and e.end >= t:
                if len(e) > 1:
                    # a full name, unless it is exactly a place's name in the country in focus
                    # (the NER often takes "Maarat al-Numan" for a person)
                    if e.start == s and e.end == t and not single:
                        return [c for c in cs if c.country in focus and (c.primary or c.source == "curated")]
                    return []
                person_ctx = True
        if single:
            low = tok.lower_
            if low in T.common or low in T.months_days or tok.is_stop or low in T.stop_fallback:
                return []
            if len(tok.text) < 3 or tok.text in person_words:
                return []
            dateline = tok.text.isupper() and len(tok.text) >= 4 and s + 1 < len(doc) and \
                doc[s + 1].text in (":", ",", "-", "—", "–", "(")
            if tok.pos_ not in ("PROPN",) and not (tok.text.isupper() and len(tok.text) <= 4) and not dateline:
                return []
            if person_ctx and not self._place_context(doc, s, T):
                return []
        sent_start = tok.is_sent_start or (s > 0 and doc[s - 1].text in ('"', "“", "'", "(", ":"))
        if sent_start and s > 1 and doc[s - 1].text == "(" and _is_cap(doc[s - 2]) and any(c.country in focus for c in cs):
            sent_start = False  # "in Sevare (Mopti)": the bracket names the place's province or town
        if sent_start and t < len(doc) and doc[t].text == "," and t + 1 < len(doc) and _is_cap(doc[t + 1]):
            sent_start = False  # "Greer, South Carolina" opening a sentence
        in_org = "ORG" in labels or "NORP" in labels or person_ctx
        if in_org and labels <= {"ORG", "PERSON", "NORP", None}:
            e = ent_of[s]
            # the entity is just this name and it reads as a place ("on Tafas front", "in Dar'a")
            if e is not None and e.start == s and e.end == t and self._place_context(doc, s, T):
                in_org = False

        # a town of the country in focus whose own name this is
        named_so = any(c.primary and c.kind == "town" and c.country in focus for c in cs)

        def strong(c: Candidate) -> bool:
            if c.kind in ("country", "continent"):
                return True
            if c.kind == "admin1":
                return c.primary or c.source == "curated" or not single or c.country in focus
            if c.source == "curated":
                # a curated village abroad is not a one-word name in someone else's news ("Mayer")
                return not single or c.kind not in ("town", "spot", "landmark", "camp") or c.country in focus
            infocus = c.country in focus
            if c.kind == "admin2":
                return not single or infocus
            if hint_cc and c.country != hint_cc and c.country not in focus and c.population < 100_000:
                return False
            if single:
                # a large town of the country in focus by an alternate name: "Dahuk", "(Sirt)"
                if infocus and c.population >= 50_000 and not named_so:
                    return True
                if sent_start or in_org:
                    # a US town's own paper opens sentences and names its council with the town
                    return c.primary and (c.population >= 100_000 or (
                        ctx.local_us and c.country == "US" and c.population >= 5000))
                return (c.primary and c.population >= 15_000) or \
                    (infocus and c.primary and (c.population > 0 or c.source == "imported"))
            return c.primary or c.population >= 1000 or infocus

        keep = [c for c in cs if strong(c)]
        return keep

    @staticmethod
    def _place_context(doc, s: int, T: PlaceTables) -> bool:
        """A single capitalised word the NER took for a person reads as a place here."""
        prev = doc[s - 1].lower_ if s > 0 else ""
        nxt = doc[s + 1] if s + 1 < len(doc) else None
        if prev in T.place_prev or prev in T.directions:
            return True
        if nxt is not None and (nxt.text in (",", ";", ")") or nxt.lower_ in T.place_next):
            return True
        return False

    def _resolve(self, doc, mentions: list[_Mention], focus: Counter, ctx: _Context,
                 named: set[str] = frozenset()) -> None:
        T, hint = ctx.tables, ctx.hint
        admin_key = T.admin_key
        share: dict[str, float] = {}
        max_share = 0.0

        def set_focus(extra: Counter | None = None) -> None:
            nonlocal share, max_share
            f = Counter(focus)
            if extra:
                f.update(extra)
            total = sum(f.values()) or 1.0
            share = {cc: w / total for cc, w in f.items()}
            max_share = max(share.values()) if share else 0.0

        set_focus()

        # containment pairs: "A in B", "A, B", "A (B)", "A of B province"
        contains: dict[int, list[int]] = defaultdict(list)  # index of contained -> containers
        placed_in: dict[int, int] = {}  # "A, B", "A (B", "A in B": the container named right after
        chain_from: set[int] = set()
        for i in range(len(mentions) - 1):
            a, b = mentions[i], mentions[i + 1]
            gap = doc[a.end_tok:b.start_tok]
            words = [w.lower_ for w in gap]
            if a.want == "admin" and words and words[0] in T.admin_words:
                words = words[1:]
            # "Shahpur sector area (Poonch", "Pati village (Barwani", "Tilak Nagar area of Chembur"
            while len(words) > 1 and words[0] in T.gap_type_words:
                words = words[1:]
            if tuple(words) in T.containment_gaps:
                contains[i].append(i + 1)
                if tuple(words) in T.placed_in_gaps:
                    placed_in[i] = i + 1
                if words != [","]:
                    chain_from.add(i)
        # "Pati village (Barwani, Madhya Pradesh)": inside Barwani, so inside Madhya Pradesh too
        # (not along a plain list: "Alaska, Alabama, Arizona")
        for i in sorted(chain_from, reverse=True):
            for j in list(contains[i]):
                for k in contains.get(j, ()):
                    if k not in contains[i]:
                        contains[i].append(k)

        for m in mentions:
            m.cands = m.cands[: self.max_cands] + [c for c in m.cands[self.max_cands:] if c.country in focus]

        # base scores
        population_weight, world_city_population, world_city_bonus = \
            T.population_weight, T.world_city_population, T.world_city_bonus
        kind_bonus, admin2_single_bonus, admin2_bonus = T.kind_bonus, T.admin2_single_bonus, T.admin2_bonus
        curated_bonus, primary_bonus, country_name_town_penalty = \
            T.curated_bonus, T.primary_bonus, T.country_name_town_penalty
        focus_share_weight, hint_country_bonus, unnamed_country_penalty = \
            T.focus_share_weight, T.hint_country_bonus, T.unnamed_country_penalty
        want_admin_fit, want_admin_misfit = T.want_admin_fit, T.want_admin_misfit
        want_town_fit, want_town_misfit = T.want_town_fit, T.want_town_misfit
        loc_region_bonus, front_bonus, us_local_foreign_penalty = \
            T.loc_region_bonus, T.front_bonus, T.us_local_foreign_penalty
        local_us, zones, demo_cc = ctx.local_us, ctx.zones, ctx.demo_cc

        def base(m: _Mention, c: Candidate) -> float:
            sc = population_weight * math.log10(c.population + 1)
            if c.kind == "town" and c.population >= world_city_population:
                sc += world_city_bonus  # "Toronto", "Cairo": a world city over its namesakes in the countries in focus
            kb = kind_bonus.get(c.kind)
            if kb is not None:
                sc += kb  # a country or a continent, a province, a region
            elif c.kind == "admin2":
                sc += admin2_single_bonus if m.single else admin2_bonus
            if c.source == "curated":
                sc += curated_bonus
            if c.primary:
                sc += primary_bonus
            elif c.kind == "town" and has_country.get(id(m)):
                sc -= country_name_town_penalty  # "Iraq" is the country, not a town that also goes by that name
            if c.country:
                sc += focus_share_weight * share.get(c.country, 0.0) / (max_share or 1.0) if share else 0.0
                if hint and c.country == hint:
                    sc += hint_country_bonus
                elif hint and c.country not in named and c.kind not in ("country", "continent"):
                    sc -= unnamed_country_penalty  # a feed about one country: elsewhere only when the text names it
            if m.want == "admin":
                sc += want_admin_fit if _want_admin(c) else -want_admin_misfit
            elif m.want == "town":
                sc += want_town_fit if c.kind == "town" else -want_town_misfit
            if m.label == "LOC" and c.kind in ("region", "continent"):
                sc += loc_region_bonus
            for z in zones:
                if c.country == z.country and c.kind not in ("country", "admin1") and \
                        haversine_km(c.lat, c.lon, z.lat, z.lon) <= z.radius_km:
                    sc += front_bonus  # the front the report is about
                    break
            if local_us and c.country and c.country != "US" and c.country not in demo_cc:
                if c.kind == "country" and not (country_keys.get(c.country, set()) - {m.key}):
                    sc -= us_local_foreign_penalty  # "Lebanon" alone in a US town's news: Lebanon, Pennsylvania
                elif c.kind not in ("country", "continent") and not (country_named.get(c.country, set()) - {m.key}) \
                        and not (demo_cc - {"US"}) and not (foreign_keys - {m.key}):
                    sc -= us_local_foreign_penalty  # "Dublin City Council": Dublin, Ohio, unless the text names other countries
            return sc

        # a report that names other countries is not a US town's local news, whatever its cues
        foreign_keys = {m.key for m in mentions for c in m.cands
                        if c.kind == "country" and c.country != "US" and c.primary}
        country_keys: dict[str, set[str]] = defaultdict(set)  # country -> keys of the mentions naming it
        country_named: dict[str, set[str]] = defaultdict(set)  # ... by the country's own name
        for m in mentions:
            for c in m.cands:
                if c.kind == "country":
                    country_keys[c.country].add(m.key)
                    country_named[c.country].add(m.key)
                elif c.kind == "admin1" and c.country:
                    country_named[c.country].add(m.key)  # "Ontario": Canada is in the text
                elif m.best is None and c.country and len({x.country for x in m.cands}) == 1:
                    country_keys[c.country].add(m.key)
        has_country = {id(m): any(c.kind == "country" for c in m.cands) for m in mentions}
        for m in mentions:
            m.scores = {c.id: base(m, c) for c in m.cands}
        container_ids = {id(mentions[j]) for js in contains.values() for j in js}

        # state/province names mentioned: towns inside them are preferred
        admin_named: dict[str, float] = defaultdict(float)

        def pick(m: _Mention) -> None:
            if not m.cands:
                m.best, m.margin = None, 0.0
                return
            ranked = sorted(m.cands, key=lambda c: -m.scores[c.id])
            m.best = m.top = ranked[0]
            if hint and m.best.country != hint and m.best.country not in named and m.best.kind != "continent":
                # the only fits lie in a country the text never names: better none than a wrong one
                m.best, m.margin = None, 0.0
                return
            if id(m) in container_ids:
                pass  # "Cuauhtemoc, Chihuahua": the container is the state
            elif m.best.kind == "admin1" and m.want != "admin" and not m.near:
                # "Idleb" for the province and its capital alike: the town is the point to give
                ak = admin_key(m.best.admin1 or m.best.name)
                adm = m.best
                for c in ranked[1:]:
                    if c.kind == "town" and c.country == adm.country and c.population >= 10_000 and \
                            admin_key(c.admin1) == ak and m.scores[c.id] > m.scores[adm.id] - 4.0 and \
                            (adm.source == "derived" or haversine_km(c.lat, c.lon, adm.lat, adm.lon) < 30):
                        m.best = c
                        break
            elif m.best.kind == "admin2" and m.want != "admin" and not m.near:
                # a municipality or district named like its seat ("Morelia", "Martinez de la Torre")
                adm = m.best
                for c in ranked[1:]:
                    if c.kind == "town" and c.country == adm.country and m.scores[c.id] > m.scores[adm.id] - 4.0 and \
                            haversine_km(c.lat, c.lon, adm.lat, adm.lon) < 30:
                        m.best = c
                        break
            m.margin = m.scores[ranked[0].id] - (m.scores[ranked[1].id] if len(ranked) > 1 else m.scores[ranked[0].id] - 3)

        for m in mentions:
            pick(m)
        admin_named_bonus, outside_named_penalty, outside_named_population = \
            T.admin_named_bonus, T.outside_named_penalty, T.outside_named_population
        pull_steps, pull_max, seat_pair_bonus = T.pull, T.pull_max, T.seat_pair_bonus
        pull_far = pull_steps[-1][0] if pull_steps else 0.0
        container_bonus, container_agree_bonus = T.container_bonus, T.container_agree_bonus
        for _round in range(T.resolve_rounds):
            # the picks so far say which country the document is about
            votes: Counter = Counter()
            voted: set[str] = set()
            for m in mentions:
                if m.key in voted or m.best is None or not m.best.country or m.best.kind in ("country", "continent"):
                    continue
                voted.add(m.key)  # a name repeated is one vote
                votes[m.best.country] += 1.0 if m.margin >= 1.0 else 0.5
            set_focus(votes)
            admin_named.clear()
            admin_countries: set[str] = set()
            for m in mentions:
                top = m.top if m.best is not None else None
                if top is not None and top.kind == "admin1" and top.country:
                    admin_named[(top.country, admin_key(top.admin1 or top.name))] += 1.0
                    if m.margin >= 1.0 or top.source == "curated":
                        admin_countries.add(top.country)
                elif top is not None and top.kind == "region" and top.country:
                    admin_named[(top.country, admin_key(top.admin1 or top.name))] += 1.0
            anchor_pts = list({m.key: (m.key, m.best.lat, m.best.lon) for m in mentions
                               if m.best is not None and m.best.kind not in ("country", "continent")
                               and m.margin >= 1.0}.values())
            # a county named beside its towns: "Huntsville" and "Walker County" in one report are
            # the Texas pair, the town being the county's (every pairing is checked, not only picks)
            seat_pairs: set[tuple[str, int]] = set()
            counties = [(m.key, c) for m in mentions for c in m.cands if c.kind == "admin2"]
            if counties:
                for m in mentions:
                    for c in m.cands:
                        if c.kind != "town" or not c.admin2:
                            continue
                        a2 = admin_key(c.admin2)
                        for ckey, county in counties:
                            if ckey != m.key and county.country == c.country and \
                                    admin_key(county.name) == a2 and county.admin1 == c.admin1:
                                seat_pairs.add((m.key, c.id))
                                seat_pairs.add((ckey, county.id))
            for i, m in enumerate(mentions):
                if len(m.cands) <= 1:
                    continue
                for c in m.cands:
                    sc = base(m, c)
                    if c.kind not in ("country", "continent"):
                        if admin_named and (c.country, admin_key(c.admin1)) in admin_named and c.kind != "admin1":
                            sc += admin_named_bonus
                        elif hint and c.country == hint and c.country in admin_countries and \
                                c.kind in ("town", "admin2") and c.population < outside_named_population:
                            sc -= outside_named_penalty  # a small place outside the provinces the text names
                        # co-mentioned places pull each other (each other name counts once)
                        pull = 0.0
                        coslat = math.cos(math.radians(c.lat))
                        for akey, alat, alon in anchor_pts:
                            if akey == m.key:
                                continue
                            dy = (c.lat - alat) * 111.2
                            dx = (c.lon - alon + 540.0) % 360.0 - 180.0
                            dx *= 111.2 * coslat
                            d2 = dx * dx + dy * dy
                            if d2 < pull_far:
                                for limit, weight in pull_steps:
                                    if d2 < limit:
                                        pull += weight
                                        break
                            if pull >= pull_max:
                                break
                        sc += min(pull, pull_max)
                        if (m.key, c.id) in seat_pairs:
                            sc += seat_pair_bonus
                    for j in contains.get(i, ()):
                        b = mentions[j]
                        if any(self._inside(c, c2, admin_key) for c2 in b.cands[:20]):
                            sc += container_bonus
                    m.scores[c.id] = sc
                pick(m)
            # containers agree with what they contain
            for i, js in contains.items():
                a = mentions[i]
                if a.best is None:
                    continue
                for j in js:
                    b = mentions[j]
                    for c2 in b.cands:
                        if self._inside(a.best, c2, admin_key):
                            b.scores[c2.id] = b.scores.get(c2.id, 0.0) + container_agree_bonus
                    pick(b)
        # a name matched only by a looser spelling ("Chenpur" ~ Chainpur) must lie in a province the
        # text names, when it names one of that country ("Chenpur village (Khargone, Madhya Pradesh)")
        named_admin1 = [m.best for m in mentions if m.best is not None and m.best.kind == "admin1"]
        for m in mentions:
            if m.loose and m.best is not None and m.best.kind == "town":
                same = [a for a in named_admin1 if a.country == m.best.country]
                if same and not any(self._inside(m.best, a, admin_key) for a in same):
                    m.best = m.top = None
                    m.margin = 0.0
        # "Stroud, Ontario": no Stroud the gazetteer knows lies in Ontario, and the one in England
        # is not what the text means; better no point than one in another country
        for i, j in placed_in.items():
            a, b = mentions[i], mentions[j].best
            if a.best is None or a.best.kind not in ("town", "admin2") or b is None or \
                    mentions[j].text.lower() in T.directions:
                continue
            provinces = [x for x in (mentions[k].best for k in contains.get(i, [j])) if x is not None
                         and x.kind == "admin1" and x.country == a.best.country]
            if provinces and a.best.population < 50_000 and all(
                    not self._inside(a.best, p, admin_key) and haversine_km(a.best.lat, a.best.lon, p.lat, p.lon) > 100
                    and not any(self._inside(c, p, admin_key) for c in a.cands) for p in provinces):
                # "in Castilla, Piura", "Tuzlucayir neighborhood of Mamak, Ankara": the small place of
                # that name elsewhere in the country is not it; the province carries the event
                a.best = a.top = None
                a.margin = 0.0
                continue
            if a.best.kind != "town":
                continue
            if b.kind == "town" and b.country == a.best.country and a.margin <= 3.0 and \
                    haversine_km(a.best.lat, a.best.lon, b.lat, b.lon) > 50 and \
                    [w.lower_ for w in doc[a.end_tok:mentions[j].start_tok]] == ["in"]:
                # "the prison of Rass Al Ain in Fes": a quarter or site of Fes, not the town of that
                # name 250 km away
                a.best = a.top = None
                a.margin = 0.0
                continue
            listed = j + 1 < len(mentions) and [w.lower_ for w in doc[mentions[j].end_tok:mentions[j + 1].start_tok]] \
                in ([","], ["and"], ["or"], [",", "and"])
            if b.kind in ("admin1", "admin2") and b.country != a.best.country and not listed and \
                    not any(self._inside(c, b, admin_key) for c in a.cands):
                a.best = a.top = None
                a.margin = 0.0

    @staticmethod
    def _inside(c: Candidate, container: Candidate, admin_key) -> bool:
        """`c` lies in `container` (`admin_key`: the province-name key of the rules in force)."""
        if c.id == container.id or not c.country or c.country != container.country:
            return False
        if container.kind == "country":
            return True
        if container.kind in ("admin1", "region", "admin2"):
            if container.kind == "admin1" and admin_key(c.admin1) and \
                    admin_key(c.admin1) == admin_key(container.admin1 or container.name):
                return True
            if container.kind == "admin2" and c.admin2 and normalise_name(c.admin2) == normalise_name(container.name):
                return True
            return haversine_km(c.lat, c.lon, container.lat, container.lon) < (150 if container.kind != "admin2" else 60)
        # "Pandi, Bulacan" where the second is a town: near each other, and the container the bigger
        if container.population < max(1000, c.population) and container.source != "curated":
            return False
        return haversine_km(c.lat, c.lon, container.lat, container.lon) < 40

    def _output(self, doc, mentions: list[_Mention], demo: list[ResolvedMention], T: PlaceTables) -> list[ResolvedMention]:
        out: list[ResolvedMention] = []
        for m in mentions:
            c = m.best
            place = c.to_place() if c is not None else None
            conf = 0.0
            if c is not None:
                conf = max(0.05, min(0.99, 1 / (1 + math.exp(-(m.margin - 0.5)))))
            out.append(ResolvedMention(
                m.start, m.end, m.text, place,
                is_country=bool(c is not None and c.kind == "country"),
                is_admin1=bool(c is not None and c.kind in ("admin1", "region")),
                near=m.near or m.part, country=c.country if c is not None else None, label=m.label,
                confidence=round(conf, 3), candidates=len(m.cands)))
        out.extend(demo)
        out.sort(key=lambda r: r.start)
        # "between X and Y" / "from X to Y ... road"
        pos = {r.start: i for i, r in enumerate(out)}
        for i in range(len(out) - 1):
            a, b = out[i], out[i + 1]
            if a.is_demonym or b.is_demonym or a.place is None or b.place is None:
                continue
            before = doc.text[max(0, a.start - 12):a.start].lower()
            mid = doc.text[a.end:b.start].lower().strip(" ,")
            if (before.rstrip().endswith("between") and mid in ("and", "and the")) or \
                    (before.rstrip().endswith("from") and mid == "to" and
                     T.road_words.search(doc.text[max(0, a.start - 60):b.end + 30].lower())):
                a.between, b.between = i + 1, i
        del pos
        return out


@dataclass(frozen=True)
class ConflictZone:
    name: str
    country: str
    lat: float
    lon: float
    radius_km: float
    cue: re.Pattern

    @property
    def candidate(self) -> Candidate:
        return Candidate(-abs(hash(self.name)) % 10**9 - 1, f"zone:{self.name}", self.name, self.lat, self.lon,
                         self.country, None, None, "L", "RGN", 0, None, "curated", "region")


_zones: list[ConflictZone] | None = None


def conflict_zones() -> list[ConflictZone]:
    """Front lines from warlog/data/conflict_zones.csv."""
    global _zones
    if _zones is None:
        import csv
        from importlib import resources

        path = resources.files("warlog") / "data" / "conflict_zones.csv"
        with path.open(encoding="utf-8") as f:
            rows = [line for line in f if line.strip() and not line.startswith("#")]
        _zones = [ConflictZone(r["name"], r["country"], float(r["lat"]), float(r["lon"]), float(r["radius_km"]),
                               re.compile(r["cues"])) for r in csv.DictReader(rows)]
    return _zones


_default_matcher: PlaceMatcher | None = None
_default_lock = threading.Lock()


def find_place_mentions(doc, country_hint: str | None = None, gazetteer: Gazetteer | None = None
                        ) -> list[ResolvedMention]:
    """Places named in a parsed spaCy Doc, each resolved to a gazetteer Place (or None).

    `country_hint`: ISO2 of the country the source covers (a hint, not an override).
    Demonyms come back with is_demonym=True (country evidence, not places named).
    """
    global _default_matcher
    if gazetteer is not None:
        return PlaceMatcher(gazetteer)(doc, country_hint)
    if _default_matcher is None:
        with _default_lock:
            if _default_matcher is None:
                _default_matcher = PlaceMatcher()
    return _default_matcher(doc, country_hint)


# --------------------------------------------------------------------------- spaCy component
class PlacesComponent:
    """The `warlog_places` pipeline component: the places a Doc names, resolved, in `doc._.places`
    (demonyms included, as `ResolvedMention(is_demonym=True)`), using `doc._.country_hint` (ISO2)
    when the caller sets it.

    The matcher (and with it the gazetteer) is made on the first Doc, not when the pipeline is
    built; it keeps no state of its own between Docs, so the component may run on several threads.
    """

    def __init__(self, nlp, name: str = "warlog_places", *, gazetteer_path: str | None = None,
                 max_cands: int = 25) -> None:
        self.name = name
        self.gazetteer_path = gazetteer_path
        self.max_cands = max_cands
        self._matcher: PlaceMatcher | None = None
        self._lock = threading.Lock()

    @property
    def matcher(self) -> PlaceMatcher:
        if self._matcher is None:
            with self._lock:
                if self._matcher is None:
                    gaz = Gazetteer.open(self.gazetteer_path) if self.gazetteer_path else None
                    self._matcher = PlaceMatcher(gaz, max_cands=self.max_cands)
        return self._matcher

    def __call__(self, doc):
        doc._.places = self.matcher(doc, doc._.country_hint)
        return doc


try:  # pragma: no cover - registration only
    from spacy.language import Language
    from spacy.tokens import Doc

    if not Doc.has_extension("places"):
        Doc.set_extension("places", default=None)
    if not Doc.has_extension("country_hint"):
        Doc.set_extension("country_hint", default=None)

    @Language.factory(
        "warlog_places",
        default_config={"gazetteer_path": None, "max_cands": 25},
        requires=["doc.ents", "token.pos", "token.is_sent_start"],
        assigns=["doc._.places"],
    )
    def make_places_component(nlp: Language, name: str, gazetteer_path: str | None, max_cands: int
                              ) -> PlacesComponent:
        """`gazetteer_path`: a compiled gazetteer file (None: the built-in one, with the imported
        places); `max_cands`: readings kept per name beyond those in the countries in focus."""
        return PlacesComponent(nlp, name, gazetteer_path=gazetteer_path, max_cands=max_cands)
except ImportError:  # pragma: no cover
    pass
