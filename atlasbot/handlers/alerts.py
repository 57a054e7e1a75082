"""The Acknowledge button on every alert, and /drill.

One acknowledgement stops the escalation everywhere at once: the use case takes the alert
with a guarded update, then every other recipient's copy is edited to say who took it. A
later press, by anyone, is told who was first.
"""

from __future__ import annotations

import contextlib

from telegram import Message, Update
from telegram.error import BadRequest

from atlasbot import chat_input
from atlasbot.bot import timers
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.delivery import send_drill_report
from atlasbot.bot.replies import guarded, press_of, require_identity
from atlasbot.i18n import _
from atlasbot.services import alerting, drills
from atlasbot.services.errors import InvalidInput
from atlasbot.texts import alerts as texts


@guarded
async def acknowledge(update: Update, context: AtlasContext) -> None:
    """The Acknowledge button (action ``alert.ack``)."""
    data, user_id = press_of(update)
    services = context.services
    now, tz = services.clock.now(), services.settings.tz
    result = await services.run(
        lambda s: alerting.acknowledge_press(
            s, callback_data=data, telegram_user_id=user_id, now=now, tz=tz
        )
    )
    assert update.callback_query is not None
    newly = result.outcome.newly
    with contextlib.suppress(BadRequest):  # a press too old to answer: the copy still shows it
        await update.callback_query.answer(result.answer, show_alert=not newly)
    if newly:
        await timers.after_acknowledged(context, result.outcome)


def _drill_number(args: list[str]) -> int:
    """N of ``/drill report N``."""
    if len(args) != 2:
        raise InvalidInput(_("Say which drill: /drill report N"))
    return chat_input.record_id(args[1], what=_("drill"))


async def _show_report(update: Update, context: AtlasContext, number: int) -> None:
    """/drill report N: the report, to its starter or a coordinator."""
    user, chat, tz = update.effective_user, update.effective_chat, context.services.settings.tz
    assert user is not None and chat is not None
    report = await context.services.run(
        lambda s: drills.report_for(s, user.id, chat.id, number, tz=tz)
    )
    await send_drill_report(context, report)


async def _start_drill(
    context: AtlasContext, message: Message, user_id: int, args: list[str]
) -> None:
    """/drill UNIT…: the drill started, its alerts sent."""
    units = [chat_input.unit_id(arg, what=_("units")) for arg in args]
    timings, now = context.services.settings.escalation_timings(), context.services.clock.now()
    started = await context.services.run(
        lambda s: drills.start(s, user_id, units, timings=timings, now=now)
    )
    await message.reply_text(started.reply)
    await timers.start_alerts(context, started.alert_ids)


@guarded
async def drill_command(update: Update, context: AtlasContext) -> None:
    """/drill UNIT [UNIT ...] starts a drill; /drill report N shows a drill's report."""
    message, user, args = update.effective_message, update.effective_user, list(context.args or [])
    if message is None or user is None or update.effective_chat is None:
        return
    if not args:
        await require_identity(update, context)  # members only, like every command
        await message.reply_text(texts.drill_usage())
    elif args[0].lower() == "report":
        await _show_report(update, context, _drill_number(args))
    else:
        await _start_drill(context, message, user.id, args)
