"""delivery leases: who sends an alert copy, until when, and whether a send call is in doubt
(issue 12)

Revision ID: 0011
Revises: 0010 (people)
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('alert_delivery') as batch:
        batch.add_column(
            sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch.add_column(sa.Column('owner_epoch', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column('calls_in_doubt', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('alert_delivery') as batch:
        batch.drop_column('calls_in_doubt')
        batch.drop_column('lease_until')
        batch.drop_column('owner_epoch')
        batch.drop_column('owner')
