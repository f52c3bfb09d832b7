"""Review and access: analysts' overrides, review status, audit log, API tokens; read indexes.

Revision ID: 0003_review
Revises: 0001_initial
Create Date: 2025-01-03

An analyst's edit is kept apart from what the machine extracted (``event_overrides``):
re-extraction and merging write ``events``; the overrides are laid on top again, so an
analyst's value always wins.  Every review action is appended to ``audit_log``.
``api_tokens`` holds SHA-256 hashes of write tokens, never the tokens.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_review"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_overrides",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("machine_value", sa.JSON(), nullable=True),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "field", name="pk_event_overrides"),
    )
    op.create_table(
        "event_reviews",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_reviews"),
        sa.CheckConstraint("status IN ('accepted', 'rejected', 'edited')", name="ck_event_reviews_status"),
    )
    op.create_index("ix_event_reviews_status", "event_reviews", ["status"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_event_id", "audit_log", ["event_id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    # read paths of the API: filtered pages, counts and stats answered from covering indexes
    op.create_index("ix_events_country_event_date_event_type_fatalities_admin1", "events",
                    ["country", "event_date", "event_type", "fatalities", "admin1"])
    op.create_index("ix_events_event_date_event_type_fatalities_country_admin1", "events",
                    ["event_date", "event_type", "fatalities", "country", "admin1"])
    op.create_index("ix_events_event_type_event_date_fatalities", "events",
                    ["event_type", "event_date", "fatalities"])
    op.create_index("ix_events_admin1_event_date", "events", ["admin1", "event_date"])


def downgrade() -> None:
    for name in ("ix_events_admin1_event_date", "ix_events_event_type_event_date_fatalities",
                 "ix_events_event_date_event_type_fatalities_country_admin1",
                 "ix_events_country_event_date_event_type_fatalities_admin1"):
        op.drop_index(name, table_name="events")
    op.drop_table("api_tokens")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_event_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_event_reviews_status", table_name="event_reviews")
    op.drop_table("event_reviews")
    op.drop_table("event_overrides")
