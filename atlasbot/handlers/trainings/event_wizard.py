"""The event wizard: kind, title, capability, units, length, month, virtual; the event then
joins the coordinator's draft plan (RULES R11)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import answer_press, pressed, run, show, today
from atlasbot.bot.wizard import END, STAY, Step, Turn, Wizard
from atlasbot.errors import InvalidInput
from atlasbot.handlers.trainings import choices
from atlasbot.handlers.trainings.participants import choose_units, unit_keyboard
from atlasbot.services.trainings import drafts
from atlasbot.texts import training_wizards as texts
from atlasbot.texts.training import KINDS, kind_label

NO_CAPABILITY = "-"


@dataclass
class EventDraft(choices.ParticipantsDraft):
    """An event being described; ``month`` is 'YYYY-MM', or '' for any time in the plan."""

    kind: str = ""
    title: str = ""
    capability: str = ""
    duration_days: int = 0
    month: str = ""


async def ask_kind(turn: Turn[EventDraft]) -> None:
    """1/7: training, exercise or meeting."""
    rows = [[(kind_label(kind), kind) for kind in KINDS]]
    await turn.say(texts.event_kind(), turn.keyboard(rows))


async def on_kind(turn: Turn[EventDraft], value: str) -> str:
    if value not in KINDS:
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    turn.draft.kind = value
    await turn.replace_pressed(texts.kind_chosen(value))
    return "title"


async def ask_title(turn: Turn[EventDraft]) -> None:
    await turn.say(texts.event_title())


async def on_title(turn: Turn[EventDraft], text: str) -> str:
    try:
        turn.draft.title = choices.valid_title(text)
    except InvalidInput as refused:  # the reason, and the same step again
        await turn.say(str(refused))
        return STAY
    return "capability"


async def ask_capability(turn: Turn[EventDraft]) -> None:
    """3/7: the capability it trains (two a row), or none in particular."""
    identity = await require_identity(turn.update, turn.context)
    found = await run(turn.context, lambda w: drafts.wizard_capabilities(w, identity))
    rows = choices.rows_of([(name, code) for code, name in found], 2)
    rows.append([(texts.no_capability(), NO_CAPABILITY)])
    await turn.say(texts.event_capability(), turn.keyboard(rows))


async def on_capability(turn: Turn[EventDraft], value: str) -> str:
    turn.draft.capability = "" if value == NO_CAPABILITY else value
    await turn.replace_pressed(texts.capability_chosen(turn.draft.capability or None))
    return "units"


async def ask_units(turn: Turn[EventDraft]) -> None:
    await turn.say(texts.event_units(), turn.keyboard(await unit_keyboard(turn)))


async def on_units(turn: Turn[EventDraft], value: str) -> str:
    return await choose_units(turn, value, "days")


async def ask_days(turn: Turn[EventDraft]) -> None:
    await turn.say(texts.event_days(), turn.keyboard(choices.days_rows()))


async def on_days(turn: Turn[EventDraft], value: str) -> str:
    days = choices.days_of(value)
    if days is None:
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    turn.draft.duration_days = days
    await turn.replace_pressed(texts.days_chosen(days))
    return "month"


async def ask_month(turn: Turn[EventDraft]) -> None:
    rows = choices.month_rows(today(turn.context), any_time=True)
    await turn.say(texts.event_month(), turn.keyboard(rows))


async def on_month(turn: Turn[EventDraft], value: str) -> str:
    if value != choices.ANY_MONTH and choices.month_range(value) is None:
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    turn.draft.month = "" if value == choices.ANY_MONTH else value
    await turn.replace_pressed(texts.window_chosen(turn.draft.month or None))
    return "virtual"


# A host chosen in the last step: "h:<unit id>" (the planner picks one after "In person").
HOST = "h:"


async def ask_virtual(turn: Turn[EventDraft]) -> None:
    """7/7: virtual, in person at a host the planner picks, or hosted by a chosen unit."""
    rows = [[(texts.virtual(), choices.YES), (texts.in_person(), choices.NO)]]
    hosts = [(texts.hosted_by(unit), HOST + unit) for unit in turn.draft.participants]
    rows += choices.rows_of(hosts, 2)
    await turn.say(texts.event_virtual(), turn.keyboard(rows))


def new_event(draft: EventDraft, *, virtual: bool, host: str | None = None) -> drafts.NewEvent:
    """The event the draft describes."""
    return drafts.NewEvent(
        kind=draft.kind,
        title=draft.title,
        capability=draft.capability or None,
        participants=tuple(draft.participants),
        duration_days=draft.duration_days,
        window=choices.month_range(draft.month) if draft.month else None,
        virtual=virtual,
        host=host,
    )


async def on_virtual(turn: Turn[EventDraft], value: str) -> str:
    """7/7 answered: the event joins the coordinator's draft, and the wizard closes."""
    host = value.removeprefix(HOST) if value.startswith(HOST) else None
    if value not in (choices.YES, choices.NO) and host not in turn.draft.participants:
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    shown = texts.hosted_by(host) if host else texts.virtual_chosen(value == choices.YES)
    await turn.replace_pressed(shown)
    identity = await require_identity(turn.update, turn.context)
    event = new_event(turn.draft, virtual=value == choices.YES, host=host)
    outcome = await run(turn.context, lambda w: drafts.add_wizard_event(w, identity, event))
    await show(turn.update, turn.context, outcome)
    return END


EVENT_WIZARD: Wizard[EventDraft] = Wizard(
    name="event",
    draft_type=EventDraft,
    first="kind",
    steps={
        "kind": Step(ask_kind, on_button=on_kind),
        "title": Step(ask_title, on_text=on_title),
        "capability": Step(ask_capability, on_button=on_capability),
        "units": Step(ask_units, on_button=on_units),
        "days": Step(ask_days, on_button=on_days),
        "month": Step(ask_month, on_button=on_month),
        "virtual": Step(ask_virtual, on_button=on_virtual),
    },
)


@guarded
async def add_begin(update: Update, context: AtlasContext) -> None:
    """ "Add an event" pressed: a coordinator starts the event wizard."""
    await run(context, lambda w: drafts.begin_event(w, pressed(update)))
    await answer_press(update)
    await EVENT_WIZARD.start(update, context, EventDraft())
