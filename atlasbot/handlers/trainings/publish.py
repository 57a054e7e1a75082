"""Publishing a solved draft: the confirmation, then the invitations."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.bot.trainings import pressed, run, show
from atlasbot.services.trainings import publishing


@guarded
async def publish_ask(update: Update, context: AtlasContext) -> None:
    """Ask for confirmation before publishing (a single-use button)."""
    outcome = await run(context, lambda w: publishing.ask_to_publish(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def publish_confirm(update: Update, context: AtlasContext) -> None:
    """Publish: events into calendars, reminders armed, invitations sent after the commit."""
    outcome = await run(context, lambda w: publishing.confirm_publication(w, pressed(update)))
    await show(update, context, outcome)
