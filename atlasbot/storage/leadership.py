"""Who acts: one leader among any number of processes on one database, fenced by an epoch.

PostgreSQL (active/standby): a process leads while it holds a session-level advisory lock on
a connection of its own. A leader that dies or loses that connection loses the lock at once
(the server ends its session); a standby then takes the lock and bumps ``leadership.epoch``.
Every guarded write reads the epoch in its own transaction (``assert_leader``, ``FOR SHARE``),
so an old leader that comes back is refused before it changes anything, and the bump waits
for the guarded transactions already under way: they are ordered before the new leader's
re-arming, which therefore sees them.

A leader whose check fails asks whether the *server* answers at all (``reachable``). The lock
lives in that server: while it cannot be reached, no other process can take the lock or bump
the epoch either, so the leader stays leader, *degraded* (it takes updates and tells members
that nothing could be saved; its timers retry). As soon as the server answers again its lock
is gone (the server ended or lost that session), so it steps down, and whoever reaches the
server first leads with a new epoch and re-arms from the database.

SQLite serves one process: an exclusive lock file beside the database refuses a second one
with one line, and the one process always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from atlasbot.i18n import _
from atlasbot.storage.models import Leadership, utc_now

log = logging.getLogger(__name__)

# Core columns: typed, and no ORM identity map to go stale between checks.
_ROW = SQLModel.metadata.tables[str(Leadership.__tablename__)]
_EPOCH = _ROW.c.epoch
_IS_THE_ROW = _ROW.c.id == 1

# Namespaces the advisory lock key: other applications on the same database use other keys.
_LOCK_NAMESPACE = "atlasbot.leadership"


class NotLeader(Exception):
    """This process does not lead (any more): the caller stops acting, changing nothing."""


class AlreadyRunning(Exception):
    """Another process already serves this SQLite database; the message is one line."""


def this_process() -> str:
    """How a holder is named in the leadership row and the logs: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def assert_leader(session: Session, epoch: int | None) -> None:
    """Raise NotLeader unless ``epoch`` is still the database's; call it in the transaction
    of the write it guards, before the write (it holds the row shared until commit)."""
    if epoch is None:
        raise NotLeader("this process is a standby")
    current = session.execute(
        select(_EPOCH).where(_IS_THE_ROW).with_for_update(read=True)
    ).scalar_one_or_none()
    if current != epoch:
        raise NotLeader(f"leadership moved on to epoch {current} (this process led epoch {epoch})")


class Fence:
    """The epoch this process leads with (None while standby), for the guarded writes."""

    def __init__(self, epoch: int | None = None) -> None:
        self.epoch = epoch

    @property
    def leading(self) -> bool:
        return self.epoch is not None

    def check(self, session: Session) -> None:
        """``assert_leader`` with this process's epoch, in the caller's transaction."""
        assert_leader(session, self.epoch)


class Elector(Protocol):
    """One way of becoming leader; every method blocks (the monitor runs them in threads)."""

    holder: str

    def try_acquire(self) -> int | None:
        """Become leader if nobody is: the new epoch, or None while another process leads."""
        ...

    def still_leader(self, epoch: int) -> bool:
        """Whether this process still leads with ``epoch`` (raising means: no longer)."""
        ...

    def reachable(self) -> bool:
        """After a failed check: whether the database server answers a new connection (if
        it does not, no other process can hold the lock or move the epoch either)."""
        ...

    def release(self) -> None:
        """Give leadership up (and the connection that held it), ignoring errors."""
        ...


# --- PostgreSQL -------------------------------------------------------------------------


