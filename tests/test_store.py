"""Tests of warlog.store.db: migrations, round trips, idempotency, rollback; reading what was stored
back through warlog.store.query, with `warlog events`' filters."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from warlog.store import db as store_mod
from warlog.store import query
from warlog.records import Claim, Document, Event, Extraction, Span
from warlog.store.db import Store, event_id_for

TABLES = {"documents", "events", "evidence", "claims", "ingest_errors"}


# ----------------------------------------------------------------------------- helpers
def stored(s: Store, *, country: str | None = None, event_type: str | None = None, sub_event_type: str | None = None,
           limit: int | None = None, offset: int = 0, **kw) -> list[Event]:
    """The reports' events stored, as `warlog events --mentions` reads them (every review state)."""
    query.spellings.clear()  # a new store may reuse a closed one's engine id
    f = query.EventFilter(view="reports", review="all", country=[country] if country else [],
                          event_type=[event_type] if event_type else [],
                          sub_event_type=[sub_event_type] if sub_event_type else [], **kw)
    return list(query.iter_events(s.engine, f, limit=limit, offset=offset, annotate=False))


def make_doc(n: int, text: str | None = None, **kw) -> Document:
    body = text or f"Report {n}: clashes near the town left several people dead."
    return Document(id=f"doc-{n}", text=body, published=date(2024, 3, n % 28 + 1), origin=f"in.jsonl:{n}", **kw)


def make_event(doc: Document, **kw) -> Event:
    fields = dict(
        doc_id=doc.id,
        event_date=date(2024, 3, 1),
        disorder_type="Political violence",
        event_type="Battles",
        sub_event_type="Armed clash",
        actor1="Military Forces of Sudan (2019-)",
        inter1=1,
        actor2="Rapid Support Forces",
        inter2=2,
        interaction="State forces-Rebel group",
        country="Sudan",
        iso3="SDN",
        admin1="Khartoum",
        location="Omdurman",
        latitude=15.6445,
        longitude=32.4777,
        geo_precision=1,
        fatalities=12,
        fatalities_low=10,
        fatalities_high=15,
        fatalities_qualifier="range",
        injured=4,
        reported_by="Reuters",
        confidence=0.8,
        evidence=[Span(start=0, end=6, text=doc.text[0:6]), Span(start=8, end=15, text=doc.text[8:15])],
    )
    fields.update(kw)
    return Event(**fields)


def make_claim(doc: Document, **kw) -> Claim:
    fields = dict(
        doc_id=doc.id,
        kind="tally",
        what="killed",
        value=150,
        low=120,
        high=160,
        qualifier="more than",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 1),
        where=["Darfur", "Kordofan"],
        source="UN OCHA",
        evidence=[Span(start=0, end=6, text=doc.text[0:6])],
    )
    fields.update(kw)
    return Claim(**fields)


