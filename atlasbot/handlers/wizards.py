"""Every wizard of the bot behind one router: its buttons (``w:…``), free input for the
member's open wizard, /cancel, and the buttons of the forms of the previous version.

The router is registered before every other handler of free input (atlasbot/handlers/
__init__.py), so that while a member has a wizard open, what they type, share or send goes
to it; input the open step does not take falls through to the other handlers.
"""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ApplicationHandlerStop

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.bot.wizard import WizardRouter, WizardTexts, abandon
from atlasbot.handlers import trainings
from atlasbot.handlers.mobilise import ETA_WIZARD
from atlasbot.handlers.request import REQUEST_WIZARD
from atlasbot.handlers.respond import ANSWER_WIZARD
from atlasbot.i18n import _
from atlasbot.texts import wizards as texts

# Every wizard of the bot is listed here (one router: one open wizard per member).
ROUTER = WizardRouter(
    [REQUEST_WIZARD, ANSWER_WIZARD, ETA_WIZARD, *trainings.TRAINING_WIZARDS],
    WizardTexts(
        replaced=texts.REPLACED,
        step_passed=texts.STEP_PASSED,
        timed_out=texts.TIMED_OUT,
        closed=texts.BUTTON_GONE,
        gone=texts.DRAFT_GONE,
    ),
)
# What /cancel says when it closed a wizard, by wizard.
CANCELLED = {
    REQUEST_WIZARD.name: texts.REQUEST_CANCELLED,
    ANSWER_WIZARD.name: texts.ANSWER_DISCARDED,
    ETA_WIZARD.name: texts.NOTHING_RECORDED,
    **{wizard.name: texts.TRAINING_WIZARD_CLOSED for wizard in trainings.TRAINING_WIZARDS},
}

on_button = guarded(ROUTER.on_button)
_claim_input = guarded(ROUTER.on_input)


async def on_input(update: Update, context: AtlasContext) -> None:
    """Free input for the open wizard; what it took (or refused with an error) goes no
    further, anything else goes on to the other handlers."""
    if await _claim_input(update, context) is not False:
        raise ApplicationHandlerStop


async def cancel(update: Update, context: AtlasContext) -> None:
    """/cancel: close the open wizard (nothing is recorded, what it held is given back) and
    say what was dropped."""
    closed = await abandon(update, context)
    legacy_closed = trainings.drop_legacy_drafts(context)
    if closed is not None and closed.wizard in CANCELLED:
        text = CANCELLED[closed.wizard]
    elif legacy_closed:
        text = texts.TRAINING_WIZARD_CLOSED
    else:
        text = texts.NOTHING_TO_CANCEL
    if update.effective_message is not None:
        await update.effective_message.reply_text(_(text), reply_markup=ReplyKeyboardRemove())


async def on_legacy_button(update: Update, context: AtlasContext) -> None:
    """A button of a form of the previous version (``rq:``, ``ans:``, ``dec:``): that form is
    gone, start again."""
    if update.callback_query is not None:
        await update.callback_query.answer(_(texts.DRAFT_GONE)[:200], show_alert=True)
