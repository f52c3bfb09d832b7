"""The one way events are read: `warlog events`, the HTTP API (`/api/events`, `/api/stats`),
the ACLED-compatible endpoint, `warlog export` and the tally check all query through here.

Two views of the same store: ``incidents`` (the default), one row per incident merged across
its reports (`merged_events`, written by `warlog.merge.dedup`), and ``reports``, one row per report
(the mentions in `events`).  An incident is read as a `MergedEvent` whose id is the merged id,
with ``number_of_sources``, ``first_reported``, ``latest_reported``, its ``sources`` (document
ids), ``mentions`` (the reports' event ids) and ``outlets``; its evidence is the evidence of
every linked report.  Both views leave out what an analyst rejected unless the filter's
``review`` asks for it.

One filter model (`EventFilter`) is turned into SQLAlchemy Core conditions that run the same
on SQLite and PostgreSQL, on either view.  Values are always bound parameters; the names of columns to sort
or group by come from fixed lists.  Free-text values that look like SQL are refused before
any query runs (`BadQuery`), so a caller gets a clear 4xx instead of an empty answer.

Speed on large stores: country, admin1, event and sub-event types are matched exactly (after
mapping the caller's spelling onto the stored one, ignoring case), so the indexes of
migrations 0003 (reports) and 0004 (incidents) answer filtered pages, counts and stats without a
table scan.
"""
from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Column, Engine, String, Table, exists, func, literal, or_, select, type_coerce
from sqlalchemy.sql import ColumnElement

from warlog.records import Event, MergedEvent, Span
from warlog.store.db import (documents, event_links, event_overrides, event_reviews, events, evidence, in_chunks,
                          merged_events)
from warlog.vocabulary import EVENT_TYPES, SUB_EVENT_TYPES

MAX_PER_PAGE = 500
MAX_TEXT = 200
SORTABLE = ("event_date", "fatalities", "country", "admin1", "location", "event_type", "sub_event_type",
            "actor1", "event_id", "confidence")
SORTABLE_INCIDENTS = ("number_of_sources", "first_reported", "latest_reported")  # incidents view only
STATS_BY = {"event_type": "event_type", "sub_event_type": "sub_event_type", "actor": "actor1", "actor1": "actor1",
            "admin1": "admin1", "country": "country", "none": None}
VIEWS = ("incidents", "reports")
STATS_INTERVALS = ("week", "month", "year", "none")
REVIEW_STATES = ("unrejected", "all", "accepted", "rejected", "edited", "unreviewed")
EVENT_FIELDS: tuple[str, ...] = tuple(n for n in Event.model_fields if n not in ("event_id", "doc_id", "evidence"))
# the Event fields a merged event stores (it has no qualifier of its own: its low and high say the spread)
MERGED_FIELDS: tuple[str, ...] = tuple(n for n in EVENT_FIELDS if n in merged_events.c)
INCIDENT_EXTRA = ("number_of_sources", "first_reported", "latest_reported")


@dataclass(frozen=True)
class View:
    """Where a view's rows live: the table and its id column."""

    name: str
    table: Table
    id: Column

    @property
    def c(self) -> Any:
        return self.table.c


INCIDENTS = View("incidents", merged_events, merged_events.c.merged_id)
REPORTS = View("reports", events, events.c.event_id)


def view_of(name: str) -> View:
    if name == "incidents":
        return INCIDENTS
    if name == "reports":
        return REPORTS
    raise BadQuery(f"view: one of {', '.join(VIEWS)} (incidents: one row per incident merged across its reports; "
                   f"reports: one row per report)")


def is_merged_id(event_id: str) -> bool:
    return event_id.startswith("me-")

# SQL keywords or comment/terminator tokens: a value holding these is not a place or a name
_SQLISH = re.compile(
    r"(--|/\*|\*/|;|\x00|\b(select|union|insert|update|delete|drop|alter|create|exec)\b\s+\S|"
    r"'\s*(or|and)\s+\S+\s*=|\bor\s+1\s*=\s*1\b)",
    re.IGNORECASE,
)


class BadQuery(ValueError):
    """A request that cannot be answered: the message says what is wrong and what is accepted."""


