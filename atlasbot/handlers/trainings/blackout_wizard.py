"""The blackout wizard: a unit and a month it cannot take part in; the draft keeps it, and the
planner places no event of that unit then (issue 14.6)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import answer_press, pressed, run, show, today
from atlasbot.bot.wizard import END, STAY, Draft, Step, Turn, Wizard
from atlasbot.handlers.trainings import choices
from atlasbot.services.trainings import draft_edits, drafts
from atlasbot.texts import training_drafts as texts
from atlasbot.texts import training_wizards as wizard_texts

UNITS_PER_ROW = 4


@dataclass
class BlackoutDraft(Draft):
    """A blackout being described: the unit."""

    unit: str = ""


async def ask_unit(turn: Turn[BlackoutDraft]) -> None:
    identity = await require_identity(turn.update, turn.context)
    units = await run(turn.context, lambda w: drafts.wizard_units(w, identity))
    rows = choices.rows_of([(unit, unit) for unit in units], UNITS_PER_ROW)
    await turn.say(texts.blackout_unit(), turn.keyboard(rows))


async def on_unit(turn: Turn[BlackoutDraft], value: str) -> str:
    identity = await require_identity(turn.update, turn.context)
    units = await run(turn.context, lambda w: drafts.wizard_units(w, identity))
    if value not in units:
        await answer_press(turn.update, wizard_texts.unknown_choice())
        return STAY
    turn.draft.unit = value
    await turn.replace_pressed(texts.blackout_unit_chosen(value))
    return "month"


async def ask_month(turn: Turn[BlackoutDraft]) -> None:
    rows = choices.month_rows(today(turn.context), any_time=False)
    await turn.say(texts.blackout_month(), turn.keyboard(rows))


async def on_month(turn: Turn[BlackoutDraft], value: str) -> str:
    """2/2 answered: the blackout joins the draft, and the wizard closes."""
    days = choices.month_range(value)
    if days is None:
        await answer_press(turn.update, wizard_texts.unknown_choice())
        return STAY
    await turn.replace_pressed(wizard_texts.month_chosen(value))
    identity, unit = await require_identity(turn.update, turn.context), turn.draft.unit
    outcome = await run(turn.context, lambda w: draft_edits.add_blackout(w, identity, unit, days))
    await show(turn.update, turn.context, outcome)
    return END


BLACKOUT_WIZARD: Wizard[BlackoutDraft] = Wizard(
    name="blackout",
    draft_type=BlackoutDraft,
    first="unit",
    steps={
        "unit": Step(ask_unit, on_button=on_unit),
        "month": Step(ask_month, on_button=on_month),
    },
)


@guarded
async def blackout_begin(update: Update, context: AtlasContext) -> None:
    """ "Add a blackout" pressed: a coordinator starts the blackout wizard."""
    await run(context, lambda w: drafts.begin_event(w, pressed(update)))
    await answer_press(update)
    await BLACKOUT_WIZARD.start(update, context, BlackoutDraft())
