"""Exports in the formats analysts' tools read: ACLED CSV, UCDP GED CSV, GeoJSON, Parquet.

Incidents (merged events) by default, one row each; ``--view reports`` one row per report.
`acled_row` is the one mapping from an `Event` to ACLED's columns; the ACLED-compatible API
(`/api/acled/read`) and `warlog export --format acled-csv` both use it, so the two agree row
for row.  Values are strings as in ACLED's own files: dates YYYY-MM-DD, numbers without
quotes, coordinates to 4 decimals, absent values empty.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from functools import lru_cache
from typing import IO, Any

from warlog.records import Event

FORMATS = ("acled-csv", "ucdp-csv", "geojson", "parquet", "jsonl")

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)

UCDP_COLUMNS = (
    "id", "year", "type_of_violence", "side_a", "side_b", "country", "adm_1", "adm_2", "where_coordinates",
    "where_prec", "latitude", "longitude", "date_start", "date_end", "date_prec", "best", "low", "high",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "number_of_sources", "source_article",
    "source_headline", "event_clarity",
)

POLITICAL_VIOLENCE = ("Battles", "Violence against civilians", "Explosions/Remote violence")


class ExportError(RuntimeError):
    pass


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


@lru_cache(maxsize=512)
def iso_numeric(iso3: str | None) -> str:
    if not iso3:
        return ""
    try:
        import pycountry

        c = pycountry.countries.get(alpha_3=iso3.upper())
        return str(int(c.numeric)) if c is not None else ""
    except Exception:  # noqa: BLE001 - an unknown code is left empty
        return ""


def _timestamp(event: Event) -> str:
    # an incident (MergedEvent): when it last changed; a report's event: when it was stored
    created = getattr(event, "updated_at", None) or getattr(event, "created_at", None)
    if isinstance(created, datetime):
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        return str(int(created.timestamp()))
    return ""


def acled_row(event: Event) -> dict[str, str]:
    """An event in ACLED's export columns, every value a string."""
    notes = " ".join(s.text.strip() for s in event.evidence)
    tags = []
    if event.fatalities_qualifier and event.fatalities_qualifier != "exact":
        tags.append(f"fatalities {event.fatalities_qualifier}")
    if event.fatalities_low is not None and event.fatalities_high is not None and event.fatalities_low != event.fatalities_high:
        tags.append(f"fatalities range={event.fatalities_low}-{event.fatalities_high}")
    row = {
        "event_id_cnty": event.event_id or "",
        "event_date": event.event_date.isoformat() if event.event_date else "",
        "year": str(event.event_date.year) if event.event_date else "",
        "time_precision": _s(event.time_precision),
        "disorder_type": event.disorder_type,
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "actor1": _s(event.actor1),
        "assoc_actor_1": _s(event.assoc_actor_1),
        "inter1": _s(event.inter1),
        "actor2": _s(event.actor2),
        "assoc_actor_2": _s(event.assoc_actor_2),
        "inter2": _s(event.inter2),
        "interaction": _s(event.interaction),
        "civilian_targeting": _s(event.civilian_targeting),
        "iso": iso_numeric(event.iso3),
        "region": "",
        "country": _s(event.country),
        "admin1": _s(event.admin1),
        "admin2": _s(event.admin2),
        "admin3": "",
        "location": _s(event.location),
        "latitude": _s(event.latitude),
        "longitude": _s(event.longitude),
        "geo_precision": _s(event.geo_precision),
        "source": _s(event.reported_by),
        "source_scale": "",
        "notes": notes,
        "fatalities": str(event.fatalities),
        "tags": "; ".join(tags),
        "timestamp": _timestamp(event),
    }
    return row


def _ucdp_type(e: Event) -> int:
    if e.event_type == "Violence against civilians" or e.civilian_targeting:
        return 3
    return 1 if 1 in (e.inter1, e.inter2) else 2


