"""The coding rules on case files (tests/rules_cases/*.yaml), run on a blank spaCy pipeline.

No statistical model is loaded: the cases test the rules (cues, decisions, counts) alone and run
in about a second, so an analyst editing a rules file sees at once what it changes.
"""
from pathlib import Path

import pytest
import spacy
import yaml

from warlog.extract import nlp as _components  # noqa: F401  registers warlog's spaCy factories
from warlog.extract.events import Extractor
from warlog.records import Document

CASES = sorted((Path(__file__).parent / "rules_cases").glob("*.yaml"))
ALL = [(path.stem, i, case) for path in CASES for i, case in enumerate(yaml.safe_load(path.read_text())["cases"])]


@pytest.fixture(scope="module")
def code():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("warlog_paragraphs")
    nlp.add_pipe("warlog_actors")
    extractor = Extractor()

    def run(text: str):
        return extractor.extract(nlp(text), Document(id="case", text=text)).events
    return run


def test_there_are_cases():
    assert len(ALL) >= 12


@pytest.mark.parametrize("name,index,case", ALL, ids=[f"{n}-{i}" for n, i, _ in ALL])
def test_case(code, name, index, case):
    events = code(case["text"])
    if case["sub_event_type"] is None:
        assert events == [], f"{name}[{index}]: expected no event, got {[e.sub_event_type for e in events]}"
        return
    assert events, f"{name}[{index}]: no event"
    event = events[0]
    assert event.sub_event_type == case["sub_event_type"], event.coded_by
    for rule in case.get("rules", []):
        assert rule in event.coded_by, f"{rule} not in {event.coded_by}"
    if "fatalities" in case:
        assert event.fatalities == case["fatalities"]
