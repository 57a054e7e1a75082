"""The one place that knows every concrete class: builds the bot from the settings."""

from __future__ import annotations

import functools
import logging
from collections.abc import Coroutine
from typing import Any, cast

from telegram import BotCommand
from telegram.ext import ApplicationBuilder, ContextTypes, ExtBot, Updater
from telegram.request import HTTPXRequest

from atlasbot.bot.context import (
    AtlasApplication,
    AtlasContext,
    BotServices,
    TrackingUpdateProcessor,
    sender_language,
)
from atlasbot.bot.formatting import HtmlBot
from atlasbot.bot.menus import commands, set_menus
from atlasbot.bot.pacing import CountingRateLimiter
from atlasbot.bot.persistence import DatabasePersistence
from atlasbot.bot.updates import HoldingBot
from atlasbot.services.menus import every_menu
from atlasbot.texts.menus import default_menu

log = logging.getLogger(__name__)


def default_command_menu() -> list[BotCommand]:
    """The menu of every chat without its own: how to enrol, and help. Each member's chat
    gets the commands of their roles when they enrol and whenever a role changes."""
    return commands(default_menu())


async def _post_init(application: AtlasApplication) -> None:
    await application.bot.set_my_commands(default_command_menu())
    # Each member's own menu, for chats that have none yet (or an older one).
    services = application.bot_data["services"]
    await set_menus(application.bot, await services.read(every_menu), services.languages)
    # Escalations and reminders are re-armed from the database once the job queue runs.
    from atlasbot.bot import timers

    timers.schedule_rearm(application)


def _wire_hooks(services: BotServices) -> None:
    """The hooks by which timers and alerting reach the chat (unless a test set its own)."""
    from atlasbot.bot import notices

    if services.on_no_response is None:
        services.on_no_response = notices.tell_no_response
    if services.on_ran_out is None:
        services.on_ran_out = notices.tell_ran_out
    if services.on_board_changed is None:
        services.on_board_changed = notices.refresh_board


def build_application(
    services: BotServices,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    token: str | None = None,
    max_concurrent_updates: int = 16,
) -> tuple[AtlasApplication, TrackingUpdateProcessor]:
    """The python-telegram-bot Application with every handler registered."""
    from atlasbot.handlers import register

    secret = token or (
        services.settings.token.get_secret_value() if services.settings.token else None
    )
    if not secret:
        raise ValueError("no Telegram token: set ATLASBOT_TOKEN")
    _wire_hooks(services)
    processor = TrackingUpdateProcessor(max_concurrent_updates, services.metrics)
    processor.language_of = functools.partial(sender_language, services)
    # Every message goes out in HTML parse mode with every plain text escaped (HtmlBot).
    bot = HtmlBot(
        secret,
        base_url=base_url or "https://api.telegram.org/bot",
        base_file_url=base_file_url or "https://api.telegram.org/file/bot",
        request=HTTPXRequest(connection_pool_size=256),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        # Replies go out at once; fan-outs are paced by services.broadcast (30/s). The limiter
        # keeps Telegram's per-group limit and retries a 429 after the time Telegram asks.
        rate_limiter=CountingRateLimiter(
            services.metrics.record_telegram_429, overall_max_rate=0, max_retries=3
        ),
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=AtlasContext))
        .concurrent_updates(processor)
        .post_init(_post_init)
        # Wizard drafts live in the database, so a restart loses none; a draft older than
        # its wizard's timeout is dropped at the member's next input, not resumed.
        .persistence(
            DatabasePersistence(
                services.engine,
                update_interval=services.settings.chat_state_flush_s,
                clock=services.clock,
            )
        )
    )
    application: AtlasApplication = builder.build()  # type: ignore[assignment]
    application.bot_data["services"] = services
    holding = HoldingBot(application.bot, processor.ledger)
    # The Updater polls through HoldingBot, which confirms an update only once handled.
    application.updater = Updater(cast(ExtBot[None], holding), application.update_queue)
    application.post_stop = lambda _app: holding.confirm_handled()
    register(application)
    return application, processor


def idle_probe(application: AtlasApplication, processor: TrackingUpdateProcessor) -> bool:
    """True when no update is queued or being handled."""
    return processor.in_flight == 0 and application.update_queue.empty()


def fire_and_forget(application: AtlasApplication, coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run a coroutine beside the handlers (its failure is logged by PTB's error handler)."""
    application.create_task(coroutine)
