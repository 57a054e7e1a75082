"""The training wizards' router: presses and typed text for the event and meeting wizards,
/cancel, and what is left of the wizards of the previous version.

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
from atlasbot.bot.wizard import WizardRouter, WizardTexts, close, open_draft
from atlasbot.handlers.trainings.event_wizard import EVENT_WIZARD
from atlasbot.handlers.trainings.meeting_wizard import MEETING_WIZARD
from atlasbot.services.errors import DomainError
from atlasbot.texts import training_wizards as texts

# Every wizard of this area; the bot's one router takes them all.
TRAINING_WIZARDS = (EVENT_WIZARD, MEETING_WIZARD)
LEGACY_DRAFT_KEYS = ("training_event_wizard", "meeting_wizard")
LEGACY_BUTTONS = r"^(tw|mw):"

ROUTER = WizardRouter(
    TRAINING_WIZARDS,
    WizardTexts(
        replaced=texts.replaced(),
        step_passed=texts.step_passed(),
        timed_out=texts.timed_out(),
        closed=texts.wizard_gone(),
    ),
)


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
    """Text typed while a training wizard waits for it; False when none waits."""
    if _awaits_legacy_title(context) and update.effective_message is not None:
        drop_legacy_drafts(context)
        await update.effective_message.reply_text(texts.wizard_gone())
        return True
    draft = open_draft(context)
    if draft is None or draft.wizard not in {w.name for w in TRAINING_WIZARDS}:
        return False
    try:
        return await ROUTER.on_input(update, context)
    except DomainError as err:  # e.g. no longer a coordinator: said, not raised
        if update.effective_message is not None:
            await update.effective_message.reply_text(str(err))
        return True


def cancel_wizards(context: AtlasContext) -> bool:
    """/cancel: drop a training or meeting wizard in progress; True when one was open."""
    legacy = drop_legacy_drafts(context)
    draft = open_draft(context)
    if draft is not None and draft.wizard in {w.name for w in TRAINING_WIZARDS}:
        close(context)
        return True
    return legacy


def cancelled() -> str:
    """What /cancel says when it closed a training wizard."""
    return texts.wizard_closed()
