"""The last line of defence: log the failure first, then give the user one useful line."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from atlasbot.bot.context import AtlasContext, NotLeader
from atlasbot.i18n import _
from atlasbot.services.errors import DomainError

log = logging.getLogger(__name__)


def sorry(ref: str) -> str:
    """The one line a member reads when something unexpected failed."""
    return _(
        "Something went wrong on our side and nothing was changed. Please try again; if it "
        "persists, tell your coordinator (reference: {ref}).",
        ref=ref,
    )


async def on_error(update: object, context: AtlasContext) -> None:
    """Log an unexpected failure first, then tell the member one useful line."""
    error = context.error
    if isinstance(error, NotLeader):
        # Another process leads now: this one stops acting and says nothing (nothing was
        # written; an update it fetched but never confirmed goes to the new leader).
        log.warning("not leading any more, this work stops here: %s", error)
        context.services.metrics.mark_update_not_leader()
        return
    ref = f"E{id(error) % 100000:05d}"
    if isinstance(error, DomainError):
        message = str(error)
    else:
        log.error("unhandled error %s while handling %r", ref, update, exc_info=error)
        message = sorry(ref)
    if isinstance(update, Update):
        await _tell(update, message, ref)


async def _tell(update: Update, message: str, ref: str) -> None:
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(message[:200], show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(message)
    except TelegramError:
        log.warning("could not tell the user about error %s", ref)
