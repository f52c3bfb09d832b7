"""Cross-source merging, reconciliation and history, through the real store (SQLite in tmp_path)."""
from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from warlog.merge import dedup
from warlog.merge.crosscheck import crosscheck
from warlog.ingest.service import save
from warlog.merge.dedup import merge_extractions, merge_pending, provenance
from warlog.records import Claim, Document, Event, Extraction, MergedEvent, Span
from warlog.store import query
from warlog.store.db import Store, event_links, merged_history

from conftest import open_test_store

SUKHNA = dict(country="Syria", admin1="Homs", location="Al-Sukhnah", latitude=34.88, longitude=38.87, geo_precision=1)
IS_VS_ARMY = dict(actor1="Islamic State (Syria)", inter1=2, actor2="Military Forces of Syria (2000-2024)", inter2=1)


def report(doc_id: str, text: str, published: date, *, outlet: str = "Outlet", **event_kw) -> Extraction:
    doc = Document(id=doc_id, text=text, published=published, source=outlet)
    fields = dict(doc_id=doc_id, event_date=date(2024, 3, 27), time_precision=1, disorder_type="Political violence",
                  event_type="Battles", sub_event_type="Armed clash", fatalities=0, reported_by="SOHR",
                  confidence=0.8, evidence=[Span(start=0, end=len(text), text=text)], **SUKHNA, **IS_VS_ARMY)
    fields.update(event_kw)
    return Extraction(document=doc, events=[Event(**fields)])


def ambush(n: int, toll: int, published: date, qualifier: str | None = None, **kw) -> Extraction:
    text = {
        1: f"Islamic State militants ambushed an army convoy near Sukhna in Homs province, killing {toll} soldiers, "
           f"the Syrian Observatory for Human Rights said.",
        2: f"{toll} soldiers were killed when IS fighters attacked a military convoy outside Sukhna, activists said.",
        3: f"The death toll from the ambush on government troops near Sukhna has risen to {toll}, a war monitor said.",
        4: f"The defence ministry said {toll} soldiers died after jihadists struck a column of troops near Sukhna.",
    }[n]
    low = toll if qualifier == "at least" else None
    return report(f"ambush-{n}", text, published, outlet=f"Outlet {n}", fatalities=toll, fatalities_low=low,
                  fatalities_qualifier=qualifier, **kw)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'w.db'}")
    yield s
    s.close()


def merged_events(s: Store) -> list[MergedEvent]:
    return list(query.iter_events(s.engine, query.EventFilter()))  # type: ignore[arg-type]


def links(s: Store) -> dict[str, str]:
    with s.engine.connect() as conn:
        return {r.event_id: r.merged_id for r in conn.execute(select(event_links))}


def merged_of_doc(s: Store) -> dict[str, str]:
    from warlog.store.db import events

    with s.engine.connect() as conn:
        q = select(events.c.doc_id, event_links.c.merged_id).join(event_links, event_links.c.event_id == events.c.event_id)
        return {r.doc_id: r.merged_id for r in conn.execute(q)}


# ----------------------------------------------------------------------------- merge rules
def test_reports_of_one_incident_become_one_event_with_ranges_and_sources(store: Store) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27), "at least"))
    save(store, ambush(2, 7, date(2024, 3, 28)))
    save(store, ambush(3, 8, date(2024, 3, 30)))
    [ev] = merged_events(store)
    assert (ev.fatalities, ev.fatalities_low, ev.fatalities_high) == (8, 5, 8)
    assert ev.number_of_sources == 3 and ev.doc_ids == ["ambush-1", "ambush-2", "ambush-3"]
    assert ev.outlets == ["Outlet 1", "Outlet 2", "Outlet 3"]
    assert (ev.first_reported, ev.latest_reported) == (date(2024, 3, 27), date(2024, 3, 30))
    assert ev.event_id == dedup.merged_id_for(next(iter(links(store))))  # the founding report's id


def test_two_fronts_in_one_province_on_one_day_stay_apart(store: Store) -> None:
    idlib = dict(country="Syria", admin1="Idlib", geo_precision=1)
    a = report("kafr-nabl", "HTS fighters attacked army positions in Kafr Nabl, killing 4 soldiers.",
               date(2024, 4, 10), location="Kafranbel", latitude=35.61, longitude=36.56, fatalities=4,
               actor1="HTS: Hayat Tahrir al Sham", **{k: v for k, v in idlib.items()})
    b = report("saraqib", "Russian jets struck a residential block in Saraqib, killing 3 civilians.",
               date(2024, 4, 10), location="Saraqib", latitude=35.86, longitude=36.80, fatalities=3,
               event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
               actor1="Military Forces of Russia (2000-)", actor2="Civilians (Syria)", inter2=7, **idlib)
    c = report("maaret", "HTS fighters attacked army positions on the Maaret Alia front, killing 2 soldiers.",
               date(2024, 4, 10), location="Maaret Alia", latitude=35.70, longitude=36.70, fatalities=2,
               actor1="HTS: Hayat Tahrir al Sham", **idlib)
    for ex in (a, b, c):
        save(store, ex)
    assert len(set(links(store).values())) == 3


