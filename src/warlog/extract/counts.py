"""Numbers of people as reports state them: killed, injured, captured, members.

`find_counts(sentence)` returns every count with its span, qualifier, range and what it counts.
ACLED's conventions for vague counts: "dozens" 12, "several" and "many" 10, "hundreds" 100.
"""
from __future__ import annotations

import re
from warlog import rules
from dataclasses import dataclass, field

from text_to_num import text2num

_UNITS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
).split()
_NUMWORD = r"(?:" + "|".join(sorted(_UNITS + ["hundred", "thousand", "million"], key=len, reverse=True)) + r")"
_NUMBER = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?(?:\s+(?:million|thousand))?"
    rf"|{_NUMWORD}(?:(?:\s+and\s+|[\s-]+){_NUMWORD})*)"
)
VAGUE_COUNTS = {
    "dozens": 12, "a dozen": 12, "scores": 20, "hundreds": 100, "thousands": 1000, "tens": 10,
    "several": 10, "many": 10, "a few": 3, "a number of": 10, "numerous": 10, "a handful of": 3,
}
_VAGUE = r"(?:" + "|".join(sorted((re.escape(k) for k in VAGUE_COUNTS), key=len, reverse=True)) + r")"
_QUALIFIERS = {
    "at least": "at least", "no fewer than": "at least", "not less than": "at least",
    "a minimum of": "at least", "more than": "more than", "over": "more than",
    "upwards of": "more than", "in excess of": "more than", "around": "about", "about": "about",
    "approximately": "about", "nearly": "about", "almost": "about", "some": "about",
    "roughly": "about", "an estimated": "about", "estimated": "about", "close to": "about",
    "up to": "at most", "as many as": "at most", "at most": "at most", "fewer than": "less than",
    "less than": "less than",
}
_QUAL = r"(?:" + "|".join(sorted((re.escape(k) for k in _QUALIFIERS), key=len, reverse=True)) + r")"
_COUNT_RE = re.compile(
    rf"(?<![\w.,-])(?:(?P<qual>{_QUAL})\s+)?(?:between\s+)?(?P<n1>{_NUMBER}|{_VAGUE})"
    rf"(?:\s*(?:-|–|—|to|and|or)\s*(?P<n2>{_NUMBER}))?(?![\w-]*(?:mm|km|th|st|nd|rd|%|am|pm)\b)(?![\w])",
    re.I,
)

(_PERSON, _KILLED_AFTER, _KILLED_BEFORE, _TOLL_RISES, _INJURED, _INJURED_BEFORE, _CAPTURED,
 _CAPTURED_BEFORE, _MEMBERS, _BOUNDARY, _NOT_COUNT_AFTER, _MONTH_NEAR, _MONTH_AFTER, _ZERO, _SINGLE,
 _SINGLE_KILLED_AFTER, _CAPTIVES, _CAPTIVES_EXECUTED) = rules.patterns(
    "counts", "person", "killed_after", "killed_before", "toll_rises", "injured", "injured_before",
    "captured", "captured_before", "members", "boundary", "not_count_after", "month_near",
    "month_after", "zero", "single", "single_killed_after", "captives", "captives_executed")


@dataclass
class CountMention:
    start: int
    end: int
    text: str
    best: int
    low: int | None
    high: int | None
    qualifier: str
    kinds: set[str] = field(default_factory=set)  # subset of killed, injured, captured, members
    rule_id: str = ""  # the counts rule that said what the number counts ("counts:killed_before")


#: No single report counts more people than this; a larger number is not a count (a year, an
#: amount, a typo or hostile input) and never reaches the store, where tolls are 32-bit integers.
MAX_COUNT = 10_000_000


def _to_int(phrase: str) -> int | None:
    """The number a count phrase states, or None when it is not one or is beyond MAX_COUNT."""
    if sum(ch.isdigit() for ch in phrase) > 12:
        return None
    value = _parse_int(phrase)
    return value if value is not None and 0 <= value <= MAX_COUNT else None


def _parse_int(phrase: str) -> int | None:
    p = phrase.strip().lower()
    if p in VAGUE_COUNTS:
        return VAGUE_COUNTS[p]
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s+(million|thousand)", p)
    if m:
        return int(float(m[1]) * (1_000_000 if m[2] == "million" else 1000))
    if re.fullmatch(r"[\d,]+", p):
        return int(p.replace(",", ""))
    if re.fullmatch(r"\d+\.\d+", p):
        return None
    try:
        return int(text2num(re.sub(r"\s*-\s*", "-", p), "en"))
    except (ValueError, TypeError):
        words = re.split(r"[\s-]+(?:and\s+)?", p)
        try:
            return int(text2num(" ".join(words), "en"))
        except (ValueError, TypeError):
            return None


def _window_after(text: str, end: int, words: int = 16) -> str:
    tail = text[end:end + 160]
    cut = _BOUNDARY.search(tail)
    if cut:
        tail = tail[:cut.start()]
    nxt = _COUNT_RE.search(tail)
    if nxt and nxt.start() > 0:
        tail = tail[:nxt.start()]
    return " ".join(tail.split()[:words])


