"""The cue rules that code a sentence into ACLED's taxonomy (rules/cues.yaml).

Each sub-event type has weighted cue patterns; `score_sub_events(text)` returns the evidence
for every sub-event type found in a sentence; `extract.decisions` picks one for an incident
from the evidence of all its sentences plus who acted on whom (rules/decisions.yaml).
"""
from __future__ import annotations

from dataclasses import dataclass

from warlog import rules

(VIOLENCE_WORDS, NON_CONFLICT, _CIVILIAN_TARGET) = rules.patterns(
    "sentences", "violence_words", "non_conflict", "civilian_target")


@dataclass
class Cue:
    sub_event_type: str
    weight: float
    start: int
    end: int
    rule_id: str = ""


def score_sub_events(text: str, offset: int = 0) -> list[Cue]:
    """Every match of the cue rules in `text`, in the rules' order."""
    cues: list[Cue] = []
    for cue in rules.active().cues:
        for m in cue.regex.finditer(text):
            cues.append(Cue(cue.sub_event_type, cue.weight, m.start() + offset, m.end() + offset, cue.id))
    return cues


def mentions_civilian_target(text: str) -> bool:
    return bool(_CIVILIAN_TARGET.search(text))


def is_non_conflict(text: str) -> bool:
    return bool(NON_CONFLICT.search(text))
