"""The step both training wizards share: tap units to choose them, at least two."""

from __future__ import annotations

from typing import TypeVar

from atlasbot.bot.replies import require_identity
from atlasbot.bot.trainings import answer_press, run
from atlasbot.bot.wizard import STAY, Turn
from atlasbot.handlers.trainings.choices import (
    DONE,
    UNIT,
    ParticipantsDraft,
    enough_units,
    toggled,
    unit_rows,
)
from atlasbot.services.trainings import drafts
from atlasbot.texts import training_wizards as texts

P = TypeVar("P", bound=ParticipantsDraft)


async def unit_keyboard(turn: Turn[P]) -> list[list[tuple[str, str]]]:
    """The unit toggles as the draft has them (the units read for a coordinator only)."""
    identity = await require_identity(turn.update, turn.context)
    units = await run(turn.context, lambda w: drafts.wizard_units(w, identity))
    return unit_rows(units, turn.draft.participants)


async def choose_units(turn: Turn[P], value: str, next_step: str) -> str:
    """A unit tapped (toggled), or "Done": on to ``next_step`` with at least two units."""
    if value == DONE:
        if not enough_units(turn.draft.participants):
            await answer_press(turn.update, texts.choose_two_units())
            return STAY
        await turn.replace_pressed(texts.units_chosen(turn.draft.participants))
        return next_step
    if not value.startswith(UNIT):
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    turn.draft.participants = toggled(turn.draft.participants, value.removeprefix(UNIT))
    await turn.refresh_keyboard(turn.keyboard(await unit_keyboard(turn)))
    return STAY
