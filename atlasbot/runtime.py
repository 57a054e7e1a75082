"""Running the bot: the pieces ``atlasbot run`` (``serving.py``) uses, and the local sandbox.

The sandbox runtime serves the demo, the end-to-end tests, the benchmarks and rehearsal:
one process holds the sandbox Bot API on 127.0.0.1 and the real python-telegram-bot
Application polling it, over HTTP, exactly as it would poll Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from telegram import Update

from atlasbot.bootstrap import build_application, idle_probe
from atlasbot.bot.context import AtlasApplication, BotServices, TrackingUpdateProcessor
from atlasbot.bot.health import HttpServer, start_http
from atlasbot.clock import Clock, SystemClock
from atlasbot.config import Settings
from atlasbot.i18n import _
from atlasbot.network import load_network
from atlasbot.sandbox import ControlError, SandboxServer
from atlasbot.services import enrolment, registry
from atlasbot.services.errors import InvalidInput
from atlasbot.storage import audit, db
from atlasbot.storage.db import session_scope
from atlasbot.storage.models import Role
from atlasbot.webapp import WebAppConfig, webapp_app

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_NETWORK = REPO_ROOT / "data" / "network.yaml"
SANDBOX_TOKEN = "7000000001:sandbox-token"  # noqa: S105 - the local fake's token, not a secret


class StartupError(Exception):
    """The bot cannot start; the message is one line an operator can act on."""


def make_engine(settings: Settings) -> Engine:
    """The engine, sealing the audit entries appended through it when a key is set."""
    engine = db.make_engine(settings.database_url)
    audit.seal_with(engine, audit.SealKey.from_setting(settings.audit_key))
    return engine


def file_url(bot_api_url: str) -> str | None:
    # https://api.telegram.org/bot -> https://api.telegram.org/file/bot (PTB's own layout)
    root, slash, tail = bot_api_url.rstrip("/").rpartition("/")
    return f"{root}/file/{tail}" if slash and tail == "bot" else None


async def check_bot_api(token: str, bot_api_url: str) -> None:
    """Ask the Bot API who we are (getMe); a refused token or no connection is a StartupError."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError
    from telegram.request import HTTPXRequest

    where = urlsplit(bot_api_url).netloc or bot_api_url
    requests = (HTTPXRequest(connect_timeout=10, read_timeout=10), HTTPXRequest())
    bot = Bot(token, base_url=bot_api_url, request=requests[0], get_updates_request=requests[1])
    try:
        await bot.get_me()
    except InvalidToken:
        log.debug("getMe refused the token", exc_info=True)
        raise StartupError(
            _(
                "the Bot API at {where} refused ATLASBOT_TOKEN (getMe: unauthorized): "
                "check the token with @BotFather",
                where=where,
            )
        ) from None
    except NetworkError as err:  # TimedOut included
        log.debug("getMe failed", exc_info=True)
        raise StartupError(
            _(
                "cannot reach the Bot API at {where}: {reason}; check the network "
                "(or ATLASBOT_BOT_API_URL)",
                where=where,
                reason=err.message,
            )
        ) from None
    except TelegramError as err:
        log.debug("getMe failed", exc_info=True)
        raise StartupError(
            _(
                "the Bot API at {where} answered getMe with: {reason}",
                where=where,
                reason=err.message,
            )
        ) from None
    finally:
        for request in requests:
            await request.shutdown()


async def rearm_timers(application: AtlasApplication) -> None:
    """Arm the JobQueue from the database's pending due times (restart-safe timers)."""
    from atlasbot.bot.training_timers import rearm_reminders

    await rearm_reminders(application)


@dataclass
class SandboxRuntime:
    """A started sandbox with the bot polling it."""

    server: SandboxServer
    application: AtlasApplication
    processor: TrackingUpdateProcessor
    services: BotServices
    webapp_url: str | None = None  # the Mini App on loopback, when asked for

    @property
    def control_url(self) -> str:
        return self.server.control_url

    def is_idle(self) -> bool:
        """No update being handled and no alert job running or due this instant."""
        from atlasbot.bot import timers

        return idle_probe(self.application, self.processor) and timers.idle(self.application)

    async def restart_bot(self) -> None:
        """Stop the bot and start a fresh one on the same database and sandbox server, as a
        restart of the process would (the new one re-arms its timers from the database)."""
        await stop_bot(self.application)
        self.application, self.processor = await start_bot(
            self.services,
            base_url=self.server.base_url,
            base_file_url=self.server.base_file_url,
        )


def _invite_hook(services: BotServices) -> Any:
    async def invite(body: dict[str, Any]) -> dict[str, Any]:
        try:
            role = Role(str(body.get("role", "")))
        except ValueError:
            raise ControlError(400, f"unknown role {body.get('role')!r}") from None

        def create(session: Any) -> str:
            code, _ = enrolment.create_invite(
                session,
                role=role,
                country=body.get("country"),
                unit_id=body.get("unit"),
                created_by="sandbox",
                ttl=timedelta(days=int(body.get("days", 7))),
                now=services.clock.now(),
            )
            return code

        try:
            code = await services.run(create)
        except InvalidInput as err:
            raise ControlError(400, str(err)) from None
        return {"code": code}

    return invite


