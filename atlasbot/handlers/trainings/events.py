"""One published event changed (/event: cancel, move, keep without a unit), the search for a
date that keeps a unit that can't attend, the reason it gives, and /rsvp (issue 14)."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import pressed, run, show
from atlasbot.services.trainings import answers, changes, overview


@guarded
async def event_command(update: Update, context: AtlasContext) -> None:
    """/event [KEY [cancel | move YYYY-MM-DD [HOST]]] for coordinators."""
    identity = await require_identity(update, context)
    args = tuple(context.args or ())
    outcome = await run(context, lambda w: changes.event_command(w, identity, args))
    await show(update, context, outcome)


@guarded
async def rsvp_command(update: Update, context: AtlasContext) -> None:
    """/rsvp: the answers to the published calendar the member may see."""
    identity = await require_identity(update, context)
    await show(update, context, await run(context, lambda w: overview.show_overview(w, identity)))


@guarded
async def search(update: Update, context: AtlasContext) -> None:
    """Another date that keeps every unit (off the event loop); the options with buttons."""
    start = await run(context, lambda w: changes.start_search(w, pressed(update)))
    await show(update, context, start.outcome)
    seconds = context.services.settings.training_plan_time_limit_s
    found = await context.services.plan(
        lambda: changes.solve_search(start, seconds), solve="calendar"
    )
    outcome = await run(context, lambda w: changes.finish_search(w, start, found))
    await show(update, context, outcome)


@guarded
async def cancel_ask(update: Update, context: AtlasContext) -> None:
    await show(
        update, context, await run(context, lambda w: changes.ask_cancel(w, pressed(update)))
    )


@guarded
async def cancel_confirm(update: Update, context: AtlasContext) -> None:
    outcome = await run(context, lambda w: changes.confirm_cancel(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def move_confirm(update: Update, context: AtlasContext) -> None:
    outcome = await run(context, lambda w: changes.confirm_move(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def title_confirm(update: Update, context: AtlasContext) -> None:
    outcome = await run(context, lambda w: changes.confirm_title(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def drop_ask(update: Update, context: AtlasContext) -> None:
    await show(update, context, await run(context, lambda w: changes.ask_drop(w, pressed(update))))


@guarded
async def drop_confirm(update: Update, context: AtlasContext) -> None:
    outcome = await run(context, lambda w: changes.confirm_drop(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def reason(update: Update, context: AtlasContext) -> None:
    """Why a unit can't attend: kept, and the coordinators get the options."""
    outcome = await run(context, lambda w: answers.give_reason(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def remind(update: Update, context: AtlasContext) -> None:
    outcome = await run(context, lambda w: overview.remind_unanswered(w, pressed(update)))
    await show(update, context, outcome)


@guarded
async def duty_copies(update: Update, context: AtlasContext) -> None:
    outcome = await run(context, lambda w: overview.set_duty_copies(w, pressed(update)))
    await show(update, context, outcome)
