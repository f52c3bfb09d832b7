"""The HTTP API in process: filters, sorting, pages, stats, claims, documents, review, access, bad requests."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from warlog.cli import demo
from warlog.ingest.service import save
from warlog.serve.api import create_app
from warlog.serve.auth import create_token
from warlog.records import Claim, Document, Extraction, Span
from warlog.store.db import Store, events

from conftest import open_test_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path):
    with open_test_store(request.param, tmp_path, "api") as s:
        yield from _filled(s)


def _filled(s):
    for x in demo.extractions(120, seed=3):
        save(s, x)
    doc = Document(id="claims-doc", text="Since January, 1,200 people have been killed in the province, the UN said.",
                   published=date(2024, 3, 1), country="Syria")
    save(s, Extraction(document=doc, claims=[Claim(doc_id=doc.id, kind="tally", what="killed", value=1200,
                                                             where=["Idlib"], evidence=[Span(start=0, end=60, text=doc.text[:60])])]))
    yield s


@pytest.fixture()
def client(store):
    return TestClient(create_app(store))


@pytest.fixture()
def token(store):
    return create_token(store.engine, "analyst-a")


def snapshot(store: Store) -> dict:
    """Everything a write could change."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"select * from {t} order by 1"))]
                for t in ("events", "event_overrides", "event_reviews", "audit_log", "documents", "claims")}


# ----------------------------------------------------------------------------- reads
def test_events_filters_sort_and_pages(client):
    r = client.get("/api/events", params={"country": "syria", "event_type": "Battles", "per_page": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] > 0 and len(body["items"]) <= 5
    assert {e["country"] for e in body["items"]} == {"Syria"}  # case ignored
    assert {e["event_type"] for e in body["items"]} == {"Battles"}
    dates = [e["event_date"] for e in body["items"]]
    assert dates == sorted(dates, reverse=True)
    everything = client.get("/api/events", params={"per_page": 500}).json()
    assert everything["total"] == 120
    p2 = client.get("/api/events", params={"per_page": 50, "page": 2}).json()["items"]
    assert [e["event_id"] for e in p2] == [e["event_id"] for e in everything["items"][50:100]]
    by_deaths = client.get("/api/events", params={"sort": "-fatalities", "per_page": 500}).json()["items"]
    assert [e["fatalities"] for e in by_deaths] == sorted((e["fatalities"] for e in by_deaths), reverse=True)


def test_event_filter_each_kind(client):
    all_ = client.get("/api/events", params={"per_page": 500}).json()["items"]
    def ids(**params):
        return {e["event_id"] for e in client.get("/api/events", params={"per_page": 500, **params}).json()["items"]}
    assert ids(since="2024-02-01", until="2024-02-29") == {e["event_id"] for e in all_ if "2024-02-01" <= e["event_date"] <= "2024-02-29"}
    assert ids(min_fatalities=5) == {e["event_id"] for e in all_ if e["fatalities"] >= 5}
    assert ids(admin1="Idlib") == {e["event_id"] for e in all_ if e["admin1"] == "Idlib"}
    assert ids(actor="shabaab") == {e["event_id"] for e in all_ if "Al Shabaab" in (e["actor1"] or "") + (e["actor2"] or "")}
    assert ids(bbox="30,30,50,40") == {e["event_id"] for e in all_ if 30 <= e["longitude"] <= 50 and 30 <= e["latitude"] <= 40}
    assert ids(sub_event_type="Armed clash") == {e["event_id"] for e in all_ if e["sub_event_type"] == "Armed clash"}
    assert ids(country=["Iraq", "Nigeria"]) == {e["event_id"] for e in all_ if e["country"] in ("Iraq", "Nigeria")}
    assert ids(country="Iraq|Nigeria") == ids(country=["Iraq", "Nigeria"])
    assert all_[0]["event_id"] in ids(q=all_[0]["location"])
    assert ids(q="fighters") == {e["event_id"] for e in all_ if e["event_type"] == "Battles"}  # words of the evidence


def test_event_detail_has_sources_evidence_and_history(client):
    eid = client.get("/api/events", params={"per_page": 1}).json()["items"][0]["event_id"]
    d = client.get(f"/api/events/{eid}").json()
    assert d["event"]["event_id"] == eid
    src = d["sources"][0]
    span = src["evidence"][0]
    assert src["document"]["text"][span["start"]:span["end"]] == span["text"]
    assert d["history"] == []
    assert client.get("/api/events/nope").status_code == 404
    doc = client.get(f"/api/documents/{d['event']['doc_id']}").json()
    assert doc["merged_ids"] == [eid] and doc["status"] == "extracted"  # the list serves incidents
    assert d["kind"] == "incident" and d["event"]["mentions"] == doc["event_ids"]
    report = client.get(f"/api/events/{doc['event_ids'][0]}").json()  # a report's own event, in its incident
    assert report["kind"] == "report" and report["merged_id"] == eid and report["event"]["doc_id"] == doc["document"]["id"]
    assert client.get("/api/documents/missing").status_code == 404


def test_stats_by_week_month_type_actor_admin1(client):
    all_ = client.get("/api/events", params={"per_page": 500}).json()["items"]
    weekly = client.get("/api/stats", params={"interval": "week", "by": "event_type"}).json()["rows"]
    assert sum(r["events"] for r in weekly) == 120
    assert sum(r["fatalities"] for r in weekly) == sum(e["fatalities"] for e in all_)
    assert all(date.fromisoformat(r["period"]).weekday() == 0 for r in weekly)  # weeks start on Monday
    monthly = client.get("/api/stats", params={"interval": "month", "by": "admin1", "country": "Iraq"}).json()["rows"]
    assert {r["period"][8:] for r in monthly} == {"01"}
    assert sum(r["events"] for r in monthly) == sum(1 for e in all_ if e["country"] == "Iraq")
    actors = client.get("/api/stats", params={"interval": "none", "by": "actor"}).json()["rows"]
    assert sum(r["events"] for r in actors) == 120 and all("period" not in r or r["period"] is None for r in actors)


def test_claims_and_openapi(client):
    c = client.get("/api/claims").json()
    assert c["total"] == 1 and c["items"][0]["value"] == 1200 and c["items"][0]["kind"] == "tally"
    assert client.get("/api/claims", params={"kind": "estimate"}).json()["total"] == 0
    spec = client.get("/openapi.json").json()
    for path in ("/api/events", "/api/events/{event_id}", "/api/claims", "/api/stats", "/api/documents/{doc_id}",
                 "/api/acled/read", "/oauth/token"):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200


# ----------------------------------------------------------------------------- bad requests
@pytest.mark.parametrize("params, words", [
    ({"colour": "red"}, "unknown parameter"),
    ({"since": "2024-02-30"}, "since"),
    ({"since": "yesterday"}, "since"),
    ({"since": "2024-03-01", "until": "2024-01-01"}, "after"),
    ({"page": "-1"}, "page"),
    ({"page": "0"}, "page"),
    ({"per_page": "1000000"}, "per_page"),
    ({"per_page": "abc"}, "per_page"),
    ({"min_fatalities": "-3"}, "min_fatalities"),
    ({"country": "Syria' OR 1=1 --"}, "looks like SQL"),
    ({"country": "x'; DROP TABLE events;--"}, "looks like SQL"),
    ({"actor": "a UNION SELECT token_hash FROM api_tokens"}, "looks like SQL"),
    ({"q": "1; DELETE FROM events"}, "looks like SQL"),
    ({"sort": "event_date; DROP TABLE events"}, "sort"),
    ({"sort": "text"}, "sort"),
    ({"event_type": "Massacres"}, "event_type"),
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "0,50,10,40"}, "bbox"),
    ({"review": "maybe"}, "review"),
    ({"country": "x" * 500}, "at most"),
])
def test_bad_requests_get_a_clear_4xx_and_change_nothing(client, store, params, words):
    before = snapshot(store)
    r = client.get("/api/events", params=params)
    assert 400 <= r.status_code < 500, r.text
    assert words.lower() in r.json()["detail"].lower()
    assert snapshot(store) == before


