"""/status (a unit's readiness), /crises, the board's buttons, and closing a crisis."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot import delivery, notices, returns
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, markup, require_identity, send_messages
from atlasbot.services.assistance import board, closing, mobilising
from atlasbot.services.assistance.outcome import Outcome


@guarded
async def status_command(update: Update, context: AtlasContext) -> None:
    """/status: a commander sets their units' readiness."""
    identity = await require_identity(update, context)
    now = context.services.clock.now()
    menus = await context.services.run(lambda s: mobilising.readiness_menus(s, identity, now))
    for menu in menus:
        if update.effective_chat:
            await update.effective_chat.send_message(
                menu.reply, reply_markup=markup(menu.keyboard)
            )


@guarded
async def set_status(update: Update, context: AtlasContext) -> None:
    """A readiness button pressed."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: mobilising.set_status(s, press))
    await notices.show(update, context, outcome, edit=True)


@guarded
async def crises_command(update: Update, context: AtlasContext) -> None:
    """/crises: the open crises the member may see."""
    identity = await require_identity(update, context)
    now = context.services.clock.now()
    outcome = await context.services.run(lambda s: board.crises_list(s, identity, now))
    if update.effective_chat:
        await update.effective_chat.send_message(
            outcome.reply, reply_markup=markup(outcome.keyboard)
        )


@guarded
async def show_board(update: Update, context: AtlasContext) -> None:
    """A crisis's board, for a member who may see it."""
    press = notices.press_input(update, context)
    tz = context.services.settings.tz
    outcome = await context.services.run(lambda s: board.show_board(s, press, tz))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def refresh(update: Update, context: AtlasContext) -> None:
    """The requester refreshes the board."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: board.refresh_board(s, press))
    if update.callback_query:
        await update.callback_query.answer(outcome.reply)
    await notices.follow_up(context, outcome)


@guarded
async def close_ask(update: Update, context: AtlasContext) -> None:
    """Closing asks first: it cannot be undone."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: closing.ask_to_close(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def close_confirm(update: Update, context: AtlasContext) -> None:
    """The crisis is closed: the after-action report goes out (text and CSV)."""
    press = notices.press_input(update, context)
    closed = await context.services.run(lambda s: closing.close(s, press, returns.home(context)))
    decided = closed.outcome
    await notices.show(
        update, context, Outcome(reply=decided.reply, board=decided.board), edit=True
    )
    # The after-action report to the requester and every state that took part, with its CSV.
    await send_messages(context, closed.reports.messages)
    await delivery.send_documents(context, closed.reports.documents)
    rest = Outcome(messages=decided.messages, copies_to_edit=decided.copies_to_edit)
    await notices.follow_up(context, rest)
