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
candidate that scores highest, if that score reaches the threshold.  The rules allow for how
extraction varies between reports of one incident: close sub-event types (a suicide bomb and an
IED, an air strike and shelling, a clash and an attack) score part of an agreement; the sides
match either way round, a country's police and army are one state's forces, an unidentified
armed group may be a named one; a province ("Kabul Province", "Zamfara State") contains the
towns and districts the other report names, and a report placed only in the country is compared
by the places its text names; a toll that rises in later reports agrees.

The rules -- weights, thresholds, tolerances, close sub-event types, word groups -- are data:
``rules/merge.yaml`` (and the lexicon's ``victims_<class>`` word lists), read once per rule set
(`merge_rules`), so a user's rules folder can change them.

``assign(conn, event_ids)`` runs inside the caller's transaction (the ingest service,
`warlog.ingest.service.save`, passes it to ``Store.save_extraction`` for the document it stores, so
a document and its merging commit together); ``merge_pending(store)`` assigns every mention not
yet assigned (``warlog merge``); ``merge_extractions`` merges extractions held in memory
(``warlog extract --merge``).  Reading incidents is `warlog.store.query`'s.
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

from warlog import rules
from warlog.merge.reconcile import HISTORY_FIELDS, _single, reconcile
from warlog.records import MergedEvent
from warlog.store import db as store_db
from warlog.store.db import in_chunks
from warlog.store.review import keep_analyst_values

CELL_DEG = 1.0  # spatial blocking cell (degrees): a cell and its neighbours cover the tolerances of precisions 1, 2


# --------------------------------------------------------------------------- the rules (rules/merge.yaml)
# a capitalised name of up to four words after a word of place ("in Kabul's ..."), before one ("the Miniyeh highway")
_NAME_AFTER = r"((?:(?:al|el|ar|as|ad|an|ash|at|az|ad-|de|la)[-\s])?[A-Z][\w'’-]+(?:\s+(?:al-|el-)?[A-Z][\w'’-]+){0,3})"
_NAME_BEFORE = r"\b((?:(?:al|el|an|as|ad)[-\s])?[A-Z][\w'’-]+(?:[\s-](?:al-|el-)?[A-Z][\w'’-]+){0,3})"
_SCORES = {
    "type_scores": ("same", "same_crowd", "same_event_type", "same_disorder_type", "other"),
    "fatality_scores": ("same", "rose", "rose_same_day", "implausible_rise", "fell_a_little", "fell"),
    "fatality_limits": ("same_day_ratio", "same_day_rise", "ratio", "rise", "fall", "fall_divisor"),
    "victim_scores": ("shared", "civilians_and_a_civilian_group", "other"),
    "place_scores": ("other_province", "nothing_shared", "both_name_others", "same_places", "some_shared",
                     "within_area"),
    "actor_scores": ("same_sides", "one_side_shared", "same_state", "unidentified", "other_groups", "generic_shared"),
    "text_score": ("centre", "scale", "least", "most"),
}


@dataclass(frozen=True, eq=False)
class MergeRules:
    """The merging rules of one rule set, compiled: rules/merge.yaml's values by id (the score
    tables keep their keys), the lexicon's victim words, the patterns built from the word lists."""

    threshold: float
    floor: float
    day_slack: dict[int, int]  # by time precision
    max_slack: int
    geo_tolerance: dict[int, float]  # km, by geo precision
    default_tolerance: float
    date_gap: dict[int, float]
    date_gap_beyond: float
    type: dict[str, float]
    crowd_types: frozenset[str]
    close_types: dict[frozenset[str], float]
    fatality: dict[str, float]
    fatality_limits: dict[str, float]
    victim: dict[str, float]
    victims: dict[str, str]  # word -> class
    general_civilian: str
    civilian_classes: frozenset[str]
    quantity: frozenset[str]
    harm: frozenset[str]
    place: dict[str, float]
    actor: dict[str, float]
    text: dict[str, float]
    stop: frozenset[str]
    not_place: frozenset[str]
    place_after: re.Pattern[str]
    place_before: re.Pattern[str]
    admin_suffix: re.Pattern[str]
    admin_after: re.Pattern[str]
    org_word: re.Pattern[str]
    actor_noun: re.Pattern[str]
    generic_actor: re.Pattern[str]
    state_forces: re.Pattern[str]


