"""ACLED's read-API query syntax over warlog's store.

Accepted, as ACLED documents it:  ``field=value`` (``country=Syria``), alternatives
``country=Syria:OR:country=Iraq``, ranges ``event_date=2024-01-01|2024-03-31`` with
``event_date_where=BETWEEN``, comparisons ``fatalities=5&fatalities_where=>=``, ``LIKE`` for
text fields, ``year=``, ``limit=``, ``page=``, ``fields=a|b|c``, ``_format=json|csv``,
``export_type`` (dyadic only) and the credentials ``key``/``email`` (older clients) —
which this module ignores, the API checks them.

Rows are incidents (merged events, ``event_id_cnty`` their merged id) unless the warlog
extension ``view=reports`` asks for one row per report, as `warlog export --view` does.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, or_

from warlog.export.formats import ACLED_COLUMNS, acled_row, iso_numeric
from warlog.store.query import BadQuery, EventFilter, View, check_text, iter_events, view_of

MAX_LIMIT = 5000
DEFAULT_LIMIT = 5000

# ACLED field -> (events column, kind)
FIELDS: dict[str, tuple[str, str]] = {
    "event_id_cnty": ("event_id", "text"),
    "event_date": ("event_date", "date"),
    "year": ("event_date", "year"),
    "time_precision": ("time_precision", "int"),
    "disorder_type": ("disorder_type", "text"),
    "event_type": ("event_type", "text"),
    "sub_event_type": ("sub_event_type", "text"),
    "actor1": ("actor1", "text"),
    "assoc_actor_1": ("assoc_actor_1", "text"),
    "inter1": ("inter1", "int"),
    "actor2": ("actor2", "text"),
    "assoc_actor_2": ("assoc_actor_2", "text"),
    "inter2": ("inter2", "int"),
    "interaction": ("interaction", "text"),
    "civilian_targeting": ("civilian_targeting", "text"),
    "iso": ("iso3", "iso"),
    "country": ("country", "text"),
    "admin1": ("admin1", "text"),
    "admin2": ("admin2", "text"),
    "location": ("location", "text"),
    "latitude": ("latitude", "float"),
    "longitude": ("longitude", "float"),
    "geo_precision": ("geo_precision", "int"),
    "source": ("reported_by", "text"),
    "fatalities": ("fatalities", "int"),
}
CONTROL = {"limit", "page", "fields", "_format", "export_type", "key", "email", "terms", "access_token", "view"}
WHERE_OPS = {"=": "eq", ">": "gt", "<": "lt", ">=": "ge", "<=": "le", "LIKE": "like", "BETWEEN": "between",
             "%3E": "gt", "%3C": "lt"}


def _alternatives(name: str, raw: str) -> list[str]:
    parts = raw.split(":OR:")
    out = []
    for i, p in enumerate(parts):
        if i and "=" in p:
            key, _, p = p.partition("=")
            if key.strip() != name:
                raise BadQuery(f"{name}: ':OR:' joins values of the same field ({name}=A:OR:{name}=B), got {key!r}")
        out.append(p)
    return out


def _typed(name: str, kind: str, value: str) -> Any:
    value = value.strip()
    try:
        if kind == "date":
            return date.fromisoformat(value)
        if kind in ("int", "year"):
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        what = {"date": "a date YYYY-MM-DD", "int": "a whole number", "year": "a year", "float": "a number"}[kind]
        raise BadQuery(f"{name}: {value!r} is not {what}") from None
    if kind == "iso":
        return value
    return check_text(name, value)


def _condition(engine: Engine, name: str, raw: str, op: str, view: View) -> Any:
    column_name, kind = FIELDS[name]
    col = view.id if column_name == "event_id" else view.c[column_name]
    alternatives = []
    for alt in _alternatives(name, raw):
        if op == "between":
            lo, sep, hi = alt.partition("|")
            if not sep:
                raise BadQuery(f"{name}: BETWEEN takes two values, low|high")
            lo_v, hi_v = _typed(name, kind, lo), _typed(name, kind, hi)
            if kind == "year":
                alternatives.append(col.between(date(lo_v, 1, 1), date(hi_v, 12, 31)))
            else:
                alternatives.append(col.between(lo_v, hi_v))
            continue
        if "|" in alt and kind in ("date", "int", "year", "float"):
            raise BadQuery(f"{name}: a range low|high needs {name}_where=BETWEEN")
        v = _typed(name, kind, alt)
        if kind == "year":
            lo_d, hi_d = date(v, 1, 1), date(v, 12, 31)
            alternatives.append({"eq": col.between(lo_d, hi_d), "gt": col > hi_d, "ge": col >= lo_d,
                                 "lt": col < lo_d, "le": col <= hi_d}.get(op, col.between(lo_d, hi_d)))
            continue
        if kind == "iso":
            import pycountry

            try:
                c = pycountry.countries.get(numeric=f"{int(v):03d}")
            except ValueError:
                raise BadQuery(f"iso: {v!r} is not an ISO 3166 numeric code") from None
            alternatives.append(col == (c.alpha_3 if c else "---"))
            continue
        if op == "like":
            if kind != "text":
                raise BadQuery(f"{name}: LIKE is for text fields")
            pattern = v if "%" in v else f"%{v}%"
            alternatives.append(col.like(pattern) if engine.dialect.name == "sqlite" else col.ilike(pattern))
            continue
        if kind == "text":
            if op != "eq":
                raise BadQuery(f"{name}_where: text fields take = or LIKE")
            alternatives.append(col == v)
            continue
        alternatives.append({"eq": col == v, "gt": col > v, "lt": col < v, "ge": col >= v, "le": col <= v}[op])
    return or_(*alternatives) if len(alternatives) > 1 else alternatives[0]


def parse(engine: Engine, params: list[tuple[str, str]]) -> dict[str, Any]:
    """ACLED query parameters -> conditions, limit, page, fields, format.  BadQuery if invalid."""
    values: dict[str, str] = {}
    wheres: dict[str, str] = {}
    for key, value in params:
        if key.endswith("_where") and key[: -len("_where")] in FIELDS:
            wheres[key[: -len("_where")]] = value.strip().upper()
        elif key in FIELDS or key in CONTROL:
            if key in values and key in FIELDS:
                values[key] += ":OR:" + value
            else:
                values[key] = value
        elif key in ("region", "admin3", "source_scale", "notes", "tags", "timestamp"):
            raise BadQuery(f"{key}: warlog does not record this field; filter on one of {', '.join(FIELDS)}")
        else:
            raise BadQuery(f"unknown parameter {key!r}; ACLED fields: {', '.join(FIELDS)}; "
                           f"and limit, page, fields, _format, {{field}}_where")
    for name, op in wheres.items():
        if op not in WHERE_OPS:
            raise BadQuery(f"{name}_where: one of {', '.join(k for k in WHERE_OPS if '%' not in k)}")
        if name not in values:
            raise BadQuery(f"{name}_where given without {name}")
    view = view_of(values.get("view", "incidents").strip().lower())
    conds = []
    for name in FIELDS:
        if name in values:
            conds.append(_condition(engine, name, values[name], WHERE_OPS[wheres.get(name, "=")], view))
    try:
        limit = int(values.get("limit", DEFAULT_LIMIT))
        page = int(values.get("page", 1))
    except ValueError:
        raise BadQuery("limit and page are whole numbers") from None
    if limit < 0 or limit > MAX_LIMIT:
        raise BadQuery(f"limit: between 1 and {MAX_LIMIT} (0 means {MAX_LIMIT}); page through larger results")
    limit = limit or MAX_LIMIT
    if page < 1:
        raise BadQuery("page: 1 or more")
    fmt = values.get("_format", "json").lower()
    if fmt not in ("json", "csv"):
        raise BadQuery("_format: json or csv")
    if values.get("export_type", "dyadic").lower() != "dyadic":
        raise BadQuery("export_type: only dyadic is served")
    fields = list(ACLED_COLUMNS)
    if values.get("fields"):
        fields = [f.strip() for f in values["fields"].split("|") if f.strip()]
        unknown = [f for f in fields if f not in ACLED_COLUMNS]
        if unknown:
            raise BadQuery(f"fields: unknown {', '.join(unknown)}; ACLED columns: {', '.join(ACLED_COLUMNS)}")
    return {"conditions": conds, "limit": limit, "page": page, "fields": fields, "format": fmt, "view": view}


def read(engine: Engine, params: list[tuple[str, str]]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Rows (dicts of strings) for an ACLED read query, newest first as `warlog export` writes them
    (the same query: `warlog.store.query.iter_events`, without what an analyst rejected)."""
    q = parse(engine, params)
    evs = iter_events(engine, EventFilter(view=q["view"].name), where=q["conditions"], limit=q["limit"],
                      offset=(q["page"] - 1) * q["limit"], chunk=q["limit"])
    out = []
    for e in evs:
        row = acled_row(e)
        out.append({f: row[f] for f in q["fields"]})
    return out, q


__all__ = ["parse", "read", "FIELDS", "iso_numeric"]
