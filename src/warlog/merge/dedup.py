"""Cross-source merging: the reports (mentions) of one incident become one merged event.

Incremental and stable.  Each mention is assigned once, in the order reports arrive, to the
best-scoring merged event among its candidates or to a new one; nothing is re-clustered.  A
merged event's id is taken from the mention that founded it (``me-`` + that event id) and
never changes.  A mention that already has a link is never looked at again, so running the
same input twice changes nothing.

Candidates (blocking): the same country, a day within the window both sides' time precision
allows (a day: 1 day either way; a week: 7; a month: 31), within a distance that both sides'
geo precision allows, never a merged event that already holds a mention of the same document
(a report's own incidents were told apart by the extractor).

Decision: a score from what two reports of one incident share and what tells two incidents
apart -- the day, the place (name, distance, the other place names the texts give), the event
type, the actors (either side), the victims' description, the death tolls (tolls rise as
reports come in; they rarely fall), and the similarity of the texts.  A mention joins the
candidate that scores highest, if that score reaches ``THRESHOLD``.  The rules allow for how
extraction varies between reports of one incident: close sub-event types (a suicide bomb and an
IED, an air strike and shelling, a clash and an attack) score part of an agreement; the sides
match either way round, a country's police and army are one state's forces, an unidentified
armed group may be a named one; a province ("Kabul Province", "Zamfara State") contains the
towns and districts the other report names, and a report placed only in the country is compared
by the places its text names; a toll that rises in later reports agrees.

``assign(conn, event_ids)`` runs inside the caller's transaction (``Store.save_extraction``
calls it for the document it stores, so a document and its merging commit together);
``merge_pending(store)`` assigns every mention not yet assigned (``warlog merge``).
"""
from __future__ import annotations

import gc
import math
import operator
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timezone
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Connection, and_, insert, or_, select, update

from warlog.merge.reconcile import HISTORY_FIELDS, _single, reconcile
from warlog.store.db import filter_events, in_chunks

THRESHOLD = 3.5
FLOOR = 0.5  # the least score with every mention already in the event
DAY_SLACK = {1: 1, 2: 7, 3: 31}  # days either way a date of that precision may be off
DATE_GAP_SCORE = {0: 1.0, 1: -1.0, 2: -2.0}  # two day-precise dates this many days apart
CELL_DEG = 1.0  # spatial blocking cell (degrees): a cell and its neighbours cover 60 km
GEO_TOLERANCE_KM = {1: 30.0, 2: 60.0, 3: 200.0}

