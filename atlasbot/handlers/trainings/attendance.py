"""/attendance (a coordinator marks who attended an ended event) and its buttons."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import pressed, run, show
from atlasbot.services.trainings import history


@guarded
async def attendance_command(update: Update, context: AtlasContext) -> None:
    """/attendance: the ended events, each a button to mark who attended."""
    identity = await require_identity(update, context)
    outcome = await run(context, lambda w: history.show_attendance(w, identity))
    await show(update, context, outcome)


@guarded
async def attendance_open(update: Update, context: AtlasContext) -> None:
    """An ended event chosen: its units, each a toggle."""
    outcome = await run(context, lambda w: history.open_attendance(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def attendance_mark(update: Update, context: AtlasContext) -> None:
    """A unit marked attended or absent."""
    outcome = await run(context, lambda w: history.mark_attendance(w, pressed(update)))
    await show(update, context, outcome)
