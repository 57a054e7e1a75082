"""/plan_trainings, events files sent as documents, running the planner, discarding a draft."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot import uploads
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import pressed, run, show, today
from atlasbot.services import registry
from atlasbot.services.trainings import drafts, history, solving
from atlasbot.services.trainings.history import read_training_file


@guarded
async def plan_command(update: Update, context: AtlasContext) -> None:
    """/plan_trainings: the coordinator's draft and what can be done with it."""
    identity = await require_identity(update, context)
    await show(update, context, await run(context, lambda w: drafts.overview(w, identity)))


@guarded
async def on_document(update: Update, context: AtlasContext) -> None:
    """A coordinator sends an events file (kept as the draft) or a history file (imported):
    read in the upload worker against the registry (a bad file gets every problem listed,
    and nothing is stored)."""
    message, services = update.effective_message, context.services
    if message is None or message.document is None:
        return
    identity = await require_identity(update, context)
    drafts.check_upload(identity)
    name = message.document.file_name or drafts.DEFAULT_EVENTS_FILENAME
    limit = services.settings.max_file_bytes
    raw = await uploads.download(message.document, name, limit)
    network = await services.read(registry.load_network)
    read = await services.uploads.read(
        read_training_file, raw, name, network, limit, today(context)
    )
    outcome = await run(context, lambda w: history.store_training_file(w, identity, read, name))
    await show(update, context, outcome)


@guarded
async def discard(update: Update, context: AtlasContext) -> None:
    """ "Discard this draft" pressed."""
    await show(update, context, await run(context, lambda w: drafts.discard(w, pressed(update))))


@guarded
async def solve(update: Update, context: AtlasContext) -> None:
    """Run the planner on the draft (off the event loop), then show the table and chart."""
    start = await run(context, lambda w: solving.start_solving(w, pressed(update)))
    await show(update, context, start.outcome)
    seconds = context.services.settings.training_plan_time_limit_s
    solved = await context.services.plan(
        lambda: solving.solve(start.inputs, seconds), solve="calendar"
    )
    outcome = await run(context, lambda w: solving.finish_solving(w, start, solved))
    await show(update, context, outcome)
