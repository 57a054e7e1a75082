"""Maps: a crisis's board on a map, and /coverage (where help cannot come in time)."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot import maps, notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded


@guarded
async def board_map(update: Update, context: AtlasContext) -> None:
    """The board's 🗺 Map button: the crisis and its units' states on a map."""
    press = notices.press_input(update, context)
    if update.callback_query:
        await update.callback_query.answer()
    await maps.send_board_map(context, press)


@guarded
async def what_if(update: Update, context: AtlasContext) -> None:
    """A "what if … is deployed?" button under a coverage."""
    press = notices.press_input(update, context)
    if update.callback_query:
        await update.callback_query.answer()
    await maps.send_what_if(update, context, press)


@guarded
async def coverage_command(update: Update, context: AtlasContext) -> None:
    """/coverage CAPABILITY [UNIT …]: coordinators and competent authorities only."""
    await maps.send_coverage(update, context, context.args or [])


@guarded
async def map_command(update: Update, context: AtlasContext) -> None:
    """/map: the Mini App's button (the live map of the crises the member may see)."""
    await maps.send_map_app(update, context)
