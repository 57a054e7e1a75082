"""``atlasbot run``: serve Telegram for real, as the leader or as a standby.

Every process takes part in the leadership election (``storage/leadership.py``). The leader
builds a fresh Application, re-arms its timers from the database and takes updates, by long
polling or, with ``ATLASBOT_WEBHOOK_URL``, through the webhook route; a standby runs no bot
at all: it serves /healthz, /readyz and /metrics, answers webhook posts with 503 (so that
the proxy passes them to the leader) and tries to lead every ``ATLASBOT_LEADERSHIP_RENEW_S``.
On SQLite the one process leads from the start; a second one is refused by the lock file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from telegram import Bot, Update

from atlasbot.bootstrap import build_application
from atlasbot.bot.context import AtlasApplication, BotServices
from atlasbot.bot.health import HttpServer, Probes, database_probe, health_app, start_http
from atlasbot.bot.health import telegram_probe as make_telegram_probe
from atlasbot.bot.metrics import Metrics
from atlasbot.bot.webhook import feed_update_queue, webhook_app, webhook_path
from atlasbot.config import Settings
from atlasbot.i18n import _
from atlasbot.runtime import (
    StartupError,
    check_bot_api,
    file_url,
    launch,
    make_engine,
    start_webapp,
    stop_bot,
)
from atlasbot.storage import db
from atlasbot.storage.db import session_scope
from atlasbot.storage.leadership import (
    Elector,
    Fence,
    LeadershipMonitor,
    elector_for,
    harden_postgres_engine,
)
from atlasbot.storage.monitoring import AlertCounts, alert_counts

log = logging.getLogger(__name__)


def serve_telegram(settings: Settings) -> None:
    """Serve Telegram until SIGTERM or SIGINT (``atlasbot run``).

    Start-up checks the database (migrating it) and the token before anything else, so an
    unreachable database, a refused token, no network or a second process on one SQLite
    file is one line, not a traceback.
    """
    if settings.token is None:
        raise StartupError(
            _("ATLASBOT_TOKEN is not set: get a token from @BotFather and export it")
        )
    engine = make_engine(settings)
    harden_postgres_engine(engine, lease_s=settings.leadership_lease_s)
    try:
        # On SQLite this takes the lock file at once: a second process stops here.
        elector = elector_for(engine, lease_s=settings.leadership_lease_s)
    except OSError as err:
        engine.dispose()
        raise StartupError(
            _(
                "cannot use the database at {database}: {reason}",
                database=db.shown_url(settings.database_url),
                reason=err,
            )
        ) from None
    try:
        db.upgrade(settings.database_url)
        asyncio.run(check_bot_api(settings.token.get_secret_value(), settings.bot_api_url))
        if settings.audit_key is None:
            log.warning(
                "ATLASBOT_AUDIT_KEY is not set: new audit entries are not sealed, and "
                "`atlasbot audit verify` cannot tell a forged entry with a correct hash"
            )
        asyncio.run(_serve(settings, engine, elector))
    finally:
        elector.dispose()
        engine.dispose()


@dataclass
class Leading:
    """What this process does while it leads: one fresh Application per term, so a stopped
    one is never restarted (PTB does not support that)."""

    services: BotServices
    application: AtlasApplication | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def taking_updates(self) -> bool:
        """Leading, with a running bot to hand updates to (the webhook route asks)."""
        application = self.application
        fence = self.services.fence
        return (
            fence is not None
            and fence.leading
            and application is not None
            and application.running
            and self.started.is_set()
        )

    async def gain(self, epoch: int) -> None:
        """Became leader: start a bot that re-arms every timer from the database."""
        self.services.metrics.record_leadership("leader", epoch)
        settings = self.settings
        application, _ = build_application(
            self.services,
            base_url=settings.bot_api_url,
            base_file_url=file_url(settings.bot_api_url),
        )
        self.application = application  # set first: a failed start is stopped by ``lose``
        where = urlsplit(settings.bot_api_url).netloc
        if settings.webhook_url is None:
            await launch(application, polling=True)
            log.info("atlasbot is polling the Bot API at %s (epoch %d)", where, epoch)
        else:
            await launch(application, polling=False)
            assert settings.webhook_secret is not None  # the settings require it
            await application.bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("atlasbot takes webhook updates from %s (epoch %d)", where, epoch)
        self.started.set()

    async def lose(self) -> None:
        """No longer leader (or shutting down): stop the bot and its timers. The webhook
        stays registered with Telegram: the next leader takes the posts."""
        self.started.clear()
        self.services.metrics.record_leadership("standby")
        application, self.application = self.application, None
        if application is None:
            return
        try:
            await stop_bot(application)
        except Exception:  # the database may be away (persistence flush): stop anyway
            log.exception("stopping the bot did not finish cleanly")


def _alert_counts(engine: Engine, services: BotServices) -> AlertCounts:
    with session_scope(engine, read_only=True) as session:
        return alert_counts(session, services.clock.now())


async def _start_servers(
    settings: Settings, monitor: LeadershipMonitor, leading: Leading, engine: Engine, bot: Bot
) -> list[HttpServer]:
    servers: list[HttpServer] = []
    if settings.health_port is not None:
        probes = Probes(
            role=lambda: monitor.role,
            database=database_probe(engine),
            telegram=make_telegram_probe(bot.get_me),
        )
        app = health_app(probes, leading.services.metrics)
        servers.append(await start_http(app, settings.health_host, settings.health_port))
        log.info("health and metrics on %s:%d", settings.health_host, servers[-1].port)
    if settings.webhook_url is not None and settings.webhook_secret is not None:

        async def accept(data: dict[str, object]) -> None:
            # The application of the current term, looked up at each request.
            application = leading.application
            if application is None:
                raise RuntimeError("no bot to hand the update to (leadership just changed)")
            await feed_update_queue(application)(data)

        hook = webhook_app(
            path=webhook_path(settings.webhook_url),
            secret=settings.webhook_secret.get_secret_value(),
            is_leader=leading.taking_updates,
            accept=accept,
        )
        servers.append(await start_http(hook, settings.webhook_host, settings.webhook_port))
        log.info("webhook listener on %s:%d", settings.webhook_host, servers[-1].port)
    if settings.webapp_url is not None and settings.token is not None:
        # The Mini App reads only: a standby serves it too, from the same database.
        token = settings.token.get_secret_value()
        clock = leading.services.clock
        host, port = settings.webapp_host, settings.webapp_port
        servers.append(await start_webapp(settings, engine, token, clock, host, port))
        log.info("Mini App on %s:%d for %s", host, servers[-1].port, settings.webapp_url)
    return servers


async def _serve(settings: Settings, engine: Engine, elector: Elector) -> None:
    fence = Fence()
    services = BotServices(settings=settings, engine=engine, fence=fence)
    services.metrics = Metrics(alert_counts=lambda: _alert_counts(engine, services))
    leading = Leading(services)
    monitor = LeadershipMonitor(
        elector,
        on_gain=leading.gain,
        on_loss=leading.lose,
        renew_s=settings.leadership_renew_s,
        lease_s=settings.leadership_lease_s,
        fence=fence,
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, monitor.stop)
    assert settings.token is not None
    probe_bot = Bot(settings.token.get_secret_value(), base_url=settings.bot_api_url)
    servers = await _start_servers(settings, monitor, leading, engine, probe_bot)
    log.info("%s starts as standby and tries to lead", elector.holder)
    try:
        await monitor.run()
    finally:
        for server in servers:
            await server.stop()
        with contextlib.suppress(Exception):
            await probe_bot.shutdown()
        services.uploads.close()
