"""join training and alerting: the two features were built side by side from 0002

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-11-29 14:47:59.303219
"""

from collections.abc import Sequence


revision: str = '0005'
down_revision: str | tuple[str, ...] | None = ('0003', '0004')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the two branches into one head."""


def downgrade() -> None:
    """Nothing to change."""
