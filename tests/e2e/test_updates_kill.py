"""kill -9 of the bot while it handles an update it has fetched: after the restart the update
is handled and answered (Telegram was never told it was done), and a clean stop confirms
what was handled, so nothing runs twice after it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import func, select

from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Drill
from tests.e2e.test_alerts_kill import Harness, harness  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow


def _drills(running: Harness) -> int:
    with session_scope(running.engine) as session:
        return int(session.exec(select(func.count()).select_from(Drill)).one())


def _started_replies(running: Harness) -> list[str]:
    return [m["text"] for m in running.copies("cora", "started for de-1")]


async def test_a_drill_fetched_before_a_kill_is_run_and_answered_after_the_restart(
    harness: Harness,  # noqa: F811
) -> None:
    await harness.start()
    # The test holds SQLite's write lock, as a long write would: the bot fetches the /drill
    # and its handler waits for the database (up to the 5 s busy timeout) when it is killed.
    database = Path(harness.db_url.removeprefix("sqlite:///"))
    blocker = sqlite3.connect(database, timeout=1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    update_id = harness.server.send(1, "/drill de-1", first_name="Cora")
    await harness.until(lambda: harness.server.state.fetch_counts[update_id] >= 1)
    await asyncio.sleep(0.3)
    await harness.kill()
    blocker.execute("ROLLBACK")
    blocker.close()
    assert _drills(harness) == 0
    assert update_id in {u["update_id"] for u in harness.server.state.pending_updates}

    await harness.start()
    await harness.until(lambda: _started_replies(harness))
    assert harness.server.state.fetch_counts[update_id] >= 2  # again after the restart
    assert _drills(harness) == 1
    await harness.until(lambda: not harness.server.state.pending_updates)


async def test_updates_handled_before_a_clean_stop_are_not_handled_again(
    harness: Harness,  # noqa: F811
) -> None:
    await harness.start()
    harness.server.send(1, "/drill de-1", first_name="Cora")
    await harness.until(lambda: _started_replies(harness))
    assert harness.process is not None
    harness.process.terminate()  # SIGTERM: the bot stops cleanly
    await harness.process.wait()
    harness.process = None
    await harness.start()
    await asyncio.sleep(1.0)
    assert len(_started_replies(harness)) == 1
    assert _drills(harness) == 1
