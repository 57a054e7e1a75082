"""Alembic's entry point: runs the packaged migrations against the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import atlasbot.storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from atlasbot.storage.db import make_engine

config = context.config
# A transaction-level advisory lock per schema: released by the migration's commit or rollback.
MIGRATION_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtextextended('atlasbot.migrations:' || current_schema(), 0))"
)
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two processes started together on an empty database: the second waits here
                # until the first commits, then finds nothing left to do.
                connection.execute(text(MIGRATION_LOCK))
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
