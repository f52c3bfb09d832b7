"""The real `acled` package (PyPI) against a real `warlog serve`, compared with `warlog export --format acled-csv`.

The acled package reads its base address from ACLED_API_HOST when it is imported, and its
token address is the class attribute OAuthTokenAuth.TOKEN_ENDPOINT; the client therefore
runs in a fresh Python process pointed at the server, which listens on 127.0.0.1 on a free port.
"""
from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import requests

from warlog.cli import demo
from warlog.ingest.service import save
from warlog.store.db import Store

FILTERS = {"country": "Syria", "since": "2024-01-15", "until": "2024-03-31"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def warlog(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warlog", *args], capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("acled")
    db = work / "w.db"
    with Store(f"sqlite:///{db}") as s:
        for x in demo.extractions(200, seed=11):
            save(s, x)
        for x in demo.incident_reports((5, 7, 8)):  # three reports of one incident in Syria, 2024-03-27
            save(s, x)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "warlog", "serve", "--db", str(db), "--host", "127.0.0.1",
                             "--port", str(port), "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{base}/api/meta", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read())
        else:
            raise RuntimeError("warlog serve did not answer")
        yield base, db, work
    finally:
        proc.terminate()
        proc.wait(10)


CLIENT = textwrap.dedent('''
    import csv, json, os, sys, warnings
    warnings.simplefilter("ignore")
    from acled.auth import CookieAuth, OAuthTokenAuth
    from acled import AcledClient
    base, csv_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    OAuthTokenAuth.TOKEN_ENDPOINT = base + "/oauth/token"
    CookieAuth.LOGIN_ENDPOINT = base + "/no-cookie-login"  # a fallback must not leave localhost either
    if mode == "oauth":
        client = AcledClient(username="analyst@example.org", password="anything")
        assert isinstance(client._acled_data_client.auth, OAuthTokenAuth)
    else:
        client = AcledClient(api_key="k", email="analyst@example.org")
    rows = client.get_data(country="Syria", event_date="2024-01-15|2024-03-31",
                           query_params={"event_date_where": "BETWEEN"}, limit=5000)
    parse = client._acled_data_client._parse_event
    with open(csv_path, newline="", encoding="utf-8") as fh:
        expected = [parse(dict(r)) for r in csv.DictReader(fh)]
    print(json.dumps({"fetched": rows, "expected": expected}, default=str))
''')


@pytest.mark.parametrize("mode", ["oauth", "legacy"])
def test_acled_package_fetches_exactly_the_acled_csv_export(server, mode):
    base, db, work = server
    out = work / "export.csv"
    r = warlog("export", "--db", str(db), "--format", "acled-csv", "--country", FILTERS["country"],
               "--since", FILTERS["since"], "--until", FILTERS["until"], "-o", str(out))
    assert r.returncode == 0, r.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert len(exported) >= 5

    env = dict(os.environ, ACLED_API_HOST=f"{base}/api", ACLED_MAX_RETRIES="0")
    for k in ("ACLED_USERNAME", "ACLED_PASSWORD", "ACLED_API_KEY", "ACLED_EMAIL"):
        env.pop(k, None)
    p = subprocess.run([sys.executable, "-c", CLIENT, base, str(out), mode], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    assert len(result["fetched"]) == len(exported)
    assert result["fetched"] == result["expected"]  # same rows, same order, every column

    # and the raw answer: ACLED's envelope, every value a string, equal to the CSV text
    raw = requests.get(f"{base}/api/acled/read", params={"country": "Syria", "event_date": "2024-01-15|2024-03-31",
                                                         "event_date_where": "BETWEEN", "limit": 5000}).json()
    assert raw["success"] is True and raw["count"] == len(exported)
    assert raw["data"] == exported
    assert all(isinstance(v, str) for row in raw["data"] for v in row.values())

    # incidents, merged across reports: the ambush told by three outlets is one row, its toll the latest
    [ambush] = [r for r in exported if "Sukhna" in r["notes"]]
    assert ambush["event_id_cnty"].startswith("me-") and ambush["fatalities"] == "8"
    assert "fatalities range=5-8" in ambush["tags"] and ambush["notes"].count("Sukhna") == 3
    reports = requests.get(f"{base}/api/acled/read", params={"country": "Syria", "event_date": "2024-01-15|2024-03-31",
                                                             "event_date_where": "BETWEEN", "limit": 5000,
                                                             "view": "reports"}).json()
    assert reports["count"] >= len(exported) + 2 and all(r["event_id_cnty"].startswith("ev-") for r in reports["data"])


def test_acled_query_syntax(server):
    base, _db, _work = server
    read = lambda **p: requests.get(f"{base}/api/acled/read", params=p)  # noqa: E731
    both = read(country="Syria:OR:country=Iraq", limit=5000).json()
    assert {r["country"] for r in both["data"]} == {"Syria", "Iraq"}
    assert both["count"] == read(country="Syria", limit=5000).json()["count"] + read(country="Iraq", limit=5000).json()["count"]
    b = read(event_type="Battles", fields="event_id_cnty|event_date|event_type", limit=3).json()
    assert b["count"] == 3 and all(set(r) == {"event_id_cnty", "event_date", "event_type"} for r in b["data"])
    p1 = read(limit=10, page=1).json()["data"]
    p2 = read(limit=10, page=2).json()["data"]
    assert not {r["event_id_cnty"] for r in p1} & {r["event_id_cnty"] for r in p2}
    big = read(fatalities=5, fatalities_where=">=", limit=5000).json()["data"]
    assert big and all(int(r["fatalities"]) >= 5 for r in big)
    assert all(r["event_date"].startswith("2024-") for r in read(year=2024, limit=50).json()["data"])
    c = read(country="Syria", _format="csv", limit=5, fields="event_date|country").text.splitlines()
    assert c[0] == "event_date,country" and len(c) == 6
    iso = read(iso=760, limit=5000).json()
    assert iso["count"] == read(country="Syria", limit=5000).json()["count"]


@pytest.mark.parametrize("params, words", [
    ({"colour": "red"}, "unknown parameter"),
    ({"event_date": "2024-01-01|2024-02-01"}, "BETWEEN"),
    ({"event_date": "01/02/2024"}, "not a date"),
    ({"limit": "999999"}, "limit"),
    ({"limit": "-1"}, "limit"),
    ({"page": "0"}, "page"),
    ({"fields": "event_date|password"}, "fields"),
    ({"_format": "xml"}, "_format"),
    ({"view": "mentions"}, "view"),
    ({"country": "Syria' OR '1'='1"}, "looks like SQL"),
    ({"fatalities": "1", "fatalities_where": "; DROP TABLE events"}, "fatalities_where"),
])
def test_acled_bad_requests(server, params, words):
    base, _db, _work = server
    r = requests.get(f"{base}/api/acled/read", params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["success"] is False and words.lower() in body["error"][0]["message"].lower()


def test_oauth_token_endpoint(server):
    base, _db, _work = server
    r = requests.post(f"{base}/oauth/token", data={"grant_type": "password", "client_id": "acled",
                                                   "username": "a@b.c", "password": "x"})
    assert r.status_code == 200 and r.json()["access_token"] and r.json()["expires_in"] == 86400
    assert requests.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"}).status_code == 400
