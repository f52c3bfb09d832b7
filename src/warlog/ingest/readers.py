"""Reading reports from files, folders, standard input and feeds into `Document`s.

    iter_inputs(paths, max_bytes=20_000_000) -> Iterator[Document | IngestError]
    read_jsonl(path_or_dash)                 -> Iterator[Document | IngestError]

Bad input never raises out of these iterators: each problem becomes one `IngestError`
(origin + human reason) and iteration goes on with the rest.

What a path may be
------------------
* ``-``: JSON Lines on standard input.
* an ``http(s)://`` URL: fetched (30 s timeout, at most ``max_bytes``) and parsed as an
  RSS/Atom feed with feedparser; a plain HTML page is extracted as one article.
* a folder: walked recursively in sorted order; hidden files and folders (``.name``) are
  skipped, and so is every file whose extension is not one of ``SUPPORTED_EXTENSIONS``
  (a ``README.md`` next to the data is not a report).
* a file: its format comes from the extension, checked against the content:

  ``.jsonl .ndjson .json``  one document a line, per docs/batch-interface.md (``id`` and
                           ``text`` required; ``published country title url source``
                           optional; other keys ignored).  A file holding one JSON array
                           of such objects (or, for ``.json``, one object) is accepted too.
                           Lines are streamed, never loaded whole.
  ``.txt``                  one report; see "The .txt header convention" below.
  ``.html .htm``            one article, extracted with trafilatura (title, date, site
                           name as ``source``, canonical url).
  ``.xml .rss .atom``       an RSS/Atom feed: one document per entry.
  anything else             sniffed: a feed (``<rss``, ``<feed``, ``<rdf:RDF``), an HTML
                           page (``<!doctype html``/``<html``), JSON (``{``/``[``) or text.

  Whatever the extension, a file whose content starts like a feed is read as a feed, and
  a ``.txt`` whose content starts like an HTML page is read as HTML.

Origins: ``Document.origin`` is the path (or URL), ``path:LINE`` (1-based) for JSON Lines
and ``path[INDEX]`` (0-based) for items of a whole-file JSON array.

The .txt header convention
--------------------------
A ``.txt`` report may open with a header block: one or more lines ``Key: value`` with a
key from ``Date``/``Published``, ``Title``, ``Source``, ``URL``, ``Country``, ``ID``
(case-insensitive), ending at the first line that is not such a line; blank lines after
it are dropped.  The header is not part of the text.  Example::

    Date: 2024-04-01
    Source: Example Wire
    Title: Drone strike hits Hodeidah port

    HODEIDAH, Yemen (April 1) - ...

Without an ``ID:`` line the id is the file's stem.  Dates may be ISO (``2024-04-01``,
``2024-04-01T08:30Z``), RFC 2822 (``Mon, 01 Apr 2024 08:30:00 GMT``) or spelled out
(``1 April 2024``, ``April 1, 2024``, ``1 Apr 2024``).  A file without such a block is
all text, its first line (usually the headline) included.
"""
from __future__ import annotations

import codecs
import json
import os
import re
import stat
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warlog.records import Document, normalise_text

