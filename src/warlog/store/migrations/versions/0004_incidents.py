"""Read indexes of the incidents view: filtered pages, counts and stats on merged events.

Revision ID: 0004_incidents
Revises: 0002_merge
Create Date: 2025-01-04

The API, the ACLED-compatible endpoint and the exports serve merged events (one row per
incident) by default.  The same covering indexes that migration 0003 gave ``events`` let
filtered pages, counts and stats on ``merged_events`` run from an index, never the table.
Analysts' overrides, reviews and audit entries of merged events live in the tables of 0003,
keyed by the merged id (``me-...``).
"""
from __future__ import annotations

from alembic import op

revision = "0004_incidents"
down_revision = "0002_merge"
branch_labels = None
depends_on = None

# Names spelt out: the naming convention's would pass PostgreSQL's 63-character limit.
INDEXES = {
    "ix_merged_events_country_date": ["country", "event_date", "event_type", "fatalities", "admin1"],
    # a date range with anything else (type, toll, country, region, bounding box) is counted and
    # paged (the page's ids, merged_id, are in it too) from this index alone
    "ix_merged_events_date_covering": ["event_date", "event_type", "fatalities", "country", "admin1", "latitude",
                                       "longitude", "merged_id"],
    "ix_merged_events_type_date": ["event_type", "event_date", "fatalities"],
    "ix_merged_events_admin1_date": ["admin1", "event_date"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "merged_events", columns)


def downgrade() -> None:
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name="merged_events")