def _build_rules(rs: rules.RuleSet) -> MergeRules:
    def value(entry_id: str) -> Any:
        return rs.value("merge", entry_id)

    def table(entry_id: str) -> dict[str, float]:
        got = value(entry_id)
        missing = [k for k in _SCORES[entry_id] if not isinstance(got, dict) or k not in got]
        if missing:
            raise rules.RuleError(f"merge: value '{entry_id}' needs {', '.join(missing)}")
        return {k: got[k] for k in _SCORES[entry_id]}

    def words(entry_id: str) -> list[str]:
        got = value(entry_id)
        if not isinstance(got, list) or not all(isinstance(w, str) and w for w in got):
            raise rules.RuleError(f"merge: value '{entry_id}' is a list of words")
        return got

    def regex(entry_ids: str, text: str, flags: int = 0) -> re.Pattern[str]:
        try:
            return re.compile(text, flags)
        except re.error as exc:
            raise rules.RuleError(f"merge: value '{entry_ids}': not valid in a regular expression: {exc}") from None

    victims: dict[str, str] = {}
    for cls in words("victim_classes"):
        for w in rs.terms(f"victims_{cls}"):
            if not re.fullmatch(r"[a-z]+", w):
                raise rules.RuleError(f"lexicon: entry 'victims_{cls}': {w!r} is not a plain lower-case word "
                                      f"(victim words are looked up whole)")
            victims[w] = cls
    day_slack = {int(k): int(v) for k, v in value("day_slack").items()}
    geo = {int(k): float(v) for k, v in value("geo_tolerance_km").items()}
    close: dict[frozenset[str], float] = {}
    for item in value("close_sub_event_types"):
        if not isinstance(item, dict) or len(item.get("pair") or ()) != 2 or "score" not in item:
            raise rules.RuleError("merge: value 'close_sub_event_types': items are {pair: [a, b], score: x}")
        close[frozenset(item["pair"])] = float(item["score"])
    loc = words("locative_words")
    firsts = "".join(dict.fromkeys(w[0] for w in loc))
    ahead = rf"(?=[{firsts}])" if firsts.isalpha() else ""  # a cheap first look at the letter a word starts with
    admin = rf"(?:{'|'.join(words('admin_unit_words'))})"
    return MergeRules(
        threshold=float(value("threshold")), floor=float(value("floor")),
        day_slack=day_slack, max_slack=max(day_slack.values()),
        geo_tolerance=geo, default_tolerance=geo.get(2, max(geo.values())),
        date_gap={int(k): float(v) for k, v in value("date_gap_scores").items()},
        date_gap_beyond=float(value("date_gap_beyond")),
        type=table("type_scores"), crowd_types=frozenset(words("crowd_event_types")), close_types=close,
        fatality=table("fatality_scores"), fatality_limits=table("fatality_limits"),
        victim=table("victim_scores"), victims=victims, general_civilian=value("general_civilian_class"),
        civilian_classes=frozenset(words("civilian_classes")), quantity=frozenset(words("quantity_words")),
        harm=frozenset(words("harm_words")), place=table("place_scores"), actor=table("actor_scores"),
        text=table("text_score"), stop=frozenset(words("stop_words")), not_place=frozenset(words("not_place_words")),
        place_after=regex("locative_words", rf"\b{ahead}(?:{'|'.join(loc)})\s+(?:the\s+)?" + _NAME_AFTER),
        place_before=regex("place_nouns", _NAME_BEFORE + rf"\s+(?:{'|'.join(words('place_nouns'))})\b"),
        admin_suffix=regex("admin_unit_words", rf"\s+{admin}$"),
        admin_after=regex("admin_unit_words", rf"\s+{admin}\b", re.I),
        org_word=regex("organisation_words", rf"\b(?:{'|'.join(words('organisation_words'))})\b"),
        actor_noun=regex("actor_nouns", rf"\s+(?:{'|'.join(words('actor_nouns'))})\b", re.I),
        generic_actor=regex("generic_actors", rf"^({'|'.join(words('generic_actors'))})", re.I),
        state_forces=regex("state_forces", rf"^(?:{'|'.join(words('state_forces'))}) forces of "),
    )


_compiled: tuple[rules.RuleSet, MergeRules] | None = None


def merge_rules() -> MergeRules:
    """The merging rules of the rule set in force (compiled once per rule set)."""
    global _compiled
    rs = rules.active()
    got = _compiled
    if got is None or got[0] is not rs:
        got = _compiled = (rs, _build_rules(rs))
    return got[1]


# --------------------------------------------------------------------------- text features
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
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


