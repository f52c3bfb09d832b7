"""Imported gazetteers: an analyst's fuller place lists next to the built-in data.

`warlog gazetteer import FILE` reads
  * GeoNames dumps (``allCountries.txt``, a country's ``SY.txt``, ``cities500.txt``; zipped or
    not): the 19-column tab-separated format,
  * UN OCHA populated-places layers (the humanitarian "COD" files: P-codes, English and Arabic
    names, admin names by level) as CSV, GeoJSON or shapefile (zipped or not),
  * a plain CSV: ``name, alternate_names, latitude, longitude, country, admin1, admin2, kind``
    (alternate names separated by ``|`` or ``;``),
and writes them to a sidecar SQLite file (``imported-places.sqlite`` in the cache folder, or
``$WARLOG_GAZETTEER_IMPORTS``) with the same tables as the built-in gazetteer.  The built-in
file is versioned and rebuilt when its data changes; the sidecar is not touched by a rebuild,
and the Gazetteer queries both, so imported places rank alongside built-in ones.

Entries are keyed by their *source* (the file's name unless ``--source`` names it):
importing the same source again replaces its entries in one transaction.  A malformed file
is rejected whole, with the line (or GeoJSON feature) at fault; nothing is changed.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from warlog.geo.imported import imports_path, list_sources
from warlog.geo.names import is_latin, normalise_name, skeleton_of_key

__all__ = ["ImportError_", "GazetteerImportError", "import_file", "list_sources", "remove_source",
           "imports_path", "IMPORT_ID_BASE", "detect_format"]

#: ids of imported places start here (built-in ids are row numbers far below it)
IMPORT_ID_BASE = 1 << 40

_BATCH = 20_000


class GazetteerImportError(ValueError):
    """A file that cannot be imported (the message names the file and the line at fault)."""


ImportError_ = GazetteerImportError  # short alias


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources(source TEXT PRIMARY KEY, path TEXT, format TEXT, places INTEGER,
  names INTEGER, sha256 TEXT, imported_at TEXT);
CREATE TABLE IF NOT EXISTS places(id INTEGER PRIMARY KEY, place_id TEXT, name TEXT, lat REAL, lon REAL,
  country TEXT, admin1 TEXT, admin2 TEXT, fclass TEXT, fcode TEXT, population INTEGER,
  geonames_id TEXT, source TEXT, kind TEXT, origin TEXT);
CREATE TABLE IF NOT EXISTS names(key TEXT, skel TEXT, pid INTEGER, country TEXT, is_primary INTEGER);
CREATE INDEX IF NOT EXISTS names_key ON names(key);
CREATE INDEX IF NOT EXISTS names_skel ON names(skel, country);
CREATE INDEX IF NOT EXISTS names_cc_key ON names(country, key);
CREATE INDEX IF NOT EXISTS names_pid ON names(pid);
CREATE INDEX IF NOT EXISTS places_origin ON places(origin);
CREATE INDEX IF NOT EXISTS places_pid ON places(place_id);
"""


@dataclass
class ImportedPlace:
    name: str
    lat: float
    lon: float
    country: str | None
    admin1: str | None = None
    admin2: str | None = None
    fclass: str = "P"
    fcode: str = "PPL"
    population: int = 0
    geonames_id: str | None = None
    kind: str = "town"
    local_id: str | None = None  # geonameid, P-code or row number
    alternate_names: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- file access

@dataclass
class _Member:
    """One readable file: a path on disk or a member of a zip archive."""

    label: str  # for messages
    name: str  # the file's own name (member name inside a zip)
    opener: object  # () -> binary file object

    def open_text(self) -> io.TextIOBase:
        return io.TextIOWrapper(self.opener(), encoding="utf-8-sig", newline="")


def _members(path: Path) -> list[_Member]:
    if zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        out = []
        for info in zf.infolist():
            if info.is_dir() or info.filename.startswith("__MACOSX") or Path(info.filename).name.startswith("."):
                continue
            out.append(_Member(f"{path}!{info.filename}", info.filename,
                               (lambda n=info.filename: zf.open(n))))
        return out
    return [_Member(str(path), path.name, (lambda: open(path, "rb")))]


_SHP_PARTS = (".shp", ".dbf", ".shx", ".prj", ".cpg")