def extraction(n: int, *, events: int = 2, claims: int = 1, text: str | None = None, **event_kw) -> Extraction:
    doc = make_doc(n, text)
    return Extraction(
        document=doc,
        events=[make_event(doc, **event_kw) for _ in range(events)],
        claims=[make_claim(doc) for _ in range(claims)],
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh store: an SQLite file, and PostgreSQL where a server can be had (else skipped)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_store")
        return
    s = Store(f"sqlite:///{tmp_path / 'warlog.db'}")
    yield s
    s.close()


# ----------------------------------------------------------------------------- migrations
def test_migration_creates_tables_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "dir" / "w.db"  # parent folders are created
    s = Store(f"sqlite:///{db}")
    try:
        assert db.exists()
        assert TABLES <= set(inspect(s.engine).get_table_names())
        assert s.schema_revision() == s._head() is not None  # head moves as migrations are added
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        indexes = {ix["name"] for ix in inspect(s.engine).get_indexes("events")}
        assert {"ix_events_country_event_date", "ix_events_event_type", "ix_events_event_date"} <= indexes
        assert s.counts() == {"documents": 0, "events": 0, "claims": 0, "errors": 0}
    finally:
        s.close()


def test_metadata_matches_migrations(store: Store) -> None:
    """The Core tables the queries use agree with what the migrations created."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store_mod.metadata)
    assert diff == []


def test_reopen_at_head_does_not_migrate_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    s = Store(url)
    assert s.save_extraction(extraction(1))
    s.record_error("in.jsonl:9", "bad json")
    before = s.counts()
    s.close()

    import alembic.command

    def boom(*a, **k):
        raise AssertionError("upgrade must not run on a database at head")

    monkeypatch.setattr(alembic.command, "upgrade", boom)
    s2 = Store(url)
    try:
        assert s2.counts() == before
        assert s2.schema_revision() == s2._head()
        assert s2.has_document(make_doc(1).content_hash)
    finally:
        s2.close()
    monkeypatch.undo()

    # and upgrade itself, run again on a database at head, is harmless
    s3 = Store(url)
    try:
        from alembic import command

        cfg = s3._alembic_config()
        command.upgrade(cfg, "head")
        assert s3.counts() == before
    finally:
        s3.close()


def test_from_path_or_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini here: migrations are found via the package
    s = Store.from_path_or_url(None)
    s.close()
    assert (tmp_path / "warlog.db").exists()
    s = Store.from_path_or_url(str(tmp_path / "other.db"))
    s.close()
    assert (tmp_path / "other.db").exists()
    s = Store.from_path_or_url("rel/x.db")
    s.close()
    assert (tmp_path / "rel" / "x.db").exists()
    s = Store.from_path_or_url(f"sqlite:///{tmp_path / 'url.db'}")
    s.close()
    assert (tmp_path / "url.db").exists()


def test_in_memory_store() -> None:
    with Store("sqlite://") as s:
        assert s.save_extraction(extraction(1))
        assert s.counts()["events"] == 2


# ----------------------------------------------------------------------------- round trip
def test_save_and_query_round_trip(store: Store) -> None:
    ex = extraction(1)
    ex.events[0].coded_by = ["cues:ambush", "decisions:direct_fight"]  # kept with the event (migration 0005)
    ex.events[1] = make_event(ex.document, event_date=date(2024, 3, 2), fatalities=0, evidence=[], note="extra")
    assert store.save_extraction(ex) is True
    assert store.has_document(ex.document.content_hash)
    assert store.counts() == {"documents": 1, "events": 2, "claims": 1, "errors": 0}

    got = stored(store)
    assert [e.event_id for e in got] == [event_id_for(ex.document.content_hash, 1), event_id_for(ex.document.content_hash, 0)]
    newer, older = got
    assert newer.evidence == [] and newer.fatalities == 0
    assert newer.model_extra == {"note": "extra"}
    expected = ex.events[0].model_copy(update={"event_id": older.event_id})
    assert older == expected  # every column, evidence spans in order
    assert older.evidence[1] == Span(start=8, end=15, text=ex.document.text[8:15])

    cl = store.claims()
    assert cl == ex.claims
    assert store.claims(doc_id="doc-1") == ex.claims
    assert store.claims(doc_id="nope") == []

    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT id, status, error, origin, published FROM documents")).one()
    assert row.id == "doc-1" and row.status == "extracted" and row.error is None and row.origin == "in.jsonl:1"


def test_event_ids_stable_across_stores(tmp_path: Path) -> None:
    ids = []
    for name in ("a.db", "b.db"):
        with Store(f"sqlite:///{tmp_path / name}") as s:
            s.save_extraction(extraction(3, events=3))
            ids.append(sorted(e.event_id for e in stored(s)))
    assert ids[0] == ids[1] and len(set(ids[0])) == 3


def test_given_event_id_is_kept(store: Store) -> None:
    ex = extraction(1, events=1, event_id="custom-1")
    store.save_extraction(ex)
    assert [e.event_id for e in stored(store)] == ["custom-1"]


# ----------------------------------------------------------------------------- idempotency
def test_same_extraction_twice_is_stored_once(store: Store) -> None:
    ex = extraction(1)
    assert store.save_extraction(ex) is True
    before = store.counts()
    assert store.save_extraction(ex) is False
    # the same text differently spaced is the same document, whatever its id
    respaced = Extraction(document=Document(id="other-id", text="  " + ex.document.text.replace(" ", "\n  ") + "\n"))
    assert store.save_extraction(respaced) is False
    assert store.counts() == before


def test_same_id_different_text_is_refused(store: Store) -> None:
    assert store.save_extraction(extraction(1))
    before = store.counts()
    clash = extraction(1, text="Another text entirely, same id.")
    with pytest.raises(ValueError, match="different text"):
        store.save_extraction(clash)
    assert store.counts() == before


# ----------------------------------------------------------------------------- transactions
def test_failure_mid_transaction_rolls_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = extraction(1)
    assert store.save_extraction(first)
    before = store.counts()

    def fail(conn, rows):  # events and evidence are already inserted when this runs
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "_insert_claims", fail)
    second = extraction(2)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.save_extraction(second)

    assert store.counts() == before
    assert store.has_document(first.document.content_hash)
    assert not store.has_document(second.document.content_hash)
    assert {e.doc_id for e in stored(store)} == {"doc-1"}
    assert len(stored(store)[0].evidence) == 2

    monkeypatch.undo()
    assert store.save_extraction(second) is True  # nothing half-stored blocks a retry
    assert store.counts()["documents"] == 2


def test_database_error_rolls_back(store: Store) -> None:
    """A constraint violation after the document row was inserted undoes that row too."""
    assert store.save_extraction(extraction(1, events=1, event_id="dup"))
    bad = extraction(2, events=1, event_id="dup")  # primary key clash on events
    with pytest.raises(Exception):
        store.save_extraction(bad)
    assert not store.has_document(bad.document.content_hash)
    assert store.counts()["documents"] == 1


def test_the_step_passed_to_save_runs_in_its_transaction(store: Store) -> None:
    """What the layer above passes (the ingest service: merging) sees the new rows and, failing,
    takes the document back with it."""
    ex = extraction(1)
    seen = []

    def then(conn, event_ids):
        seen.append((event_ids, conn.execute(text("SELECT count(*) FROM events")).scalar()))
        raise RuntimeError("merging failed")

    with pytest.raises(RuntimeError, match="merging failed"):
        store.save_extraction(ex, then=then)
    ids = [event_id_for(ex.document.content_hash, i) for i in (0, 1)]
    assert seen == [(ids, 2)] and store.counts()["documents"] == 0
    assert store.save_extraction(ex, then=lambda conn, event_ids: seen.append(event_ids)) is True
    assert seen[-1] == ids and store.counts()["events"] == 2


def test_mismatched_doc_id_changes_nothing(store: Store) -> None:
    ex = extraction(1)
    ex.events[0] = ex.events[0].model_copy(update={"doc_id": "someone-else"})
    with pytest.raises(ValueError):
        store.save_extraction(ex)
    assert store.counts()["documents"] == 0


# ----------------------------------------------------------------------------- errors, failures
def test_record_error(store: Store) -> None:
    store.record_error("feeds/a.jsonl:17", "text is empty")
    store.record_error("feeds/a.jsonl:18", "invalid JSON")
    assert store.counts()["errors"] == 2
    errs = store.errors()
    assert [(e["origin"], e["reason"]) for e in errs] == [
        ("feeds/a.jsonl:17", "text is empty"),
        ("feeds/a.jsonl:18", "invalid JSON"),
    ]
    assert errs[0]["at"] is not None


def test_failed_document_is_recorded_then_retried(store: Store) -> None:
    ex = extraction(1)
    assert store.save_failure(ex.document, "extractor crashed") is True
    assert store.save_failure(ex.document, "crashed again") is True
    assert not store.has_document(ex.document.content_hash)
    assert store.counts() == {"documents": 1, "events": 0, "claims": 0, "errors": 2}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT status, error FROM documents")).one() == ("failed", "crashed again")

    assert store.save_extraction(ex) is True
    assert store.has_document(ex.document.content_hash)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT status, error FROM documents")).one() == ("extracted", None)
    assert store.save_failure(ex.document, "late") is False
    assert store.counts()["documents"] == 1


# ----------------------------------------------------------------------------- filters
@pytest.fixture
def filled(store: Store) -> Store:
    store.save_extraction(extraction(1, events=1, event_date=date(2024, 1, 10)))
    store.save_extraction(
        extraction(2, events=1, event_date=date(2024, 2, 10), country="Côte d'Ivoire", iso3="CIV",
                   event_type="Violence against civilians", sub_event_type="Attack",
                   actor1="Unidentified Armed Group (Côte d'Ivoire)", actor2="Civilians (Côte d'Ivoire)")
    )
    store.save_extraction(
        extraction(3, events=1, event_date=date(2024, 3, 10), event_type="Explosions/Remote violence",
                   sub_event_type="Air/drone strike", actor2=None)
    )
    store.save_extraction(extraction(4, events=1, event_date=None))
    store.save_extraction(extraction(5, events=1, event_date=date(2024, 3, 10), actor1="100%_Militia"))
    return store


def test_order_newest_first_undated_last(filled: Store) -> None:
    got = stored(filled)
    same_day = sorted((e.event_id, e.doc_id) for e in got if e.doc_id in ("doc-3", "doc-5"))
    expected = [d for _, d in same_day] + ["doc-2", "doc-1", "doc-4"]  # ties broken by event_id
    assert [e.doc_id for e in got] == expected
    assert got[-1].event_date is None


def test_filters(filled: Store) -> None:
    def docs(**kw) -> set[str]:
        return {e.doc_id for e in stored(filled, **kw)}

    assert docs(country="sudan") == {"doc-1", "doc-3", "doc-4", "doc-5"}
    assert docs(country="SUDAN") == docs(country="Sudan")
    assert docs(country="CÔTE D'IVOIRE") == {"doc-2"}  # Unicode-aware case folding
    assert docs(country="Sud") == set()  # whole names only
    assert docs(since=date(2024, 2, 10)) == {"doc-2", "doc-3", "doc-5"}
    assert docs(until=date(2024, 2, 10)) == {"doc-1", "doc-2"}
    assert docs(since=date(2024, 2, 1), until=date(2024, 2, 28)) == {"doc-2"}
    assert docs(event_type="battles") == {"doc-1", "doc-4", "doc-5"}
    assert docs(sub_event_type="Air/drone strike") == {"doc-3"}
    assert docs(actor="rapid support") == {"doc-1", "doc-4", "doc-5"}
    assert docs(actor="civilians (CÔTE") == {"doc-2"}
    assert docs(actor="100%_") == {"doc-5"}  # LIKE wildcards are escaped
    assert docs(actor="0%") == {"doc-5"}
    assert docs(actor="%") == {"doc-5"}
    assert docs(country="Sudan", event_type="Battles", since=date(2024, 3, 1)) == {"doc-5"}

    all_ids = [e.event_id for e in stored(filled)]
    assert [e.event_id for e in stored(filled, limit=2)] == all_ids[:2]
    assert [e.event_id for e in stored(filled, limit=2, offset=2)] == all_ids[2:4]
    assert [e.event_id for e in stored(filled, offset=3)] == all_ids[3:]
    assert all(len(e.evidence) == 2 for e in stored(filled))


def test_claims_limit_and_order(store: Store) -> None:
    store.save_extraction(extraction(1, events=0, claims=3))
    store.save_extraction(extraction(2, events=0, claims=2))
    assert [c.doc_id for c in store.claims()] == ["doc-1"] * 3 + ["doc-2"] * 2
    assert len(store.claims(limit=2)) == 2
    assert len(store.claims(doc_id="doc-2")) == 2


def test_many_events_evidence_chunks(store: Store) -> None:
    store.save_extraction(extraction(1, events=1200, claims=0))
    got = stored(store)
    assert len(got) == 1200 and all(len(e.evidence) == 2 for e in got)


# ----------------------------------------------------------------------------- PostgreSQL
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory):
    """WARLOG_TEST_PG_URL if set; else a throw-away cluster when initdb/pg_ctl can run; else skip."""
    pytest.importorskip("psycopg", reason="psycopg (PostgreSQL driver) not installed")
    url = os.environ.get("WARLOG_TEST_PG_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL server: set WARLOG_TEST_PG_URL or install initdb/pg_ctl")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("initdb refuses to run as root: set WARLOG_TEST_PG_URL to test PostgreSQL")
    data = tmp_path_factory.mktemp("pgdata")
    port = _free_port()
    try:
        subprocess.run([initdb, "-D", str(data), "-U", "postgres", "-A", "trust"], check=True,
                       capture_output=True, timeout=120)
        subprocess.run([pg_ctl, "-D", str(data), "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
                        "-w", "-l", str(data / "log"), "start"], check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"could not start a PostgreSQL server: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)


@pytest.fixture
def pg_store(pg_url: str):
    """A store in a fresh schema of the PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine

    schema = f"warlog_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_url else "?"
    s = Store(f"{pg_url}{sep}options=-csearch_path%3D{schema}")
    try:
        yield s
    finally:
        s.close()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_postgresql_round_trip(pg_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    s = pg_store
    assert TABLES <= set(inspect(s.engine).get_table_names())
    assert s.schema_revision() == s._head()
    ex = extraction(1)
    assert s.save_extraction(ex) is True
    assert s.save_extraction(ex) is False
    got = stored(s, country="SUDAN", since=date(2024, 1, 1), actor="rapid", limit=10)
    assert len(got) == 2 and all(len(e.evidence) == 2 for e in got)
    assert s.claims() == ex.claims

    monkeypatch.setattr(s, "_insert_claims", lambda conn, rows: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        s.save_extraction(extraction(2))
    monkeypatch.undo()
    assert not s.has_document(make_doc(2).content_hash)
    s.record_error("a:1", "bad")
    assert s.counts() == {"documents": 1, "events": 2, "claims": 1, "errors": 1}
    with s.engine.connect() as conn:
        diff_free = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar()
    assert diff_free == 1
