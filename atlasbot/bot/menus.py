"""Carrying out what a people use case decided beyond messages: each chat's command menu
(``setMyCommands`` with a chat scope) and dropping a revoked member's unfinished forms."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from atlasbot.bot.context import AtlasContext
from atlasbot.i18n import DEFAULT_LOCALE
from atlasbot.services.outbox import ChatMenu

log = logging.getLogger(__name__)


def commands(menu: Sequence[tuple[str, str]]) -> list[BotCommand]:
    """Telegram's commands for (command, description) pairs."""
    return [BotCommand(command, description) for command, description in menu]


async def set_menus(
    bot: Bot, menus: Sequence[ChatMenu], languages: dict[int, str] | None = None
) -> None:
    """Set each chat's menu in its member's language: for any client language (a member who
    chose a language their Telegram is not set to) and, for a language other than English,
    for that language's code too (what a client in that language shows first); a failure is
    logged (the default menu still works). An English member's menu costs one call, as
    before, so a start-up with many members sends no more than it did."""
    for menu in menus:
        if languages is not None:  # what the next update of this member is handled in
            languages[menu.chat_id] = menu.language
        scope = BotCommandScopeChat(menu.chat_id)
        try:
            await bot.set_my_commands(commands(menu.commands), scope=scope)
            if menu.language != DEFAULT_LOCALE:
                await bot.set_my_commands(
                    commands(menu.commands), scope=scope, language_code=menu.language
                )
        except TelegramError as err:
            log.warning("could not set the command menu of chat %s: %s", menu.chat_id, err)


async def forget_menu_language(bot: Bot, chat_id: int, language: str) -> None:
    """Drop a chat's menu for a language its member no longer reads."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id), language_code=language)
    except TelegramError as err:
        log.warning("could not drop the %s menu of chat %s: %s", language, chat_id, err)


def forget_drafts(context: AtlasContext, telegram_user_ids: Sequence[int]) -> None:
    """Drop the unfinished forms of members who lost a role (the stored rows went with the
    revocation; this drops the running bot's copy, so their next input finds none)."""
    for user_id in telegram_user_ids:
        context.application.drop_user_data(user_id)
