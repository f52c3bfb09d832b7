"""Analysts' review: accept, edit or reject an event; every action in the audit log.

Both kinds of event are reviewed the same way, by id: an incident (a merged event, ``me-...``,
in `merged_events`) or one report's event (``ev-...``, in `events`).

An edit is stored as an override (`event_overrides`: field, the analyst's value, the value the
machine had) and also written into the event's row so that filters, stats and exports see it.
Whatever later rewrites the row -- re-extraction, or merging: a new report joining an incident
makes `warlog.merge.dedup.assign` reconcile its fields again -- the analyst's value is put back:
`keep_analyst_values` runs inside the merge's own transaction, `reapply_overrides` over the
whole store (when the API starts, after an ingest), and reads lay the overrides on top again
(`warlog.store.query`).  The machine's latest value is kept beside the analyst's (``machine_value``).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import Engine, Table, delete, insert, select, update

from warlog.store.query import EVENT_FIELDS, MERGED_FIELDS, BadQuery, get_event
from warlog.records import Event
from warlog.store.db import audit_log, event_overrides, event_reviews, events, in_chunks, merged_events

EDITABLE = tuple(n for n in EVENT_FIELDS if n not in ("confidence",))
EDITABLE_MERGED = tuple(n for n in MERGED_FIELDS if n not in ("confidence",))
ACTIONS = ("accept", "reject", "edit", "reopen")


class NotFound(LookupError):
    pass


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _json(v: Any) -> Any:
    return to_jsonable_python(v)


def _column_value(field: str, value: Any) -> Any:
    if field == "event_date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _target(conn: Any, event_id: str) -> tuple[Table, Any, tuple[str, ...]] | None:
    """(table, id column, editable fields) of the event with that id; None if there is none."""
    if conn.execute(select(merged_events.c.merged_id).where(merged_events.c.merged_id == event_id)).first():
        return merged_events, merged_events.c.merged_id, EDITABLE_MERGED
    if conn.execute(select(events.c.event_id).where(events.c.event_id == event_id)).first():
        return events, events.c.event_id, EDITABLE
    return None


def editable_fields(engine: Engine, event_id: str) -> tuple[str, ...]:
    with engine.connect() as conn:
        t = _target(conn, event_id)
    return t[2] if t else ()


def edit(engine: Engine, event_id: str, changes: dict[str, Any], *, who: str, note: str | None = None) -> Event:
    """Set fields of an event; each changed field is an override and an audit entry."""
    if not changes:
        raise BadQuery("nothing to change: give at least one field")
    with engine.connect() as conn:
        target = _target(conn, event_id)
    if target is None:
        raise NotFound(event_id)
    table, id_col, editable = target
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise BadQuery(f"not editable: {', '.join(unknown)}; editable fields: {', '.join(editable)}")
    current = get_event(engine, event_id)
    if current is None:
        raise NotFound(event_id)
    data = current.model_dump()
    data.update(changes)
    try:
        checked = Event.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BadQuery(f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}") from None
    _check_values(checked, changes)
    now = _now()
    with engine.begin() as conn:
        machine = conn.execute(select(table).where(id_col == event_id)).mappings().first()
        existing = {r.field: r for r in conn.execute(select(event_overrides).where(event_overrides.c.event_id == event_id))}
        row_updates: dict[str, Any] = {}
        for field in changes:
            old, new = getattr(current, field), getattr(checked, field)
            if old == new:
                continue
            prior = existing.get(field)
            machine_value = prior.machine_value if prior is not None else _json(machine[field])
            conn.execute(delete(event_overrides).where(event_overrides.c.event_id == event_id,
                                                       event_overrides.c.field == field))
            conn.execute(insert(event_overrides), [{"event_id": event_id, "field": field, "value": _json(new),
                                                    "machine_value": machine_value, "by": who, "at": now}])
            conn.execute(insert(audit_log), [{"event_id": event_id, "action": "edit", "field": field,
                                              "old": _json(old), "new": _json(new), "who": who, "at": now,
                                              "note": note}])
            row_updates[field] = new
        if row_updates:
            conn.execute(update(table).where(id_col == event_id).values(**row_updates))
            _set_status(conn, event_id, "edited", who, now, only_if_unreviewed=True)
    return get_event(engine, event_id)  # type: ignore[return-value]


COUNTS = ("fatalities", "fatalities_low", "fatalities_high", "injured", "captured")


def _check_values(ev: Event, changes: dict[str, Any]) -> None:
    """What the record type lets through but no event can have."""
    for f in COUNTS:
        v = getattr(ev, f)
        if f in changes and v is not None and v < 0:
            raise BadQuery(f"{f}: a count, 0 or more (got {v})")
    if "latitude" in changes and ev.latitude is not None and not -90 <= ev.latitude <= 90:
        raise BadQuery(f"latitude: between -90 and 90 (got {ev.latitude})")
    if "longitude" in changes and ev.longitude is not None and not -180 <= ev.longitude <= 180:
        raise BadQuery(f"longitude: between -180 and 180 (got {ev.longitude})")
    low, high = ev.fatalities_low, ev.fatalities_high
    if {"fatalities_low", "fatalities_high"} & set(changes) and low is not None and high is not None and low > high:
        raise BadQuery(f"fatalities_low ({low}) is above fatalities_high ({high})")


def _set_status(conn: Any, event_id: str, status: str, who: str, now: datetime, *, only_if_unreviewed: bool = False) -> None:
    prior = conn.execute(select(event_reviews.c.status).where(event_reviews.c.event_id == event_id)).scalar()
    if only_if_unreviewed and prior is not None:
        return
    conn.execute(delete(event_reviews).where(event_reviews.c.event_id == event_id))
    conn.execute(insert(event_reviews), [{"event_id": event_id, "status": status, "by": who, "at": now}])


def set_review(engine: Engine, event_id: str, action: str, *, who: str, note: str | None = None) -> Event:
    """accept, reject, or reopen (back to unreviewed) an event; kept in the audit log."""
    if action not in ("accept", "reject", "reopen"):
        raise BadQuery("action: one of accept, reject, reopen (edits go to PATCH /api/events/{id})")
    current = get_event(engine, event_id)
    if current is None:
        raise NotFound(event_id)
    old = getattr(current, "review_status", "unreviewed")
    new = {"accept": "accepted", "reject": "rejected", "reopen": "unreviewed"}[action]
    now = _now()
    with engine.begin() as conn:
        if new == "unreviewed":
            conn.execute(delete(event_reviews).where(event_reviews.c.event_id == event_id))
        else:
            _set_status(conn, event_id, new, who, now)
        conn.execute(insert(audit_log), [{"event_id": event_id, "action": action, "field": "review_status",
                                          "old": old, "new": new, "who": who, "at": now, "note": note}])
    return get_event(engine, event_id)  # type: ignore[return-value]


def history(engine: Engine, event_id: str | None = None, *, limit: int = 500) -> list[dict[str, Any]]:
    """Audit entries, newest first: who, when, action, field, old, new, note."""
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if event_id is not None:
        q = q.where(audit_log.c.event_id == event_id)
    with engine.connect() as conn:
        return [{**dict(r), "at": r["at"].isoformat() if r["at"] else None} for r in conn.execute(q).mappings()]


def overrides(engine: Engine, event_id: str) -> list[dict[str, Any]]:
    """The analyst's values of an event's fields, each with the machine's latest value and who set it."""
    with engine.connect() as conn:
        rows = conn.execute(select(event_overrides).where(event_overrides.c.event_id == event_id)
                            .order_by(event_overrides.c.field)).mappings().all()
    return [{"field": r["field"], "value": r["value"], "machine_value": r["machine_value"], "by": r["by"],
             "at": r["at"].isoformat() if r["at"] else None} for r in rows]


