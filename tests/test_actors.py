"""Tests for the actor dictionary (warlog.extract.actors); sentences are invented for the tests."""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from warlog.extract.actors import (
    ActorDictionary,
    ActorDictionaryError,
    acled_country_name,
    fallback,
    find,
    resolve,
)
from warlog.records import ActorMention

D2020 = date(2020, 6, 1)


@pytest.fixture(scope="module")
def d() -> ActorDictionary:
    return ActorDictionary.load()


def names(d, text, country=None, when=D2020, **kw):
    return [(m.text, m.actor.name) for m in d.find(text, country, when, **kw)]


# --------------------------------------------------------------------------- loading


def test_default_is_cached(d):
    assert ActorDictionary.load() is d
    assert len(d) > 100


# --------------------------------------------------------------------------- aliases


def test_islamic_state_aliases_by_country(d):
    got = names(d, "Daesh militants ambushed a convoy; later ISIL fighters fled.", "Iraq")
    assert got == [("Daesh militants", "Islamic State (Iraq)"), ("ISIL fighters", "Islamic State (Iraq)")]
    assert names(d, "The Islamic State group claimed the raid.", "Syria")[0][1] == "Islamic State (Syria)"
    # branches
    assert names(d, "ISWAP insurgents overran the base.", "Nigeria")[0][1] == "Islamic State (West Africa)"
    assert names(d, "An IS-K suicide bomber struck the shrine.", "Afghanistan")[0][1] == \
        "Islamic State Khorasan Province (ISKP)"
    # the generic alias follows the country's branch
    assert names(d, "IS fighters attacked herders.", "Nigeria")[0][1] == "Islamic State (West Africa)"
    assert names(d, "IS fighters attacked herders.", "Niger", date(2019, 1, 1))[0][1] == \
        "Islamic State (Greater Sahara)"
    assert names(d, "IS fighters attacked herders.", "Niger", date(2023, 1, 1))[0][1] == "Islamic State (Sahel)"


def test_named_groups_and_spans(d):
    text = "Houthi forces fired a missile while al-Shabaab and Hayat Tahrir al-Sham fighters regrouped."
    ms = d.find(text, "Yemen", D2020)
    assert [m.text for m in ms] == ["Houthi forces", "al-Shabaab", "Hayat Tahrir al-Sham fighters"]
    for m in ms:
        assert isinstance(m, ActorMention)
        assert text[m.start:m.end] == m.text
    assert ms[0].actor.name == "Military Forces of Yemen (2016-) Supreme Political Council"
    assert ms[1].actor.name == "Al Shabaab" and ms[1].actor.inter == 2
    assert ms[2].actor.name == "HTS: Hayat Tahrir al Sham"


def test_longest_match_and_separators(d):
    # "Syrian Democratic Forces" beats "Syrian ... forces"; hyphen/space variants match
    assert names(d, "The Syrian Democratic Forces said", "Syria") == \
        [("Syrian Democratic Forces", "QSD: Syrian Democratic Forces")]
    assert names(d, "al Shabaab gunmen", "Somalia")[0][1] == "Al Shabaab"
    assert names(d, "People\u2019s Defence Force units", "Myanmar")[0][1] == "PDF: People's Defense Force"


def test_word_boundaries(d):
    assert names(d, "The Hamasville festival and ISISx software", "Israel") == []
    assert names(d, "A mobile clinic opened.", "Kenya") == []  # "mob" inside "mobile"


def test_generic_templates(d):
    got = dict((t.lower(), n) for t, n in names(d, "Unknown gunmen killed two villagers; police arrived.", "Mexico"))
    assert got["unknown gunmen"] == "Unidentified Armed Group (Mexico)"
    assert got["villagers"] == "Civilians (Mexico)"
    assert got["police"] == "Police Forces of Mexico (2018-2024)"
    assert names(d, "Protesters blocked the road and rioters burned tyres.", "Peru") == [
        ("Protesters", "Protesters (Peru)"), ("rioters", "Rioters (Peru)")]


