"""warlog's HTTP API and dashboard (FastAPI), over the same store as the command line.

    warlog serve [--db warlog.db] [--host 127.0.0.1] [--port 8000]

Events are served as incidents -- one row per incident, merged across the reports that tell
of it (`merged_events`) -- unless ``view=reports`` asks for one row per report.  Either kind
is read, edited and reviewed at ``/api/events/{id}`` (``me-...`` an incident, ``ev-...`` a report).

Reading is open on localhost (a non-loopback host asks for a token unless --open-read);
writing (review, ingest) needs a token from `warlog token create`, sent as
``Authorization: Bearer <token>``.  CORS is off unless origins are given.  OpenAPI at
/docs and /openapi.json.  Bad requests get a 400 with a message saying what is accepted.
"""
from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, SerializeAsAny, ValidationError
from sqlalchemy import func, select

from warlog.serve import acled_compat
from warlog.store import query
from warlog.store import review
from warlog.serve.auth import check_token
from warlog.export.formats import ACLED_COLUMNS, acled_csv
from warlog.store.query import MAX_PER_PAGE, BadQuery, EventFilter
from warlog.records import Claim, Document, Event, MergedEvent, Span
from warlog.store.db import Store, claims, documents, event_links, events, evidence, merged_events, merged_history

WEB = Path(__file__).resolve().parent / "web"

EVENT_FILTERS = ("view", "since", "until", "country", "admin1", "actor", "event_type", "sub_event_type", "disorder_type",
                 "bbox", "min_fatalities", "q", "review")


# --------------------------------------------------------------------------- response models
class EventPage(BaseModel):
    view: str = Field("incidents", description="incidents (merged across reports) or reports")
    total: int | None = Field(description="events matching the filter")
    page: int
    per_page: int
    items: list[SerializeAsAny[Event]] = Field(description="events; an incident (MergedEvent) with its sources too")


class Source(BaseModel):
    document: Document
    evidence: list[Span] = Field(description="spans of this document's text the event rests on")
    event_id: str | None = Field(None, description="the report's event (mention) this document gave")
    report: dict[str, Any] | None = Field(None, description="what this report said: date, place, type, actors, toll")


class Override(BaseModel):
    field: str
    value: Any = None
    machine_value: Any = Field(None, description="what the machine (extraction, merging) last wrote")
    by: str
    at: str | None = None


class AuditEntry(BaseModel):
    id: int
    event_id: str
    action: str
    field: str | None = None
    old: Any = None
    new: Any = None
    who: str
    at: str | None = None
    note: str | None = None


class EventDetail(BaseModel):
    kind: Literal["incident", "report"] = Field(description="incident: merged across reports; report: one report's event")
    event: SerializeAsAny[Event]
    sources: list[Source] = Field(description="every source document with its text and the evidence spans")
    history: list[AuditEntry] = Field(description="analysts' actions on this event, newest first")
    field_history: list[dict[str, Any]] = Field(default_factory=list,
                                                description="every value the incident's fields have had, with the "
                                                            "report that gave it (merging)")
    overrides: list[Override] = Field(default_factory=list, description="analysts' values, which win over the machine's")
    editable: list[str] = Field(default_factory=list, description="fields an analyst may edit")
    merged_id: str | None = Field(None, description="the incident this event is (or this report belongs to)")


class ClaimOut(Claim):
    claim_id: str


class ClaimPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ClaimOut]


class StatRow(BaseModel):
    period: str | None = None
    key: str | None = None
    events: int
    fatalities: int


class Stats(BaseModel):
    interval: str
    by: str
    rows: list[StatRow]


class DocumentOut(BaseModel):
    document: Document
    status: str
    event_ids: list[str]
    merged_ids: list[str] = Field(default_factory=list, description="the incidents this document's events belong to")


class EditIn(BaseModel):
    changes: dict[str, Any] = Field(description="field -> new value, e.g. {\"fatalities\": 4}")
    note: str | None = Field(None, max_length=2000)


class ReviewIn(BaseModel):
    action: Literal["accept", "reject", "reopen"]
    note: str | None = Field(None, max_length=2000)


class IngestIn(BaseModel):
    documents: list[Document] = Field(max_length=500)


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int = 86400
    refresh_token_expires_in: int = 1209600


