"""Real ``atlasbot run`` processes against a sandbox Bot API held by the test, and a fresh
PostgreSQL database of their own, for the active/standby tests (issue 13)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from atlasbot.services import duty, enrolment
from atlasbot.services.enrolment import Identity
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Role


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.contextmanager
def fresh_postgres_database(base_url: str) -> Iterator[str]:
    """A database of its own on the server of ``base_url`` (CREATE DATABASE), dropped after:
    the bots' leadership lock and tables are shared by nobody else."""
    name = f"atlas_ha_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class BotProcess:
    """One ``python -m atlasbot run`` with its own health port and log file."""

    name: str
    env: dict[str, str]
    log: Path
    health_port: int = 0
    # Webhook mode: the port this process's webhook listener binds (0: none set).
    webhook_port: int = 0
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.health_port = free_port()
        env = {**self.env, "ATLASBOT_HEALTH_PORT": str(self.health_port)}
        if self.webhook_port:
            env["ATLASBOT_WEBHOOK_PORT"] = str(self.webhook_port)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "atlasbot",
            "run",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )

    async def readyz(self) -> dict[str, Any] | None:
        """The /readyz answer, or None while nothing answers."""
        url = f"http://127.0.0.1:{self.health_port}/readyz"
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as client,
                client.get(url) as response,
            ):
                body: dict[str, Any] = await response.json()
                return body
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def role(self) -> str | None:
        answer = await self.readyz()
        return None if answer is None else str(answer["role"])

    async def wait_role(self, role: str, within: float = 30.0) -> float:
        """Seconds until /readyz reports ``role`` (and the database and Telegram answer)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            answer = await self.readyz()
            if answer is not None and answer["role"] == role and answer["database"]:
                return loop.time() - started
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"{self.name} exited: {self.tail()}")
            if loop.time() - started > within:
                raise AssertionError(f"{self.name} not {role} after {within} s: {self.tail()}")
            await asyncio.sleep(0.1)

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """/metrics, read by Prometheus' own text parser: value by (sample, labels)."""
        url = f"http://127.0.0.1:{self.health_port}/metrics"
        async with aiohttp.ClientSession() as client, client.get(url) as response:
            assert response.status == 200
            body = await response.text()
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
        }

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    async def kill(self) -> None:
        """SIGKILL: no clean-up code runs, the sockets close with the process."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        self.process = None

    async def stop(self) -> int | None:
        """SIGTERM, as an orchestrator stops a process; its exit status."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                await self.kill()
                return None
        status, self.process = self.process.returncode, None
        return status


def bot_environment(db_url: str, bot_api_url: str, token: str, **settings: str) -> dict[str, str]:
    """The process environment: only the given ATLASBOT_* settings, none of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLASBOT_")}
    env.update(
        ATLASBOT_DATABASE_URL=db_url,
        ATLASBOT_BOT_API_URL=bot_api_url,
        ATLASBOT_TOKEN=token,
        ATLASBOT_HEALTH_HOST="127.0.0.1",
        ATLASBOT_LOG_LEVEL="INFO",
    )
    env.update({f"ATLASBOT_{name.upper()}": value for name, value in settings.items()})
    return env


People = dict[str, tuple[int, Role, dict[str, str]]]


def enrol(engine: Engine, people: People, remember: Callable[..., Any]) -> dict[str, Identity]:
    """Enrol each person (user id, role, scope) straight in the database."""
    identities = {}
    with session_scope(engine) as session:
        for name, (user_id, role, scope) in people.items():
            code, _ = enrolment.create_invite(session, role=role, created_by="test", **scope)
            outcome = enrolment.redeem_invite(
                session, code=code, telegram_user_id=user_id, display_name=name.title()
            )
            assert outcome.identity is not None
            identities[name] = outcome.identity
            remember(user_id, first_name=name.title())
    return identities


def put_on_duty(engine: Engine, commander: Identity, unit_id: str, member: Identity) -> None:
    """A shift covering the whole test, for ``member`` of ``unit_id``."""
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        duty.add_shift(
            session,
            commander,
            unit_id,
            member.member_id,
            now - timedelta(hours=1),
            now + timedelta(hours=8),
            now=now,
            reminder_before=timedelta(0),
        )
