"""Tests for warlog.ingest.readers: every input format, folders, stdin, feeds by URL and bad input."""
from __future__ import annotations

import http.server
import io
import json
import os
import re
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warlog.ingest.readers import IngestError, iter_inputs, read_jsonl
from warlog.records import Document

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*paths, **kw):
    return list(iter_inputs([str(p) for p in paths], **kw))


def docs(items):
    return [x for x in items if isinstance(x, Document)]


def errors(items):
    return [x for x in items if isinstance(x, IngestError)]


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines), encoding="utf-8")
    return path


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test Wire</title><link>https://example.org/</link>
<item><title>Blast in Kirkuk</title><link>https://example.org/a</link><guid>guid-a</guid>
<pubDate>Mon, 01 Apr 2024 10:00:00 +0000</pubDate>
<description>&lt;p&gt;A bomb exploded in &lt;b&gt;Kirkuk&lt;/b&gt; on Monday, killing two.&lt;/p&gt;</description></item>
<item><title>Clash in Daraa</title><link>https://example.org/b</link>
<pubDate>Tue, 02 Apr 2024 10:00:00 +0000</pubDate>
<description>Gunmen clashed with police in Daraa.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Notes</title><id>tag:x,2024:f</id>
<updated>2024-05-02T00:00:00Z</updated>
<entry><title>Riot in Goma</title><id>tag:x,2024:1</id><link href="https://example.org/goma"/>
<updated>2024-05-02T09:00:00Z</updated>
<content type="html">&lt;p&gt;Protesters burned tyres in Goma.&lt;/p&gt;&lt;p&gt;Police fired tear gas.&lt;/p&gt;</content></entry>
</feed>
"""

HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Shelling hits Kharkiv suburb | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="canonical" href="https://example.org/kharkiv-shelling">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Shelling hits Kharkiv suburb</h1>
<p>Russian artillery shelled a suburb of Kharkiv on Monday night, killing two residents and wounding five, the regional governor said on Tuesday morning.</p>
<p>The shells damaged a school and a dozen houses in the Saltivskyi district, he said, and rescuers worked through the night to clear the rubble from the street.</p>
</article>
<footer>Copyright 2024 Example News. All rights reserved. Cookie settings.</footer>
</body></html>
"""


# --------------------------------------------------------------------------- formats


def test_jsonl_fields(tmp_path):
    f = write_jsonl(tmp_path / "docs.jsonl", [
        {"id": "a1", "text": "Gunmen attacked a checkpoint.", "published": "2024-04-01T10:00:00Z",
         "country": "Iraq", "title": "T", "url": "https://example.org/a", "source": "Wire", "gold": [1, 2]},
        {"id": 7, "text": "Second report.", "published": "1 April 2024"},
    ])
    items = run(f)
    assert not errors(items)
    a, b = items
    assert (a.id, a.text, a.published, a.country, a.title, a.url, a.source) == (
        "a1", "Gunmen attacked a checkpoint.", date(2024, 4, 1), "Iraq", "T", "https://example.org/a", "Wire")
    assert a.origin == f"{f}:1"
    assert (b.id, b.published, b.origin) == ("7", date(2024, 4, 1), f"{f}:2")


def test_ndjson_and_json_extensions_and_blank_lines(tmp_path):
    f1 = tmp_path / "a.ndjson"
    f1.write_text('\n{"id": "x", "text": "one"}\n\n   \n{"id": "y", "text": "two"}\r\n', encoding="utf-8")
    f2 = write_jsonl(tmp_path / "b.json", [{"id": "z", "text": "three"}])
    items = run(f1, f2)
    assert [d.id for d in items] == ["x", "y", "z"]
    assert [d.origin for d in items] == [f"{f1}:2", f"{f1}:5", f"{f2}:1"]