def lock_key(database: str, schema: str) -> int:
    """The advisory lock key (a signed 64-bit integer) of one database schema's bot."""
    digest = hashlib.sha256(f"{_LOCK_NAMESPACE}:{database}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _keepalive_seconds(lease_s: float) -> int:
    return max(1, int(lease_s / 3))


def _postgres_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def harden_postgres_engine(engine: Engine, *, lease_s: float) -> None:
    """Make the server end a vanished leader's sessions within about a lease, so that its
    open transactions (which hold the epoch row shared) do not delay a takeover for hours:
    idle-in-transaction timeout and TCP keepalives on every new pool connection."""
    if engine.dialect.name != "postgresql":
        return
    idle_ms = int(lease_s * 1000)
    keepalive = _keepalive_seconds(lease_s)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET idle_in_transaction_session_timeout = {idle_ms}")
            for statement in _keepalive_settings(keepalive):
                cursor.execute(statement)
        dbapi_connection.commit()

    event.listen(engine, "connect", on_connect)


def _keepalive_settings(seconds: int) -> tuple[str, ...]:
    # The server notices a silent client after about 3 x seconds (idle, then two probes).
    return (
        f"SET tcp_keepalives_idle = {seconds}",
        f"SET tcp_keepalives_interval = {seconds}",
        "SET tcp_keepalives_count = 2",
    )


class PostgresElector:
    """Leadership through a session-level advisory lock on a dedicated connection."""

    def __init__(self, url: str, *, holder: str | None = None, lease_s: float = 6.0) -> None:
        self.holder = holder or this_process()
        self._lease_s = lease_s
        keepalive = _keepalive_seconds(lease_s)
        # A connection of its own (no pool): losing it must mean losing the lock, and
        # nothing else may borrow it. Client keepalives notice a dead server as well.
        self._engine = create_engine(
            _postgres_url(url),
            poolclass=NullPool,
            connect_args={
                # Shown in pg_stat_activity: which connection holds the lock, and whose.
                "application_name": f"atlasbot leadership {self.holder}"[:63],
                "connect_timeout": max(1, int(lease_s)),
                "keepalives": 1,
                "keepalives_idle": keepalive,
                "keepalives_interval": keepalive,
                "keepalives_count": 2,
            },
        )
        self._connection: Connection | None = None
        self._key: int | None = None

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text(f"SET statement_timeout = {int(self._lease_s * 1000)}"))
            for statement in _keepalive_settings(_keepalive_seconds(self._lease_s)):
                connection.execute(text(statement))
            database, schema = connection.execute(
                text("SELECT current_database(), current_schema()")
            ).one()
            self._key = lock_key(database, schema)
            self._connection = connection
        return self._connection

    def try_acquire(self) -> int | None:
        try:
            connection = self._connect()
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
            if not taken:
                return None
            return self._bump_epoch(connection)
        except SQLAlchemyError:
            self.release()
            raise

    def _bump_epoch(self, connection: Connection) -> int:
        # Waits for the guarded transactions under way (they hold the row FOR SHARE).
        epoch = connection.execute(
            update(_ROW)
            .where(_IS_THE_ROW)
            .values(epoch=_EPOCH + 1, holder=self.holder, acquired_at=utc_now())
            .returning(_EPOCH)
        ).scalar_one_or_none()
        if epoch is None:  # a table migrated without its row: we hold the lock, so add it
            connection.execute(
                _ROW.insert().values(id=1, epoch=1, holder=self.holder, acquired_at=utc_now())
            )
            epoch = 1
        return int(epoch)

    def still_leader(self, epoch: int) -> bool:
        connection = self._connection
        if connection is None:
            return False
        try:
            current = connection.execute(select(_EPOCH).where(_IS_THE_ROW)).scalar_one_or_none()
        except SQLAlchemyError:
            self._drop(connection)
            raise
        return current == epoch

    def reachable(self) -> bool:
        # The failed connection goes first (a hung one included): if the server still held
        # its session, closing it frees the lock for whoever leads next.
        self.release()
        try:
            with self._engine.connect() as probe:
                probe.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def release(self) -> None:
        connection = self._connection
        if connection is not None:
            self._drop(connection)

    def _drop(self, connection: Connection) -> None:
        # A check that hung may fail after a new connection was opened: drop only its own.
        if self._connection is connection:
            self._connection = None
        # Closing the session releases the lock; a dead connection only needs discarding.
        with contextlib.suppress(Exception):
            connection.invalidate()
        with contextlib.suppress(Exception):
            connection.close()

    def dispose(self) -> None:
        """Release and close the engine (at shutdown)."""
        self.release()
        self._engine.dispose()


# --- SQLite -----------------------------------------------------------------------------


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL, or None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


