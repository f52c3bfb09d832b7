"""warlog's command line.

    warlog run [PATH ...]                ingest, extract, store, print a summary (default: examples/)
    warlog ingest PATH ...               the same without the summary table
    warlog events [filters]              query stored events
    warlog claims [--check]              query stored claims; --check: tallies against stored incidents
    warlog merge                         merge stored reports not merged yet (cross-source)
    warlog provenance EVENT_ID           a merged event's sources, evidence and history
    warlog extract DOCS.jsonl [-o OUT]   batch: events found in each document (JSONL)
    warlog places  DOCS.jsonl [-o OUT]   batch: every place named in each document
    warlog geocode QUERIES.jsonl [-o OUT] batch: place names to coordinates
    warlog gazetteer build|info          compile or describe the local gazetteer
    warlog gazetteer import FILE [--source NAME] | list-sources | remove SOURCE
    warlog export --format F [filters]   acled-csv, ucdp-csv, geojson, parquet, jsonl
    warlog serve [--host] [--port]       HTTP API, ACLED-compatible endpoint, dashboard
    warlog token create NAME|list|revoke write tokens for the HTTP API

Exit codes: 0 all went well, 1 some input failed (each failure is reported with its input
and line, and the rest of the batch still runs), 2 bad usage.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text
from rich.table import Table

from warlog import rules

# Markup off: every string printed may come from a feed, a file name or a report ("[/x]").
err = Console(stderr=True, markup=False)
out = Console(markup=False) if sys.stdout.isatty() else Console(width=200, markup=False)


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from exc


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            yield fh


def _json_line(record: Any) -> str:
    if hasattr(record, "model_dump"):
        record = record.model_dump(mode="json")
    return json.dumps(record, ensure_ascii=False)


def _plain(value: object) -> str:
    """An untrusted string made printable: undecodable bytes of a file name shown as escapes
    rather than crashing the output (the consoles read no markup, so "[/x]" prints as is)."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _report(problem: object) -> None:
    err.print(Text.assemble(("error", "red"), " ", _plain(problem)), highlight=False, soft_wrap=True)


def _warn(document: Any) -> None:
    """The document's warnings (what was dropped to keep it), each naming the input."""
    for warning in document.warnings:
        err.print(Text.assemble(("warning", "yellow"), f" {_plain(document.origin or document.id)}: {_plain(warning)}"),
                  highlight=False, soft_wrap=True)


def _progress(enabled: bool) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, disable=not enabled, transient=True)


def _event_line(event) -> dict:
    data = event.model_dump(mode="json", exclude_none=False)
    data.pop("event_id", None) if data.get("event_id") is None else None
    return data


# -- batch commands ----------------------------------------------------------------------

def cmd_extract(args: argparse.Namespace) -> int:
    from warlog.ingest.readers import IngestError, read_jsonl
    from warlog.extract.pipeline import ExtractionError, extract_stream

    failures = 0
    merging: list = []
    show = sys.stderr.isatty() and not args.quiet
    with _output(args.output) as fh, _progress(show) as progress:
        task = progress.add_task("extracting", total=None)
        for result in extract_stream(read_jsonl(args.docs)):
            progress.advance(task)
            if isinstance(result, (IngestError, ExtractionError)):
                failures += 1
                _report(result)
                continue
            _warn(result.document)
            if args.merge:  # merged across documents once all are read
                merging.append(result)
                continue
            for event in result.events:
                fh.write(_json_line(_event_line(event)) + "\n")
            if args.claims:
                for claim in result.claims:
                    fh.write(_json_line({"record": "claim", **claim.model_dump(mode="json")}) + "\n")
        if args.merge:
            from warlog.merge.dedup import merge_extractions

            for merged in merge_extractions(merging):
                fh.write(json.dumps(_incident_line(merged, batch=True), ensure_ascii=False, default=str) + "\n")
            if args.claims:
                for result in merging:
                    for claim in result.claims:
                        fh.write(_json_line({"record": "claim", **claim.model_dump(mode="json")}) + "\n")
    return 1 if failures else 0