def check_text(name: str, value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > MAX_TEXT:
        raise BadQuery(f"{name}: at most {MAX_TEXT} characters")
    if any(ord(c) < 32 for c in value):
        raise BadQuery(f"{name}: control characters are not allowed")
    if _SQLISH.search(value):
        raise BadQuery(f"{name}: {value!r} looks like SQL; parameters are plain values (a name, a place, a word)")
    return value


def _canon(name: str, value: str, allowed: Sequence[str]) -> str:
    for a in allowed:
        if a.lower() == value.lower():
            return a
    raise BadQuery(f"{name}: unknown value {value!r}; one of: {', '.join(allowed)}")


class EventFilter(BaseModel):
    """What `/api/events`, `/api/stats`, `/api/acled/read` and `warlog export` select by."""

    model_config = ConfigDict(extra="forbid")

    view: Literal["incidents", "reports"] = Field(
        "incidents", description="incidents: one row per incident, merged across reports; reports: one row per report")
    since: date | None = Field(None, description="first event date, inclusive (YYYY-MM-DD)")
    until: date | None = Field(None, description="last event date, inclusive (YYYY-MM-DD)")
    country: list[str] = Field(default_factory=list, description="country names, any of them")
    admin1: list[str] = Field(default_factory=list)
    actor: str | None = Field(None, description="part of actor1, actor2 or their associates")
    event_type: list[str] = Field(default_factory=list)
    sub_event_type: list[str] = Field(default_factory=list)
    disorder_type: list[str] = Field(default_factory=list)
    bbox: tuple[float, float, float, float] | None = Field(None, description="west,south,east,north")
    min_fatalities: int | None = Field(None, ge=0)
    q: str | None = Field(None, description="words in the location, actors or evidence")
    review: Literal["unrejected", "all", "accepted", "rejected", "edited", "unreviewed"] = "unrejected"
    event_ids: list[str] = Field(default_factory=list)
    inter: list[int] = Field(default_factory=list, description="actor type code of either side")

    @field_validator("country", "admin1", "event_ids", "disorder_type")
    @classmethod
    def _texts(cls, v: list[str], info: Any) -> list[str]:
        return [check_text(info.field_name, x) for x in v if x.strip()]

    @field_validator("actor", "q")
    @classmethod
    def _text(cls, v: str | None, info: Any) -> str | None:
        return None if v is None or not v.strip() else check_text(info.field_name, v)

    @field_validator("event_type")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return [_canon("event_type", check_text("event_type", x), EVENT_TYPES) for x in v if x.strip()]

    @field_validator("sub_event_type")
    @classmethod
    def _sub_types(cls, v: list[str]) -> list[str]:
        return [_canon("sub_event_type", check_text("sub_event_type", x), list(SUB_EVENT_TYPES)) for x in v if x.strip()]

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, v: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if v is None:
            return v
        w, s, e, n = v
        if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90):
            raise BadQuery("bbox: west,south,east,north in degrees, south <= north")
        return v

    @model_validator(mode="after")
    def _range(self) -> EventFilter:
        if self.since and self.until and self.since > self.until:
            raise BadQuery(f"since ({self.since}) is after until ({self.until})")
        return self


# --------------------------------------------------------------------------- spelling
class _Spellings:
    """Stored spellings of country and admin1 names, so a filter can match exactly (indexed)."""

    TTL = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str, str], tuple[float, dict[str, list[str]]]] = {}

    def resolve(self, engine: Engine, column: str, value: str, table: Table = events) -> list[str]:
        key = (id(engine), table.name, column)
        low = value.lower()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            age = time.monotonic() - hit[0]
            if (low in hit[1] and age < self.TTL) or age < 2.0:
                return hit[1].get(low, [value])
        col = table.c[column]
        with engine.connect() as conn:
            values = [r[0] for r in conn.execute(select(col).where(col.is_not(None)).distinct())]
        spelt: dict[str, list[str]] = {}
        for v in values:
            spelt.setdefault(v.lower(), []).append(v)
        with self._lock:
            self._cache[key] = (time.monotonic(), spelt)
        return spelt.get(low, [value])

    def values(self, engine: Engine, column: str, table: Table = events) -> list[str]:
        """Every stored spelling of a column's values (e.g. the countries to offer as filters)."""
        self.resolve(engine, column, "\x00", table)
        with self._lock:
            hit = self._cache.get((id(engine), table.name, column))
        return sorted(v for vs in (hit[1] if hit else {}).values() for v in vs)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


