"""Dates as reports state them, resolved against the publication date.

`resolve_date("last week", published)` -> a `ResolvedDate` with ACLED's time precision
(1 day, 2 week or span of days, 3 month).  Years alone and decades are kept with precision 4
so that history ("in 2014") is recognised as such and never becomes an event date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateparser.date import DateDataParser

DAY, WEEK, MONTH, YEAR = 1, 2, 3, 4

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")]
    )
    for m in names
}
_MONTH_RE = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY_MONTH_YEAR = re.compile(rf"^(?:on\s+)?(?:\w+day,?\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+(?P<year>\d{{4}}))?$", re.I)
_MONTH_DAY_YEAR = re.compile(rf"^(?:on\s+)?(?:\w+day,?\s+)?{_MONTH_RE}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?$", re.I)
_MONTH_YEAR = re.compile(rf"^(?:in\s+|early\s+|late\s+|mid-?\s*)?{_MONTH_RE}(?:\s+(?P<year>\d{{4}}))?$", re.I)
_YEAR = re.compile(r"^(?:in\s+)?(?:the\s+)?(?:year\s+)?(?P<year>(?:19|20)\d{2})s?$", re.I)
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN_HINT = re.compile(r"\b(last|past|previous|this|recent)\s+(week|weekend|few days|days)\b|\bweekend\b", re.I)
_UNANCHORED = re.compile(r"\b(years?|decades?|century|centuries|ago|since|every|each|daily|weekly|annual|anniversary)\b", re.I)


@dataclass(frozen=True)
class ResolvedDate:
    start: date
    end: date
    precision: int  # 1 day, 2 week/span, 3 month, 4 year or vaguer

    @property
    def day(self) -> date:
        return self.start

    def overlaps(self, other: "ResolvedDate") -> bool:
        return self.start <= other.end and other.start <= self.end

    def contains(self, other: "ResolvedDate") -> bool:
        return self.start <= other.start and other.end <= self.end


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _infer_year(month: int, day: int, published: date | None) -> int | None:
    if published is None:
        return None
    year = published.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return year
    # A report does not describe the future: "on December 30" read on January 2 is last year.
    if candidate > published + timedelta(days=2):
        year -= 1
    return year


def _day(year: int, month: int, day: int) -> ResolvedDate | None:
    try:
        d = date(year, month, day)
    except ValueError:
        return None
    return ResolvedDate(d, d, DAY)


@lru_cache(maxsize=64)
def _parser_for(published: date | None) -> DateDataParser:
    settings: dict = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if published is not None:
        settings["RELATIVE_BASE"] = datetime(published.year, published.month, published.day)
    return DateDataParser(languages=["en"], settings=settings)


#: Years a date in a report may have; outside them the expression is not taken as a date.
MIN_YEAR, MAX_YEAR = 1000, 2999


@lru_cache(maxsize=20_000)
def resolve_date(expression: str, published: date | None) -> ResolvedDate | None:
    """Resolve a date expression; None when it is not a date, cannot be anchored, or lies
    outside MIN_YEAR..MAX_YEAR ("in December 9999" is not a date warlog can store)."""
    try:
        resolved = _resolve(expression, published)
    except (ValueError, OverflowError):
        return None
    if resolved is None or resolved.start.year < MIN_YEAR or resolved.end.year > MAX_YEAR:
        return None
    return resolved


def _resolve(expression: str, published: date | None) -> ResolvedDate | None:
    text = re.sub(r"\s+", " ", expression.strip().strip(",.;:()")).strip()
    text = re.sub(r"^(?:around|about|approximately|circa|on or about|on or around|as of|by|since|until|from)\s+", "", text, flags=re.I)
    low = text.lower()
    if not text or len(text) > 60:
        return None
    m = _ISO.match(text)
    if m:
        return _day(int(m["year"]), int(m["month"]), int(m["day"]))
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        m = pattern.match(text)
        if m:
            month = _MONTHS[m["month"].lower().rstrip(".")]
            day = int(m["day"])
            year = int(m["year"]) if m["year"] else _infer_year(month, day, published)
            return _day(year, month, day) if year else None
    m = _MONTH_YEAR.match(text)
    if m:
        month = _MONTHS[m["month"].lower().rstrip(".")]
        year = int(m["year"]) if m["year"] else _infer_year(month, 1, published)
        if not year:
            return None
        return ResolvedDate(date(year, month, 1), _month_end(year, month), MONTH)
    m = _YEAR.match(text)
    if m:
        year = int(m["year"])
        if low.endswith("s"):
            return ResolvedDate(date(year, 1, 1), date(year + 9, 12, 31), YEAR)
        return ResolvedDate(date(year, 1, 1), date(year, 12, 31), YEAR)
    if published is None:
        return None  # relative expressions need an anchor
    if _UNANCHORED.search(low):
        return None
    if low in ("today", "this morning", "this afternoon", "this evening", "tonight", "earlier today"):
        return ResolvedDate(published, published, DAY)
    if low in ("yesterday", "last night", "overnight", "yesterday morning", "yesterday evening"):
        d = published - timedelta(days=1)
        return ResolvedDate(d, d, DAY)
    stripped = re.sub(r"^(on|last|this|past)\s+", "", low)
    stripped = re.sub(r"\s+(morning|afternoon|evening|night)$", "", stripped)
    if stripped in _WEEKDAYS:
        # "on Thursday" in a report of a Thursday is that day; "last Thursday" is a week before
        back = (published.weekday() - _WEEKDAYS.index(stripped)) % 7
        if back == 0 and low.startswith("last"):
            back = 7
        d = published - timedelta(days=back)
        return ResolvedDate(d, d, DAY)
    if re.fullmatch(r"(?:the\s+)?(?:last|past|previous)\s+week(?:end)?", low):
        monday = published - timedelta(days=published.weekday() + 7)
        return ResolvedDate(monday, monday + timedelta(days=6), WEEK)
    if re.fullmatch(r"(?:earlier\s+)?this\s+week", low):
        monday = published - timedelta(days=published.weekday())
        return ResolvedDate(monday, published, WEEK)
    if re.fullmatch(r"(?:the\s+)?(?:last|past|previous)\s+month", low):
        first = (published.replace(day=1) - timedelta(days=1)).replace(day=1)
        return ResolvedDate(first, _month_end(first.year, first.month), MONTH)
    if re.fullmatch(r"(?:earlier\s+)?this\s+month", low):
        return ResolvedDate(published.replace(day=1), published, MONTH)
    data = _parser_for(published).get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    if d > published + timedelta(days=2):
        return None
    if data.period == "day":
        if _SPAN_HINT.search(low):
            return ResolvedDate(d, d + timedelta(days=6), WEEK)
        return ResolvedDate(d, d, DAY)
    if data.period == "week":
        monday = d - timedelta(days=d.weekday())
        return ResolvedDate(monday, monday + timedelta(days=6), WEEK)
    if data.period == "month":
        return ResolvedDate(d.replace(day=1), _month_end(d.year, d.month), MONTH)
    return ResolvedDate(date(d.year, 1, 1), date(d.year, 12, 31), YEAR)
