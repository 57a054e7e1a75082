"""Leadership (issue 13): one leader among processes on PostgreSQL, fenced by an epoch; a
lone process on SQLite, guarded by a lock file."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from atlasbot.storage import db
from atlasbot.storage.db import session_scope
from atlasbot.storage.leadership import (
    AlreadyRunning,
    Fence,
    LeadershipMonitor,
    NotLeader,
    PostgresElector,
    SqliteElector,
    SqliteLock,
    assert_leader,
    harden_postgres_engine,
)

postgres_only = pytest.mark.parametrize("empty_db_url", ["postgresql"], indirect=True)
sqlite_only = pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)


@pytest.fixture
def electors(db_url: str) -> Iterator[tuple[PostgresElector, PostgresElector]]:
    """Two would-be leaders on one database, each with its own connection (two processes)."""
    tag = uuid.uuid4().hex[:8]
    first = PostgresElector(db_url, holder=f"first-{tag}", lease_s=2)
    second = PostgresElector(db_url, holder=f"second-{tag}", lease_s=2)
    yield first, second
    first.dispose()
    second.dispose()


def kill_connection_of(engine: Engine, elector: PostgresElector) -> None:
    """What a network cut or an administrator does: the server ends the leader's session."""
    with engine.begin() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": f"atlasbot leadership {elector.holder}"},
        ).scalar_one()
    assert killed == 1


def epoch_guard_passes(engine: Engine, epoch: int | None) -> bool:
    try:
        with session_scope(engine) as session:
            assert_leader(session, epoch)
    except NotLeader:
        return False
    return True


@postgres_only
def test_exactly_one_of_two_processes_leads(
    electors: tuple[PostgresElector, PostgresElector],
) -> None:
    first, second = electors
    assert first.try_acquire() == 1
    assert second.try_acquire() is None
    assert first.still_leader(1)


@postgres_only
def test_an_old_leader_is_refused_after_a_standby_took_over(
    electors: tuple[PostgresElector, PostgresElector], engine: Engine
) -> None:
    first, second = electors
    old = first.try_acquire()
    assert old is not None and epoch_guard_passes(engine, old)
    kill_connection_of(engine, first)
    new = second.try_acquire()
    assert new is not None and new > old
    assert not epoch_guard_passes(engine, old)
    assert epoch_guard_passes(engine, new)
    with pytest.raises(Exception):  # noqa: B017 - its connection is gone, whatever the driver says
        first.still_leader(old)
    assert not first.still_leader(old)  # and it stays gone


@postgres_only
def test_a_leader_tells_a_server_that_is_down_from_a_lost_session(
    electors: tuple[PostgresElector, PostgresElector], engine: Engine
) -> None:
    first, _ = electors
    assert first.try_acquire() is not None
    kill_connection_of(engine, first)
    assert first.reachable()  # the server answers: the session, and its lock, are gone
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    nowhere = PostgresElector(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/atlas", lease_s=2
    )
    try:
        assert not nowhere.reachable()  # nobody can take a lock there either
    finally:
        nowhere.dispose()


@postgres_only
def test_a_takeover_waits_for_the_guarded_write_under_way(
    electors: tuple[PostgresElector, PostgresElector], engine: Engine
) -> None:
    first, second = electors
    old = first.try_acquire()
    result: list[int | None] = []
    with session_scope(engine) as session:
        assert_leader(session, old)  # a guarded write has begun and holds the epoch row
        kill_connection_of(engine, first)
        taker = threading.Thread(target=lambda: result.append(second.try_acquire()))
        taker.start()
        taker.join(timeout=0.5)
        assert taker.is_alive(), "the epoch moved on under a guarded write"
    taker.join(timeout=5)
    assert result == [(old or 0) + 1]