def cmd_places(args: argparse.Namespace) -> int:
    from warlog.geo.batch import places
    from warlog.ingest.readers import IngestError, read_jsonl
    from warlog.extract.nlp import load_pipeline

    failures = 0
    docs = []
    for item in read_jsonl(args.docs):
        if isinstance(item, IngestError):
            failures += 1
            _report(item)
        else:
            docs.append(item)
    nlp = load_pipeline()
    # places() resolves each document with its own country hint; the pipeline's own place and
    # actor components would only repeat work here.
    with _output(args.output) as fh, nlp.select_pipes(disable=["warlog_places", "warlog_actors"]):
        for mention in places(docs, nlp):
            fh.write(_json_line(mention) + "\n")
    return 1 if failures else 0


def cmd_geocode(args: argparse.Namespace) -> int:
    from warlog.geo.batch import geocode

    failures = 0

    def queries() -> Iterator[dict]:
        nonlocal failures
        stream = sys.stdin if args.queries == "-" else open(args.queries, encoding="utf-8", errors="strict")
        with stream if stream is not sys.stdin else contextlib.nullcontext(stream):
            for n, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    q = json.loads(line)
                    if not isinstance(q, dict) or "query" not in q or "id" not in q:
                        raise ValueError("needs 'id' and 'query'")
                except ValueError as exc:
                    failures += 1
                    _report(f"{args.queries}:{n}: {exc}")
                    continue
                yield q

    try:
        with _output(args.output) as fh:
            for result in geocode(queries()):
                fh.write(_json_line(result) + "\n")
    except (OSError, UnicodeDecodeError) as exc:
        _report(f"{args.queries}: {exc}")
        return 1
    return 1 if failures else 0


# -- store commands ----------------------------------------------------------------------

def _store(args: argparse.Namespace):
    from warlog.store.db import Store

    return Store.from_path_or_url(args.db)


def _ingest(args: argparse.Namespace, paths: list[str]) -> tuple[int, dict[str, int]]:
    from warlog.ingest.readers import iter_inputs
    from warlog.ingest.service import ingest

    store = _store(args)
    try:
        with _progress(not args.quiet) as progress:
            task = progress.add_task("reading reports", total=None)
            stats = ingest(store, iter_inputs(paths), report=_report, tick=lambda: progress.advance(task))
    finally:
        store.close()
    return (1 if stats["failed"] else 0), stats


def cmd_ingest(args: argparse.Namespace) -> int:
    code, stats = _ingest(args, args.paths)
    err.print(" · ".join(f"{k}: {v}" for k, v in stats.items()))
    return code


def cmd_run(args: argparse.Namespace) -> int:
    paths = args.paths or ["examples"]
    missing = [p for p in paths if not p.startswith(("http://", "https://", "-")) and not Path(p).exists()]
    if missing:
        _report(f"no such file or folder: {', '.join(missing)}")
        return 2
    from warlog.store.query import EventFilter, iter_events

    code, stats = _ingest(args, paths)
    store = _store(args)
    try:
        events = list(iter_events(store.engine, EventFilter(view="reports"), limit=args.limit, annotate=False))
        counts = store.counts()
    finally:
        store.close()
    table = Table(title=f"warlog: {counts.get('events', 0)} events from {counts.get('documents', 0)} documents in {args.db or 'warlog.db'}")
    for col in ("date", "country", "location", "type", "actor 1", "actor 2", "deaths", "source"):
        table.add_column(col, overflow="fold")
    for e in events:
        table.add_row(str(e.event_date or ""), e.country or "", e.location or "", e.sub_event_type,
                      e.actor1 or "", e.actor2 or "", str(e.fatalities), e.reported_by or "")
    out.print(table)
    out.print(" · ".join(f"{k}: {v}" for k, v in stats.items()) + f" · claims stored: {counts.get('claims', 0)}")
    return code


def _deaths(e) -> str:
    low, high, best = e.fatalities_low, e.fatalities_high, e.fatalities or 0
    if low is not None and high is not None and (low, high) != (best, best):
        return f"{best} ({low}-{high})"
    return str(best)