# --------------------------------------------------------------------------- helpers
def _bad(message: str, status: int = 400) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def _only(request: Request, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise _bad(f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                   f"accepted: {', '.join(allowed)}")


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def _split(values: list[str]) -> list[str]:
    out = []
    for v in values:
        out.extend(x for x in v.split("|") if x.strip())
    return out


def event_filter(
    view: Literal["incidents", "reports"] = Query(
        "incidents", description="incidents: one row per incident, merged across its reports (number_of_sources, "
                                 "fatalities low/high, first/latest reported, sources); reports: one row per report"),
    since: date | None = Query(None, description="first event date (YYYY-MM-DD), inclusive"),
    until: date | None = Query(None, description="last event date (YYYY-MM-DD), inclusive"),
    country: list[str] = Query([], description="country; repeat or join with | for several"),
    admin1: list[str] = Query([], description="first-level region; repeat or join with |"),
    actor: str | None = Query(None, description="part of an actor's name (either side, associates too)"),
    event_type: list[str] = Query([], description="ACLED event type; repeat or join with |"),
    sub_event_type: list[str] = Query([], description="ACLED sub-event type; repeat or join with |"),
    disorder_type: list[str] = Query([]),
    bbox: str | None = Query(None, description="west,south,east,north in degrees"),
    min_fatalities: int | None = Query(None, ge=0),
    q: str | None = Query(None, description="words in the location, actors or evidence"),
    review: Literal["unrejected", "all", "accepted", "rejected", "edited", "unreviewed"] = Query("unrejected"),
) -> EventFilter:
    box = None
    if bbox:
        try:
            box = tuple(float(x) for x in bbox.split(","))
        except ValueError:
            raise BadQuery("bbox: four numbers west,south,east,north") from None
        if len(box) != 4:
            raise BadQuery("bbox: four numbers west,south,east,north")
    try:
        return EventFilter(view=view, since=since, until=until, country=_split(country), admin1=_split(admin1), actor=actor,
                           event_type=_split(event_type), sub_event_type=_split(sub_event_type),
                           disorder_type=_split(disorder_type), bbox=box, min_fatalities=min_fatalities, q=q,
                           review=review)
    except ValidationError as exc:
        err = exc.errors()[0]
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, BadQuery):
            raise cause from None
        raise BadQuery(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}") from None