@postgres_only
def test_a_standby_takes_over_within_seconds_when_the_leaders_connection_dies(
    electors: tuple[PostgresElector, PostgresElector], engine: Engine
) -> None:
    events: list[tuple[str, str, int | None]] = []

    def monitor(elector: PostgresElector) -> LeadershipMonitor:
        async def gained(epoch: int) -> None:
            events.append(("gain", elector.holder, epoch))

        async def lost() -> None:
            events.append(("loss", elector.holder, None))

        return LeadershipMonitor(elector, on_gain=gained, on_loss=lost, renew_s=0.2, lease_s=2)

    async def scenario() -> tuple[float, LeadershipMonitor, LeadershipMonitor]:
        monitors = [monitor(elector) for elector in electors]
        tasks = [asyncio.create_task(m.run()) for m in monitors]
        await wait_for(lambda: any(m.fence.leading for m in monitors), 5)
        await asyncio.sleep(0.5)  # both have tried by now
        assert [m.role for m in monitors].count("leader") == 1
        leader, standby = sorted(monitors, key=lambda m: m.role != "leader")
        await asyncio.to_thread(kill_connection_of, engine, leader.elector)  # type: ignore[arg-type]
        started = asyncio.get_running_loop().time()
        await wait_for(lambda: standby.fence.leading and not leader.fence.leading, 5)
        took = asyncio.get_running_loop().time() - started
        for m in monitors:
            m.stop()
        await asyncio.gather(*tasks)
        return took, leader, standby

    took, leader, standby = asyncio.run(scenario())
    assert took < 3
    gains = [event for event in events if event[0] == "gain"]
    assert [holder for _, holder, _ in gains][:2] == [
        leader.elector.holder,
        standby.elector.holder,
    ]
    old_epoch, new_epoch = gains[0][2], gains[1][2]
    assert new_epoch is not None and old_epoch is not None and new_epoch > old_epoch
    assert ("loss", leader.elector.holder, None) in events
    assert not epoch_guard_passes(engine, old_epoch)


async def wait_for(condition: object, seconds: float) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@postgres_only
def test_pool_connections_are_ended_by_the_server_when_a_leader_vanishes(db_url: str) -> None:
    engine = db.make_engine(db_url)
    harden_postgres_engine(engine, lease_s=6)
    with engine.connect() as connection:
        timeout = connection.execute(text("SHOW idle_in_transaction_session_timeout")).scalar()
        keepalive = connection.execute(text("SHOW tcp_keepalives_idle")).scalar()
    engine.dispose()
    assert timeout == "6s"
    assert keepalive == "2"


def test_a_standby_is_refused_by_the_guard(engine: Engine) -> None:
    assert not epoch_guard_passes(engine, None)
    with session_scope(engine) as session, pytest.raises(NotLeader, match="standby"):
        Fence().check(session)


# --- SQLite -----------------------------------------------------------------------------


@sqlite_only
def test_the_one_sqlite_process_leads_with_a_new_epoch_at_each_start(engine: Engine) -> None:
    first = SqliteElector(engine)
    epoch = first.try_acquire()
    assert epoch == 1 and first.still_leader(1)
    assert epoch_guard_passes(engine, 1)
    first.dispose()
    second = SqliteElector(engine)
    assert second.try_acquire() == 2
    second.dispose()
    assert not epoch_guard_passes(engine, 1)


def test_a_second_process_on_the_same_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    database = tmp_path / "atlasbot.db"
    refusal = (
        "import sys\n"
        "from pathlib import Path\n"
        "from atlasbot.storage.leadership import AlreadyRunning, SqliteLock\n"
        "try:\n"
        f"    SqliteLock(Path({str(database)!r})).acquire()\n"
        "except AlreadyRunning as err:\n"
        "    print(err); sys.exit(2)\n"
    )
    with SqliteLock(database):
        refused = subprocess.run(
            [sys.executable, "-c", refusal], capture_output=True, text=True, timeout=60
        )
    assert refused.returncode == 2, refused.stderr
    line = refused.stdout.strip()
    assert "\n" not in line
    assert f"(pid {os.getpid()})" in line and str(database) in line
    allowed = subprocess.run(
        [sys.executable, "-c", refusal], capture_output=True, text=True, timeout=60
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_an_sqlite_elector_on_a_held_file_refuses_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'held.db'}"
    engine = create_engine(url)
    with SqliteLock(tmp_path / "held.db"), pytest.raises(AlreadyRunning, match=r"held\.db"):
        SqliteElector(engine)
    engine.dispose()


@postgres_only
def test_two_processes_migrating_an_empty_database_at_once_migrate_it_once(
    empty_db_url: str,
) -> None:
    # Processes, not threads: Alembic's context is global to a process.
    script = "import sys; from atlasbot.storage import db; db.upgrade(sys.argv[1])"
    upgrades = [
        subprocess.Popen(
            [sys.executable, "-c", script, empty_db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [upgrade.communicate(timeout=120) for upgrade in upgrades]
    assert [upgrade.returncode for upgrade in upgrades] == [0, 0], results
    engine = db.make_engine(empty_db_url)
    try:
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()
