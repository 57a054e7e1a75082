"""A new upload that would replace the draft (replace or keep), and removing one event."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.bot.trainings import pressed, run, show
from atlasbot.services.trainings import draft_edits


@guarded
async def replace_draft(update: Update, context: AtlasContext) -> None:
    """ "Replace my draft with this file" pressed."""
    outcome = await run(context, lambda w: draft_edits.replace_draft(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def keep_draft(update: Update, context: AtlasContext) -> None:
    """ "Keep my draft" pressed."""
    outcome = await run(context, lambda w: draft_edits.keep_draft(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def removal_list(update: Update, context: AtlasContext) -> None:
    """ "Remove an event…" pressed: the draft's events as buttons."""
    outcome = await run(context, lambda w: draft_edits.removal_list(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def remove_event(update: Update, context: AtlasContext) -> None:
    """An event chosen: removed from the draft."""
    outcome = await run(context, lambda w: draft_edits.remove_event(w, pressed(update)))
    await show(update, context, outcome)
