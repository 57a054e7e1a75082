"""Sending what the crisis path's use cases decided: replies, messages to others, the live
board edited in place, and plans (the planner runs off the event loop between the read and
the message). Handlers and timers both come here, so no timer imports a handler.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from telegram import Update
from telegram.error import BadRequest, TelegramError

from atlasbot.bot import maps, returns, timers
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import answer_user, edit_pressed, markup, send_messages
from atlasbot.services.assistance import board, outcomes, planning
from atlasbot.services.assistance.outcome import Outcome, PlanTarget, PressInput
from atlasbot.services.outbox import Message


def press_input(update: Update, context: AtlasContext) -> PressInput:
    """The plain values of a button press, for a use case."""
    query = update.callback_query
    assert query is not None and query.from_user is not None
    chat = update.effective_chat
    return PressInput(
        data=query.data or "",
        telegram_user_id=query.from_user.id,
        chat_id=chat.id if chat is not None else query.from_user.id,
        now=context.services.clock.now(),
    )


async def show(update: Update, context: AtlasContext, outcome: Outcome, *, edit: bool) -> None:
    """Start the outcome's alerts, show its reply (replacing the pressed message when
    ``edit``), then send the rest: messages, the board, plans."""
    await timers.start_alerts(context, outcome.alerts)
    if outcome.reply:
        reply = edit_pressed if edit else answer_user
        keyboard = outcome.keyboard
        if outcome.live_map is not None:
            keyboard = (*keyboard, *maps.map_app_row(context, outcome.live_map))
        await reply(update, outcome.reply, markup(keyboard))
    await follow_up(context, outcome)


async def follow_up(context: AtlasContext, outcome: Outcome) -> None:
    """What comes after the reply: messages to others, the board, the plans asked for."""
    await send_messages(context, outcome.messages)
    if outcome.copies_to_edit:
        await timers.close_copies(context, outcome.copies_to_edit)
    if outcome.board is not None:
        await refresh_board(context, outcome.board)
        # A decision on a crisis may have released units: each gets its job home.
        await returns.arm_returns(context)
    for target in outcome.plans:
        await present_plans(context, target)
    if outcome.offer_next_plan and outcome.board is not None:
        await offer_next_plan(context, outcome.board)


async def refresh_board(context: AtlasContext, crisis_id: int) -> None:
    """Edit the live board in place for every viewer (or post it where it is not yet)."""
    # Every decision on a crisis refreshes its board: alerts it answered stop here too.
    await timers.settle_crisis(context, crisis_id)
    services = context.services
    now, tz = services.clock.now(), services.settings.tz
    views = await services.run(lambda s: board.board_views(s, crisis_id, tz, now))
    for view in views:
        message = maps.with_map_app(context, view.message, crisis_id)
        if view.shown_as is not None and await _edit_board(context, message, view.shown_as):
            continue
        sent = (await send_messages(context, [message]))[0]
        if sent is not None:
            await services.run(
                functools.partial(
                    board.remember_board_message,
                    crisis_id=crisis_id,
                    chat_id=view.message.chat_id,
                    message_id=sent.message_id,
                )
            )


async def _edit_board(context: AtlasContext, message: Message, message_id: int) -> bool:
    """True when the board shown as ``message_id`` now says ``message`` (False: post it)."""
    try:
        await context.bot.edit_message_text(
            message.text,
            chat_id=message.chat_id,
            message_id=message_id,
            reply_markup=markup(message.keyboard),
        )
    except BadRequest as err:
        return "not modified" in str(err).lower()
    except TelegramError:
        return False
    return True


def planner_options(context: AtlasContext) -> planning.PlannerOptions:
    """The planner's settings, as the crisis path's planning takes them."""
    settings = context.services.settings
    return planning.PlannerOptions(
        settings.travel_model(), settings.plan_time_limit_s, settings.plan_step_min
    )


async def present_plans(context: AtlasContext, target: PlanTarget) -> None:
    """Plan what a crisis still needs and show the plans to the requester, with buttons."""
    services = context.services
    view = await services.run(lambda s: planning.planning_view(s, target.crisis_id))
    options = planner_options(context)
    proposed = await services.plan(
        lambda: planning.propose_plans(view.input, options), solve="planner"
    )
    now = services.clock.now()
    message = await services.run(lambda s: planning.plans_message(s, target, view, proposed, now))
    # The map first, so the plans with their buttons stay the last message in the chat.
    await maps.send_plans_map(context, target.chat_id, view, proposed)
    await send_messages(context, [maps.with_map_app(context, message, target.crisis_id)])


async def offer_next_plan(context: AtlasContext, crisis_id: int) -> None:
    """After a refusal or no response, offer the requester the next best plan."""
    targets = await context.services.run(lambda s: planning.next_plan_targets(s, crisis_id))
    for target in targets:
        await present_plans(context, target)


async def tell_no_response(context: AtlasContext, crisis_id: int, text: Callable[[], str]) -> None:
    """A requested state did not answer in time: tell the requester, refresh the board and
    offer the next best plan."""
    await follow_up(
        context,
        Outcome(
            messages=await context.services.run(
                lambda s: board.requester_messages(s, crisis_id, text)
            ),
            board=crisis_id,
            offer_next_plan=True,
        ),
    )


async def tell_ran_out(context: AtlasContext, alert_id: int) -> None:
    """An order or a counter-proposal ran out its chain unacknowledged: tell whoever waits on
    it what to do next, and show it on the board."""
    services = context.services
    now, tz = services.clock.now(), services.settings.tz
    outcome = await services.run(lambda s: outcomes.ran_out(s, alert_id, tz=tz, now=now))
    await follow_up(context, outcome)


async def after_released(context: AtlasContext, alert_id: int, crisis_id: int) -> None:
    """A held deadline was given back: its step is armed again for the deadline now in force
    (which may be now) and the board shows it."""
    await timers.arm_next(context, alert_id)
    await refresh_board(context, crisis_id)


async def after_held(context: AtlasContext, alert_id: int, crisis_id: int) -> None:
    """A request was acknowledged by opening its answer: its deadline's step is armed anew
    (the deadline may have moved), every copy and the board say who is answering."""
    await timers.arm_next(context, alert_id)
    await timers.close_copies(context, [alert_id])
    await refresh_board(context, crisis_id)
