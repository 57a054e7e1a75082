"""Meeting polls: votes, the tally and the confirmation (the poll is opened by the meeting
wizard, ``handlers.trainings.wizards``)."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.bot.trainings import pressed, run, show
from atlasbot.services.trainings import meetings


@guarded
async def vote(update: Update, context: AtlasContext) -> None:
    """A commander votes for a date for their unit (a later vote replaces it)."""
    await show(
        update, context, await run(context, lambda w: meetings.cast_vote(w, pressed(update)))
    )


@guarded
async def poll_tally(update: Update, context: AtlasContext) -> None:
    """The votes so far, for the coordinator."""
    await show(
        update, context, await run(context, lambda w: meetings.show_tally(w, pressed(update)))
    )


@guarded
async def poll_confirm(update: Update, context: AtlasContext) -> None:
    """The coordinator confirms a date: a published meeting, with invitations and reminders."""
    outcome = await run(context, lambda w: meetings.confirm_meeting(w, pressed(update)))
    await show(update, context, outcome)
