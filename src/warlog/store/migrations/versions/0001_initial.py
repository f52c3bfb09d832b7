"""Initial schema: documents, events, evidence, claims, ingest_errors.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("country", sa.String(255), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("content_hash", name="uq_documents_content_hash"),
        sa.CheckConstraint("status IN ('extracted', 'failed')", name="ck_documents_status"),
    )
    op.create_index("ix_documents_published", "documents", ["published"])

    op.create_table(
        "events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("doc_id", sa.String(255), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("time_precision", sa.Integer(), nullable=False),
        sa.Column("disorder_type", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("sub_event_type", sa.String(255), nullable=False),
        sa.Column("actor1", sa.String(255), nullable=True),
        sa.Column("assoc_actor_1", sa.Text(), nullable=True),
        sa.Column("inter1", sa.Integer(), nullable=True),
        sa.Column("actor2", sa.String(255), nullable=True),
        sa.Column("assoc_actor_2", sa.Text(), nullable=True),
        sa.Column("inter2", sa.Integer(), nullable=True),
        sa.Column("interaction", sa.String(255), nullable=True),
        sa.Column("civilian_targeting", sa.String(64), nullable=False),
        sa.Column("country", sa.String(255), nullable=True),
        sa.Column("iso3", sa.String(3), nullable=True),
        sa.Column("admin1", sa.String(255), nullable=True),
        sa.Column("admin2", sa.String(255), nullable=True),
        sa.Column("location", sa.String(255), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("geo_precision", sa.Integer(), nullable=True),
        sa.Column("fatalities", sa.Integer(), nullable=False),
        sa.Column("fatalities_low", sa.Integer(), nullable=True),
        sa.Column("fatalities_high", sa.Integer(), nullable=True),
        sa.Column("fatalities_qualifier", sa.String(32), nullable=True),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("captured", sa.Integer(), nullable=True),
        sa.Column("reported_by", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_events"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_events_doc_id_documents",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_events_country_event_date", "events", ["country", "event_date"])
    op.create_index("ix_events_event_type", "events", ["event_type"])
    op.create_index("ix_events_event_date", "events", ["event_date"])
    op.create_index("ix_events_doc_id", "events", ["doc_id"])

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
        sa.ForeignKeyConstraint(["event_id"], ["events.event_id"], name="fk_evidence_event_id_events",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_evidence_event_id", "evidence", ["event_id"])

    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(255), nullable=False),
        sa.Column("doc_id", sa.String(255), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("low", sa.Integer(), nullable=True),
        sa.Column("high", sa.Integer(), nullable=True),
        sa.Column("qualifier", sa.String(32), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("where", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claims"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_claims_doc_id_documents",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_claims_doc_id", "claims", ["doc_id"])
    op.create_index("ix_claims_kind", "claims", ["kind"])

    op.create_table(
        "ingest_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_errors"),
    )
    op.create_index("ix_ingest_errors_at", "ingest_errors", ["at"])


def downgrade() -> None:
    op.drop_table("ingest_errors")
    op.drop_table("claims")
    op.drop_table("evidence")
    op.drop_table("events")
    op.drop_table("documents")
