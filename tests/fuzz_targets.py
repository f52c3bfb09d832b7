"""Fuzz targets: one function per parser that a user's data reaches.

Each target takes one fuzz input and returns normally when the parser behaved: it returned a
value within its contract, or it rejected the input the documented way (an `IngestError` item,
`BadQuery`, a pydantic `ValidationError`, an HTTP 4xx).  It raises on an *unexpected* outcome:
either the parser's own exception (which then propagates with its traceback) or `Unexpected`
when a returned value breaks the contract (a Document without text, a count of 10**20, a 5xx).

    TARGETS[name].run(x)          # x: the target's structured input (bytes, str, tuple, list)
    TARGETS[name].generate(rng)   # a random, structured-hostile input for the long run
    TARGETS[name].from_bytes(b)   # an input decoded from raw bytes (atheris, coverage-guided)
    TARGETS[name].to_bytes(x)     # the inverse, near enough, to seed atheris' corpus

Used by tests/test_fuzz.py (hypothesis, short, in CI) and scripts/fuzz.py (the long run).
Inputs are capped (`MAX_TEXT`, `MAX_BYTES`): resource budgets for huge inputs are tested elsewhere.
"""
from __future__ import annotations

import atexit
import json
import os
import random
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from warlog.extract import counts as counts_mod
from warlog.extract import dates as dates_mod
from warlog.ingest import readers
from warlog.records import PUBLISHED_AHEAD_DAYS, PUBLISHED_EARLIEST, Document, content_hash, normalise_text

MAX_TEXT = 20_000      # characters of one text input (dates, counts, query values)
MAX_BYTES = 100_000    # bytes of one file input


class Unexpected(AssertionError):
    """A parser returned something outside its contract (or the API answered 5xx)."""


# =========================================================================== workspace
class _Workspace:
    """A temp folder, an SQLite store with a few synthetic incidents, and an API client over it:
    made once per process, on first use, removed at exit."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="warlog-fuzz-")
        self._store = None
        self._client = None

    @property
    def store(self):  # noqa: ANN201
        if self._store is None:
            from warlog.store.db import Store

            store = Store(f"sqlite:///{os.path.join(self.dir, 'f.db')}")
            try:
                _fill(store)
            except Exception:
                store.close()
                raise
            self._store = store
        return self._store

    @property
    def client(self):  # noqa: ANN201
        if self._client is None:
            from fastapi.testclient import TestClient

            from warlog.serve.api import create_app

            # raise_server_exceptions: a server error comes back as its own traceback, not a bare 500
            self._client = TestClient(create_app(self.store), raise_server_exceptions=True)
        return self._client

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._store is not None:
            self._store.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _fill(store: Any) -> None:
    """A few synthetic incidents and one claim, so that queries return rows to serialise."""
    from warlog.cli import demo
    from warlog.ingest.service import save
    from warlog.records import Claim, Extraction, Span

    for x in demo.extractions(40, seed=3):
        save(store, x)
    doc = Document(id="claims-doc", text="Since January, 1,200 people have been killed in the province, the UN said.",
                   published=date(2024, 3, 1), country="Syria")
    save(store, Extraction(document=doc, claims=[Claim(doc_id=doc.id, kind="tally", what="killed", value=1200,
                                                       where=["Idlib"], evidence=[Span(start=0, end=60, text=doc.text[:60])])]))


_WS: _Workspace | None = None


def workspace() -> _Workspace:
    global _WS
    if _WS is None:
        _WS = _Workspace()
        atexit.register(_WS.close)
    return _WS


# =========================================================================== contracts
def _latest_published() -> date:
    return date.today() + timedelta(days=PUBLISHED_AHEAD_DAYS)


def _check_item(item: Any, rerun: Callable[[], Any]) -> None:
    """An item of `iter_inputs`/`read_jsonl`: a storable Document or an IngestError that is not a
    bug caught by the readers' last line of defence."""
    if isinstance(item, readers.IngestError):
        if not isinstance(item.origin, str) or not isinstance(item.reason, str) or not item.reason:
            raise Unexpected(f"malformed IngestError {item!r}")
        if item.reason.startswith("unexpected error:"):
            rerun()  # the same input without the guard: raises the original exception, traceback and all
            raise Unexpected(f"caught by the readers' guard: {item.reason}")
        return
    if not isinstance(item, Document):
        raise Unexpected(f"yielded {type(item).__name__}, not a Document or an IngestError")
    if not isinstance(item.text, str) or not normalise_text(item.text):
        raise Unexpected(f"Document {item.id!r} with blank text {item.text[:80]!r}")
    if not isinstance(item.id, str) or not item.id.strip():
        raise Unexpected(f"Document with blank id {item.id!r}")
    if item.published is not None and not (PUBLISHED_EARLIEST <= item.published <= _latest_published()):
        raise Unexpected(f"Document {item.id!r} published {item.published} outside "
                         f"{PUBLISHED_EARLIEST}..{_latest_published()}")
    # what the store does next: hash the text and write every field as UTF-8
    content_hash(item.text)
    for name in ("id", "text", "country", "title", "url", "source", "origin"):
        value = getattr(item, name)
        if value is not None:
            value.encode("utf-8")


def _drain(items: Any, rerun: Callable[[], Any]) -> int:
    n = 0
    for item in items:
        _check_item(item, rerun)
        n += 1
    if n == 0:
        raise Unexpected("no item at all: neither a Document nor an IngestError")
    return n


