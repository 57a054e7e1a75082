"""/calendar (a member's events, and an .ics of them) and /readiness (training currency)."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import pressed, run, show
from atlasbot.services.trainings import calendar, readiness


@guarded
async def calendar_command(update: Update, context: AtlasContext) -> None:
    """The member's units' published events as text, and as an .ics file to import."""
    identity = await require_identity(update, context)
    await show(update, context, await run(context, lambda w: calendar.show_calendar(w, identity)))


@guarded
async def readiness_command(update: Update, context: AtlasContext) -> None:
    """For coordinators: capabilities not trained jointly in time, and refreshers to plan."""
    identity = await require_identity(update, context)
    outcome = await run(context, lambda w: readiness.show_readiness(w, identity))
    await show(update, context, outcome)


@guarded
async def readiness_add(update: Update, context: AtlasContext) -> None:
    """ "Add … refreshers to my draft" pressed."""
    outcome = await run(context, lambda w: readiness.add_refreshers(w, pressed(update)))
    await show(update, context, outcome)