def detect_format(path: Path | str) -> str:
    """'geonames', 'tabular' (OCHA or plain CSV), 'geojson' or 'shapefile'."""
    path = Path(path)
    members = _members(path)
    names = [m.name.lower() for m in members]
    if any(n.endswith(".shp") for n in names):
        return "shapefile"
    main = _main_member(members)
    n = main.name.lower()
    if n.endswith((".geojson", ".json")):
        return "geojson"
    with main.open_text() as f:
        first = ""
        for line in f:
            if line.strip() and not line.startswith("#"):
                first = line
                break
    if first.lstrip().startswith("{"):
        return "geojson"
    if first.count("\t") == 18 and first.split("\t", 1)[0].strip().isdigit():
        return "geonames"
    return "tabular"


def _main_member(members: list[_Member]) -> _Member:
    if len(members) == 1:
        return members[0]
    data = [m for m in members if not m.name.lower().endswith(
        (".md", ".pdf", ".xml", ".html", ".prj", ".cpg", ".shx", ".qmd", ".sbn", ".sbx", ".xlsx"))
        and "readme" not in m.name.lower() and "license" not in m.name.lower()]
    if not data:
        raise GazetteerImportError(f"{members[0].label}: no data file in the archive")
    if len(data) > 1:
        # a GeoNames zip holds one .txt next to readme.txt; prefer the biggest-looking data name
        txt = [m for m in data if m.name.lower().endswith((".txt", ".csv", ".tsv", ".geojson", ".json"))]
        if len(txt) == 1:
            return txt[0]
        raise GazetteerImportError(
            f"{members[0].label.split('!')[0]}: the archive holds several data files "
            f"({', '.join(m.name for m in data[:5])}): import them one at a time")
    return data[0]


# --------------------------------------------------------------------------- GeoNames

_GN_KIND = {
    "ADM1": "admin1", "ADM1H": "admin1", "ADM2": "admin2", "ADM2H": "admin2", "ADM3": "admin3",
    "ADM4": "admin3", "ADM5": "admin3", "ADMD": "admin3", "RGN": "region", "AREA": "region",
    "RGNE": "region", "PRK": "landmark", "CMP": "camp", "CMPRF": "camp", "CMPQ": "camp",
    "PSTB": "crossing", "PSTC": "crossing", "RD": "road", "TRL": "road",
}
_GN_SKIP_CODES = {"PCLI", "PCLD", "PCLF", "PCLS", "PCLIX", "PCL", "PCLH", "TERR", "CONT", "ZN", "ZNB"}


def _gn_kind(fclass: str, fcode: str) -> str:
    k = _GN_KIND.get(fcode)
    if k:
        return k
    if fclass == "P":
        return "town"
    if fclass == "A":
        return "admin3"
    if fclass == "L":
        return "region" if fcode in ("RGN", "AREA", "PLN", "OAS") else "landmark"
    if fclass == "R":
        return "road"
    return "landmark"


def _keep_alt(alt: str, population: int) -> bool:
    if len(alt) < 2 or len(alt) > 80 or any(ch.isdigit() for ch in alt):
        return False
    if alt.startswith("http"):
        return False
    if is_latin(alt) and alt.isupper() and len(alt) <= 4:
        return population >= 1_000_000  # codes ("DAM", "LHR") only for big cities
    return True