def place_key(text: str) -> str:
    """A place name's key for comparison: folded, squashed, without the word of an
    administrative unit ("Kabul Province" and "Kabul", "Zamfara State" and "Zamfara" are one key)."""
    return _place_key(text, merge_rules().admin_suffix)


@lru_cache(maxsize=200_000)
def _place_key(text: str, admin_suffix: re.Pattern[str]) -> str:
    return admin_suffix.sub("", fold(text)).replace(" ", "")


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


def place_names(text: str, r: MergeRules | None = None) -> frozenset[str]:
    """Names the text gives after a word of place ("near Mineralne", "in Kabul's Hodan district")
    or before one ("the Miniyeh highway"), without organisations, acronyms and adjectives of
    actors ("Houthi forces")."""
    r = merge_rules() if r is None else r
    not_place, org_word, admin_suffix = r.not_place, r.org_word, r.admin_suffix
    out = set()
    for m in r.place_before.finditer(text):
        name = re.split(r"['’]s\s+", m.group(1))[-1]  # "Mogadishu's Hodan district": Hodan
        folded = fold(name)
        if folded and folded.split(" ")[0] not in not_place and not org_word.search(name):
            out.add(_place_key(name, admin_suffix))
    for m in r.place_after.finditer(text):
        name = re.split(r"['’]s\s+", m.group(1))[0]  # "Kabul's Hodan district": Kabul (Hodan is found apart)
        folded = fold(name)
        first = folded.split(" ")[0] if folded else ""
        if not first or first in not_place or org_word.search(name):
            continue
        if re.fullmatch(r"[A-Z]{2,6}", name) or r.actor_noun.match(text, m.end(1)):
            continue
        if r.admin_after.match(text, m.end(1)) or admin_suffix.search(folded):
            continue  # "in Gezira province", "in Zamfara State": a province, not a spot
        out.add(_place_key(name, admin_suffix))
    return frozenset(out)


def victim_classes(text: str, r: MergeRules | None = None) -> frozenset[str]:
    """Classes of the people a count or a verb of harm applies to ("killing five soldiers",
    "24 students were abducted"); words naming who speaks ("police said") are left out."""
    r = merge_rules() if r is None else r
    victims, quant, harm = r.victims, r.quantity, r.harm
    toks = re.findall(r"[a-z]+|\d[\d,]*\d|\d|[.;:,()]", text.lower())
    out = set()
    for i, w in enumerate(toks):
        cls = victims.get(w)
        if cls is None:
            continue
        before: list[str] = []
        for t in reversed(toks[max(0, i - 3) : i]):
            if t in ".;:,()":
                break
            before.append(t)
        if any(t in quant or t[0].isdigit() for t in before) or (
            before and (before[0] in harm or (len(before) >= 2 and before[1] in harm and before[0] in ("a", "an", "the")))
        ):
            out.add(cls)
    return frozenset(out)


def content_words(text: str, r: MergeRules | None = None) -> str:
    stop = (merge_rules() if r is None else r).stop
    words = [w.lower() for w in _WORD.findall(text)]
    return " ".join(sorted({w for w in words if w not in stop and len(w) > 2}))


def actor_key(name: str | None) -> str | None:
    if not name:
        return None
    return _PERIOD.sub("", name).strip().lower()


@lru_cache(maxsize=50_000)
def _admin_keys(admin1: str, admin_suffix: re.Pattern[str]) -> frozenset[str]:
    return frozenset(_place_key(a, admin_suffix) for a in re.split(r"\s*/\s*", admin1) if a)