def prepare_database(
    url: str, network_file: Path | None, key: audit.SealKey | None = None
) -> None:
    """Migrate, then import the network file (idempotent) when one is given."""
    db.upgrade(url)
    if network_file is None:
        return
    engine = db.make_engine(url)
    audit.seal_with(engine, key)
    try:
        with session_scope(engine) as session:
            registry.import_network(
                session, load_network(network_file), actor="sandbox", source=str(network_file)
            )
    finally:
        engine.dispose()


async def start_bot(
    services: BotServices, *, base_url: str, base_file_url: str
) -> tuple[AtlasApplication, TrackingUpdateProcessor]:
    """Build the bot for a sandbox Bot API, start it as run_polling would, and poll."""
    application, processor = build_application(
        services, base_url=base_url, base_file_url=base_file_url, token=SANDBOX_TOKEN
    )
    await launch(application, polling=True)
    return application, processor


async def launch(application: AtlasApplication, *, polling: bool) -> None:
    """Start a built bot as run_polling would (initialize, post_init, start), re-arm its
    timers from the database and, with ``polling``, long-poll the Bot API."""
    await application.initialize()
    if application.post_init is not None:  # run_polling would call it; we start by hand
        await application.post_init(application)
    await application.start()
    await rearm_timers(application)
    if polling:
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0,
            timeout=10,
            allowed_updates=Update.ALL_TYPES,
            # What Telegram holds was not handled yet (atlasbot.bot.updates): never drop it.
            drop_pending_updates=False,
        )


async def stop_bot(application: AtlasApplication) -> None:
    """Stop polling, then the application (its jobs go with it)."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:  # run_polling would call it; we stop by hand
            await application.post_stop(application)
    await application.shutdown()


@contextlib.asynccontextmanager
async def sandbox_runtime(
    settings: Settings,
    *,
    port: int = 0,
    network_file: Path | None = DEMO_NETWORK,
    clock: Clock | None = None,
    webapp: bool = False,
) -> AsyncIterator[SandboxRuntime]:
    """Start the sandbox and the bot polling it; stop both (bot first) on the way out.
    ``webapp``: also serve the Mini App on a free loopback port, its buttons pointing there."""
    await asyncio.to_thread(
        prepare_database,
        settings.database_url,
        network_file,
        audit.SealKey.from_setting(settings.audit_key),
    )
    engine = make_engine(settings)
    clock = clock or SystemClock()
    mini_app = (
        await start_webapp(settings, engine, SANDBOX_TOKEN, clock, "127.0.0.1", 0)
        if webapp
        else None
    )
    if mini_app is not None:
        settings = settings.model_copy(update={"webapp_url": f"http://127.0.0.1:{mini_app.port}/"})
    services = BotServices(settings=settings, engine=engine, clock=clock)
    server = SandboxServer(token=SANDBOX_TOKEN)
    server.add_control_hook("invite", _invite_hook(services))
    await server.start(port)
    application, processor = await start_bot(
        services, base_url=server.base_url, base_file_url=server.base_file_url
    )
    runtime = SandboxRuntime(server, application, processor, services, settings.webapp_url)
    server.idle_probe = runtime.is_idle
    try:
        yield runtime
    finally:
        # A test may have restarted the bot: stop whichever application runs now.
        await stop_bot(runtime.application)
        if mini_app is not None:
            await mini_app.stop()
        await server.stop()
        services.uploads.close()
        engine.dispose()


async def start_webapp(
    settings: Settings, engine: Engine, token: str, clock: Clock, host: str, port: int
) -> HttpServer:
    """Serve the Mini App (its page and JSON endpoints) on host:port (0: any free port)."""
    config = WebAppConfig(
        bot_token=token,
        engine=engine,
        tz=settings.tz,
        tiles_url=settings.map_tiles_url,
        max_age_s=settings.webapp_max_age_s,
        clock=clock,
    )
    return await start_http(webapp_app(config), host, port)


def temporary_sqlite_url() -> tuple[str, tempfile.TemporaryDirectory[str]]:
    """A fresh SQLite file in a temporary folder (the folder goes when the handle is closed)."""
    folder = tempfile.TemporaryDirectory(prefix="atlasbot-")
    return f"sqlite:///{Path(folder.name) / 'atlasbot.db'}", folder


async def serve_sandbox(settings: Settings, port: int) -> None:
    """``atlasbot sandbox``: serve until interrupted."""
    async with sandbox_runtime(settings, port=port) as runtime:
        bot_api = runtime.server.base_url + "<token>/<method>"
        control = runtime.control_url + "/(invite|send|press|location|document|messages|wait-idle)"
        # The banner's values are aligned in one column: a translation keeps them aligned.
        print(_("sandbox Bot API: {url}", url=bot_api))
        print(_("control API:     {url}", url=control))
        print(_("database:        {url}", url=settings.database_url))
        print(_("Ctrl-C stops it."), flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