spellings = _Spellings()


# --------------------------------------------------------------------------- conditions
def _icontains(engine: Engine, col: Any, needle: str) -> ColumnElement[bool]:
    if engine.dialect.name == "sqlite":
        if needle.isascii():
            # SQLite's LIKE ignores ASCII case by itself and stays off the Python lower()
            return col.contains(needle, autoescape=True)
        # beyond ASCII, the Unicode-aware lower() the store registers ("CÔTE" finds "Côte")
        return func.lower(col).contains(needle.lower(), autoescape=True)
    return col.icontains(needle, autoescape=True)


def conditions(engine: Engine, f: EventFilter, conn: Any = None) -> list[ColumnElement[bool]]:
    v = view_of(f.view)
    c = v.c
    out: list[ColumnElement[bool]] = []
    if f.since is not None:
        out.append(c.event_date >= f.since)
    if f.until is not None:
        out.append(c.event_date <= f.until)
    for name in ("country", "admin1"):
        wanted = getattr(f, name)
        if wanted:
            names = sorted({s for w in wanted for s in spellings.resolve(engine, name, w, v.table)})
            out.append(c[name] == names[0] if len(names) == 1 else c[name].in_(names))
    for name in ("event_type", "sub_event_type"):
        wanted = getattr(f, name)
        if wanted:
            out.append(c[name] == wanted[0] if len(wanted) == 1 else c[name].in_(wanted))
    if f.disorder_type:
        out.append(or_(*(_icontains(engine, c.disorder_type, d) for d in f.disorder_type)))
    if f.event_ids:
        out.append(v.id.in_(f.event_ids))
    if f.inter:
        out.append(or_(c.inter1.in_(f.inter), c.inter2.in_(f.inter)))
    if f.min_fatalities:
        out.append(c.fatalities >= f.min_fatalities)
    if f.bbox is not None:
        w, s, e, n = f.bbox
        out.append(c.latitude.between(s, n))
        if w <= e:
            out.append(c.longitude.between(w, e))
        else:  # across the antimeridian
            out.append(or_(c.longitude >= w, c.longitude <= e))
    if f.actor:
        out.append(or_(*(_icontains(engine, col, f.actor)
                         for col in (c.actor1, c.actor2, c.assoc_actor_1, c.assoc_actor_2))))
    if f.q:
        words = [w for w in f.q.split() if w][:8]
        for w in words:
            if v is REPORTS:
                in_evidence = exists().where(evidence.c.event_id == c.event_id, _icontains(engine, evidence.c.text, w))
            else:  # the evidence of any report of the incident
                in_evidence = exists().where(event_links.c.merged_id == c.merged_id,
                                             evidence.c.event_id == event_links.c.event_id,
                                             _icontains(engine, evidence.c.text, w))
            out.append(or_(
                *(_icontains(engine, col, w) for col in (c.location, c.admin1, c.admin2, c.actor1, c.actor2,
                                                          c.sub_event_type, c.country)),
                in_evidence,
            ))
    out.extend(_review_conditions(engine, f.review, v.id))
    return out


def _review_conditions(engine: Engine, review: str, id_col: Any = None) -> list[ColumnElement[bool]]:
    """Review states are kept by id: a report's event id or an incident's merged id."""
    r = event_reviews
    id_col = events.c.event_id if id_col is None else id_col
    if review == "all":
        return []
    if review == "unrejected":
        with engine.connect() as conn:  # most stores have no rejections: no clause at all then
            if not conn.execute(select(literal(1)).where(r.c.status == "rejected").limit(1)).first():
                return []
        return [id_col.not_in(select(r.c.event_id).where(r.c.status == "rejected"))]
    if review == "unreviewed":
        return [id_col.not_in(select(r.c.event_id))]
    return [id_col.in_(select(r.c.event_id).where(r.c.status == review))]


