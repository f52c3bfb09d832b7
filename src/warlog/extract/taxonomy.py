"""ACLED's event taxonomy and the cue rules that code a sentence into it.

Each sub-event type has weighted cue patterns; `score_sub_events(text)` returns the evidence
for every sub-event type found in a sentence, and `choose_sub_event` picks one for an incident
from the evidence of all its sentences plus who acted on whom.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from warlog.vocabulary import EVENT_TYPES, SUB_EVENT_TYPES, disorder_type_of, event_type_of  # noqa: F401


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.I)


# (sub-event type, weight, pattern).  Weights order the cues: a specific weapon outranks a
# generic "attack", a protest outranks an arrest made at it.
CUES: list[tuple[str, float, re.Pattern[str]]] = [
    ("Chemical weapon", 6, _rx(r"chemical (?:weapons?|attacks?|agents?|munitions?|strikes?)", "sarin", r"chlorine(?: gas)?(?: attack| bombs?| barrels?)?", "mustard gas", "nerve agents?", "toxic gas", "poison gas")),
    ("Suicide bomb", 6, _rx(r"suicide[- ](?:bomb\w*|attack\w*|car bomb\w*|vest|blast|truck bomb|bomber)", r"(?:blew|blown|blows|blowing) (?:himself|herself|themselves) up", r"(?:set off|detonated|triggered) (?:an?|his|her|their) (?:explosives?|suicide) (?:vest|belt)", r"self-detonat\w*", r"detonated (?:his|her|their) (?:explosive )?(?:vest|belt)", "suicide")),
    ("Air/drone strike", 5, _rx(r"air ?strikes?", r"air[- ]raids?", r"drone (?:strikes?|attacks?)", r"(?:armed |kamikaze |attack |suicide )?drones?", "warplanes?", r"(?:fighter )?jets?", "aircraft", r"airstrikes?", r"aerial (?:bombardment|attacks?|bombing)", r"helicopter gunships?", r"helicopters? (?:fired|struck|bombed|attacked)", "UAVs?", "bombed from the air", r"bombed (?:\w+ ){0,3}(?:bases?|positions?|hideouts?|camps?|militants|insurgents)", r"barrel bombs?", "air force", r"air support")),
    ("Shelling/artillery/missile attack", 4.5, _rx(r"shell(?:ed|ing|s)", "artillery", r"mortars?(?: rounds?| shells?| bombs?)?", r"rockets?", r"missiles?", r"bombard(?:ed|ment|ing)", "howitzers?", "MLRS", "Grads?", "Katyushas?", r"projectiles?", r"RPGs?", r"rocket-propelled grenades?", "tank fire", r"fired (?:a )?(?:shells?|rounds?) at", r"fired (?:\w+ ){1,3}at (?:the )?positions", r"fired (?:\w+ ){0,4}weapons at", "IFVs?", r"infantry fighting vehicles?", r"heavy weapons", r"anti-tank", r"explosions", r"grenade launchers?", r"AGS")),
    ("Remote explosive/landmine/IED", 5, _rx(r"(?:RC|PB|VB|SV|PO)?IEDs?", r"improvised explosive devices?", r"roadside bombs?", r"land ?mines?", r"(?:explosive|bomb) (?:device|devices)", r"car bombs?", r"VBIEDs?", r"booby[- ]trap\w*", r"sticky bombs?", r"(?:bomb|mine) (?:exploded|blast|explosion|went off)", r"explosion", r"blast", r"exploded", r"detonated", r"magnetic bombs?", r"explosives?", r"bomb")),
    ("Grenade", 5.5, _rx(r"(?:hand )?grenades?(?! launch)")),
    ("Armed clash", 3.5, _rx(r"clash(?:ed|es)?", r"fighting", r"fought", "gunfights?", "firefights?", r"exchanged? (?:of )?(?:gun)?fire", r"exchange of fire", r"battles?", r"battled", r"ambush(?:ed|es|ing)?", "skirmish(?:es)?", r"engaged", r"gun battles?", r"stormed", r"assault(?:ed)? (?:on )?(?:positions?|bases?|a base|military|army|police|checkpoints?)", r"attack(?:ed|s)? (?:on )?(?:an? |the )?(?:army|military|police|security|government|regime|rebel|militant)\b[\w ]{0,20}(?:positions?|bases?|posts?|checkpoints?|convoy|patrol|forces|troops|soldiers|unit)", r"counter-?attack\w*", r"offensive", r"repelled", r"exchang\w+ (?:of )?(?:gun)?fire", r"(?:shot|fired) back", r"captured (?:\d+|two|three|four|five|several|dozens of) (?:\w+ ){0,3}(?:rebels|militants|fighters|soldiers|operatives|members|insurgents|combatants)", r"(?:inter-?)?clan(?:-based)? (?:violence|clashes|fighting)", r"communal (?:violence|clashes|fighting)", r"returned fire", r"responded with (?:gun)?fire", r"reacted with gunfire", r"repulsed", r"crossfire", r"infiltrat\w+ attempt", r"heavy fighting", r"shoot-?outs?", r"fired (?:with|at|on|upon|towards?)", r"shots", r"bursts? of fire", r"gunfire", r"exchanged shots", r"small arms", r"machine ?guns?", r"sniper\w*", r"attacked (?:the )?positions?")),
    ("Government regains territory", 5, _rx(r"(?:regained|recaptured|retook|retaken|re-?took|liberated|regain(?:ed)? control|recovered control|took back|cleared)")),
    ("Non-state actor overtakes territory", 4, _rx(r"(?:seized|captured|took|taken|overran|overrun|gained) control(?: of)?", r"(?:seized|captured|overran|overrun|took over) (?:the )?(?:town|village|city|district|base|military base|camp|area|territory|headquarters|positions?)")),
    ("Attack", 3, _rx(r"(?:shot|stabbed|hacked|beat|beaten|burned|executed|murdered|massacred|slaughtered|beheaded|lynched|tortured)(?: to death| dead)?", r"killed", r"killing", r"massacres?", r"attack(?:ed|s|ing)?", r"opened fire", r"gunned down", r"assassinat\w+", r"shooting", r"targeted killing", r"raided", r"raids?", r"set (?:on )?fire to", r"violence against", r"assaulted", r"attacked and killed", r"found dead", r"bod(?:y|ies) (?:was|were|has been|have been) (?:found|discovered|recovered)", r"bod(?:y|ies) of", r"bullets? hit", r"hit by (?:a )?(?:stray )?bullets?", r"fatality")),
    ("Attack", 1, _rx(r"death tolls?", r"tolls? (?:rose|rises|has risen|climbed|reached)")),
    ("Abduction/forced disappearance", 5, _rx(r"abduct(?:ed|ion|ions|s|ing)", r"kidnap(?:ped|ping|pings|s)?", r"taken hostage", r"held hostage", r"hostages?", r"forcibly disappeared", r"enforced disappearance", r"forced disappearance", r"whereabouts (?:are|remain) unknown", r"(?:forced|bundled|dragged|pushed) (?:him|her|them|the \w+) into (?:a|an|their|the) (?:car|vehicle|van|truck)", r"ordered (?:him|her|them) to (?:come|go) with them")),
    ("Sexual violence", 7, _rx(r"rap(?:e|ed|es|ing)", r"gang-?rap\w*", r"sexual(?:ly)? (?:assault\w*|violence|abuse\w*|harass\w*|exploit\w*)", r"molest\w*", r"sexual slavery")),
    ("Peaceful protest", 3, _rx(r"protest(?:ed|ers|ing|s)?", r"demonstrat(?:ed|ion|ions|ors|ing)", r"rall(?:y|ies|ied)", r"marche?d? (?:through|to|in|against|towards|along|on)", r"(?:took out|held|led) (?:a |the )?(?:procession|motorcade|march)", r"human chain", r"bang(?:ed|ing) (?:pots|pans)", r"motorcade", r"padlocked", r"gathered\b[^.]{0,140}\b(?:demanding|to demand|to commemorate|to observe|to mark|protesting|denouncing)", r"block(?:ed|ing) [^.]{0,40}\b(?:rails|railway|highway|road|roads)\b", r"sit-?ins?", r"(?:went|go|going) on strike", r"strik(?:e|ing) workers", r"vigils?", r"gathered (?:\w+ ){0,2}(?:to demand|to protest|in front|outside|to denounce|to condemn|against)", r"picket\w*", r"boycott\w*", r"hunger strike", r"petition", r"block(?:ed|ing|aded) (?:the |a |several )?(?:\w+ ){0,2}(?:road|roads|highway|street|streets|entrance|rails|railway|bridge|access|traffic|junction)", r"barricad\w+", r"staged", r"took to the streets")),
    ("Protest with intervention", 0, _rx(r"dispers(?:ed|ing|e)", r"tear ?gas", r"water cannons?", r"rubber bullets", r"broke up", r"baton[- ]charg\w*", r"pepper spray", r"stun grenades?", r"sound bombs?")),
    ("Excessive force against protesters", 0, _rx(r"live (?:ammunition|rounds|fire|bullets)", r"opened fire on (?:the )?(?:protesters|demonstrators|crowd)", r"shot (?:dead )?(?:\w+ )?(?:protesters|demonstrators)")),
    ("Violent demonstration", 4, _rx(r"molotov\w*", r"throw\w* (?:\w+ ){0,3}(?:stones|rocks|bottles|projectiles|fence|firecrackers|molotov\w*|petrol bombs|eggs)", r"projectiles were thrown", r"smash\w+", r"lit (?:fires|firecrackers)", r"turned violent", r"violent clashes", r"scuffle\w*", r"escalating violence", r"blaze",r"riot(?:ed|s|ing|ers)?", r"threw (?:stones|rocks|molotov|petrol bombs|bottles)", r"pelted", r"stone[- ]pelting", r"burn(?:ed|t|ing) (?:\w+ ){0,2}(?:tyres|tires)", r"with burning (?:objects|tyres|tires|barricades)", r"vandali[sz]\w*", r"torched", r"set (?:ablaze|alight)", r"clashed with (?:the )?(?:police|security forces)", r"violent (?:protest|demonstration)s?")),
    ("Mob violence", 4, _rx(r"(?:villagers|youths?|residents|locals|crowds?|mobs?|(?:young )?men|supporters|group of (?:\w+ ){0,3}(?:men|youths?|people|residents|villagers|locals)) (?:\w+ ){0,2}(?:attacked|beat|beaten|assaulted|lynched|stoned|pelted|chased|thrashed)", r"beat (?:up|him|her|them)",r"mobs?", r"lynch\w*", r"vigilantes?", r"angry (?:crowd|residents|villagers|youths?)", r"mob justice", r"group of (?:youths?|people|residents|villagers) (?:attacked|beat|assaulted)", r"communal clash\w*", r"clashes between (?:\w+ ){0,3}(?:communities|villagers|residents|supporters|vendors|farmers|herders|youths)")),
    ("Agreement", 4, _rx(r"agreed (?:to|on|upon)", r"(?:signed|reached|concluded|brokered) (?:a |an |the )?(?:\w+ ){0,2}(?:agreements?|deal|accord|truce|ceasefire|treaty|pact|memorandum)", r"ceasefire", r"cease-fire", r"truce", r"peace (?:deal|accord|agreement)", r"prisoner (?:exchange|swap)", r"exchange of prisoners", r"agreement (?:was|has been) (?:reached|signed)")),
    ("Arrests", 3.2, _rx(r"arrest(?:ed|s|ing)?", r"detain(?:ed|s|ing)", r"apprehended", r"taken into custody", r"in custody", r"rounded up", r"nabbed")),
    ("Change to group/activity", 2.5, _rx(r"deploy(?:ed|ment|s|ing)", r"reinforcements?", r"withdr(?:ew|awn|awal|aw)", r"pulled out", r"moved (?:troops|forces)", r"training", r"recruit\w*", r"defect(?:ed|ion|s)", r"join(?:ed|s)", r"curfew", r"patrols?", r"halted (?:all )?(?:entries|entry|exits|departures|movement)", r"(?:established|built|set up|erected) (?:new )?(?:fortifications|positions|check ?points?)", r"(?:placed|installed|set up) (?:\w+ ){0,2}check ?points", r"delivered (?:\w+ ){0,3}(?:food|aid|boxes|packages|supplies|parcels)", r"convoy", r"military parade", r"mobili[sz]\w*", r"merge[ds]?", r"split", r"dissolv\w+", r"declared", r"announced", r"lockdown", r"enforc\w+", r"arrived")),
    ("Disrupted weapons use", 6, _rx(r"(?:weapons|arms|ammunitions?|explosives?|explosive devices?|IEDs?|improvised explosive devices?|bombs?|grenades|guns|firearms|projectiles|rifles|suspicious (?:packages?|devices?))\b[^.;]{0,50}\b(?:(?:were|was|has been|have been|had been) (?:\w+ )?(?:seized|found|discovered|defused|intercepted|recovered|confiscated|dismantled))", r"(?:arms |weapons |ammunition )?caches?", r"stash(?:es)? of", r"(?:destroyed|dismantled|defused|intercepted) (?:\w+ ){0,4}(?:IEDs?|improvised explosive devices?|explosives?|bombs?|mines?|caches|guns|weapons)", r"bomb squad", r"suspicious packages?",r"weapons? seizures?", r"(?:seized|confiscated|recovered|uncovered|found|discovered)\b[^.;]{0,40}\b(?:weapons|arms|ammunition|explosives|grenades|rifles?|guns|firearms|AK-?47s?|IEDs?|bombs|detonators|rockets)",r"defus(?:ed|ing)", r"dismantl(?:ed|ing)", r"(?:seized|confiscated|found|discovered|recovered|uncovered) (?:a |an )?(?:large )?(?:quantity of |cache of |stockpile of )?(?:weapons|arms|ammunition|explosives|IEDs?|bombs?|rockets?|missiles?|rifles|guns|firearms)", r"weapons? caches?", r"arms caches?", r"bomb disposal", r"intercept(?:ed|ion) (?:of )?(?:a |an |the |two |several )?(?:ballistic )?(?:missiles?|drones?|rockets?|projectiles?|UAVs?)", r"shot down (?:a |an |the )?(?:drones?|UAVs?|missiles?|rockets?)", r"(?:foiled|thwarted) (?:an? )?(?:plot|bombing|bomb attack)", r"neutrali[sz]ed (?:an? )?(?:IED|bomb|explosive)", r"arms (?:seizure|smuggling)", r"weapons smuggling", r"safely detonated", r"controlled explosion")),
    ("Headquarters or base established", 6, _rx(r"(?:established|establish\w*|set up|sets up|setting up|opened|built|build\w*|erected) (?:\w+ ){0,3}(?:military )?(?:bases?|headquarters|HQ|outposts?|observation (?:posts?|points?)|command cent(?:er|re)s?|training camps?|garrison|military checkpoints?|military posts?)")),
    ("Looting/property destruction", 4, _rx(r"loot(?:ed|ing|ers)?", r"ransack\w*", r"plunder\w*", r"pillag\w*", r"(?:burned|burnt|torched|destroyed|demolished|razed|set fire to) (?:\w+ ){0,3}(?:houses|homes|shops|property|properties|buildings|crops|vehicles|cars|stores|market|school|church|mosque|huts|granar\w+|stadium|tribune|scheme|facility|facilities|infrastructure|equipment|offices?)", r"seized (?:their|his|her|the victims') (?:\w+ )?(?:vehicles?|cars?|phones?|property|belongings|motorcycles?)", r"destruction of (?:property|homes|houses)", r"property destruction", r"rustl\w+", r"stole|stolen|steal\w*", r"robbed|robbery")),
    ("Non-violent transfer of territory", 4, _rx(r"handed over (?:control|the town|the city|the area|positions|territory)", r"(?:took|taken|take) over (?:\w+ ){0,3}(?:without (?:a )?(?:fight|fighting|resistance))", r"without (?:a )?(?:fight|fighting|resistance)", r"handover of")),
]

VIOLENCE_WORDS = _rx(
    r"killed|killing|kill|dead|died|deaths?|fatalit\w+|injur\w+|wound\w+|attack\w*|clash\w*|shell\w*|"
    r"strikes?|bomb\w*|explo\w+|ambush\w*|fighting|shot|gunmen|militants?|executed|abduct\w+|kidnap\w+|"
    r"massacre\w*|raid\w*|assault\w*")

NON_CONFLICT = _rx(
    r"earthquakes?|floods?|flooding|landslides?|storms?|cyclones?|hurricanes?|typhoons?|tornado\w*|"
    r"wildfires?|bushfires?|drought|tsunami|heavy rains?|torrential|volcan\w+|avalanche|lightning|"
    r"gas leak|gas (?:plant|tank|cylinder)|ammonium nitrate|warehouse|furnace|(?:plant|factory|container|tank|pipeline|mine) (?:explosion|exploded|blast|fire)|sanctions?|condemn\w*|(?:missile|nuclear|bomb|weapons?|hydrogen bomb) tests?|test of|testing positive|crew members|accusations?|factory fire|industrial accident|road accident|traffic accident|"
    r"car crash|plane crash|crashed|collapsed|collapse|train (?:crash|derail\w*)|derail\w*|capsized|"
    r"fire broke out|blaze|boiler|chemical plant|refinery|electrocut\w*|drown\w*|stampede|"
    r"disease outbreak|epidemic|pandemic deaths|cholera|ebola|heatwave|accident\w*")

_CIVILIAN_TARGET = _rx(
    r"civilians?|villagers?|residents?|farmers?|women|children|child|students?|worshippers?|passengers?|"
    r"journalists?|traders?|herders?|pilgrims?|families|family|teachers?|doctors?|aid workers?|displaced|"
    r"refugees?|man|woman|boys?|girls?|people|shepherds?|fishermen|workers?|a (?:local )?(?:man|woman)|"
    r"market|mosque|church|school|hospital|homes?|houses?|village")


@dataclass
class Cue:
    sub_event_type: str
    weight: float
    start: int
    end: int


def score_sub_events(text: str, offset: int = 0) -> list[Cue]:
    cues: list[Cue] = []
    for sub, weight, pattern in CUES:
        for m in pattern.finditer(text):
            cues.append(Cue(sub, weight, m.start() + offset, m.end() + offset))
    return cues


def mentions_civilian_target(text: str) -> bool:
    return bool(_CIVILIAN_TARGET.search(text))


def is_non_conflict(text: str) -> bool:
    return bool(NON_CONFLICT.search(text))