__all__ = ["IngestError", "iter_inputs", "read_jsonl", "SUPPORTED_EXTENSIONS", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 20_000_000
#: One JSON line (one document) at most; longer lines are skipped with an error, in bounded memory.
MAX_LINE_BYTES = DEFAULT_MAX_BYTES
JSON_EXTENSIONS = frozenset({".jsonl", ".ndjson", ".json"})
TEXT_EXTENSIONS = frozenset({".txt"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
FEED_EXTENSIONS = frozenset({".xml", ".rss", ".atom"})
SUPPORTED_EXTENSIONS = JSON_EXTENSIONS | TEXT_EXTENSIONS | HTML_EXTENSIONS | FEED_EXTENSIONS

SNIFF_BYTES = 8192
FETCH_TIMEOUT_S = 30
USER_AGENT = "warlog (+https://github.com/) feed reader"
OPTIONAL_FIELDS = ("published", "country", "title", "url", "source")


@dataclass(frozen=True)
class IngestError:
    """One input that could not be read; iteration goes on after it."""

    origin: str  # the input path or URL, with ":LINE" for JSON Lines
    reason: str  # a human message

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


Item = Document | IngestError


# --------------------------------------------------------------------------- helpers


def _human_size(n: int | float) -> str:
    """52_400_000 -> '52.4 MB', 20_000_000 -> '20 MB', 300 -> '300 bytes'."""
    if n < 1000:
        return f"{int(n)} bytes"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if n < scale * 1000 or unit == "GB":
            s = f"{n / scale:.1f}"
            return f"{s[:-2] if s.endswith('.0') else s} {unit}"
    raise AssertionError  # pragma: no cover


_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%Y/%m/%d")


def _parse_date(value: str) -> date | None:
    """ISO, RFC 2822 or '1 April 2024' / 'April 1, 2024'; None when none fits."""
    s = value.strip()
    if not s:
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s).date()
    except (TypeError, ValueError, IndexError):
        pass
    s2 = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    s2 = re.sub(r"\s+", " ", s2)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s2, fmt).date()
        except ValueError:
            continue
    return None


def _decode(data: bytes, offset: int = 0) -> str | IngestError:
    """Strict UTF-8 (a BOM at the file's start dropped); the error names the byte offset."""
    try:
        return data.decode("utf-8-sig" if offset == 0 else "utf-8")
    except UnicodeDecodeError as e:
        return IngestError("", f"invalid UTF-8 at byte {offset + e.start}")


def _binary_reason(head: bytes) -> str | None:
    """Why the first bytes of a file look binary, or None when they look like text."""
    if b"\x00" in head:
        return "binary file (NUL bytes)"
    if not head:
        return None
    # Cut a possibly truncated multi-byte character at the end of the sample.
    text = head.decode("utf-8", errors="replace")
    if len(head) == SNIFF_BYTES:
        text = text[:-4]
    bad = text.count("\ufffd")
    control = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\x0b\x1b\b")
    if text and (bad + control) / len(text) > 0.10:
        try:
            head.decode("utf-8")
            first = None
        except UnicodeDecodeError as e:
            first = e.start
        where = f"; first invalid byte at {first}" if first is not None and first < len(head) - 4 else ""
        return f"binary file (not UTF-8 text{where})"
    return None


class _TextOfHTML(HTMLParser):
    """Plain text of an HTML fragment: tags dropped, blocks on their own lines."""

    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
             "table", "blockquote", "section", "article", "header", "footer", "pre", "hr", "dd", "dt"}
    SKIP = {"script", "style", "noscript", "template", "head", "nav", "footer", "aside", "form"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _strip_html(fragment: str) -> str:
    """A simple, dependable HTML-to-text for feed summaries and as trafilatura's fallback."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    parser = _TextOfHTML()
    try:
        parser.feed(fragment)
        parser.close()
        raw = "".join(parser.parts)
    except Exception:  # html.parser is lenient, but never let it escape
        raw = re.sub(r"<[^>]*>", " ", fragment)
        raw = unescape(raw)
    lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in raw.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_FEED_RE = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:(?:<!--.*?-->|<\?[^>]*>|<!DOCTYPE[^>]*>)\s*)*<(?:[\w-]+:)?(?:rss|feed|RDF)\b",
    re.S | re.I,
)
_HTML_RE = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.S | re.I)


def _sniff(head: bytes) -> str:
    """'feed', 'html', 'json' or 'text' from a file's first bytes."""
    head = head.lstrip(b"\xef\xbb\xbf")
    if _FEED_RE.match(head):
        return "feed"
    if _HTML_RE.match(head):
        return "html"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return "json"
    if stripped[:5].lower() == b"<?xml":
        return "feed"  # some other XML: feedparser will say what is wrong with it
    return "text"


def _make_document(origin: str, **fields: Any) -> Item:
    text = fields.get("text")
    if not isinstance(text, str) or not normalise_text(text):
        return IngestError(origin, "no text")
    fields = {k: v for k, v in fields.items() if v is not None}
    try:
        return Document(origin=origin, **fields)
    except ValidationError as e:
        if not all(err.get("loc", ())[:1] == ("published",) for err in e.errors()):
            return IngestError(origin, _validation_reason(e))
        # one bad field does not cost the document: it is kept undated, and the run says why
        fields.pop("published")
        try:
            document = Document(origin=origin, **fields)
        except ValidationError as again:
            return IngestError(origin, _validation_reason(again))
        document.warnings.append(f"{_validation_reason(e)}; kept without a publication date")
        return document


def _validation_reason(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err.get("loc", ())) or "document"
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        parts.append(f"invalid '{loc}': {msg}")
    return "; ".join(parts) or "invalid document"


# --------------------------------------------------------------------------- JSON


_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number",
               bool: "boolean", type(None): "null"}


