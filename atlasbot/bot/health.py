"""The health server (issue 13): /healthz, /readyz and /metrics over aiohttp.

- ``/healthz``: the process is up and its event loop answers (200, always).
- ``/readyz``: JSON ``{"role", "database", "telegram", "ready"}``; 200 when the database and
  Telegram answer, else 503. ``?role=leader`` also asks for leadership, for a proxy or an
  orchestrator that must find the leader.
- ``/metrics``: Prometheus' text format from the bot's own registry.

Probes are callables passed in, so this module knows neither the engine nor the Bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.engine import Engine

from atlasbot.bot.metrics import Metrics

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class Probes:
    """How /readyz learns the role and whether the database and Telegram answer."""

    role: Callable[[], str]
    database: Probe
    telegram: Probe
    timeout_s: float = 3.0


async def _answers(probe: Probe, timeout_s: float) -> bool:
    try:
        return bool(await asyncio.wait_for(probe(), timeout_s))
    except Exception as err:  # a probe that fails or hangs means: not ready
        log.debug("readiness probe failed: %s", type(err).__name__)
        return False


def health_app(probes: Probes, metrics: Metrics) -> web.Application:
    """The aiohttp application serving the three endpoints."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        database, telegram = await asyncio.gather(
            _answers(probes.database, probes.timeout_s),
            _answers(probes.telegram, probes.timeout_s),
        )
        role = probes.role()
        ready = database and telegram
        if request.query.get("role") == "leader":
            ready = ready and role == "leader"
        body = {"role": role, "database": database, "telegram": telegram, "ready": ready}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics_text(_request: web.Request) -> web.Response:
        # The alert collector reads the database: never on the event loop.
        payload = await asyncio.to_thread(metrics.exposition)
        response = web.Response(body=payload)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_text)
    return app


def database_probe(engine: Engine) -> Probe:
    """A probe that runs ``SELECT 1`` in a worker thread."""

    def select_one() -> bool:
        with engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1

    async def probe() -> bool:
        return await asyncio.to_thread(select_one)

    return probe


def telegram_probe(
    get_me: Callable[[], Awaitable[Any]],
    *,
    ttl_s: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
) -> Probe:
    """A probe that calls ``getMe`` at most once per ``ttl_s`` (readiness checks come every
    few seconds; Telegram need not hear of each one) and remembers the answer meanwhile."""
    last: dict[str, float | bool] = {}

    async def probe() -> bool:
        now = clock()
        if "at" in last and now - float(last["at"]) < ttl_s:
            return bool(last["ok"])
        try:
            await get_me()
            ok = True
        except Exception as err:
            log.warning("Telegram does not answer getMe: %s", type(err).__name__)
            ok = False
        last.update(at=now, ok=ok)
        return ok

    return probe


@dataclass
class HttpServer:
    """A started aiohttp server; ``port`` is the one bound (useful when asked for 0)."""

    runner: web.AppRunner
    port: int

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.runner.cleanup()


async def start_http(app: web.Application, host: str, port: int) -> HttpServer:
    """Serve ``app`` on host:port (0: any free port) until ``stop``."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return HttpServer(runner=runner, port=site.port)  # the bound port once started