def _incident_line(e, *, batch: bool = False) -> dict:
    """An incident (`MergedEvent`) as a JSON line: `warlog events` gives its stored values, then its
    documents, reports and outlets; `warlog extract --merge` its documents and reports first."""
    if batch:
        return {"event_id": e.event_id, "doc_id": e.doc_id, "doc_ids": e.doc_ids, "event_ids": e.mentions,
                **e.columns()}
    return {"event_id": e.event_id, **e.columns(), "doc_ids": e.doc_ids, "event_ids": e.mentions,
            "outlets": e.outlets}


def _events_filter(args: argparse.Namespace):
    """`warlog events`' options as the one filter model of every event query; None (reported) if invalid."""
    from pydantic import ValidationError
    from rich.text import Text

    from warlog.store.query import BadQuery, EventFilter

    def one(value: str | None) -> list[str]:
        return [value] if value else []

    try:
        return EventFilter(view="reports" if args.mentions else "incidents", country=one(args.country),
                           since=args.since, until=args.until, event_type=one(args.type),
                           sub_event_type=one(args.sub_type), actor=args.actor)
    except ValidationError as exc:
        first = exc.errors()[0]
        cause = first.get("ctx", {}).get("error")
        _report(_plain(str(cause) if isinstance(cause, BadQuery) else f"{'.'.join(map(str, first['loc']))}: {first['msg']}"))
    except BadQuery as exc:
        _report(_plain(str(exc)))
    return None


def cmd_events(args: argparse.Namespace) -> int:
    from warlog.store.query import iter_events, unmerged_count

    f = _events_filter(args)
    if f is None:
        return 2
    store = _store(args)
    try:
        events = list(iter_events(store.engine, f, limit=args.limit, annotate=False))
        pending = 0 if args.mentions else unmerged_count(store.engine)
    finally:
        store.close()
    if args.mentions:
        return _report_rows(args, events)
    if pending:
        err.print(f"{pending} reports are not merged yet: run warlog merge", highlight=False)
    if args.format == "jsonl":
        for e in events:
            print(json.dumps(_incident_line(e), ensure_ascii=False, default=str))
        return 0
    table = Table(title=f"{len(events)} events (each merged across its reports; --mentions: one row a report)")
    for col in ("id", "date", "country", "admin1", "location", "sub-event type", "actor 1", "actor 2",
                "deaths (low-high)", "sources", "reported by"):
        table.add_column(col, overflow="fold")
    for e in events:
        span = f"{e.first_reported or ''}..{e.latest_reported or ''}" if e.number_of_sources > 1 else ""
        sources = f"{e.number_of_sources}: {', '.join(e.outlets or e.doc_ids)}" + (f" ({span})" if span else "")
        table.add_row(e.event_id, str(e.event_date or ""), e.country or "", e.admin1 or "",
                      e.location or "", e.sub_event_type, e.actor1 or "", e.actor2 or "", _deaths(e),
                      sources, e.reported_by or "")
    out.print(table)
    return 0


def _report_rows(args: argparse.Namespace, events: list) -> int:
    """`warlog events --mentions`: one row a report."""
    if args.format == "jsonl":
        for e in events:
            print(_json_line(e))
        return 0
    table = Table(title=f"{len(events)} events")
    for col in ("id", "date", "country", "admin1", "location", "sub-event type", "actor 1", "actor 2", "deaths", "reported by"):
        table.add_column(col, overflow="fold")
    for e in events:
        table.add_row(e.event_id or "", str(e.event_date or ""), e.country or "", e.admin1 or "", e.location or "",
                      e.sub_event_type, e.actor1 or "", e.actor2 or "", str(e.fatalities), e.reported_by or "")
    out.print(table)
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from warlog.merge.dedup import merge_pending

    store = _store(args)
    try:
        stats = merge_pending(store)
    finally:
        store.close()
    err.print(f"reports merged: {stats['assigned']} · events created: {stats['created']} · "
              f"events updated: {stats['updated']}", highlight=False)
    return 0