# =========================================================================== targets
def _ingest(ext: str) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        data = bytes(data[:MAX_BYTES])
        path = workspace().path("doc" + ext)
        with open(path, "wb") as fh:
            fh.write(data)
        _drain(readers.iter_inputs([path]), rerun=lambda: list(readers._read_file(path, readers.DEFAULT_MAX_BYTES)))

    run.__name__ = f"ingest{ext.replace('.', '_')}"
    run.__doc__ = f"`iter_inputs([file{ext}])` over the given bytes"
    return run


ingest_txt = _ingest(".txt")
ingest_html = _ingest(".html")
ingest_jsonl = _ingest(".jsonl")
ingest_json = _ingest(".json")
ingest_feed = _ingest(".xml")
ingest_sniffed = _ingest(".dat")


def read_jsonl(data: bytes) -> None:
    """`read_jsonl(path)` over a file of the given bytes (JSON lines with odd fields)."""
    data = bytes(data[:MAX_BYTES])
    path = workspace().path("lines.jsonl")
    with open(path, "wb") as fh:
        fh.write(data)
    _drain(readers.read_jsonl(path), rerun=lambda: None)  # read_jsonl has no guard: a bug raises


def resolve_date(x: tuple[str, date | None]) -> None:
    """`resolve_date(expression, published)`: None, or a ResolvedDate in MIN_YEAR..MAX_YEAR with start <= end."""
    expression, published = x
    expression = expression[:MAX_TEXT]
    if published is not None and not (PUBLISHED_EARLIEST <= published <= _latest_published()):
        published = PUBLISHED_EARLIEST  # only plausible publication dates reach the resolver
    r = dates_mod.resolve_date(expression, published)
    if r is None:
        return
    if not isinstance(r, dates_mod.ResolvedDate):
        raise Unexpected(f"returned {type(r).__name__}")
    if not (isinstance(r.start, date) and isinstance(r.end, date)) or r.start > r.end:
        raise Unexpected(f"{expression!r} -> start {r.start} after end {r.end}")
    if not (dates_mod.MIN_YEAR <= r.start.year and r.end.year <= dates_mod.MAX_YEAR):
        raise Unexpected(f"{expression!r} -> {r.start}..{r.end} outside years {dates_mod.MIN_YEAR}..{dates_mod.MAX_YEAR}")
    if r.precision not in (dates_mod.DAY, dates_mod.WEEK, dates_mod.MONTH, dates_mod.YEAR):
        raise Unexpected(f"{expression!r} -> precision {r.precision}")


def find_counts(text: str) -> None:
    """`find_counts(text)`: a list of counts, each within 0..MAX_COUNT, its span the text it quotes."""
    text = text[:MAX_TEXT]
    found = counts_mod.find_counts(text)
    if not isinstance(found, list):
        raise Unexpected(f"returned {type(found).__name__}, not a list")
    for c in found:
        for name in ("best", "low", "high"):
            v = getattr(c, name)
            if v is None and name != "best":
                continue
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= counts_mod.MAX_COUNT:
                raise Unexpected(f"{c.text!r}: {name}={v!r} outside 0..{counts_mod.MAX_COUNT}")
        if c.low is not None and c.high is not None and c.low > c.high:
            raise Unexpected(f"{c.text!r}: low {c.low} > high {c.high}")
        if not (0 <= c.start <= c.end <= len(text)) or text[c.start:c.end] != c.text:
            raise Unexpected(f"span {c.start}..{c.end} does not quote {c.text!r}")
    if not isinstance(counts_mod.reports_no_casualties(text), bool):
        raise Unexpected("reports_no_casualties did not return a bool")


def acled_query(params: list[tuple[str, str]]) -> None:
    """`acled_compat.parse(engine, params)`, then the query run (`acled_compat.read`): only BadQuery may be raised."""
    from warlog.serve import acled_compat
    from warlog.store.query import BadQuery

    params = [(str(k)[:MAX_TEXT], str(v)[:MAX_TEXT]) for k, v in params[:50]]
    engine = workspace().store.engine
    try:
        q = acled_compat.parse(engine, params)
    except BadQuery:
        return
    if not 1 <= q["limit"] <= acled_compat.MAX_LIMIT or q["page"] < 1:
        raise Unexpected(f"parse accepted limit {q['limit']}, page {q['page']}")
    try:
        rows, _ = acled_compat.read(engine, params)
    except BadQuery:
        return
    if len(rows) > q["limit"]:
        raise Unexpected(f"{len(rows)} rows for limit {q['limit']}")


def _quote(s: str) -> str:
    return urllib.parse.quote(s.encode("utf-8", "surrogatepass"), safe="")


def _api(path: str) -> Callable[[list[tuple[str, str]]], None]:
    def run(params: list[tuple[str, str]]) -> None:
        params = [(str(k)[:MAX_TEXT], str(v)[:MAX_TEXT]) for k, v in params[:50]]
        # percent-encoded UTF-8, as a client sends it; a lone surrogate goes as the bytes it would be
        # (invalid UTF-8 on the wire: what a hostile client can send, and the server must answer)
        query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params)
        r = workspace().client.get(f"{path}?{query}" if query else path)
        if r.status_code >= 500:
            raise Unexpected(f"GET {path} -> {r.status_code}: {r.text[:300]}")
        if r.status_code >= 400:
            try:
                body = r.json()
            except ValueError:
                raise Unexpected(f"GET {path} -> {r.status_code} without a JSON body: {r.text[:300]!r}") from None
            if not isinstance(body, dict):
                raise Unexpected(f"GET {path} -> {r.status_code} body {body!r}")

    run.__name__ = "api_" + path.strip("/").replace("/", "_").removeprefix("api_")
    run.__doc__ = f"GET {path} with the given query parameters: never a 5xx"
    return run


