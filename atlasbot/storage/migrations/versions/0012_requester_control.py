"""requester control: a released unit is "returning" until unit.returns_at (issue 11)

Revision ID: 0012
Revises: 0011 (delivery leases)
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unit') as batch:
        batch.add_column(sa.Column('returns_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A unit still on its way home is taken as available (the older schema has no such state).
    op.execute("UPDATE unit SET status = 'available' WHERE status = 'returning'")
    with op.batch_alter_table('unit') as batch:
        batch.drop_column('returns_at')
