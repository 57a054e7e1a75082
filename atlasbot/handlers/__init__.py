"""Every handler of the bot, registered in one ordered place.

Order matters inside a group: python-telegram-bot gives an update to the first handler that
wants it. The wizards' router sees free input first, in a group of its own: while a member
has a wizard open (/request, an answer), what they type or share goes to it, and input it
does not take goes on to the handlers below. Token buttons come before the wizards' buttons;
free text that nobody claimed gets a hint.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from atlasbot.bot.context import AtlasApplication, AtlasContext
from atlasbot.bot.replies import Handler
from atlasbot.handlers import (
    alerts,
    control,
    duty,
    errors,
    maps,
    mobilise,
    outcomes,
    people,
    plans,
    request,
    respond,
    start,
    status,
    trainings,
    wizards,
)
from atlasbot.i18n import _
from atlasbot.services import tokens
from atlasbot.services.tokens import CALLBACK_PREFIX
from atlasbot.texts import wizards as texts

# Before every other handler: free input for the member's open wizard.
WIZARD_INPUT_GROUP = -1

# What each kind of token button does: a table, not an if-chain.
ACTIONS: dict[str, Handler] = {
    "plan.show": plans.show,
    "plan.choose": plans.choose,
    "plan.send": plans.send,
    "plan.back": plans.back,
    "plan.exclusions": plans.exclusions,
    "plan.remove_menu": plans.remove_menu,
    "plan.remove": plans.remove,
    "plan.restore": plans.restore,
    "answer.accept": respond.begin_accept,
    "answer.counter": respond.begin_counter,
    "answer.decline": respond.begin_decline,
    "answer.confirm_accept": respond.confirm_accept,
    "answer.confirm_counter": respond.confirm_counter,
    "answer.confirm_decline": respond.confirm_decline,
    "counter.accept": respond.answer_counter,
    "counter.reject": respond.answer_counter,
    "progress.report": mobilise.report,
    "progress.departed": mobilise.departed_menu,
    "release.ask": outcomes.ask_release,
    "release.confirm": outcomes.confirm_release,
    "release.keep": outcomes.keep_unit,
    "late.take": outcomes.decide_late,
    "late.leave": outcomes.decide_late,
    "progress.eta_typed": mobilise.begin_typed_eta,
    "unit.status": status.set_status,
    "board.show": status.show_board,
    "board.refresh": status.refresh,
    "board.map": maps.board_map,
    "coverage.what_if": maps.what_if,
    "crisis.close": status.close_ask,
    "crisis.close_confirm": status.close_confirm,
    # The requester's controls of an open crisis: each irreversible step is asked first.
    "control.menu": control.menu,
    "control.keep": control.keep,
    "control.withdraw_ask": control.withdraw_ask,
    "control.withdraw": control.withdraw,
    "control.release_ask": control.release_ask,
    "control.release": control.release,
    "control.needs": control.needs,
    "control.need": control.need,
    # On-call alerting: one Acknowledge stops the escalation everywhere.
    "alert.ack": alerts.acknowledge,
    # Joint trainings, exercises and meetings (R11).
    "train.add": trainings.add_begin,
    "train.solve": trainings.solve,
    "train.discard": trainings.discard,
    "train.replace": trainings.replace_draft,
    "train.keep_draft": trainings.keep_draft,
    "train.remove_list": trainings.removal_list,
    "train.remove": trainings.remove_event,
    "train.blackout": trainings.blackout_begin,
    "train.publish": trainings.publish_ask,
    "train.publish_ok": trainings.publish_confirm,
    "train.rsvp": trainings.rsvp,
    "train.replan": trainings.replan_start,
    "train.replan_ok": trainings.replan_confirm,
    "train.ready_add": trainings.readiness_add,
    "train.attendance": trainings.attendance_open,
    "train.attend_mark": trainings.attendance_mark,
    "train.vote": trainings.vote,
    "train.none": trainings.none_begin,
    "train.tally": trainings.poll_tally,
    "train.poll_ok": trainings.poll_confirm,
    # One published event changed, a unit kept in, the answers overview (issue 14).
    "train.reason": trainings.reason,
    "train.keep": trainings.search,
    "train.move_find": trainings.search,
    "train.move_ok": trainings.move_confirm,
    "train.title_ok": trainings.title_confirm,
    "train.cancel_ask": trainings.cancel_ask,
    "train.cancel_ok": trainings.cancel_confirm,
    "train.drop_ask": trainings.drop_ask,
    "train.drop_ok": trainings.drop_confirm,
    "train.remind": trainings.remind,
    "train.duty_copies": trainings.duty_copies,
    # People management: a revocation is asked, then confirmed; a hand-over issues a code.
    "people.revoke_ask": people.revoke_ask,
    "people.revoke": people.revoke,
    "people.keep": people.keep,
    "people.handover": people.handover,
}


async def on_token_button(update: Update, context: AtlasContext) -> None:
    """Route a token button to its action; the action itself verifies and spends the token."""
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    action = await context.services.read(lambda s: tokens.action_of(s, data))
    handler = ACTIONS.get(action or "")
    if handler is None:
        await query.answer(_(texts.BUTTON_GONE), show_alert=True)
        return
    await handler(update, context)


async def on_unknown_button(update: Update, context: AtlasContext) -> None:
    """A press whose data no handler knows (an old message, or forged data): say so."""
    query = update.callback_query
    if query is not None:
        await query.answer(_(texts.BUTTON_GONE), show_alert=True)


async def on_free_text(update: Update, context: AtlasContext) -> None:
    """Text no wizard took: a training wizard's, else a hint."""
    if await trainings.typed(update, context):
        return
    if update.effective_message is not None:
        await update.effective_message.reply_text(_(texts.NOT_UNDERSTOOD))


