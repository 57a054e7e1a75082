"""leadership: the fencing epoch of active/standby processes on one database (issue 13)

Revision ID: 0009
Revises: 0008 (the audit log's seal and append guard; chained after it at the merge)
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('leadership',
    sa.Column('epoch', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    # The one row every process bumps and every guarded write reads.
    op.execute("INSERT INTO leadership (id, epoch, holder) VALUES (1, 0, '')")


def downgrade() -> None:
    op.drop_table('leadership')
