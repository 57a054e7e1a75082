"""The meeting wizard: title, units, month, virtual or hosted, time of day; the three best
dates (spread over the month) are then put to the units' commanders in a poll (issues 6.5,
14.8)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.trainings import answer_press, run, show, today
from atlasbot.bot.wizard import END, STAY, Step, Turn, Wizard
from atlasbot.errors import InvalidInput
from atlasbot.handlers.trainings import choices
from atlasbot.handlers.trainings.participants import choose_units, unit_keyboard
from atlasbot.services.trainings import meetings
from atlasbot.services.trainings.work import require_coordinator
from atlasbot.texts import meetings as meeting_texts
from atlasbot.texts import training_wizards as texts


@dataclass
class MeetingDraft(choices.ParticipantsDraft):
    """A meeting being described; ``month`` is 'YYYY-MM', ``virtual`` 'yes' or 'no', ``time``
    'morning', 'afternoon' or 'day'."""

    title: str = ""
    month: str = ""
    virtual: str = ""
    time: str = ""


async def ask_title(turn: Turn[MeetingDraft]) -> None:
    await turn.say(texts.meeting_title())


async def on_title(turn: Turn[MeetingDraft], text: str) -> str:
    try:
        turn.draft.title = choices.valid_title(text)
    except InvalidInput as refused:  # the reason, and the same step again
        await turn.say(str(refused))
        return STAY
    return "units"


async def ask_units(turn: Turn[MeetingDraft]) -> None:
    await turn.say(texts.meeting_units(), turn.keyboard(await unit_keyboard(turn)))


async def on_units(turn: Turn[MeetingDraft], value: str) -> str:
    return await choose_units(turn, value, "month")


async def ask_month(turn: Turn[MeetingDraft]) -> None:
    rows = choices.month_rows(today(turn.context), any_time=False)
    await turn.say(texts.meeting_month(), turn.keyboard(rows))


async def on_month(turn: Turn[MeetingDraft], value: str) -> str:
    if choices.month_range(value) is None:
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    turn.draft.month = value
    await turn.replace_pressed(texts.month_chosen(value))
    return "virtual"


async def ask_virtual(turn: Turn[MeetingDraft]) -> None:
    rows = [[(texts.virtual(), choices.YES), (texts.hosted(), choices.NO)]]
    await turn.say(texts.meeting_virtual(), turn.keyboard(rows))


def meeting_request(draft: MeetingDraft, value: str) -> meetings.MeetingRequest | None:
    """The meeting the draft describes, once virtual or hosted is pressed (None: not valid)."""
    month = choices.month_range(draft.month)
    if value not in (choices.YES, choices.NO) or month is None:
        return None
    time = draft.time if draft.time in ("morning", "afternoon") else ""
    return meetings.MeetingRequest(
        draft.title,
        tuple(draft.participants),
        month,
        virtual=value == choices.YES,
        time_of_day=time,
    )


async def on_virtual(turn: Turn[MeetingDraft], value: str) -> str:
    """4/5 answered: on to the time of day."""
    request = meeting_request(turn.draft, value)
    if request is None:
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    turn.draft.virtual = value
    await turn.replace_pressed(texts.virtual_chosen(request.virtual))
    return "time"


TIMES = ("morning", "afternoon", "day")


async def ask_time(turn: Turn[MeetingDraft]) -> None:
    rows = [
        [(texts.morning(), "morning"), (texts.afternoon(), "afternoon")],
        [(texts.all_day(), "day")],
    ]
    await turn.say(texts.meeting_time(), turn.keyboard(rows))


async def on_time(turn: Turn[MeetingDraft], value: str) -> str:
    """5/5 answered: find the best dates off the event loop, and open the poll."""
    turn.draft.time = value
    request, context = meeting_request(turn.draft, turn.draft.virtual), turn.context
    if request is None or value not in TIMES:
        await answer_press(turn.update, texts.unknown_choice())
        return STAY
    await turn.replace_pressed(meeting_texts.time_of_day(request.time_of_day))
    identity = await require_identity(turn.update, context)
    start = await run(context, lambda w: meetings.start_poll(w, identity, request))
    options = await context.services.plan(lambda: meetings.find_dates(start))
    outcome = await run(context, lambda w: meetings.open_poll(w, identity, start, options))
    await show(turn.update, context, outcome)
    return END


MEETING_WIZARD: Wizard[MeetingDraft] = Wizard(
    name="meeting",
    draft_type=MeetingDraft,
    first="title",
    steps={
        "title": Step(ask_title, on_text=on_title),
        "units": Step(ask_units, on_button=on_units),
        "month": Step(ask_month, on_button=on_month),
        "virtual": Step(ask_virtual, on_button=on_virtual),
        "time": Step(ask_time, on_button=on_time),
    },
)


@guarded
async def meeting_command(update: Update, context: AtlasContext) -> None:
    """/meeting: title, participants, month, virtual or hosted, time of day → the three best
    dates → vote."""
    require_coordinator(await require_identity(update, context))
    await MEETING_WIZARD.start(update, context, MeetingDraft())