def test_whole_file_json_array(tmp_path):
    f = tmp_path / "arr.json"
    f.write_text(json.dumps([{"id": "a", "text": "one"}, {"id": "b"}, {"id": "c", "text": "three"}], indent=2))
    items = run(f)
    assert [d.id for d in docs(items)] == ["a", "c"]
    assert [d.origin for d in docs(items)] == [f"{f}[0]", f"{f}[2]"]
    [err] = errors(items)
    assert err.origin == f"{f}[1]" and err.reason == "missing 'text'"
    # one-line array in a .jsonl file, and a pretty-printed single object in a .json file
    g = tmp_path / "one.jsonl"
    g.write_text(json.dumps([{"id": "p", "text": "x"}]) + "\n")
    h = tmp_path / "obj.json"
    h.write_text(json.dumps({"id": "q", "text": "y"}, indent=2))
    assert [d.id for d in run(g, h)] == ["p", "q"]


def test_bom_is_accepted(tmp_path):
    f = tmp_path / "bom.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + b'{"id": "a", "text": "x"}\n')
    assert [d.id for d in run(f)] == ["a"]


def test_txt_with_header(tmp_path):
    f = tmp_path / "report-42.txt"
    f.write_text(
        "Date: 2024-04-01\nSource: Example Wire\nTitle: Drone strike hits Hodeidah\nURL: https://example.org/h\n"
        "Country: Yemen\n\nHODEIDAH - A drone struck the port.\n\nTwo workers were hurt.\n",
        encoding="utf-8",
    )
    [d] = run(f)
    assert d.id == "report-42"
    assert d.published == date(2024, 4, 1)
    assert (d.source, d.title, d.url, d.country) == ("Example Wire", "Drone strike hits Hodeidah", "https://example.org/h", "Yemen")
    assert d.text == "HODEIDAH - A drone struck the port.\n\nTwo workers were hurt."
    assert d.origin == str(f)


@pytest.mark.parametrize("value", ["15 March 2024", "March 15, 2024", "Fri, 15 Mar 2024 09:00:00 +0000", "2024-03-15T09:00"])
def test_txt_header_date_formats(tmp_path, value):
    f = tmp_path / "r.txt"
    f.write_text(f"published: {value}\nid: custom-id\n\nBody.", encoding="utf-8")
    [d] = run(f)
    assert d.published == date(2024, 3, 15) and d.id == "custom-id" and d.text == "Body."


def test_txt_without_header_keeps_first_line(tmp_path):
    f = tmp_path / "plain.txt"
    f.write_text("\n\nClashes in Tripoli\n\nArmed groups fought overnight.\nNote: this is not a header.\n", encoding="utf-8")
    [d] = run(f)
    assert d.id == "plain"
    assert d.text.startswith("Clashes in Tripoli\n") and "Note: this is not a header." in d.text
    assert d.published is None and d.title is None


def test_txt_header_only_is_no_text(tmp_path):
    f = tmp_path / "h.txt"
    f.write_text("Date: 2024-01-01\nTitle: nothing\n\n   \n", encoding="utf-8")
    [e] = run(f)
    assert isinstance(e, IngestError) and e.reason == "no text" and e.origin == str(f)


def test_html_page(tmp_path):
    f = tmp_path / "kharkiv.html"
    f.write_text(HTML, encoding="utf-8")
    [d] = run(f)
    assert isinstance(d, Document)
    assert d.id == "kharkiv"
    assert "Russian artillery shelled a suburb of Kharkiv" in d.text
    assert "Cookie settings" not in d.text and "Sport" not in d.text
    assert d.title == "Shelling hits Kharkiv suburb"
    assert d.source == "Example News"
    assert d.published == date(2024, 3, 5)
    assert d.url == "https://example.org/kharkiv-shelling"


def test_tiny_html_falls_back_to_simple_stripping(tmp_path):
    f = tmp_path / "tiny.htm"
    f.write_text("<html><head><title>Short</title><script>var x=1;</script></head><body><p>Police arrested two men in Kano.</p></body></html>")
    [d] = run(f)
    assert "Police arrested two men in Kano." in d.text and "var x" not in d.text


def test_rss_feed(tmp_path):
    f = tmp_path / "wire.rss"
    f.write_text(RSS, encoding="utf-8")
    a, b = run(f)
    assert (a.id, a.title, a.source, a.url, a.published) == ("guid-a", "Blast in Kirkuk", "Test Wire", "https://example.org/a", date(2024, 4, 1))
    assert a.text == "A bomb exploded in Kirkuk on Monday, killing two."
    assert b.id == "https://example.org/b"  # no guid: the link
    assert b.origin == str(f)


