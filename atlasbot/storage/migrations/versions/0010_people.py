"""people: a member's own time zone, revoked roles, and invites that hand a role over (issue 11)

Revision ID: 0010
Revises: 0009 (leadership)
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member') as batch:
        batch.add_column(
            sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    with op.batch_alter_table('member_role') as batch:
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column('revoked_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
    with op.batch_alter_table('invite') as batch:
        # No foreign key: member_role already refers to invite (a cycle of keys).
        batch.add_column(sa.Column('replaces_role_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invite') as batch:
        batch.drop_column('replaces_role_id')
    with op.batch_alter_table('member_role') as batch:
        batch.drop_column('revoked_by')
        batch.drop_column('revoked_at')
    with op.batch_alter_table('member') as batch:
        batch.drop_column('timezone')