def _order(engine: Engine, sort: str, view: View = REPORTS) -> list[Any]:
    desc = sort.startswith("-")
    name = sort.lstrip("-+ ")
    allowed = SORTABLE + (SORTABLE_INCIDENTS if view is INCIDENTS else ())
    if name not in allowed:
        extra = (f"; {', '.join(SORTABLE_INCIDENTS)} in the incidents view" if view is REPORTS
                 and name in SORTABLE_INCIDENTS else "")
        raise BadQuery(f"sort: unknown field {name!r}; one of {', '.join(allowed)} (prefix - for descending){extra}")
    col = view.id if name == "event_id" else view.c[name]
    pg = engine.dialect.name == "postgresql"
    if desc:
        key = col.desc().nulls_last() if pg else col.desc()  # SQLite puts NULL last when descending
    else:
        key = col.asc().nulls_last() if pg else col.asc()
    return [key] if name == "event_id" else [key, view.id]


# --------------------------------------------------------------------------- reads
def _review_state(conn: Any, ids: Sequence[str]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    overrides: dict[str, dict[str, Any]] = {}
    reviews: dict[str, str] = {}
    for chunk in in_chunks(ids):
        for o in conn.execute(select(event_overrides.c.event_id, event_overrides.c.field, event_overrides.c.value)
                              .where(event_overrides.c.event_id.in_(chunk))):
            overrides.setdefault(o.event_id, {})[o.field] = o.value
        for rv in conn.execute(select(event_reviews.c.event_id, event_reviews.c.status)
                               .where(event_reviews.c.event_id.in_(chunk))):
            reviews[rv.event_id] = rv.status
    return overrides, reviews


def _evidence_of(conn: Any, event_ids: Sequence[str]) -> dict[str, list[Span]]:
    """The evidence spans of these events (report mentions), in their order."""
    spans: dict[str, list[Span]] = {}
    for chunk in in_chunks(event_ids):
        q = (select(evidence.c.event_id, evidence.c.start, evidence.c.end, evidence.c.text)
             .where(evidence.c.event_id.in_(chunk)).order_by(evidence.c.event_id, evidence.c.ordinal))
        for e in conn.execute(q):
            spans.setdefault(e.event_id, []).append(Span(start=e.start, end=e.end, text=e.text))
    return spans


def rows_to_events(conn: Any, rows: Sequence[Any], *, annotate: bool = True) -> list[Event]:
    """Event records for rows of `events`, with evidence; ``annotate``: also analysts' overrides,
    review status and when the report was stored (what the API and the exports show), else
    the stored values only (what `warlog events --mentions` prints)."""
    ids = [r["event_id"] for r in rows]
    spans = _evidence_of(conn, ids)
    overrides, reviews = _review_state(conn, ids) if annotate else ({}, {})
    out: list[Event] = []
    for r in rows:
        data: dict[str, Any] = dict(r["extra"] or {}) if "extra" in r else {}
        data.update({name: r[name] for name in EVENT_FIELDS})
        if data["coded_by"] is None:  # stored before migration 0005
            data["coded_by"] = []
        data.update(overrides.get(r["event_id"], {}))  # an analyst's value always wins
        data.update(event_id=r["event_id"], doc_id=r["doc_id"], evidence=spans.get(r["event_id"], []))
        if annotate and "created_at" in r:
            data["created_at"] = r["created_at"]
        if annotate:
            data["review_status"] = reviews.get(r["event_id"], "unreviewed")
            data["edited_fields"] = sorted(overrides.get(r["event_id"], {}))
        out.append(Event(**data))
    return out


def merged_rows_to_events(conn: Any, rows: Sequence[Any], *, annotate: bool = True) -> list[MergedEvent]:
    """Incidents for rows of `merged_events`: the incident's values (``annotate``: an analyst's
    override on top, and the review status), its reports in the order they were published
    (undated last), and the evidence of every report."""
    ids = [r["merged_id"] for r in rows]
    members: dict[str, list[Any]] = {}
    for chunk in in_chunks(ids):
        q = (select(event_links.c.merged_id, events.c.event_id, events.c.doc_id, documents.c.source,
                    documents.c.published)
             .join(events, events.c.event_id == event_links.c.event_id)
             .join(documents, documents.c.id == events.c.doc_id)
             .where(event_links.c.merged_id.in_(chunk)))
        for m in conn.execute(q):
            members.setdefault(m.merged_id, []).append(m)
    for ms in members.values():
        ms.sort(key=lambda m: (m.published is None, str(m.published or ""), m.event_id))
    spans = _evidence_of(conn, [m.event_id for ms in members.values() for m in ms])
    overrides, reviews = _review_state(conn, ids) if annotate else ({}, {})
    out: list[MergedEvent] = []
    for r in rows:
        mid = r["merged_id"]
        ms = members.get(mid, [])
        data: dict[str, Any] = {name: r[name] for name in MERGED_FIELDS}
        data.update(overrides.get(mid, {}))  # an analyst's value always wins
        evidence_spans: list[Span] = []
        seen: set[str] = set()
        for m in ms:
            for sp in spans.get(m.event_id, []):
                if sp.text not in seen:  # the same sentence syndicated by two outlets is said once
                    seen.add(sp.text)
                    evidence_spans.append(sp)
        outlets: list[str] = []
        for m in ms:
            if m.source and m.source not in outlets:
                outlets.append(m.source)
        docs = list(dict.fromkeys(m.doc_id for m in ms))
        data.update(event_id=mid, doc_id=docs[0] if docs else "", evidence=evidence_spans,
                    number_of_sources=r["number_of_sources"], first_reported=r["first_reported"],
                    latest_reported=r["latest_reported"], sources=docs, mentions=[m.event_id for m in ms],
                    outlets=outlets, created_at=r["created_at"], updated_at=r["updated_at"])
        if annotate:
            data["review_status"] = reviews.get(mid, "unreviewed")
            data["edited_fields"] = sorted(overrides.get(mid, {}))
        out.append(MergedEvent(**data))
    return out


def to_events(conn: Any, view: View, rows: Sequence[Any], *, annotate: bool = True) -> Sequence[Event]:
    if view is INCIDENTS:
        return merged_rows_to_events(conn, rows, annotate=annotate)
    return rows_to_events(conn, rows, annotate=annotate)


class _Counts:
    """Totals of recent filters, for a few seconds: paging through one filter counts once.

    Writes through the API clear it (`counts.clear()`); a write by another process shows in
    totals after at most TTL seconds (the rows themselves are always current)."""

    TTL = 15.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str], tuple[float, int]] = {}

    def get(self, engine: Engine, conn: Any, conds: Sequence[Any], table: Table = events) -> int:
        # no WHERE at all when nothing is filtered: SQLite counts a whole table several times
        # faster from its smallest index than through even a `WHERE 1 = 1`
        query = select(func.count()).select_from(table)
        if conds:
            query = query.where(*conds)
        compiled = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": False})
        key = (id(engine), f"{compiled}|{sorted(compiled.params.items(), key=str)}")
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.TTL:
            return hit[1]
        n = int(conn.execute(query).scalar_one())
        with self._lock:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = (now, n)
        return n

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


