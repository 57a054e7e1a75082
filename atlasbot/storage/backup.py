"""Backups (issue 13): ``atlasbot backup FILE`` and ``atlasbot restore FILE``.

SQLite: the online backup API copies a consistent snapshot while the bot runs, into a file
that stands alone (no WAL beside it); restoring copies it back under the lock file, so it
never happens under a running bot. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists`` in one transaction, given a libpq connection string
without the password (it travels in ``PGPASSWORD``, never on a command line or in a message).
A restore is refused while a leader holds the database, and over a database that has tables
unless forced; afterwards the audit chain of the restored copy is verified.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool

from atlasbot.i18n import _, ngettext
from atlasbot.storage import audit, db
from atlasbot.storage.leadership import AlreadyRunning, SqliteLock, lock_key, sqlite_path

PG_DUMP_MAGIC = b"PGDMP"
_TOOL_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line, without secrets."""


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """The restored database's revision and what the audit chain's verification found."""

    revision: str | None
    newest_revision: str
    audit: audit.VerifyReport


def describe(url: str) -> str:
    """The database URL with its password hidden, for messages."""
    return db.shown_url(url)


def backup(url: str, target: Path, *, force: bool = False) -> None:
    """Write a backup of the database at ``url`` to ``target``."""
    if target.exists() and not force:
        raise BackupError(_("{path} exists: pass --force to overwrite it", path=target))
    if not target.parent.is_dir():
        raise BackupError(
            _("{path}: the folder {folder} does not exist", path=target, folder=target.parent)
        )
    if make_url(url).get_backend_name() == "sqlite":
        _sqlite_backup(url, target)
    else:
        _pg_dump(url, target)


def restore(url: str, source: Path, *, force: bool = False) -> RestoreReport:
    """Replace the database at ``url`` with the backup in ``source``, then verify it."""
    if not source.is_file():
        raise BackupError(_("{path}: no such backup file", path=source))
    if make_url(url).get_backend_name() == "sqlite":
        _sqlite_restore(url, source, force=force)
    else:
        _pg_restore(url, source, force=force)
    return _verify(url)


def _verify(url: str) -> RestoreReport:
    engine = db.make_engine(url)
    try:
        revision = db.current_revision(engine)
        with db.session_scope(engine, read_only=True) as session:
            report = audit.verify(session)
    finally:
        engine.dispose()
    return RestoreReport(revision=revision, newest_revision=db.head_revision(), audit=report)


def _has_tables(database: object, tables: int) -> str:
    """The refusal to restore over a database that has tables, without --force."""
    # English says "tables" for one as well (its wording is unchanged); the catalogs give
    # each language its own forms.
    return ngettext(
        "{database} already has {count} tables: restoring replaces them; pass --force",
        "{database} already has {count} tables: restoring replaces them; pass --force",
        tables,
        database=database,
    )


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise BackupError(_("an in-memory SQLite database has nothing to back up or restore"))
    return path


@contextlib.contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=db.SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        yield connection
    finally:
        connection.close()


def _sqlite_backup(url: str, target: Path) -> None:
    source = _sqlite_file(url)
    if not source.is_file():
        raise BackupError(_("no database at {path}", path=source))
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with _sqlite(source) as live, _sqlite(partial) as copy:
            live.backup(copy)
            # A backup is one file: no write-ahead log may be needed beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        os.replace(partial, target)
    except sqlite3.Error as err:
        partial.unlink(missing_ok=True)
        raise BackupError(_("cannot back up {path}: {reason}", path=source, reason=err)) from None


def _sqlite_revision(path: Path) -> str:
    """The backup's migration revision; refuses a file that is no atlasbot database."""
    try:
        with _sqlite(path) as backup_file:
            if backup_file.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(_("{path} is damaged (SQLite's quick check fails)", path=path))
            row = backup_file.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        raise BackupError(_("{path} is not an atlasbot SQLite backup", path=path)) from None
    if row is None:
        raise BackupError(_("{path} is not an atlasbot SQLite backup (no revision)", path=path))
    return str(row[0])


def _sqlite_tables(path: Path) -> int:
    if not path.exists():
        return 0
    with _sqlite(path) as target:
        (count,) = target.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()
    return int(count)


