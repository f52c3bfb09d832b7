"""Writes reports.jsonl: incidents each told by two to five reports (original text).

Every incident is a small set of facts; each report retells it in one of several styles, from
its own outlet, on its own day, with the date said as the report's day would say it ("on
Friday", "yesterday", "on March 26") and the toll as known that day (tolls rise).  Some
incidents are deliberately close to another one (same day, same province, same kind) and
must stay apart.  Run: python tests/data_merge/make_reports.py  (deterministic)
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
NUM = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def words(n: int) -> str:
    return NUM[n] if n < len(NUM) else str(n)


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def when(incident: date, published: date, rng: random.Random, style: str) -> str:
    """How a report published on `published` says the day of the incident."""
    lag = (published - incident).days
    wd = WEEKDAYS[incident.weekday()]
    absolute = f"on {MONTHS[incident.month - 1]} {incident.day}"
    if lag == 0:
        options = [f"on {wd}", f"early on {wd}", f"on {wd} morning"]
    elif lag == 1:
        options = ["yesterday", f"on {wd}", f"late on {wd}", absolute]
    elif lag <= 6:
        options = [f"on {wd}", absolute, f"on {wd}, {MONTHS[incident.month - 1]} {incident.day}"]
    else:
        options = [absolute]
    if style == "absolute":
        return absolute
    return rng.choice(options)


def pubday(published: date, rng: random.Random) -> str:
    return rng.choice([f"on {WEEKDAYS[published.weekday()]}", f"on {WEEKDAYS[published.weekday()]}"])


# ------------------------------------------------------------------------ incidents
# kind: which verbs/nouns fit; tolls: the death toll each report gives, in publication order;
# lags: days after the incident each report is published; outlets: (outlet, credited source).
INCIDENTS: list[dict] = [
    dict(key="syr-sukhna-ambush", country="Syria", place="Sukhna", province="Homs", date="2024-03-27",
         kind="ambush", perp=["Islamic State militants", "IS fighters", "jihadists of the Islamic State group"],
         victims=["soldiers", "government troops", "members of the Syrian army"], tolls=[5, 7, 8], lags=[0, 1, 3],
         outlets=[("AFP", "the Syrian Observatory for Human Rights"), ("Enab Baladi", "local activists"),
                  ("Levant Desk", "the Syrian Observatory for Human Rights")]),
    dict(key="syr-idlib-kafrnabl-clash", country="Syria", place="Kafr Nabl", province="Idlib", date="2024-04-10",
         kind="clash", perp=["fighters of Hayat Tahrir al-Sham", "HTS militants", "Hayat Tahrir al-Sham fighters"],
         victims=["soldiers", "regime troops", "government soldiers"], tolls=[4, 6], lags=[0, 2],
         outlets=[("Reuters", "a war monitor"), ("North Press", "the Syrian Observatory for Human Rights")]),
    dict(key="syr-idlib-saraqib-strike", country="Syria", place="Saraqib", province="Idlib", date="2024-04-10",
         kind="airstrike", perp=["Russian warplanes", "Russian jets", "Russian aircraft"],
         victims=["civilians", "people", "residents"], tolls=[3, 5, 5], lags=[0, 1, 2],
         outlets=[("Syria Direct", "the White Helmets"), ("AFP", "rescuers"), ("Enab Baladi", "civil defence workers")]),
    dict(key="syr-deir-ied", country="Syria", place="Mayadin", province="Deir ez-Zor", date="2024-05-14",
         kind="ied", perp=["a roadside bomb", "an improvised explosive device", "a landmine"],
         victims=["fighters of the Syrian Democratic Forces", "SDF fighters", "members of the SDF"], tolls=[2, 3],
         lags=[1, 2], outlets=[("Kurdistan 24", "the SDF"), ("Deir Ezzor 24", "local sources")]),
    dict(key="irq-tarmiyah-attack", country="Iraq", place="Tarmiyah", province="Baghdad", date="2024-02-18",
         kind="ambush", perp=["Islamic State gunmen", "IS militants", "suspected Islamic State fighters"],
         victims=["members of the Popular Mobilisation Forces", "PMF fighters", "paramilitary fighters"],
         tolls=[3, 4, 4, 5], lags=[0, 0, 1, 2],
         outlets=[("Rudaw", "security officials"), ("Shafaq News", "a security source"), ("AP", "police"),
                  ("The National", "the Iraqi military")]),
    dict(key="irq-kirkuk-ied", country="Iraq", place="Kirkuk", province="Kirkuk", date="2024-06-03",
         kind="ied", perp=["a roadside bomb", "an explosive device", "a bomb planted by the road"],
         victims=["soldiers", "Iraqi soldiers", "army personnel"], tolls=[2, 2], lags=[0, 1],
         outlets=[("Kurdistan 24", "the Iraqi army"), ("Shafaq News", "a security source")]),
    dict(key="nga-maiduguri-suicide", country="Nigeria", place="Konduga", province="Borno", date="2024-06-29",
         kind="suicide", perp=["a suicide bomber", "a female suicide bomber", "a bomber"],
         victims=["people", "worshippers", "civilians"], tolls=[6, 12, 18, 32], lags=[0, 1, 2, 4],
         outlets=[("Reuters", "emergency officials"), ("Premium Times", "the Borno State Emergency Management Agency"),
                  ("Daily Trust", "residents"), ("HumAngle", "the state government")]),
    dict(key="nga-zamfara-bandits", country="Nigeria", place="Maru", province="Zamfara", date="2024-01-20",
         kind="raid", perp=["bandits", "armed bandits", "gunmen on motorcycles"],
         victims=["villagers", "residents", "farmers"], tolls=[15, 21], lags=[1, 3],
         outlets=[("Punch", "residents"), ("Daily Trust", "a local government official")]),
    dict(key="nga-zamfara-bandits-2", country="Nigeria", place="Gusau", province="Zamfara", date="2024-01-20",
         kind="abduction", perp=["bandits", "gunmen", "armed men"], victims=["students", "schoolchildren", "pupils"],
         tolls=[0, 0], abducted=[24, 24], lags=[0, 1],
         outlets=[("Vanguard", "police"), ("Channels TV", "the Zamfara police command")]),
    dict(key="som-mogadishu-hodan", country="Somalia", place="Mogadishu", province="Banaadir", date="2024-03-14",
         district="Hodan", kind="suicide", perp=["al-Shabaab militants", "al-Shabaab fighters", "militants of al-Shabaab"],
         victims=["people", "diners", "civilians"], tolls=[3, 5, 10], lags=[0, 1, 2],
         outlets=[("Garowe Online", "police"), ("Hiiraan Online", "a police officer"), ("AFP", "the security ministry")]),
    dict(key="som-mogadishu-checkpoint", country="Somalia", place="Mogadishu", province="Banaadir", date="2024-03-14",
         district="Dharkenley", kind="ied", perp=["a roadside bomb", "an explosive device", "a remote-controlled bomb"],
         victims=["soldiers", "government soldiers", "members of the Somali army"], tolls=[2, 2], lags=[0, 1],
         outlets=[("Somali Guardian", "military officials"), ("Radio Dalsan", "a military officer")]),
    dict(key="som-beledweyne", country="Somalia", place="Beledweyne", province="Hiraan", date="2024-08-05",
         kind="clash", perp=["al-Shabaab fighters", "al-Shabaab militants", "Shabaab insurgents"],
         victims=["clan militia fighters", "local militiamen", "Macawisley fighters"], tolls=[7, 9], lags=[1, 2],
         outlets=[("Hiiraan Online", "local elders"), ("Garowe Online", "regional officials")]),
    dict(key="mli-boni-ambush", country="Mali", place="Boni", province="Mopti", date="2024-09-16",
         kind="ambush", perp=["JNIM fighters", "jihadists linked to al-Qaeda", "militants of JNIM"],
         victims=["soldiers", "Malian soldiers", "troops"], tolls=[9, 12], lags=[1, 3],
         outlets=[("Sahel Monitor", "a security source"), ("RFI", "local officials")]),
    dict(key="mli-segou-village", country="Mali", place="Niono", province="Segou", date="2024-07-02",
         kind="raid", perp=["gunmen", "suspected jihadists", "armed men"], victims=["villagers", "civilians", "residents"],
         tolls=[20, 26, 40], lags=[1, 2, 4],
         outlets=[("AFP", "local officials"), ("Studio Tamani", "a local elected official"), ("Reuters", "the government")]),
    dict(key="bfa-djibo-attack", country="Burkina Faso", place="Djibo", province="Sahel", date="2024-05-11",
         kind="ambush", perp=["jihadists", "militants", "suspected Islamist militants"],
         victims=["soldiers", "volunteer defence fighters", "troops"], tolls=[15, 20], lags=[2, 4],
         outlets=[("AFP", "security sources"), ("Le Faso", "the army")]),
    dict(key="ner-tillaberi", country="Niger", place="Tillaberi", province="Tillaberi", date="2024-03-20",
         kind="ambush", perp=["Islamic State militants", "jihadists", "IS Sahel fighters"],
         victims=["soldiers", "Nigerien soldiers", "troops"], tolls=[23, 23], lags=[1, 2],
         outlets=[("Reuters", "the defence ministry"), ("Actu Niger", "the army")]),
    dict(key="afg-kabul-blast", country="Afghanistan", place="Kabul", province="Kabul", date="2024-01-11",
         district="Dasht-e-Barchi", kind="suicide", perp=["a suicide bomber", "an attacker wearing an explosive vest",
         "a bomber"], victims=["people", "civilians", "worshippers"], tolls=[2, 5], lags=[0, 1],
         outlets=[("TOLOnews", "police"), ("Reuters", "the Taliban-run interior ministry")]),
    dict(key="afg-kabul-sticky", country="Afghanistan", place="Kabul", province="Kabul", date="2024-01-11",
         district="Shahr-e-Naw", kind="ied", perp=["a magnetic bomb", "a sticky bomb", "an explosive device"],
         victims=["Taliban officials", "officials", "Taliban members"], tolls=[1, 1], lags=[0, 1],
         outlets=[("Pajhwok", "a police spokesman"), ("Amu TV", "sources")]),
    dict(key="pak-bannu-attack", country="Pakistan", place="Bannu", province="Khyber Pakhtunkhwa", date="2024-07-15",
         kind="checkpoint", perp=["militants", "Pakistani Taliban fighters", "TTP militants"],
         victims=["soldiers", "security personnel", "troops"], tolls=[8, 8, 10], lags=[0, 1, 2],
         outlets=[("Dawn", "the military's media wing"), ("Geo News", "officials"), ("AP", "police")]),
    dict(key="pak-quetta-blast", country="Pakistan", place="Quetta", province="Balochistan", date="2024-11-09",
         kind="suicide", perp=["a suicide bomber", "an attacker", "a bomber"], victims=["people", "soldiers",
         "passengers"], tolls=[20, 24, 26], lags=[0, 1, 2],
         outlets=[("Dawn", "police"), ("Reuters", "officials"), ("The Express Tribune", "the provincial government")]),
    dict(key="yem-marib-shelling", country="Yemen", place="Marib", province="Marib", date="2024-02-06",
         kind="shelling", perp=["Houthi forces", "the Houthis", "Houthi rebels"], victims=["civilians", "people",
         "residents"], tolls=[2, 4], lags=[0, 1],
         outlets=[("Saba", "the health office"), ("Al-Masdar Online", "medical sources")]),
    dict(key="yem-taiz-sniper", country="Yemen", place="Taiz", province="Taizz", date="2024-04-22",
         kind="sniper", perp=["a Houthi sniper", "Houthi snipers", "a sniper"], victims=["children", "boys",
         "young children"], tolls=[1, 2], lags=[0, 2],
         outlets=[("Al-Masdar Online", "medical sources"), ("Yemen Monitor", "a rights group")]),
    dict(key="sdn-elfasher-shelling", country="Sudan", place="El Fasher", province="North Darfur", date="2024-06-01",
         kind="shelling", perp=["the Rapid Support Forces", "RSF fighters", "the paramilitary RSF"],
         victims=["civilians", "people", "residents"], tolls=[12, 18, 27], lags=[0, 1, 3],
         outlets=[("Sudan Tribune", "a medical source"), ("Radio Dabanga", "activists"), ("Reuters", "doctors")]),
    dict(key="sdn-omdurman-market", country="Sudan", place="Omdurman", province="Khartoum", date="2024-09-08",
         kind="shelling", perp=["the RSF", "the Rapid Support Forces", "paramilitary fighters"],
         victims=["people", "civilians", "shoppers"], tolls=[21, 40, 43], lags=[0, 1, 2],
         outlets=[("AFP", "health officials"), ("Sudan Tribune", "the health ministry"), ("Al Jazeera", "activists")]),
    dict(key="sdn-wad-madani-village", country="Sudan", place="Wad Madani", province="Gezira", date="2024-10-25",
         kind="raid", perp=["RSF fighters", "the Rapid Support Forces", "paramilitary fighters"],
         victims=["villagers", "civilians", "residents"], tolls=[50, 104, 124], lags=[1, 2, 4],
         outlets=[("Radio Dabanga", "local activists"), ("Reuters", "a doctors' group"), ("AP", "the UN")]),
    dict(key="cod-beni-raid", country="Democratic Republic of Congo", place="Beni", province="North Kivu",
         date="2024-06-07", kind="raid", perp=["ADF rebels", "militants of the Allied Democratic Forces",
         "suspected ADF fighters"], victims=["villagers", "civilians", "residents"], tolls=[18, 35, 41],
         lags=[0, 1, 3], outlets=[("Radio Okapi", "local officials"), ("Reuters", "a civil society leader"),
                                  ("AFP", "the army")]),
    dict(key="cod-goma-bomb", country="Democratic Republic of Congo", place="Goma", province="North Kivu",
         date="2024-05-03", kind="shelling", perp=["M23 rebels", "the M23", "rebel forces"],
         victims=["people", "displaced people", "civilians"], tolls=[9, 12, 14], lags=[0, 1, 2],
         outlets=[("Actualite.cd", "the army"), ("Reuters", "the UN"), ("Radio Okapi", "aid workers")]),
    dict(key="cmr-mozogo", country="Cameroon", place="Mozogo", province="Far North", date="2024-08-18",
         kind="raid", perp=["Boko Haram militants", "jihadists", "Boko Haram fighters"],
         victims=["villagers", "civilians", "residents"], tolls=[5, 7], lags=[1, 2],
         outlets=[("Cameroon Tribune", "local authorities"), ("AFP", "a local official")]),
    dict(key="moz-macomia", country="Mozambique", place="Macomia", province="Cabo Delgado", date="2024-05-10",
         kind="clash", perp=["insurgents", "Islamic State militants", "jihadist insurgents"],
         victims=["soldiers", "Mozambican troops", "security forces"], tolls=[10, 10, 16], lags=[1, 2, 5],
         outlets=[("Lusa", "local sources"), ("Zitamar News", "residents"), ("Cabo Ligado", "a military source")]),
    dict(key="eth-gondar", country="Ethiopia", place="Gondar", province="Amhara", date="2024-02-27",
         kind="clash", perp=["Fano militiamen", "Fano fighters", "the Fano militia"],
         victims=["soldiers", "federal troops", "government soldiers"], tolls=[11, 14], lags=[1, 3],
         outlets=[("Addis Standard", "residents"), ("BBC", "a health worker")]),
    dict(key="ukr-kharkiv-missile", country="Ukraine", place="Kharkiv", province="Kharkiv", date="2024-05-25",
         kind="missile", perp=["Russian forces", "Russia", "Russian troops"], victims=["people", "civilians",
         "shoppers"], tolls=[2, 12, 16, 19], lags=[0, 1, 2, 3],
         outlets=[("Ukrainska Pravda", "the regional governor"), ("Kyiv Independent", "Governor Oleh Syniehubov"),
                  ("Reuters", "officials"), ("BBC", "the mayor")]),
    dict(key="ukr-kharkiv-kupiansk", country="Ukraine", place="Kupiansk", province="Kharkiv", date="2024-05-25",
         kind="shelling", perp=["Russian artillery", "Russian forces", "Russian troops"],
         victims=["civilians", "people", "residents"], tolls=[1, 2], lags=[0, 1],
         outlets=[("Suspilne", "the regional administration"), ("Ukrinform", "the prosecutor's office")]),
    dict(key="ukr-nikopol-drone", country="Ukraine", place="Nikopol", province="Dnipropetrovsk", date="2024-08-12",
         kind="drone", perp=["a Russian drone", "a Russian kamikaze drone", "a drone"],
         victims=["people", "civilians", "residents"], tolls=[1, 1], lags=[0, 1],
         outlets=[("Suspilne", "the governor"), ("Ukrinform", "regional officials")]),
    dict(key="rus-belgorod-shelling", country="Russia", place="Belgorod", province="Belgorod", date="2024-12-30",
         kind="missile", perp=["Ukrainian forces", "Ukraine", "Ukrainian troops"], victims=["people", "civilians",
         "residents"], tolls=[14, 21, 25], lags=[0, 1, 2],
         outlets=[("TASS", "the regional governor"), ("Reuters", "officials"), ("Meduza", "the emergencies ministry")]),
    dict(key="mmr-sagaing-airstrike", country="Myanmar", place="Kanbalu", province="Sagaing", date="2024-04-11",
         kind="airstrike", perp=["military jets", "the junta's aircraft", "the military"],
         victims=["villagers", "civilians", "people"], tolls=[30, 53, 100], lags=[0, 1, 3],
         outlets=[("Irrawaddy", "residents"), ("Myanmar Now", "local officials"), ("Reuters", "a witness")]),
    dict(key="col-cauca-attack", country="Colombia", place="Suarez", province="Cauca", date="2024-07-19",
         kind="checkpoint", perp=["FARC dissidents", "dissident guerrillas", "members of a FARC dissident group"],
         victims=["police officers", "police", "policemen"], tolls=[2, 3], lags=[0, 1],
         outlets=[("El Tiempo", "the police"), ("Reuters", "the defence minister")]),
    dict(key="mex-culiacan", country="Mexico", place="Culiacan", province="Sinaloa", date="2024-09-19",
         kind="clash", perp=["gunmen of rival cartel factions", "cartel gunmen", "armed men"],
         victims=["people", "men", "gunmen"], tolls=[5, 8], lags=[0, 1],
         outlets=[("Milenio", "state prosecutors"), ("Reuters", "officials")]),
    dict(key="pse-gaza-strike", country="Palestine", place="Khan Younis", province="Gaza Strip", date="2024-07-13",
         kind="airstrike", perp=["Israeli aircraft", "Israeli warplanes", "the Israeli military"],
         victims=["people", "Palestinians", "displaced Palestinians"], tolls=[71, 90], lags=[0, 1],
         outlets=[("WAFA", "the health ministry"), ("Al Jazeera", "civil defence")]),
    dict(key="lbn-nabatieh-strike", country="Lebanon", place="Nabatieh", province="Nabatieh", date="2024-02-14",
         kind="airstrike", perp=["an Israeli drone", "an Israeli strike", "Israeli aircraft"],
         victims=["civilians", "people", "members of a family"], tolls=[7, 10], lags=[0, 1],
         outlets=[("NNA", "the health ministry"), ("L'Orient Today", "security sources")]),
    dict(key="ind-manipur", country="India", place="Imphal", province="Manipur", date="2024-09-01",
         kind="drone", perp=["militants", "suspected militants", "armed men"], victims=["people", "villagers",
         "civilians"], tolls=[2, 2], lags=[0, 1],
         outlets=[("The Hindu", "police"), ("NDTV", "state officials")]),
    dict(key="cmr-bamenda", country="Cameroon", place="Bamenda", province="North-West", date="2024-10-04",
         kind="clash", perp=["separatist fighters", "Ambazonian separatists", "armed separatists"],
         victims=["soldiers", "troops", "Cameroonian soldiers"], tolls=[4, 6], lags=[1, 2],
         outlets=[("Mimi Mefo Info", "local sources"), ("The Guardian Post", "the army")]),
    dict(key="hti-pont-sonde", country="Haiti", place="Pont-Sonde", province="Artibonite", date="2024-10-03",
         kind="raid", perp=["gang members", "members of the Gran Grif gang", "gangsters"],
         victims=["people", "residents", "villagers"], tolls=[20, 70, 115], lags=[0, 1, 4],
         outlets=[("Le Nouvelliste", "local officials"), ("Reuters", "the UN human rights office"),
                  ("AP", "the government")]),
    dict(key="tcd-lake-boko", country="Chad", place="Bol", province="Lac", date="2024-10-27",
         kind="checkpoint", perp=["Boko Haram fighters", "jihadists", "Boko Haram militants"],
         victims=["soldiers", "Chadian soldiers", "troops"], tolls=[17, 40], lags=[1, 2],
         outlets=[("Alwihda", "a security source"), ("AFP", "the presidency")]),
    dict(key="ken-lamu-ied", country="Kenya", place="Lamu", province="Lamu", date="2024-06-12",
         kind="ied", perp=["an improvised explosive device", "a roadside bomb", "a landmine"],
         victims=["police officers", "policemen", "officers"], tolls=[5, 7], lags=[0, 1],
         outlets=[("Nation", "police"), ("The Standard", "a security official")]),
]

# ------------------------------------------------------------------------ wording
ACTS = {
    "ambush": (["ambushed a military convoy", "attacked an army patrol", "struck a column of troops"],
               ["ambush", "attack", "assault"]),
    "clash": (["clashed with {victims}", "fought {victims}", "attacked positions held by {victims}"],
              ["fighting", "clashes", "battle"]),
    "checkpoint": (["attacked a checkpoint", "stormed a security post", "raided a checkpoint"],
                   ["attack", "assault", "raid"]),
    "airstrike": (["carried out an air strike", "bombed the area", "struck a residential block"],
                  ["air strike", "airstrike", "bombing"]),
    "shelling": (["shelled residential areas", "fired artillery shells", "pounded neighbourhoods with shells"],
                 ["shelling", "bombardment", "artillery attack"]),
    "missile": (["launched a missile strike", "fired missiles", "struck the city with missiles"],
                ["missile strike", "missile attack", "strike"]),
    "drone": (["attacked with a drone", "dropped explosives from a drone", "carried out a drone attack"],
              ["drone attack", "drone strike", "attack"]),
    "ied": (["exploded", "went off", "detonated"], ["blast", "explosion", "bombing"]),
    "suicide": (["blew himself up", "detonated explosives", "set off an explosive vest"],
                ["suicide bombing", "suicide attack", "blast"]),
    "raid": (["attacked a village", "raided a village", "stormed a village"], ["attack", "massacre", "raid"]),
    "abduction": (["abducted {victims}", "kidnapped {victims}", "seized {victims}"],
                  ["abduction", "kidnapping", "mass abduction"]),
    "sniper": (["shot", "opened fire on", "targeted"], ["sniper attack", "shooting", "attack"]),
}

INSTRUMENT = {"ied", "suicide"}


def act(inc: dict, rng: random.Random, victims: str) -> str:
    return rng.choice(ACTS[inc["kind"]][0]).format(victims=victims)


def noun(inc: dict, rng: random.Random) -> str:
    return rng.choice(ACTS[inc["kind"]][1])


def where(inc: dict, rng: random.Random) -> str:
    place, prov = inc["place"], inc["province"]
    d = inc.get("district")
    if d:
        return rng.choice([f"in the {d} district of {place}", f"in {place}'s {d} district", f"in {d}, {place}"])
    return rng.choice([f"in {place}", f"near {place}", f"in the town of {place} in {prov} province",
                       f"in {place}, {prov}", f"on the outskirts of {place}"])


def report(inc: dict, i: int, rng: random.Random) -> dict:
    day = date.fromisoformat(inc["date"])
    published = day + timedelta(days=inc["lags"][i])
    outlet, credit = inc["outlets"][i]
    n = inc["tolls"][i]
    victims = rng.choice(inc["victims"])
    perp = rng.choice(inc["perp"])
    w = when(day, published, rng, "relative")
    pday = pubday(published, rng)
    loc = where(inc, rng)
    kind = inc["kind"]
    ab = inc.get("abducted", [0] * 5)[i]
    nn = rng.choice([words(n), str(n)]) if n <= 12 else str(n)
    be = "were"
    if n == 1:
        nn, be, victims = "one", "was", singular(victims)
    style = (hash_key(inc["key"]) + i) % 6
    if kind == "abduction":
        parts = [
            f"{cap(perp)} {act(inc, rng, f'{ab} {victims}')} {loc} {w}, {credit} said {pday}.",
            rng.choice([f"The {noun(inc, rng)} happened at a school {loc}.",
                        f"Security forces have launched a search for the {victims}.",
                        "No group has claimed responsibility."]),
        ]
    elif kind in INSTRUMENT:
        blast = perp
        texts = [
            f"{cap(blast)} {act(inc, rng, victims)} {loc} {w}, killing {nn} {victims}, {credit} said.",
            f"At least {nn} {victims} {be} killed {w} when {blast} {act(inc, rng, victims)} {loc}, according to {credit}.",
            f"The death toll from the {noun(inc, rng)} {loc} has risen to {nn}, {credit} said {pday}. "
            f"{cap(blast)} {act(inc, rng, victims)} {w}.",
            f"{cap(credit)} said {nn} {victims} died {w} after {blast} {act(inc, rng, victims)} {loc}.",
            f"{cap(nn)} {victims} {be} killed and several others wounded {w} in a {noun(inc, rng)} {loc}, "
            f"{credit} told {outlet}.",
            f"In a statement issued {pday}, {credit} said {blast} had {act_pp(act(inc, rng, victims))} {loc} {w}, "
            f"killing {nn} {victims}.",
        ]
        parts = [texts[style]]
    else:
        a = act(inc, rng, victims)
        texts = [
            f"{cap(perp)} {a} {loc} {w}, killing {nn} {victims}, {credit} said.",
            f"{cap(nn)} {victims} {be} killed {w} when {perp} {a} {loc}, according to {credit}.",
            f"The death toll from the {noun(inc, rng)} {loc} has risen to {nn}, {credit} said {pday}. "
            f"{cap(perp)} {a} {w}.",
            f"{cap(credit)} said at least {nn} {victims} {be} killed {w} after {perp} {a} {loc}.",
            f"{cap(perp)} {a} {loc} {w}. {cap(credit)} said {nn} {victims} {be} killed and others were wounded.",
            f"In a statement issued {pday}, {credit} said {perp} had {act_pp(a)} {loc} {w}, "
            f"killing {nn} {victims}.",
        ]
        parts = [texts[style]]
    filler = [
        f"The area has seen repeated violence in recent months.",
        f"{outlet} could not independently verify the figures.",
        f"Several of the wounded were taken to hospital in critical condition.",
        f"Officials said the number of casualties could rise.",
        "",
    ]
    extra = rng.choice(filler)
    text = " ".join(p for p in parts + [extra] if p)
    if rng.random() < 0.3:
        text = f"{inc['place'].upper()}, {MONTHS[published.month - 1][:3]} {published.day} ({outlet}) - " + text
    return {
        "id": f"{inc['key']}/{i + 1}",
        "published": published.isoformat(),
        "source": outlet,
        "country": inc["country"],
        "title": f"{cap(noun(inc, rng))} in {inc['place']}",
        "text": text,
        "gold": {"incident": inc["key"], "fatalities": n, "abducted": ab or None, "date": inc["date"],
                 "country": inc["country"]},
    }


def singular(v: str) -> str:
    first, _, rest = v.partition(" of ")
    words_ = first.split()
    last = {"people": "person", "children": "child", "men": "man", "policemen": "policeman", "police": "police officer"}.get(
        words_[-1], words_[-1][:-1] if words_[-1].endswith("s") else words_[-1])
    out = " ".join(words_[:-1] + [last])
    return out + (" of " + rest if rest else "")


def act_pp(a: str) -> str:
    """Past participle of an act phrase (the first word)."""
    first, _, rest = a.partition(" ")
    irregular = {"struck": "struck", "fought": "fought", "went": "gone", "shot": "shot", "blew": "blown",
                 "set": "set", "seized": "seized", "launched": "launched", "fired": "fired", "dropped": "dropped"}
    return (irregular.get(first, first) + (" " + rest if rest else ""))


def hash_key(key: str) -> int:
    return sum(ord(c) * (i + 1) for i, c in enumerate(key))


def main() -> None:
    rng = random.Random(20240401)
    lines = []
    for inc in INCIDENTS:
        assert len(inc["tolls"]) == len(inc["lags"]) == len(inc["outlets"]), inc["key"]
        for i in range(len(inc["tolls"])):
            lines.append(report(inc, i, rng))
    rng.shuffle(lines)
    lines.sort(key=lambda d: d["published"])  # the order reports arrive in
    with open(HERE / "reports.jsonl", "w", encoding="utf-8") as fh:
        for d in lines:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"{len(INCIDENTS)} incidents, {len(lines)} reports -> {HERE / 'reports.jsonl'}")


if __name__ == "__main__":
    main()
