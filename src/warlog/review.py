"""Analysts' review: accept, edit or reject an event; every action in the audit log.

An edit is stored as an override (`event_overrides`: field, the analyst's value, the value the
machine had) and also written into the `events` row so that filters, stats and exports see it.
Whatever later rewrites `events` (re-extraction, merging), reads lay the overrides on top again
(`warlog.query.rows_to_events`) and `reapply_overrides` writes them back into the rows: an
analyst's value is never lost to the machine.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import Engine, delete, insert, select, update

from warlog.query import EVENT_FIELDS, BadQuery, get_event
from warlog.records import Event
from warlog.store import audit_log, event_overrides, event_reviews, events

EDITABLE = tuple(n for n in EVENT_FIELDS if n not in ("confidence",))
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


def edit(engine: Engine, event_id: str, changes: dict[str, Any], *, who: str, note: str | None = None) -> Event:
    """Set fields of an event; each changed field is an override and an audit entry."""
    if not changes:
        raise BadQuery("nothing to change: give at least one field")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise BadQuery(f"not editable: {', '.join(unknown)}; editable fields: {', '.join(EDITABLE)}")
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
    now = _now()
    with engine.begin() as conn:
        machine = conn.execute(select(events).where(events.c.event_id == event_id)).mappings().first()
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
            conn.execute(update(events).where(events.c.event_id == event_id).values(**row_updates))
            _set_status(conn, event_id, "edited", who, now, only_if_unreviewed=True)
    return get_event(engine, event_id)  # type: ignore[return-value]


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


def reapply_overrides(engine: Engine) -> int:
    """Write analysts' values back into `events` rows the machine has rewritten; returns rows fixed."""
    fixed = 0
    with engine.begin() as conn:
        for o in conn.execute(select(event_overrides)).all():
            if o.field not in EDITABLE:
                continue
            current = conn.execute(select(events.c[o.field]).where(events.c.event_id == o.event_id)).first()
            if current is None:
                continue
            value = _column_value(o.field, o.value)
            if _json(current[0]) != _json(value):
                conn.execute(update(events).where(events.c.event_id == o.event_id).values(**{o.field: value}))
                fixed += 1
    return fixed