def test_same_place_and_day_but_other_victims_and_tolls_stay_apart(store: Store) -> None:
    save(store, report("mog-1", "A suicide bomber killed 10 diners at a restaurant in Mogadishu's Hodan district.",
                                 date(2024, 3, 14), country="Somalia", admin1="Banaadir", location="Mogadishu",
                                 latitude=2.04, longitude=45.34, fatalities=10, event_type="Explosions/Remote violence",
                                 sub_event_type="Suicide bomb", actor1="Al Shabaab", actor2="Civilians (Somalia)"))
    save(store, report("mog-2", "A roadside bomb killed 2 soldiers at a checkpoint in Dharkenley district, Mogadishu.",
                                 date(2024, 3, 14), country="Somalia", admin1="Banaadir", location="Mogadishu",
                                 latitude=2.04, longitude=45.34, fatalities=2, event_type="Explosions/Remote violence",
                                 sub_event_type="Remote explosive/landmine/IED", actor1="Al Shabaab",
                                 actor2="Military Forces of Somalia (2022-)"))
    assert len(set(links(store).values())) == 2


def test_dates_apart_more_than_their_precision_allows_stay_apart(store: Store) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27)))
    save(store, ambush(2, 5, date(2024, 4, 3), event_date=date(2024, 4, 3)))
    assert len(set(links(store).values())) == 2


def test_week_precision_report_joins_the_day_it_covers(store: Store) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27)))
    save(store, ambush(3, 8, date(2024, 4, 1), event_date=date(2024, 3, 25), time_precision=2))
    [ev] = merged_events(store)
    assert ev.event_date == date(2024, 3, 27) and ev.time_precision == 1  # the precise report's day


def test_events_of_one_document_never_merge_with_each_other(store: Store) -> None:
    text = "IS ambushed soldiers near Sukhna, killing 8. IS ambushed soldiers near Sukhna again, killing 6."
    doc = Document(id="two", text=text, published=date(2024, 3, 30))
    evs = [Event(doc_id="two", event_date=date(2024, 3, 27), disorder_type="Political violence", event_type="Battles",
                 sub_event_type="Armed clash", fatalities=n, evidence=[Span(start=0, end=10, text=text[:10])],
                 **SUKHNA, **IS_VS_ARMY) for n in (8, 6)]
    save(store, Extraction(document=doc, events=evs))
    assert len(set(links(store).values())) == 2


def test_reports_coded_differently_still_merge(store: Store) -> None:
    """Two reports of one bombing as extraction codes them: a suicide bomb against an IED, the police
    who reported it against the army as a side, the province against the city, 2 dead then 5."""
    kabul = dict(country="Afghanistan", admin1="Kabul", event_type="Explosions/Remote violence")
    save(store, report(
        "kabul-1", "The death toll from the suicide bombing in the Dasht-e-Barchi district of Kabul has risen to 2, "
        "police said.", date(2024, 1, 11), event_date=date(2024, 1, 11), location="Kabul Province", latitude=34.53,
        longitude=69.17, geo_precision=3, fatalities=2, sub_event_type="Suicide bomb",
        actor1="Police Forces of Afghanistan (2021-)", actor2=None, inter1=1, inter2=None, **kabul))
    save(store, report(
        "kabul-2", "The interior ministry said 5 worshippers died on January 11 after a bomber set off an explosive "
        "vest in Kabul's Dasht-e-Barchi district.", date(2024, 1, 12), event_date=date(2024, 1, 11), location="Kabul",
        latitude=34.528, longitude=69.172, geo_precision=1, fatalities=5, sub_event_type="Remote explosive/landmine/IED",
        actor1="Military Forces of Afghanistan (2021-)", actor2="Civilians (Afghanistan)", inter1=1, inter2=7, **kabul))
    [ev] = merged_events(store)
    assert (ev.fatalities, ev.fatalities_low, ev.fatalities_high, ev.number_of_sources) == (5, 2, 5, 2)
    assert ev.location == "Kabul"  # the finer place


def test_a_toll_that_rises_tenfold_over_days_stays_one_event(store: Store) -> None:
    save(store, ambush(1, 2, date(2024, 3, 27)))
    save(store, ambush(2, 12, date(2024, 3, 28), actor1=IS_VS_ARMY["actor2"], actor2=IS_VS_ARMY["actor1"],
                                 inter1=1, inter2=2))  # the sides the other way round
    save(store, ambush(3, 19, date(2024, 3, 30)))
    [ev] = merged_events(store)
    assert (ev.fatalities, ev.fatalities_low, ev.fatalities_high, ev.number_of_sources) == (19, 2, 19, 3)


