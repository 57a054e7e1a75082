""" "None of these suits us" in a meeting poll: the commander types why (a one-step wizard),
and new dates go to every participating unit (issue 14.8)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import answer_press, pressed, run, show
from atlasbot.bot.wizard import END, STAY, Draft, Step, Turn, Wizard
from atlasbot.errors import InvalidInput
from atlasbot.services.trainings import meeting_retry
from atlasbot.texts import meetings as texts


@dataclass
class NoneSuitsDraft(Draft):
    """Whose reason is awaited: the poll and the unit."""

    poll: int = 0
    unit: str = ""


async def ask_reason(turn: Turn[NoneSuitsDraft]) -> None:
    await turn.say(texts.none_reason_question(turn.draft.unit))


async def on_reason(turn: Turn[NoneSuitsDraft], text: str) -> str:
    """The reason typed: recorded, new dates proposed, the coordinator told."""
    draft, context = turn.draft, turn.context
    identity = await require_identity(turn.update, context)
    try:
        outcome = await run(
            context,
            lambda w: meeting_retry.none_suits(w, identity, draft.poll, draft.unit, text),
        )
    except InvalidInput as refused:  # too short or too long: the same step again
        await turn.say(str(refused))
        return STAY
    await show(turn.update, context, outcome)
    return END


NONE_WIZARD: Wizard[NoneSuitsDraft] = Wizard(
    name="meeting_none",
    draft_type=NoneSuitsDraft,
    first="reason",
    steps={"reason": Step(ask_reason, on_text=on_reason)},
)


@guarded
async def none_begin(update: Update, context: AtlasContext) -> None:
    """ "None of these suits us" pressed: checked, then the reason is asked."""
    asked = await run(context, lambda w: meeting_retry.none_begin(w, pressed(update)))
    await answer_press(update)
    await NONE_WIZARD.start(
        update, context, NoneSuitsDraft(poll=asked.poll_id, unit=asked.unit_id)
    )
