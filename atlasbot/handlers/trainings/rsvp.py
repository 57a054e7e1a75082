"""Answers to invitations, and the re-plan a "can't attend" offers the coordinators."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.bot.trainings import pressed, run, show
from atlasbot.services.trainings import answers, replanning


@guarded
async def rsvp(update: Update, context: AtlasContext) -> None:
    """A commander answers for their unit; "can't attend" offers the coordinators a re-plan."""
    query = update.callback_query
    shown_text = getattr(query.message, "text", None) if query is not None else None
    outcome = await run(context, lambda w: answers.answer(w, pressed(update), shown_text or ""))
    await show(update, context, outcome)


@guarded
async def replan_start(update: Update, context: AtlasContext) -> None:
    """Re-plan without a unit that can't attend (off the event loop); show what would move."""
    start = await run(context, lambda w: replanning.start_replanning(w, pressed(update)))
    await show(update, context, start.outcome)
    seconds = context.services.settings.training_plan_time_limit_s
    outcome = await context.services.plan(
        lambda: replanning.solve_replan(start.inputs, seconds), solve="calendar"
    )
    await show(
        update,
        context,
        await run(context, lambda w: replanning.finish_replanning(w, start, outcome)),
    )


@guarded
async def replan_confirm(update: Update, context: AtlasContext) -> None:
    """Publish the re-plan; tell every affected unit (commanders may answer moved events)."""
    outcome = await run(context, lambda w: replanning.confirm_replan(w, pressed(update)))
    await show(update, context, outcome)
