"""Which rules coded each report's event.

Revision ID: 0005_coded_by
Revises: 0004_incidents
Create Date: 2026-12-03

``events.coded_by``: the ids of the rules (``cues:ambush``, ``decisions:direct_fight``) that
decided the event's type, toll and place, as `warlog.records.Event.coded_by` gives them.  Rows
stored before have none (NULL, read as an empty list).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_coded_by"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("coded_by", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("coded_by")
