"""A PostgreSQL 15 instance of the test's own (initdb, pg_ctl as the postgres user, a free
loopback port, a temporary directory), so that a test may stop the *server* and start it
again without touching the machine's server (issue 13's database outage)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.e2e.processes import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def unavailable_reason() -> str | None:
    """Why this machine cannot run a private instance, or None when it can."""
    if not (PG_BIN / "pg_ctl").exists():
        return f"needs PostgreSQL 15 binaries in {PG_BIN}"
    if os.geteuid() != 0:
        return "needs root, to run initdb and pg_ctl as the postgres user"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "needs a postgres user"
    if shutil.which("runuser") is None:
        return "needs runuser"
    return None


class PrivatePostgres:
    """One initdb'd cluster: ``start``, ``stop`` (immediate: as a crash or a cut cable looks
    to clients) and ``remove``; ``url`` is its postgres database on 127.0.0.1."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="atlasbot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        entry = pwd.getpwnam("postgres")
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        self._as_postgres(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, program: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / program), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._as_postgres(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
