"""End-to-end: the real CLI, the real store, the bundled sample and bad input."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def warlog(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "warlog", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, env=env, timeout=600)


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("run")
    result = warlog("run", str(ROOT / "examples"), "--db", str(work / "w.db"), "-q", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "events from" in result.stdout
    return work / "w.db"


def test_run_on_the_bundled_sample_stores_events_and_claims(sample_db):
    assert count(sample_db, "documents") >= 12
    assert count(sample_db, "events") >= 10
    assert count(sample_db, "claims") >= 1
    with sqlite3.connect(sample_db) as con:
        assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
        rows = con.execute("select count(*) from events where country is null or event_date is null").fetchone()[0]
    assert rows == 0


def test_running_the_same_input_twice_changes_nothing(sample_db, tmp_path):
    before = {t: count(sample_db, t) for t in ("documents", "events", "evidence", "claims")}
    result = warlog("ingest", str(ROOT / "examples"), "--db", str(sample_db), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "already stored: " in result.stderr
    assert {t: count(sample_db, t) for t in before} == before


def test_events_query_filters(sample_db, tmp_path):
    result = warlog("events", "--db", str(sample_db), "--country", "Syria", "--format", "jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events and all(e["country"] == "Syria" for e in events)
    result = warlog("events", "--db", str(sample_db), "--type", "Protests", "--since", "2024-01-01", "--format", "jsonl", cwd=tmp_path)
    protests = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(e["event_type"] == "Protests" and e["event_date"] >= "2024-01-01" for e in protests)
    bad = warlog("events", "--db", str(sample_db), "--since", "yesterday-ish", cwd=tmp_path)
    assert bad.returncode == 2 and "not an ISO date" in bad.stderr


def test_claims_command(sample_db, tmp_path):
    result = warlog("claims", "--db", str(sample_db), "--format", "jsonl", cwd=tmp_path)
    claims = [json.loads(line) for line in result.stdout.splitlines()]
    assert claims and {c["kind"] for c in claims} <= {"tally", "estimate", "trend"}


def test_extract_batch_contract_and_bad_lines(tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join([
        json.dumps({"id": "a", "text": "On 2 March 2022, gunmen killed four farmers in Benue state.", "published": "2022-03-03"}),
        "{not json",
        json.dumps({"id": "b", "title": "no text here"}),
        json.dumps({"id": "c", "text": "On 5 March 2022, students protested in Accra against fee increases.", "country": "Ghana"}),
    ]) + "\n", encoding="utf-8")
    result = warlog("extract", str(docs), "-o", str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert result.returncode == 1
    assert "docs.jsonl:2" in result.stderr and "not valid JSON" in result.stderr
    assert "docs.jsonl:3" in result.stderr and "text" in result.stderr
    events = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {e["doc_id"] for e in events} == {"a", "c"}
    a = next(e for e in events if e["doc_id"] == "a")
    for key in ("event_date", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1", "inter1",
                "interaction", "country", "iso3", "admin1", "location", "latitude", "longitude", "geo_precision",
                "fatalities", "evidence", "confidence", "reported_by"):
        assert key in a
    assert a["fatalities"] == 4 and a["country"] == "Nigeria"


def test_extract_reads_stdin_and_writes_stdout(tmp_path):
    line = json.dumps({"id": "s", "text": "On 1 June 2021, an air strike hit a market in Idlib, killing 9 civilians.", "published": "2021-06-01"})
    result = warlog("extract", "-", cwd=tmp_path, stdin=line + "\n")
    assert result.returncode == 0, result.stderr
    event = json.loads(result.stdout.splitlines()[0])
    assert event["sub_event_type"] == "Air/drone strike" and event["fatalities"] == 9


def test_bad_input_is_reported_and_the_rest_goes_on(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "empty.txt").write_text("")
    (inputs / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (inputs / "latin1.txt").write_bytes("Fighting near K\xe9r\xe9 on 3 May 2023.".encode("latin-1"))
    (inputs / "broken.rss").write_text("<rss><channel><item><title>half a feed")
    with open(inputs / "huge.txt", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # 50 MB (sparse): must be refused by its size, not read
    (inputs / "good.txt").write_text("Date: 2023-05-04\n\nOn 3 May 2023, militants attacked an army post near Djibo, killing seven soldiers.\n")
    db = tmp_path / "w.db"
    first = warlog("ingest", str(inputs / "good.txt"), "--db", str(db), "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    events_before = count(db, "events")
    result = warlog("ingest", str(inputs), "--db", str(db), "-q", cwd=tmp_path)
    assert result.returncode == 1
    for name, reason in [("empty.txt", "empty"), ("binary.txt", "binary"), ("latin1.txt", "UTF-8"),
                         ("broken.rss", "feed"), ("huge.txt", "too large")]:
        line = next((l for l in result.stderr.splitlines() if name in l), "")
        assert reason in line, (name, result.stderr)
    assert count(db, "events") == events_before >= 1
    assert count(db, "ingest_errors") >= 5