def ucdp_row(event: Event) -> dict[str, str] | None:
    """An event in UCDP GED's columns; None for events UCDP does not count (no organised violence)."""
    if event.event_type not in POLITICAL_VIOLENCE:
        return None
    t = _ucdp_type(event)
    best = event.fatalities
    where_prec = {1: 1, 2: 2, 3: 4}.get(event.geo_precision or 0, 7 if event.latitude is None else 6)
    date_prec = {1: 1, 2: 3, 3: 4}.get(event.time_precision, 5)
    d = event.event_date.isoformat() if event.event_date else ""
    where = ", ".join(x for x in (event.location, event.admin1, event.country) if x)
    return {
        "id": event.event_id or "",
        "year": str(event.event_date.year) if event.event_date else "",
        "type_of_violence": str(t),
        "side_a": _s(event.actor1),
        "side_b": _s(event.actor2) or ("Civilians" if t == 3 else ""),
        "country": _s(event.country),
        "adm_1": _s(event.admin1),
        "adm_2": _s(event.admin2),
        "where_coordinates": where,
        "where_prec": str(where_prec),
        "latitude": _s(event.latitude),
        "longitude": _s(event.longitude),
        "date_start": d,
        "date_end": d,
        "date_prec": str(date_prec),
        "best": str(best),
        "low": str(event.fatalities_low if event.fatalities_low is not None else best),
        "high": str(event.fatalities_high if event.fatalities_high is not None else best),
        "deaths_a": "0",
        "deaths_b": "0",
        "deaths_civilians": str(best if t == 3 else 0),
        "deaths_unknown": str(0 if t == 3 else best),
        "number_of_sources": str(getattr(event, "number_of_sources", None)
                                 or len(getattr(event, "sources", None) or []) or 1),
        "source_article": _s(event.reported_by),
        "source_headline": "",
        "event_clarity": "1" if event.confidence >= 0.6 else "2",
    }


def geojson_feature(event: Event) -> dict[str, Any]:
    props = event.model_dump(mode="json", exclude={"evidence"})
    props["evidence"] = [s.text for s in event.evidence]
    geometry = None
    if event.latitude is not None and event.longitude is not None:
        geometry = {"type": "Point", "coordinates": [event.longitude, event.latitude]}
    return {"type": "Feature", "id": event.event_id, "geometry": geometry, "properties": props}


def write_csv(rows: Iterable[dict[str, str]], columns: tuple[str, ...], fh: IO[str]) -> int:
    writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n


def acled_csv(rows: Iterable[dict[str, str]], columns: tuple[str, ...] = ACLED_COLUMNS) -> str:
    buf = io.StringIO()
    write_csv(rows, columns, buf)
    return buf.getvalue()


def write_geojson(events: Iterable[Event], fh: IO[str]) -> int:
    fh.write('{"type":"FeatureCollection","features":[\n')
    n = 0
    for e in events:
        fh.write(("," if n else "") + json.dumps(geojson_feature(e), ensure_ascii=False) + "\n")
        n += 1
    fh.write("]}\n")
    return n


def write_parquet(events: Iterable[Event], path: str) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("parquet export needs pyarrow, an optional extra: pip install 'warlog[parquet]'") from None
    rows = [acled_row(e) for e in events]
    table = pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in ACLED_COLUMNS]))
    # typed columns, as analysts' tools expect them
    casts = {"year": pa.int32(), "time_precision": pa.int8(), "inter1": pa.int8(), "inter2": pa.int8(),
             "latitude": pa.float64(), "longitude": pa.float64(), "geo_precision": pa.int8(),
             "fatalities": pa.int32(), "timestamp": pa.int64()}
    import pyarrow.compute as pc

    for name, typ in casts.items():
        i = table.schema.get_field_index(name)
        col = pc.if_else(pc.equal(table[name], ""), pa.scalar(None, pa.string()), table[name])
        table = table.set_column(i, name, pc.cast(col, typ))
    i = table.schema.get_field_index("event_date")
    col = pc.if_else(pc.equal(table["event_date"], ""), pa.scalar(None, pa.string()), table["event_date"])
    table = table.set_column(i, "event_date", pc.cast(pc.cast(col, pa.timestamp("s")), pa.date32()))
    pq.write_table(table, path)
    return len(rows)


def export(events: Iterator[Event], fmt: str, fh: IO[str] | None = None, path: str | None = None) -> int:
    """Write events in `fmt` to an open text file (CSV, GeoJSON, JSONL) or a path (Parquet)."""
    if fmt == "acled-csv":
        return write_csv((acled_row(e) for e in events), ACLED_COLUMNS, fh)  # type: ignore[arg-type]
    if fmt == "ucdp-csv":
        return write_csv((r for r in (ucdp_row(e) for e in events) if r is not None), UCDP_COLUMNS, fh)  # type: ignore[arg-type]
    if fmt == "geojson":
        return write_geojson(events, fh)  # type: ignore[arg-type]
    if fmt == "jsonl":
        n = 0
        for e in events:
            fh.write(e.model_dump_json() + "\n")  # type: ignore[union-attr]
            n += 1
        return n
    if fmt == "parquet":
        if not path or path == "-":
            raise ExportError("parquet is binary: give a file with -o")
        return write_parquet(events, path)
    raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