def test_without_country_keeps_template(d):
    ms = d.find("Soldiers opened fire on demonstrators.")
    assert ms[0].actor.name == "Military Forces of {the_country} ({period})"
    assert ms[0].actor.country is None
    # resolve later, from the mention
    a = d.resolve(ms[0], "Sudan", date(2021, 1, 1))
    assert a.name == "Military Forces of Sudan (2019-)" and a.inter == 1


# --------------------------------------------------------------------------- case-sensitive acronyms


def test_acronyms_are_case_sensitive(d):
    assert names(d, "Is it safe? It is not, said the mayor.", "Iraq") == []
    assert names(d, "IS claimed the attack.", "Iraq") == [("IS", "Islamic State (Iraq)")]
    # "sdf" in lower case is not the SDF
    assert names(d, "the sdf file was corrupted", "Syria") == []
    assert names(d, "SDF fighters", "Syria")[0][1] == "QSD: Syrian Democratic Forces"


def test_all_caps_headline(d):
    # in shouting text an acronym that is also a word is ignored...
    assert [t for t, _ in names(d, "WHY IS THE ARMY STILL HERE?", "Iraq")] == ["ARMY"]
    # ...but a longer acronym phrase still counts, and so does IS in the normal body text
    text = "IS FIGHTERS STORM VILLAGE\nIS militants attacked the village at dawn."
    got = names(d, text, "Iraq")
    assert [n for _, n in got] == ["Islamic State (Iraq)", "Islamic State (Iraq)"]


def test_ambiguous_acronym_by_country(d):
    assert names(d, "SNA troops entered the town.", "Somalia")[0][1] == "Military Forces of Somalia (2017-2022)"
    assert names(d, "SNA factions shelled the town.", "Syria")[0][1] == "JWS: Syrian National Army"
    # "AA" is the Arakan Army only where that makes sense
    assert names(d, "AA fighters seized a camp.", "Myanmar")[0][1] == "ULA/AA: United League of Arakan/Arakan Army"
    assert names(d, "AA fighters seized a camp.", "Kenya") == []


# --------------------------------------------------------------------------- periods


def test_period_by_date(d):
    assert d.resolve("military", "Syria", date(2020, 3, 1)).name == "Military Forces of Syria (2000-2024)"
    assert d.resolve("military", "Syria", date(2025, 2, 1)).name == "Military Forces of Syria (2024-)"
    assert d.resolve("police", "Nigeria", date(2022, 1, 1)).name == "Police Forces of Nigeria (2015-2023)"
    assert d.resolve("police", "NG", date(2023, 8, 1)).name == "Police Forces of Nigeria (2023-)"
    assert d.resolve("military", "Ukraine", date(2022, 3, 1)).name == "Military Forces of Ukraine (2019-)"
    # as an export made at the end of 2020 named it
    assert d.resolve("military", "Syria", date(2020, 3, 1), as_of=date(2020, 12, 31)).name == \
        "Military Forces of Syria (2000-)"
    assert d.period("Afghanistan", date(2019, 5, 5)) == "2014-2021"


def test_country_without_period_table(d):
    a = d.resolve("military", "Iceland", date(2020, 1, 1))
    assert a.name == "Military Forces of Iceland"


def test_the_countries(d):
    assert d.resolve("police", "PH", date(2020, 1, 1)).name == "Police Forces of the Philippines (2016-2022)"
    assert d.resolve("civilians", "PH").name == "Civilians (Philippines)"


def test_taliban_before_and_after_takeover(d):
    before = d.find("Taliban fighters attacked a checkpoint.", "Afghanistan", date(2020, 5, 1))[0].actor
    after = d.find("Taliban fighters attacked a checkpoint.", "Afghanistan", date(2022, 5, 1))[0].actor
    assert (before.name, before.inter) == ("Taliban", 2)
    assert (after.name, after.inter) == ("Military Forces of Afghanistan (2021-)", 1)


