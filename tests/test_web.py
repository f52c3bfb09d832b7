"""The dashboard in headless Chromium (Debian's chromium driven by Playwright's Python package).

Skipped only when no chromium is installed (`.ci/run` installs it).  Every request the page
makes is checked: none may leave 127.0.0.1.  Screenshots go to tmp/artifacts/ (not committed).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from warlog.cli import demo
from warlog.ingest.service import save
from warlog.store.db import Store

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("WARLOG_ARTIFACTS", ROOT / "tmp" / "artifacts"))
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("web")
    db = work / "w.db"
    with Store(f"sqlite:///{db}") as s:
        for x in demo.extractions(160, seed=5):
            save(s, x)
        for x in demo.incident_reports((5, 7, 8)):  # one incident told by three outlets
            save(s, x)
    token = subprocess.run([sys.executable, "-m", "warlog", "token", "create", "analyst-b", "--db", str(db)],
                           capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "warlog", "serve", "--db", str(db), "--port", str(port), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{base}/api/meta", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("warlog serve did not answer")
        yield base, token
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def test_dashboard_filter_open_event_see_evidence_edit_and_audit(server, browser):
    base, token = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    page = browser.new_page(viewport={"width": 1360, "height": 900})

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # the dashboard: map, timeline, table, claims
    page.goto(f"{base}/")
    page.wait_for_selector("body[data-state=ready]")
    assert page.locator("#events tbody tr").count() == 25
    assert page.locator("#timeline rect.bar").count() > 5
    assert page.locator("#f-country option").count() == 1 + len(demo.PLACES)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))

    # filter by country and type: table, map and timeline follow
    page.select_option("#f-country", "Syria")
    for box in page.locator("#f-types input").all():
        if box.get_attribute("value") != "Battles":
            box.uncheck()
    page.evaluate("document.body.dataset.state = 'loading'")
    page.click("#apply")
    page.wait_for_selector("body[data-state=ready]")
    rows = page.locator("#events tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[1] == "Syria" and cells[4].strip() == "Battles"
    assert "country=Syria" in page.url and "event_type=Battles" in page.url
    total_api = requests.get(f"{base}/api/events", params={"country": "Syria", "event_type": "Battles"}).json()["total"]
    assert page.inner_text("#total").startswith(f"{total_api} events")
    assert "located events" in page.inner_text("#map-note")
    page.screenshot(path=str(ARTIFACTS / "dashboard-filtered.png"))

    # open an event: every source text, the evidence highlighted
    event_id = rows.first.get_attribute("data-id")
    rows.first.click()
    page.wait_for_url(f"**/events/{event_id}**")
    page.wait_for_selector("body[data-state=ready]")
    detail = requests.get(f"{base}/api/events/{event_id}").json()
    marks = page.locator("#sources mark.evidence")
    assert marks.count() >= 1
    assert marks.first.inner_text() == detail["event"]["evidence"][0]["text"]
    assert page.locator("#sources .doc .text").first.inner_text().strip() == detail["sources"][0]["document"]["text"].strip()
    page.screenshot(path=str(ARTIFACTS / "event.png"), full_page=True)

    # an edit without a token is refused, with the message shown
    page.select_option("#edit-field", "fatalities")
    page.fill("#edit-value", "42")
    page.click("#save")
    page.wait_for_selector("#review-msg.error")
    assert "token" in page.inner_text("#review-msg")

    # with the token: saved, shown as edited, and in the audit log with who/old/new
    old = detail["event"]["fatalities"]
    page.fill("#token", token)
    page.fill("#edit-note", "UN figure")
    page.click("#save")
    page.wait_for_selector("#history tbody tr td:text('fatalities')")
    assert page.inner_text("#field-fatalities") == "42"
    row = page.locator("#history tbody tr").first.locator("td").all_inner_texts()
    assert row[1:] == ["analyst-b", "edit", "fatalities", str(old), "42", "UN figure"]
    page.click("#accept")
    page.wait_for_selector("#review-status:text('accepted')")
    page.screenshot(path=str(ARTIFACTS / "event-edited.png"), full_page=True)
    audit = requests.get(f"{base}/api/audit").json()
    assert [(a["action"], a["field"], a["who"]) for a in audit[:2]] == [("accept", "review_status", "analyst-b"),
                                                                          ("edit", "fatalities", "analyst-b")]

    # an incident told by three outlets: every source text with its evidence, the field history
    merged_id = requests.get(f"{base}/api/documents/ambush-2").json()["merged_ids"][0]
    page.goto(f"{base}/events/{merged_id}")
    page.wait_for_selector("body[data-state=ready]")
    assert page.locator("#sources .doc").count() == 3
    assert [page.locator("#sources .doc").nth(i).get_attribute("data-doc") for i in range(3)] == ["ambush-1", "ambush-2", "ambush-3"]
    assert page.locator("#sources mark.evidence").count() == 3
    assert "3 sources" in page.inner_text("#sources-line")
    assert page.inner_text("#field-fatalities") == "8" and page.inner_text("#field-fatalities_low") == "5"
    tolls = [r.locator("td").all_inner_texts()[:3] for r in page.locator("#field-history tbody tr").all()]
    assert ["fatalities", "5", "ambush-1"] in tolls and ["fatalities", "8", "ambush-3"] in tolls
    page.screenshot(path=str(ARTIFACTS / "incident.png"), full_page=True)

    # the dashboard's reports view: one row per report
    page.goto(f"{base}/?view=reports")
    page.wait_for_selector("body[data-state=ready]")
    reports_total = requests.get(f"{base}/api/events", params={"view": "reports"}).json()["total"]
    incidents_total = requests.get(f"{base}/api/events").json()["total"]
    assert reports_total >= incidents_total + 2
    assert page.inner_text("#total").startswith(f"{reports_total} events") and page.input_value("#f-view") == "reports"
    assert page.inner_text("#table-title") == "Reports"
    assert outside == [], f"requests left localhost: {outside}"
    assert errors == []
    page.close()
