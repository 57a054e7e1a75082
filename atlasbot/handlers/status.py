"""/status (a unit's readiness), /crises, the board's buttons, and closing a crisis."""

from __future__ import annotations

import io

from telegram import Update

from atlasbot.bot import notices, returns
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, markup, require_identity
from atlasbot.i18n import _
from atlasbot.services.assistance import board, closing, mobilising
from atlasbot.services.assistance.outcome import Outcome

# Telegram's message limit, with room to spare; the whole summary also comes as a file.
SUMMARY_LIMIT = 4000


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
    """The crisis is closed: the closer gets the after-action summary (text and file)."""
    press = notices.press_input(update, context)
    closed = await context.services.run(lambda s: closing.close(s, press, returns.home(context)))
    decided = closed.outcome
    await notices.show(
        update, context, Outcome(reply=decided.reply, board=decided.board), edit=True
    )
    if update.effective_chat:
        summary = closed.summary
        head = summary if len(summary) <= SUMMARY_LIMIT else summary[: SUMMARY_LIMIT - 10] + "\n…"
        await update.effective_chat.send_message(head)
        name = _("crisis-{crisis}-after-action.txt", crisis=closed.crisis_id)
        await update.effective_chat.send_document(
            io.BytesIO(summary.encode("utf-8")), filename=name
        )
    await notices.follow_up(context, Outcome(messages=decided.messages))