api_events = _api("/api/events")
api_stats = _api("/api/stats")
api_acled_read = _api("/api/acled/read")
api_claims = _api("/api/claims")


# =========================================================================== hostile pools
#: shared by the random generators below and the hypothesis strategies of tests/test_fuzz.py
ODD_CHARS = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\u00a0", "\u00ad", "\u180e", "\u200b", "\u200c",
             "\u200d", "\u200e", "\u2028", "\u2029", "\u202e", "\u2060", "\u2066", "\ufeff", "\ufffd", "\ufffe",
             "\ud800", "\udfff", "\U0001f4a5", "\U000e0041", "\u0663", "\uff13", "\u2155", "\u00b2", "e\u0301", "\u0130",
             "\u00df", "\ufb01", "\u0644\u0627", "\u4e00", "\r", "\n", "\r\n", "\t", " ", "\\", '"', "'", "<", ">", "&",
             "%", "_", "|", ":", ";", ",", ".", "-", "=", "?", "#", "+", "*", "(", ")", "[", "]", "{", "}", "/"]
NUMBERS = ["0", "1", "-1", "-0", "00", "007", "1.5", "0.5", "12.", ".5", "1e3", "1e308", "1e309", "-1e309", "NaN", "nan",
           "inf", "-inf", "Infinity", "0x10", "1_000", "+5", " 5 ", "٣", "３", "²", "9" * 12, "9" * 13, "9" * 20,
           "9" * 4300, "9" * 5000, str(2 ** 31), str(2 ** 31 - 1), str(2 ** 63 - 1), str(2 ** 63), str(2 ** 64),
           str(-2 ** 63 - 1), "10000000", "10000001", "3,000,000,000", "99,999,999,999,999", "1,000", "1,00", ",5",
           "1,2,3", "5-7", "7-5", "0-0", "1|2", "2|1"]
NUMBER_WORDS = ["one", "two", "three", "ten", "twelve", "twenty", "ninety-nine", "hundred", "a hundred", "thousand",
                "million", "billion", "trillion", "two hundred", "three thousand", "nine hundred ninety nine million",
                "one million million", "dozens", "dozens of", "scores", "hundreds", "thousands", "several", "many",
                "a few", "a handful of", "numerous", "tens of", "zero", "no", "none", "a", "an", "one and a half"]
KILL_WORDS = ["killed", "dead", "died", "were killed", "was killed", "killing", "wounded", "injured", "hurt",
              "captured", "abducted", "kidnapped", "executed", "people", "civilians", "soldiers", "fighters",
              "militants", "members", "death toll rose to", "toll rises to", "the toll", "at least", "more than",
              "up to", "as many as", "fewer than", "nearly", "an estimated", "between", "and", "or", "to", "-", "–",
              "—", "of", "were", "was", "in", "on", "March", "2024", "km", "mm", "%", "th", "pm", "No one", "nobody"]
MONTHS = ["January", "Jan", "Jan.", "February", "Feb", "march", "APRIL", "May", "June", "Jun", "July", "August",
          "September", "Sept", "Sep", "October", "November", "Dec", "December", "Decembre", "Mayo"]
YEARS = ["0", "1", "99", "999", "1000", "1899", "1900", "1999", "2000", "2023", "2024", "2099", "2999", "3000",
         "9999", "10000", "99999", "0000", "-1", "20245", str(2 ** 63)]
DATE_WORDS = ["in", "on", "early", "late", "mid", "mid-", "the", "of", "last", "this", "past", "previous", "next",
              "week", "weekend", "month", "year", "years", "decade", "ago", "since", "until", "around", "about",
              "yesterday", "today", "tonight", "overnight", "morning", "evening", "Monday", "Thursday", "Sunday",
              "days", "few days", "earlier", "st", "nd", "rd", "th", ",", "/", "-", ".", "s", "ago", "from", "by"]
DATE_STRINGS = ["9999-12-31", "0000-01-01", "0001-01-01", "1899-12-31", "1900-01-01", "2999-12-31", "3000-01-01",
                "2024-02-30", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-01T25:00Z",
                "2024-04-01T08:30Z", "2024-04-01T08:30:00+99:00", "+10000-01-01", "-0001-01-01", "2024-W01",
                "2024-W53-7", "20240101", "2024-1-1", "2024/04/01", "31/12/99999", "12/31/2024", "31.12.2024",
                "1710000000", "17100000000000", "in December 9999", "December 0", "December 32", "31 February 2024",
                "1 April 10000", "April 31, 2024", "1st April 2024", "Mon, 01 Apr 2024 08:30:00 GMT",
                "Mon, 01 Apr 99999 08:30:00 GMT", "01 Apr 2024 08:30:00 +99999999999999999999",
                "Mon, 01 Apr 2024 99:99:99 GMT", "Mon, 32 Foo 2024", "Mon,", ", , , ,", "a,", "1 2 3 4 5",
                "yesterday", "last week", "last month", "this week", "the 1990s", "in 2014", "2014s", "0s",
                "Thursday night", "last Sunday", "1 million years ago", "T", "Z", "-", "", " ",
                date.today().isoformat(), (date.today() + timedelta(days=3)).isoformat(),
                (date.today() + timedelta(days=2)).isoformat()]