def _reapply(conn: Any, rows: Sequence[Any]) -> int:
    """Put analysts' values back into rows the machine has rewritten; the machine's value is kept
    as the override's machine_value.  Returns the fields put back."""
    fixed = 0
    for o in rows:
        kinds = [(merged_events, merged_events.c.merged_id, EDITABLE_MERGED), (events, events.c.event_id, EDITABLE)]
        if not o.event_id.startswith("me-"):
            kinds.reverse()
        for table, id_col, editable in kinds:
            if o.field not in editable:
                continue
            current = conn.execute(select(table.c[o.field]).where(id_col == o.event_id)).first()
            if current is None:
                continue
            value = _column_value(o.field, o.value)
            if _json(current[0]) != _json(value):
                conn.execute(update(table).where(id_col == o.event_id).values(**{o.field: value}))
                conn.execute(update(event_overrides)
                             .where(event_overrides.c.event_id == o.event_id, event_overrides.c.field == o.field)
                             .values(machine_value=_json(current[0])))
                fixed += 1
            break
    return fixed


def keep_analyst_values(conn: Any, event_ids: Sequence[str]) -> int:
    """Within the caller's transaction (merging): analysts' values of these events win again."""
    rows: list[Any] = []
    for chunk in in_chunks(list(event_ids)):
        rows.extend(conn.execute(select(event_overrides).where(event_overrides.c.event_id.in_(chunk))).all())
    return _reapply(conn, rows) if rows else 0


def reapply_overrides(engine: Engine) -> int:
    """Write analysts' values back into rows (`events`, `merged_events`) the machine has rewritten;
    returns the fields put back."""
    with engine.begin() as conn:
        return _reapply(conn, conn.execute(select(event_overrides)).all())
