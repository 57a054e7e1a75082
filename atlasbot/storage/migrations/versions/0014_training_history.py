"""training history: joint trainings imported from a file or marked as attended (issue 14.5);
a meeting vote's reason when none of the dates suits a unit (issue 14.8)

Revision ID: 0014
Revises: 0013 (training digest)
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('training_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('capability', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['training_event.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'unit_id')
    )
    with op.batch_alter_table('training_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_history_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_history_day'), ['day'], unique=False)
    with op.batch_alter_table('meeting_vote', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('meeting_vote', schema=None) as batch_op:
        batch_op.drop_column('reason')
    with op.batch_alter_table('training_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_history_day'))
        batch_op.drop_index(batch_op.f('ix_training_history_unit_id'))
    op.drop_table('training_history')
