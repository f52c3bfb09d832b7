"""`warlog export`: ACLED CSV, UCDP GED CSV, GeoJSON, Parquet, with the filters of /api/events."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from warlog.cli import main as cli
from warlog.cli import demo
from warlog.ingest.service import save
from warlog.export.formats import ACLED_COLUMNS, UCDP_COLUMNS, acled_row, ucdp_row
from warlog.store.db import Store


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "w.db"
    with Store(f"sqlite:///{path}") as s:
        for x in demo.extractions(77, seed=9):
            save(s, x)
        for x in demo.incident_reports((5, 7, 8)):  # three reports of one incident
            save(s, x)
    return path


def stored(db: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as con:
        return con.execute(f"select count(*) from {table}").fetchone()[0]


def run(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().out


def test_acled_csv_columns_values_and_filters(db, capsys):
    code, out = run(capsys, "export", "--db", str(db), "--format", "acled-csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == ACLED_COLUMNS and len(rows) == stored(db, "merged_events")  # one row per incident
    assert all(r["event_id_cnty"].startswith("me-") for r in rows)
    r = rows[0]
    assert len(r["event_date"]) == 10 and r["year"] == r["event_date"][:4]
    assert r["inter1"] in "12345678" and r["iso"].isdigit()
    assert all(row["fatalities"].isdigit() for row in rows)
    code, out = run(capsys, "export", "--db", str(db), "--country", "iraq", "--type", "Battles", "--since", "2024-02-01")
    sub = list(csv.DictReader(io.StringIO(out)))
    assert sub and all(x["country"] == "Iraq" and x["event_type"] == "Battles" and x["event_date"] >= "2024-02-01" for x in sub)


def test_ucdp_csv(db, capsys):
    code, out = run(capsys, "export", "--db", str(db), "--format", "ucdp-csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and tuple(rows[0]) == UCDP_COLUMNS
    assert {r["type_of_violence"] for r in rows} <= {"1", "2", "3"}
    for r in rows:
        assert int(r["low"]) <= int(r["best"]) <= int(r["high"])
        assert int(r["deaths_civilians"]) + int(r["deaths_unknown"]) == int(r["best"])
        if r["type_of_violence"] == "3":
            assert r["deaths_civilians"] == r["best"]


def test_geojson(db, capsys, tmp_path):
    out = tmp_path / "e.geojson"
    assert cli.main(["export", "--db", str(db), "--format", "geojson", "-o", str(out), "--min-fatalities", "3"]) == 0
    g = json.loads(out.read_text())
    assert g["type"] == "FeatureCollection" and g["features"]
    f = g["features"][0]
    assert f["geometry"]["type"] == "Point" and f["properties"]["fatalities"] >= 3
    assert f["geometry"]["coordinates"] == [f["properties"]["longitude"], f["properties"]["latitude"]]


def test_parquet_without_pyarrow_says_how_to_get_it(db, capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code = cli.main(["export", "--db", str(db), "--format", "parquet", "-o", str(tmp_path / "e.parquet")])
    assert code == 2
    assert "warlog[parquet]" in capsys.readouterr().err


def test_parquet_round_trip(db, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "e.parquet"
    assert cli.main(["export", "--db", str(db), "--format", "parquet", "-o", str(out)]) == 0
    t = pq.read_table(out)
    assert t.num_rows == stored(db, "merged_events") and t.column_names == list(ACLED_COLUMNS)


def test_incidents_by_default_reports_on_request(db, capsys):
    code, out = run(capsys, "export", "--db", str(db), "--format", "jsonl")
    incidents = [json.loads(x) for x in out.splitlines()]
    code2, out2 = run(capsys, "export", "--db", str(db), "--format", "jsonl", "--view", "reports")
    reports = [json.loads(x) for x in out2.splitlines()]
    assert code == code2 == 0 and len(reports) == 80 == stored(db, "events")
    assert len(incidents) == stored(db, "merged_events") <= len(reports) - 2
    assert sum(e["number_of_sources"] for e in incidents) == len(reports)
    assert sorted(m for e in incidents for m in e["mentions"]) == sorted(e["event_id"] for e in reports)
    [multi] = [e for e in incidents if "ambush-1" in e["sources"]]
    assert multi["sources"] == ["ambush-1", "ambush-2", "ambush-3"] and multi["number_of_sources"] == 3
    assert (multi["fatalities"], multi["fatalities_low"], multi["fatalities_high"]) == (8, 5, 8)
    code, out = run(capsys, "export", "--db", str(db), "--format", "ucdp-csv")
    ucdp = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    if multi["event_id"] in ucdp:
        assert ucdp[multi["event_id"]]["number_of_sources"] == str(multi["number_of_sources"])


def test_bad_filters_exit_nonzero(db):
    with pytest.raises(SystemExit):
        cli.main(["export", "--db", str(db), "--type", "Massacres"])


def test_row_mappings_leave_nothing_out():
    ex = next(demo.extractions(1))
    ev = ex.events[0].model_copy(update={"event_id": "x"})
    assert set(acled_row(ev)) == set(ACLED_COLUMNS)
    row = ucdp_row(ev)
    assert row is None or set(row) == set(UCDP_COLUMNS)
