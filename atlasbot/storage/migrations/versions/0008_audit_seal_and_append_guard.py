"""audit seal and append guard: a keyed seal per entry; the database refuses TRUNCATE and
any insert or head move that does not extend the chain at its head

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 22:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the triggers hold (0001 already refuses UPDATE and DELETE of an entry):
# - an entry may only be inserted as the head's successor: seq = head.seq + 1 and
#   prev_hash = head.hash (no entry behind the head, none past it, no fork);
# - the head may only move one step forward, onto the entry just inserted after it
#   (it cannot be reset, rewound or pointed at an entry that is not there);
# - the head row cannot be deleted or a second one inserted;
# - TRUNCATE of either table is refused (PostgreSQL: row triggers do not see it; SQLite
#   has no TRUNCATE, and its DELETE without WHERE still fires the row trigger).
# The application's append does exactly this, in one transaction: lock the head, insert
# the entry, move the head. Someone who may drop triggers can still do anything: the
# keyed seals (`ATLASBOT_AUDIT_KEY`) and the anchors held elsewhere are for that.

_SQLITE_UP = [
    """CREATE TRIGGER audit_entry_extends_head BEFORE INSERT ON audit_entry
       WHEN NEW.seq IS NOT (SELECT seq + 1 FROM audit_head WHERE id = 1)
         OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1)
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: an entry must extend the chain at its head'); END""",
    """CREATE TRIGGER audit_head_moves_forward BEFORE UPDATE ON audit_head
       WHEN NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq + 1
         OR NOT EXISTS (SELECT 1 FROM audit_entry
                        WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash)
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: its head only moves onto the next entry'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: its head cannot be removed'); END""",
    """CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: it has one head'); END""",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_entry_extends_head",
    "DROP TRIGGER IF EXISTS audit_head_moves_forward",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_no_insert",
]

_POSTGRES_UP = [
    """CREATE FUNCTION audit_entry_extends_head() RETURNS trigger AS $$
       DECLARE head_seq integer; head_hash varchar;
       BEGIN
         SELECT seq, hash INTO head_seq, head_hash FROM audit_head WHERE id = 1 FOR UPDATE;
         IF NOT FOUND OR NEW.seq IS DISTINCT FROM head_seq + 1
            OR NEW.prev_hash IS DISTINCT FROM head_hash THEN
           RAISE EXCEPTION 'the audit log is append-only: an entry must extend the chain at its head';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entry_extends_head BEFORE INSERT ON audit_entry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_extends_head()""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()""",
    """CREATE FUNCTION audit_head_moves_forward() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' THEN
           RAISE EXCEPTION 'the audit log is append-only: it has one head, never removed';
         END IF;
         IF NEW.id IS DISTINCT FROM OLD.id OR NEW.seq IS DISTINCT FROM OLD.seq + 1
            OR NOT EXISTS (SELECT 1 FROM audit_entry
                           WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash) THEN
           RAISE EXCEPTION 'the audit log is append-only: its head only moves onto the next entry';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_head_moves_forward BEFORE UPDATE OR DELETE OR INSERT ON audit_head
       FOR EACH ROW EXECUTE FUNCTION audit_head_moves_forward()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
       FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()""",
]
_POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
    "DROP TRIGGER IF EXISTS audit_head_moves_forward ON audit_head",
    "DROP FUNCTION IF EXISTS audit_head_moves_forward()",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER IF EXISTS audit_entry_extends_head ON audit_entry",
    "DROP FUNCTION IF EXISTS audit_entry_extends_head()",
]


def upgrade() -> None:
    # A plain ADD COLUMN: a batch (copy-and-swap) alter on SQLite would drop the triggers.
    op.add_column(
        'audit_entry',
        sa.Column('seal', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for statement in _SQLITE_UP if sqlite else _POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for statement in _SQLITE_DOWN if sqlite else _POSTGRES_DOWN:
        op.execute(statement)
    op.drop_column('audit_entry', 'seal')