# --------------------------------------------------------------------------- text features
_STOP = frozenset(
    """a an the and or of in on at to for from by with near outside around after before during when while as
    is are was were be been being has have had that this these those it its their his her they he she who which
    said says say told according reportedly reported report reports also other others several some many least
    about more than over into out up down off against between among amid since until then there here not no
    new one two three four five six seven eight nine ten eleven twelve dozens dozen hundreds killed killing
    wounded injured dead died people ago today yesterday night morning evening late early week day days
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december jan feb mar apr jun jul aug sep sept oct nov dec could would will
    statement spokesman source sources official officials""".split()
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# capitalised names after a locative word: "near Mineralne", "in Kabul's Dasht-e-Barchi district"
_PLACE = re.compile(
    r"\b(?=[inaotfsh])(?:in|near|at|outside|around|of|to|from|towards|into|targeted|shelled|struck|hit|attacked)\s+(?:the\s+)?"
    r"((?:(?:al|el|ar|as|ad|an|ash|at|az|ad-|de|la)[-\s])?[A-Z][\w'’-]+(?:\s+(?:al-|el-)?[A-Z][\w'’-]+){0,3})"
)
_NOT_PLACE = frozenset(
    """january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday the a an his her their its islamic state is this that
    reuters afp ap bbc police army officials residents""".split()
)

# victims and participants, in classes; "people" fits any class, general civilian words fit any civilian group
_VICTIMS: dict[str, str] = {}
for _cls, _words in {
    "military": "soldier soldiers troops troop army servicemen serviceman military conscripts conscript recruits "
                "officer officers commander commanders personnel",
    "police": "police policeman policemen policemen gendarmes gendarme",
    "fighters": "fighters fighter militants militant militiamen militiaman militia insurgents rebels jihadists "
                "combatants gunmen",
    "civilians": "civilians civilian residents resident villagers villager inhabitants worshippers shoppers "
                 "diners passengers displaced family families locals bystanders pedestrians",
    "children": "children child boys girls pupils schoolchildren kids minors students student schoolgirls "
                "schoolboys",
    "women": "women woman",
    "farmers": "farmers farmer herders herder shepherds shepherd fishermen truffle",
    "workers": "workers worker labourers laborers employees miners drivers driver traders vendors merchants "
               "technicians artists nurses doctors interns medics staff",
    "teachers": "teachers teacher lecturers professors",
    "journalists": "journalists journalist reporter reporters",
    "officials": "officials official politician politicians candidate councillor mayor chief chiefs",
    "protesters": "protesters protestors demonstrators activists supporters",
    "prisoners": "prisoners detainees inmates",
    "refugees": "refugees migrants",
    "aid": "aid humanitarian",
}.items():
    for _w in _words.split():
        _VICTIMS[_w] = _cls
_GENERAL_CIVILIAN = "civilians"
_CIVILIAN_GROUPS = frozenset({"civilians", "children", "women", "farmers", "workers", "teachers", "journalists",
                              "refugees", "aid", "prisoners"})
_GENERIC_ACTOR = re.compile(r"^(unidentified|civilians|protesters|rioters|private security)", re.I)
_STATE_FORCES = re.compile(r"^(?:military|police) forces of ")
_PERIOD = re.compile(r"\s*\((?:\d{4}-?(?:\d{4})?)\)\s*$")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII skeleton of a name: accents, articles, hyphens and apostrophes gone."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’‘`]s\b", "", text)
    text = re.sub(r"\b(?:al|el|ar|as|ad|an|ash|at|az)[-\s]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.strip()


@lru_cache(maxsize=200_000)
def _squash(text: str) -> str:
    return fold(text).replace(" ", "")


# the word of an administrative unit after its name: "Zamfara State", "Marib Governorate", "Gezira province"
_ADMIN_WORD = r"(?:province|governorate|state|region|oblast|krai|prefecture|department|wilaya|muhafazah)"
_ADMIN_SUFFIX = re.compile(rf"\s+{_ADMIN_WORD}$")
_ADMIN_AFTER = re.compile(rf"\s+{_ADMIN_WORD}\b", re.I)


@lru_cache(maxsize=200_000)
def place_key(text: str) -> str:
    """A place name's key for comparison: folded, squashed, without the word of an
    administrative unit ("Kabul Province" and "Kabul", "Zamfara State" and "Zamfara" are one key)."""
    return _ADMIN_SUFFIX.sub("", fold(text)).replace(" ", "")


@lru_cache(maxsize=500_000)
def names_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if not a or not b or abs(len(a) - len(b)) > 6:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(long_) - len(short) >= 3 and short in long_:
        return False  # Luhanske and Novoluhanske, Tall and Tall Ahmar: another place
    return fuzz.ratio(a, b) >= 80


_ORG_WORD = re.compile(r"\b(?:Forces?|Militia|Army|Governor|Ministry|Council|Observatory|Front|Brigades?|Division|"
                       r"Party|Movement|Mobili[sz]ation|Guard|Police|Government|Committee|Union|Organi[sz]ation|"
                       r"Agency|Office|Department|Command|Group|Network|News|Times|Radio|TV)\b")
_ACTOR_NOUN = re.compile(r"\s+(?:forces|fighters|militia|militiamen|militants|factions?|rebels|troops|soldiers|"
                         r"gunmen|members|supporters|officials|authorities|police|army|jets|warplanes|aircraft|"
                         r"positions|government|coalition|-led|-backed)\b", re.I)


_PLACE_BEFORE = re.compile(
    r"\b((?:(?:al|el|an|as|ad)[-\s])?[A-Z][\w'’-]+(?:[\s-](?:al-|el-)?[A-Z][\w'’-]+){0,3})\s+(?:highway|road|street|square|"
    r"intersection|roundabout|junction|bridge|district|neighbou?rhood|village|town|city|camp|area|front|frontline|"
    r"market|hospital|checkpoint|township|county|locality|sub-district|quarter)\b")


def place_names(text: str) -> frozenset[str]:
    """Names the text gives after a word of place ("near Mineralne", "in Kabul's Hodan district")
    or before one ("the Miniyeh highway"), without organisations, acronyms and adjectives of
    actors ("Houthi forces")."""
    out = set()
    for m in _PLACE_BEFORE.finditer(text):
        name = re.split(r"['’]s\s+", m.group(1))[-1]  # "Mogadishu's Hodan district": Hodan
        folded = fold(name)
        if folded and folded.split(" ")[0] not in _NOT_PLACE and not _ORG_WORD.search(name):
            out.add(place_key(name))
    for m in _PLACE.finditer(text):
        name = re.split(r"['’]s\s+", m.group(1))[0]  # "Kabul's Hodan district": Kabul (Hodan is found apart)
        folded = fold(name)
        first = folded.split(" ")[0] if folded else ""
        if not first or first in _NOT_PLACE or _ORG_WORD.search(name):
            continue
        if re.fullmatch(r"[A-Z]{2,6}", name) or _ACTOR_NOUN.match(text, m.end(1)):
            continue
        if _ADMIN_AFTER.match(text, m.end(1)) or _ADMIN_SUFFIX.search(folded):
            continue  # "in Gezira province", "in Zamfara State": a province, not a spot
        out.add(place_key(name))
    return frozenset(out)


_QUANT = frozenset("""one two three four five six seven eight nine ten eleven twelve thirteen fifteen twenty thirty
    dozens dozen hundreds scores several many some few numerous""".split())
_HARM = frozenset("""killing killed kill kills wounding wounded injuring injured abducted abducting kidnapped
    kidnapping seized targeting targeted shot shooting attacked attacking""".split())


def victim_classes(text: str) -> frozenset[str]:
    """Classes of the people a count or a verb of harm applies to ("killing five soldiers",
    "24 students were abducted"); words naming who speaks ("police said") are left out."""
    toks = re.findall(r"[a-z]+|\d[\d,]*\d|\d|[.;:,()]", text.lower())
    out = set()
    for i, w in enumerate(toks):
        cls = _VICTIMS.get(w)
        if cls is None:
            continue
        before: list[str] = []
        for t in reversed(toks[max(0, i - 3) : i]):
            if t in ".;:,()":
                break
            before.append(t)
        if any(t in _QUANT or t[0].isdigit() for t in before) or (
            before and (before[0] in _HARM or (len(before) >= 2 and before[1] in _HARM and before[0] in ("a", "an", "the")))
        ):
            out.add(cls)
    return frozenset(out)


def content_words(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    return " ".join(sorted({w for w in words if w not in _STOP and len(w) > 2}))


def actor_key(name: str | None) -> str | None:
    if not name:
        return None
    return _PERIOD.sub("", name).strip().lower()


@lru_cache(maxsize=50_000)
def _admin_keys(admin1: str) -> frozenset[str]:
    return frozenset(place_key(a) for a in re.split(r"\s*/\s*", admin1) if a)


@lru_cache(maxsize=50_000)
def _sides(actor1: str | None, actor2: str | None) -> tuple:
    """Actor keys, all, the specific ones (not unidentified, civilians or crowds), the state
    forces among them (police and army alike), whether an unidentified armed group is a side."""
    a1, a2 = actor_key(actor1), actor_key(actor2)
    acts = frozenset(a for a in (a1, a2) if a)
    specific = frozenset(a for a in acts if not _GENERIC_ACTOR.match(a))
    state = frozenset(_STATE_FORCES.sub("state forces of ", a) for a in specific if _STATE_FORCES.match(a))
    unidentified = any(a.startswith("unidentified") and "armed" in a for a in acts)
    return a1, a2, acts, specific, state, unidentified


@lru_cache(maxsize=50_000)
def _actor_words(*names: str | None) -> frozenset[str]:
    """The words of actors' names ("Houthi" in "Houthi forces" names a side, not a place)."""
    return frozenset(_squash(w) for a in names if a for w in re.split(r"[\s:;()/-]+", _PERIOD.sub("", a)) if len(w) > 3)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def country_key(country: str | None) -> str:
    return (country or "").strip().lower()


# --------------------------------------------------------------------------- mentions and clusters
@dataclass(eq=False)
class Mention:
    """One stored event (one report's account of an incident), with what merging compares."""

    event_id: str
    doc_id: str
    row: dict[str, Any]  # the event's columns
    reported: date | None  # the document's publication date, else the day it was stored
    seq: int  # arrival order
    outlet: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    # derived
    day: int | None = None
    precision: int = 1
    ckey: str = ""
    location: str = ""
    admin1: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    spots: frozenset[str] = frozenset()
    victims: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    specific: frozenset[str] = frozenset()
    state: frozenset[str] = frozenset()  # its state forces, police and army alike
    unidentified: bool = False  # an unidentified armed group is a side
    words: str = ""
    lat: float | None = None
    lon: float | None = None
    slack: int = 31  # days its date may be off either way
    tol: float = 60.0  # km its place may be off
    a1: str | None = None  # actor keys
    a2: str | None = None
    _text_done: bool = False
    nowhere: bool = False

    def __post_init__(self) -> None:
        r = self.row
        self.lat, self.lon = r.get("latitude"), r.get("longitude")
        if self.lat is None or self.lon is None:
            self.lat = self.lon = None
        d = r.get("event_date")
        if d is None and self.reported is not None:
            d, self.precision = self.reported, 2
        else:
            self.precision = int(r.get("time_precision") or 1)
        self.day = d.toordinal() if d is not None else None
        self.slack = DAY_SLACK.get(self.precision, 31)
        self.tol = GEO_TOLERANCE_KM.get(r.get("geo_precision") or 2, 60.0)
        self.ckey = country_key(r.get("country"))
        self.location = place_key(r.get("location") or "")
        self.admin1 = _admin_keys(r.get("admin1") or "")
        # placed in the country and no finer (its centroid): no place to compare (a city-state's
        # capital, geocoded finely, is a place)
        self.nowhere = bool(self.location) and r.get("geo_precision") not in (1, 2) \
            and names_match(self.location, place_key(r.get("country") or ""))
        if self.nowhere:
            self.lat = self.lon = None
        self.a1, self.a2, self.actors, self.specific, self.state, self.unidentified = _sides(r.get("actor1"),
                                                                                           r.get("actor2"))

    def text_features(self) -> None:
        """What the report's text says (places, victims, words): computed when first compared,
        as most mentions loaded around new reports are never compared with them."""
        if self._text_done:
            return
        self._text_done = True
        r = self.row
        text = " ".join(s["text"] for s in self.evidence)
        country = place_key(r.get("country") or "")
        known = {self.location, *self.admin1, country}
        actor_words = _actor_words(r.get("actor1"), r.get("actor2"), r.get("assoc_actor_1"), r.get("assoc_actor_2"))
        self.places = frozenset(p for p in place_names(text)
                                if not any(names_match(p, k) for k in known if k) and p not in actor_words)
        # the places the report names: its location (unless geocoded to a province or the country: a
        # city that shares its province's name, Marib or Kharkiv, is a town), and the others its text gives
        gp = r.get("geo_precision")
        if not self.location or self.nowhere:
            town = ""
        elif gp is not None and gp < 3:
            town = self.location
        else:
            town = self.location if not any(names_match(self.location, k) for k in self.admin1) else ""
        self.spots = self.places | ({town} if town else set())
        self.victims = victim_classes(text)
        self.words = content_words(text)

    @property
    def fatalities(self) -> int:
        return int(self.row.get("fatalities") or 0)


@dataclass(eq=False)
class Cluster:
    merged_id: str
    members: list[Mention]
    stored: dict[str, Any] | None = None  # the merged_events row as stored, None if new
    docs: set[str] = field(default_factory=set)
    new_members: list[Mention] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.docs = {m.doc_id for m in self.members}


def merged_id_for(event_id: str) -> str:
    return "me-" + (event_id[3:] if event_id.startswith("ev-") else event_id)


# --------------------------------------------------------------------------- the decision
# sub-event types that reports of one incident are often coded with, by what they tell: the same
# weapon seen differently (a suicide bomber's vest, a bomb), fire from the air or from afar, an
# attack on soldiers told as a clash, an explosion that kills civilians told as an attack on them
_CLOSE_TYPES: dict[frozenset[str], float] = {
    frozenset(("Suicide bomb", "Remote explosive/landmine/IED")): 0.75,
    frozenset(("Suicide bomb", "Grenade")): 0.5,
    frozenset(("Grenade", "Remote explosive/landmine/IED")): 0.5,
    frozenset(("Air/drone strike", "Shelling/artillery/missile attack")): 0.75,
    frozenset(("Armed clash", "Attack")): 0.25,
    frozenset(("Attack", "Suicide bomb")): 0.25,
    frozenset(("Attack", "Remote explosive/landmine/IED")): 0.25,
    frozenset(("Attack", "Air/drone strike")): 0.25,
    frozenset(("Attack", "Shelling/artillery/missile attack")): 0.25,
    frozenset(("Attack", "Abduction/forced disappearance")): 0.25,
}


def _type_score(a: dict[str, Any], b: dict[str, Any]) -> float:
    if a["sub_event_type"] == b["sub_event_type"]:
        # many demonstrations take place on one day in one city: the type says little
        return 0.5 if a["event_type"] in ("Protests", "Riots") else 1.0
    close = _CLOSE_TYPES.get(frozenset((a["sub_event_type"], b["sub_event_type"])))
    if close is not None:
        return close
    if a["event_type"] == b["event_type"]:
        return 0.5
    if a["disorder_type"] == b["disorder_type"]:
        return 0.0
    return -1.0


def _fatality_score(p: Mention, q: Mention) -> float:
    a, b = p.fatalities, q.fatalities
    if a <= 0 or b <= 0:
        return 0.0
    if a == b:
        return 0.75
    early, late = (q, p) if (q.reported or date.min, q.seq) <= (p.reported or date.min, p.seq) else (p, q)
    if late.fatalities >= early.fatalities:  # the toll rose
        same_day = early.reported is not None and early.reported == late.reported
        ratio = late.fatalities / early.fatalities
        if same_day and ratio > 4 and late.fatalities - early.fatalities > 5:
            return -1.0
        if ratio > 8 and late.fatalities - early.fatalities > 20:
            return -1.0  # a first toll of 2 may become 19; one of 5 hardly 200
        # a toll that rises in later reports is how one incident is told
        return 0.25 if same_day else 0.5
    # a lower later toll: a different incident, unless close
    return -0.25 if early.fatalities - late.fatalities <= max(2, early.fatalities // 5) else -1.5


def _victim_score(p: Mention, q: Mention) -> float:
    a, b = p.victims, q.victims
    if not a or not b:
        return 0.0
    if a & b:
        return 0.5
    if (_GENERAL_CIVILIAN in a and b <= _CIVILIAN_GROUPS) or (_GENERAL_CIVILIAN in b and a <= _CIVILIAN_GROUPS):
        return 0.25
    return -0.75


def _place_score(p: Mention, q: Mention) -> tuple[float, bool]:
    """(score, gate passed)."""
    score = 0.0
    same_name = bool(p.location) and names_match(p.location, q.location)
    if p.admin1 and q.admin1 and not (p.admin1 & q.admin1) and not same_name:
        score -= 1.0
    # the places each report names (its town, the others its text gives): the same places are a
    # strong sign, one report's among the other's a weak one; places on both sides the other does
    # not name, a counter-sign
    if p.spots and q.spots:
        # a spot one report names that is the other's province or location contains the other's
        # spots ("Kabul" against "Dasht-e-Barchi, Kabul Province"): no counter-sign
        common = any(names_match(x, y) for x in p.spots for y in q.spots)
        p_area, q_area = q.spots | q.admin1 | {q.location}, p.spots | p.admin1 | {p.location}
        left = {x for x in p.spots if not any(names_match(x, y) for y in p_area if y)}
        right = {y for y in q.spots if not any(names_match(x, y) for x in q_area if x)}
        if not common:
            # nothing in common: a shared province or city is no sign; a report that names only
            # the area the other's spots lie in, none either way
            return (0.0 if not left or not right else -1.5), True
        if left and right:
            return -1.0, True
        return (1.5 if not left and not right else 0.25), True
    # one report names spots, the other only the area they lie in (its province, or a location
    # geocoded no finer): consistent
    if (p.spots and _within(p.spots, q)) or (q.spots and _within(q.spots, p)):
        score += 0.5
    return score, True


def _within(spots: frozenset[str], other: Mention) -> bool:
    area = other.admin1 | {other.location} if other.location else other.admin1
    return any(names_match(x, y) for x in spots for y in area)


def _actor_score(p: Mention, q: Mention) -> float:
    """Either side matches either side (reports swap who attacked whom); a country's police and
    army are one state's forces (reports call both "security forces"); an unidentified armed
    group may be the group the other report names."""
    if p.specific and q.specific:
        if p.specific & q.specific:
            a1, a2, b1, b2 = p.a1, p.a2, q.a1, q.a2
            return 1.0 if a1 == b1 or (a1 == b2 and a2 == b1) else 0.5
        if p.state & q.state:
            return 0.0
        return -0.5 if p.unidentified or q.unidentified else -1.0
    if p.actors & q.actors:
        return 0.25
    return 0.0


def pair_score(p: Mention, q: Mention, parts: dict[str, float] | None = None) -> float | None:
    """How alike two mentions are; None when they cannot be the same incident.

    ``parts``, when given, receives each component of the score (for explanations).
    """
    if p.day is None or q.day is None or p.ckey != q.ckey or p.doc_id == q.doc_id:
        return None
    gap = p.day - q.day
    if gap < 0:
        gap = -gap
    if gap > p.slack + q.slack:
        return None
    if p.lat is not None and q.lat is not None:  # the cheap distance gate first
        tol = p.tol if p.tol > q.tol else q.tol  # the coarser place's
        dlat = p.lat - q.lat
        if (dlat * 111.0 > tol or -dlat * 111.0 > tol or distance_km(p.lat, p.lon, q.lat, q.lon) > tol) \
                and p.location != q.location:
            return None
    if not p._text_done:
        p.text_features()
    if not q._text_done:
        q.text_features()
    place, ok = _place_score(p, q)
    if not ok:
        return None
    got = {"place": place}
    if max(p.precision, q.precision) > 1:
        got["date"] = 0.0
    else:
        got["date"] = DATE_GAP_SCORE.get(gap, -3.0)
    got["type"] = _type_score(p.row, q.row)
    got["actors"] = _actor_score(p, q)
    got["victims"] = _victim_score(p, q)
    got["fatalities"] = _fatality_score(p, q)
    if p.words and q.words:
        sim = fuzz.token_set_ratio(p.words, q.words) / 100.0
        got["text"] = max(-0.5, min(0.25, (sim - 0.5) * 2.0))
    if parts is not None:
        parts.update(got)
    return sum(got.values())


def cluster_score(m: Mention, c: Cluster) -> float | None:
    """The best score with one of the cluster's mentions, provided none rules the mention out.

    Every mention of the cluster must be compatible (within the date window and the distance,
    scoring at least ``FLOOR``): a chain of reports never walks an event across days or towns.
    """
    if m.doc_id in c.docs:
        return None
    best: float | None = None
    for other in c.members:
        s = pair_score(m, other)
        if s is None or s < FLOOR:
            return None
        if best is None or s > best:
            best = s
    return best


class Merger:
    """The in-memory index of merged events, by (country, day) of their mentions."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        # (country, day) -> {cell, "coarse" or "*" (every one): the clusters with a mention there}
        self.index: dict[tuple[str, int], dict[Any, list[Cluster]]] = {}
        self.clusters: dict[str, Cluster] = {}

    def add(self, cluster: Cluster) -> None:
        self.clusters[cluster.merged_id] = cluster
        for m in cluster.members:
            self._register(cluster, m)

    @staticmethod
    def _cell(m: Mention) -> tuple[int, int] | None:
        """The mention's 1-degree cell, if it is placed finely enough (geo precision 1 or 2) for
        its candidates to lie in the neighbouring cells (tolerance 60 km at most)."""
        if m.lat is None or (m.row.get("geo_precision") or 2) > 2:
            return None
        return int(m.lat // CELL_DEG), int(m.lon // CELL_DEG)

    def _register(self, cluster: Cluster, m: Mention) -> None:
        if m.day is None:
            return
        slack = m.slack
        cell = self._cell(m)
        where = cell if cell is not None else "coarse"
        index, ckey = self.index, m.ckey
        for day in range(m.day - slack, m.day + slack + 1):  # the days its date may be
            cells = index.get((ckey, day))
            if cells is None:
                cells = index[(ckey, day)] = {}
            for key in ("*", where):
                bucket = cells.get(key)
                if bucket is None:
                    cells[key] = [cluster]
                elif cluster not in bucket:
                    bucket.append(cluster)

    def candidates(self, m: Mention) -> Iterator[Cluster]:
        """Clusters with a mention whose date window meets this one's; for a finely placed
        mention, only those in its cell, the neighbouring cells, or placed coarsely."""
        if m.day is None:
            return
        slack = m.slack
        cell = self._cell(m)
        if cell is None:
            keys: list[Any] = ["*"]
        else:
            keys = ["coarse"] + [(cell[0] + i, cell[1] + j) for i in (-1, 0, 1) for j in (-1, 0, 1)]
        seen: set[int] = set()
        index, ckey = self.index, m.ckey
        for day in range(m.day - slack, m.day + slack + 1):
            cells = index.get((ckey, day))
            if not cells:
                continue
            for key in keys:
                for c in cells.get(key, ()):
                    if id(c) not in seen:
                        seen.add(id(c))
                        yield c

    def assign(self, m: Mention) -> tuple[Cluster, float | None]:
        best, best_score = None, None
        for c in self.candidates(m):
            s = cluster_score(m, c)
            if s is not None and s >= self.threshold and (best_score is None or s > best_score
                                                           or (s == best_score and c.merged_id < best.merged_id)):
                best, best_score = c, s
        if best is None:
            best = Cluster(merged_id_for(m.event_id), [])
            self.clusters[best.merged_id] = best
        best.members.append(m)
        best.new_members.append(m)
        best.docs.add(m.doc_id)
        if best_score is not None:
            best.scores[m.event_id] = best_score
        self._register(best, m)
        return best, best_score


# --------------------------------------------------------------------------- the store side
def _tables():
    from warlog.store import db as s

    return s.events, s.evidence, s.documents, s.merged_events, s.event_links, s.merged_history


def _now() -> datetime:
    return datetime.now(timezone.utc)


_NOT_LOADED = frozenset({"extra", "created_at"})  # what merging never reads (and costs the most to convert)


def _load_mentions(conn: Connection, where: Any = None, ids: Sequence[str] | None = None) -> list[Mention]:
    events, evidence, documents, *_ = _tables()
    cols = [c for c in events.columns if c.name not in _NOT_LOADED]
    base = select(*cols, documents.c.published, documents.c.source.label("_outlet"),
                  documents.c.ingested_at.label("_ingested")).join(documents, documents.c.id == events.c.doc_id)
    rows: list[Any] = []
    if ids is not None:
        for chunk in in_chunks(list(ids)):
            rows.extend(conn.execute(base.where(events.c.event_id.in_(chunk))).mappings().all())
    else:
        rows = list(conn.execute(base.where(where) if where is not None else base).mappings().all())
    spans: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if ids is None and where is None:
        q = select(evidence.c.event_id, evidence.c.start, evidence.c.end, evidence.c.text).order_by(
            evidence.c.event_id, evidence.c.ordinal)
        for e in conn.execute(q):
            spans[e.event_id].append({"start": e.start, "end": e.end, "text": e.text})
    elif ids is None:  # the evidence of the same events, by a subquery
        q = (select(evidence.c.event_id, evidence.c.start, evidence.c.end, evidence.c.text)
             .where(evidence.c.event_id.in_(select(events.c.event_id).where(where)))
             .order_by(evidence.c.event_id, evidence.c.ordinal))
        for e in conn.execute(q):
            spans[e.event_id].append({"start": e.start, "end": e.end, "text": e.text})
    else:
        for chunk in in_chunks([r["event_id"] for r in rows]):
            q = (select(evidence.c.event_id, evidence.c.start, evidence.c.end, evidence.c.text)
                 .where(evidence.c.event_id.in_(chunk)).order_by(evidence.c.event_id, evidence.c.ordinal))
            for e in conn.execute(q):
                spans[e.event_id].append({"start": e.start, "end": e.end, "text": e.text})
    out = []
    for r in rows:
        row = dict(r)
        ingested = row.pop("_ingested")
        reported = row.get("published") or (ingested.date() if ingested else None)
        out.append(Mention(event_id=row["event_id"], doc_id=row["doc_id"], row=row, reported=reported, seq=0,
                           outlet=row.pop("_outlet"), evidence=spans.get(row["event_id"], [])))
        out[-1]._ingested = ingested  # type: ignore[attr-defined]
    return out


def _arrival_order(mentions: list[Mention]) -> list[Mention]:
    mentions.sort(key=lambda m: (m.reported or date.max, m._ingested or datetime.max.replace(tzinfo=timezone.utc),  # type: ignore[attr-defined]
                                 m.doc_id, m.row.get("ordinal", 0)))
    for i, m in enumerate(mentions):
        m.seq = i
    return mentions


def _existing_clusters(conn: Connection, pending: list[Mention], merger: Merger) -> None:
    """Load the stored merged events the pending mentions could join, with their mentions."""
    _, _, _, merged, links, _ = _tables()
    events = _tables()[0]
    by_country: dict[str, list[int]] = defaultdict(list)
    for m in pending:
        if m.day is not None:
            by_country[m.ckey].extend((m.day - m.slack, m.day + m.slack))
    if not by_country:
        return
    reach = max(DAY_SLACK.values())  # a stored mention's own window, at most
    windows = []
    for ckey, days in by_country.items():
        lo, hi = date.fromordinal(min(days) - reach), date.fromordinal(max(days) + reach)
        windows.append(and_(merged.c.country_key == ckey, merged.c.day_last >= lo, merged.c.day_first <= hi))
    window = or_(*windows)
    stored: dict[str, dict[str, Any]] = {r["merged_id"]: dict(r) for r in conn.execute(select(merged).where(window)).mappings()}
    if not stored:
        return
    # their mentions, by subqueries (no list of ids to send back and forth)
    in_window = links.c.merged_id.in_(select(merged.c.merged_id).where(window))
    member_ids: dict[str, str] = {r.event_id: r.merged_id
                                  for r in conn.execute(select(links.c.event_id, links.c.merged_id).where(in_window))}
    members: dict[str, list[Mention]] = defaultdict(list)
    mentions = _load_mentions(conn, where=events.c.event_id.in_(select(links.c.event_id).where(in_window)))
    for m in mentions:
        members[member_ids[m.event_id]].append(m)
    for mid, row in stored.items():
        ms = sorted(members.get(mid, []), key=lambda m: (m.reported or date.max, m.doc_id, m.row.get("ordinal", 0)))
        for i, m in enumerate(ms):
            m.seq = -len(ms) + i  # before anything pending
        merger.add(Cluster(mid, ms, stored=row))


def assign(conn: Connection, event_ids: Sequence[str] | None = None, *, threshold: float = THRESHOLD) -> dict[str, int]:
    """Assign mentions not yet merged (those of ``event_ids``, or all) within ``conn``'s transaction.

    Returns counts: mentions assigned, merged events created, merged events updated.
    """
    events, _, _, merged, links, history = _tables()
    unlinked = ~select(links.c.event_id).where(links.c.event_id == events.c.event_id).exists()
    if event_ids is not None:
        if not event_ids:
            return {"assigned": 0, "created": 0, "updated": 0}
        pending = [m for m in _load_mentions(conn, ids=event_ids)]
        linked = set()
        for chunk in in_chunks(list(event_ids)):
            linked.update(conn.execute(select(links.c.event_id).where(links.c.event_id.in_(chunk))).scalars())
        pending = [m for m in pending if m.event_id not in linked]
    else:
        pending = _load_mentions(conn, where=unlinked) if _has_links(conn) else _load_mentions(conn)
    if not pending:
        return {"assigned": 0, "created": 0, "updated": 0}
    _arrival_order(pending)
    merger = Merger(threshold)
    _existing_clusters(conn, pending, merger)
    touched: dict[str, Cluster] = {}
    for m in pending:
        c, _ = merger.assign(m)
        touched[c.merged_id] = c
    now = _now()
    link_rows, new_rows, history_rows = [], [], []
    updated = 0
    opened = _history_opened(conn, [c.merged_id for c in touched.values() if c.stored is not None])
    for c in touched.values():
        n_old = len(c.members) - len(c.new_members)
        state, state_origin = reconcile(c.members[:n_old]) if n_old else ({}, {})
        for i, m in enumerate(c.new_members):
            link_rows.append({"event_id": m.event_id, "merged_id": c.merged_id, "score": c.scores.get(m.event_id),
                              "linked_at": now})
            prefix = c.members[: n_old + i + 1]
            if len(prefix) == 1:
                state, state_origin = _single(m)
                continue
            values, origin = reconcile(prefix)
            for f in HISTORY_FIELDS:
                if state.get(f) == values[f]:
                    continue
                # a field changes: its history keeps the value it had, with its source, then the new one
                if (c.merged_id, f) not in opened:
                    history_rows.append(_history_row(c.merged_id, f, state.get(f), state_origin[f], now))
                    opened.add((c.merged_id, f))
                history_rows.append(_history_row(c.merged_id, f, values[f], origin.get(f, m), now))
            state, state_origin = values, origin
        row = _merged_row(c, state, now)
        if c.stored is None:
            new_rows.append(row)
        else:
            row.pop("created_at")
            conn.execute(update(merged).where(merged.c.merged_id == c.merged_id).values(**row))
            updated += 1
    _bulk_insert(conn, merged, new_rows)
    _bulk_insert(conn, links, link_rows)
    _bulk_insert(conn, history, history_rows)
    if updated:  # an analyst's edit of an incident wins over what merging reconciled (warlog.store.review)
        from warlog.store.review import keep_analyst_values

        keep_analyst_values(conn, [c.merged_id for c in touched.values() if c.stored is not None])
    return {"assigned": len(link_rows), "created": len(new_rows), "updated": updated}


def _bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows.  On SQLite, straight through the driver with the column types' own
    conversions (SQLAlchemy's per-row parameter handling costs more than the merge itself)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for chunk in in_chunks(rows, 5000):
            conn.execute(insert(table), list(chunk))
        return
    cols = [c for c in table.columns if c.name in rows[0] or not (c.primary_key and c.autoincrement is True)]
    cols = [c for c in cols if c.name in rows[0]]
    procs = [c.type._cached_bind_processor(conn.dialect) for c in cols]
    names = [c.name for c in cols]
    sql = (f'INSERT INTO {table.name} ({", ".join(chr(34) + n + chr(34) for n in names)}) '
           f'VALUES ({", ".join("?" for _ in names)})')
    # the conversions (dates, times, JSON) once a distinct value: a batch repeats its time, days, counts
    conv = [(i, proc, {}) for i, proc in enumerate(procs) if proc is not None]
    get = operator.itemgetter(*names)
    data = []
    for r in rows:
        vals = list(get(r)) if len(names) > 1 else [r[names[0]]]
        for i, proc, cache in conv:
            v = vals[i]
            if v is None:
                continue
            key = (v.__class__, v)
            try:
                vals[i] = cache[key]
            except KeyError:
                vals[i] = cache[key] = proc(v)
            except TypeError:  # unhashable (a list for a JSON column)
                vals[i] = proc(v)
        data.append(tuple(vals))
    conn.exec_driver_sql(sql, data)


def _history_opened(conn: Connection, merged_ids: list[str]) -> set[tuple[str, str]]:
    """(merged event, field) pairs that already have a history."""
    history = _tables()[5]
    out: set[tuple[str, str]] = set()
    for chunk in in_chunks(merged_ids):
        q = select(history.c.merged_id, history.c.field).where(history.c.merged_id.in_(chunk)).distinct()
        out.update((r.merged_id, r.field) for r in conn.execute(q))
    return out


def _history_row(merged_id: str, f: str, value: Any, src: Mention, now: datetime) -> dict[str, Any]:
    return {"merged_id": merged_id, "field": f, "value": _jsonable(value), "event_id": src.event_id,
            "doc_id": src.doc_id, "reported": src.reported, "recorded_at": now}


def _has_links(conn: Connection) -> bool:
    links = _tables()[4]
    return conn.execute(select(links.c.event_id).limit(1)).first() is not None


def _jsonable(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _merged_row(c: Cluster, values: dict[str, Any], now: datetime) -> dict[str, Any]:
    days = [m.day for m in c.members if m.day is not None]
    row = {k: v for k, v in values.items() if not k.startswith("_")}
    row.update(
        merged_id=c.merged_id,
        country_key=c.members[0].ckey,
        day_first=date.fromordinal(min(days)) if days else None,
        day_last=date.fromordinal(max(days)) if days else None,
        created_at=now,
        updated_at=now,
    )
    return row


def merge_pending(store: Any, *, threshold: float = THRESHOLD) -> dict[str, int]:
    """Assign every mention of the store not yet merged, in one transaction."""
    gc_was_on = gc.isenabled()
    gc.disable()  # many long-lived small objects: the cyclic collector would rescan them again and again
    try:
        with store.engine.begin() as conn:
            if conn.dialect.name == "sqlite":  # a big batch: keep its pages in memory, not spilled to the WAL
                conn.exec_driver_sql("PRAGMA cache_size=-131072")
            return assign(conn, None, threshold=threshold)
    finally:
        if gc_was_on:
            gc.enable()


# --------------------------------------------------------------------------- batch, without a store
def merge_extractions(extractions: Iterable[Any], *, threshold: float = THRESHOLD) -> list[dict[str, Any]]:
    """Merge the events of extractions held in memory (``warlog extract --merge``).

    Returns one dict per merged event: the reconciled ACLED columns, ``doc_ids``,
    ``event_ids``, ``number_of_sources``, first and latest report.
    """
    mentions: list[Mention] = []
    for ex in extractions:
        doc = ex.document
        for i, ev in enumerate(ex.events):
            row = ev.model_dump(exclude={"evidence"})
            row["event_id"] = ev.event_id or f"ev-{doc.content_hash[:20]}-{i:03d}"
            row["ordinal"] = i
            m = Mention(event_id=row["event_id"], doc_id=doc.id, row=row, reported=doc.published, seq=0,
                        outlet=doc.source, evidence=[s.model_dump() for s in ev.evidence])
            m._ingested = None  # type: ignore[attr-defined]
            mentions.append(m)
    mentions.sort(key=lambda m: (m.reported or date.max))  # stable: input order within a day
    for i, m in enumerate(mentions):
        m.seq = i
    merger = Merger(threshold)
    for m in mentions:
        merger.assign(m)
    out = []
    for c in merger.clusters.values():
        values, _ = reconcile(c.members)
        values = {k: v for k, v in values.items() if not k.startswith("_")}
        out.append({"event_id": c.merged_id, "doc_id": c.members[0].doc_id,
                    "doc_ids": sorted({m.doc_id for m in c.members}),
                    "event_ids": [m.event_id for m in c.members], **values})
    return out


# --------------------------------------------------------------------------- reading merged events
def merged_events(
    store: Any,
    *,
    country: str | None = None,
    since: date | None = None,
    until: date | None = None,
    event_type: str | None = None,
    sub_event_type: str | None = None,
    actor: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Merged events, newest first, each with its sources: ``doc_ids``, ``event_ids``, ``outlets``.

    Filters as ``Store.events``.
    """
    events, _, documents, merged, links, _ = _tables()
    q = filter_events(select(merged), merged, country=country, since=since, until=until,
                      event_type=event_type, sub_event_type=sub_event_type, actor=actor)
    q = q.order_by(merged.c.event_date.is_(None), merged.c.event_date.desc(), merged.c.merged_id)
    if limit is not None:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        members: dict[str, list[Any]] = defaultdict(list)
        for chunk in in_chunks([r["merged_id"] for r in rows]):
            mq = (select(links.c.merged_id, events.c.event_id, events.c.doc_id, documents.c.source, documents.c.published)
                  .join(events, events.c.event_id == links.c.event_id)
                  .join(documents, documents.c.id == events.c.doc_id)
                  .where(links.c.merged_id.in_(chunk))
                  .order_by(documents.c.published, events.c.event_id))
            for r in conn.execute(mq):
                members[r.merged_id].append(r)
    out = []
    for r in rows:
        ms = members.get(r["merged_id"], [])
        outlets = []
        for m in ms:
            if m.source and m.source not in outlets:
                outlets.append(m.source)
        out.append({
            "event_id": r["merged_id"],
            **{k: v for k, v in r.items() if k not in ("merged_id", "country_key", "day_first", "day_last",
                                                        "created_at", "updated_at")},
            "doc_ids": sorted({m.doc_id for m in ms}),
            "event_ids": [m.event_id for m in ms],
            "outlets": outlets,
        })
    return out


def unmerged_count(store: Any) -> int:
    from sqlalchemy import func

    events, _, _, _, links, _ = _tables()
    unlinked = ~select(links.c.event_id).where(links.c.event_id == events.c.event_id).exists()
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events).where(unlinked)).scalar_one())