# --------------------------------------------------------------------------- the app
def create_app(store: Store | str | None = None, *, read_token_required: bool = False,
               cors_origins: list[str] | None = None) -> FastAPI:
    if not isinstance(store, Store):
        store = Store.from_path_or_url(store)
    engine = store.engine
    review.reapply_overrides(engine)  # analysts' edits win over whatever rewrote events meanwhile
    app = FastAPI(title="warlog", version="0.1.0",
                  description="Conflict events coded from news reports, in ACLED's vocabulary. "
                              "Reading is open on localhost; writing needs `Authorization: Bearer <token>` "
                              "(`warlog token create`).")
    app.state.store = store
    app.state.read_token_required = read_token_required
    app.state.read_tokens: set[str] = set()
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=cors_origins, allow_methods=["GET", "POST", "PATCH"],
                           allow_headers=["Authorization", "Content-Type"])

    @app.exception_handler(BadQuery)
    async def _bad_query(_request: Request, exc: BadQuery) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        msgs = []
        for e in errs[:5]:
            loc = ".".join(str(x) for x in e["loc"] if x not in ("query", "body", "path"))
            msgs.append(f"{loc}: {e['msg']}" + (f" (got {e['input']!r})" if isinstance(e.get("input"), (str, int, float)) else ""))
        return JSONResponse({"detail": "; ".join(msgs)}, status_code=400)

    # -- access ------------------------------------------------------------------
    def can_read(request: Request) -> None:
        if not app.state.read_token_required:
            return
        token = _bearer(request) or request.query_params.get("key")
        if token and (token in app.state.read_tokens or check_token(engine, token)):
            return
        raise HTTPException(401, "reading this server needs a token: Authorization: Bearer <token>",
                            headers={"WWW-Authenticate": "Bearer"})

    def writer(request: Request) -> str:
        name = check_token(engine, _bearer(request))
        if name is None:
            raise HTTPException(401, "writing needs a valid token: Authorization: Bearer <token> "
                                     "(create one with `warlog token create NAME`)",
                                headers={"WWW-Authenticate": "Bearer"})
        return name

    read = [Depends(can_read)]

    # -- dashboard -----------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(WEB / "index.html")

    @app.get("/events/{event_id}", include_in_schema=False)
    def event_page(event_id: str) -> FileResponse:
        return FileResponse(WEB / "event.html")

    # -- events --------------------------------------------------------------------
    @app.get("/api/events", response_model=EventPage, dependencies=read, tags=["events"])
    def list_events(request: Request, f: EventFilter = Depends(event_filter),
                    sort: str = Query("-event_date", description=f"one of {', '.join(query.SORTABLE)}; in the incidents "
                                      f"view also {', '.join(query.SORTABLE_INCIDENTS)}; - for descending"),
                    page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=MAX_PER_PAGE),
                    count: bool = Query(True, description="compute the total")) -> EventPage:
        """Incidents (or, with view=reports, reports' events) matching the filters, a page at a time."""
        _only(request, EVENT_FILTERS + ("sort", "page", "per_page", "count"))
        items, total = query.page(engine, f, sort=sort, page=page, per_page=per_page, count=count)
        return EventPage(view=f.view, total=total, page=page, per_page=per_page, items=items)

    @app.get("/api/events/{event_id}", response_model=EventDetail, dependencies=read, tags=["events"])
    def get_event(request: Request, event_id: str) -> EventDetail:
        """An incident (merged id) or a report's event: every source document with its text and evidence spans,
        what each report said, the field history of the incident, analysts' overrides and the audit log."""
        _only(request, ())
        ev = query.get_event(engine, event_id)
        if ev is None:
            raise _bad(f"no event {event_id!r}", 404)
        incident = isinstance(ev, MergedEvent)
        with engine.connect() as conn:
            if incident:
                merged_id: str | None = event_id
                mentions = [(r.event_id, r.doc_id) for r in conn.execute(
                    select(events.c.event_id, events.c.doc_id)
                    .join(event_links, event_links.c.event_id == events.c.event_id)
                    .where(event_links.c.merged_id == event_id))]
                order = {m: i for i, m in enumerate(ev.mentions)}
                mentions.sort(key=lambda m: (order.get(m[0], len(order)), m[0]))
            else:
                merged_id = conn.execute(select(event_links.c.merged_id)
                                         .where(event_links.c.event_id == event_id)).scalar()
                mentions = [(event_id, ev.doc_id)]
                if merged_id is not None:  # then the other reports of the same incident
                    mentions += [(r.event_id, r.doc_id) for r in conn.execute(
                        select(events.c.event_id, events.c.doc_id)
                        .join(event_links, event_links.c.event_id == events.c.event_id)
                        .where(event_links.c.merged_id == merged_id, events.c.event_id != event_id)
                        .order_by(events.c.event_id))]
            sources = _sources(conn, mentions, own=None if incident else ev)
            field_history = _field_history(conn, merged_id)
        return EventDetail(kind="incident" if incident else "report", event=ev, sources=sources,
                           history=[AuditEntry(**h) for h in review.history(engine, event_id)],
                           field_history=field_history, overrides=[Override(**o) for o in review.overrides(engine, event_id)],
                           editable=list(review.editable_fields(engine, event_id)), merged_id=merged_id)

    REPORT_FIELDS = ("event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2", "location",
                     "admin1", "fatalities", "fatalities_low", "fatalities_high", "fatalities_qualifier", "injured",
                     "captured", "reported_by")

    def _sources(conn: Any, mentions: list[tuple[str, str]], own: Event | None) -> list[Source]:
        """One entry per source document: its text, the spans its report's event rests on, what it said."""
        out: list[Source] = []
        seen: set[str] = set()
        for mention_id, doc_id in mentions:
            if doc_id in seen:
                continue
            seen.add(doc_id)
            row = conn.execute(select(documents).where(documents.c.id == doc_id)).mappings().first()
            if row is None:
                continue
            doc = Document(**{k: row[k] for k in ("id", "text", "published", "country", "title", "url", "source", "origin")})
            if own is not None and mention_id == own.event_id:
                spans = list(own.evidence)
            else:
                spans = [Span(start=e.start, end=e.end, text=e.text) for e in conn.execute(
                    select(evidence.c.start, evidence.c.end, evidence.c.text)
                    .where(evidence.c.event_id == mention_id).order_by(evidence.c.ordinal))]
            said = conn.execute(select(*(events.c[f] for f in REPORT_FIELDS))
                                .where(events.c.event_id == mention_id)).mappings().first()
            report = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in (said or {}).items()}
            out.append(Source(document=doc, evidence=spans, event_id=mention_id, report=report))
        return out

    def _field_history(conn: Any, merged_id: str | None) -> list[dict[str, Any]]:
        """Every value the incident's fields have had, with the report that gave it (written by merging)."""
        if merged_id is None:
            return []
        rows = conn.execute(select(merged_history).where(merged_history.c.merged_id == merged_id)
                            .order_by(merged_history.c.id).limit(1000)).mappings()
        return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows]

    @app.get("/api/events/{event_id}/history", response_model=list[AuditEntry], dependencies=read, tags=["review"])
    def event_history(event_id: str) -> list[AuditEntry]:
        return [AuditEntry(**h) for h in review.history(engine, event_id)]

    @app.get("/api/audit", response_model=list[AuditEntry], dependencies=read, tags=["review"])
    def audit(request: Request, limit: int = Query(100, ge=1, le=1000)) -> list[AuditEntry]:
        """The audit log, newest first: who changed what, when, from what to what."""
        _only(request, ("limit",))
        return [AuditEntry(**h) for h in review.history(engine, limit=limit)]

    @app.patch("/api/events/{event_id}", response_model=SerializeAsAny[Event], tags=["review"])
    def edit_event(event_id: str, body: EditIn, who: str = Depends(writer)) -> Event:
        """Correct fields of an event (kept as an analyst's override, in the audit log). Needs a token."""
        try:
            return review.edit(engine, event_id, body.changes, who=who, note=body.note)
        except review.NotFound:
            raise _bad(f"no event {event_id!r}", 404) from None
        finally:
            query.counts.clear()

    @app.post("/api/events/{event_id}/review", response_model=SerializeAsAny[Event], tags=["review"])
    def review_event(event_id: str, body: ReviewIn, who: str = Depends(writer)) -> Event:
        """Accept, reject or reopen an event. Needs a token."""
        try:
            return review.set_review(engine, event_id, body.action, who=who, note=body.note)
        except review.NotFound:
            raise _bad(f"no event {event_id!r}", 404) from None
        finally:
            query.counts.clear()

    # -- claims, stats, documents ----------------------------------------------------
    @app.get("/api/claims", response_model=ClaimPage, dependencies=read, tags=["claims"])
    def list_claims(request: Request, kind: Literal["tally", "estimate", "trend"] | None = None,
                    doc_id: str | None = None, q: str | None = Query(None, description="words in what is claimed"),
                    page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=MAX_PER_PAGE)) -> ClaimPage:
        """Tallies, estimates and trends kept aside from incidents."""
        _only(request, ("kind", "doc_id", "q", "page", "per_page"))
        conds = []
        if kind:
            conds.append(claims.c.kind == kind)
        if doc_id:
            conds.append(claims.c.doc_id == query.check_text("doc_id", doc_id))
        if q:
            conds.append(query._icontains(engine, claims.c.what, query.check_text("q", q)))
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(claims).where(*conds)).scalar_one()
            rows = conn.execute(select(claims).where(*conds).order_by(claims.c.created_at.desc(), claims.c.doc_id,
                                                                      claims.c.ordinal)
                                .limit(per_page).offset((page - 1) * per_page)).mappings().all()
        items = [ClaimOut(claim_id=r["claim_id"], doc_id=r["doc_id"], kind=r["kind"], what=r["what"], value=r["value"],
                          low=r["low"], high=r["high"], qualifier=r["qualifier"], period_start=r["period_start"],
                          period_end=r["period_end"], where=list(r["where"] or []), source=r["source"],
                          evidence=[Span(**s) for s in (r["evidence"] or [])]) for r in rows]
        return ClaimPage(total=total, page=page, per_page=per_page, items=items)

    @app.get("/api/stats", response_model=Stats, dependencies=read, tags=["events"])
    def get_stats(request: Request, f: EventFilter = Depends(event_filter),
                  interval: Literal["week", "month", "year", "none"] = "week",
                  by: Literal["event_type", "sub_event_type", "actor", "actor1", "admin1", "country", "none"] = "event_type") -> Stats:
        """Counts of events and fatalities by week/month/year and by type, actor, admin1 or country."""
        _only(request, EVENT_FILTERS + ("interval", "by"))
        return Stats(interval=interval, by=by, rows=[StatRow(**r) for r in query.stats(engine, f, interval=interval, by=by)])

    @app.get("/api/facets", dependencies=read, tags=["events"])
    def facets(request: Request) -> dict[str, Any]:
        """Values to filter by: countries stored, ACLED's event and sub-event types."""
        _only(request, ())
        from warlog.vocabulary import EVENT_TYPES, SUB_EVENT_TYPES

        countries = sorted(set(query.spellings.values(engine, "country", merged_events))
                           | set(query.spellings.values(engine, "country", events)))
        return {"views": list(query.VIEWS), "countries": countries, "event_types": EVENT_TYPES, "sub_event_types": list(SUB_EVENT_TYPES)}

    @app.get("/api/documents/{doc_id}", response_model=DocumentOut, dependencies=read, tags=["documents"])
    def get_document(doc_id: str) -> DocumentOut:
        """A stored report with the ids of the events found in it."""
        with engine.connect() as conn:
            row = conn.execute(select(documents).where(documents.c.id == doc_id)).mappings().first()
            if row is None:
                raise _bad(f"no document {doc_id!r}", 404)
            found = conn.execute(select(events.c.event_id, event_links.c.merged_id)
                                 .outerjoin(event_links, event_links.c.event_id == events.c.event_id)
                                 .where(events.c.doc_id == doc_id).order_by(events.c.ordinal)).all()
        doc = Document(**{k: row[k] for k in ("id", "text", "published", "country", "title", "url", "source", "origin")})
        return DocumentOut(document=doc, status=row["status"], event_ids=[r.event_id for r in found],
                           merged_ids=list(dict.fromkeys(r.merged_id for r in found if r.merged_id)))

    @app.post("/api/ingest", tags=["documents"])
    def ingest(body: IngestIn, who: str = Depends(writer)) -> dict[str, Any]:
        """Extract, store and merge documents ({"documents": [{"id", "text", "published", ...}]}), as
        `warlog ingest` does; each failure is in "errors". Needs a token."""
        from warlog.ingest.service import ingest as ingest_documents

        errors: list[str] = []
        stats = ingest_documents(store, body.documents, report=errors.append)
        stats["documents"] = len(body.documents)  # documents sent (failed ones too)
        query.spellings.clear()
        query.counts.clear()
        return {"by": who, **stats, "errors": errors}

    # -- ACLED-compatible ------------------------------------------------------------
    @app.get("/api/acled/read", dependencies=read, tags=["acled"])
    def acled_read(request: Request) -> Response:
        """ACLED's read API: `country=A:OR:country=B`, `event_date=2024-01-01|2024-03-31&event_date_where=BETWEEN`,
        `event_type=`, `limit=`, `page=`, `fields=a|b`, `_format=json|csv`; answers `{"success": true, "count": N, "data": [...]}`."""
        try:
            rows, q = acled_compat.read(engine, list(request.query_params.multi_items()))
        except BadQuery as exc:
            return JSONResponse({"status": 400, "success": False, "error": [{"status": 400, "message": str(exc)}]},
                                status_code=400)
        if q["format"] == "csv":
            return Response(acled_csv(rows, tuple(q["fields"])), media_type="text/csv; charset=utf-8")
        return JSONResponse({"status": 200, "success": True, "last_update": 0, "count": len(rows), "messages": [],
                             "data": rows, "filename": "warlog-acled"})

    @app.post("/oauth/token", response_model=TokenOut, tags=["acled"])
    async def oauth_token(request: Request) -> TokenOut:
        """OAuth password grant as ACLED's clients call it (form fields grant_type, client_id, username, password).

        With reading open, any credentials get a read token; otherwise the password must be a warlog token."""
        raw = (await request.body())[:8192]
        ctype = request.headers.get("content-type", "")
        try:
            if ctype.startswith("application/json"):
                import json

                form = {k: str(v) for k, v in dict(json.loads(raw or b"{}")).items()}
            else:  # application/x-www-form-urlencoded, as OAuth clients send it
                from urllib.parse import parse_qsl

                form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except (ValueError, TypeError, UnicodeDecodeError):
            raise _bad("send the grant as application/x-www-form-urlencoded (or JSON)") from None
        grant = form.get("grant_type")
        if grant == "password":
            secret = str(form.get("password") or "")
            if not form.get("username") or not secret:
                raise _bad("password grant needs username and password")
        elif grant == "refresh_token":
            secret = str(form.get("refresh_token") or "")
        else:
            raise _bad("grant_type: password or refresh_token")
        if app.state.read_token_required:
            if not (check_token(engine, secret) or secret in app.state.read_tokens):
                raise HTTPException(401, "invalid credentials: the password is a warlog token (`warlog token create`)")
            return TokenOut(access_token=secret, refresh_token=secret)
        token = "rd_" + secrets.token_urlsafe(24)
        app.state.read_tokens.add(token)
        return TokenOut(access_token=token, refresh_token=token)

    @app.get("/api/meta", dependencies=read, tags=["meta"])
    def meta() -> dict[str, Any]:
        """Rows stored: documents, reports' events, incidents, reports not merged yet, claims, errors."""
        counts = store.counts()
        with engine.connect() as conn:
            counts["incidents"] = int(conn.execute(select(func.count()).select_from(merged_events)).scalar_one())
            linked = int(conn.execute(select(func.count()).select_from(event_links)).scalar_one())
        counts["unmerged"] = max(0, counts["events"] - linked)
        return {"counts": counts, "acled_columns": list(ACLED_COLUMNS),
                "read_token_required": app.state.read_token_required}

    return app
