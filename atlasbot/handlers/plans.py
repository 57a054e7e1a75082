"""Plans for a crisis: show the ranked plans, explain who was left out, send the chosen one."""

from __future__ import annotations

from functools import partial

from telegram import Update

from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded
from atlasbot.i18n import _
from atlasbot.services.assistance import planning, removing
from atlasbot.services.assistance.outcome import Outcome

# Telegram's message limit, with room to spare: a long explanation goes in several messages.
CHUNK = 4000


@guarded
async def show(update: Update, context: AtlasContext) -> None:
    """Plan again for what the crisis still needs (from the board): the way back to plans
    whose message was lost, for instance when the bot stopped while planning."""
    press = notices.press_input(update, context)
    target = await context.services.run(lambda s: planning.plan_again(s, press))
    if update.callback_query:
        await update.callback_query.answer(_("Planning…"))
    await notices.present_plans(context, target)


@guarded
async def choose(update: Update, context: AtlasContext) -> None:
    """Confirm before sending: sending to other states cannot be taken back."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: planning.ask_to_send(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def send(update: Update, context: AtlasContext) -> None:
    """Send the confirmed plan to the requested states."""
    press = notices.press_input(update, context)
    timings = context.services.settings.escalation_timings()
    outcome = await context.services.run(partial(planning.send_plan, press=press, timings=timings))
    await notices.show(update, context, outcome, edit=True)


@guarded
async def back(update: Update, context: AtlasContext) -> None:
    """Not sent: back to the plans."""
    press = notices.press_input(update, context)
    target = await context.services.run(lambda s: planning.plan_again(s, press, check=False))
    await notices.show(update, context, Outcome(reply=_("Not sent.")), edit=True)
    await notices.present_plans(context, target)


@guarded
async def exclusions(update: Update, context: AtlasContext) -> None:
    """Why the others are not in plan 1: the nearest ten with the real reason, then a count."""
    press = notices.press_input(update, context)
    pin = await context.services.run(lambda s: planning.exclusions_input(s, press))
    options = notices.planner_options(context)
    text = await context.services.plan(
        lambda: planning.why_not_others_text(pin, options), solve="planner"
    )
    if update.callback_query:
        await update.callback_query.answer()
    if update.effective_chat:
        for start in range(0, len(text), CHUNK):
            await update.effective_chat.send_message(text[start : start + CHUNK])


@guarded
async def remove_menu(update: Update, context: AtlasContext) -> None:
    """The units the requester may leave out."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: removing.removal_menu(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def remove(update: Update, context: AtlasContext) -> None:
    """One unit left out; plan again."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: removing.remove_unit(s, press))
    await notices.show(update, context, outcome, edit=True)


@guarded
async def restore(update: Update, context: AtlasContext) -> None:
    """Undo a removal (until a plan is sent); plan again."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: removing.restore_unit(s, press))
    await notices.show(update, context, outcome, edit=True)
