"""The sub-event decision list (rules/decisions.yaml) and the conditions it names.

An incident's cues give a score per sub-event type. The decision list is read in order: the
first step whose `when` conditions all hold and whose `unless` conditions all fail decides the
sub-event type (`then`), or names a chooser (`@strongest_weapon`) that picks one. Conditions
that need code are registered here by name, the way spaCy registers functions; a condition may
take an argument after a colon (`cue:Sexual violence`). Every pattern they read is in
rules/sentences.yaml and every number in rules/coding.yaml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from warlog import rules
from warlog.extract.units import Incident, Sentence
from warlog.records import ActorMention

(_ATTRIBUTION_AFTER, _ATTRIBUTION_BEFORE, _PROTESTERS_ARRESTED, _DIRECT_FIGHT, _TERRITORY, _STATE_AGENT,
 _PROTEST_FIGHT, _LIGHT_ARMS, _SECURITY_FORCES_KILLED, _DEATHS_OR_SHOOTING, _REGAIN_VERB, _WEAPON_USED) = rules.patterns(
    "sentences", "attribution_after", "attribution_before", "protesters_arrested", "direct_fight",
    "territory", "state_agent", "protest_fight", "light_arms", "security_forces_killed",
    "deaths_or_shooting", "regain_verb", "weapon_used")


def attribution(s: Sentence, m: ActorMention) -> bool:
    """Whether an actor mention names the source of the report rather than a party to the incident."""
    start, end = m.start - s.start, m.end - s.start
    return bool(_ATTRIBUTION_AFTER.match(s.text, end) or _ATTRIBUTION_BEFORE.search(s.text[max(0, start - 40):start]))


@dataclass
class DecisionContext:
    """What the conditions of one incident read; computed lazily, never shared between incidents."""
    inc: Incident
    scores: dict[str, float]
    victims_civilian: bool
    armed_actors: int
    coding: dict[str, Any] = field(default_factory=dict)

    def score(self, sub_event_type: str) -> float:
        return self.scores.get(sub_event_type, 0.0)

    @cached_property
    def text(self) -> str:
        return self.inc.text

    @cached_property
    def first(self) -> Sentence:
        return self.inc.sentences[0]

    @cached_property
    def opening(self) -> str:
        return " ".join(x.text for x in self.inc.sentences if x.paragraph == self.first.paragraph)

    @cached_property
    def territory(self) -> re.Match[str] | None:
        return _TERRITORY.search(self.first.text)

    @cached_property
    def weapon_types(self) -> list[str]:
        return list(self.coding["weapon_types"])


def score_cues(inc: Incident, first_weight: float) -> dict[str, float]:
    """Each sub-event type's score: the weight of its strongest cue type once per sentence, the first sentence's weighted up."""
    scores: dict[str, float] = {}
    first = inc.sentences[0]
    for s in inc.sentences:
        seen: set[str] = set()
        for c in s.cues:
            if c.sub_event_type in seen:
                continue
            seen.add(c.sub_event_type)
            scores[c.sub_event_type] = scores.get(c.sub_event_type, 0.0) + c.weight * (first_weight if s is first else 1.0)
    return scores


def decide(ctx: DecisionContext) -> tuple[str, str] | None:
    """(sub-event type, id of the step that decided it), or None where no step decides."""
    ruleset = rules.active()
    ruleset.check_decisions()
    for step in ruleset.entries["decisions"]:
        if all(_holds(ctx, c) for c in step.when) and not any(_holds(ctx, c) for c in step.unless):
            if step.then.startswith("@"):
                name, _, arg = step.then[1:].partition(":")
                chosen = rules.CHOOSERS[name](ctx, arg or None)
                if chosen is None:
                    continue
                return chosen, step.id
            return step.then, step.id
    return None


def _holds(ctx: DecisionContext, spec: str) -> bool:
    name, _, arg = spec.partition(":")
    return bool(rules.CONDITIONS[name](ctx, arg or None))


# -- conditions --------------------------------------------------------------------------
@rules.condition("cue")
def _has_cue(ctx: DecisionContext, sub_event_type: str | None) -> bool:
    """A cue of the named sub-event type is in the incident."""
    return sub_event_type in ctx.scores


@rules.condition("scored")
def _scored(ctx: DecisionContext, sub_event_type: str | None) -> bool:
    """The named sub-event type has a score above zero."""
    return bool(ctx.score(sub_event_type or ""))


@rules.condition("protest_or_riot")
def _protest_or_riot(ctx: DecisionContext, _: str | None) -> bool:
    """Cues of a protest, a violent demonstration or mob violence."""
    return bool(ctx.score("Peaceful protest") or ctx.score("Violent demonstration") or ctx.score("Mob violence"))


@rules.condition("mob_outweighs_protest")
def _mob_outweighs(ctx: DecisionContext, _: str | None) -> bool:
    """Mob-violence cues at least as strong as the protest and violent-demonstration cues."""
    mob = ctx.score("Mob violence")
    return bool(mob) and mob >= max(ctx.score("Peaceful protest"), ctx.score("Violent demonstration"))


@rules.condition("riot_signs")
def _riot_signs(ctx: DecisionContext, _: str | None) -> bool:
    """Strong violent-demonstration cues, or a protest that turned into fighting."""
    threshold = ctx.coding["violent_demonstration_min_score"]
    return ctx.score("Violent demonstration") >= threshold or bool(_PROTEST_FIGHT.search(ctx.text))


@rules.condition("armed_men_fighting")
def _armed_men_fighting(ctx: DecisionContext, _: str | None) -> bool:
    """No protest, a clash, and rebels or militias among the parties: armed men fighting, not a riot."""
    return not ctx.score("Peaceful protest") and "Armed clash" in ctx.scores and any(
        a.actor.inter in (2, 3) and not attribution(x, a) for x in ctx.inc.sentences for a in x.actors)


@rules.condition("security_forces_killed")
def _security_forces_killed(ctx: DecisionContext, _: str | None) -> bool:
    """Excessive-force cues and police or troops who killed or shot."""
    return "Excessive force against protesters" in ctx.scores and bool(_SECURITY_FORCES_KILLED.search(ctx.text))


@rules.condition("protest")
def _protest(ctx: DecisionContext, _: str | None) -> bool:
    """Protest cues."""
    return bool(ctx.score("Peaceful protest"))


@rules.condition("deaths_or_shooting")
def _deaths_or_shooting(ctx: DecisionContext, _: str | None) -> bool:
    """The incident tells of deaths or shooting."""
    return bool(_DEATHS_OR_SHOOTING.search(ctx.text))


@rules.condition("intervention")
def _intervention(ctx: DecisionContext, _: str | None) -> bool:
    """Intervention cues (tear gas, dispersal), or protesters arrested."""
    return "Protest with intervention" in ctx.scores or bool(_PROTESTERS_ARRESTED.search(ctx.text))


@rules.condition("territory_in_lead")
def _territory_in_lead(ctx: DecisionContext, _: str | None) -> bool:
    """The opening sentence tells of territory taken, and not of an incident without casualties."""
    return ctx.territory is not None and not ctx.first.no_casualties


@rules.condition("state_took_territory")
def _state_took_territory(ctx: DecisionContext, _: str | None) -> bool:
    """State forces named before the territory words, or a verb of retaking ('recaptured')."""
    assert ctx.territory is not None
    agent_text = ctx.first.text[:ctx.territory.start()]
    return bool(_STATE_AGENT.search(agent_text) or _REGAIN_VERB.search(ctx.territory.group(0)))


@rules.condition("agent_before_territory")
def _agent_before_territory(ctx: DecisionContext, _: str | None) -> bool:
    """Someone is named before the territory words."""
    assert ctx.territory is not None
    return bool(ctx.first.text[:ctx.territory.start()].strip())


@rules.condition("direct_fight")
def _direct_fight(ctx: DecisionContext, _: str | None) -> bool:
    """Two sides fighting in the opening paragraph, or small-arms fire in the opening sentence."""
    return bool(_DIRECT_FIGHT.search(ctx.opening) or _LIGHT_ARMS.search(ctx.first.text))


@rules.condition("weapon_used_in_lead")
def _weapon_used(ctx: DecisionContext, _: str | None) -> bool:
    """The opening sentence tells of a weapon used (exploded, fired, killed)."""
    return bool(_WEAPON_USED.search(ctx.first.text))


@rules.condition("disruption_outweighs_weapons")
def _disruption_outweighs(ctx: DecisionContext, _: str | None) -> bool:
    """Disrupted-weapons cues at least as strong as every weapon's."""
    return ctx.scores["Disrupted weapons use"] >= max((ctx.score(w) for w in ctx.weapon_types), default=0)