@pytest.mark.parametrize("url", ["/api/stats?interval=fortnight", "/api/stats?by=colour", "/api/stats?foo=1",
                                 "/api/claims?kind=rumour", "/api/claims?per_page=100000", "/api/audit?limit=-1"])
def test_bad_requests_elsewhere(client, url):
    r = client.get(url)
    assert r.status_code == 400 and r.json()["detail"]


# ----------------------------------------------------------------------------- writes
def test_writes_without_or_with_a_bad_token_get_401_and_change_nothing(client, store, token):
    eid = client.get("/api/events", params={"per_page": 1}).json()["items"][0]["event_id"]
    before = snapshot(store)
    for headers in ({}, {"Authorization": "Bearer wl_not-a-token"}, {"Authorization": "Basic abc"},
                    {"Authorization": f"Bearer {token}x"}):
        assert client.patch(f"/api/events/{eid}", json={"changes": {"fatalities": 1}}, headers=headers).status_code == 401
        assert client.post(f"/api/events/{eid}/review", json={"action": "reject"}, headers=headers).status_code == 401
        assert client.post("/api/ingest", json={"documents": [{"id": "x", "text": "y"}]}, headers=headers).status_code == 401
    assert snapshot(store) == before


def test_edit_is_audited_and_survives_the_machine_rewriting_the_event(client, store, token):
    """A report's event (view=reports); tests/test_api_incidents.py does the same for incidents."""
    auth = {"Authorization": f"Bearer {token}"}
    e = client.get("/api/events", params={"per_page": 1, "view": "reports"}).json()["items"][0]
    eid = e["event_id"]
    r = client.patch(f"/api/events/{eid}", json={"changes": {"fatalities": 42, "location": "Corrected"}, "note": "per UN"},
                     headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["fatalities"] == 42 and r.json()["review_status"] == "edited"
    log = client.get("/api/audit").json()
    fat = next(h for h in log if h["field"] == "fatalities")
    assert (fat["who"], fat["old"], fat["new"], fat["note"], fat["event_id"]) == ("analyst-a", e["fatalities"], 42, "per UN", eid)
    assert fat["at"]
    # filters see the analyst's value
    assert eid in {x["event_id"] for x in client.get("/api/events", params={"min_fatalities": 42, "view": "reports"}).json()["items"]}
    # the machine writes the event again (re-extraction, merging): the analyst's value still wins
    with store.engine.begin() as conn:
        conn.execute(update(events).where(events.c.event_id == eid).values(fatalities=3, location="Machine"))
    d = client.get(f"/api/events/{eid}").json()
    assert d["event"]["fatalities"] == 42 and d["event"]["location"] == "Corrected"
    from warlog.store.review import reapply_overrides
    assert reapply_overrides(store.engine) == 2
    with store.engine.connect() as conn:
        assert conn.execute(events.select().where(events.c.event_id == eid)).mappings().one()["fatalities"] == 42
    # invalid edits are refused with a message, nothing stored
    before = snapshot(store)
    for changes in ({"fatalities": "many"}, {"confidence": 1}, {"nope": 1}, {}):
        r = client.patch(f"/api/events/{eid}", json={"changes": changes}, headers=auth)
        assert r.status_code == 400, (changes, r.text)
    assert snapshot(store) == before


def test_reject_hides_the_event_and_accept_restores_it(client, token):
    auth = {"Authorization": f"Bearer {token}"}
    eid = client.get("/api/events", params={"per_page": 1}).json()["items"][0]["event_id"]
    assert client.post(f"/api/events/{eid}/review", json={"action": "reject", "note": "duplicate"}, headers=auth).status_code == 200
    assert client.get("/api/events").json()["total"] == 119
    assert client.get("/api/events", params={"review": "rejected"}).json()["items"][0]["event_id"] == eid
    assert client.post(f"/api/events/{eid}/review", json={"action": "accept"}, headers=auth).json()["review_status"] == "accepted"
    assert client.get("/api/events").json()["total"] == 120
    actions = [h["action"] for h in client.get(f"/api/events/{eid}/history").json()]
    assert actions == ["accept", "reject"]
    assert client.post(f"/api/events/{eid}/review", json={"action": "explode"}, headers=auth).status_code == 400


def test_read_token_mode_and_cors_off(store, token):
    closed = TestClient(create_app(store, read_token_required=True))
    assert closed.get("/api/events").status_code == 401
    assert closed.get("/api/events", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    open_ = TestClient(create_app(store))
    r = open_.get("/api/events", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    cors = TestClient(create_app(store, cors_origins=["http://localhost:3000"]))
    r = cors.get("/api/events", headers={"Origin": "http://localhost:3000"})
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_tokens_are_stored_hashed(store, token):
    from sqlalchemy import text

    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("select token_hash, prefix from api_tokens"))]
    assert rows and token not in str(rows) and len(rows[0][0]) == 64


def test_dashboard_and_outlines_are_served_locally(client):
    html = client.get("/").text
    assert "/static/dashboard.js" in html and "http" not in html.replace("http://www.w3.org", "")
    outlines = client.get("/static/countries.geojson").json()
    assert len(outlines["features"]) > 150
    assert client.get("/events/anything").status_code == 200
    for name in ("dashboard.js", "event.js", "common.js", "style.css"):
        body = client.get(f"/static/{name}").text
        assert "https://" not in body and "cdn" not in body.lower()


def test_ingest_over_http_with_a_token(store, token):
    client = TestClient(create_app(store))
    text = ("MOGADISHU, Somalia (Reuters) - Al Shabaab fighters attacked an army base near Afgoye on Monday, "
            "killing five soldiers, officials said.")
    doc = {"id": "http-1", "text": text, "published": "2024-05-07", "country": "Somalia"}
    r = client.post("/api/ingest", json={"documents": [doc]}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json()["new"] == 1 and r.json()["by"] == "analyst-a"
    assert client.get("/api/documents/http-1").json()["document"]["text"] == text
    again = client.post("/api/ingest", json={"documents": [doc]}, headers={"Authorization": f"Bearer {token}"}).json()
    assert again["already stored"] == 1
    # a document that cannot be stored (its id taken by another text) is reported, recorded and
    # counted as `warlog ingest` does it (one ingest service), and the rest of the batch goes on
    clash = {**doc, "text": text.replace("five", "six"), "origin": "feed.jsonl:3"}
    other = {**doc, "id": "http-2", "text": text.replace("Afgoye", "Baidoa")}
    body = client.post("/api/ingest", json={"documents": [clash, other]}, headers={"Authorization": f"Bearer {token}"}).json()
    assert (body["documents"], body["new"], body["failed"]) == (2, 1, 1)
    assert body["errors"] == ["feed.jsonl:3: could not be stored: document id 'http-1' is already stored with "
                              f"different text (hash {Document(**doc).content_hash[:12]})"]
    assert store.errors()[-1]["origin"] == "feed.jsonl:3"
    assert store.errors()[-1]["reason"].startswith("could not be stored: document id 'http-1'")
    assert client.post("/api/ingest", json={"documents": [{"id": "x"}]},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 400
