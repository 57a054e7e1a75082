"""escalation sections on country and unit: a state's and a unit's own escalation timings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 14:52:24.847121
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default gives the rows already there an empty section (the defaults apply),
    # on SQLite and PostgreSQL alike.
    with op.batch_alter_table('country', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation', sa.JSON(), server_default='{}', nullable=False))

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('escalation')

    with op.batch_alter_table('country', schema=None) as batch_op:
        batch_op.drop_column('escalation')