def test_atom_feed_and_sniffed_feed(tmp_path):
    f = tmp_path / "notes.atom"
    f.write_text(ATOM, encoding="utf-8")
    g = tmp_path / "feed-without-extension"
    g.write_text(ATOM, encoding="utf-8")
    h = tmp_path / "saved.txt"  # a feed saved with the wrong extension
    h.write_text(RSS, encoding="utf-8")
    items = run(f, g, h)
    assert not errors(items)
    d = items[0]
    assert (d.id, d.title, d.source, d.url, d.published) == ("tag:x,2024:1", "Riot in Goma", "Atom Notes", "https://example.org/goma", date(2024, 5, 2))
    assert d.text == "Protesters burned tyres in Goma.\n\nPolice fired tear gas."
    assert [x.id for x in items[1:]] == ["tag:x,2024:1", "guid-a", "https://example.org/b"]


def test_feed_entry_without_text(tmp_path):
    f = tmp_path / "f.xml"
    f.write_text(RSS.replace("Gunmen clashed with police in Daraa.", ""), encoding="utf-8")
    items = run(f)
    assert [d.id for d in docs(items)] == ["guid-a"]
    [e] = errors(items)
    assert e.origin == str(f) and "entry 2" in e.reason and "no text" in e.reason


def test_broken_feed(tmp_path):
    f = tmp_path / "broken.rss"
    f.write_text("<?xml version='1.0'?>\n<rss><channel><title>x</title></chan", encoding="utf-8")
    g = tmp_path / "empty-feed.xml"
    g.write_text("<?xml version='1.0'?><rss version='2.0'><channel><title>x</title></channel></rss>")
    e1, e2 = run(f, g)
    assert e1.origin == str(f) and e1.reason.startswith("feed could not be parsed:")
    assert e2.origin == str(g) and e2.reason == "feed has no entries"
    h = tmp_path / "junk-entry.rss"
    h.write_text("<?xml version='1.0'?><rss><channel><title>x</title><item><title>unclosed", encoding="utf-8")
    [e3] = run(h)
    assert e3.reason.startswith("entry 1 ('unclosed'): no text (feed is malformed:") or e3.reason.startswith("entry 1: no text (feed is malformed:")


def test_bozo_feed_with_entries_yields_entries(tmp_path):
    f = tmp_path / "bozo.rss"
    f.write_text(RSS.replace("</channel></rss>", "<item><title>cut off"), encoding="utf-8")
    items = run(f)
    assert [d.id for d in docs(items)][:2] == ["guid-a", "https://example.org/b"]


# --------------------------------------------------------------------------- folders and stdin


def test_folder_recursion_sorted_skips_hidden_and_unsupported(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "z.txt").write_text("Zed report.")
    (tmp_path / "b" / "one.txt").write_text("B one.")
    (tmp_path / "a" / "deep" / "x.jsonl").write_text('{"id": "deep", "text": "Deep."}\n')
    (tmp_path / "a" / "m.html").write_text("<html><body><p>Page body text.</p></body></html>")
    (tmp_path / ".hidden.txt").write_text("Hidden.")
    (tmp_path / ".git" / "c.txt").write_text("Hidden too.")
    (tmp_path / "README.md").write_text("Not a report.")
    (tmp_path / "notes.csv").write_text("a,b\n")
    items = run(tmp_path)
    assert not errors(items)
    assert [d.id for d in items] == ["deep", "m", "one", "z"]


def test_stdin(monkeypatch):
    data = b'{"id": "s1", "text": "From stdin."}\nnot json\n{"id": "s2", "text": "Again.", "published": "2024-02-02"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    items = list(iter_inputs(["-"]))
    assert [type(x).__name__ for x in items] == ["Document", "IngestError", "Document"]
    assert items[0].origin == "-:1" and items[2].published == date(2024, 2, 2)
    assert items[1].origin == "-:2" and items[1].reason.startswith("not valid JSON")


