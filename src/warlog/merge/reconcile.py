"""Reconciling the reports of one incident into one event.

* fatalities: the best estimate is the latest report's (among reports that give a number;
  at the same date the most specific: an exact figure over "at least", over "several");
  low and high keep the spread every report gives ("at least 5" then "8": low 5, high 8).
* injured, captured: the latest report that gives a number.
* date: the most precise reports' most common day (earliest reported on a tie).
* place: the most precise geocoding (geo precision 1 over 2 over 3), then the most common.
* event type and actors: the most common among the reports (the latest on a tie).
* number_of_sources: documents; first and latest report: their publication dates.

``reconcile(mentions)`` returns the merged values and, per field, the mention that gave it;
``warlog.merge.dedup`` writes a history row whenever a field's value changes.
"""
from __future__ import annotations

from datetime import date
from typing import Any

HISTORY_FIELDS = ("event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2", "location",
                  "admin1", "fatalities", "fatalities_low", "fatalities_high", "injured", "captured",
                  "number_of_sources")

_SPECIFIC = {None: 3, "exact": 3, "range": 2, "about": 2, "at least": 2, "more than": 2, "at most": 2,
             "less than": 2, "vague": 1}
_LOC_FIELDS = ("country", "iso3", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision")
_ACTOR_FIELDS = ("actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction")
_TYPE_FIELDS = ("disorder_type", "event_type", "sub_event_type", "civilian_targeting")


def specificity(row: dict[str, Any]) -> int:
    """3 an exact figure, 2 a bound or a range, 1 a vague count, 0 no count."""
    if not row.get("fatalities") and not row.get("fatalities_low") and not row.get("fatalities_high"):
        return 0
    return _SPECIFIC.get(row.get("fatalities_qualifier"), 2)


def _tally(values: Any) -> dict[Any, int]:
    """How many times each value occurs (a Counter, for the few values of one incident, cheaper)."""
    out: dict[Any, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _when(m: Any) -> tuple:
    return (m.reported or date.min, m.seq)


def reconcile(mentions: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(merged values, {field: the mention that gave it}) for the mentions of one incident."""
    if not mentions:
        raise ValueError("nothing to reconcile")
    if len(mentions) == 1:
        return _single(mentions[0])
    values: dict[str, Any] = {}
    origin: dict[str, Any] = {}
    latest = max(mentions, key=_when)

    # fatalities
    spec = {id(m): specificity(m.row) for m in mentions}
    counted = [m for m in mentions if spec[id(m)] >= 2] or [m for m in mentions if spec[id(m)] == 1]
    if counted:
        best = max(counted, key=lambda m: (m.reported or date.min, spec[id(m)], m.seq))
        values["fatalities"] = int(best.row.get("fatalities") or best.row.get("fatalities_low") or 0)
        lows = [m.row.get("fatalities_low") if m.row.get("fatalities_low") is not None else m.row.get("fatalities")
                for m in counted]
        highs = [m.row.get("fatalities_high") if m.row.get("fatalities_high") is not None else m.row.get("fatalities")
                 for m in counted]
        low_m = min(zip(lows, (m.seq for m in counted), counted), key=lambda t: (t[0] or 0, t[1]))
        high_m = max(zip(highs, (-m.seq for m in counted), counted), key=lambda t: (t[0] or 0, t[1]))
        values["fatalities_low"], values["fatalities_high"] = int(low_m[0] or 0), int(high_m[0] or 0)
        origin.update(fatalities=best, fatalities_low=low_m[2], fatalities_high=high_m[2])
    else:
        values.update(fatalities=0, fatalities_low=None, fatalities_high=None)
        origin.update(fatalities=latest, fatalities_low=latest, fatalities_high=latest)
    for f in ("injured", "captured"):
        given = [m for m in mentions if m.row.get(f) is not None]
        src = max(given, key=_when) if given else latest
        values[f] = src.row.get(f) if given else None
        origin[f] = src

    # date: the most precise reports, their most common day, the earliest report on a tie
    dated = [m for m in mentions if m.row.get("event_date") is not None]
    if dated:
        prec = min(int(m.row.get("time_precision") or 1) for m in dated)
        precise = [m for m in dated if int(m.row.get("time_precision") or 1) == prec]
        counts = _tally(m.row["event_date"] for m in precise)
        src = min(precise, key=lambda m: (-counts[m.row["event_date"]], m.seq))
        values.update(event_date=src.row["event_date"], time_precision=prec)
        origin.update(event_date=src, time_precision=src)
    else:
        values.update(event_date=None, time_precision=min(int(m.row.get("time_precision") or 1) for m in mentions))
        origin.update(event_date=latest, time_precision=latest)

    # place
    def geo_key(m: Any) -> tuple:
        gp = m.row.get("geo_precision")
        return (m.row.get("latitude") is None, gp if gp is not None else 9)

    located = min(geo_key(m) for m in mentions)
    candidates = [m for m in mentions if geo_key(m) == located]
    loc_counts = _tally(m.row.get("location") for m in mentions)
    src = min(candidates, key=lambda m: (-loc_counts[m.row.get("location")], m.seq))
    values.update({f: src.row.get(f) for f in _LOC_FIELDS})
    origin.update({f: src for f in _LOC_FIELDS})

    # type and actors: the most common, the latest on a tie
    sub_counts = _tally(m.row.get("sub_event_type") for m in mentions)
    src = max(mentions, key=lambda m: (sub_counts[m.row.get("sub_event_type")], _when(m)))
    values.update({f: src.row.get(f) for f in _TYPE_FIELDS})
    values["civilian_targeting"] = values["civilian_targeting"] or ""
    origin.update({f: src for f in _TYPE_FIELDS})

    def pair(m: Any) -> tuple:
        return (m.row.get("actor1"), m.row.get("actor2"))

    def named(m: Any) -> int:
        return sum(1 for a in pair(m) if a and not str(a).startswith(("Unidentified", "Civilians (")))

    pairs = {id(m): frozenset(filter(None, pair(m))) for m in mentions}
    pair_counts = _tally(pairs.values())
    src = max(mentions, key=lambda m: (pair_counts[pairs[id(m)]] + named(m) * 0.5, _when(m)))
    values.update({f: src.row.get(f) for f in _ACTOR_FIELDS})
    origin.update({f: src for f in _ACTOR_FIELDS})

    credited = []
    for m in sorted(mentions, key=_when):
        rb = m.row.get("reported_by")
        if rb and rb not in credited:
            credited.append(rb)
    values["reported_by"] = "; ".join(credited) or None
    docs = {m.doc_id for m in mentions}
    values["number_of_sources"] = len(docs)
    origin["number_of_sources"] = latest
    reported = [m.reported for m in mentions if m.reported is not None]
    values["first_reported"] = min(reported) if reported else None
    values["latest_reported"] = max(reported) if reported else None
    values["confidence"] = max(float(m.row.get("confidence") or 0.5) for m in mentions)
    return values, origin


def _single(m: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """One report: its own values (the same as ``reconcile`` gives, faster)."""
    r = m.row
    values: dict[str, Any] = {f: r.get(f) for f in _LOC_FIELDS + _ACTOR_FIELDS + _TYPE_FIELDS}
    values["civilian_targeting"] = values["civilian_targeting"] or ""
    if specificity(r) >= 1:
        best = int(r.get("fatalities") or r.get("fatalities_low") or 0)
        low = r.get("fatalities_low") if r.get("fatalities_low") is not None else r.get("fatalities")
        high = r.get("fatalities_high") if r.get("fatalities_high") is not None else r.get("fatalities")
        values.update(fatalities=best, fatalities_low=int(low or 0), fatalities_high=int(high or 0))
    else:
        values.update(fatalities=0, fatalities_low=None, fatalities_high=None)
    values.update(injured=r.get("injured"), captured=r.get("captured"), event_date=r.get("event_date"),
                  time_precision=int(r.get("time_precision") or 1), reported_by=r.get("reported_by") or None,
                  number_of_sources=1, first_reported=m.reported, latest_reported=m.reported,
                  confidence=float(r.get("confidence") or 0.5))
    return values, dict.fromkeys(list(values) + list(HISTORY_FIELDS), m)
