"""The requester's controls of an open crisis, from its board: withdraw one request, release
one unit (each asked first), add or reduce a need (what is missing is planned again)."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.services.assistance import control


@guarded
async def menu(update: Update, context: AtlasContext) -> None:
    """ "Manage requests and units…": the controls, as a new message under the board."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: control.menu(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def keep(update: Update, context: AtlasContext) -> None:
    """ "No, keep it": the question is replaced by "nothing changed"."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: control.keep(s, press))
    await notices.show(update, context, outcome, edit=True)


@guarded
async def withdraw_ask(update: Update, context: AtlasContext) -> None:
    """Withdrawing a request is asked first."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: control.withdraw_ask(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def withdraw(update: Update, context: AtlasContext) -> None:
    """The request is withdrawn; its state is told; the board is refreshed."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: control.withdraw(s, press))
    await notices.show(update, context, outcome, edit=True)


@guarded
async def release_ask(update: Update, context: AtlasContext) -> None:
    """Releasing a unit is asked first."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: control.release_ask(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def release(update: Update, context: AtlasContext) -> None:
    """The unit is released and returning home; its state and the unit are told."""
    press = notices.press_input(update, context)
    tz, home = context.services.settings.tz, context.services.settings.return_home
    outcome = await context.services.run(lambda s: control.release(s, press, tz, home))
    await notices.show(update, context, outcome, edit=True)


@guarded
async def needs(update: Update, context: AtlasContext) -> None:
    """The needs, one button per capability: one team more or fewer."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: control.needs_menu(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def need(update: Update, context: AtlasContext) -> None:
    """A need changed: the menu shows the needs now; plans follow for what is missing."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: control.need(s, press))
    await notices.show(update, context, outcome, edit=True)
