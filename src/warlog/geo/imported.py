"""Where the imported places are kept and which sources they came from.

The small piece of `warlog.geo.imports` that the gazetteer reads (to attach the imported places
and to list them in `Gazetteer.info`), kept apart so that the gazetteer does not import the
importer, which itself builds on the gazetteer.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

__all__ = ["imports_path", "list_sources"]


def imports_path() -> Path:
    env = os.environ.get("WARLOG_GAZETTEER_IMPORTS")
    if env:
        return Path(env)
    base = os.environ.get("WARLOG_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "warlog")
    return Path(base) / "imported-places.sqlite"


def list_sources(db: Path | str | None = None) -> list[dict]:
    db = Path(db) if db is not None else imports_path()
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        cur = con.execute("SELECT source, path, format, places, names, sha256, imported_at FROM sources ORDER BY source")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()
