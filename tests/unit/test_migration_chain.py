"""The migrations end in one head.

Several branches of work each add a migration; merged carelessly they leave two heads, and
``db upgrade`` then applies both in an order nobody chose. This fails before that can ship.
"""

from alembic.script import ScriptDirectory

from atlasbot.storage import db


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(db.alembic_config("sqlite://"))


def test_the_migrations_have_exactly_one_head() -> None:
    assert len(_scripts().get_heads()) == 1, db.head_revision()