def _geonames_rows(member: _Member, admin1_names: dict[tuple[str, str], str]) -> Iterator[ImportedPlace]:
    # pass 1: names of the admin areas by code, from the file itself
    a1_file: dict[tuple[str, str], str] = {}
    a2_file: dict[tuple[str, str, str], str] = {}
    with member.open_text() as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) != 19:
                raise GazetteerImportError(
                    f"{member.label}:{lineno}: expected 19 tab-separated columns (GeoNames format), found {len(cols)}")
            fcode = cols[7]
            if fcode in ("ADM1", "ADM2"):
                name = cols[2] or cols[1]
                if fcode == "ADM1":
                    a1_file[(cols[8], cols[10])] = name
                else:
                    a2_file[(cols[8], cols[10], cols[11])] = name
    with member.open_text() as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\r\n").split("\t")
            gid, name, ascii_name, alts, lat_s, lon_s, fclass, fcode, cc = cols[:9]
            if fcode in _GN_SKIP_CODES:
                continue
            if not name.strip():
                raise GazetteerImportError(f"{member.label}:{lineno}: empty name")
            try:
                lat, lon = float(lat_s), float(lon_s)
            except ValueError:
                raise GazetteerImportError(
                    f"{member.label}:{lineno}: latitude/longitude not numbers: {lat_s!r}, {lon_s!r}") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise GazetteerImportError(f"{member.label}:{lineno}: coordinates out of range: {lat}, {lon}")
            if not gid.strip().isdigit():
                raise GazetteerImportError(f"{member.label}:{lineno}: geonameid is not a number: {gid!r}")
            try:
                pop = int(cols[14] or 0)
            except ValueError:
                raise GazetteerImportError(f"{member.label}:{lineno}: population is not a number: {cols[14]!r}") from None
            a1c, a2c = cols[10], cols[11]
            a1 = admin1_names.get((cc, a1c)) or a1_file.get((cc, a1c)) if a1c and a1c != "00" else None
            a2 = a2_file.get((cc, a1c, a2c)) if a2c else None
            kind = _gn_kind(fclass, fcode)
            if kind == "admin1":
                a1 = a1 or (ascii_name or name)
            alt_list = [a for a in alts.split(",") if a and _keep_alt(a, pop)] if alts else []
            if ascii_name and ascii_name != name:
                alt_list.insert(0, ascii_name)
            yield ImportedPlace(name=name, lat=lat, lon=lon, country=cc or None, admin1=a1, admin2=a2,
                                fclass=fclass or "P", fcode=fcode or "PPL", population=pop,
                                geonames_id=gid.strip(), kind=kind, local_id=f"gn:{gid.strip()}",
                                alternate_names=alt_list)


# --------------------------------------------------------------------------- OCHA / plain tables

_COL = re.compile(r"^(?:admin|adm)(\d)(?:_?(name|pcode|refname|altname|alt|ref))?(?:_?([a-z]{2}))?(?:_?(\d))?$")
_LAT = ("latitude", "lat", "lat_y", "y", "point_y", "ycoord", "y_coord", "lat_dd", "latitude_y")
_LON = ("longitude", "lon", "long", "lng", "long_x", "lon_x", "x", "point_x", "xcoord", "x_coord", "lon_dd",
        "longitude_x")
_NAME_EN = ("name_en", "featurename", "feature_name", "name", "pplname", "ppl_name", "placename", "place_name",
            "location_name", "loc_name", "locality", "village", "town", "settlement", "name_eng", "nameen",
            "name_english", "label")
_NAME_AR = ("name_ar", "namear", "name_arabic", "arabic_name", "name_ara")
_ALT_COLS = ("alternate_names", "alternatenames", "alt_names", "alt_name", "name_alt", "altname", "other_names",
             "aliases", "alias", "alt", "alternative_names", "name_other")
_PCODE = ("pcode", "p_code", "placecode", "ppl_pcode", "pplpcode", "code", "id_pcode")
_COUNTRY = ("country", "country_code", "iso2", "iso", "iso3", "countrycode", "cc", "admin0", "adm0",
            "country_iso", "admin0name_en", "adm0_en", "admin0pcode", "adm0_pcode", "adm0_code")
_ADMIN1 = ("admin1", "admin1_name", "province", "governorate", "state", "region_name", "adm1_name")
_ADMIN2 = ("admin2", "admin2_name", "district", "adm2_name")
_KIND_COLS = ("kind", "type", "feature_type", "place_type", "fclass", "feature_class", "category")
_POP_COLS = ("population", "pop", "total_population", "pop_total")