class SqliteLock:
    """An exclusive lock file beside an SQLite database (``<db>.lock``), held while open."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning naming the holder's pid."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(
                _(
                    "another atlasbot process (pid {pid}) already uses {path}; "
                    "SQLite serves one process: stop that one, or use PostgreSQL for a standby",
                    pid=holder,
                    path=self.database,
                )
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (the file stays: removing it would race with a newcomer)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> SqliteLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class SqliteElector:
    """The one process on an SQLite database leads from the start, holding the lock file."""

    def __init__(self, engine: Engine, *, holder: str | None = None) -> None:
        self.holder = holder or this_process()
        self._engine = engine
        path = sqlite_path(str(engine.url))
        self._lock = SqliteLock(path) if path is not None else None
        if self._lock is not None:
            self._lock.acquire()

    def try_acquire(self) -> int | None:
        with Session(self._engine) as session, session.begin():
            session.execute(
                update(_ROW)
                .where(_IS_THE_ROW)
                .values(epoch=_EPOCH + 1, holder=self.holder, acquired_at=utc_now())
            )
            epoch = session.execute(select(_EPOCH).where(_IS_THE_ROW)).scalar_one()
        return int(epoch)

    def still_leader(self, epoch: int) -> bool:
        return True

    def reachable(self) -> bool:
        return True  # never asked: the one SQLite process is always confirmed

    def release(self) -> None:
        """Nothing to give up while running: the lock goes with ``dispose`` or the process."""

    def dispose(self) -> None:
        if self._lock is not None:
            self._lock.release()


def elector_for(
    engine: Engine, *, lease_s: float, holder: str | None = None
) -> PostgresElector | SqliteElector:
    """The elector that fits the database: PostgreSQL's lock, or SQLite's lock file (which
    raises AlreadyRunning at once when another process holds it)."""
    if engine.dialect.name == "postgresql":
        url = engine.url.render_as_string(hide_password=False)
        return PostgresElector(url, holder=holder, lease_s=lease_s)
    return SqliteElector(engine, holder=holder)


# --- the monitor ------------------------------------------------------------------------

GainCallback = Callable[[int], Awaitable[None]]
LossCallback = Callable[[], Awaitable[None]]


class LeadershipMonitor:
    """Keeps trying to lead every ``renew_s``; while leading, checks the lock as often. When
    a check fails, raises or outlasts the lease, it asks whether the server answers at all:
    if it does, ``on_loss`` at once; while it does not, it stays leader, ``degraded``
    (nobody else can lead then; should that prove wrong, the fence refuses its writes) and
    asks again every ``renew_s``. The fence's epoch is set before ``on_gain`` and cleared
    before ``on_loss``, so guarded writes stop even while the callback runs."""

    def __init__(
        self,
        elector: Elector,
        *,
        on_gain: GainCallback,
        on_loss: LossCallback,
        renew_s: float,
        lease_s: float,
        fence: Fence | None = None,
    ) -> None:
        self.elector = elector
        self.fence = fence or Fence()
        self._on_gain = on_gain
        self._on_loss = on_loss
        self._renew_s = renew_s
        self._lease_s = lease_s
        self._stopping = asyncio.Event()
        self.degraded = False  # leading while the database server cannot be reached

    @property
    def role(self) -> str:
        return "leader" if self.fence.leading else "standby"

    async def step(self) -> None:
        """One round: try to lead (standby) or confirm the lead (leader)."""
        epoch = self.fence.epoch
        if epoch is None:
            await self._try_to_lead()
        elif self.degraded or not await self._confirm(epoch):
            await self._recheck(epoch)

    async def _recheck(self, epoch: int) -> None:
        try:
            # Not cut short, as _try_to_lead: the connect timeout bounds it.
            unreachable = not await asyncio.to_thread(self.elector.reachable)
        except Exception as err:
            log.warning("cannot tell whether the database server answers: %s", _one_line(err))
            unreachable = False
        if not unreachable:
            await self._lose(f"epoch {epoch} could not be confirmed")
            return
        if not self.degraded:
            log.warning(
                "%s keeps leading epoch %d, degraded: the database server cannot be reached, "
                "so no other process can lead either",
                self.elector.holder,
                epoch,
            )
        self.degraded = True

    async def _try_to_lead(self) -> None:
        try:
            # Not cut short from here: a thread that took the lock after we stopped waiting
            # would hold it unseen. Connect and statement timeouts bound it instead.
            epoch = await asyncio.to_thread(self.elector.try_acquire)
        except Exception as err:  # the database is away: stay standby, try again later
            log.warning("cannot try for leadership: %s", _one_line(err))
            return
        if epoch is None:
            return
        self.fence.epoch = epoch
        log.info("%s leads with epoch %d", self.elector.holder, epoch)
        try:
            await self._on_gain(epoch)
        except Exception:
            log.exception("starting as leader failed; giving leadership up")
            await self._lose("starting as leader failed")

    async def _confirm(self, epoch: int) -> bool:
        try:
            # A hung check must not keep a leader acting beyond its lease.
            confirmed = asyncio.to_thread(self.elector.still_leader, epoch)
            return bool(await asyncio.wait_for(confirmed, self._lease_s))
        except Exception as err:
            log.warning("leadership check failed: %s", _one_line(err))
            return False

    async def _lose(self, reason: str) -> None:
        self.fence.epoch = None
        self.degraded = False
        log.warning("%s stops leading: %s", self.elector.holder, reason)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.to_thread(self.elector.release), self._lease_s)
        await self._on_loss()

    async def run(self) -> None:
        """Step every ``renew_s`` until ``stop``; leaves leadership on the way out."""
        try:
            while not self._stopping.is_set():
                await self.step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._renew_s)
        finally:
            if self.fence.leading:
                await self._lose("shutting down")

    def stop(self) -> None:
        self._stopping.set()


def _one_line(err: BaseException) -> str:
    first = str(err).strip().splitlines()
    return f"{type(err).__name__}: {first[0] if first else ''}"
