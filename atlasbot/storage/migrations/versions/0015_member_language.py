"""member language: the language each member reads, the one a request was typed in, and
alerts rendered in every language (issue 15)

Revision ID: 0015
Revises: 0014 (training history)
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The languages with a catalog when this migration was written (atlasbot.i18n).
_SUPPORTED = ('fr', 'de')


def upgrade() -> None:
    with op.batch_alter_table('member') as batch:
        batch.add_column(
            sa.Column(
                'language',
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default='en',
            )
        )
    with op.batch_alter_table('crisis') as batch:
        batch.add_column(
            sa.Column(
                'language',
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default='en',
            )
        )
    with op.batch_alter_table('alert') as batch:
        batch.add_column(sa.Column('translations', sa.JSON(), nullable=True))
    # Members enrolled before read their Telegram language where a catalog exists.
    member = sa.table(
        'member', sa.column('language', sa.String), sa.column('language_code', sa.String)
    )
    base = sa.func.lower(sa.func.substr(member.c.language_code, 1, 2))
    op.execute(member.update().where(base.in_(_SUPPORTED)).values(language=base))


def downgrade() -> None:
    with op.batch_alter_table('alert') as batch:
        batch.drop_column('translations')
    with op.batch_alter_table('crisis') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('member') as batch:
        batch.drop_column('language')