_PLAIN_KINDS = {
    "town": "town", "city": "town", "village": "town", "hamlet": "town", "settlement": "town",
    "populated place": "town", "neighbourhood": "town", "neighborhood": "town", "suburb": "town", "p": "town",
    "locality": "town", "farm": "spot", "camp": "camp", "idp camp": "camp", "crossing": "crossing",
    "border crossing": "crossing", "road": "road", "spot": "spot", "landmark": "landmark", "site": "spot",
    "region": "region", "area": "region", "admin1": "admin1", "province": "admin1", "governorate": "admin1",
    "state": "admin1", "admin2": "admin2", "district": "admin2", "admin3": "admin3", "subdistrict": "admin3",
    "sub-district": "admin3", "nahiya": "admin3", "country": "country", "mountain": "landmark", "hill": "landmark",
    "valley": "landmark", "river": "landmark", "desert": "region",
}
_KIND_FCLASS = {"town": ("P", "PPL"), "camp": ("S", "CMP"), "crossing": ("S", "PSTB"), "road": ("R", "RD"),
                "spot": ("S", "SPOT"), "landmark": ("S", "SPOT"), "region": ("L", "RGN"), "admin1": ("A", "ADM1"),
                "admin2": ("A", "ADM2"), "admin3": ("A", "ADM3"), "country": ("A", "PCLI")}