@lru_cache(maxsize=50_000)
def _sides(actor1: str | None, actor2: str | None, generic: re.Pattern[str], state_forces: re.Pattern[str]) -> tuple:
    """Actor keys, all, the specific ones (not unidentified, civilians or crowds), the state
    forces among them (police and army alike), whether an unidentified armed group is a side."""
    a1, a2 = actor_key(actor1), actor_key(actor2)
    acts = frozenset(a for a in (a1, a2) if a)
    specific = frozenset(a for a in acts if not generic.match(a))
    state = frozenset(state_forces.sub("state forces of ", a) for a in specific if state_forces.match(a))
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
        rules_ = merge_rules()
        admin_suffix = rules_.admin_suffix
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
        self.slack = rules_.day_slack.get(self.precision, rules_.max_slack)
        self.tol = rules_.geo_tolerance.get(r.get("geo_precision") or 2, rules_.default_tolerance)
        self.ckey = country_key(r.get("country"))
        self.location = _place_key(r.get("location") or "", admin_suffix)
        self.admin1 = _admin_keys(r.get("admin1") or "", admin_suffix)
        # placed in the country and no finer (its centroid): no place to compare (a city-state's
        # capital, geocoded finely, is a place)
        self.nowhere = bool(self.location) and r.get("geo_precision") not in (1, 2) \
            and names_match(self.location, _place_key(r.get("country") or "", admin_suffix))
        if self.nowhere:
            self.lat = self.lon = None
        self.a1, self.a2, self.actors, self.specific, self.state, self.unidentified = _sides(
            r.get("actor1"), r.get("actor2"), rules_.generic_actor, rules_.state_forces)

    def text_features(self) -> None:
        """What the report's text says (places, victims, words): computed when first compared,
        as most mentions loaded around new reports are never compared with them."""
        if self._text_done:
            return
        self._text_done = True
        rules_ = merge_rules()
        r = self.row
        text = " ".join(s["text"] for s in self.evidence)
        country = _place_key(r.get("country") or "", rules_.admin_suffix)
        known = {self.location, *self.admin1, country}
        actor_words = _actor_words(r.get("actor1"), r.get("actor2"), r.get("assoc_actor_1"), r.get("assoc_actor_2"))
        self.places = frozenset(p for p in place_names(text, rules_)
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
        self.victims = victim_classes(text, rules_)
        self.words = content_words(text, rules_)

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
def _type_score(a: dict[str, Any], b: dict[str, Any], r: MergeRules) -> float:
    scores = r.type
    if a["sub_event_type"] == b["sub_event_type"]:
        # many demonstrations take place on one day in one city: the type says little
        return scores["same_crowd"] if a["event_type"] in r.crowd_types else scores["same"]
    close = r.close_types.get(frozenset((a["sub_event_type"], b["sub_event_type"])))
    if close is not None:
        return close
    if a["event_type"] == b["event_type"]:
        return scores["same_event_type"]
    if a["disorder_type"] == b["disorder_type"]:
        return scores["same_disorder_type"]
    return scores["other"]


def _fatality_score(p: Mention, q: Mention, r: MergeRules) -> float:
    a, b = p.fatalities, q.fatalities
    if a <= 0 or b <= 0:
        return 0.0
    scores = r.fatality
    if a == b:
        return scores["same"]
    lim = r.fatality_limits
    early, late = (q, p) if (q.reported or date.min, q.seq) <= (p.reported or date.min, p.seq) else (p, q)
    if late.fatalities >= early.fatalities:  # the toll rose
        same_day = early.reported is not None and early.reported == late.reported
        ratio = late.fatalities / early.fatalities
        rise = late.fatalities - early.fatalities
        if same_day and ratio > lim["same_day_ratio"] and rise > lim["same_day_rise"]:
            return scores["implausible_rise"]
        if ratio > lim["ratio"] and rise > lim["rise"]:
            return scores["implausible_rise"]  # a first toll of 2 may become 19; one of 5 hardly 200
        # a toll that rises in later reports is how one incident is told
        return scores["rose_same_day"] if same_day else scores["rose"]
    # a lower later toll: a different incident, unless close
    close = early.fatalities - late.fatalities <= max(lim["fall"], early.fatalities // lim["fall_divisor"])
    return scores["fell_a_little"] if close else scores["fell"]


def _victim_score(p: Mention, q: Mention, r: MergeRules) -> float:
    a, b = p.victims, q.victims
    if not a or not b:
        return 0.0
    if a & b:
        return r.victim["shared"]
    general, groups = r.general_civilian, r.civilian_classes
    if (general in a and b <= groups) or (general in b and a <= groups):
        return r.victim["civilians_and_a_civilian_group"]
    return r.victim["other"]


def _place_score(p: Mention, q: Mention, r: MergeRules) -> tuple[float, bool]:
    """(score, gate passed)."""
    scores = r.place
    score = 0.0
    same_name = bool(p.location) and names_match(p.location, q.location)
    if p.admin1 and q.admin1 and not (p.admin1 & q.admin1) and not same_name:
        score += scores["other_province"]
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
            return (0.0 if not left or not right else scores["nothing_shared"]), True
        if left and right:
            return scores["both_name_others"], True
        return (scores["same_places"] if not left and not right else scores["some_shared"]), True
    # one report names spots, the other only the area they lie in (its province, or a location
    # geocoded no finer): consistent
    if (p.spots and _within(p.spots, q)) or (q.spots and _within(q.spots, p)):
        score += scores["within_area"]
    return score, True


def _within(spots: frozenset[str], other: Mention) -> bool:
    area = other.admin1 | {other.location} if other.location else other.admin1
    return any(names_match(x, y) for x in spots for y in area)


def _actor_score(p: Mention, q: Mention, r: MergeRules) -> float:
    """Either side matches either side (reports swap who attacked whom); a country's police and
    army are one state's forces (reports call both "security forces"); an unidentified armed
    group may be the group the other report names."""
    scores = r.actor
    if p.specific and q.specific:
        if p.specific & q.specific:
            a1, a2, b1, b2 = p.a1, p.a2, q.a1, q.a2
            return scores["same_sides"] if a1 == b1 or (a1 == b2 and a2 == b1) else scores["one_side_shared"]
        if p.state & q.state:
            return scores["same_state"]
        return scores["unidentified"] if p.unidentified or q.unidentified else scores["other_groups"]
    if p.actors & q.actors:
        return scores["generic_shared"]
    return 0.0


def pair_score(p: Mention, q: Mention, parts: dict[str, float] | None = None,
               r: MergeRules | None = None) -> float | None:
    """How alike two mentions are; None when they cannot be the same incident.

    ``parts``, when given, receives each component of the score (for explanations); ``r``
    the rules to score by (default: those in force).
    """
    if r is None:
        r = merge_rules()
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
    place, ok = _place_score(p, q, r)
    if not ok:
        return None
    got = {"place": place}
    if max(p.precision, q.precision) > 1:
        got["date"] = 0.0
    else:
        got["date"] = r.date_gap.get(gap, r.date_gap_beyond)
    got["type"] = _type_score(p.row, q.row, r)
    got["actors"] = _actor_score(p, q, r)
    got["victims"] = _victim_score(p, q, r)
    got["fatalities"] = _fatality_score(p, q, r)
    if p.words and q.words:
        sim = fuzz.token_set_ratio(p.words, q.words) / 100.0
        t = r.text
        got["text"] = max(t["least"], min(t["most"], (sim - t["centre"]) * t["scale"]))
    if parts is not None:
        parts.update(got)
    return sum(got.values())


def cluster_score(m: Mention, c: Cluster, r: MergeRules | None = None) -> float | None:
    """The best score with one of the cluster's mentions, provided none rules the mention out.

    Every mention of the cluster must be compatible (within the date window and the distance,
    scoring at least the rules' ``floor``): a chain of reports never walks an event across days
    or towns.
    """
    if m.doc_id in c.docs:
        return None
    if r is None:
        r = merge_rules()
    floor = r.floor
    best: float | None = None
    for other in c.members:
        s = pair_score(m, other, None, r)
        if s is None or s < floor:
            return None
        if best is None or s > best:
            best = s
    return best


class Merger:
    """The in-memory index of merged events, by (country, day) of their mentions."""

    def __init__(self, threshold: float | None = None) -> None:
        self.rules = merge_rules()
        self.threshold = self.rules.threshold if threshold is None else threshold
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
        rules_ = self.rules
        for c in self.candidates(m):
            s = cluster_score(m, c, rules_)
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
    s = store_db
    return s.events, s.evidence, s.documents, s.merged_events, s.event_links, s.merged_history


def _now() -> datetime:
    return datetime.now(timezone.utc)


_NOT_LOADED = frozenset({"extra", "created_at", "coded_by"})  # what merging never reads (and costs the most to convert)


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
    reach = merge_rules().max_slack  # a stored mention's own window, at most
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


def assign(conn: Connection, event_ids: Sequence[str] | None = None, *,
           threshold: float | None = None) -> dict[str, int]:
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


def merge_pending(store: Any, *, threshold: float | None = None) -> dict[str, int]:
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
def merge_extractions(extractions: Iterable[Any], *, threshold: float | None = None) -> list[MergedEvent]:
    """Merge the events of extractions held in memory (``warlog extract --merge``).

    Returns one incident per merged event, in the order they were founded: the reconciled ACLED
    columns, ``number_of_sources``, first and latest report, its documents (``sources``; the
    first, ``doc_id``, its founding report's) and its reports' events (``mentions``, in the order
    they joined).
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
        out.append(MergedEvent(event_id=c.merged_id, doc_id=c.members[0].doc_id,
                               sources=list(dict.fromkeys(m.doc_id for m in c.members)),
                               mentions=[m.event_id for m in c.members],
                               outlets=list(dict.fromkeys(m.outlet for m in c.members if m.outlet)), **values))
    return out


# --------------------------------------------------------------------------- one incident's provenance
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