def _record_to_document(obj: Any, origin: str) -> Item:
    """One object of the batch contract -> Document, or why not."""
    if not isinstance(obj, dict):
        return IngestError(origin, f"not a JSON object (got {_JSON_TYPES.get(type(obj), type(obj).__name__)})")
    if "id" not in obj or obj["id"] is None:
        return IngestError(origin, "missing 'id'")
    if "text" not in obj or obj["text"] is None:
        return IngestError(origin, "missing 'text'")
    doc_id, text = obj["id"], obj["text"]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        return IngestError(origin, f"'id' must be a string or an integer (got {_JSON_TYPES.get(type(doc_id), 'value')})")
    if isinstance(doc_id, str) and not doc_id.strip():
        return IngestError(origin, "empty 'id'")
    if not isinstance(text, str):
        return IngestError(origin, f"'text' must be a string (got {_JSON_TYPES.get(type(text), 'value')})")
    fields: dict[str, Any] = {"id": doc_id, "text": text}
    for key in OPTIONAL_FIELDS:
        value = obj.get(key)
        if value is None or value == "":
            continue
        if key == "published" and isinstance(value, str):
            value = _parse_date(value) or value
        elif key != "published" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        fields[key] = value
    return _make_document(origin, **fields)


def _load_line(raw: bytes, offset: int) -> tuple[Any, str | None]:
    """(value, None) for a line of JSON, else (None, why not)."""
    text = _decode(raw, offset)
    if isinstance(text, IngestError):
        return None, text.reason
    try:
        return json.loads(text), None
    except json.JSONDecodeError as e:
        return None, f"not valid JSON ({e.msg} at column {e.colno})"
    except RecursionError:
        return None, "not valid JSON (nested too deeply)"


def _array_items(values: list[Any], label: str) -> Iterator[Item]:
    if not values:
        yield IngestError(label, "no documents (empty JSON array)")
    for i, value in enumerate(values):
        yield _record_to_document(value, f"{label}[{i}]")


class _LongLine(bytes):
    """A line past MAX_LINE_BYTES: only its length is kept; the line itself was skipped."""
    length = 0


def _bounded_lines(stream: Any, max_line: int) -> Iterator[bytes]:
    """The stream's lines, each read with a bound: a longer line is skipped in chunks and
    comes out as a `_LongLine` (a 200 MB line on standard input costs no more than the bound)."""
    readline = getattr(stream, "readline", None)
    if readline is None:  # an iterable of lines already in memory
        for raw in stream:
            if len(raw) > max_line:
                long = _LongLine(b"")
                long.length = len(raw)
                yield long
            else:
                yield raw
        return
    while True:
        raw = readline(max_line + 1)
        if not raw:
            return
        if len(raw) <= max_line or raw.endswith(b"\n"):
            yield raw
            continue
        length = len(raw)
        while not raw.endswith(b"\n"):
            raw = readline(1 << 20)
            if not raw:
                break
            length += len(raw)
        long = _LongLine(b"")
        long.length = length
        yield long