counts = _Counts()


def page(engine: Engine, f: EventFilter, *, sort: str = "-event_date", page: int = 1,
         per_page: int = 50, count: bool = True) -> tuple[list[Event], int | None]:
    if page < 1:
        raise BadQuery("page: must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadQuery(f"per_page: between 1 and {MAX_PER_PAGE}")
    v = view_of(f.view)
    conds = conditions(engine, f)
    # the page's ids first (from an index, however deep the page), then only those rows
    ids_query = (select(v.id).where(*conds).order_by(*_order(engine, sort, v)).limit(per_page)
                 .offset((page - 1) * per_page))
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(ids_query)]
        found = {r[v.id.name]: r for r in conn.execute(select(v.table).where(v.id.in_(ids))).mappings()} if ids else {}
        rows = [found[i] for i in ids if i in found]
        total = counts.get(engine, conn, conds, v.table) if count else None
        return to_events(conn, v, rows), total


def iter_events(engine: Engine, f: EventFilter, *, sort: str = "-event_date", limit: int | None = None,
                offset: int = 0, chunk: int = 1000, where: Sequence[ColumnElement[bool]] = (),
                annotate: bool = True) -> Iterator[Event]:
    """Every event the filter (and the conditions ``where``, on the filter's view) selects, in
    order, read in chunks: `warlog events`, `warlog export`, `/api/acled/read`."""
    v = view_of(f.view)
    conds = [*conditions(engine, f), *where]
    order = _order(engine, sort, v)
    done = 0
    while limit is None or done < limit:
        n = chunk if limit is None else min(chunk, limit - done)
        query = select(v.table).where(*conds).order_by(*order).limit(n).offset(offset + done)
        with engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            batch = to_events(conn, v, rows, annotate=annotate)
        yield from batch
        done += len(rows)
        if len(rows) < n:
            break


