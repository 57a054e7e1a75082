"""Carrying out what a people use case decided beyond messages: each chat's command menu
(``setMyCommands`` with a chat scope) and dropping a revoked member's unfinished forms."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from atlasbot.bot.context import AtlasContext
from atlasbot.services.outbox import ChatMenu

log = logging.getLogger(__name__)


def commands(menu: Sequence[tuple[str, str]]) -> list[BotCommand]:
    """Telegram's commands for (command, description) pairs."""
    return [BotCommand(command, description) for command, description in menu]


async def set_menus(bot: Bot, menus: Sequence[ChatMenu]) -> None:
    """Set each chat's menu; a failure is logged (the default menu still works)."""
    for menu in menus:
        try:
            await bot.set_my_commands(
                commands(menu.commands), scope=BotCommandScopeChat(menu.chat_id)
            )
        except TelegramError as err:
            log.warning("could not set the command menu of chat %s: %s", menu.chat_id, err)


def forget_drafts(context: AtlasContext, telegram_user_ids: Sequence[int]) -> None:
    """Drop the unfinished forms of members who lost a role (the stored rows went with the
    revocation; this drops the running bot's copy, so their next input finds none)."""
    for user_id in telegram_user_ids:
        context.application.drop_user_data(user_id)
