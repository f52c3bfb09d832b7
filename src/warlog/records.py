"""Record types shared by every stage, the CLI, the store and the API.

Data flows one way: Document -> mentions (PlaceMention, ActorMention, CountMention,
DateMention) -> Event / Claim.  Field names of Event follow ACLED's export columns.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator


#: Characters that show as nothing and only hide a copy: soft hyphen, zero-width space, word
#: joiner, byte-order mark, Mongolian vowel separator, direction marks and embeddings. They are
#: removed from a document's text (ZWJ and ZWNJ, which shape Persian and emoji, are kept).
_INVISIBLE = re.compile("[\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def normalise_text(text: str) -> str:
    """The text a document is identified by: NFC, no format characters at all, unified
    whitespace, trimmed (so a copy with a zero-width space is the same text)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return re.sub(r"\s+", " ", text).strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


class Span(BaseModel):
    """A character span of a document's text."""

    start: int
    end: int
    text: str


#: The range of publication dates a document may carry: news, not archives from before 1900 or
#: dates past tomorrow's (a clock or a feed off by a year is refused, not stored as the future).
PUBLISHED_EARLIEST = date(1900, 1, 1)
PUBLISHED_AHEAD_DAYS = 2


class Document(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    published: date | None = None
    country: str | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    origin: str | None = Field(default=None, description="file (and line) the document came from")
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """What was dropped from the input to keep the document (an implausible date, say)."""
        return self._warnings

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_str(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    @field_validator("published", mode="before")
    @classmethod
    def _parse_published(cls, v: object) -> object:
        if v is None or v == "":
            return None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(f"{v!r} is a number, not a date: give an ISO date such as 2024-03-01")
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, str):
            s = v.strip()
            try:
                return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
            except ValueError:
                pass
            try:
                from email.utils import parsedate_to_datetime

                return parsedate_to_datetime(s).date()
            except (TypeError, ValueError):
                return None
        return v

    @field_validator("published")
    @classmethod
    def _plausible_published(cls, v: date | None) -> date | None:
        if v is None:
            return None
        latest = date.today() + timedelta(days=PUBLISHED_AHEAD_DAYS)
        if not PUBLISHED_EARLIEST <= v <= latest:
            raise ValueError(f"{v.isoformat()} is not a plausible publication date "
                             f"({PUBLISHED_EARLIEST.isoformat()} to {latest.isoformat()})")
        return v

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, v: str) -> str:
        v = strip_invisible(v)
        if not v or not v.strip():
            raise ValueError("text is empty")
        return v

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


class Place(BaseModel):
    """A gazetteer entry."""

    place_id: str
    name: str
    latitude: float
    longitude: float
    country: str | None = None  # ISO 3166-1 alpha-2
    admin1: str | None = None
    admin2: str | None = None
    feature_class: str | None = None  # GeoNames: P populated place, A admin area, L region, R road, S spot
    feature_code: str | None = None
    population: int = 0
    geonames_id: str | None = None
    source: str = "builtin"


class PlaceMention(BaseModel):
    """Output line of `warlog places`: a place named in a document, resolved or not."""

    doc_id: str
    start: int
    end: int
    text: str
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geonames_id: str | None = None
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    feature_class: str | None = None


class GeocodeResult(BaseModel):
    id: str
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geonames_id: str | None = None
    country: str | None = None
    admin1: str | None = None


class Actor(BaseModel):
    """An actor resolved to ACLED's naming."""

    name: str
    inter: int  # ACLED actor type code 1..8
    country: str | None = None
    associate: str | None = None  # a unit or sub-group ("11th Division")


class ActorMention(BaseModel):
    start: int
    end: int
    text: str
    actor: Actor


Qualifier = Literal["exact", "at least", "at most", "about", "more than", "less than", "vague", "range"]


class Count(BaseModel):
    """A number of people as the text states it."""

    best: int
    low: int | None = None
    high: int | None = None
    qualifier: Qualifier = "exact"
    what: Literal["killed", "injured", "captured", "other"] = "other"
    span: Span | None = None


class Event(BaseModel):
    """One incident, in ACLED's columns."""

    model_config = ConfigDict(extra="allow")

    event_id: str | None = None
    doc_id: str
    event_date: date | None = None
    time_precision: int = 1
    disorder_type: str
    event_type: str
    sub_event_type: str
    actor1: str | None = None
    assoc_actor_1: str | None = None
    inter1: int | None = None
    actor2: str | None = None
    assoc_actor_2: str | None = None
    inter2: int | None = None
    interaction: str | None = None
    civilian_targeting: str = ""
    country: str | None = None
    iso3: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    fatalities: int = 0
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    fatalities_qualifier: str | None = None
    injured: int | None = None
    captured: int | None = None
    reported_by: str | None = None
    evidence: list[Span] = Field(default_factory=list)
    confidence: float = 0.5
    coded_by: list[str] = Field(default_factory=list, description="ids of the rules that decided type, toll and place ('cues:ambush', 'decisions:direct_fight')")


class MergedEvent(Event):
    """An incident merged across the reports that tell of it (`warlog.merge.dedup`).

    An `Event` whose ``event_id`` is the merged id (``me-`` + its founding report's event id) and
    whose ``doc_id`` is its first document; its values are reconciled across its reports
    (``fatalities`` the best estimate, ``fatalities_low``/``fatalities_high`` the spread the
    reports give), and its evidence is every report's."""

    number_of_sources: int = Field(description="documents that report it")
    first_reported: date | None = Field(None, description="publication date of its first report")
    latest_reported: date | None = Field(None, description="publication date of its latest report")
    sources: list[str] = Field(default_factory=list, description="ids of its documents, in the order they were published")
    mentions: list[str] = Field(default_factory=list, description="event ids of its reports' events, in that order")
    outlets: list[str] = Field(default_factory=list, description="its documents' outlets, each once")
    created_at: datetime | None = Field(None, description="when merging created it")
    updated_at: datetime | None = Field(None, description="when merging (or an analyst) last changed it")

    #: what an incident stores (table `merged_events`), in order: the lines of `warlog events`
    #: and `warlog extract --merge` give these
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
        "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "country", "iso3", "admin1",
        "admin2", "location", "latitude", "longitude", "geo_precision", "fatalities", "fatalities_low",
        "fatalities_high", "injured", "captured", "reported_by", "number_of_sources", "first_reported",
        "latest_reported", "confidence")

    @property
    def merged_id(self) -> str:
        return self.event_id or ""

    @property
    def doc_ids(self) -> list[str]:
        """Its documents' ids, sorted."""
        return sorted(set(self.sources))

    def columns(self) -> dict[str, object]:
        """Its stored values (`COLUMNS`), in order."""
        return {name: getattr(self, name) for name in self.COLUMNS}


ClaimKind = Literal["tally", "estimate", "trend"]


class Claim(BaseModel):
    """A statement about many incidents or a group's strength: kept aside, never an event."""

    doc_id: str
    kind: ClaimKind
    what: str
    value: int | None = None
    low: int | None = None
    high: int | None = None
    qualifier: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    where: list[str] = Field(default_factory=list)
    source: str | None = None
    evidence: list[Span] = Field(default_factory=list)


class Extraction(BaseModel):
    """Everything found in one document."""

    document: Document
    events: list[Event] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
