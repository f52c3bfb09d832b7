"""Assembly: from the mentions in one report to its incidents (events) and claims.

A report is read sentence by sentence.  Each sentence gets its cues (taxonomy), counts,
dates, places and actors, and flags for what is not an incident: photo captions, history,
cumulative tallies, estimates of strength and trends.  An incident starts at a sentence that
states a violent or strategic act with something concrete (a date, a place, a count) and
gathers the sentences after it that add detail, until a sentence starts another incident
("another ambush", a different date).  Tallies and estimates become claims.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from spacy.tokens import Doc, Span as SpacySpan

from warlog import rules
from warlog.extract import location as geo
from warlog.extract.actors import ActorDictionary, acled_country_name
from warlog.extract.counts import CountMention, find_counts, reports_no_casualties
from warlog.extract.dates import DAY, YEAR, resolve_date
from warlog.extract.decisions import DecisionContext, attribution, decide, score_cues
from warlog.extract.taxonomy import is_non_conflict, mentions_civilian_target, score_sub_events
from warlog.extract.units import DateMention, Incident, Sentence
from warlog.records import Actor, ActorMention, Claim, Document, Event, Extraction, Span
from warlog.vocabulary import disorder_type_of, event_type_of

(_CAPTION, _REPORT_VERB_BEFORE, _TALLY, _TALLY_CONTINUES, _ESTIMATE, _TREND, _NEW_INCIDENT, _GENERIC_CLAIM,
 _BY_AGENT, _SOURCE_CUE) = rules.patterns(
    "sentences", "caption", "report_verb_before", "tally", "tally_continues", "estimate", "trend",
    "new_incident", "generic_claim", "by_agent", "source_cue")
(_TARGET_BEFORE, _CODED_FATALITIES, _PASSIVE_AFTER, _DATELINE, _DEFINITE_BEFORE, _COMMENTARY, _UNIT,
 _CIVILIAN_COUNT_NOUN, _ARMED_TARGET, _SOURCE_DOCUMENT) = rules.patterns(
    "sentences", "target_before", "coded_fatalities", "passive_after", "dateline", "definite_before",
    "commentary", "unit", "civilian_count_noun", "armed_target", "source_document")


def _armed_inter() -> set[int]:
    """ACLED actor type codes of armed actors (rules/coding.yaml)."""
    return set(rules.active().value("coding", "armed_inter"))


_PLACE_ASIDE_BEFORE = rules.pattern("sentences", "place_aside_before")

# "coming from Ad Dali, Abyan and Yafai": every place of a list after "from"
_FROM_LIST = rules.pattern("sentences", "from_list")


def _paragraph_index(text: str, start: int, breaks: list[int]) -> int:
    lo, hi = 0, len(breaks)
    while lo < hi:
        mid = (lo + hi) // 2
        if breaks[mid] <= start:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _sentence_dates(sent: SpacySpan, date_ents: list[SpacySpan], published: date | None) -> list[DateMention]:
    found: list[DateMention] = []
    text = sent.doc.text
    for ent in date_ents:
        if not (sent.start_char <= ent.start_char < sent.end_char):
            continue
        ent_text, ent_start = ent.text, ent.start_char
        day_before = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+$", text[max(0, ent.start_char - 6):ent.start_char])
        if day_before and re.match(r"[A-Z][a-z]+\.? \d{4}$", ent_text):
            # spaCy sometimes leaves the day out: "Around 6 | May 2020"
            ent_text = day_before.group(0) + ent_text
            ent_start = ent.start_char - len(day_before.group(0))
        value = resolve_date(ent_text, published)
        if value is None:
            # "the week of March 25", "Thursday, February 2, 2016": try the last words
            parts = re.split(r",\s*", ent.text)
            value = resolve_date(", ".join(parts[-2:]), published) if len(parts) > 1 else None
        if value is None:
            continue
        before = text[max(sent.start_char, ent.start_char - 40):ent.start_char]
        dateline = bool(re.fullmatch(r"\s*[A-Z][A-Z .'’-]{2,}(?:,\s*[A-Z][\w .'’-]+)?,?\s*", text[sent.start_char:ent.start_char]))
        report = dateline or bool(_REPORT_VERB_BEFORE.search(before)) or bool(re.search(r"\b(?:a|an|the|its|their)\s+$", before) and re.match(r"\s*(?:report|statement|video|study|survey|assessment)", text[ent.end_char:ent.end_char + 15], re.I))
        found.append(DateMention(ent_start, ent.end_char, ent_text, value, report))
    return found


class Extractor:
    """Turns a parsed report into events and claims.  One instance serves many documents."""

    def __init__(self, actors: ActorDictionary | None = None) -> None:
        self.actors = actors or ActorDictionary.load()

    # -- per sentence -------------------------------------------------------------------
    def _sentences(self, doc: Doc, document: Document) -> tuple[list[Sentence], list]:
        """The report's sentences, and every place it names (datelines included)."""
        text = doc.text
        breaks = [m.end() for m in re.finditer(r"\n\s*\n|\n", text)]
        if doc.has_extension("places") and doc._.places is not None:
            places = [m for m in doc._.places if not m.is_demonym]
        else:
            places = geo.places_in_doc(doc, document.country)
        if doc.has_extension("actors") and doc._.actors is not None and self.actors is ActorDictionary.load():
            actor_mentions = doc._.actors
        else:
            actor_mentions = self.actors.find(text)
        # A group's name is not a place: "Al-Shabaab" is not Shabab in Iran.
        places = [p for p in places if not any(a.start <= p.start < a.end or p.start <= a.start < p.end for a in actor_mentions)]
        date_ents = [e for e in doc.ents if e.label_ == "DATE"]
        # "BEIRUT, June 30 (Levant Desk) -": where the report was filed, not where it happened
        datelines = [(m.start(1), m.end(1)) for m in _DATELINE.finditer(text)]
        all_places = places
        places = [p for p in places if not any(a <= p.start < b for a, b in datelines)]
        sentences: list[Sentence] = []
        para_caption: dict[int, bool] = {}
        for i, sent in enumerate(doc.sents):
            s_text = sent.text
            if not s_text.strip():
                continue
            start, end = sent.start_char, sent.end_char
            para = _paragraph_index(text, start, breaks)
            cues = score_sub_events(s_text, start)
            counts = find_counts(s_text, start) if (cues or re.search(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen|several|hundreds)\b", s_text, re.I)) else []
            s = Sentence(
                index=i, start=start, end=end, text=s_text, paragraph=para, cues=cues, counts=counts,
                dates=_sentence_dates(sent, date_ents, document.published),
                places=[p for p in places if start <= p.start < end],
                actors=[a for a in actor_mentions if start <= a.start < end],
            )
            if _CAPTION.search(s_text):
                para_caption[para] = True
            s.no_casualties = reports_no_casualties(s_text)
            s.commentary = bool(_COMMENTARY.search(s_text)) and not s.counts and not s.event_dates
            s.headline = i == 0 and para == 0 and "\n" in text[end:end + 3] + s_text[-2:] \
                and not s_text.rstrip().endswith((".", "!", "?", '"', "”")) and len(s_text.split()) <= 25
            s.tally = bool(_TALLY.search(s_text)) and not any(d.value.precision == DAY for d in s.event_dates)
            s.estimate = bool(_ESTIMATE.search(s_text)) and any("members" in c.kinds for c in counts)
            s.trend = bool(_TREND.search(s_text))
            s.history = self._is_history(s, document.published)
            sentences.append(s)
        for s in sentences:
            if para_caption.get(s.paragraph):
                s.caption = True
        # Captions sit between paragraphs of the story: they do not separate its parts.
        block, last_para = -1, None
        for s in sentences:
            if s.caption:
                continue
            if s.paragraph != last_para:
                block, last_para = block + 1, s.paragraph
            s.paragraph = block
        for prev, s in zip(sentences, sentences[1:]):
            if prev.tally and s.paragraph - prev.paragraph <= 1 and _TALLY_CONTINUES.search(s.text) and not s.event_dates:
                s.tally = True
        return sentences, all_places

    @staticmethod
    def _is_history(s: Sentence, published: date | None) -> bool:
        dated = [d for d in s.dates if not d.is_report_date]
        if not dated:
            return False
        anchor = published
        recent = []
        for d in dated:
            if d.value.precision == YEAR and (anchor is None or d.value.end.year < anchor.year):
                continue
            if anchor is not None and d.value.end < anchor - timedelta(days=62):
                continue
            recent.append(d)
        return not recent

    # -- incidents ----------------------------------------------------------------------
    def _is_incident_start(self, s: Sentence, first_paragraphs: bool) -> bool:
        if not s.cues or s.caption or s.history or s.tally or s.estimate or s.trend:
            return False
        if s.commentary and not first_paragraphs:
            return False
        if not first_paragraphs and self._only_references(s) and not s.event_dates and not s.counts:
            return False  # "the attack", "the ambush": a reference to an incident told elsewhere
        if _GENERIC_CLAIM.search(s.text) and not s.event_dates:
            return False
        concrete = bool(s.event_dates) or any(c.kinds & {"killed", "injured", "captured"} for c in s.counts) \
            or s.no_casualties
        return concrete or first_paragraphs

    @staticmethod
    def _only_references(s: Sentence) -> bool:
        return bool(s.cues) and all(_DEFINITE_BEFORE.search(s.text[max(0, c.start - s.start - 40):c.start - s.start]) for c in s.cues)

    def _incidents(self, sentences: list[Sentence], document: Document) -> list[Incident]:
        incidents: list[Incident] = []
        current: Incident | None = None
        short = len(sentences) <= 6
        for s in sentences:
            if s.caption or s.history or s.tally or s.estimate or s.trend or (s.commentary and not short):
                continue
            first_paras = short or s.paragraph <= 1
            dates = s.event_dates
            date_value = dates[0].value if dates else None
            if current is not None and date_value is not None and s.cues and self._only_references(s):
                date_value = None  # "claimed the ambush on Sunday": the date of the claim, not of the ambush
            if s.headline and len(sentences) > 3:
                continue  # a headline restates the lede that follows it
            if current is not None and s.paragraph - current.sentences[-1].paragraph <= 1:
                explicit_new = bool(_NEW_INCIDENT.search(s.text)) and bool(s.cues)
                conflicting = bool(date_value and current.date and not current.date.overlaps(date_value))
                if not explicit_new and not conflicting:
                    same_paragraph = s.paragraph == current.sentences[-1].paragraph
                    refines = bool(date_value and (current.date is None or current.date.contains(date_value)))
                    if same_paragraph or refines or (not date_value and (s.cues or s.counts or s.no_casualties)):
                        current.sentences.append(s)
                        if date_value and (current.date is None or
                                           (current.date.contains(date_value) and date_value.precision < current.date.precision)):
                            current.date = date_value
                        continue
            if self._is_incident_start(s, first_paras):
                current = Incident([s], date_value)
                incidents.append(current)
            elif current is not None and s.paragraph - current.sentences[-1].paragraph > 1:
                current = None
        return incidents

    # -- fields ---------------------------------------------------------------------------
    def _sub_event(self, inc: Incident, victims_civilian: bool, armed_actors: int) -> tuple[str, str] | None:
        """The sub-event type and the id of the decision step that chose it (rules/decisions.yaml)."""
        ruleset = rules.active()
        scores = score_cues(inc, ruleset.value("coding", "first_sentence_weight"))
        if not scores:
            return None
        coding = {e.id: e.value for e in ruleset.entries["coding"]}
        return decide(DecisionContext(inc, scores, victims_civilian, armed_actors, coding))

    def _place(self, inc: Incident, hint: str | None):
        """The incident's location: (place, location name, geo_precision, admin1)."""
        mentions = [p for s in inc.sentences for p in s.places if p.place is not None]
        if not mentions:
            return None
        sub = [p for p in mentions if not p.is_country]
        road = geo.road_between_in(inc.sentences, sub)
        if road is not None:
            return (*road, "place:road_between")
        candidates = sub or mentions
        sentence_of = {id(p): s for s in inc.sentences for p in s.places}

        def aside(p) -> int:
            """1 for a place the incident did not happen at: where people came from or are residents
            of, or one end of a named road ("the Mumbai-Agra highway", "travelling from Aden")."""
            s = sentence_of.get(id(p))
            if s is None:
                return 0
            before = s.text[max(0, p.start - s.start - 70):p.start - s.start]
            after = s.text[p.end - s.start:p.end - s.start + 3]
            if _PLACE_ASIDE_BEFORE.search(before) or _FROM_LIST.search(before) or after.startswith(("-", "–")) \
                    or before.endswith(("-", "–")):
                return 1
            return 0

        def rank(p) -> tuple:
            specific = 0 if p.place.feature_class == "P" or p.place.feature_class in ("S", "R", "L") and not p.is_admin1 else 1
            return (aside(p), specific, p.start)
        best = min(candidates, key=rank)
        fclass = best.place.feature_class
        if best.is_country or best.is_admin1 or fclass in ("A", "L"):
            precision = 3
        elif best.near or fclass == "R":
            precision = 2
        else:
            precision = 1
        return best.place, best.place.name, precision, "place:aside" if aside(best) else "place:incident_sentences"

    def _document_place(self, inc: Incident):
        """No place in the incident's own sentences: the place the report is datelined or
        mostly about (a headline, "KISII, Kenya -"), at the precision of what it is."""
        mentions = [p for p in inc.document_places if p.place is not None]
        if not mentions:
            return None
        sub = [p for p in mentions if not p.is_country]
        pool = sub or mentions
        counts: dict[str, int] = {}
        for p in pool:
            counts[p.place.place_id] = counts.get(p.place.place_id, 0) + 1
        best = max(pool, key=lambda p: (counts[p.place.place_id], -p.start))
        fclass = best.place.feature_class
        precision = 3 if best.is_country or best.is_admin1 or fclass in ("A", "L") else 2
        return best.place, best.place.name, precision, "place:document"

    def _reported_by(self, text: str) -> str | None:
        if not _SOURCE_CUE.search(text):
            return None
        ruleset = rules.active()
        for source in ruleset.entries["sources"]:
            m = ruleset.regex("sources", source.id).search(text)
            if m:
                if source.name:
                    return source.name
                word = m.group(0).strip()
                return word[0].upper() + word[1:]
        return None

    @staticmethod
    def _perpetrator(inc: Incident, armed: list[tuple[ActorMention, Actor, bool]]) -> Actor | None:
        """Who acted: an agent ("killed by X"), else the subject before the first act in the
        opening sentence, else a named armed group elsewhere in the incident ("X claimed the attack")."""
        if not armed:
            return None
        first = inc.sentences[0]
        cue_at = min((c.start for c in first.cues), default=first.end)

        def specific(c) -> bool:
            text = c[0].text
            return not (text[:1].lower() + text[1:]).islower() and not c[1].name.startswith("Unidentified")

        victims = {id(c) for c in armed if any(
            _PASSIVE_AFTER.match(x.text[c[0].end - x.start:c[0].end - x.start + 140]) for x in inc.sentences if x.start <= c[0].start < x.end)}
        armed = [c for c in armed if id(c) not in victims] or armed
        agents = [c for c in armed if c[2]]
        before = [c for c in armed if first.start <= c[0].start < cue_at
                  and not _TARGET_BEFORE.search(first.text[max(0, c[0].start - first.start - 20):c[0].start - first.start])
                  and not _PASSIVE_AFTER.match(first.text[c[0].end - first.start:c[0].end - first.start + 140])]
        non_state_named = [c for c in armed if specific(c) and c[1].inter in (2, 3, 4)]
        for pool in ([c for c in agents if specific(c)], [c for c in before if specific(c)], non_state_named, agents, before, armed):
            if pool:
                return pool[0][1]
        return None

    def _actors(self, inc: Incident, sub_event: str, country: str | None, when: date | None) -> tuple[Actor | None, Actor | None]:
        resolved: list[tuple[ActorMention, Actor, bool]] = []
        for s in inc.sentences:
            for m in s.actors:
                if attribution(s, m):
                    continue  # "police said": who reports, not who fought
                actor = self._resolve_actor(m, country, when)
                if actor is None:
                    continue
                doc_text = s.text
                rel = m.start - s.start
                agent = bool(_BY_AGENT.search(doc_text[max(0, rel - 25):rel]))
                resolved.append((m, actor, agent))
        event_type = event_type_of(sub_event)
        armed = [(m, a, ag) for m, a, ag in resolved if a.inter in _armed_inter()]
        # The most specific mention of the same actor wins (a named branch over "IS", a unit over "army").
        def pick(cands):
            if not cands:
                return None
            agents = [c for c in cands if c[2]]
            pool = agents or cands
            named = [c for c in pool if not c[1].name.startswith("Unidentified")]
            pool = named or pool
            return pool[0][1]
        civilians = next((a for m, a, ag in resolved if a.inter == 7), None)
        if event_type == "Protests":
            a1 = next((a for m, a, ag in resolved if a.inter == 6), None) or self.actors.resolve("protesters", country, when)
            a2 = None
            if sub_event != "Peaceful protest":
                a2 = next((a for m, a, ag in resolved if a.inter == 1), None)
            return a1, a2
        if event_type == "Riots":
            a1 = next((a for m, a, ag in resolved if a.inter == 5), None) or self.actors.resolve("rioters", country, when)
            a2 = next((a for m, a, ag in resolved if a.inter in (1, 7) and a.name != a1.name), None)
            return a1, a2
        perpetrator = self._perpetrator(inc, armed)
        if event_type == "Violence against civilians":
            a1 = perpetrator or self.actors.fallback(country)
            return a1, civilians or self.actors.resolve("civilians", country, when)
        if event_type == "Battles":
            a1 = perpetrator or self.actors.fallback(country)
            others = [c for c in armed if c[1].name != a1.name or (c[1].associate and c[1].associate != a1.associate)]
            others = [c for c in others if c[1].name != a1.name] or others
            opponents = [c for c in others if c[1].inter != a1.inter] or others
            with_unit = [c for c in opponents if c[1].associate]
            a2 = pick(with_unit or [c for c in opponents if not c[2]] or opponents) or (self.actors.fallback(country) if a1.inter != 3 else None)
            if a2 is not None and a2.name == a1.name and a2.associate == a1.associate:
                a2 = None
            return a1, a2
        if event_type == "Explosions/Remote violence":
            a1 = perpetrator or self.actors.fallback(country)
            others = [c for c in armed if c[1].name != a1.name]
            a2 = pick(others)
            if a2 is None and civilians is not None:
                a2 = civilians
            return a1, a2
        a1 = pick(armed) or (resolved[0][1] if resolved else None)
        others = [c for c in resolved if a1 is None or c[1].name != a1.name]
        return a1, (others[0][1] if others else None)

    def _resolve_actor(self, mention: ActorMention, country: str | None, when: date | None) -> Actor | None:
        """The mention's actor for the event's country and date; an alias that does not apply
        in that country ("AA" outside Myanmar) is dropped."""
        try:
            return self.actors.resolve(mention, country, when)
        except KeyError:
            return None

    # -- the whole report -----------------------------------------------------------------
    def extract(self, doc: Doc, document: Document) -> Extraction:
        sentences, all_places = self._sentences(doc, document)
        incidents = self._incidents(sentences, document)
        for inc in incidents:
            inc.document_places = all_places
        events: list[Event] = []
        for inc in incidents:
            event = self._event(inc, document, doc)
            if event is not None:
                events.append(event)
        claims = self._claims(sentences, document)
        return Extraction(document=document, events=events, claims=claims)

    def _event(self, inc: Incident, document: Document, doc: Doc) -> Event | None:
        text = inc.text
        place = self._place(inc, document.country) or self._document_place(inc)
        country_iso2 = None
        if place is not None:
            country_iso2 = place[0].country
        if country_iso2 is None:
            votes = [p.place.country for p in inc.document_places if p.place is not None and p.place.country]
            country_iso2 = max(set(votes), key=votes.count) if votes else None
        if country_iso2 is None and document.country:
            country_iso2 = geo.country_code(document.country)
        if country_iso2 is None:
            country_iso2 = geo.country_from_text(text)
        if place is None and document.country:
            place = geo.country_place(country_iso2)
            if place is not None:
                place = (*place, "place:country_hint")
        country = acled_country_name(country_iso2) if country_iso2 else None
        when = inc.date.start if inc.date else None
        precision = inc.date.precision if inc.date else None
        if inc.date is None and document.published is not None:
            when, precision = document.published, DAY
        victims_civilian = self._victims_are_civilians(inc)
        armed = {r.name for s in inc.sentences for a in s.actors if a.actor.inter in _armed_inter() and not attribution(s, a)
                 for r in [self._resolve_actor(a, country_iso2, when)] if r is not None}
        decided = self._sub_event(inc, victims_civilian, len(armed))
        if decided is None:
            return None
        sub_event, decision_id = decided
        if event_type_of(sub_event) in ("Battles", "Violence against civilians", "Explosions/Remote violence") \
                and is_non_conflict(text) and not armed:
            return None  # a flood, a gas explosion, a crash: deaths, but no one fought
        actor1, actor2 = self._actors(inc, sub_event, country_iso2, when)
        actor1, actor2 = _without_placeholders(actor1), _without_placeholders(actor2)
        unit = next((m for sent in inc.sentences for m in _UNIT.finditer(sent.text)), None)
        if unit is not None:
            # the unit as the report names it ("a unit of the 11th Army Division" -> 11th Division)
            unit_name = f"{unit.group(1)} {unit.group(2)}"
            for actor in (actor1, actor2):
                if actor is not None and actor.inter in (1, 8) and actor.name.startswith(("Military", "Police")):
                    actor.associate = unit_name
                    break
        killed, low, high, qualifier = self._fatalities(inc)
        injured = self._sum_kind(inc, "injured")
        captured = self._sum_kind(inc, "captured")
        event_type = event_type_of(sub_event)
        inter1 = actor1.inter if actor1 else None
        inter2 = actor2.inter if actor2 else None
        interaction = None
        if inter1:
            codes = sorted(x for x in (inter1, inter2) if x)
            interaction = "".join(str(x) for x in codes) if len(codes) == 2 else f"{codes[0]}0"
        civilian_targeting = ""
        if event_type == "Violence against civilians" or (event_type == "Explosions/Remote violence" and actor2 is not None and actor2.inter == 7):
            civilian_targeting = "Civilian targeting"
        evidence = [Span(start=s.start, end=s.end, text=s.text) for s in inc.sentences]
        confidence = 0.4 + 0.15 * bool(inc.date) + 0.15 * bool(place) + 0.1 * bool(actor1 and not actor1.name.startswith("Unidentified")) \
            + 0.1 * bool(killed or injured or any(s.no_casualties for s in inc.sentences)) + 0.05 * (len(inc.sentences) > 1)
        event = Event(
            doc_id=document.id,
            event_date=when,
            time_precision=precision or 1,
            disorder_type=disorder_type_of(sub_event),
            event_type=event_type,
            sub_event_type=sub_event,
            actor1=actor1.name if actor1 else None,
            assoc_actor_1=actor1.associate if actor1 else None,
            inter1=inter1,
            actor2=actor2.name if actor2 else None,
            assoc_actor_2=actor2.associate if actor2 else None,
            inter2=inter2,
            interaction=interaction,
            civilian_targeting=civilian_targeting,
            country=country,
            iso3=geo.iso3(country_iso2) if country_iso2 else None,
            fatalities=killed,
            fatalities_low=low,
            fatalities_high=high,
            fatalities_qualifier=qualifier,
            injured=injured,
            captured=captured,
            reported_by=self._reported_by(text) or self._reported_by(doc.text),
            evidence=evidence,
            confidence=round(min(confidence, 0.95), 2),
            coded_by=_coded_by(inc, decision_id, place[3] if place is not None else None),
        )
        if place is not None:
            p, name, geo_precision, _ = place
            event.admin1 = p.admin1
            event.admin2 = p.admin2
            event.location = name
            event.latitude = p.latitude
            event.longitude = p.longitude
            event.geo_precision = geo_precision
        return event

    def _claims(self, sentences: list[Sentence], document: Document) -> list[Claim]:
        claims: list[Claim] = []
        doc_source = None
        last_tally: Sentence | None = None
        published = document.published
        for s in sentences:
            if s.caption:
                continue
            if not (s.tally or s.estimate or s.trend):
                continue
            source = self._reported_by(s.text)
            if source is None and claims and _SOURCE_DOCUMENT.search(s.text):
                source = claims[-1].source
            if source is None:
                if doc_source is None:
                    doc_source = self._reported_by(" ".join(x.text for x in sentences)) or ""
                source = doc_source or None
            where = [p.text for p in s.places]
            evidence = [Span(start=s.start, end=s.end, text=s.text)]
            period_start, period_end = self._claim_period(s, published)
            if s.tally and _TALLY_CONTINUES.search(s.text) and last_tally is not None:
                # "At the same time, ...": the same period and area as the tally before it
                period_start, period_end = self._claim_period(last_tally, published)
                where = where or [p.text for p in last_tally.places]
            if s.estimate:
                for c in s.counts:
                    if "members" in c.kinds:
                        claims.append(Claim(
                            doc_id=document.id, kind="estimate", what=_claim_what(s, c), value=c.best if c.qualifier != "range" else None,
                            low=c.low, high=c.high, qualifier=c.qualifier, period_start=period_start, period_end=period_end,
                            where=where, source=source, evidence=evidence))
                if not s.trend:
                    continue
            if s.tally and not s.estimate:
                last_tally = s
                for c in s.counts:
                    if c.kinds & {"killed", "injured", "captured"}:
                        claims.append(Claim(
                            doc_id=document.id, kind="tally", what=_claim_what(s, c), value=c.best, low=c.low, high=c.high,
                            qualifier=None if c.qualifier == "exact" else c.qualifier,
                            period_start=period_start, period_end=period_end, where=where, source=source, evidence=evidence))
                continue
            if s.trend:
                claims.append(Claim(doc_id=document.id, kind="trend", what=s.text.strip(), period_start=period_start,
                                    period_end=period_end, where=where, source=source, evidence=evidence))
        return claims

    @staticmethod
    def _claim_period(s: Sentence, published: date | None) -> tuple[date | None, date | None]:
        low = s.text.lower()
        if published is not None and re.search(r"since the (?:beginning|start) of (?:the|this) year|so far this year|this year", low):
            return date(published.year, 1, 1), published
        since = re.search(r"\bsince (?:the (?:beginning|start|end|middle) of )?((?:early |late |mid-)?[A-Za-z]+(?: \d{4})?|\d{4})\b", s.text, re.I)
        if since and published is not None:
            anchor = resolve_date(since.group(1), published)
            if anchor is not None and anchor.start <= published:
                return anchor.start, published
        m = re.search(r"\bin the (?:past|last) (week|month|year)\b", low)
        if m and published is not None:
            days = {"week": 7, "month": 30, "year": 365}[m[1]]
            return published - timedelta(days=days), published
        dates = [d.value for d in s.dates]
        if dates:
            d = dates[0]
            if re.search(r"\b(?:since|from)\b", low) and published is not None:
                return d.start, published
            return d.start, d.end
        return None, published

    @staticmethod
    def _victims_are_civilians(inc: Incident) -> bool:
        for s in inc.sentences:
            for a in s.actors:
                if a.actor.inter == 7 and not attribution(s, a):  # "residents said": witnesses, not victims
                    return True
            for c in s.counts:
                if c.kinds & {"killed", "injured", "captured"}:
                    after = s.text[c.end - s.start:c.end - s.start + 40]
                    if _CIVILIAN_COUNT_NOUN.match(after):
                        return True
        return mentions_civilian_target(inc.sentences[0].text) and not _ARMED_TARGET.search(inc.sentences[0].text)

    @staticmethod
    def _sum_kind(inc: Incident, kind: str) -> int | None:
        groups = [[c for c in s.counts if kind in c.kinds] for s in inc.sentences]
        if not any(groups):
            return None
        return _combine(groups)[0]

    def _fatalities(self, inc: Incident) -> tuple[int, int | None, int | None, str | None]:
        for s in inc.sentences:
            coded = _CODED_FATALITIES.search(s.text)
            if coded:  # the source's own coding of a vague toll: "Fatalities coded as 10."
                return int(coded.group(1)), None, None, None
        groups = [[c for c in s.counts if "killed" in c.kinds] for s in inc.sentences]
        if not any(groups):
            return 0, None, None, None
        return _combine(groups)


def _coded_by(inc: Incident, decision_id: str, place_rule: str | None) -> list[str]:
    """The ids of the rules that decided an event's type (cues, decision step), toll and place."""
    ids = [f"cues:{c.rule_id}" for s in inc.sentences for c in s.cues]
    ids.append(f"decisions:{decision_id}")
    ids += [c.rule_id for s in inc.sentences for c in s.counts if c.rule_id and c.kinds & {"killed", "injured", "captured"}]
    if place_rule:
        ids.append(place_rule)
    return list(dict.fromkeys(ids))


def _without_placeholders(actor: Actor | None) -> Actor | None:
    """Without a country, "Protesters ({country})" is written "Protesters"."""
    if actor is None or ("{" not in actor.name and "{" not in (actor.associate or "")):
        return actor

    def clean(name: str | None) -> str | None:
        if not name:
            return name
        name = re.sub(r"\s*\(\{\w+\}\)", "", name)
        name = re.sub(r"\s+of\s+\{\w+\}", "", name)
        return re.sub(r"\{\w+\}", "", name).strip() or None

    return actor.model_copy(update={"name": clean(actor.name), "associate": clean(actor.associate)})


def _claim_what(s: Sentence, c: CountMention) -> str:
    """The counted thing as the sentence words it: the count and the words up to the verb."""
    rel_end = c.end - s.start
    tail = s.text[rel_end:rel_end + 120]
    m = re.search(r"[,;]|\b(?:have|has|had|were|was|are|is|in|since|while|left)\b", tail)
    phrase = tail[:m.start()] if m else tail
    verb = sorted(c.kinds & {"killed", "injured", "captured", "members"})
    words = phrase.strip()
    return f"{words} ({', '.join(verb)})" if words else ", ".join(verb)


def _combine(by_sentence: list[list[CountMention]]) -> tuple[int, int | None, int | None, str | None]:
    """Counts of one kind in one incident.  Within a sentence distinct groups add up
    ("3 soldiers and 2 civilians were killed"); across sentences a count restates or updates
    ("... killing two. Two fatalities."), so the largest sentence total is kept."""
    totals = []
    for group in by_sentence:
        if not group:
            continue
        best = sum(c.best for c in group)
        low = sum((c.low if c.low is not None else c.best) for c in group) if any(c.low is not None for c in group) else None
        high = sum((c.high if c.high is not None else c.best) for c in group) if any(c.high is not None for c in group) else None
        qualifier = next((c.qualifier for c in group if c.qualifier != "exact"), None)
        totals.append((best, low, high, qualifier))
    return max(totals, key=lambda t: t[0])


_EXTRACTOR: tuple[rules.RuleSet, Extractor] | None = None


def default_extractor() -> Extractor:
    """The shared extractor of the rules in force (a new one when `rules.configure` changes them)."""
    global _EXTRACTOR
    ruleset = rules.active()
    if _EXTRACTOR is None or _EXTRACTOR[0] is not ruleset:
        _EXTRACTOR = (ruleset, Extractor())
    return _EXTRACTOR[1]
