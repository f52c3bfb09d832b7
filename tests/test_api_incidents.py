"""The incidents view: merged events served by the API, reviewed by analysts, kept through later merging.

Real store (SQLite in tmp_path), real merging (the ingest service's `save` merges each document
as it is stored), the FastAPI app in process.  The incident is an ambush near Sukhna told by
several outlets (`warlog.cli.demo.incident_reports`), the toll rising from report to report.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from warlog.cli import main as cli
from warlog.cli import demo
from warlog.ingest.service import save
from warlog.serve.api import create_app
from warlog.serve.auth import create_token
from warlog.merge.dedup import merge_pending
from warlog.store.db import Store, audit_log, event_overrides, events, merged_events

from conftest import open_test_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path):
    with open_test_store(request.param, tmp_path, "incidents") as s:
        yield from _filled(s)


def _filled(s):
    for x in demo.extractions(40, seed=4):
        save(s, x)
    yield s


@pytest.fixture()
def client(store):
    return TestClient(create_app(store))


@pytest.fixture()
def auth(store):
    return {"Authorization": f"Bearer {create_token(store.engine, 'analyst-c')}"}


def count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def ambush_id(client) -> str:
    [hit] = [e for e in client.get("/api/events", params={"per_page": 500}).json()["items"]
             if "ambush-1" in e["sources"]]
    return hit["event_id"]


def export_rows(store: Store, *args: str) -> list[dict[str, str]]:
    buf = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(buf):
        db = store.url.database if store.url.get_backend_name() == "sqlite" else store.url.render_as_string(hide_password=False)
        assert cli.main(["export", "--db", db, "--format", "acled-csv", *args]) == 0
    return list(csv.DictReader(io.StringIO(buf.getvalue())))


# ----------------------------------------------------------------------------- reads
def test_list_serves_incidents_by_default_and_reports_on_request(store, client):
    for x in demo.incident_reports((5, 7, 8)):
        save(store, x)
    body = client.get("/api/events", params={"per_page": 500}).json()
    assert body["view"] == "incidents" and body["total"] == count(store, merged_events) == len(body["items"])
    reports = client.get("/api/events", params={"per_page": 500, "view": "reports"}).json()
    assert reports["view"] == "reports" and reports["total"] == count(store, events) == 43
    assert body["total"] <= 41  # the three reports of the ambush are one incident
    assert sorted(m for e in body["items"] for m in e["mentions"]) == sorted(e["event_id"] for e in reports["items"])

    [ev] = [e for e in body["items"] if "ambush-1" in e["sources"]]
    assert ev["event_id"].startswith("me-") and ev["number_of_sources"] == 3
    assert (ev["fatalities"], ev["fatalities_low"], ev["fatalities_high"]) == (8, 5, 8)
    assert (ev["first_reported"], ev["latest_reported"]) == ("2024-03-27", "2024-03-29")
    assert ev["sources"] == ["ambush-1", "ambush-2", "ambush-3"] and ev["outlets"] == ["Outlet 1", "Outlet 2", "Outlet 3"]
    assert len(ev["evidence"]) == 3 and ev["review_status"] == "unreviewed"

    def ids(**params) -> set[str]:
        r = client.get("/api/events", params={"per_page": 500, **params})
        assert r.status_code == 200, r.text
        return {e["event_id"] for e in r.json()["items"]}

    me = ev["event_id"]
    # every filter of the reports view works on incidents, on the incident's values
    for params in ({"country": "syria"}, {"admin1": "Homs"}, {"actor": "islamic state"}, {"event_type": "Battles"},
                   {"sub_event_type": "Armed clash"}, {"bbox": "38,34,39,35"}, {"min_fatalities": 8},
                   {"since": "2024-03-27", "until": "2024-03-27"}, {"q": "convoy"}, {"q": "Sukhna"}):
        assert me in ids(**params), params
    for params in ({"country": "Iraq"}, {"min_fatalities": 9}, {"since": "2024-03-28"}, {"event_type": "Protests"},
                   {"bbox": "0,0,10,10"}, {"q": "protesters"}):
        assert me not in ids(**params), params
    every = body["items"]
    assert ids(country="Syria") == {e["event_id"] for e in every if e["country"] == "Syria"}
    assert ids(min_fatalities=5) == {e["event_id"] for e in every if e["fatalities"] >= 5}
    assert client.get("/api/events", params={"sort": "-number_of_sources", "per_page": 1}).json()["items"][0]["event_id"] == me

    # bad requests: a clear 400
    for params, words in (({"view": "mentions"}, "view"), ({"view": "reports", "sort": "-number_of_sources"}, "incidents view")):
        r = client.get("/api/events", params=params)
        assert r.status_code == 400 and words in r.json()["detail"], r.text


def test_stats_count_incidents_or_reports(store, client):
    for x in demo.incident_reports((5, 7, 8)):
        save(store, x)
    incidents = client.get("/api/events", params={"per_page": 500}).json()["items"]
    weekly = client.get("/api/stats", params={"interval": "week", "by": "event_type"}).json()["rows"]
    assert sum(r["events"] for r in weekly) == len(incidents)
    assert sum(r["fatalities"] for r in weekly) == sum(e["fatalities"] for e in incidents)
    by_reports = client.get("/api/stats", params={"interval": "none", "by": "none", "view": "reports"}).json()["rows"]
    assert by_reports == [{"events": 43, "fatalities": sum(e["fatalities"] for e in
                                                           client.get("/api/events", params={"per_page": 500, "view": "reports"}).json()["items"]),
                           "period": None, "key": None}]
    homs = client.get("/api/stats", params={"interval": "month", "by": "admin1", "country": "Syria",
                                            "since": "2024-03-01", "until": "2024-03-31"}).json()["rows"]
    assert {"period": "2024-03-01", "key": "Homs", "events": sum(1 for e in incidents if e["admin1"] == "Homs"
                                                                  and e["event_date"].startswith("2024-03")),
            "fatalities": sum(e["fatalities"] for e in incidents if e["admin1"] == "Homs"
                              and e["event_date"].startswith("2024-03"))} in homs


def test_incident_page_has_every_source_its_evidence_the_field_history_and_the_audit_log(store, client):
    for x in demo.incident_reports((5, 7, 8)):
        save(store, x)
    me = ambush_id(client)
    d = client.get(f"/api/events/{me}").json()
    assert d["kind"] == "incident" and d["merged_id"] == me and d["event"]["event_id"] == me
    assert [s["document"]["id"] for s in d["sources"]] == ["ambush-1", "ambush-2", "ambush-3"]
    for s in d["sources"]:
        assert s["evidence"] and s["event_id"] and s["document"]["text"]
        for span in s["evidence"]:  # the highlight is where the text says it
            assert s["document"]["text"][span["start"]:span["end"]] == span["text"]
    assert [s["report"]["fatalities"] for s in d["sources"]] == [5, 7, 8]
    tolls = [(h["value"], h["doc_id"]) for h in d["field_history"] if h["field"] == "fatalities"]
    assert tolls == [(5, "ambush-1"), (7, "ambush-2"), (8, "ambush-3")]
    assert d["history"] == [] and d["overrides"] == []
    assert "fatalities" in d["editable"] and "fatalities_qualifier" not in d["editable"]
    # a report's page names the incident it belongs to, and shows the other reports too
    r = client.get(f"/api/events/{d['sources'][1]['event_id']}").json()
    assert r["kind"] == "report" and r["merged_id"] == me
    assert r["sources"][0]["document"]["id"] == "ambush-2" and len(r["sources"]) == 3
    assert client.get("/api/documents/ambush-3").json()["merged_ids"] == [me]


# ----------------------------------------------------------------------------- an analyst's edit of an incident
@pytest.mark.parametrize("merging", ["on save", "warlog merge"])
def test_an_analysts_edit_of_an_incident_stands_when_a_new_report_joins_it(store, client, auth, merging):
    first, second, third = demo.incident_reports((5, 7, 9))
    save(store, first)
    save(store, second)
    me = ambush_id(client)
    before = client.get(f"/api/events/{me}").json()["event"]
    assert (before["fatalities"], before["number_of_sources"]) == (7, 2)

    r = client.patch(f"/api/events/{me}", json={"changes": {"fatalities": 12}, "note": "hospital figure"}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["fatalities"] == 12 and r.json()["review_status"] == "edited" and r.json()["edited_fields"] == ["fatalities"]
    [entry] = client.get(f"/api/events/{me}/history").json()
    assert (entry["who"], entry["action"], entry["field"], entry["old"], entry["new"], entry["note"]) == \
        ("analyst-c", "edit", "fatalities", 7, 12, "hospital figure") and entry["at"]

    # a later report of the same incident, which would make the toll 9
    if merging == "on save":
        save(store, third)
    else:
        save(store, third, merge=False)
        assert merge_pending(store)["assigned"] == 1

    d = client.get(f"/api/events/{me}").json()
    assert d["event"]["number_of_sources"] == 3 and d["event"]["latest_reported"] == "2024-03-29"
    assert d["event"]["fatalities"] == 12  # the analyst's value stands
    assert d["event"]["fatalities_high"] == 9  # fields the analyst left alone follow the reports
    [o] = d["overrides"]
    assert (o["field"], o["value"], o["machine_value"], o["by"]) == ("fatalities", 12, 9, "analyst-c")
    assert (9, "ambush-3") in [(h["value"], h["doc_id"]) for h in d["field_history"] if h["field"] == "fatalities"]
    assert [h["action"] for h in d["history"]] == ["edit"]  # the machine writes no audit entries
    with store.engine.connect() as conn:  # the stored row, which filters, stats and exports read
        row = conn.execute(select(merged_events).where(merged_events.c.merged_id == me)).mappings().one()
    assert (row["fatalities"], row["number_of_sources"]) == (12, 3)
    assert me in {e["event_id"] for e in client.get("/api/events", params={"min_fatalities": 12}).json()["items"]}
    [exported] = [x for x in export_rows(store, "--country", "Syria") if x["event_id_cnty"] == me]
    assert exported["fatalities"] == "12"
    acled = client.get("/api/acled/read", params={"event_id_cnty": me}).json()["data"]
    assert acled == [exported]


def test_overrides_are_put_back_when_the_api_starts(store, client, auth):
    for x in demo.incident_reports((5, 7)):
        save(store, x)
    me = ambush_id(client)
    assert client.patch(f"/api/events/{me}", json={"changes": {"location": "Sukhnah desert"}}, headers=auth).status_code == 200
    with store.engine.begin() as conn:  # a writer that knows nothing of overrides rewrites the incident
        conn.execute(update(merged_events).where(merged_events.c.merged_id == me).values(location="Al-Sukhnah"))
    assert client.get(f"/api/events/{me}").json()["event"]["location"] == "Sukhnah desert"  # reads lay it on top
    fresh = TestClient(create_app(store))
    with store.engine.connect() as conn:
        assert conn.execute(select(merged_events.c.location).where(merged_events.c.merged_id == me)).scalar() == "Sukhnah desert"
    assert me in {e["event_id"] for e in fresh.get("/api/events", params={"q": "desert"}).json()["items"]}


def test_reject_and_accept_an_incident(store, client, auth):
    for x in demo.incident_reports((5, 7)):
        save(store, x)
    me = ambush_id(client)
    total = client.get("/api/events").json()["total"]
    r = client.post(f"/api/events/{me}/review", json={"action": "reject", "note": "not an ambush"}, headers=auth)
    assert r.status_code == 200 and r.json()["review_status"] == "rejected"
    assert client.get("/api/events").json()["total"] == total - 1
    assert me not in {x["event_id_cnty"] for x in export_rows(store)}
    assert client.get("/api/acled/read", params={"event_id_cnty": me}).json()["count"] == 0
    assert [e["event_id"] for e in client.get("/api/events", params={"review": "rejected"}).json()["items"]] == [me]
    # the reports of a rejected incident are still there, unreviewed
    assert client.get("/api/events", params={"view": "reports"}).json()["total"] == count(store, events)
    assert client.post(f"/api/events/{me}/review", json={"action": "accept"}, headers=auth).json()["review_status"] == "accepted"
    assert client.get("/api/events").json()["total"] == total
    assert [h["action"] for h in client.get(f"/api/events/{me}/history").json()] == ["accept", "reject"]


def test_incident_writes_need_a_token_and_bad_edits_change_nothing(store, client, auth):
    for x in demo.incident_reports((5, 7)):
        save(store, x)
    me = ambush_id(client)

    def snapshot():
        with store.engine.connect() as conn:
            return [conn.execute(select(t)).all() for t in (merged_events, event_overrides, audit_log)]

    before = snapshot()
    assert client.patch(f"/api/events/{me}", json={"changes": {"fatalities": 1}}).status_code == 401
    assert client.post(f"/api/events/{me}/review", json={"action": "reject"}).status_code == 401
    for changes, words in (({"fatalities_qualifier": "about"}, "not editable"), ({"number_of_sources": 9}, "not editable"),
                           ({"fatalities": -3}, "fatalities"), ({"event_date": "yesterday"}, "event_date")):
        r = client.patch(f"/api/events/{me}", json={"changes": changes}, headers=auth)
        assert r.status_code == 400 and words in r.json()["detail"], (changes, r.text)
    assert client.patch("/api/events/me-nothing", json={"changes": {"fatalities": 1}}, headers=auth).status_code == 404
    assert snapshot() == before


# ----------------------------------------------------------------------------- one query path: the CLI agrees
def test_what_an_analyst_rejects_is_gone_from_warlog_events_too(tmp_path: Path) -> None:
    """An incident and a report rejected through the API leave `warlog events` (the real CLI, in a
    subprocess) as they leave the API: both read through warlog.store.query."""
    db = tmp_path / "w.db"
    with Store(f"sqlite:///{db}") as s:
        for x in [*demo.extractions(12, seed=4), *demo.incident_reports((5, 7, 8))]:
            save(s, x)
        client = TestClient(create_app(s))
        auth = {"Authorization": f"Bearer {create_token(s.engine, 'analyst-r')}"}
        me = ambush_id(client)
        report = client.get("/api/events", params={"view": "reports", "per_page": 500}).json()["items"][0]["event_id"]
        for target in (me, report):
            assert client.post(f"/api/events/{target}/review", json={"action": "reject"}, headers=auth).status_code == 200
        api = {view: [e["event_id"] for e in client.get("/api/events", params={"view": view, "per_page": 500})
                      .json()["items"]] for view in ("incidents", "reports")}

    def cli_ids(*args: str) -> list[str]:
        done = subprocess.run([sys.executable, "-m", "warlog", "events", "--db", str(db), "--format", "jsonl", *args],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return [json.loads(line)["event_id"] for line in done.stdout.splitlines()]

    incidents, reports = cli_ids(), cli_ids("--mentions")
    assert me not in incidents and report not in reports
    assert (incidents, reports) == (api["incidents"], api["reports"])  # the same rows, in the same order