def test_stdin_text_stream_and_invalid_utf8(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": "s", "text": "x"}\n'))
    assert [d.id for d in read_jsonl("-")] == ["s"]
    data = b'{"id": "s", "text": "ok"}\n{"id": "t", "text": "\xff"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    a, e = read_jsonl("-")
    assert a.id == "s" and e.origin == "-:2" and e.reason == f"invalid UTF-8 at byte {data.index(0xFF)}"


def test_empty_stdin_is_quiet(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert list(iter_inputs(["-"])) == []


# --------------------------------------------------------------------------- bad input


def test_jsonl_bad_lines_keep_going(tmp_path):
    f = write_jsonl(tmp_path / "mixed.jsonl", [
        {"id": "ok1", "text": "first"},
        "{not json",
        {"id": "no-text"},
        {"text": "no id"},
        "[1, 2]",
        {"id": "blank", "text": "   "},
        {"id": "num-text", "text": 5},
        {"id": "ok2", "text": "last"},
    ])
    items = run(f)
    assert [d.id for d in docs(items)] == ["ok1", "ok2"]
    assert [d.origin for d in docs(items)] == [f"{f}:1", f"{f}:8"]
    errs = {int(e.origin.rsplit(":", 1)[1]): e.reason for e in errors(items)}
    assert errs == {
        2: "not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        3: "missing 'text'",
        4: "missing 'id'",
        5: "not a JSON object (got array)",
        6: "no text",
        7: "'text' must be a string (got number)",
    }
    assert str(errors(items)[1]) == f"{f}:3: missing 'text'"


def test_jsonl_not_json_message(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text("hello\n")
    [e] = run(f)
    assert e.reason == "not valid JSON (Expecting value at column 1)" and e.origin == f"{f}:1"


def test_jsonl_invalid_utf8_line_reports_file_offset(tmp_path):
    f = tmp_path / "u.jsonl"
    good = b'{"id": "a", "text": "fine"}\n'
    data = good + b'{"id": "b", "text": "caf\xe9"}\n' + good.replace(b'"a"', b'"c"')
    f.write_bytes(data)
    items = run(f)
    assert [d.id for d in docs(items)] == ["a", "c"]
    [e] = errors(items)
    assert e.origin == f"{f}:2" and e.reason == f"invalid UTF-8 at byte {data.index(0xE9)}" == "invalid UTF-8 at byte 52"


def test_empty_file(tmp_path):
    for name in ("e.txt", "e.jsonl", "e.html", "e.rss"):
        (tmp_path / name).write_bytes(b"")
    items = run(*(tmp_path / n for n in ("e.txt", "e.jsonl", "e.html", "e.rss")))
    assert [e.reason for e in items] == ["file is empty"] * 4
    (tmp_path / "ws.txt").write_text("  \n\n ")
    (tmp_path / "ws.jsonl").write_text("\n\n")
    assert [e.reason for e in run(tmp_path / "ws.txt", tmp_path / "ws.jsonl")] == ["file is empty (only whitespace)"] * 2


def test_binary_files(tmp_path):
    (tmp_path / "nul.txt").write_bytes(b"Some text\x00\x01\x02 more")
    (tmp_path / "nul.jsonl").write_bytes(b'{"id": "a", "text": "x"}\n\x00\x00')
    (tmp_path / "noise.html").write_bytes(bytes(range(128, 256)) * 20)
    items = run(tmp_path / "nul.txt", tmp_path / "nul.jsonl", tmp_path / "noise.html")
    assert [e.reason for e in items] == ["binary file (NUL bytes)", "binary file (NUL bytes)", "binary file (not UTF-8 text; first invalid byte at 0)"]


def test_invalid_utf8_reports_offset(tmp_path):
    f = tmp_path / "latin1.txt"
    f.write_bytes("Date: 2024-01-01\n\nLe café est fermé.".encode("utf-8").replace("é".encode(), b"\xe9"))
    [e] = run(f)
    assert e.origin == str(f) and e.reason == "invalid UTF-8 at byte 24"


def test_html_declaring_another_charset_is_decoded(tmp_path):
    f = tmp_path / "latin1.html"
    f.write_bytes('<html><head><meta charset="iso-8859-1"></head><body><p>Manifestation à Bamako contre la vie chère.</p></body></html>'.encode("latin-1"))
    [d] = run(f)
    assert "Manifestation à Bamako" in d.text


def test_oversize_file_is_not_read(tmp_path, monkeypatch):
    f = tmp_path / "big.txt"
    f.write_text("x" * 5000)
    opened = []
    real_open = open

    def spy(path, *a, **kw):
        opened.append(str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr("builtins.open", spy)
    [e] = run(f, max_bytes=1000)
    assert e.reason == "too large: 5 KB > 1 KB limit" and str(f) not in opened
    monkeypatch.undo()
    g = tmp_path / "huge.jsonl"
    with open(g, "wb") as fh:
        fh.truncate(52_400_000)  # sparse: nothing is really written
    [e] = run(g)
    assert e.reason == "too large: 52.4 MB > 20 MB limit"


def test_missing_unreadable_and_special_paths(tmp_path, monkeypatch):
    good = tmp_path / "good.txt"
    good.write_text("Report.")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    real_open = open

    def deny(path, *a, **kw):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr("builtins.open", deny)
    items = run(tmp_path / "nope.txt", fifo, locked, good)
    assert [str(x) for x in errors(items)] == [
        f"{tmp_path / 'nope.txt'}: no such file or directory",
        f"{fifo}: not a regular file",
        f"{locked}: cannot read: permission denied",
    ]
    assert [d.id for d in docs(items)] == ["good"]


def test_read_jsonl_missing_file():
    [e] = read_jsonl("/nonexistent/x.jsonl")
    assert e.reason == "no such file or directory"


def test_single_string_path_is_not_split(tmp_path):
    (tmp_path / "a.txt").write_text("Text.")
    assert [d.id for d in iter_inputs(str(tmp_path / "a.txt"))] == ["a"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), ext=st.sampled_from([".txt", ".jsonl", ".json", ".html", ".rss", ".atom", ".xml", ""]))
def test_arbitrary_bytes_never_raise(tmp_path, data, ext):
    f = tmp_path / f"fuzz{ext}"
    f.write_bytes(data)
    for item in iter_inputs([str(f)], max_bytes=2000):
        assert isinstance(item, (Document, IngestError))
        if isinstance(item, IngestError):
            assert item.reason and item.origin.startswith(str(f))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(st.text(max_size=60), st.builds(json.dumps, st.dictionaries(
    st.sampled_from(["id", "text", "published", "country", "title", "url", "source", "x"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=20), st.booleans(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=2)),
))), max_size=8))
def test_arbitrary_jsonl_never_raises(tmp_path, lines):
    f = tmp_path / "fuzz.jsonl"
    f.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    for item in iter_inputs([str(f)]):
        assert isinstance(item, (Document, IngestError))


# --------------------------------------------------------------------------- URLs


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/feed":
            body, status, kind = RSS.encode(), 200, "application/rss+xml"
        elif self.path == "/page":
            body, status, kind = HTML.encode(), 200, "text/html"
        else:
            body, status, kind = b"not here", 404, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_feed_url(server):
    items = list(iter_inputs([f"{server}/feed", f"{server}/missing", f"{server}/page", "http://127.0.0.1:1/feed"]))
    assert [d.id for d in docs(items)] == ["guid-a", "https://example.org/b", f"{server}/page"]
    assert docs(items)[0].origin == f"{server}/feed" and docs(items)[0].source == "Test Wire"
    page = docs(items)[2]
    assert "Kharkiv" in page.text and page.title == "Shelling hits Kharkiv suburb"
    e404, refused = errors(items)
    assert e404.origin == f"{server}/missing" and e404.reason == "feed could not be fetched: HTTP 404 Not Found"
    assert refused.reason.startswith("feed could not be fetched:")


# --------------------------------------------------------------------------- bundled sample


def test_bundled_examples_parse_cleanly():
    items = list(iter_inputs([str(EXAMPLES)]))
    assert not errors(items), [str(e) for e in errors(items)]
    by_file = {re.sub(r":\d+$", "", d.origin) for d in items}
    supported = {".txt", ".jsonl", ".html", ".rss", ".atom"}
    files = sorted(str(p) for p in EXAMPLES.rglob("*") if p.suffix in supported)
    assert len(files) >= 8
    assert by_file == set(files)
    assert len(items) >= 12
    assert all(d.published is not None and d.text.strip() for d in items)
    assert len({d.id for d in items}) == len(items)
