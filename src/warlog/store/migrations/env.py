"""Alembic environment for the warlog store.

``warlog.store.db.Store`` runs the migrations in code: it builds an alembic ``Config``
whose script_location is this package's directory and hands over an open
connection in ``config.attributes["connection"]``.  Run from the command line
(``alembic -c <ini>``), the URL comes from ``sqlalchemy.url`` or ``WARLOG_DB``.
"""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config

# Migrations are written out table by table (no autogenerate target needed at run time).
target_metadata = None


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or os.environ.get("WARLOG_DB") or "sqlite:///warlog.db"


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