CHARSETS = ["utf-8", "UTF8", "utf-16", "utf-16-le", "utf-32", "latin-1", "iso-8859-1", "windows-1252", "cp1256",
            "koi8-r", "shift_jis", "gb18030", "utf-7", "x-user-defined", "bogus", "", "rot13", "base64", "hex", "idna",
            "punycode", "unicode_escape", "raw_unicode_escape", "uu", "zlib", "bz2", "utf_8_sig", "mbcs", "ascii"]

EVENT_PARAMS = ("view", "since", "until", "country", "admin1", "actor", "event_type", "sub_event_type", "disorder_type",
                "bbox", "min_fatalities", "q", "review", "sort", "page", "per_page", "count")
STATS_PARAMS = EVENT_PARAMS[:13] + ("interval", "by")
CLAIMS_PARAMS = ("kind", "doc_id", "q", "page", "per_page")
ACLED_FIELDS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                "interaction", "civilian_targeting", "iso", "country", "admin1", "admin2", "location", "latitude",
                "longitude", "geo_precision", "source", "fatalities")
ACLED_CONTROL = ("limit", "page", "fields", "_format", "export_type", "key", "email", "terms", "access_token", "view")
ACLED_UNKNOWN = ("region", "admin3", "notes", "timestamp", "", " ", "Country", "country ", "year_where_where",
                 "_where", "limit_where", "page_where", "fields_where", "foo")
WHERE_OPS = ["=", ">", "<", ">=", "<=", "LIKE", "like", "BETWEEN", "between", " between ", "%3E", "%3C", "!=", "<>",
             "==", "IN", "", "NOT LIKE", "=>"]
TEXT_VALUES = ["Syria", "syria", "SYRIA", "Iraq", "Idlib", "Aleppo", "Battles", "Explosions/Remote violence",
               "Violence against civilians", "Armed clash", "Hayat Tahrir al-Sham", "Military Forces of Syria (2024-)",
               "%", "%%", "_", "%Syr%", "Syr%", "' OR 1=1 --", "'; DROP TABLE events; --", "\" OR \"\"=\"", "1; --",
               "UNION SELECT", "a" * 200, "a" * 201, "ü" * 150, "\u0130stanbul", "Côte d'Ivoire", "الرقة", "Київ",
               "x\x00y", "\x1b[31m", "tab\there", "line\nbreak", "  ", "", "|", "||", "a|b", ":OR:", "a:OR:b",
               "country=Iraq", "Syria:OR:country=Iraq", "Syria:OR:admin1=Idlib", "incidents", "reports", "REPORTS",
               "json", "csv", "CSV", "xml", "dyadic", "monadic", "claims-doc"]
API_VALUES = {
    "view": ["incidents", "reports", "Reports", "incident", "", "all"],
    "review": ["unrejected", "all", "accepted", "rejected", "edited", "unreviewed", "ALL", "none", ""],
    "sort": ["-event_date", "event_date", "fatalities", "-fatalities", "--fatalities", "-", "", "event_id", "+country",
             "number_of_sources", "-number_of_sources", "first_reported", "latest_reported", "confidence", "notes",
             "event_date desc", "-event_date,fatalities", "1"],
    "bbox": ["0,0,0,0", "35,32,43,38", "-180,-90,180,90", "-181,-91,181,91", "43,38,35,32", "1,2,3", "1,2,3,4,5",
             "nan,nan,nan,nan", "inf,-inf,1,2", "1e309,0,0,0", "a,b,c,d", ",,,", "", " 1 , 2 , 3 , 4 ", "1;2;3;4",
             "0x1,0,0,0", "1_0,2,3,4"],
    "interval": ["week", "month", "year", "none", "day", "WEEK", ""],
    "by": ["event_type", "sub_event_type", "actor", "actor1", "admin1", "country", "none", "actor2", ""],
    "kind": ["tally", "estimate", "trend", "Tally", "", "x"],
    "count": ["true", "false", "1", "0", "yes", "no", "on", "off", "maybe", ""],
}


# =========================================================================== random generators
def _pick(rng: random.Random, *pools: list[str]) -> str:
    return rng.choice(rng.choice(pools))


