"""webapp seen: the newest Mini App initData per user, shared by every process (issue 16)

Revision ID: 0016
Revises: 0015 (member language)
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'webapp_seen',
        sa.Column('telegram_user_id', sa.BigInteger(), nullable=False),
        sa.Column('auth_date', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('telegram_user_id'),
    )
    op.create_index(
        op.f('ix_webapp_seen_auth_date'), 'webapp_seen', ['auth_date'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_webapp_seen_auth_date'), table_name='webapp_seen')
    op.drop_table('webapp_seen')