def unmerged_count(engine: Engine) -> int:
    """Reports stored but not merged into an incident yet (`warlog merge` merges them)."""
    linked = select(event_links.c.event_id).where(event_links.c.event_id == events.c.event_id).exists()
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events).where(~linked)).scalar_one())


def get_event(engine: Engine, event_id: str) -> Event | None:
    """A merged event (by its merged id) or a report's event (by its event id)."""
    with engine.connect() as conn:
        row = conn.execute(select(merged_events).where(merged_events.c.merged_id == event_id)).mappings().first()
        if row is not None:
            return merged_rows_to_events(conn, [row])[0]
        row = conn.execute(select(events).where(events.c.event_id == event_id)).mappings().first()
        return rows_to_events(conn, [row])[0] if row else None


@lru_cache(maxsize=65536)
def _period_of(day: date | str, interval: str) -> str:
    d = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    if interval == "week":  # the Monday of the week
        return (d - timedelta(days=d.weekday())).isoformat()
    if interval == "month":
        return d.replace(day=1).isoformat()
    return d.replace(month=1, day=1).isoformat()


def stats(engine: Engine, f: EventFilter, *, interval: str = "week", by: str = "event_type",
          limit: int = 5000) -> list[dict[str, Any]]:
    """Counts of events and fatalities by period (week, month, year, none) and by a field.

    The database groups by day (a plain column, read from a covering index; no date function
    per row, the same SQL on SQLite and PostgreSQL); days are rolled up into weeks, months or
    years here.
    """
    if interval not in STATS_INTERVALS:
        raise BadQuery(f"interval: one of {', '.join(STATS_INTERVALS)}")
    if by not in STATS_BY:
        raise BadQuery(f"by: one of {', '.join(STATS_BY)}")
    v = view_of(f.view)
    key = v.c[STATS_BY[by]] if STATS_BY[by] is not None else None
    cols = []
    if interval != "none":
        # read as stored (text on SQLite): no date object built per row by the driver
        cols.append(type_coerce(v.c.event_date, String).label("day"))
    if key is not None:
        cols.append(key.label("key"))
    conds = conditions(engine, f)
    if interval != "none":
        conds.append(v.c.event_date.is_not(None))
    query = select(*cols, func.count().label("events"), func.coalesce(func.sum(v.c.fatalities), 0).label("fatalities"))
    if conds:
        query = query.where(*conds)
    if cols:
        query = query.group_by(*cols)
    acc: dict[tuple[str | None, str | None], list[int]] = {}
    dated, keyed = interval != "none", key is not None
    with engine.connect() as conn:
        for r in conn.execute(query):  # rows as tuples: (day?, key?, events, fatalities)
            period = _period_of(r[0], interval) if dated else None
            k = (period, r[1 if dated else 0] if keyed else None)
            slot = acc.get(k)
            if slot is None:
                acc[k] = [int(r[-2]), int(r[-1])]
            else:
                slot[0] += r[-2]
                slot[1] += r[-1]
    out = []
    for (period, k), (n, dead) in sorted(acc.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
        row: dict[str, Any] = {"events": n, "fatalities": dead}
        if interval != "none":
            row["period"] = period
        if key is not None:
            row["key"] = k
        out.append(row)
    return out[:limit]