def _sqlite_restore(url: str, source: Path, *, force: bool) -> None:
    target = _sqlite_file(url)
    if target.resolve() == source.resolve():
        raise BackupError(_("{path} is the configured database itself", path=source))
    _sqlite_revision(source)
    try:
        lock = SqliteLock(target)
        lock.acquire()
    except AlreadyRunning as err:
        raise BackupError(_("stop atlasbot before restoring: {reason}", reason=err)) from None
    try:
        tables = _sqlite_tables(target)
        if tables and not force:
            raise BackupError(_has_tables(target, tables))
        previous = _sqlite_epoch(target)
        with _sqlite(source) as backup_file, _sqlite(target) as live:
            backup_file.backup(live)
            live.execute("PRAGMA journal_mode=WAL")
            _carry_epoch_forward(live, previous)
    except sqlite3.Error as err:
        raise BackupError(
            _("cannot restore into {path}: {reason}", path=target, reason=err)
        ) from None
    finally:
        lock.release()


def _sqlite_epoch(path: Path) -> int:
    if not path.exists():
        return 0
    with _sqlite(path) as live:
        try:
            row = live.execute("SELECT epoch FROM leadership WHERE id = 1").fetchone()
        except sqlite3.Error:
            return 0
    return int(row[0]) if row else 0


def _carry_epoch_forward(connection: sqlite3.Connection, previous: int) -> None:
    # A restored epoch may be older than one a stopped process still remembers: move past
    # both, so that no process from before the restore can pass the fence by coincidence.
    with contextlib.suppress(sqlite3.OperationalError):  # a backup from before leadership
        connection.execute(
            "UPDATE leadership SET epoch = max(epoch, ?) + 1 WHERE id = 1", (previous,)
        )
        connection.commit()


# --- PostgreSQL -------------------------------------------------------------------------


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    from psycopg.conninfo import make_conninfo

    parsed: URL = make_url(url)
    params: dict[str, Any] = {
        key: value
        for key, value in (
            ("host", parsed.host),
            ("port", parsed.port),
            ("user", parsed.username),
            ("dbname", parsed.database),
        )
        if value is not None
    }
    for key, value in parsed.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return make_conninfo(**params), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "{tool} is not on PATH: install the PostgreSQL client tools "
                "(the server's major version or newer)",
                tool=name,
            )
        )
    return found


def _run_tool(arguments: list[str], env: dict[str, str], password: str | None) -> None:
    try:
        finished = subprocess.run(  # noqa: S603 - no shell; the tool found by shutil.which
            arguments, env=env, capture_output=True, text=True, timeout=_TOOL_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise BackupError(
            _("{tool} took longer than an hour", tool=Path(arguments[0]).name)
        ) from None
    if finished.returncode != 0:
        lines = [line for line in finished.stderr.strip().splitlines() if line.strip()]
        message = lines[0] if lines else _("exit status {code}", code=finished.returncode)
        if password:
            message = message.replace(password, "***")
        raise BackupError(message)


def _pg_dump(url: str, target: Path) -> None:
    conninfo, env = libpq_target(url)
    partial = target.with_name(target.name + ".partial")
    arguments = [_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={conninfo}"]
    try:
        _run_tool(arguments, env, make_url(url).password)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)


def _pg_restore(url: str, source: Path, *, force: bool) -> None:
    with source.open("rb") as dump:
        if dump.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise BackupError(_("{path} is not a pg_dump custom-format backup", path=source))
    conninfo, env = libpq_target(url)
    arguments = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={conninfo}",
        str(source),
    ]
    if url.startswith("postgresql://"):  # plain postgresql:// would pick psycopg2
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            live = connection.execution_options(isolation_level="AUTOCOMMIT")
            _hold_leadership_lock(live)
            tables = len(inspect(live).get_table_names())
            if tables and not force:
                raise BackupError(_has_tables(describe(url), tables))
            previous = _pg_epoch(live)
            _run_tool(arguments, env, make_url(url).password)
            if inspect(live).has_table("leadership"):  # not in a backup from before it
                live.execute(
                    text("UPDATE leadership SET epoch = greatest(epoch, :e) + 1 WHERE id = 1"),
                    {"e": previous},
                )
    finally:
        engine.dispose()


def _hold_leadership_lock(connection: Connection) -> None:
    """Take the leaders' lock for the restore's duration, or refuse while a bot leads."""
    database, schema = connection.execute(
        text("SELECT current_database(), current_schema()")
    ).one()
    taken = connection.execute(
        text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(database, schema)}
    ).scalar_one()
    if not taken:
        raise BackupError(_("an atlasbot process leads on this database: stop every one first"))


def _pg_epoch(connection: Connection) -> int:
    if not inspect(connection).has_table("leadership"):
        return 0
    epoch = connection.execute(text("SELECT epoch FROM leadership WHERE id = 1")).scalar()
    return int(epoch or 0)