def random_unicode(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append(chr(rng.randint(32, 126)))
        elif r < 0.6:
            out.append(rng.choice(ODD_CHARS))
        elif r < 0.8:
            out.append(chr(rng.randint(0, 0x2FFF)))
        else:
            out.append(chr(rng.randint(0, 0x10FFFF)))
    return "".join(out)


def mutate_text(rng: random.Random, s: str, rounds: int | None = None) -> str:
    """Insertions, deletions, duplications and swaps of characters and chunks."""
    for _ in range(rng.randint(1, 4) if rounds is None else rounds):
        if not s:
            s = random_unicode(rng, rng.randint(1, 8))
            continue
        i = rng.randrange(len(s) + 1)
        op = rng.randrange(6)
        if op == 0:
            s = s[:i] + random_unicode(rng, rng.randint(1, 4)) + s[i:]
        elif op == 1:
            j = min(len(s), i + rng.randint(1, 8))
            s = s[:i] + s[j:]
        elif op == 2:
            j = min(len(s), i + rng.randint(1, 40))
            s = s[:i] + s[i:j] * rng.randint(2, 50) + s[j:]
        elif op == 3:
            s = s[:i] + rng.choice(ODD_CHARS) + s[i:]
        elif op == 4:
            s = s[:i] + _pick(rng, NUMBERS, NUMBER_WORDS, DATE_STRINGS) + s[i:]
        else:
            s = s.upper() if rng.random() < 0.5 else s.lower()
    return s[:MAX_TEXT]


def mutate_bytes(rng: random.Random, b: bytes) -> bytes:
    """Byte-level damage: flips, invalid UTF-8, NULs, truncation, duplication."""
    b = bytearray(b)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(b) + 1)
        op = rng.randrange(7)
        if op == 0 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = rng.choice([b"\xff", b"\xfe", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80",
                                 b"\xc0\xaf", b"\x00", b"\r", b"\n", b"\xef\xbb\xbf", b"\x1a"])
        elif op == 2:
            del b[i:i + rng.randint(1, 16)]
        elif op == 3:
            b = b[:i]
        elif op == 4:
            j = min(len(b), i + rng.randint(1, 64))
            b[i:i] = b[i:j] * rng.randint(2, 20)
        elif op == 5:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            b[i:i] = rng.choice(["<", ">", "&", "]]>", "<![CDATA[", "&#0;", "&#xD800;", "&amp", "\"", "'", "{", "}",
                                 "[", "]", ",", ":"]).encode()
    return bytes(b[:MAX_BYTES])


def gen_text(rng: random.Random) -> str:
    """Sentences about killing, dates and numbers, with hostile characters among them."""
    r = rng.random()
    if r < 0.08:
        return random_unicode(rng, rng.randint(0, 200))
    parts = []
    for _ in range(rng.randint(1, 30)):
        parts.append(_pick(rng, KILL_WORDS, KILL_WORDS, NUMBERS, NUMBER_WORDS, MONTHS, YEARS, DATE_WORDS, TEXT_VALUES))
    seps = [" ", " ", " ", ", ", ". ", "-", "\n", "\u00a0", "\u200b", "", "  "]
    s = "".join(p + rng.choice(seps) for p in parts)
    if rng.random() < 0.5:
        s = mutate_text(rng, s)
    if rng.random() < 0.05:
        s = s * rng.randint(2, 200)
    return s[:MAX_TEXT]