def cmd_provenance(args: argparse.Namespace) -> int:
    from warlog.merge.dedup import provenance

    store = _store(args)
    try:
        found = provenance(store, args.event_id)
    finally:
        store.close()
    if found is None:
        _report(f"no merged event {args.event_id!r} (see warlog events)")
        return 1
    print(json.dumps(found, ensure_ascii=False, indent=1, default=str))
    return 0


def _claims_check(args: argparse.Namespace) -> int:
    from warlog.merge.crosscheck import crosscheck

    store = _store(args)
    try:
        checks = crosscheck(store, doc_id=args.doc)
    finally:
        store.close()
    if args.format == "jsonl":
        for c in checks:
            print(json.dumps(c.as_dict(), ensure_ascii=False, default=str))
        return 0
    table = Table(title=f"{len(checks)} tallies against the incidents stored")
    for col in ("source", "claim", "claimed", "period", "where", "victims", "incidents", "their deaths (low-high)"):
        table.add_column(col, overflow="fold")
    for c in checks:
        cl = c.claim
        claimed = " ".join(x for x in (cl.qualifier or "", str(cl.value if cl.value is not None else
                                        f"{cl.low}-{cl.high}")) if x)
        period = f"{cl.period_start or ''}..{cl.period_end or ''}"
        where = ", ".join(c.places) or (c.country or "")
        deaths = f"{c.best}" + (f" ({c.low}-{c.high})" if (c.low, c.high) != (c.best, c.best) else "")
        table.add_row(cl.source or "", cl.what, claimed, period, where, c.victims,
                      f"{len(c.incidents)}: " + ", ".join(e.event_id for e in c.incidents[:5])
                      + (" ..." if len(c.incidents) > 5 else ""), deaths)
    out.print(table)
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    if args.check:
        return _claims_check(args)
    store = _store(args)
    claims = store.claims(doc_id=args.doc, limit=args.limit)
    store.close()
    if args.format == "jsonl":
        for c in claims:
            print(_json_line(c))
        return 0
    table = Table(title=f"{len(claims)} claims")
    for col in ("kind", "what", "value", "range", "qualifier", "period", "where", "source"):
        table.add_column(col, overflow="fold")
    for c in claims:
        rng = f"{c.low}-{c.high}" if c.low is not None and c.high is not None else ""
        period = f"{c.period_start or ''}..{c.period_end or ''}" if (c.period_start or c.period_end) else ""
        table.add_row(c.kind, c.what, "" if c.value is None else str(c.value), rng, c.qualifier or "", period,
                      ", ".join(c.where), c.source or "")
    out.print(table)
    return 0


def cmd_gazetteer(args: argparse.Namespace) -> int:
    from warlog.geo import gazetteer

    import sqlite3
    import time

    if args.action in ("import", "list-sources", "remove"):
        from warlog.geo.imports import run_cli

        return run_cli(args)
    path = gazetteer.default_path()
    if args.action == "build":
        if path.exists() and not getattr(args, "force", False):
            err.print(f"gazetteer up to date: {path}")
            return 0
        started = time.perf_counter()
        gazetteer.build_gazetteer(path)
        err.print(f"gazetteer compiled in {time.perf_counter() - started:.1f} s: {path}")
        return 0
    gazetteer.default_gazetteer()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    print(json.dumps({"path": str(path), "bytes": path.stat().st_size, "rows": counts}, indent=1))
    return 0


# -- serving, exports, tokens (warlog.serve.api, warlog.export.formats, warlog.serve.auth) --------------------

