"""Record types shared by every stage, the CLI, the store and the API.

Data flows one way: Document -> mentions (PlaceMention, ActorMention, CountMention,
DateMention) -> Event / Claim.  Field names of Event follow ACLED's export columns.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def normalise_text(text: str) -> str:
    """The text a document is identified by: NFC, unified whitespace, trimmed."""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


class Span(BaseModel):
    """A character span of a document's text."""

    start: int
    end: int
    text: str


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

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_str(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    @field_validator("published", mode="before")
    @classmethod
    def _parse_published(cls, v: object) -> object:
        if v in (None, ""):
            return None
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

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, v: str) -> str:
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