def test_a_report_placed_only_in_the_country_joins_by_what_its_text_names(store: Store) -> None:
    mali = dict(country="Mali", actor1="JNIM: Group for Support of Islam and Muslims", inter1=2,
                actor2="Military Forces of Mali (2021-)", inter2=1, event_date=date(2024, 9, 16))
    save(store, report("boni-1", "At least 9 soldiers were killed when JNIM militants attacked an army "
                                 "patrol near Boni.", date(2024, 9, 17), admin1=None, location="Mali", latitude=17.0,
                                 longitude=-4.0, geo_precision=3, fatalities=9, fatalities_qualifier="at least", **mali))
    save(store, report("boni-2", "JNIM fighters attacked an army patrol in Boni, Mopti. 12 soldiers were "
                                 "killed.", date(2024, 9, 19), admin1="Mopti", location="Boni", latitude=15.03,
                                 longitude=-2.0, geo_precision=1, fatalities=12, **mali))
    # the same day, the same country, placed no finer, but elsewhere by its text: apart
    save(store, report("kidal", "JNIM fighters attacked an army convoy near Anefis, killing 4 soldiers.",
                                 date(2024, 9, 18), admin1=None, location="Mali", latitude=17.0, longitude=-4.0,
                                 geo_precision=3, fatalities=4, **mali))
    got = merged_of_doc(store)
    assert got["boni-1"] == got["boni-2"] != got["kidal"]


def test_other_named_groups_at_the_same_place_and_day_stay_apart(store: Store) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27)))
    save(store, report("hts", "HTS fighters attacked army positions near Sukhna, killing 3 soldiers.",
                                 date(2024, 3, 28), fatalities=3, actor1="HTS: Hayat Tahrir al Sham",
                                 actor2="Military Forces of Russia (2000-)", inter2=8))
    assert len(set(links(store).values())) == 2


# ----------------------------------------------------------------------------- the rules are data
@pytest.fixture
def rules_folder(tmp_path: Path):
    """A user's rules folder laid over the built-in rules while the test runs."""
    from warlog import rules

    folder = tmp_path / "rules"
    folder.mkdir()
    yield lambda: rules.configure([folder])
    rules.configure()


def test_a_rules_folder_changes_how_reports_merge(store: Store, rules_folder, tmp_path: Path) -> None:
    (tmp_path / "rules" / "merge.yaml").write_text("entries:\n- id: threshold\n  value: 50\n", encoding="utf-8")
    rules_folder()
    assert dedup.merge_rules().threshold == 50
    save(store, ambush(1, 5, date(2024, 3, 27)))
    save(store, ambush(2, 7, date(2024, 3, 28)))
    assert len(set(links(store).values())) == 2  # no score reaches 50
    from warlog import rules

    rules.configure()  # the built-in rules again: the next report joins one of them
    save(store, ambush(3, 8, date(2024, 3, 30)))
    assert len(set(links(store).values())) == 2 and len(links(store)) == 3


@pytest.mark.parametrize("file, text, words", [
    ("merge", "- id: type_scores\n  value: {same: 1.0}", "type_scores"),
    ("merge", "- id: locative_words\n  value: ['(unclosed']", "locative_words"),
    ("lexicon", "- id: victims_police\n  terms: ['police(men)?']", "victims_police"),
])
def test_broken_merging_rules_say_which_entry(rules_folder, tmp_path: Path, file: str, text: str, words: str) -> None:
    from warlog import rules

    (tmp_path / "rules" / f"{file}.yaml").write_text("entries:\n" + text + "\n", encoding="utf-8")
    rules_folder()
    with pytest.raises(rules.RuleError, match=words):
        dedup.merge_rules()


# ----------------------------------------------------------------------------- incremental, stable, idempotent
def test_ids_are_stable_and_rerunning_changes_nothing(store: Store, tmp_path: Path) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27)))
    first = merged_events(store)[0].event_id
    save(store, ambush(2, 7, date(2024, 3, 28)))
    save(store, ambush(4, 8, date(2024, 3, 29)))
    assert [e.event_id for e in merged_events(store)] == [first]
    before = {t: _count(tmp_path / "w.db", t) for t in ("merged_events", "event_links", "merged_history")}
    assert save(store, ambush(2, 7, date(2024, 3, 28))) is False
    assert merge_pending(store) == {"assigned": 0, "created": 0, "updated": 0}
    assert {t: _count(tmp_path / "w.db", t) for t in before} == before