def _clean(h: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", h.strip().lower()).strip("_")


class _Columns:
    """Which column of a table means what (OCHA's COD naming schemes and a plain CSV alike)."""

    def __init__(self, header: list[str], label: str) -> None:
        self.header = header
        cols = [_clean(h) for h in header]
        self.idx = {c: i for i, c in enumerate(cols) if c}
        self.levels: dict[int, dict[str, int]] = {}
        for i, c in enumerate(cols):
            m = _COL.match(c)
            if not m:
                continue
            level = int(m.group(1))
            what = m.group(2) or ("pcode" if c.endswith("code") else "name")
            what = {"ref": "refname", "alt": "altname"}.get(what, what)
            lang = m.group(3) or ""
            if what == "pcode":
                slot = "pcode"
            elif what in ("altname",):
                slot = f"alt_{lang or 'xx'}{m.group(4) or ''}"
            elif what == "refname":
                slot = f"ref_{lang or 'xx'}"
            else:
                slot = f"name_{lang}" if lang else "name"
            self.levels.setdefault(level, {}).setdefault(slot, i)

        def first(options: Iterable[str]) -> int | None:
            for o in options:
                if o in self.idx:
                    return self.idx[o]
            return None

        self.lat = first(_LAT)
        self.lon = first(_LON)
        self.name = first(_NAME_EN)
        self.name_ar = first(_NAME_AR)
        self.alt = first(_ALT_COLS)
        self.pcode = first(_PCODE)
        self.kind = first(_KIND_COLS)
        self.pop = first(_POP_COLS)
        self.country = first(_COUNTRY)
        self.admin1 = first(_ADMIN1)
        self.admin2 = first(_ADMIN2)
        self.level = None  # the place's own admin level when its name comes from admN columns
        named_levels = [lv for lv, slots in self.levels.items() if any(s.startswith("name") for s in slots)]
        if self.name is None and named_levels:
            self.level = max(named_levels)
            slots = self.levels[self.level]
            self.name = slots.get("name_en", slots.get("name", next(
                (v for k, v in slots.items() if k.startswith("name")), None)))
            if self.name_ar is None:
                self.name_ar = slots.get("name_ar")
            if self.pcode is None:
                self.pcode = slots.get("pcode")
        # other-language names at the place's level and other name columns are alternates
        self.extra_names: list[int] = []
        if self.level is not None:
            for k, v in self.levels[self.level].items():
                if (k.startswith("name") or k.startswith("alt") or k.startswith("ref")) and v not in (self.name,):
                    self.extra_names.append(v)
        for c, i in self.idx.items():
            if (c.startswith("name_") or c.startswith("alt_name")) and i not in (self.name, self.alt) \
                    and i not in self.extra_names:
                self.extra_names.append(i)

        def level_name(lv: int) -> int | None:
            slots = self.levels.get(lv) or {}
            return slots.get("name_en", slots.get("name"))

        if self.admin1 is None and self.level != 1:
            self.admin1 = level_name(1)
        if self.admin2 is None and self.level not in (1, 2):
            self.admin2 = level_name(2)
        if self.country is None:
            lv0 = self.levels.get(0) or {}
            self.country = lv0.get("pcode", lv0.get("name_en", lv0.get("name")))
        if self.name is None:
            raise GazetteerImportError(
                f"{label}:1: no name column (expected one of name, name_en, featureName, admin4Name_en, ADM3_EN ...)"
                f" in header {header[:12]}")
        self.is_ocha = self.pcode is not None or any("pcode" in slots for slots in self.levels.values())

    def get(self, rec: list[str], i: int | None) -> str:
        if i is None or i >= len(rec):
            return ""
        v = rec[i]
        return v.strip() if isinstance(v, str) else ("" if v is None else str(v).strip())


def _country_of(value: str, pcode: str) -> str | None:
    from warlog.geo.countries import to_iso2

    for v in (value, pcode[:2] if len(pcode) >= 2 and pcode[:2].isalpha() else "",
              pcode[:3] if len(pcode) >= 3 and pcode[:3].isalpha() else ""):
        if not v:
            continue
        if len(v) == 2 and v.isalpha():
            cc = to_iso2(v.upper())
        elif len(v) == 3 and v.isalpha():
            cc = to_iso2(v.upper())
        else:
            m = re.match(r"^([A-Za-z]{2,3})\d", v)  # an admin0 P-code
            cc = to_iso2(m.group(1).upper()) if m else to_iso2(v)
        if cc:
            return cc
    return None


def _num(s: str) -> float:
    return float(s.replace(",", ".")) if s.count(",") == 1 and "." not in s else float(s)


def _table_rows(records: Iterable[tuple[str, list, tuple[float, float] | None]], cols: _Columns,
                default_country: str | None, label: str) -> Iterator[ImportedPlace]:
    """records: (where, values, point-from-geometry-or-None)."""
    n = 0
    for where, rec, point in records:
        name = cols.get(rec, cols.name)
        name_ar = cols.get(rec, cols.name_ar)
        if not name and name_ar:
            name = name_ar
        if not name:
            if not any(cols.get(rec, i) for i in range(len(rec))):
                continue  # an empty line
            raise GazetteerImportError(f"{where}: empty name")
        if point is not None:
            lat, lon = point
        else:
            lat_s, lon_s = cols.get(rec, cols.lat), cols.get(rec, cols.lon)
            if cols.lat is None or cols.lon is None:
                raise GazetteerImportError(f"{label}:1: no latitude/longitude columns in header {cols.header[:12]}")
            try:
                lat, lon = _num(lat_s), _num(lon_s)
            except ValueError:
                raise GazetteerImportError(
                    f"{where}: latitude/longitude not numbers: {lat_s!r}, {lon_s!r}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise GazetteerImportError(f"{where}: coordinates out of range: {lat}, {lon}")
        pcode = cols.get(rec, cols.pcode)
        cc = _country_of(cols.get(rec, cols.country), pcode) if (cols.country is not None or pcode) else None
        cc = cc or default_country
        if cols.country is not None and cols.get(rec, cols.country) and cc is None:
            raise GazetteerImportError(f"{where}: unknown country {cols.get(rec, cols.country)!r}")
        kind = "town"
        if cols.kind is not None and cols.get(rec, cols.kind):
            kv = cols.get(rec, cols.kind).lower()
            kind = _PLAIN_KINDS.get(kv)
            if kind is None:
                raise GazetteerImportError(
                    f"{where}: unknown kind {kv!r} (one of {', '.join(sorted(set(_PLAIN_KINDS)))})")
        elif cols.level is not None and cols.level <= 3:
            kind = {0: "country", 1: "admin1", 2: "admin2", 3: "admin3"}[cols.level]
        fclass, fcode = _KIND_FCLASS[kind]
        pop = 0
        if cols.pop is not None and cols.get(rec, cols.pop):
            try:
                pop = int(float(cols.get(rec, cols.pop)))
            except ValueError:
                raise GazetteerImportError(f"{where}: population is not a number: {cols.get(rec, cols.pop)!r}") from None
        alts: list[str] = []
        if cols.alt is not None:
            alts += [a.strip() for a in re.split(r"[|;]", cols.get(rec, cols.alt)) if a.strip()]
        if name_ar and name_ar != name:
            alts.append(name_ar)
        for i in cols.extra_names:
            v = cols.get(rec, i)
            if v and v != name:
                alts.append(v)
        if pcode:
            alts.append(pcode)
        admin1 = cols.get(rec, cols.admin1) or None
        admin2 = cols.get(rec, cols.admin2) or None
        if kind == "admin1":
            admin1 = admin1 or name
        n += 1
        yield ImportedPlace(name=name, lat=lat, lon=lon, country=cc, admin1=admin1, admin2=admin2, fclass=fclass,
                            fcode=fcode, population=pop, kind=kind, local_id=f"pcode:{pcode}" if pcode else f"row:{n}",
                            alternate_names=alts)


def _csv_records(member: _Member) -> tuple[_Columns, Iterator[tuple[str, list, None]]]:
    f = member.open_text()
    sample = f.read(65536)
    f.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    # line numbers as a text editor counts them: comment lines before the header are skipped
    skipped = 0

    def feed():
        nonlocal skipped
        started = False
        for line in f:
            if not started and (line.lstrip().startswith("#") or not line.strip()):
                skipped += 1
                continue
            started = True
            yield line

    reader = csv.reader(feed(), delimiter=delim)
    header = next(reader, None)
    if header is None:
        raise GazetteerImportError(f"{member.label}: empty file")
    cols = _Columns(header, member.label)

    def records():
        try:
            for rec in reader:
                lineno = reader.line_num + skipped
                if rec and all(v.strip().startswith("#") for v in rec if v.strip()):
                    continue  # HXL hashtag row ("#loc+name", "#geo+lat")
                if len(rec) > len(header):
                    raise GazetteerImportError(
                        f"{member.label}:{lineno}: {len(rec)} fields, the header has {len(header)}")
                yield f"{member.label}:{lineno}", rec, None
        except csv.Error as exc:
            raise GazetteerImportError(f"{member.label}:{reader.line_num}: {exc}") from None
        finally:
            f.close()

    return cols, records()


def _geojson_records(member: _Member) -> tuple[_Columns, Iterator[tuple[str, list, tuple[float, float]]]]:
    with member.open_text() as f:
        text = f.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GazetteerImportError(f"{member.label}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise GazetteerImportError(f"{member.label}:1: not a GeoJSON FeatureCollection")
    # line of each feature, for messages: the n-th '"Feature"' type marker
    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"type"\s*:\s*"Feature"', text)]
    keys: list[str] = []
    for ft in feats:
        for k in (ft.get("properties") or {}) if isinstance(ft, dict) else {}:
            if k not in keys:
                keys.append(k)
    cols = _Columns(keys, member.label)

    def records():
        for n, ft in enumerate(feats):
            where = f"{member.label}:{starts[n] if n < len(starts) else 1} (feature {n + 1})"
            if not isinstance(ft, dict):
                raise GazetteerImportError(f"{where}: not a feature")
            props = ft.get("properties") or {}
            geom = ft.get("geometry") or {}
            pt = _geometry_point(geom)
            if pt is None:
                if cols.lat is not None and cols.lon is not None:
                    pt = None
                else:
                    raise GazetteerImportError(f"{where}: no point geometry")
            yield where, ["" if props.get(k) is None else str(props.get(k)) for k in keys], pt

    return cols, records()


def _geometry_point(geom: dict) -> tuple[float, float] | None:
    t = geom.get("type") if isinstance(geom, dict) else None
    c = geom.get("coordinates") if isinstance(geom, dict) else None
    try:
        if t == "Point":
            return float(c[1]), float(c[0])
        if t == "MultiPoint" and c:
            return float(c[0][1]), float(c[0][0])
        if t in ("Polygon", "MultiPolygon") and c:
            ring = c[0] if t == "Polygon" else c[0][0]
            xs, ys = [float(p[0]) for p in ring], [float(p[1]) for p in ring]
            return sum(ys) / len(ys), sum(xs) / len(xs)
    except (TypeError, ValueError, IndexError):
        return None
    return None


def _shapefile_records(members: list[_Member], label: str):
    try:
        import shapefile  # pyshp
    except ModuleNotFoundError:  # pragma: no cover
        raise GazetteerImportError(f"{label}: reading shapefiles needs pyshp (pip install pyshp)") from None
    shp = next(m for m in members if m.name.lower().endswith(".shp"))
    stem = shp.name[:-4]
    part = {m.name[len(stem):].lower(): m for m in members if m.name.startswith(stem)}
    if ".dbf" not in part:
        raise GazetteerImportError(f"{label}: shapefile without its .dbf attribute table")
    enc = "utf-8"
    if ".cpg" in part:
        with part[".cpg"].opener() as fh:
            enc = fh.read().decode("ascii", "replace").strip() or "utf-8"
    with part[".shp"].opener() as a, part[".dbf"].opener() as b:
        shp_b, dbf_b = io.BytesIO(a.read()), io.BytesIO(b.read())
    shx_b = None
    if ".shx" in part:
        with part[".shx"].opener() as c:
            shx_b = io.BytesIO(c.read())
    try:
        r = shapefile.Reader(shp=shp_b, dbf=dbf_b, shx=shx_b, encoding=enc, encodingErrors="replace")
        fields = [f[0] for f in r.fields[1:]]
    except Exception as exc:  # pyshp raises its own ShapefileException and struct errors
        raise GazetteerImportError(f"{label}: not a readable shapefile: {exc}") from None
    cols = _Columns(fields, label)

    def records():
        for n in range(len(r)):
            where = f"{label}: record {n + 1}"
            try:
                sr = r.shapeRecord(n)
            except Exception as exc:
                raise GazetteerImportError(f"{where}: {exc}") from None
            pt = None
            pts = getattr(sr.shape, "points", None)
            if pts:
                if len(pts) == 1:
                    pt = (float(pts[0][1]), float(pts[0][0]))
                else:
                    pt = (sum(p[1] for p in pts) / len(pts), sum(p[0] for p in pts) / len(pts))
            if pt is None and (cols.lat is None or cols.lon is None):
                raise GazetteerImportError(f"{where}: no point geometry")
            yield where, ["" if v is None else str(v) for v in sr.record], pt

    return cols, records()


# --------------------------------------------------------------------------- writing

def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, timeout=60)
    con.execute("PRAGMA journal_mode=DELETE")
    con.executescript(_SCHEMA)
    return con


def _builtin_admin1_names() -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) -> the built-in gazetteer's admin1 name."""
    try:
        from warlog.geo.gazetteer import build

        p = build()  # compiled now if this version's file is not there yet
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        try:
            return {(cc, code): name for cc, code, name in con.execute("SELECT country, code, name FROM admin1_codes")}
        finally:
            con.close()
    except sqlite3.Error:
        return {}


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class ImportResult:
    source: str
    format: str
    places: int
    names: int
    replaced: int
    path: Path


def read_places(path: Path | str, fmt: str | None = None, country: str | None = None) -> tuple[str, Iterator[ImportedPlace]]:
    """(format, places) of a file; raises GazetteerImportError on a malformed one (lazily, while iterating)."""
    path = Path(path)
    if not path.exists():
        raise GazetteerImportError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    members = _members(path)
    from warlog.geo.countries import to_iso2

    cc = to_iso2(country) if country else None
    if country and not cc:
        raise GazetteerImportError(f"unknown country {country!r}")
    if fmt == "geonames":
        return fmt, _geonames_rows(_main_member(members), _builtin_admin1_names())
    if fmt == "shapefile":
        cols, recs = _shapefile_records(members, str(path))
        return ("ocha-shapefile" if cols.is_ocha else "shapefile"), _table_rows(recs, cols, cc, str(path))
    main = _main_member(members)
    if fmt == "geojson":
        cols, recs = _geojson_records(main)
        return ("ocha-geojson" if cols.is_ocha else "geojson"), _table_rows(recs, cols, cc, main.label)
    if fmt in ("tabular", "csv", "ocha"):
        cols, recs = _csv_records(main)
        return ("ocha-csv" if cols.is_ocha else "csv"), _table_rows(recs, cols, cc, main.label)
    raise GazetteerImportError(f"{path}: unknown format {fmt!r} (geonames, csv, geojson, shapefile)")


def import_file(path: Path | str, source: str | None = None, fmt: str | None = None, country: str | None = None,
                db: Path | str | None = None) -> ImportResult:
    """Import a gazetteer file into the imports DB, replacing what `source` had before."""
    path = Path(path)
    source = source or path.name
    db = Path(db) if db is not None else imports_path()
    fmt_name, rows = read_places(path, fmt, country)
    con = _connect(db)
    try:
        con.execute("BEGIN IMMEDIATE")
        old = con.execute("SELECT COUNT(*) FROM places WHERE origin = ?", (source,)).fetchone()[0]
        con.execute("DELETE FROM names WHERE pid IN (SELECT id FROM places WHERE origin = ?)", (source,))
        con.execute("DELETE FROM places WHERE origin = ?", (source,))
        con.execute("DELETE FROM sources WHERE source = ?", (source,))
        next_id = max(IMPORT_ID_BASE, (con.execute("SELECT MAX(id) FROM places").fetchone()[0] or 0) + 1)
        n_places = n_names = 0
        prow: list[tuple] = []
        nrow: list[tuple] = []
        seen_local: set[str] = set()
        for p in rows:
            pid = next_id
            next_id += 1
            local = p.local_id or str(n_places + 1)
            if local in seen_local:
                local = f"{local}#{n_places + 1}"
            seen_local.add(local)
            prow.append((pid, f"{source}:{local}", p.name, p.lat, p.lon, p.country, p.admin1, p.admin2, p.fclass,
                         p.fcode, p.population, p.geonames_id, "imported", p.kind, source))
            keys: set[str] = set()
            for i, nm in enumerate([p.name] + p.alternate_names):
                key = normalise_name(nm)
                if not key or key in keys:
                    continue
                keys.add(key)
                nrow.append((key, skeleton_of_key(key), pid, p.country, 1 if i == 0 else 0))
            n_places += 1
            if len(prow) >= _BATCH:
                con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", prow)
                con.executemany("INSERT INTO names VALUES (?,?,?,?,?)", nrow)
                n_names += len(nrow)
                prow, nrow = [], []
        con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", prow)
        con.executemany("INSERT INTO names VALUES (?,?,?,?,?)", nrow)
        n_names += len(nrow)
        if n_places == 0:
            raise GazetteerImportError(f"{path}: no places in the file")
        con.execute("INSERT INTO sources VALUES (?,?,?,?,?,?,?)",
                    (source, str(path.resolve()), fmt_name, n_places, n_names, _file_sha(path),
                     datetime.now(timezone.utc).isoformat(timespec="seconds")))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()
    _forget_default()
    return ImportResult(source, fmt_name, n_places, n_names, old, db)


def remove_source(source: str, db: Path | str | None = None) -> int:
    """Remove a source's places; returns how many were removed (0: no such source)."""
    db = Path(db) if db is not None else imports_path()
    if not db.exists():
        return 0
    con = _connect(db)
    try:
        con.execute("BEGIN IMMEDIATE")
        n = con.execute("SELECT COUNT(*) FROM places WHERE origin = ?", (source,)).fetchone()[0]
        con.execute("DELETE FROM names WHERE pid IN (SELECT id FROM places WHERE origin = ?)", (source,))
        con.execute("DELETE FROM places WHERE origin = ?", (source,))
        found = con.execute("DELETE FROM sources WHERE source = ?", (source,)).rowcount
        con.commit()
    finally:
        con.close()
    _forget_default()
    return n if (n or found) else 0


def _forget_default() -> None:
    """The shared Gazetteer re-reads the imports on its next query."""
    from warlog.geo import gazetteer

    g = gazetteer._default
    if g is not None:
        g.refresh()


def run_cli(args) -> int:
    """`warlog gazetteer import FILE | list-sources | remove SOURCE`."""
    import sys

    if args.action == "list-sources":
        print(json.dumps(list_sources(), indent=1))
        return 0
    if not args.target:
        print(f"warlog gazetteer {args.action}: name the {'file' if args.action == 'import' else 'source'}",
              file=sys.stderr)
        return 2
    if args.action == "remove":
        n = remove_source(args.target)
        if not n:
            print(f"no imported source {args.target!r} (see: warlog gazetteer list-sources)", file=sys.stderr)
            return 1
        print(f"removed {n} places of {args.target}", file=sys.stderr)
        return 0
    try:
        r = import_file(args.target, source=getattr(args, "source", None), fmt=getattr(args, "gaz_format", None),
                        country=getattr(args, "gaz_country", None))
    except GazetteerImportError as exc:
        print(f"warlog gazetteer import: rejected: {exc}", file=sys.stderr)
        return 2
    what = f"replaced {r.replaced} places, " if r.replaced else ""
    print(f"imported {r.places} places ({r.names} names) from {r.format} file as source {r.source!r}: "
          f"{what}in {r.path}", file=sys.stderr)
    return 0