@rules.condition("violence")
def _violence(ctx: DecisionContext, _: str | None) -> bool:
    """Attack or clash cues."""
    return bool(ctx.score("Attack") + ctx.score("Armed clash"))


@rules.condition("two_armed_parties")
def _two_armed(ctx: DecisionContext, _: str | None) -> bool:
    """At least two armed actors take part."""
    return ctx.armed_actors >= 2


@rules.condition("civilian_victims")
def _civilian_victims(ctx: DecisionContext, _: str | None) -> bool:
    """The victims are civilians."""
    return ctx.victims_civilian


@rules.condition("looting_outweighs_attack")
def _looting_outweighs(ctx: DecisionContext, _: str | None) -> bool:
    """Looting and destruction cues stronger than attack cues."""
    return ctx.score("Looting/property destruction") > ctx.score("Attack")


# -- choosers ----------------------------------------------------------------------------
@rules.chooser("strongest_weapon")
def _strongest_weapon(ctx: DecisionContext, _: str | None) -> str | None:
    """The weapon type with the highest score (the first listed on a tie), if any scored."""
    best = max(ctx.weapon_types, key=lambda w: ctx.score(w))
    return best if ctx.score(best) > 0 else None


@rules.chooser("strongest_cue")
def _strongest_cue(ctx: DecisionContext, _: str | None) -> str | None:
    """The sub-event type with the highest score."""
    ranked = sorted(ctx.scores.items(), key=lambda kv: kv[1], reverse=True)
    return ranked[0][0] if ranked else None