def gen_date_expression(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        s = rng.choice(DATE_STRINGS)
    elif r < 0.55:
        shape = rng.randrange(5)
        d, m, y = _pick(rng, ["1", "01", "15", "29", "30", "31", "32", "0", "99", "1st", "31st"]), rng.choice(MONTHS), rng.choice(YEARS)
        s = [f"{d} {m} {y}", f"{m} {d}, {y}", f"in {m} {y}", f"{m} {y}", f"{y}-{d}-{d}"][shape]
        if rng.random() < 0.3:
            s = rng.choice(DATE_WORDS) + " " + s
    elif r < 0.85:
        s = " ".join(_pick(rng, DATE_WORDS, DATE_WORDS, MONTHS, YEARS, NUMBERS) for _ in range(rng.randint(1, 6)))
    else:
        s = random_unicode(rng, rng.randint(0, 70))
    if rng.random() < 0.3:
        s = mutate_text(rng, s)
    return s


def gen_published(rng: random.Random) -> date | None:
    if rng.random() < 0.15:
        return None
    latest = date.today() + timedelta(days=PUBLISHED_AHEAD_DAYS)
    if rng.random() < 0.2:
        return rng.choice([PUBLISHED_EARLIEST, latest, date(1900, 12, 31), date(2000, 2, 29), date(2024, 1, 1),
                           date(2024, 12, 31), date.today()])
    return PUBLISHED_EARLIEST + timedelta(days=rng.randrange((latest - PUBLISHED_EARLIEST).days + 1))


def gen_odd_value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value of any type, often an awkward one."""
    r = rng.randrange(12 if depth < 3 else 9)
    if r == 0:
        return None
    if r == 1:
        return rng.choice([True, False])
    if r == 2:
        return rng.choice([0, -1, 1, 2 ** 31, 2 ** 63, 2 ** 64, -2 ** 63 - 1, 10 ** 30, 10 ** 300, 20240101, 1710000000])
    if r == 3:
        return rng.choice([0.0, -0.0, 1.5, 1e308, -1e308, float("nan"), float("inf"), float("-inf"), 1e-320, 2024.0])
    if r == 4:
        return rng.choice(DATE_STRINGS)
    if r == 5:
        return gen_text(rng)
    if r == 6:
        return rng.choice(["", " ", "\u200b", "\x00", "\ud800", "a" * 10_000, "\n\n", "null", "None"])
    if r == 7:
        return random_unicode(rng, rng.randint(0, 30))
    if r == 8:
        return _pick(rng, TEXT_VALUES, NUMBERS)
    if r == 9:
        return [gen_odd_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if r == 10:
        return {rng.choice(["id", "text", "published", "", "x", "\x00"]): gen_odd_value(rng, depth + 1)
                for _ in range(rng.randint(0, 4))}
    nested: Any = rng.choice([1, "x", None])
    for _ in range(rng.randint(1, 60)):
        nested = [nested] if rng.random() < 0.5 else {"k": nested}
    return nested


def gen_record(rng: random.Random) -> Any:
    """One object of the batch contract, with odd fields."""
    obj: dict[str, Any] = {}
    if rng.random() < 0.9:
        obj["id"] = gen_odd_value(rng) if rng.random() < 0.5 else f"d{rng.randrange(1000)}"
    if rng.random() < 0.9:
        obj["text"] = gen_text(rng) if rng.random() < 0.7 else gen_odd_value(rng)
    for key in ("published", "country", "title", "url", "source", "origin", "extra", "ID", "Text"):
        if rng.random() < 0.4:
            obj[key] = rng.choice(DATE_STRINGS) if key == "published" and rng.random() < 0.6 else gen_odd_value(rng)
    if rng.random() < 0.05:
        return gen_odd_value(rng)  # not an object at all
    return obj


def _dump(rng: random.Random, value: Any) -> bytes:
    try:
        s = json.dumps(value, ensure_ascii=rng.random() < 0.5, allow_nan=True,
                       indent=rng.choice([None, None, None, 1]))
    except (ValueError, RecursionError):
        s = "{}"
    return s.encode("utf-8", "surrogatepass")


def gen_json_lines(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.1:  # one JSON array (or object) over the whole file
        body = _dump(rng, [gen_record(rng) for _ in range(rng.randint(0, 5))] if rng.random() < 0.7 else gen_record(rng))
    else:
        lines = [_dump(rng, gen_record(rng)) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.15:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice([b"", b"   ", b"[", b"]", b"{", b"}", b"\x00",
                                                                    b"1", b"\"x\"", b"null", b"[[[[[[[", b"NaN"]))
        if rng.random() < 0.05:
            lines.append(b"[" * rng.randint(900, 100_000))
        if rng.random() < 0.05:
            lines.append(b'{"id": 1' + b"0" * rng.choice([4290, 4300, 5000, 20_000]) + b', "text": "killed"}')
        body = rng.choice([b"\n", b"\r\n", b"\n\n", b"\r"]).join(lines)
    if rng.random() < 0.1:
        body = b"\xef\xbb\xbf" + body
    if rng.random() < 0.3:
        body = mutate_bytes(rng, body)
    return body[:MAX_BYTES]


def _maybe_encode(rng: random.Random, s: str) -> bytes:
    r = rng.random()
    if r < 0.85:
        return s.encode("utf-8", "surrogatepass" if rng.random() < 0.5 else "replace")
    enc = rng.choice(["utf-16", "latin-1", "cp1252", "utf-32", "koi8-r", "shift_jis"])
    return s.encode(enc, "replace")


def gen_txt(rng: random.Random) -> bytes:
    lines = []
    if rng.random() < 0.7:
        for _ in range(rng.randint(1, 7)):
            key = rng.choice(["Date", "date", "DATE", "Published", "Title", "Source", "URL", "Country", "ID", "id",
                              "Author", "Date ", " Title"])
            value = rng.choice(DATE_STRINGS) if key.strip().lower() in ("date", "published") else gen_odd_value(rng)
            lines.append(f"{key}{rng.choice([':', ': ', ' : ', '::', ''])}{value}")
        lines.append(rng.choice(["", "", "\t", "   "]))
    lines.append(gen_text(rng))
    if rng.random() < 0.1:
        lines.insert(0, rng.choice(["<!DOCTYPE html>", "<html>", "<rss>", "<?xml version='1.0'?>", "{", "["]))
    s = rng.choice(["\n", "\r\n", "\r"]).join(lines)
    b = _maybe_encode(rng, s)
    return mutate_bytes(rng, b) if rng.random() < 0.3 else b


def _markup_text(rng: random.Random) -> str:
    t = gen_text(rng)
    if rng.random() < 0.5:
        t = t.replace("&", "&amp;").replace("<", "&lt;")
    return t


def gen_html(rng: random.Random) -> bytes:
    charset = rng.choice(CHARSETS)
    head = []
    if rng.random() < 0.6:
        head.append(f'<meta charset="{charset}">')
    if rng.random() < 0.5:
        head.append(f'<meta property="article:published_time" content="{rng.choice(DATE_STRINGS)}">')
    if rng.random() < 0.3:
        head.append(f'<meta name="date" content="{rng.choice(DATE_STRINGS)}">')
    if rng.random() < 0.5:
        head.append(f"<title>{_markup_text(rng)[:200]}</title>")
    if rng.random() < 0.3:
        head.append(f'<link rel="canonical" href="{rng.choice(["http://x/", "", "javascript:x", "http://[::1", gen_text(rng)[:50]])}">')
    if rng.random() < 0.2:
        head.append(f'<meta property="og:site_name" content="{gen_text(rng)[:50]}">')
    body = []
    for _ in range(rng.randint(0, 8)):
        tag = rng.choice(["p", "p", "div", "article", "h1", "li", "script", "style", "table", "pre", "time", "span", "br"])
        attrs = ""
        if rng.random() < 0.1:
            attrs = " " + " ".join(f'a{i}="{i}"' for i in range(rng.randint(10, 2000)))
        if tag == "time":
            attrs += f' datetime="{rng.choice(DATE_STRINGS)}"'
        body.append(f"<{tag}{attrs}>{_markup_text(rng)}</{tag}>")
    if rng.random() < 0.05:
        depth = rng.randint(100, 3000)
        body.append("<div>" * depth + _markup_text(rng) + "</div>" * rng.randint(0, depth))
    if rng.random() < 0.05:
        body.append("&#0;&#xD800;&#x110000;&#99999999999;&bogus;&amp")
    doc = (rng.choice(["<!DOCTYPE html>", "<!doctype html>", "", "<!-- c -->", "\ufeff<!DOCTYPE html>"]) +
           "<html><head>" + "".join(head) + "</head><body>" + "".join(body) + rng.choice(["</body></html>", "", "</html>"]))
    try:
        b = doc.encode(charset) if rng.random() < 0.2 else _maybe_encode(rng, doc)
    except (LookupError, UnicodeError, TypeError, ValueError):
        b = _maybe_encode(rng, doc)
    return mutate_bytes(rng, b) if rng.random() < 0.3 else b


def gen_feed(rng: random.Random) -> bytes:
    kind = rng.choice(["rss", "atom", "rdf", "junk"])
    entries = []
    for _ in range(rng.randint(0, 5)):
        title = _markup_text(rng)[:200]
        text = _markup_text(rng)
        if rng.random() < 0.3:
            text = f"<![CDATA[<p>{gen_text(rng)}</p>]]>"
        when = rng.choice(DATE_STRINGS)
        ident = rng.choice(["", " ", "urn:x", str(rng.randrange(10 ** 6)), "\u200b", gen_text(rng)[:40], "a" * 5000])
        if kind == "atom":
            entries.append(f"<entry><id>{ident}</id><title>{title}</title><updated>{when}</updated>"
                           f"<published>{when}</published><content type=\"{rng.choice(['html', 'text', 'xhtml', 'bogus'])}\">"
                           f"{text}</content><link href=\"{ident}\"/></entry>")
        else:
            entries.append(f"<item><guid>{ident}</guid><title>{title}</title><pubDate>{when}</pubDate>"
                           f"<dc:date>{when}</dc:date><description>{text}</description><link>{ident}</link></item>")
    decl = rng.choice(["<?xml version=\"1.0\" encoding=\"utf-8\"?>", "", f"<?xml version=\"1.0\" encoding=\"{rng.choice(CHARSETS)}\"?>",
                       "<?xml version=\"1.1\"?>", "<?xml?>"])
    if rng.random() < 0.05:
        decl += '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        entries.append("<item><title>&c;</title><description>&c; killed</description></item>")
    if rng.random() < 0.05:
        decl += '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        entries.append("<item><title>&x;</title><description>&x;</description></item>")
    feed_title = _markup_text(rng)[:100]
    if kind == "atom":
        doc = f'{decl}<feed xmlns="http://www.w3.org/2005/Atom"><title>{feed_title}</title>{"".join(entries)}</feed>'
    elif kind == "rdf":
        doc = (f'{decl}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
               f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>{feed_title}</title></channel>'
               f'{"".join(entries)}</rdf:RDF>')
    elif kind == "rss":
        doc = (f'{decl}<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>{feed_title}</title>'
               f'{"".join(entries)}</channel></rss>')
    else:
        doc = decl + _markup_text(rng)
    b = _maybe_encode(rng, doc)
    return mutate_bytes(rng, b) if rng.random() < 0.4 else b


def gen_any_file(rng: random.Random) -> bytes:
    return rng.choice([gen_txt, gen_html, gen_feed, gen_json_lines])(rng)


def _value_for(rng: random.Random, name: str) -> str:
    r = rng.random()
    if r < 0.1:
        return random_unicode(rng, rng.randint(0, 30))
    if r < 0.2:
        return mutate_text(rng, _pick(rng, TEXT_VALUES, NUMBERS, DATE_STRINGS))
    base = name.removesuffix("_where")
    if name.endswith("_where"):
        return rng.choice(WHERE_OPS)
    if base in API_VALUES and r < 0.8:
        return rng.choice(API_VALUES[base])
    if base in ("page", "per_page", "limit", "min_fatalities", "fatalities", "inter1", "inter2", "time_precision",
                "geo_precision", "iso", "latitude", "longitude"):
        return _pick(rng, NUMBERS, NUMBERS, YEARS)
    if base in ("since", "until", "event_date"):
        v = rng.choice(DATE_STRINGS)
        return v + "|" + rng.choice(DATE_STRINGS) if rng.random() < 0.3 else v
    if base == "year":
        v = rng.choice(YEARS)
        return v + "|" + rng.choice(YEARS) if rng.random() < 0.3 else v
    if base == "fields":
        cols = list(ACLED_FIELDS) + ["event_id_cnty", "notes", "tags", "", " ", "timestamp", "iso3"]
        return rng.choice(["|", ",", "||"]).join(rng.choice(cols) for _ in range(rng.randint(0, 6)))
    if base in ("_format",):
        return rng.choice(["json", "csv", "CSV", "xml", "", "json "])
    if base == "export_type":
        return rng.choice(["dyadic", "monadic", "DYADIC", ""])
    return _pick(rng, TEXT_VALUES, TEXT_VALUES, NUMBERS)


def _or_join(rng: random.Random, name: str, value: str) -> str:
    """ACLED's alternatives: A:OR:name=B, sometimes with another field's name."""
    for _ in range(rng.randint(1, 3)):
        other = name if rng.random() < 0.7 else rng.choice(ACLED_FIELDS + ("", " " + name))
        value += ":OR:" + (f"{other}=" if rng.random() < 0.8 else "") + _value_for(rng, name)
    return value


def gen_acled_params(rng: random.Random) -> list[tuple[str, str]]:
    params = []
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.55:
            name = rng.choice(ACLED_FIELDS)
        elif r < 0.8:
            name = rng.choice(ACLED_CONTROL)
        elif r < 0.95:
            name = rng.choice(ACLED_FIELDS) + "_where"
        else:
            name = rng.choice(ACLED_UNKNOWN)
        value = _value_for(rng, name)
        if name in ACLED_FIELDS and rng.random() < 0.2:
            value = _or_join(rng, name, value)
        params.append((name, value))
        if name in ACLED_FIELDS and rng.random() < 0.3:
            params.append((name + "_where", rng.choice(WHERE_OPS)))
    return params


def _gen_api(names: tuple[str, ...]) -> Callable[[random.Random], list[tuple[str, str]]]:
    def gen(rng: random.Random) -> list[tuple[str, str]]:
        params = []
        for _ in range(rng.randint(0, 5)):
            name = rng.choice(names) if rng.random() < 0.95 else rng.choice(["x", "", "page ", "PAGE", "per-page", "key"])
            params.append((name, _value_for(rng, name)))
        return params
    return gen


# =========================================================================== bytes <-> inputs (atheris)
def _text_from_bytes(b: bytes) -> str:
    """UTF-8, lone surrogates allowed (JSON's "\\ud800" makes them), anything else invalid replaced."""
    try:
        return b.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return b.decode("utf-8", "replace")


def _published_span() -> int:
    return (date.today() + timedelta(days=PUBLISHED_AHEAD_DAYS) - PUBLISHED_EARLIEST).days + 1


def _date_from_bytes(b: bytes) -> tuple[str, date | None]:
    """Two bytes for the publication date (0xFFFF: none), the rest the expression."""
    if len(b) < 2:
        return _text_from_bytes(b), None
    n = int.from_bytes(b[:2], "big")
    published = None if n == 0xFFFF else PUBLISHED_EARLIEST + timedelta(days=n % _published_span())
    return _text_from_bytes(b[2:]), published


def _date_to_bytes(x: tuple[str, date | None]) -> bytes:
    expression, published = x
    n = 0xFFFF if published is None else (published - PUBLISHED_EARLIEST).days
    return n.to_bytes(2, "big") + expression.encode("utf-8", "surrogatepass")


def _params_from_bytes(b: bytes) -> list[tuple[str, str]]:
    out = []
    for pair in _text_from_bytes(b).split("&"):
        if pair:
            k, _, v = pair.partition("=")
            out.append((k, v))
    return out


def _params_to_bytes(params: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{k}={v}" for k, v in params).encode("utf-8", "surrogatepass")


def _text_to_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


# =========================================================================== registry
@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[Any], None]
    generate: Callable[[random.Random], Any]
    from_bytes: Callable[[bytes], Any]
    to_bytes: Callable[[Any], bytes]
    bytes_level: bool  # the input is a file's bytes as a user gives them
    cheap: bool        # thousands of inputs a second, not tens


def _identity(b: bytes) -> bytes:
    return bytes(b)


TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("ingest_txt", ingest_txt, gen_txt, _identity, _identity, True, False),
    Target("ingest_html", ingest_html, gen_html, _identity, _identity, True, False),
    Target("ingest_jsonl", ingest_jsonl, gen_json_lines, _identity, _identity, True, False),
    Target("ingest_json", ingest_json, gen_json_lines, _identity, _identity, True, False),
    Target("ingest_feed", ingest_feed, gen_feed, _identity, _identity, True, False),
    Target("ingest_sniffed", ingest_sniffed, gen_any_file, _identity, _identity, True, False),
    Target("read_jsonl", read_jsonl, gen_json_lines, _identity, _identity, True, False),
    Target("dates", resolve_date, lambda rng: (gen_date_expression(rng), gen_published(rng)), _date_from_bytes,
           _date_to_bytes, False, True),
    Target("counts", find_counts, gen_text, _text_from_bytes, _text_to_bytes, False, True),
    Target("acled_query", acled_query, gen_acled_params, _params_from_bytes, _params_to_bytes, False, False),
    Target("api_events", api_events, _gen_api(EVENT_PARAMS), _params_from_bytes, _params_to_bytes, False, False),
    Target("api_stats", api_stats, _gen_api(STATS_PARAMS), _params_from_bytes, _params_to_bytes, False, False),
    Target("api_acled_read", api_acled_read, gen_acled_params, _params_from_bytes, _params_to_bytes, False, False),
    Target("api_claims", api_claims, _gen_api(CLAIMS_PARAMS), _params_from_bytes, _params_to_bytes, False, False),
]}

__all__ = ["TARGETS", "Target", "Unexpected", "workspace", "ingest_txt", "ingest_html", "ingest_jsonl", "ingest_json",
           "ingest_feed", "ingest_sniffed", "read_jsonl", "resolve_date", "find_counts", "acled_query", "api_events",
           "api_stats", "api_acled_read", "api_claims"]
