"""Read-only units of work: they see committed data and, on SQLite, never wait for a writer."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from atlasbot.storage import db
from atlasbot.storage.models import CapabilityRow


def test_a_read_only_unit_reads_what_was_committed(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        session.add(CapabilityRow(code="bench_probe", name="Probe"))
    with db.session_scope(engine, read_only=True) as session:
        assert session.get(CapabilityRow, "bench_probe") is not None


def test_a_read_only_unit_does_not_wait_while_a_writer_holds_the_sqlite_lock(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as writer:
            # The writer's BEGIN IMMEDIATE holds the write lock until this block ends.
            writer.execute(text("SELECT 1"))
            started = time.perf_counter()
            with db.session_scope(engine, read_only=True) as reader:
                reader.execute(text("SELECT count(*) FROM capability")).one()
            waited = time.perf_counter() - started
        assert waited < 1.0, f"the read waited {waited:.2f} s for the write lock"
    finally:
        engine.dispose()
