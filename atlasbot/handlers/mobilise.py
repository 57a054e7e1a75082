"""Units report their progress: mobilising, departed with an ETA, on scene, released."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.i18n import _
from atlasbot.services.assistance import mobilising
from atlasbot.services.assistance.outcome import Outcome


def _latest_report() -> str:
    """Where the order's text ends and the newest report begins, in the edited order."""
    return "\n\n" + _("Latest report: ")


@guarded
async def departed_menu(update: Update, context: AtlasContext) -> None:
    """Departing asks for the ETA: the planned travel time, or later."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: mobilising.departed_menu(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def report(update: Update, context: AtlasContext) -> None:
    """A progress report; the order keeps its text (it holds the agreement) with the newest
    report appended."""
    press = notices.press_input(update, context)
    tz = context.services.settings.tz
    outcome = await context.services.run(lambda s: mobilising.report(s, press, tz))
    message = update.callback_query.message if update.callback_query else None
    order = (getattr(message, "text", None) or "").split(_latest_report())[0].rstrip()
    reply = f"{order}{_latest_report()}{outcome.reply}" if order else outcome.reply
    shown = Outcome(reply=reply, keyboard=outcome.keyboard, board=outcome.board)
    await notices.show(update, context, shown, edit=True)