def test_merge_picks_up_reports_stored_without_merging(store: Store) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27)), merge=False)  # as after a crash between storing and merging
    save(store, ambush(2, 7, date(2024, 3, 28)), merge=False)
    assert links(store) == {} and query.unmerged_count(store.engine) == 2
    assert merge_pending(store)["assigned"] == 2
    save(store, ambush(3, 9, date(2024, 3, 29)))  # later reports join incrementally
    [ev] = merged_events(store)
    assert ev.number_of_sources == 3 and ev.fatalities == 9


def test_merge_rolls_back_with_the_document(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dedup, "_bulk_insert", lambda *a: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        save(store, ambush(1, 5, date(2024, 3, 27)))
    monkeypatch.undo()
    assert store.counts()["events"] == 0  # stored and merged together, or not at all
    assert save(store, ambush(1, 5, date(2024, 3, 27))) is True
    assert len(links(store)) == 1


# ----------------------------------------------------------------------------- reconciliation and history
def test_latest_most_specific_report_gives_the_best_estimate(store: Store) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27)))
    save(store, ambush(2, 9, date(2024, 3, 28), "at least"))
    save(store, ambush(3, 3, date(2024, 3, 29), "vague"))  # "several": no better than a number
    [ev] = merged_events(store)
    assert (ev.fatalities, ev.fatalities_low, ev.fatalities_high) == (9, 5, 9)


def test_death_toll_rise_keeps_the_earlier_value_with_its_source(store: Store) -> None:
    save(store, ambush(1, 100, date(2024, 3, 22), "at least"))
    save(store, ambush(3, 144, date(2024, 3, 24)))
    [ev] = merged_events(store)
    p = provenance(store, ev.event_id)
    tolls = [(h["value"], h["doc_id"], h["reported"]) for h in p["history"] if h["field"] == "fatalities"]
    assert tolls == [(100, "ambush-1", "2024-03-22"), (144, "ambush-3", "2024-03-24")]
    assert p["fields"]["fatalities"]["doc_id"] == "ambush-3"
    assert "144" in p["fields"]["fatalities"]["evidence"][0]["text"]
    assert [s["outlet"] for s in p["sources"]] == ["Outlet 1", "Outlet 3"]
    assert all(s["reported_by"] == "SOHR" and s["evidence"] for s in p["sources"])


def test_a_single_report_has_no_history_rows(store: Store) -> None:
    save(store, ambush(1, 5, date(2024, 3, 27)))
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(merged_history)).scalar() == 0


# ----------------------------------------------------------------------------- batch, claims
def test_merge_extractions_gives_doc_ids() -> None:
    out = merge_extractions([ambush(1, 5, date(2024, 3, 27)), ambush(2, 7, date(2024, 3, 28))])
    assert len(out) == 1 and out[0].doc_ids == ["ambush-1", "ambush-2"]
    assert (out[0].fatalities, out[0].fatalities_low, out[0].fatalities_high) == (7, 5, 7)


def test_tally_is_checked_against_the_incidents_inside_it(store: Store) -> None:
    save(store, ambush(1, 8, date(2024, 3, 27)))
    ex = report("other", "IS ambushed soldiers on the Palmyra road, killing 6.", date(2024, 3, 30),
                location="Palmyra", latitude=34.56, longitude=38.28, fatalities=6)
    ex.claims.append(Claim(doc_id="other", kind="tally", what="soldiers (killed)", value=200, qualifier="about",
                           period_start=date(2024, 1, 1), period_end=date(2024, 4, 1), where=["Homs", "Raqqa"],
                           source="SOHR"))
    save(store, ex)
    save(store, report("civ", "IS killed 3 civilians near Sukhna.", date(2024, 3, 30), fatalities=3,
                                 event_type="Violence against civilians", sub_event_type="Attack",
                                 actor2="Civilians (Syria)", inter2=7, civilian_targeting="Civilian targeting",
                                 location="Sukhna East", latitude=35.2, longitude=39.3))
    [chk] = crosscheck(store)
    assert chk.victims == "state forces" and chk.best == 14 and len(chk.incidents) == 2


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]


def test_merging_on_postgresql(tmp_path: Path) -> None:
    """The same rules on PostgreSQL (WARLOG_TEST_PG_URL), in a schema of its own."""
    with open_test_store("postgresql", tmp_path, "merge") as s:
        save(s, ambush(1, 5, date(2024, 3, 27), "at least"))
        save(s, ambush(2, 8, date(2024, 3, 28)))
        [ev] = merged_events(s)
        assert (ev.fatalities, ev.fatalities_low, ev.fatalities_high, ev.number_of_sources) == (8, 5, 8, 2)
        assert [h["value"] for h in provenance(s, ev.event_id)["history"] if h["field"] == "fatalities"] == [5, 8]
        assert merge_pending(s)["assigned"] == 0
