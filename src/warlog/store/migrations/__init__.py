"""Alembic migrations for the warlog store (run programmatically by ``warlog.store.db.Store``)."""
