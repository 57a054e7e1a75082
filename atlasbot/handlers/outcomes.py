"""Outcomes the requester decides on or is told of: releasing a unit (asked first), a late
answer taken or left (issue 11)."""

from __future__ import annotations

from functools import partial

from telegram import Update

from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.services.assistance import deadlines, releasing


@guarded
async def ask_release(update: Update, context: AtlasContext) -> None:
    """🏁 Released: asked first, it cannot be taken back."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(partial(releasing.ask_release, press=press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def confirm_release(update: Update, context: AtlasContext) -> None:
    """The release confirmed: recorded, the requester told, the board refreshed."""
    press = notices.press_input(update, context)
    tz, home = context.services.settings.tz, context.services.settings.return_home
    outcome = await context.services.run(
        partial(releasing.confirm_release, press=press, tz=tz, return_home=home)
    )
    await notices.show(update, context, outcome, edit=True)


@guarded
async def keep_unit(update: Update, context: AtlasContext) -> None:
    """Not released after all."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(partial(releasing.keep, press=press))
    await notices.show(update, context, outcome, edit=True)


@guarded
async def decide_late(update: Update, context: AtlasContext) -> None:
    """The requester takes or leaves a late answer."""
    press = notices.press_input(update, context)
    timings = context.services.settings.escalation_timings()
    outcome = await context.services.run(
        partial(deadlines.decide_late_answer, press=press, timings=timings)
    )
    await notices.show(update, context, outcome, edit=True)
