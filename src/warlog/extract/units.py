"""What assembly works on: a report's sentences with their mentions, and incidents (runs of
sentences about one act). Per document, never shared between documents."""
from __future__ import annotations

from dataclasses import dataclass, field

from warlog.extract.counts import CountMention
from warlog.extract.dates import MONTH, ResolvedDate
from warlog.extract.taxonomy import Cue
from warlog.records import ActorMention


@dataclass
class DateMention:
    start: int
    end: int
    text: str
    value: ResolvedDate
    is_report_date: bool


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int
    cues: list[Cue]
    counts: list[CountMention]
    dates: list[DateMention]
    places: list  # geo.PlaceInText
    actors: list[ActorMention]
    caption: bool = False
    history: bool = False
    tally: bool = False
    estimate: bool = False
    trend: bool = False
    no_casualties: bool = False
    commentary: bool = False
    headline: bool = False

    @property
    def event_dates(self) -> list[DateMention]:
        return [d for d in self.dates if not d.is_report_date and d.value.precision <= MONTH]

    @property
    def cue_weight(self) -> float:
        return max((c.weight for c in self.cues), default=0.0)


@dataclass
class Incident:
    sentences: list[Sentence] = field(default_factory=list)
    date: ResolvedDate | None = None
    document_places: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)
