"""Render docs/dashboard.png: the dashboard over synthetic demo data, in headless Chromium.

    python scripts/screenshot_dashboard.py [--out docs/dashboard.png]

Needs Debian's chromium (/usr/bin/chromium) and the playwright Python package (test extra).
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from warlog.cli import demo  # noqa: E402
from warlog.records import Claim, Document, Extraction, Span  # noqa: E402
from warlog.ingest.service import save  # noqa: E402
from warlog.store.db import Store  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "dashboard.png"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        with Store(f"sqlite:///{db}") as s:
            for x in demo.extractions(400, seed=21):
                save(s, x)
            for x in demo.incident_reports((5, 7, 8)):  # an incident told by three outlets
                save(s, x)
            for i, (what, value, where) in enumerate([("killed", 1200, "Idlib"), ("displaced", 45000, "Banadir"),
                                                      ("killed", 310, "Borno")]):
                text = f"Since January, at least {value:,} people have been {what} in {where}, the UN said."
                doc = Document(id=f"claim-{i}", text=text, published=date(2024, 4, 1))
                save(s, Extraction(document=doc, claims=[Claim(
                    doc_id=doc.id, kind="tally", what=what, value=value, qualifier="at least", where=[where],
                    period_start=date(2024, 1, 1), evidence=[Span(start=0, end=len(text), text=text)])]))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "warlog", "serve", "--db", str(db), "--port", str(port), "-q"])
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if requests.get(f"{base}/api/meta", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.1)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"])
                page = b.new_page(viewport={"width": 1280, "height": 860})
                page.goto(base + "/")
                page.wait_for_selector("body[data-state=ready]")
                Path(args.out).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=args.out)
                b.close()
        finally:
            proc.terminate()
            proc.wait(10)
    print(args.out, Path(args.out).stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