# --------------------------------------------------------------------------- external forces


def test_external_forces_inter_8(d):
    ru_syria = d.find("Russian warplanes bombed the market.", "Syria", D2020)[0].actor
    assert ru_syria.name == "Military Forces of Russia (2000-)" and ru_syria.inter == 8
    ru_home = d.find("Russian troops held an exercise.", "Russia", D2020)[0].actor
    assert ru_home.inter == 1
    tr = d.find("Turkish drones struck a car near Qamishli.", "Syria", D2020)[0].actor
    assert (tr.name, tr.inter, tr.country) == ("Military Forces of Turkey (2016-)", 8, "Turkey")
    idf = d.find("The IDF demolished a house.", "Palestine", D2020)[0].actor
    assert (idf.name, idf.inter) == ("Military Forces of Israel (2009-2021)", 8)
    # non-state groups keep their code abroad
    assert d.find("Hezbollah fighters arrived.", "Syria", D2020)[0].actor.inter == 3


# --------------------------------------------------------------------------- demonyms


def test_demonym_phrases(d):
    got = names(d, "Iraqi police detained Syrian civilians near the Turkish army post.", "Iraq",
                date(2023, 3, 1))
    assert got == [
        ("Iraqi police", "Police Forces of Iraq (2022-)"),
        ("Syrian civilians", "Civilians (Syria)"),
        ("Turkish army", "Military Forces of Turkey (2016-)"),
    ]
    assert names(d, "US drones hit a compound.", "Somalia")[0][1].startswith("Military Forces of the United States")
    # "us" as a pronoun is not the United States
    assert names(d, "They told us troops were coming.", "Somalia") == [("troops", "Military Forces of Somalia (2017-2022)")]


def test_noun_of_country(d):
    got = names(d, "The military forces of Azerbaijan shelled positions.", "Azerbaijan")
    assert got == [("military forces of Azerbaijan", "Military Forces of Azerbaijan (2003-)")]


# --------------------------------------------------------------------------- units, associates, recast


def test_units_and_columns(d):
    m = d.find("A member of the 4th Division was shot.", "Syria", D2020)[0]
    assert m.actor.name == "Military Forces of Syria (2000-2024)"
    assert m.actor.associate == "4th Armored Division"
    assert d.columns(m.actor) == ("Military Forces of Syria (2000-2024) 4th Armored Division", None)
    pmf = d.find("PMF units repelled the attack.", "Iraq", D2020)[0].actor
    assert d.columns(pmf) == ("Military Forces of Iraq (2018-2022) Popular Mobilization Forces", None)


def test_social_group_recast_to_protesters(d):
    m = d.find("Medical interns protested outside the hospital.", "Israel", D2020)[0]
    assert (m.actor.name, m.actor.associate) == ("Civilians (Israel)", "Health Workers (Israel)")
    p = d.recast(m.actor, 6)
    assert (p.name, p.inter, p.associate) == ("Protesters (Israel)", 6, "Health Workers (Israel)")
    assert d.columns(p) == ("Protesters (Israel)", "Health Workers (Israel)")


def test_settlers(d):
    a = d.find("Israeli settlers attacked a Palestinian farmer.", "Palestine", D2020)
    assert (a[0].actor.name, a[0].actor.associate) == ("Rioters (Israel)", "Settlers (Israel)")
    assert a[1].actor.name == "Civilians (Palestine)"


# --------------------------------------------------------------------------- helpers


def test_acled_country_name():
    assert acled_country_name("SY") == "Syria"
    assert acled_country_name("COD") == "Democratic Republic of Congo"
    assert acled_country_name("CD") == "Democratic Republic of Congo"
    assert acled_country_name("Russian Federation") == "Russia"
    assert acled_country_name("Iran, Islamic Republic of") == "Iran"
    assert acled_country_name("PS") == "Palestine"
    assert acled_country_name("C\u00f4te d'Ivoire") == "Ivory Coast"
    assert acled_country_name("Türkiye") == "Turkey"
    assert acled_country_name("Somaliland") == "Somaliland"


