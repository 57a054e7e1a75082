"""The training wizards (the bot's one router, atlasbot/handlers/wizards.py, takes them) and
what is left of the wizards of the previous version.

The previous version kept each wizard's draft as a plain dict under its own user_data key
(``training_event_wizard``, ``meeting_wizard``) and stamped its buttons ``tw:``/``mw:``. Such a
draft cannot be resumed (its buttons carry no round), so the first press, typed title or
/cancel that meets one drops it, and the member is told to start again.
"""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from atlasbot.bot.context import AtlasContext
from atlasbot.handlers.trainings.blackout_wizard import BLACKOUT_WIZARD
from atlasbot.handlers.trainings.event_wizard import EVENT_WIZARD
from atlasbot.handlers.trainings.meeting_none import NONE_WIZARD
from atlasbot.handlers.trainings.meeting_wizard import MEETING_WIZARD
from atlasbot.texts import training_wizards as texts

# Every wizard of this area; the bot's one router takes them all.
TRAINING_WIZARDS = (EVENT_WIZARD, MEETING_WIZARD, NONE_WIZARD, BLACKOUT_WIZARD)
LEGACY_DRAFT_KEYS = ("training_event_wizard", "meeting_wizard")
LEGACY_BUTTONS = r"^(tw|mw):"


def drop_legacy_drafts(context: AtlasContext) -> bool:
    """Forget the previous version's wizard drafts; True when there was one."""
    if context.user_data is None:
        return False
    dropped = [context.user_data.pop(key, None) for key in LEGACY_DRAFT_KEYS]
    return any(d is not None for d in dropped)


def _awaits_legacy_title(context: AtlasContext) -> bool:
    drafts = [(context.user_data or {}).get(key) for key in LEGACY_DRAFT_KEYS]
    return any(isinstance(d, dict) and d.get("awaiting") == "title" for d in drafts)


async def on_legacy_button(update: Update, context: AtlasContext) -> None:
    """A button of the previous version's wizards: its draft is gone; start again."""
    drop_legacy_drafts(context)
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer(texts.wizard_gone(), show_alert=True)


async def typed(update: Update, context: AtlasContext) -> bool:
    """A title typed for a wizard of the previous version: its draft is gone; start again.
    (Text for an open wizard of this version reaches the bot's one router first.)"""
    if not _awaits_legacy_title(context) or update.effective_message is None:
        return False
    drop_legacy_drafts(context)
    await update.effective_message.reply_text(texts.wizard_gone())
    return True
