"""Answers of a requested state's authority: accept, decline or counter-propose (R5-R9),
and the requester's answer to a counter-proposal.

Accepting, counter-proposing and declining gather the answer step by step in the answer
wizard (atlasbot/bot/wizard.py): an :class:`AnswerDraft` and the table :data:`STEPS`,
entered at the forms (accept), the proposal (counter) or the reason (decline). Only the final
confirmation, a single-use token button, changes anything, and the use case checks the
member's authority and the request's state again at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from atlasbot import chat_input
from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import answer_user, guarded, markup, require_identity
from atlasbot.bot.wizard import END, STAY, Draft, Step, Turn, Wizard, close, open_draft
from atlasbot.domain import AssistanceForm
from atlasbot.i18n import _
from atlasbot.services import assistance
from atlasbot.services.assistance import (
    COSTS_OTHERWISE_AGREED,
    COSTS_REQUESTER_PAYS,
    Agreement,
    answering,
    deadlines,
)
from atlasbot.services.errors import InvalidInput
from atlasbot.texts import wizards as texts
from atlasbot.texts.crisis import DURATIONS, FORMS

HEADCOUNT_CHOICES = (2, 4, 6, 8, 12, 16, 24, 32)
ACCEPT, COUNTER, DECLINE = "accept", "counter", "decline"

NOTE = "note"
FORMS_STEP = "forms"
ARMS = "arms"
HEADCOUNT = "head"
DURATION = "duration"
COSTS = "costs"
COST_NOTE = "cost_note"
CONTACT = "contact"
CONFIRM = "confirm"
REASON = "reason"
REASON_TYPED = "reason_typed"
CONFIRM_DECLINE = "confirm_decline"


@dataclass
class AnswerDraft(Draft):
    """An answer to one request, as its author has given it so far."""

    mode: str = ACCEPT
    request: int = 0
    crisis: int = 0
    asked_forms: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    armed_allowed: bool = False
    units: list[str] = field(default_factory=list)
    asked_lines: list[str] = field(default_factory=list)
    arms: bool = False
    headcount: int = 0
    duration: str = assistance.DURATION_UNTIL_RELEASED
    costs: str = COSTS_REQUESTER_PAYS
    cost_note: str = ""
    contact: str = ""
    note: str = ""
    reason: str = ""
    # The request's deadline this answer holds (ISO 8601 UTC) and the one it replaced: given
    # back when the answer is dropped unfinished.
    held_until: str = ""
    held_from: str = ""

    def agreement(self) -> Agreement:
        """What the author agrees to (or proposes)."""
        return Agreement(
            forms=tuple(self.forms),
            arms=self.arms,
            headcount=self.headcount,
            costs=self.costs,
            cost_note=self.cost_note,
            contact=self.contact,
            note=self.note,
            duration=self.duration,
        )


Answer = Turn[AnswerDraft]


def _draft(mode: str, opened: deadlines.OpenedAnswer) -> AnswerDraft:
    start, held = opened.start, opened.held
    return AnswerDraft(
        mode=mode,
        request=start.request_id,
        crisis=start.crisis_id,
        asked_forms=list(start.asked_forms),
        forms=list(start.forms),
        armed_allowed=start.armed_allowed,
        units=list(start.units),
        asked_lines=list(start.asked_lines),
        # Only a hold that moved the deadline has one to give back.
        held_until=held.deadline.isoformat() if held.previous and held.deadline else "",
        held_from=held.previous.isoformat() if held.previous else "",
    )


async def _open(update: Update, context: AtlasContext, mode: str, step: str) -> None:
    """Redeem the pressed Accept/Counter/Decline token and open the wizard at ``step``;
    Accept and Counter acknowledge the request and hold its deadline (R5, issue 11)."""
    press = notices.press_input(update, context)
    settings = context.services.settings
    hold_s = settings.answer_hold_s if mode != DECLINE else 0.0
    opened = await context.services.run(
        partial(deadlines.open_answer, press=press, hold_s=hold_s, tz=settings.tz)
    )
    if update.callback_query is not None:
        await update.callback_query.answer()
    draft = _draft(mode, opened)
    if opened.held.alert_id is not None:
        await notices.after_held(context, opened.held.alert_id, opened.start.crisis_id)
        await answer_user(update, opened.notice)
    _take_over_hold(open_draft(context), draft)
    await ANSWER_WIZARD.start(update, context, draft, step=step)


def _take_over_hold(before: object, draft: AnswerDraft) -> None:
    """The same request's answer opened again: the new draft holds the deadline from now on
    (with the deadline from before the first hold), so dropping the old one gives nothing back."""
    if not isinstance(before, AnswerDraft) or before.request != draft.request:
        return
    if before.held_until:
        draft.held_from = before.held_from
        draft.held_until = draft.held_until or before.held_until
    before.held_until = ""


async def _give_back_hold(update: Update, context: AtlasContext, draft: AnswerDraft) -> None:
    """An answer dropped unfinished gives its hold on the deadline back."""
    user = update.effective_user  # the member who dropped it: the hold was theirs
    if not draft.held_until or user is None:
        return
    services = context.services
    work = partial(
        deadlines.release_held_by,
        telegram_user_id=user.id,
        request_id=draft.request,
        held_until=datetime.fromisoformat(draft.held_until),
        previous=datetime.fromisoformat(draft.held_from),
        now=services.clock.now(),
    )
    released = await services.run(work)
    if released.alert_id is not None and released.deadline is not None:
        await notices.after_released(context, released.alert_id, draft.crisis)


@guarded
async def begin_accept(update: Update, context: AtlasContext) -> None:
    """Accept…: the agreement, step by step."""
    await _open(update, context, ACCEPT, FORMS_STEP)


@guarded
async def begin_counter(update: Update, context: AtlasContext) -> None:
    """Counter-propose…: the proposal first, then its terms."""
    await _open(update, context, COUNTER, NOTE)


@guarded
async def begin_decline(update: Update, context: AtlasContext) -> None:
    """Decline…: the reason."""
    await _open(update, context, DECLINE, REASON)


# --- the proposal and the forms ---------------------------------------------------------------


async def ask_note(turn: Answer) -> None:
    """What a counter-proposal offers instead (R5)."""
    await turn.say(texts.ask_counter_proposal(turn.draft.request))


async def typed_note(turn: Answer, typed: str) -> str:
    """The proposal, at least a few words."""
    text = typed.strip()
    if len(text) < 5:
        await turn.say(_(texts.DESCRIBE_THE_PROPOSAL))
        return STAY
    turn.draft.note = text[:500]
    return FORMS_STEP


def _form_rows(draft: AnswerDraft) -> list[list[tuple[str, str]]]:
    rows = [
        [(texts.toggle_label(_(label), code in draft.forms), code)]
        for code, label in FORMS.items()
        if draft.mode == COUNTER or code in draft.asked_forms
    ]
    rows.append([(_(texts.NEXT_STEP), "done")])
    return rows


async def ask_forms(turn: Answer) -> None:
    """The forms agreed (only those asked) or proposed (any) (R6)."""
    accepting = turn.draft.mode == ACCEPT
    await turn.say(texts.ask_answer_forms(accepting), turn.keyboard(_form_rows(turn.draft)))


async def toggle_form(turn: Answer, value: str) -> str:
    """A tap ticks or unticks a form the state may give (armed-action rule)."""
    draft = turn.draft
    if value == "done":
        return await _forms_done(turn)
    if value not in FORMS:
        await turn.alert(_(texts.UNKNOWN_ANSWER_FORM))
        return STAY
    if value == AssistanceForm.ACTION.value and not draft.armed_allowed:
        await turn.alert(_(texts.NO_ACTION_ABROAD))
        return STAY
    if value in draft.forms:
        draft.forms.remove(value)
    else:
        draft.forms.append(value)
    await turn.refresh_keyboard(turn.keyboard(_form_rows(draft)))
    return STAY


async def _forms_done(turn: Answer) -> str:
    if not turn.draft.forms:
        await turn.alert(_(texts.CHOOSE_AN_ANSWER_FORM))
        return STAY
    await turn.replace_pressed(texts.forms_chosen(turn.draft.forms))
    if AssistanceForm.ACTION.value in turn.draft.forms:
        return ARMS
    turn.draft.arms = False
    return HEADCOUNT


async def ask_arms(turn: Answer) -> None:
    """Arms are a question only for an action abroad."""
    buttons = [[(_(texts.YES_ARMED), "yes"), (_(texts.NO), "no")]]
    await turn.say(_(texts.ASK_ARMS), turn.keyboard(buttons))


async def choose_arms(turn: Answer, value: str) -> str:
    """Armed or not."""
    turn.draft.arms = value == "yes"
    await turn.replace_pressed(texts.arms_answered(turn.draft.arms))
    return HEADCOUNT


# --- headcount, duration, costs, contact ------------------------------------------------------


async def ask_headcount(turn: Answer) -> None:
    """A number tapped or typed."""
    choices = [(str(n), str(n)) for n in HEADCOUNT_CHOICES]
    await turn.say(_(texts.ASK_HEADCOUNT), turn.keyboard([choices[:4], choices[4:]]))


def _headcount(value: str) -> int | None:
    """A headcount tapped or typed, read by the one parser of typed input (None: not one)."""
    try:
        return chat_input.whole_number(
            value, low=1, high=assistance.MAX_HEADCOUNT, what=texts.headcount_word()
        )
    except InvalidInput:
        return None


async def tap_headcount(turn: Answer, value: str) -> str:
    """A headcount button."""
    count = _headcount(value)
    if count is None:
        await turn.alert(_(texts.CHOOSE_A_NUMBER))
        return STAY
    turn.draft.headcount = count
    await turn.replace_pressed(texts.headcount_chosen(count))
    return DURATION


async def type_headcount(turn: Answer, typed: str) -> str:
    """A typed headcount."""
    count = _headcount(typed)
    if count is None:
        await turn.say(texts.type_a_headcount(assistance.MAX_HEADCOUNT))
        return STAY
    turn.draft.headcount = count
    return DURATION


async def ask_duration(turn: Answer) -> None:
    """How long (R8)."""
    rows = [[(texts.duration_label(code), code)] for code in DURATIONS]
    await turn.say(_(texts.ASK_DURATION), turn.keyboard(rows))


async def choose_duration(turn: Answer, value: str) -> str:
    """One of the durations."""
    if value not in DURATIONS:
        await turn.alert(_(texts.CHOOSE_A_DURATION))
        return STAY
    turn.draft.duration = value
    await turn.replace_pressed(texts.duration_chosen(value))
    return COSTS


async def ask_costs(turn: Answer) -> None:
    """Who pays (R9)."""
    rows = [[(_(texts.REQUESTER_PAYS), "default")], [(_(texts.OTHERWISE_AGREED), "other")]]
    await turn.say(texts.ask_costs(), turn.keyboard(rows))


async def choose_costs(turn: Answer, value: str) -> str:
    """The default, or another arrangement described next."""
    default = value == "default"
    turn.draft.costs = COSTS_REQUESTER_PAYS if default else COSTS_OTHERWISE_AGREED
    await turn.replace_pressed(texts.costs_chosen(default))
    return CONTACT if default else COST_NOTE


async def ask_cost_note(turn: Answer) -> None:
    """What was agreed instead (R9)."""
    await turn.say(_(texts.ASK_COST_NOTE))


async def typed_cost_note(turn: Answer, typed: str) -> str:
    """The cost arrangement, in a few words."""
    text = typed.strip()
    if len(text) < 3:
        await turn.say(_(texts.SAY_THE_COST_NOTE))
        return STAY
    turn.draft.cost_note = text[:300]
    return CONTACT


async def ask_contact(turn: Answer) -> None:
    """Who to call for the practical details (R8)."""
    buttons = [[(_(texts.USE_MY_NAME), "me")]]
    await turn.say(_(texts.ASK_CONTACT), turn.keyboard(buttons))


async def contact_me(turn: Answer, value: str) -> str:
    """The member is the contact."""
    identity = await require_identity(turn.update, turn.context)
    turn.draft.contact = texts.member_name(identity.display_name, identity.member_id)
    await turn.replace_pressed(texts.contact_chosen(turn.draft.contact))
    return CONFIRM


async def typed_contact(turn: Answer, typed: str) -> str:
    """A contact typed."""
    text = typed.strip()
    if len(text) < 2:
        await turn.say(_(texts.TYPE_A_CONTACT))
        return STAY
    turn.draft.contact = text[:200]
    return CONFIRM


# --- confirmation -------------------------------------------------------------------------------


async def _confirmation(
    turn: Answer, decision: str, values: dict[str, object]
) -> list[list[InlineKeyboardButton]]:
    """The rows of the single-use token button that records the answer."""
    identity = await require_identity(turn.update, turn.context)
    keyboard = await turn.context.services.run(
        partial(
            answering.confirmation_keyboard,
            member_id=identity.member_id,
            request_id=turn.draft.request,
            decision=decision,
            values=values,
            now=turn.context.services.clock.now(),
        )
    )
    buttons = markup(keyboard)
    assert buttons is not None
    return [list(row) for row in buttons.inline_keyboard]


async def ask_confirmation(turn: Answer) -> None:
    """The answer in full, with its single-use Confirm and a Discard."""
    draft = turn.draft
    accepting = draft.mode == ACCEPT
    payload = draft.agreement().as_payload()
    decision = "answer.confirm_accept" if accepting else "answer.confirm_counter"
    rows = await _confirmation(turn, decision, {"agreement": payload})
    rows.append([turn.button(_(texts.DISCARD), "discard")])
    summary = texts.answer_summary(
        accepting=accepting,
        request_id=draft.request,
        units=draft.units,
        asked_lines=draft.asked_lines,
        note=draft.note,
        agreement=payload,
    )
    await turn.say(summary, InlineKeyboardMarkup(rows))


async def discard(turn: Answer, value: str) -> str:
    """Discard: nothing is recorded, the request stays open."""
    await turn.replace_pressed(_(texts.ANSWER_DISCARDED))
    return END


# --- declining ----------------------------------------------------------------------------------


async def ask_reason(turn: Answer) -> None:
    """Why the request is declined (R5)."""
    rows = [[(_(label), key)] for key, label in texts.DECLINE_REASONS.items()]
    rows.append([(_(texts.OTHER_REASON), "other")])
    await turn.say(texts.ask_decline_reason(turn.draft.request), turn.keyboard(rows))


async def choose_reason(turn: Answer, key: str) -> str:
    """One of the usual reasons, or one typed next."""
    if key == "other":
        await turn.replace_pressed(_(texts.TYPE_THE_REASON))
        return REASON_TYPED
    if key not in texts.DECLINE_REASONS:
        await turn.replace_pressed(_(texts.UNKNOWN_REASON))
        return END
    turn.draft.reason = _(texts.DECLINE_REASONS[key])
    await turn.replace_pressed(texts.reason_chosen(turn.draft.reason))
    return CONFIRM_DECLINE


async def typed_reason(turn: Answer, typed: str) -> str:
    """A reason typed, at least a word."""
    text = typed.strip()
    if len(text) < 3:
        await turn.say(_(texts.GIVE_A_REASON))
        return STAY
    turn.draft.reason = text[:300]
    return CONFIRM_DECLINE


async def ask_decline_confirmation(turn: Answer) -> None:
    """The refusal with its single-use Confirm."""
    rows = await _confirmation(turn, "answer.confirm_decline", {"reason": turn.draft.reason})
    text = texts.confirm_decline(turn.draft.request, turn.draft.reason)
    await turn.say(text, InlineKeyboardMarkup(rows))


STEPS: dict[str, Step[AnswerDraft]] = {
    NOTE: Step(ask_note, on_text=typed_note),
    FORMS_STEP: Step(ask_forms, on_button=toggle_form),
    ARMS: Step(ask_arms, on_button=choose_arms),
    HEADCOUNT: Step(ask_headcount, on_button=tap_headcount, on_text=type_headcount),
    DURATION: Step(ask_duration, on_button=choose_duration),
    COSTS: Step(ask_costs, on_button=choose_costs),
    COST_NOTE: Step(ask_cost_note, on_text=typed_cost_note),
    CONTACT: Step(ask_contact, on_button=contact_me, on_text=typed_contact),
    CONFIRM: Step(ask_confirmation, on_button=discard),
    REASON: Step(ask_reason, on_button=choose_reason),
    REASON_TYPED: Step(on_text=typed_reason),
    CONFIRM_DECLINE: Step(ask_decline_confirmation),
}

# No timeout: the confirmation is a token button with its own lifetime, and the request's
# answer deadline is kept by the escalation, not by the draft.
ANSWER_WIZARD = Wizard(
    name="answer",
    draft_type=AnswerDraft,
    first=FORMS_STEP,
    steps=STEPS,
    timeout=None,
    closed=texts.ANSWER_CLOSED,
    on_abandon=_give_back_hold,
)


def _close_answer(context: AtlasContext) -> None:
    """The answer was recorded: its draft is closed (another wizard opened since stays)."""
    if isinstance(open_draft(context), AnswerDraft):
        close(context)


async def _confirm(
    update: Update, context: AtlasContext, use_case: Callable[..., Any], **values: Any
) -> None:
    """One confirmed answer: the use case decides, the draft closes, the outcome is shown."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(partial(use_case, press=press, **values))
    _close_answer(context)
    await notices.show(update, context, outcome, edit=True)


@guarded
async def confirm_accept(update: Update, context: AtlasContext) -> None:
    """The acceptance confirmed: units ordered, requester told."""
    timings = context.services.settings.escalation_timings()
    await _confirm(update, context, answering.confirm_accept, timings=timings)


@guarded
async def confirm_counter(update: Update, context: AtlasContext) -> None:
    """The counter-proposal confirmed: the requester is alerted."""
    timings = context.services.settings.escalation_timings()
    await _confirm(update, context, answering.confirm_counter, timings=timings)


@guarded
async def confirm_decline(update: Update, context: AtlasContext) -> None:
    """The refusal confirmed: requester told and offered the next best plan."""
    await _confirm(update, context, answering.confirm_decline)


@guarded
async def answer_counter(update: Update, context: AtlasContext) -> None:
    """The requester accepts or rejects a counter-proposal."""
    press = notices.press_input(update, context)
    timings = context.services.settings.escalation_timings()
    outcome = await context.services.run(
        partial(answering.answer_counter, press=press, timings=timings)
    )
    await notices.show(update, context, outcome, edit=True)
