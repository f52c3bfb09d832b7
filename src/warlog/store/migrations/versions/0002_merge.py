"""Cross-source merging: merged events, the links of mentions to them, field history.

Revision ID: 0002_merge
Revises: 0003_review
Create Date: 2025-01-02

``events`` keeps one row per report (a mention); ``merged_events`` one row per incident,
reconciled across its mentions; ``event_links`` says which merged event each mention
belongs to (a mention without a link is not merged yet); ``merged_history`` keeps every
value a merged event's fields have had, with the mention and document that gave it.
(Chained after 0003_review, which was written against 0001 at the same time.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_merge"
down_revision = "0003_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merged_events",
        sa.Column("merged_id", sa.String(255), nullable=False),
        sa.Column("country_key", sa.String(255), nullable=False),
        sa.Column("day_first", sa.Date(), nullable=True),
        sa.Column("day_last", sa.Date(), nullable=True),
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
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("captured", sa.Integer(), nullable=True),
        sa.Column("reported_by", sa.Text(), nullable=True),
        sa.Column("number_of_sources", sa.Integer(), nullable=False),
        sa.Column("first_reported", sa.Date(), nullable=True),
        sa.Column("latest_reported", sa.Date(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("merged_id", name="pk_merged_events"),
    )
    op.create_index("ix_merged_events_country_key_day_first", "merged_events", ["country_key", "day_first"])
    op.create_index("ix_merged_events_event_date", "merged_events", ["event_date"])
    op.create_table(
        "event_links",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("merged_id", sa.String(255), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_links"),
        sa.ForeignKeyConstraint(["event_id"], ["events.event_id"], name="fk_event_links_event_id_events",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["merged_id"], ["merged_events.merged_id"],
                                name="fk_event_links_merged_id_merged_events", ondelete="CASCADE"),
    )
    op.create_index("ix_event_links_merged_id", "event_links", ["merged_id"])
    op.create_table(
        "merged_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("merged_id", sa.String(255), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("event_id", sa.String(255), nullable=True),
        sa.Column("doc_id", sa.String(255), nullable=True),
        sa.Column("reported", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_merged_history"),
        sa.ForeignKeyConstraint(["merged_id"], ["merged_events.merged_id"],
                                name="fk_merged_history_merged_id_merged_events", ondelete="CASCADE"),
    )
    op.create_index("ix_merged_history_merged_id", "merged_history", ["merged_id"])


def downgrade() -> None:
    op.drop_index("ix_merged_history_merged_id", table_name="merged_history")
    op.drop_table("merged_history")
    op.drop_index("ix_event_links_merged_id", table_name="event_links")
    op.drop_table("event_links")
    op.drop_index("ix_merged_events_event_date", table_name="merged_events")
    op.drop_index("ix_merged_events_country_key_day_first", table_name="merged_events")
    op.drop_table("merged_events")
