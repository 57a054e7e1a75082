"""training digest: one digest per unit and member (its copies edited in place), a unit's
choice of copies for its duty officers, the reason a unit can't attend, and the units whose
part in an event ended (issue 14)

Revision ID: 0013
Revises: 0012 (requester control)
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('training_digest_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('may_answer', sa.Boolean(), nullable=False),
    sa.Column('shown_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['training_plan.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'unit_id', 'chat_id')
    )
    with op.batch_alter_table('training_digest_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_digest_message_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_digest_message_unit_id'), ['unit_id'], unique=False)

    op.create_table('training_unit_preference',
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('duty_copies', sa.Boolean(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('unit_id')
    )
    with op.batch_alter_table('training_rsvp') as batch:
        batch.add_column(sa.Column('reason', sa.Text(), nullable=True))
    with op.batch_alter_table('training_event') as batch:
        batch.add_column(sa.Column('dropped', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('training_event') as batch:
        batch.drop_column('dropped')
    with op.batch_alter_table('training_rsvp') as batch:
        batch.drop_column('reason')
    op.drop_table('training_unit_preference')
    with op.batch_alter_table('training_digest_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_digest_message_unit_id'))
        batch_op.drop_index(batch_op.f('ix_training_digest_message_plan_id'))
    op.drop_table('training_digest_message')
