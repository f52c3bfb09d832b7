"""Hostile and careless input through the real CLI: one bad item never costs the rest of a run,
absurd values are bounded, nothing stored is lost, and the same input twice changes nothing."""
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

GOOD = "Gunmen killed five civilians in Maiduguri on Monday, police said."


def warlog(*args: str, cwd: Path, stdin: str | bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warlog", *args], cwd=cwd, input=stdin, capture_output=True,
                          env=dict(os.environ, COLUMNS="200"), timeout=600)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_markup_in_ids_and_titles_is_printed_not_parsed(tmp_path):
    docs = tmp_path / "d.jsonl"
    docs.write_text("\n".join([
        json.dumps({"id": "[/x] [bold]", "text": ""}),
        json.dumps({"id": "[red]two[/red]", "title": "[/link] title", "text": GOOD, "published": "2024-03-06"}),
    ]) + "\n")
    result = warlog("extract", str(docs), "-o", str(tmp_path / "e.jsonl"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # one input failed, warlog itself did not
    assert b"Traceback" not in result.stderr
    assert b"d.jsonl:1" in result.stderr
    assert [e["doc_id"] for e in lines(tmp_path / "e.jsonl")] == ["[red]two[/red]"]


def test_absurd_dates_and_numbers_keep_the_document(tmp_path):
    docs = tmp_path / "d.jsonl"
    docs.write_text("\n".join(json.dumps(d) for d in [
        {"id": "far-future", "text": GOOD, "published": "9999-12-31"},
        {"id": "year-one", "text": GOOD, "published": "0001-01-01"},
        {"id": "epoch", "text": GOOD, "published": 0},
        {"id": "december-9999", "text": "Gunmen killed five civilians in Maiduguri in December 9999.", "published": "2024-03-06"},
        {"id": "huge", "text": "Gunmen killed 99999999999999999999999 civilians in Maiduguri on Monday.", "published": "2024-03-06"},
        {"id": "billions", "text": "Gunmen killed 3,000,000,000 civilians in Maiduguri on Monday.", "published": "2024-03-06"},
        {"id": "digits", "text": "Gunmen killed " + "9" * 5000 + " civilians in Maiduguri on Monday.", "published": "2024-03-06"},
    ]) + "\n")
    out = tmp_path / "e.jsonl"
    result = warlog("extract", str(docs), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    events = {e["doc_id"]: e for e in lines(out)}
    assert set(events) == {"far-future", "year-one", "epoch", "december-9999", "huge", "billions", "digits"}
    for doc_id in ("far-future", "year-one", "epoch"):
        assert f"d.jsonl:{['far-future', 'year-one', 'epoch'].index(doc_id) + 1}".encode() in result.stderr
        assert events[doc_id]["fatalities"] == 5
        assert events[doc_id]["event_date"] is None or events[doc_id]["event_date"] > "1970-01-01"
    assert b"not a plausible publication date" in result.stderr and b"is a number, not a date" in result.stderr
    assert events["december-9999"]["event_date"] == "2024-03-06"
    for doc_id in ("huge", "billions", "digits"):
        assert events[doc_id]["fatalities"] <= 10_000_000
    # stored the same: the absurd values never reach the database
    db = tmp_path / "w.db"
    stored = warlog("ingest", str(docs), "--db", str(db), "-q", cwd=tmp_path)
    assert stored.returncode == 0, stored.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from documents").fetchone()[0] == 7
        assert con.execute("select max(fatalities) from events").fetchone()[0] <= 10_000_000
        assert con.execute("select count(*) from documents where published < '1900-01-01' or published > '2100-01-01'"
                           ).fetchone()[0] == 0


def test_an_invisible_character_does_not_make_a_new_source(tmp_path):
    docs = tmp_path / "d.jsonl"
    docs.write_text("\n".join(json.dumps(d) for d in [
        {"id": "plain", "text": GOOD, "published": "2024-03-06", "source": "Daily Trust"},
        {"id": "hidden", "text": GOOD.replace("Maiduguri", "Mai\u00adduguri").replace("five", "five\u200b"),
         "published": "2024-03-06", "source": "Daily Trust"},
    ]) + "\n")
    db = tmp_path / "w.db"
    result = warlog("ingest", str(docs), "--db", str(db), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert b"already stored: 1" in result.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from documents").fetchone()[0] == 1


def test_an_overlong_line_on_standard_input_is_skipped_in_bounded_memory(tmp_path):
    big = json.dumps({"id": "big", "text": "x " * 13_000_000})  # 26 MB: over the 20 MB line limit
    good = json.dumps({"id": "good", "text": GOOD, "published": "2024-03-06"})
    out = tmp_path / "e.jsonl"
    result = subprocess.run(
        [sys.executable, "-c", "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000)); "
         "sys.argv = ['warlog', 'extract', '-', '-o', sys.argv[1]]; runpy.run_module('warlog', run_name='__main__')", str(out)],
        input=(big + "\n" + good + "\n").encode(), capture_output=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert b"-:1" in result.stderr and b"line too long" in result.stderr
    assert [e["doc_id"] for e in lines(out)] == ["good"]


def test_a_page_with_one_tag_of_many_attributes_is_read_in_seconds(tmp_path):
    attrs = " ".join(f'data-a{i}="v{i}"' for i in range(300_000))
    page = tmp_path / "page.html"
    page.write_text(f"<!doctype html><html><head><title>Attack</title></head><body><div {attrs}>"
                    f"<p>{GOOD}</p><p>{GOOD}</p></div></body></html>")
    started = time.monotonic()
    result = warlog("ingest", str(page), "--db", str(tmp_path / "w.db"), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    with sqlite3.connect(tmp_path / "w.db") as con:
        assert con.execute("select count(*) from events").fetchone()[0] >= 1