def _export_filter(args: argparse.Namespace):
    from warlog.store.query import BadQuery, EventFilter

    box = None
    if args.bbox:
        box = tuple(float(x) for x in args.bbox.split(","))
    try:
        return EventFilter(since=args.since, until=args.until, country=args.country or [], admin1=args.admin1 or [],
                           actor=args.actor, event_type=args.type or [], sub_event_type=args.sub_type or [],
                           bbox=box, min_fatalities=args.min_fatalities, q=args.q, review=args.review,
                           view=args.view)
    except (BadQuery, ValueError) as exc:
        raise SystemExit(f"warlog export: {exc}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from warlog.export.formats import ExportError, export
    from warlog.store.query import BadQuery, iter_events

    f = _export_filter(args)
    store = _store(args)
    try:
        events = iter_events(store.engine, f, sort=args.sort, limit=args.limit)
        if args.format == "parquet":
            n = export(events, "parquet", path=args.output)
        else:
            with _output(args.output) as fh:
                n = export(events, args.format, fh=fh)
    except (ExportError, BadQuery) as exc:
        from rich.text import Text

        _report(_plain(str(exc)))
        return 2
    finally:
        store.close()
    err.print(f"{n} {'incidents' if args.view == 'incidents' else 'reports'} written ({args.format})")
    if args.view == "incidents":
        from warlog.store.query import unmerged_count

        store = _store(args)
        try:
            pending = unmerged_count(store.engine)
        finally:
            store.close()
        if pending:
            err.print(f"{pending} reports are not merged yet, so not in these incidents: run warlog merge",
                      highlight=False)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import ipaddress

    import uvicorn

    from warlog.serve.api import create_app

    try:
        loopback = args.host == "localhost" or ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = False
    app = create_app(args.db, read_token_required=not loopback and not args.open_read,
                     cors_origins=args.cors_origin or None)
    if not loopback:
        err.print(f"serving on {args.host}: reading " + ("is open to anyone who can reach it" if args.open_read
                  else "needs a token (--open-read to allow everyone)"))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning" if args.quiet else "info")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from warlog.serve.auth import create_token, list_tokens, revoke_token

    store = _store(args)
    try:
        if args.action == "create":
            if not args.name:
                _report("warlog token create NAME: the name is who the audit log records")
                return 2
            print(create_token(store.engine, args.name))
            err.print("keep it: only its hash is stored. Send it as 'Authorization: Bearer <token>'.")
        elif args.action == "list":
            for t in list_tokens(store.engine):
                print(f"{t['id']}\t{t['name']}\t{t['prefix']}…\t{t['created_at']}\t{'revoked' if t['revoked_at'] else 'active'}")
        else:
            if not args.name or not args.name.isdigit():
                _report("warlog token revoke ID (see warlog token list)")
                return 2
            if not revoke_token(store.engine, int(args.name)):
                _report(f"no active token {args.name}")
                return 1
    finally:
        store.close()
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from warlog.extract.explain import explain
    from warlog.records import Document

    if args.doc:
        from sqlalchemy import select

        from warlog.store.db import Store, documents
        store = Store.from_path_or_url(args.db)
        try:
            with store.engine.connect() as conn:
                row = conn.execute(select(documents).where(documents.c.id == args.doc)).mappings().first()
        finally:
            store.close()
        if row is None:
            _report(f"no stored document with id {args.doc!r}")
            return 1
        document = Document(id=row["id"], text=row["text"], published=row["published"], country=row["country"],
                            title=row["title"], url=row["url"], source=row["source"])
    else:
        if args.text is None:
            _report("explain: give a TEXT, - for standard input, or --doc ID")
            return 2
        text = sys.stdin.read() if args.text == "-" else args.text
        try:
            document = Document(id="explain", text=text, published=args.published, country=args.country)
        except ValueError as exc:
            _report(f"explain: {exc}")
            return 2
    result = explain(document)
    if args.format == "json":
        sys.stdout.write(_json_line(result) + "\n")
        return 0
    def line(head: str, rest: str) -> None:
        out.print(Text.assemble((head, "bold"), rest), highlight=False, soft_wrap=True)

    for s in result["sentences"]:
        line(f"sentence {s['index']}", f" (paragraph {s['paragraph']}, {', '.join(s['classes'])}): {_plain(s['text'].strip())}")
        for c in s["cues"]:
            line("  cue     ", f" {c['rule']}  {c['sub_event_type']} ({c['weight']:g}): {_plain(repr(c['text']))}")
        for a in s["actors"]:
            line("  actor   ", f" {_plain(repr(a['text']))} -> {_plain(a['actor'])} (inter {a['inter']}, {a['role']})")
        for p in s["places"]:
            where = ", ".join(x for x in (p["place"], p["admin1"], p["country"]) if x) or "unresolved"
            line("  place   ", f" {_plain(repr(p['text']))} -> {_plain(where)}")
        for c in s["counts"]:
            line("  count   ", f" {_plain(repr(c['text']))} = {c['best']} {'/'.join(c['kinds']) or '-'} ({c['qualifier']}) {c['rule'] or ''}")
        for d in s["dates"]:
            line("  date    ", f" {_plain(repr(d['text']))} -> {d['start']}..{d['end']} (precision {d['precision']})"
                 + (" report date" if d["report_date"] else ""))
    if not result["events"]:
        line("no event", "")
    for i, e in enumerate(result["events"], 1):
        line(f"event {i}", f": {e['sub_event_type']} ({e['event_type']}), {e['event_date']}, {_plain(e['location'])}, "
             f"{_plain(e['actor1'])} v {_plain(e['actor2'])}, fatalities {e['fatalities']}, sentences {e['sentences']}")
        line("  coded_by", f" {', '.join(e['coded_by'])}")
    for c in result["claims"]:
        line("claim", f" ({c['kind']}): {_plain(c['what'])} = {c['value']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warlog", description="Conflict events from news reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_rules(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--rules", action="append", default=[], metavar="DIR",
                       help="a folder of rules laid over the built-in ones (repeatable; also $WARLOG_RULES, warlog.toml)")
        return p

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=None, help="SQLite file or database URL (default ./warlog.db)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
        return p

    p = with_rules(with_db(sub.add_parser("run", help="ingest reports (default: examples/), store them, print a summary")))
    p.add_argument("paths", nargs="*")
    p.add_argument("--limit", type=int, default=50, help="rows in the summary table")
    p.set_defaults(func=cmd_run)

    p = with_rules(with_db(sub.add_parser("ingest", help="ingest text, HTML, JSONL and RSS/Atom files, folders or feed URLs")))
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=cmd_ingest)

    p = with_db(sub.add_parser("events", help="query stored events"))
    p.add_argument("--country")
    p.add_argument("--since", type=_parse_date)
    p.add_argument("--until", type=_parse_date)
    p.add_argument("--type", help="event type, e.g. Battles")
    p.add_argument("--sub-type", help="sub-event type, e.g. 'Armed clash'")
    p.add_argument("--actor")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--format", choices=["table", "jsonl"], default="table")
    p.add_argument("--mentions", action="store_true", help="one row a report, not merged across reports")
    p.set_defaults(func=cmd_events)

    p = with_db(sub.add_parser("merge", help="merge stored reports not merged yet into events (cross-source)"))
    p.set_defaults(func=cmd_merge)

    p = with_db(sub.add_parser("provenance", help="a merged event's sources, evidence and field history (JSON)"))
    p.add_argument("event_id")
    p.set_defaults(func=cmd_provenance)

    p = with_db(sub.add_parser("claims", help="query stored claims (tallies, estimates, trends)"))
    p.add_argument("--doc")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--format", choices=["table", "jsonl"], default="table")
    p.add_argument("--check", action="store_true",
                   help="each tally side by side with the stored incidents inside it (period, place, victims)")
    p.set_defaults(func=cmd_claims)

    p = with_rules(sub.add_parser("extract", help="batch: events of each JSONL document"))
    p.add_argument("docs", help="JSON Lines file, or - for standard input")
    p.add_argument("-o", "--output", default="-")
    p.add_argument("--claims", action="store_true", help="also write claims, as lines with record=claim")
    p.add_argument("--merge", action="store_true",
                   help="merge events across documents: one line an incident, with doc_ids (all its documents)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_extract)

    p = with_rules(sub.add_parser("places", help="batch: places named in each JSONL document"))
    p.add_argument("docs")
    p.add_argument("-o", "--output", default="-")
    p.set_defaults(func=cmd_places)

    p = sub.add_parser("geocode", help="batch: place names to coordinates")
    p.add_argument("queries")
    p.add_argument("-o", "--output", default="-")
    p.set_defaults(func=cmd_geocode)

    p = sub.add_parser("gazetteer", help="compile or describe the local gazetteer")
    p.add_argument("action", choices=["build", "info", "import", "list-sources", "remove"])
    p.add_argument("target", nargs="?", help="import: the file (GeoNames dump, OCHA CSV/GeoJSON/shapefile, "
                   "plain CSV; zipped or not); remove: the source")
    p.add_argument("--force", action="store_true", help="rebuild even when the compiled file is current")
    p.add_argument("--source", help="import: the name its entries go under (default: the file's name)")
    p.add_argument("--format", dest="gaz_format", choices=["geonames", "csv", "geojson", "shapefile"],
                   help="import: the file's format (default: detected)")
    p.add_argument("--country", dest="gaz_country", help="import: country of rows that do not name one")
    p.set_defaults(func=cmd_gazetteer)

    p = with_db(sub.add_parser("export", help="export events: acled-csv, ucdp-csv, geojson, parquet, jsonl"))
    p.add_argument("--format", choices=["acled-csv", "ucdp-csv", "geojson", "parquet", "jsonl"], default="acled-csv")
    p.add_argument("-o", "--output", default="-", help="file (default standard output; parquet needs a file)")
    p.add_argument("--since", type=_parse_date)
    p.add_argument("--until", type=_parse_date)
    p.add_argument("--country", action="append", help="repeat for several")
    p.add_argument("--admin1", action="append")
    p.add_argument("--type", action="append", help="event type, e.g. Battles; repeat for several")
    p.add_argument("--sub-type", action="append")
    p.add_argument("--actor")
    p.add_argument("--bbox", help="west,south,east,north")
    p.add_argument("--min-fatalities", type=int)
    p.add_argument("--q", help="words in the location, actors or evidence")
    p.add_argument("--review", default="unrejected",
                   choices=["unrejected", "all", "accepted", "rejected", "edited", "unreviewed"])
    p.add_argument("--view", default="incidents", choices=["incidents", "reports"],
                   help="incidents: one row per incident, merged across its reports (default); reports: one row per report")
    p.add_argument("--sort", default="-event_date")
    p.add_argument("--limit", type=int)
    p.set_defaults(func=cmd_export)

    p = with_rules(with_db(sub.add_parser("explain", help="why a text is coded as it is: per sentence its class, cues, "
                                                          "actors, places, counts, dates; per event the rules that fired")))
    p.add_argument("text", nargs="?", help="the report's text, or - for standard input")
    p.add_argument("--doc", metavar="ID", help="explain a stored document instead (from --db)")
    p.add_argument("--published", help="publication date (YYYY-MM-DD): the anchor for 'on Monday'")
    p.add_argument("--country", help="country hint, as a feed covering one country gives")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_explain)

    p = with_rules(with_db(sub.add_parser("serve", help="HTTP API, ACLED-compatible endpoint and dashboard")))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--open-read", action="store_true", help="no token needed to read, even off localhost")
    p.add_argument("--cors-origin", action="append", help="allow this origin (CORS is off by default)")
    p.set_defaults(func=cmd_serve)

    p = with_db(sub.add_parser("token", help="write tokens for the HTTP API: create NAME, list, revoke ID"))
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("name", nargs="?")
    p.set_defaults(func=cmd_token)
    return parser


#: Exit codes: 0 all inputs done, 1 some inputs failed (each reported), 2 a usage or rules
#: error, 3 warlog itself failed.
EXIT_INTERNAL = 3


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "rules"):  # a command that codes text: check the rules before any input is read
        from warlog.extract.actors import ActorDictionary, ActorDictionaryError
        try:
            rules.configure(args.rules)
            ActorDictionary.load()
        except (rules.RuleError, ActorDictionaryError) as exc:
            _report(f"rules: {exc}")
            return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _report("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - warlog itself failed, not one of its inputs: exit 3
        import traceback

        traceback.print_exc()
        _report(f"warlog failed: {type(exc).__name__}: {exc} (exit 3: a bug or an unusable store, not a bad input)")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