def test_fallback_and_module_shortcuts():
    a = fallback("YE")
    assert (a.name, a.inter, a.country) == ("Unidentified Armed Group (Yemen)", 3, "Yemen")
    assert find("Gunmen fired.", "Yemen", D2020)[0].actor.name == "Unidentified Armed Group (Yemen)"
    assert resolve("Peshmerga", "Iraq", D2020).inter == 1
    with pytest.raises(KeyError):
        resolve("no such armed group at all")


# --------------------------------------------------------------------------- extension files


def test_user_extension_file(tmp_path: Path):
    ext = tmp_path / "mine.yaml"
    ext.write_text(
        """
demonyms:
  Ruritanian: Ruritania
periods:
  Ruritania:
    - {from: 2019-03-01, to: null}
actors:
  - key: black_lions
    name: "Black Lions Brigade"
    inter: 3
    country: Ruritania
    aliases: [Black Lions, BLB]
  - key: al_shabaab          # extend an existing entry: aliases are added
    aliases: [the Youth Movement]
""",
        encoding="utf-8",
    )
    d = ActorDictionary.load(extra=[ext])
    assert d is not ActorDictionary.load()
    got = names(d, "Black Lions and Ruritanian soldiers clashed; the Youth Movement watched.", "Ruritania")
    assert got == [
        ("Black Lions", "Black Lions Brigade"),
        ("Ruritanian soldiers", "Military Forces of Ruritania (2019-)"),
        ("the Youth Movement", "Al Shabaab"),
    ]
    assert names(d, "al-Shabaab", "Somalia")[0][1] == "Al Shabaab"  # old aliases kept


def test_malformed_yaml_syntax(tmp_path: Path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("actors:\n  - key: x\n    aliases: [unclosed\n", encoding="utf-8")
    with pytest.raises(ActorDictionaryError) as e:
        ActorDictionary.load(extra=[bad])
    assert "broken.yaml" in str(e.value) and "invalid YAML" in str(e.value)


def test_malformed_entry_names_file_and_entry(tmp_path: Path):
    bad = tmp_path / "bad_entry.yaml"
    bad.write_text(
        "actors:\n  - {key: fine, name: Fine Group, inter: 3, aliases: [Fine Group]}\n"
        "  - {key: wrong, name: Wrong Group, inter: 9, aliases: [Wrong Group]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ActorDictionaryError) as e:
        ActorDictionary.load(extra=[bad])
    msg = str(e.value)
    assert "bad_entry.yaml" in msg and "actors[1]" in msg and "'wrong'" in msg and "inter" in msg

    for body, needle in [
        ("actors:\n  - {key: a, name: 'X ({land})', inter: 3}\n", "placeholder"),
        ("actors:\n  - {key: a, base: nowhere, aliases: [A]}\n", "base"),
        ("actors:\n  - {key: a, name: A, inter: 3, colour: red}\n", "unknown field"),
        ("actors:\n  - {name: A, inter: 3}\n", "key"),
        ("periods:\n  Syria: [{from: yesterday}]\n", "date"),
    ]:
        bad.write_text(body, encoding="utf-8")
        with pytest.raises(ActorDictionaryError, match=needle):
            ActorDictionary.load(extra=[bad])


# --------------------------------------------------------------------------- speed


def test_find_is_fast(d):
    para = ("On Tuesday, unidentified gunmen attacked a checkpoint manned by Syrian troops near the "
            "town, killing two soldiers, while Turkish drones struck SDF positions further east. "
            "Residents said IS cells remain active in the desert and that police arrested a man. ")
    text = para * 40  # ~10 kB
    d.find(text, "Syria", D2020)
    t = time.perf_counter()
    for _ in range(5):
        d.find(text, "Syria", D2020)
    per_kb = (time.perf_counter() - t) / 5 / (len(text) / 1000)
    assert per_kb < 0.005  # generous bound (measured well under 1 ms per kB)