def find_counts(text: str, offset: int = 0) -> list[CountMention]:
    """Counts of people in `text`; spans are shifted by `offset` (the sentence's start)."""
    found: list[CountMention] = []
    for m in _COUNT_RE.finditer(text):
        n1, n2 = m["n1"], m["n2"]
        before = text[max(0, m.start() - 60):m.start()]
        after_raw = text[m.end():m.end() + 40]
        if _NOT_COUNT_AFTER.match(after_raw) or _MONTH_NEAR.search(before) or _MONTH_AFTER.match(after_raw):
            continue
        if re.fullmatch(r"(19|20)\d\d", n1) and not n2:
            continue
        if n1.lower() in ("one",) and not _PERSON.match(after_raw.strip()) and not _KILLED_BEFORE.search(before) \
                and not _TOLL_RISES.search(before[-40:]):
            # "one of the", "one side": not a count unless it is one person
            if not re.match(r"\s*(was|is|has|had|died|person|killed)", after_raw, re.I):
                continue
        v1 = _to_int(n1)
        if v1 is None:
            continue
        v2 = _to_int(n2) if n2 else None
        if n1.lower() == "many" and not _PERSON.match(after_raw.strip()):
            continue
        if n1.lower() in ("some",):
            continue
        qual_word = (m["qual"] or "").lower()
        qualifier = _QUALIFIERS.get(qual_word, "exact")
        if n1.lower() in VAGUE_COUNTS:
            qualifier = "vague" if qualifier == "exact" else qualifier
        low = high = None
        best = v1
        if v2 is not None and v2 > v1:
            low, high, best, qualifier = v1, v2, v1, "range"
        elif qualifier in ("at least", "more than"):
            low = v1
        elif qualifier in ("at most", "less than"):
            high = v1
        after = _window_after(text, m.end())
        kinds: set[str] = set()
        rule_id = ""
        person_follows = bool(_PERSON.search(" ".join(after.split()[:5])))
        if _KILLED_BEFORE.search(before[-40:]):
            kinds.add("killed")
            rule_id = "counts:killed_before"
        elif _TOLL_RISES.search(before[-40:]) and re.search(r"\btoll\b", text[max(0, m.start() - 160):m.start()], re.I):
            kinds.add("killed")
            rule_id = "counts:toll_rises"
        elif _INJURED_BEFORE.search(before[-30:]) and not _KILLED_AFTER.search(after):
            kinds.add("injured")
            rule_id = "counts:injured_before"
        elif _CAPTURED_BEFORE.search(before[-30:]) and person_follows:
            kinds.add("captured")
            rule_id = "counts:captured_before"
        if not kinds:
            k = _KILLED_AFTER.search(after)
            i = _INJURED.search(after)
            c = _CAPTURED.search(after)
            first = min((x for x in (k, i, c) if x), key=lambda x: x.start(), default=None)
            if first is k and k:
                kinds.add("killed")
                rule_id = "counts:killed_after"
            elif first is i and i:
                kinds.add("injured")
                rule_id = "counts:injured"
            elif first is c and c and (person_follows or re.match(r"\s*(were|was)\b", after)):
                kinds.add("captured")
                rule_id = "counts:captured"
        elif "killed" in kinds and _CAPTIVES.search(after[:60]):
            kinds.add("captured")
        if not kinds and person_follows and _MEMBERS.search(" ".join(after.split()[:3])):
            kinds.add("members")
            rule_id = "counts:members"
        if not kinds and not person_follows:
            continue
        found.append(CountMention(m.start() + offset, m.end() + offset, m.group(0), best, low, high, qualifier, kinds, rule_id))
    for m in _SINGLE.finditer(text):
        if any(c.start - offset <= m.start() < c.end - offset for c in found):
            continue
        tail = text[m.end():m.end() + 80]
        k = _SINGLE_KILLED_AFTER.match(tail)
        before = text[max(0, m.start() - 30):m.start()]
        kinds = set()
        rule_id = ""
        if k:
            word = (k.group(1) or k.group(2) or "").lower()
            kinds.add("injured" if word in ("injured", "wounded", "hurt") else
                      "captured" if word in ("abducted", "kidnapped", "captured") else "killed")
            rule_id = "counts:single_killed_after"
        elif _KILLED_BEFORE.search(before):
            kinds.add("killed")
            rule_id = "counts:killed_before"
        elif _INJURED_BEFORE.search(before):
            kinds.add("injured")
            rule_id = "counts:injured_before"
        if kinds:
            found.append(CountMention(m.start() + offset, m.end() + offset, m.group(0), 1, None, None, "exact", kinds, rule_id))
    # "Two Somali citizens and four Kenyan citizens died": the first group shares the verb.
    for a, b in zip(found, found[1:]):
        if not a.kinds and b.kinds and b.start - a.end < 60 and re.fullmatch(r"[\w\s'-]*\band\s+", text[a.end - offset:b.start - offset]):
            a.kinds = set(b.kinds)
    found = [c for c in found if c.kinds or _PERSON.match(text[c.end - offset:].strip())]
    # "... captured eight soldiers ... then executed them": the captives' number is the dead's.
    if _CAPTIVES_EXECUTED.search(text):
        for c in found:
            if "captured" in c.kinds:
                c.kinds.add("killed")
    found.sort(key=lambda c: c.start)
    return found


def reports_no_casualties(text: str) -> bool:
    return bool(_ZERO.search(text))
