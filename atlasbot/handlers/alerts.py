"""The Acknowledge button on every alert, and /drill.

One acknowledgement stops the escalation everywhere at once: the service takes the alert with
a guarded update, then every other recipient's copy is edited to say who took it. A later
press, by anyone, is told who was first.
"""

from __future__ import annotations

import contextlib

from sqlmodel import Session
from telegram import Update
from telegram.error import BadRequest

from atlasbot.bot import timers
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, redeem, require_identity
from atlasbot.bot.texts import alerts as alert_texts
from atlasbot.services import alerting, drills
from atlasbot.services.alerting import AckOutcome
from atlasbot.services.errors import InvalidInput


@guarded
async def acknowledge(update: Update, context: AtlasContext) -> None:
    """The Acknowledge button (action ``alert.ack``)."""
    now = context.services.clock.now()
    tz = context.services.settings.tz

    def act(session: Session) -> AckOutcome:
        press = redeem(session, update, context)
        return alerting.acknowledge(session, press.identity, int(press.payload["alert"]), now=now)

    outcome = await context.services.run(act)
    query = update.callback_query
    assert query is not None
    text = (
        alert_texts.ACKNOWLEDGED
        if outcome.newly
        else alert_texts.already_acknowledged(outcome.by_name, outcome.at, tz)
    )
    with contextlib.suppress(BadRequest):  # a press too old to answer: the copy still shows it
        await query.answer(text, show_alert=not outcome.newly)
    if outcome.newly:
        await timers.after_acknowledged(context, outcome)


@guarded
async def drill_command(update: Update, context: AtlasContext) -> None:
    """/drill UNIT [UNIT ...] starts a drill; /drill report N shows a drill's report."""
    identity = await require_identity(update, context)
    message = update.effective_message
    if message is None:
        return
    args = list(context.args or [])
    if not args:
        await message.reply_text(alert_texts.DRILL_USAGE)
        return
    if args[0].lower() == "report":
        if len(args) != 2 or not args[1].lstrip("#").isdigit():
            raise InvalidInput("Say which drill: /drill report N")
        drill_id = int(args[1].lstrip("#"))

        def read(session: Session) -> drills.DrillReport:
            drills.require_viewer(session, identity, drill_id)
            return drills.report(session, drill_id)

        report = await context.services.run(read)
        if update.effective_chat is not None:
            await timers.send_drill_report(context, update.effective_chat.id, report)
        return
    now = context.services.clock.now()
    timings = context.services.settings.escalation_timings()

    def start(session: Session) -> tuple[int, list[str], list[int]]:
        drill, alerts = drills.start_drill(session, identity, args, timings=timings, now=now)
        assert drill.id is not None
        return drill.id, list(drill.units), [a.id for a in alerts if a.id is not None]

    drill_id, units, alert_ids = await context.services.run(start)
    await message.reply_text(alert_texts.drill_started(drill_id, units))
    await timers.start_alerts(context, alert_ids)