def register(application: AtlasApplication) -> None:
    """Register every handler, in order (see the module docstring for why the order)."""
    # 1. Free input for the member's open wizard, before anything else sees it.
    application.add_handler(
        MessageHandler(filters.ALL & ~filters.COMMAND, wizards.on_input),
        group=WIZARD_INPUT_GROUP,
    )
    # 2. Commands.
    application.add_handler(CommandHandler("request", request.begin))
    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler("help", start.help_command))
    application.add_handler(CommandHandler("whoami", start.whoami))
    application.add_handler(CommandHandler("invite", start.invite))
    application.add_handler(CommandHandler("members", people.members_command))
    application.add_handler(CommandHandler("settings", people.settings_command))
    application.add_handler(CommandHandler("status", status.status_command))
    application.add_handler(CommandHandler("crises", status.crises_command))
    application.add_handler(CommandHandler("coverage", maps.coverage_command))
    application.add_handler(CommandHandler("map", maps.map_command))
    application.add_handler(CommandHandler("cancel", wizards.cancel))
    application.add_handler(CommandHandler("duty", duty.duty_command))
    application.add_handler(CommandHandler("drill", alerts.drill_command))
    application.add_handler(CommandHandler("calendar", trainings.calendar_command))
    application.add_handler(CommandHandler("plan_trainings", trainings.plan_command))
    application.add_handler(CommandHandler("meeting", trainings.meeting_command))
    application.add_handler(CommandHandler("readiness", trainings.readiness_command))
    application.add_handler(CommandHandler("event", trainings.event_command))
    application.add_handler(CommandHandler("rsvp", trainings.rsvp_command))
    application.add_handler(CommandHandler("attendance", trainings.attendance_command))
    # 3. Buttons: opaque tokens, then the wizards' steps, then anything else.
    application.add_handler(CallbackQueryHandler(on_token_button, pattern=rf"^{CALLBACK_PREFIX}"))
    application.add_handler(CallbackQueryHandler(wizards.on_button, pattern=r"^w:"))
    # The forms of the previous version: gone, start again.
    application.add_handler(
        CallbackQueryHandler(wizards.on_legacy_button, pattern=r"^(rq|ans|dec):")
    )
    application.add_handler(
        CallbackQueryHandler(trainings.on_legacy_button, pattern=trainings.LEGACY_BUTTONS)
    )
    application.add_handler(CallbackQueryHandler(on_unknown_button))
    # 4. Free input no wizard claimed.
    # A rota file captioned "/duty import": before any other document handler.
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/duty\b"), duty.import_rota)
    )
    # An events file sent as a document (coordinators' uploads).
    application.add_handler(MessageHandler(filters.Document.ALL, trainings.on_document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_free_text))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_error_handler(errors.on_error)


async def unknown_command(update: Update, context: AtlasContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(_(texts.UNKNOWN_COMMAND))