def _json_lines(stream: Iterable[bytes], label: str, *, whole_file_ok: bool) -> Iterator[Item]:
    """Stream JSON Lines, one line at a time.

    A JSON array on the first line, or a JSON array (or, with `whole_file_ok`, an object)
    spread over several lines, is accepted as well.
    """
    it = _bounded_lines(stream, MAX_LINE_BYTES)
    offset = 0
    lineno = 0
    seen = False
    for raw in it:
        lineno += 1
        start = offset
        if isinstance(raw, _LongLine):
            offset += raw.length
            seen = True
            yield IngestError(f"{label}:{lineno}", f"line too long: {_human_size(raw.length)} > {_human_size(MAX_LINE_BYTES)}, skipped")
            continue
        offset += len(raw)
        if start == 0 and raw.startswith(codecs.BOM_UTF8):
            raw, start = raw[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
        if not raw.strip():
            continue
        origin = f"{label}:{lineno}"
        value, reason = _load_line(raw, start)
        if not seen:
            seen = True
            head = raw.lstrip()[:1]
            if reason and reason.startswith("not valid JSON") and (head == b"[" or (head == b"{" and whole_file_ok)):
                yield from _json_whole(raw, start, lineno, it, label)
                return
            if reason is None and isinstance(value, list):
                yield from _array_items(value, label)
                continue
        yield IngestError(origin, reason) if reason else _record_to_document(value, origin)
    if not seen and label != "-":
        yield IngestError(label, "file is empty" if offset == 0 else "file is empty (only whitespace)")


def _json_whole(first: bytes, first_offset: int, first_lineno: int, rest: Iterator[bytes], label: str) -> Iterator[Item]:
    """The input from `first` on as one JSON value; if it is not one, as JSON Lines."""
    lines: list[bytes] = [first]
    total = len(first)
    for raw in rest:
        lines.append(raw)
        total += raw.length if isinstance(raw, _LongLine) else len(raw)
    value, reason = (None, "too long for one JSON value") if total > MAX_LINE_BYTES or any(
        isinstance(raw, _LongLine) for raw in lines) else _load_line(b"".join(lines), first_offset)
    if reason is None:
        if isinstance(value, list):
            yield from _array_items(value, label)
        else:
            yield _record_to_document(value, label)
        return
    # Not one JSON value: line by line, so that the good lines still come through.
    offset = first_offset
    for i, raw in enumerate(lines):
        if isinstance(raw, _LongLine):
            yield IngestError(f"{label}:{first_lineno + i}", f"line too long: {_human_size(raw.length)} > {_human_size(MAX_LINE_BYTES)}, skipped")
            offset += raw.length
            continue
        if raw.strip():
            value, reason = _load_line(raw, offset)
            origin = f"{label}:{first_lineno + i}"
            yield IngestError(origin, reason) if reason else _record_to_document(value, origin)
        offset += len(raw)


def read_jsonl(path_or_dash: str) -> Iterator[Item]:
    """Documents from a JSON Lines file, or from standard input for '-'. Streams."""
    if path_or_dash == "-":
        yield from _read_stdin()
        return
    path = str(path_or_dash)
    try:
        fh = open(path, "rb")
    except OSError as e:
        yield IngestError(path, _os_reason(e))
        return
    with fh:
        try:
            head = fh.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(fh, "peek") else b""
            reason = _binary_reason(head)
            if reason:
                yield IngestError(path, reason)
                return
            yield from _json_lines(fh, path, whole_file_ok=path.lower().endswith(".json"))
        except OSError as e:
            yield IngestError(path, _os_reason(e))


def _read_stdin() -> Iterator[Item]:
    stdin = sys.stdin
    if stdin is None:
        yield IngestError("-", "no standard input")
        return
    buffer = getattr(stdin, "buffer", None)
    try:
        if buffer is not None:
            yield from _json_lines(buffer, "-", whole_file_ok=False)
        else:  # a text stream without bytes underneath (io.StringIO, say)
            yield from _json_lines((line.encode("utf-8", "surrogatepass") for line in stdin), "-", whole_file_ok=False)
    except (OSError, ValueError) as e:
        yield IngestError("-", f"cannot read standard input: {e}")


# --------------------------------------------------------------------------- text


_HEADER_KEYS = {"date": "published", "published": "published", "title": "title", "source": "source",
                "url": "url", "country": "country", "id": "id"}
_HEADER_RE = re.compile(r"^\s*(date|published|title|source|url|country|id)\s*:\s*(.*?)\s*$", re.I)


def _parse_txt(text: str, path: str) -> Item:
    """A .txt report with an optional header block (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    fields: dict[str, Any] = {}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    first = i
    while i < len(lines):
        m = _HEADER_RE.match(lines[i])
        if not m:
            break
        key, value = _HEADER_KEYS[m.group(1).lower()], m.group(2)
        if value:
            fields.setdefault(key, value)
        i += 1
    if i == first:  # no header: everything is text
        body = text
        fields = {}
    else:
        body = "\n".join(lines[i:])
    if "published" in fields:
        fields["published"] = _parse_date(fields["published"])
    fields.setdefault("id", Path(path).stem)
    return _make_document(path, text=body.strip(), **fields)


# --------------------------------------------------------------------------- HTML


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def _decode_markup(data: bytes, *, xml: bool = False) -> str | IngestError:
    """UTF-8, unless the page declares another charset that decodes it."""
    text = _decode(data)
    if not isinstance(text, IngestError):
        return text
    head = data[:4096]
    m = re.match(rb"""\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""", head) if xml else _CHARSET_RE.search(head)
    if m:
        name = m.group(1).decode("ascii", "replace")
        try:
            if codecs.lookup(name).name != "utf-8":
                return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return text


#: Pages larger than this are reduced to their text without trafilatura (whose time grows faster
#: than the page); a tag this long keeps only the attributes an article's extraction reads.
MAX_EXTRACTION_MARKUP = 3_000_000
MAX_TAG_CHARS = 2000
_LONG_TAG = re.compile(r"<([A-Za-z][\w:-]*)(\s[^<>]{%d,})>" % MAX_TAG_CHARS)
_KEPT_ATTRIBUTE = re.compile(
    r"""\s(?:class|id|href|src|content|name|property|itemprop|datetime|lang|rel|type|charset|http-equiv)"""
    r"""\s*=\s*(?:"[^"]{0,500}"|'[^']{0,500}'|[^\s"'>]{1,500})""", re.I)


def _tame_markup(markup: str) -> str:
    """Markup whose pathological tags (thousands of attributes, one tag of megabytes) are cut
    down to the attributes that matter, so parsing it takes time in proportion to its size."""
    def cut(m: re.Match[str]) -> str:
        kept = "".join(a.group(0) for a in _KEPT_ATTRIBUTE.finditer(m.group(2)))[:MAX_TAG_CHARS]
        return f"<{m.group(1)}{kept}>"
    return _LONG_TAG.sub(cut, markup)


def _parse_html(markup: str, origin: str, *, doc_id: str, url: str | None = None) -> Item:
    fields: dict[str, Any] = {"id": doc_id}
    text = ""
    try:
        import trafilatura

        markup = _tame_markup(markup)
        result = None if len(markup) > MAX_EXTRACTION_MARKUP else trafilatura.bare_extraction(
            markup, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
        if result is not None and not isinstance(result, dict):
            result = result.as_dict()  # trafilatura >= 2 returns a Document object
    except Exception:  # trafilatura or lxml choking on odd markup: fall back below
        result = None
    if isinstance(result, dict):
        text = result.get("text") or ""
        fields["title"] = result.get("title") or None
        fields["source"] = result.get("sitename") or None
        fields["url"] = result.get("url") or url
        if result.get("date"):
            fields["published"] = _parse_date(str(result["date"]))
    if not normalise_text(text):
        text = _strip_html(markup)
        if "title" not in fields:
            m = re.search(r"<title[^>]*>(.*?)</title>", markup, re.S | re.I)
            fields["title"] = _strip_html(m.group(1)) if m else None
    fields.setdefault("url", url)
    return _make_document(origin, text=text.strip(), **fields)


# --------------------------------------------------------------------------- feeds


def _entry_published(entry: Any) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = entry.get(key)
        if st:
            try:
                return date(st.tm_year, st.tm_mon, st.tm_mday)
            except (ValueError, AttributeError):
                continue
    for key in ("published", "updated", "created"):
        if entry.get(key):
            parsed = _parse_date(str(entry[key]))
            if parsed:
                return parsed
    return None


def _entry_text(entry: Any) -> str:
    candidates: list[tuple[str, str]] = []
    for content in entry.get("content") or []:
        candidates.append((content.get("value") or "", content.get("type") or "text/html"))
    detail = entry.get("summary_detail") or {}
    if entry.get("summary"):
        candidates.append((entry["summary"], detail.get("type") or "text/html"))
    best = ""
    for value, kind in candidates:
        text = _strip_html(value) if ("html" in kind or "<" in value) else value.strip()
        if len(normalise_text(text)) > len(normalise_text(best)):
            best = text
    return best


def _parse_feed(data: bytes | str, origin: str, *, fallback_id: str) -> Iterator[Item]:
    try:
        import feedparser

        parsed = feedparser.parse(data, sanitize_html=False)
    except Exception as e:  # feedparser should never raise, but bytes from the wild...
        yield IngestError(origin, f"feed could not be parsed: {e}")
        return
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            yield IngestError(origin, f"feed could not be parsed: {parsed.get('bozo_exception')}")
        else:
            yield IngestError(origin, "feed has no entries")
        return
    feed = parsed.get("feed") or {}
    source = _strip_html(feed.get("title") or "") or None
    for n, entry in enumerate(entries, 1):
        doc_id = entry.get("id") or entry.get("link") or f"{fallback_id}#{n}"
        title = _strip_html(entry.get("title") or "") or None
        item = _make_document(
            origin,
            id=str(doc_id),
            text=_entry_text(entry),
            published=_entry_published(entry),
            title=title,
            source=source,
            url=entry.get("link") or None,
        )
        if isinstance(item, IngestError):
            label = f"entry {n}" + (f" ({title!r})" if title else "")
            reason = f"{label}: {item.reason}"
            if parsed.get("bozo"):
                reason += f" (feed is malformed: {parsed.get('bozo_exception')})"
            item = IngestError(origin, reason)
        yield item


# --------------------------------------------------------------------------- files


def _os_reason(e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such file or directory"
    if isinstance(e, PermissionError):
        return "cannot read: permission denied"
    if isinstance(e, IsADirectoryError):
        return "is a directory"
    return f"cannot read: {e.strerror or e}"


def _read_file(path: str, max_bytes: int) -> Iterator[Item]:
    """One file of any supported format."""
    try:
        st = os.stat(path)
    except OSError as e:
        yield IngestError(path, _os_reason(e))
        return
    if not stat.S_ISREG(st.st_mode):
        yield IngestError(path, "not a regular file")
        return
    if st.st_size == 0:
        yield IngestError(path, "file is empty")
        return
    if st.st_size > max_bytes:
        yield IngestError(path, f"too large: {_human_size(st.st_size)} > {_human_size(max_bytes)} limit")
        return
    ext = Path(path).suffix.lower()
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
            reason = _binary_reason(head)
            if reason:
                yield IngestError(path, reason)
                return
            kind = _sniff(head)
            if ext in JSON_EXTENSIONS or (ext not in SUPPORTED_EXTENSIONS and kind == "json"):
                fh.seek(0)
                yield from _json_lines(fh, path, whole_file_ok=True)
                return
            # Whole-file formats: the size is bounded by max_bytes above.
            data = head + fh.read(max_bytes + 1 - len(head))
    except OSError as e:
        yield IngestError(path, _os_reason(e))
        return
    if len(data) > max_bytes:  # grew since stat
        yield IngestError(path, f"too large: more than {_human_size(max_bytes)} limit")
        return
    if not data.strip():
        yield IngestError(path, "file is empty (only whitespace)")
        return

    if kind == "feed" or ext in FEED_EXTENSIONS and kind != "html":
        decoded = _decode_markup(data, xml=True)
        if isinstance(decoded, IngestError):
            yield IngestError(path, decoded.reason)
            return
        yield from _parse_feed(data, path, fallback_id=Path(path).stem)
    elif ext in HTML_EXTENSIONS or kind == "html":
        decoded = _decode_markup(data)
        if isinstance(decoded, IngestError):
            yield IngestError(path, decoded.reason)
            return
        yield _parse_html(decoded, path, doc_id=Path(path).stem)
    else:
        decoded = _decode(data)
        if isinstance(decoded, IngestError):
            yield IngestError(path, decoded.reason)
            return
        yield _parse_txt(decoded, path)


def _walk(folder: str) -> Iterator[str | IngestError]:
    """Supported, non-hidden files under `folder`, sorted by relative path."""
    found: list[tuple[tuple[str, ...], str]] = []
    errors: list[IngestError] = []

    def onerror(e: OSError) -> None:
        errors.append(IngestError(str(e.filename or folder), _os_reason(e)))

    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(root, folder)
        parts = () if rel == os.curdir else tuple(Path(rel).parts)
        for name in files:
            if name.startswith(".") or Path(name).suffix.lower() not in SUPPORTED_EXTENSIONS:
                continue
            found.append(((*parts, name), os.path.join(root, name)))
    yield from errors
    for _, path in sorted(found):
        yield path


def _read_url(url: str, max_bytes: int) -> Iterator[Item]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
            data = response.read(max_bytes + 1)
            final_url = response.geturl() or url
    except urllib.error.HTTPError as e:
        yield IngestError(url, f"feed could not be fetched: HTTP {e.code} {e.reason}")
        return
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        yield IngestError(url, f"feed could not be fetched: {reason}")
        return
    except Exception as e:  # http.client oddities (IncompleteRead, bad status line, ...)
        yield IngestError(url, f"feed could not be fetched: {type(e).__name__}: {e}")
        return
    if len(data) > max_bytes:
        yield IngestError(url, f"too large: more than {_human_size(max_bytes)} limit")
        return
    if not data.strip():
        yield IngestError(url, "empty response")
        return
    kind = _sniff(data[:SNIFF_BYTES])
    if kind == "html":
        decoded = _decode_markup(data)
        if isinstance(decoded, IngestError):
            yield IngestError(url, decoded.reason)
            return
        yield _parse_html(decoded, url, doc_id=final_url, url=final_url)
        return
    yield from _parse_feed(data, url, fallback_id=final_url)


def iter_inputs(paths: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """Documents (and errors) from files, folders, '-' (stdin JSON Lines) and feed URLs."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # type: ignore[list-item]
    for p in paths:
        path = os.fspath(p)
        if path == "-":
            yield from _guarded(path, read_jsonl("-"))
        elif re.match(r"^https?://", path, re.I):
            yield from _guarded(path, _read_url(path, max_bytes))
        elif os.path.isdir(path):
            for entry in _walk(path):
                if isinstance(entry, IngestError):
                    yield entry
                else:
                    yield from _guarded(entry, _read_file(entry, max_bytes))
        else:
            yield from _guarded(path, _read_file(path, max_bytes))


def _guarded(origin: str, items: Iterator[Item]) -> Iterator[Item]:
    """The last line of defence: a bug on one input never stops the others."""
    try:
        yield from items
    except Exception as e:
        yield IngestError(origin, f"unexpected error: {type(e).__name__}: {e}")
