import contextlib
import os
import uuid
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def nlp():
    from warlog.extract.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def extract(nlp):
    """Extract one report through the real pipeline: text in, Extraction out."""
    from warlog.extract.events import default_extractor
    from warlog.records import Document

    extractor = default_extractor()

    def run(text: str, published: str | None = None, country: str | None = None, doc_id: str = "t1"):
        document = Document(id=doc_id, text=text, published=published, country=country)
        return extractor.extract(nlp(document.text), document)

    return run


@contextlib.contextmanager
def open_test_store(kind: str, tmp_path: Path, name: str):
    """A real Store: SQLite in tmp_path, or a throw-away schema of the PostgreSQL server named by
    WARLOG_TEST_PG_URL (skipped when none is given). Closed and removed afterwards."""
    from warlog.store.db import Store

    if kind == "sqlite":
        s = Store(f"sqlite:///{tmp_path / (name + '.db')}")
        try:
            yield s
        finally:
            s.close()
        return
    url = os.environ.get("WARLOG_TEST_PG_URL")
    if not url:
        pytest.skip(f"set WARLOG_TEST_PG_URL to run the {name} tests on PostgreSQL too")
    from sqlalchemy import create_engine, text

    schema = f"warlog_{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    s = Store(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    try:
        yield s
    finally:
        s.close()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