_FIELD_GROUPS = {"fatalities": ("fatalities", "fatalities_low", "fatalities_high"), "event_date": ("event_date",),
                 "type": ("event_type", "sub_event_type"), "actors": ("actor1", "actor2"),
                 "location": ("location", "admin1", "latitude", "longitude"), "injured": ("injured",),
                 "captured": ("captured",)}


def provenance(store: Any, merged_id: str) -> dict[str, Any] | None:
    """Everything behind one merged event: its sources (document, outlet, credited reporter,
    the mention's values and evidence spans), the mention behind each field with its
    evidence, and each field's history."""
    events, evidence, documents, merged, links, history = _tables()
    with store.engine.connect() as conn:
        row = conn.execute(select(merged).where(merged.c.merged_id == merged_id)).mappings().first()
        if row is None:
            return None
        ids = list(conn.execute(select(links.c.event_id).where(links.c.merged_id == merged_id)).scalars())
        mentions = {m.event_id: m for m in _load_mentions(conn, ids=ids)}
        docs = {r.id: r for r in conn.execute(select(documents.c.id, documents.c.source, documents.c.title,
                                                      documents.c.url, documents.c.published)
                                              .where(documents.c.id.in_({m.doc_id for m in mentions.values()})))}
        hist = conn.execute(select(history).where(history.c.merged_id == merged_id).order_by(history.c.id)).mappings().all()
    ordered = sorted(mentions.values(), key=lambda m: (m.reported or date.max, m.doc_id, m.row.get("ordinal", 0)))
    for i, m in enumerate(ordered):
        m.seq = i
    values, origin = reconcile(ordered) if ordered else ({}, {})

    def spans_for(m: Mention, group: str) -> list[dict[str, Any]]:
        if group == "fatalities":
            n = m.row.get("fatalities")
            hits = [s for s in m.evidence if n and (str(n) in s["text"] or re.search(r"\b(kill|dead|death|toll|died)", s["text"], re.I))]
            return hits or m.evidence
        return m.evidence

    fields = {}
    for group, names in _FIELD_GROUPS.items():
        src = origin.get(names[0])
        if src is None:
            continue
        fields[group] = {"value": {n: _jsonable(values.get(n)) for n in names}, "event_id": src.event_id,
                         "doc_id": src.doc_id, "outlet": docs[src.doc_id].source if src.doc_id in docs else None,
                         "reported_by": src.row.get("reported_by"), "evidence": spans_for(src, group)}
    sources = []
    for m in ordered:
        d = docs.get(m.doc_id)
        sources.append({
            "doc_id": m.doc_id, "event_id": m.event_id, "outlet": d.source if d else None,
            "title": d.title if d else None, "url": d.url if d else None,
            "published": _jsonable(d.published) if d else None, "reported_by": m.row.get("reported_by"),
            "event_date": _jsonable(m.row.get("event_date")), "location": m.row.get("location"),
            "fatalities": m.row.get("fatalities"), "fatalities_qualifier": m.row.get("fatalities_qualifier"),
            "evidence": m.evidence,
        })
    merged_row = {k: _jsonable(v) for k, v in dict(row).items() if k not in ("country_key", "day_first", "day_last")}
    merged_row["created_at"] = str(merged_row["created_at"])
    merged_row["updated_at"] = str(merged_row["updated_at"])
    return {
        "event": merged_row,
        "sources": sources,
        "fields": fields,
        "history": [{"field": h["field"], "value": h["value"], "event_id": h["event_id"], "doc_id": h["doc_id"],
                     "reported": _jsonable(h["reported"])} for h in hist],
    }
