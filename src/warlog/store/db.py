"""The store: documents, events (with their evidence), claims and ingest errors.

SQLAlchemy Core over SQLite by default (``./warlog.db``; WAL, foreign keys on, busy
timeout) or any SQLAlchemy URL (``postgresql+psycopg://...``).  The schema is owned
by the Alembic migrations packaged in ``warlog/migrations``; opening a store
migrates it to head.  Queries use portable constructs only.

Identity: a document is identified by its normalised text (``Document.content_hash``).
Saving an extraction whose document is already stored changes nothing.  Each document
is saved in one transaction with its events, evidence and claims; the layer above (the
ingest service, `warlog.ingest.service`) passes the step that merges the new events into
incidents, which runs in that same transaction.

This is the bottom layer: tables, connections, transactions.  Reading events is
`warlog.store.query`'s, reviewing them `warlog.store.review`'s, merging `warlog.merge.dedup`'s;
nothing here imports them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from warlog.records import Claim, Document, Event, Extraction, Span

__all__ = [
    "DEFAULT_URL",
    "MIGRATIONS_DIR",
    "Store",
    "claim_id_for",
    "event_id_for",
    "metadata",
]

DEFAULT_URL = "sqlite:///warlog.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000

# --------------------------------------------------------------------------- schema
# Mirrors the Alembic migrations (tests/test_store.py checks that they agree).
# The migrations, not this metadata, create the tables.

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("published", Date, nullable=True),
    Column("country", String(255), nullable=True),
    Column("title", Text, nullable=True),
    Column("url", Text, nullable=True),
    Column("source", String(255), nullable=True),
    Column("origin", Text, nullable=True),
    Column("text", Text, nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text, nullable=True),
    CheckConstraint("status IN ('extracted', 'failed')", name="status"),
    Index(None, "published"),
)

events = Table(
    "events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("doc_id", String(255), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("event_date", Date, nullable=True),
    Column("time_precision", Integer, nullable=False),
    Column("disorder_type", String(255), nullable=False),
    Column("event_type", String(255), nullable=False),
    Column("sub_event_type", String(255), nullable=False),
    Column("actor1", String(255), nullable=True),
    Column("assoc_actor_1", Text, nullable=True),
    Column("inter1", Integer, nullable=True),
    Column("actor2", String(255), nullable=True),
    Column("assoc_actor_2", Text, nullable=True),
    Column("inter2", Integer, nullable=True),
    Column("interaction", String(255), nullable=True),
    Column("civilian_targeting", String(64), nullable=False),
    Column("country", String(255), nullable=True),
    Column("iso3", String(3), nullable=True),
    Column("admin1", String(255), nullable=True),
    Column("admin2", String(255), nullable=True),
    Column("location", String(255), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("geo_precision", Integer, nullable=True),
    Column("fatalities", Integer, nullable=False),
    Column("fatalities_low", Integer, nullable=True),
    Column("fatalities_high", Integer, nullable=True),
    Column("fatalities_qualifier", String(32), nullable=True),
    Column("injured", Integer, nullable=True),
    Column("captured", Integer, nullable=True),
    Column("reported_by", Text, nullable=True),
    Column("confidence", Float, nullable=False),
    Column("extra", JSON, nullable=True),  # Event's extra (model_extra) fields, if any
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("coded_by", JSON, nullable=True),  # the rules that coded it (migration 0005); NULL before
    Index(None, "country", "event_date"),
    Index(None, "event_type"),
    Index(None, "event_date"),
    Index(None, "doc_id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(255), ForeignKey("events.event_id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Index(None, "event_id"),
)

claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(255), primary_key=True),
    Column("doc_id", String(255), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("what", Text, nullable=False),
    Column("value", Integer, nullable=True),
    Column("low", Integer, nullable=True),
    Column("high", Integer, nullable=True),
    Column("qualifier", String(32), nullable=True),
    Column("period_start", Date, nullable=True),
    Column("period_end", Date, nullable=True),
    Column("where", JSON, nullable=False),
    Column("source", Text, nullable=True),
    Column("evidence", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "doc_id"),
    Index(None, "kind"),
)

ingest_errors = Table(
    "ingest_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index(None, "at"),
)

# -- review and access (migration 0003_review; used by warlog.store.review, warlog.serve.auth, warlog.serve.api)
# An analyst's edit is an override laid over what the machine wrote into `events`.
event_overrides = Table(
    "event_overrides",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("value", JSON, nullable=True),
    Column("machine_value", JSON, nullable=True),
    Column("by", String(255), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
event_reviews = Table(
    "event_reviews",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("by", String(255), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    CheckConstraint("status IN ('accepted', 'rejected', 'edited')", name="status"),
    Index(None, "status"),
)
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(255), nullable=False),
    Column("action", String(16), nullable=False),
    Column("field", String(64), nullable=True),
    Column("old", JSON, nullable=True),
    Column("new", JSON, nullable=True),
    Column("who", String(255), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=True),
    Index(None, "event_id"),
    Index(None, "at"),
)
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
Index(None, events.c.country, events.c.event_date, events.c.event_type, events.c.fatalities, events.c.admin1)
Index(None, events.c.event_date, events.c.event_type, events.c.fatalities, events.c.country, events.c.admin1)
Index(None, events.c.event_type, events.c.event_date, events.c.fatalities)
Index(None, events.c.admin1, events.c.event_date)

# -- cross-source merging (migration 0002_merge; written by warlog.merge.dedup)
# One row per incident, reconciled across the reports (mentions in `events`) linked to it.
merged_events = Table(
    "merged_events",
    metadata,
    Column("merged_id", String(255), primary_key=True),
    Column("country_key", String(255), nullable=False),  # blocking: lower-cased country, '' if none
    Column("day_first", Date, nullable=True),  # earliest and latest day its mentions give
    Column("day_last", Date, nullable=True),
    *(Column(c.name, c.type, nullable=c.nullable) for c in events.columns
      if c.name in ("event_date", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1",
                    "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
                    "civilian_targeting", "country", "iso3", "admin1", "admin2", "location", "latitude",
                    "longitude", "geo_precision", "fatalities", "fatalities_low", "fatalities_high", "injured",
                    "captured", "reported_by")),
    Column("number_of_sources", Integer, nullable=False),
    Column("first_reported", Date, nullable=True),
    Column("latest_reported", Date, nullable=True),
    Column("confidence", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "country_key", "day_first"),
    Index(None, "event_date"),
)
event_links = Table(  # mention -> merged event; a mention without a row is not merged yet
    "event_links",
    metadata,
    Column("event_id", String(255), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True),
    Column("merged_id", String(255), ForeignKey("merged_events.merged_id", ondelete="CASCADE"), nullable=False),
    Column("score", Float, nullable=True),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    Index(None, "merged_id"),
)
merged_history = Table(  # every value a merged event's field has had, with its source
    "merged_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merged_id", String(255), ForeignKey("merged_events.merged_id", ondelete="CASCADE"), nullable=False),
    Column("field", String(64), nullable=False),
    Column("value", JSON, nullable=True),
    Column("event_id", String(255), nullable=True),
    Column("doc_id", String(255), nullable=True),
    Column("reported", Date, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index(None, "merged_id"),
)
# read paths of the incidents view (migration 0004_incidents), as 0003 gave `events`
_m = merged_events.c
Index("ix_merged_events_country_date", _m.country, _m.event_date, _m.event_type, _m.fatalities, _m.admin1)
Index("ix_merged_events_date_covering", _m.event_date, _m.event_type, _m.fatalities, _m.country, _m.admin1,
      _m.latitude, _m.longitude, _m.merged_id)
Index("ix_merged_events_type_date", _m.event_type, _m.event_date, _m.fatalities)
Index("ix_merged_events_admin1_date", _m.admin1, _m.event_date)

# Event fields stored one to a column (event_id, doc_id and evidence are handled apart).
_EVENT_FIELDS: tuple[str, ...] = tuple(
    name for name in Event.model_fields if name not in ("event_id", "doc_id", "evidence")
)
_CLAIM_FIELDS: tuple[str, ...] = tuple(
    name for name in Claim.model_fields if name not in ("doc_id", "evidence")
)
_IN_CHUNK = 500  # bound parameters per IN (...) query


def event_id_for(content_hash: str, ordinal: int) -> str:
    """The stable id of the ``ordinal``-th event (0-based) of the document with that hash."""
    return f"ev-{content_hash[:20]}-{ordinal:03d}"


def claim_id_for(content_hash: str, ordinal: int) -> str:
    """The stable id of the ``ordinal``-th claim (0-based) of the document with that hash."""
    return f"cl-{content_hash[:20]}-{ordinal:03d}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _spans_json(spans: Iterable[Span]) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json") for s in spans]


def in_chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    """Slices small enough for one IN (...) query."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Store:
    """Documents, events, claims and ingest errors in one SQL database."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = make_url(url)
        self.engine: Engine = self._create_engine()
        try:
            self._migrate()
        except BaseException:
            self.engine.dispose()
            raise

    @classmethod
    def from_path_or_url(cls, value: str | Path | None) -> Store:
        """None -> ``./warlog.db``; a value with ``://`` -> that URL; anything else -> an SQLite file path."""
        if value is None or str(value).strip() == "":
            return cls(DEFAULT_URL)
        text = str(value).strip()
        if "://" in text:
            return cls(text)
        return cls(f"sqlite:///{Path(text).expanduser()}")

    # ------------------------------------------------------------------ set-up
    def _create_engine(self) -> Engine:
        if self.url.get_backend_name() != "sqlite":
            return create_engine(self.url, pool_pre_ping=True)
        database = self.url.database
        in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
        kwargs: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
        if in_memory:
            # one shared connection, or every checkout would see a new empty database
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(self.url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                cursor.execute("PRAGMA synchronous=NORMAL")
            finally:
                cursor.close()
            # SQLite's own lower() folds ASCII only; match PostgreSQL's Unicode-aware lower().
            dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

        return engine

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        # '%' would be taken for configparser interpolation
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
        cfg.set_main_option("sqlalchemy.url", self.url.render_as_string(hide_password=False).replace("%", "%%"))
        return cfg

    def _head(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None before any migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def _migrate(self) -> None:
        from alembic import command

        head = self._head()
        if self.schema_revision() == head:
            return
        cfg = self._alembic_config()
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except Exception:
            # another process may have migrated the same database at the same time
            if self.schema_revision() != head:
                raise

    # ------------------------------------------------------------------ writes
    def has_document(self, content_hash: str) -> bool:
        """Whether a document with that content hash is stored as extracted.

        A document stored as failed (see ``save_failure``) does not count: it is tried again.
        """
        query = select(
            exists().where(documents.c.content_hash == content_hash, documents.c.status == "extracted")
        )
        with self.engine.connect() as conn:
            return bool(conn.execute(query).scalar())

    def save_extraction(self, extraction: Extraction,
                        then: Callable[[Connection, list[str]], object] | None = None) -> bool:
        """Store a document with its events, evidence and claims in one transaction.

        ``then(conn, event_ids)``, if given, runs inside that transaction once the rows are
        in, with the ids of the document's events (the ingest service merges them into
        incidents there, so a document and its merging commit together).  Returns False,
        changing nothing, if a document with the same content hash is already stored.  On
        any error the transaction is rolled back and the error raised.
        """
        doc = extraction.document
        chash = doc.content_hash
        if self.has_document(chash):
            return False
        now = _now()
        doc_row = self._document_row(doc, chash, now, status="extracted", error=None)
        event_rows, evidence_rows = self._event_rows(extraction, chash, now)
        claim_rows = self._claim_rows(extraction, chash, now)
        try:
            with self.engine.begin() as conn:
                # a document that failed before is replaced by its extraction
                conn.execute(
                    delete(documents).where(documents.c.content_hash == chash, documents.c.status == "failed")
                )
                conn.execute(insert(documents), [doc_row])
                self._insert_events(conn, event_rows, evidence_rows)
                self._insert_claims(conn, claim_rows)
                if then is not None and event_rows:
                    then(conn, [r["event_id"] for r in event_rows])
        except IntegrityError:
            if self.has_document(chash):  # stored meanwhile by another writer
                return False
            with self.engine.connect() as conn:
                other = conn.execute(
                    select(documents.c.content_hash).where(documents.c.id == doc.id)
                ).scalar()
            if other is not None and other != chash:
                raise ValueError(
                    f"document id {doc.id!r} is already stored with different text (hash {other[:12]})"
                ) from None
            raise
        return True

    def save_failure(self, document: Document, reason: str) -> bool:
        """Record a document whose extraction failed (status 'failed') and an ingest error.

        The error is always recorded.  Returns False when the document is already stored
        as extracted (its row is left as it is).  A failed document is tried again by a
        later ``save_extraction``, which replaces the row.
        """
        chash = document.content_hash
        now = _now()
        origin = document.origin or f"document {document.id}"
        with self.engine.begin() as conn:
            conn.execute(insert(ingest_errors), [{"origin": origin, "reason": reason, "at": now}])
            status = conn.execute(
                select(documents.c.status).where(documents.c.content_hash == chash)
            ).scalar()
            if status == "extracted":
                return False
            if status == "failed":
                conn.execute(
                    update(documents)
                    .where(documents.c.content_hash == chash)
                    .values(error=reason, ingested_at=now)
                )
            else:
                conn.execute(
                    insert(documents), [self._document_row(document, chash, now, status="failed", error=reason)]
                )
        return True

    def record_error(self, origin: str, reason: str) -> None:
        """Record an input that could not be ingested (origin: file and line)."""
        with self.engine.begin() as conn:
            conn.execute(insert(ingest_errors), [{"origin": origin, "reason": reason, "at": _now()}])

    # rows ---------------------------------------------------------------
    @staticmethod
    def _document_row(doc: Document, chash: str, now: datetime, *, status: str, error: str | None) -> dict[str, Any]:
        return {
            "id": doc.id,
            "content_hash": chash,
            "published": doc.published,
            "country": doc.country,
            "title": doc.title,
            "url": doc.url,
            "source": doc.source,
            "origin": doc.origin,
            "text": doc.text,
            "ingested_at": now,
            "status": status,
            "error": error,
        }

    @staticmethod
    def _event_rows(
        extraction: Extraction, chash: str, now: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        doc_id = extraction.document.id
        event_rows: list[dict[str, Any]] = []
        evidence_rows: list[dict[str, Any]] = []
        for ordinal, ev in enumerate(extraction.events):
            if ev.doc_id != doc_id:
                raise ValueError(f"event {ordinal} has doc_id {ev.doc_id!r}, its document is {doc_id!r}")
            event_id = ev.event_id or event_id_for(chash, ordinal)
            row: dict[str, Any] = {name: getattr(ev, name) for name in _EVENT_FIELDS}
            extra = ev.model_extra or {}
            row.update(
                event_id=event_id,
                doc_id=doc_id,
                ordinal=ordinal,
                extra=to_jsonable_python(extra) if extra else None,
                created_at=now,
            )
            event_rows.append(row)
            evidence_rows.extend(
                {"event_id": event_id, "ordinal": i, "start": s.start, "end": s.end, "text": s.text}
                for i, s in enumerate(ev.evidence)
            )
        return event_rows, evidence_rows

    @staticmethod
    def _claim_rows(extraction: Extraction, chash: str, now: datetime) -> list[dict[str, Any]]:
        doc_id = extraction.document.id
        rows: list[dict[str, Any]] = []
        for ordinal, cl in enumerate(extraction.claims):
            if cl.doc_id != doc_id:
                raise ValueError(f"claim {ordinal} has doc_id {cl.doc_id!r}, its document is {doc_id!r}")
            row: dict[str, Any] = {name: getattr(cl, name) for name in _CLAIM_FIELDS}
            row.update(
                claim_id=claim_id_for(chash, ordinal),
                doc_id=doc_id,
                ordinal=ordinal,
                where=list(cl.where),
                evidence=_spans_json(cl.evidence),
                created_at=now,
            )
            rows.append(row)
        return rows

    def _insert_events(
        self, conn: Connection, event_rows: list[dict[str, Any]], evidence_rows: list[dict[str, Any]]
    ) -> None:
        if event_rows:
            conn.execute(insert(events), event_rows)
        if evidence_rows:
            conn.execute(insert(evidence), evidence_rows)

    def _insert_claims(self, conn: Connection, claim_rows: list[dict[str, Any]]) -> None:
        if claim_rows:
            conn.execute(insert(claims), claim_rows)

    # ------------------------------------------------------------------ reads
    def claims(self, *, doc_id: str | None = None, limit: int | None = None) -> list[Claim]:
        """Claims in the order their documents were stored, then as found in each document."""
        query = select(claims)
        if doc_id is not None:
            query = query.where(claims.c.doc_id == doc_id)
        query = query.order_by(claims.c.created_at, claims.c.doc_id, claims.c.ordinal)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            Claim(
                doc_id=r["doc_id"],
                evidence=[Span(**s) for s in (r["evidence"] or [])],
                **{name: r[name] for name in _CLAIM_FIELDS if name != "where"},
                where=list(r["where"] or []),
            )
            for r in rows
        ]

    def errors(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Recorded ingest errors, oldest first: dicts with origin, reason, at."""
        query = select(ingest_errors.c.origin, ingest_errors.c.reason, ingest_errors.c.at).order_by(
            ingest_errors.c.id
        )
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        """Rows stored: documents (extracted and failed), events, claims, errors."""
        tables = {"documents": documents, "events": events, "claims": claims, "errors": ingest_errors}
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in tables.items()
            }

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r})"
