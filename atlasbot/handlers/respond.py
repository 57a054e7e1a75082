"""Answers of a requested state's authority: accept, decline or counter-propose (R5-R9),
and the requester's answer to a counter-proposal.

Accepting and counter-proposing gather the agreement step by step. The draft answer lives in
the member's chat data; only the final confirmation, a single-use button, changes anything,
and the service checks the member's authority and the request's state again at that moment.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from atlasbot import rules
from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, markup, require_identity
from atlasbot.bot.texts import general as texts
from atlasbot.domain import AssistanceForm
from atlasbot.services import assistance
from atlasbot.services.assistance import (
    COSTS_OTHERWISE_AGREED,
    COSTS_REQUESTER_PAYS,
    Agreement,
    answering,
)
from atlasbot.services.errors import Conflict

HEADCOUNT_CHOICES = (2, 4, 6, 8, 12, 16, 24, 32)
DECLINE_REASONS = {
    "capacity": "No capacity available now",
    "home": "Units needed at home",
    "policy": "National policy does not allow this assistance",
}
ANSWER_KEY = "answer"


def _buttons(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _draft(context: AtlasContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft = context.user_data.get(ANSWER_KEY)
    if not isinstance(draft, dict):
        raise Conflict(
            "There is no answer in progress. Press Accept, Decline or Counter-propose on the "
            "request again."
        )
    return draft


async def _say(update: Update, text: str, markup: Any = None) -> None:
    """Send the next step (a pressed button was already answered by the caller)."""
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=markup)


async def _ack(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


async def _start_draft(update: Update, context: AtlasContext, mode: str) -> dict[str, Any]:
    press = notices.press_input(update, context)
    start = await context.services.run(partial(answering.start_answer, press=press))
    return {
        # Stamped on the wizard's buttons: a button of an earlier wizard cannot act on this one.
        "round": secrets.token_hex(3),
        "mode": mode,
        "request": start.request_id,
        "crisis": start.crisis_id,
        "asked_forms": list(start.asked_forms),
        "forms": list(start.forms),
        "armed_allowed": start.armed_allowed,
        "arms": False,
        "headcount": None,
        "duration": assistance.DURATION_UNTIL_RELEASED,
        "costs": COSTS_REQUESTER_PAYS,
        "cost_note": "",
        "contact": "",
        "note": "",
        "awaiting": None,
        "units": list(start.units),
    }


@guarded
async def begin_accept(update: Update, context: AtlasContext) -> None:
    draft = await _start_draft(update, context, "accept")
    assert context.user_data is not None
    context.user_data[ANSWER_KEY] = draft
    await _ack(update)
    await _ask_forms(update, draft)


@guarded
async def begin_counter(update: Update, context: AtlasContext) -> None:
    draft = await _start_draft(update, context, "counter")
    assert context.user_data is not None
    draft["awaiting"] = "note"
    context.user_data[ANSWER_KEY] = draft
    await _ack(update)
    await _say(
        update,
        f"Counter-proposal on request #{draft['request']} ({rules.cite('R5')}). "
        "What do you propose instead? Type it (e.g. 'expertise only: 2 negotiators, from 18:00').",
    )


def _forms_keyboard(draft: dict[str, Any]) -> InlineKeyboardMarkup:
    rows = [
        [(("☑ " if code in draft["forms"] else "☐ ") + label, f"ans:{draft['round']}:form:{code}")]
        for code, label in texts.FORMS.items()
        if draft["mode"] == "counter" or code in draft["asked_forms"]
    ]
    rows.append([("Next ➡", f"ans:{draft['round']}:form:done")])
    return _buttons(rows)


async def _ask_forms(update: Update, draft: dict[str, Any]) -> None:
    verb = "agreed" if draft["mode"] == "accept" else "proposed"
    await _say(update, f"Forms of assistance {verb} ({rules.cite('R6')}):", _forms_keyboard(draft))


@guarded
async def step(update: Update, context: AtlasContext) -> None:
    """One tap in the answer wizard: ans:<round>:<step>:<value>."""
    query = update.callback_query
    assert query is not None
    _, listing, name, value = ((query.data or "") + ":::").split(":", 3)
    value = value.rstrip(":")
    draft = _draft(context)
    if listing != draft.get("round"):
        # A button of an earlier answer wizard: it must not act on this one.
        await query.answer(texts.WIZARD_REPLACED, show_alert=True)
        return
    if name == "form":
        if value == "done":
            if not draft["forms"]:
                await query.answer("Choose at least one form.", show_alert=True)
                return
            await query.answer()
            await query.edit_message_text(
                "Forms: " + ", ".join(texts.FORMS[f] for f in draft["forms"])
            )
            await _after_forms(update, draft)
            return
        if value not in texts.FORMS:
            await query.answer("Unknown form.", show_alert=True)
            return
        if value == AssistanceForm.ACTION.value and not draft["armed_allowed"]:
            await query.answer("Your state does not allow actions abroad.", show_alert=True)
            return
        draft["forms"] = (
            [f for f in draft["forms"] if f != value]
            if value in draft["forms"]
            else [*draft["forms"], value]
        )
        await query.answer()
        await query.edit_message_reply_markup(_forms_keyboard(draft))
    elif name == "arms":
        draft["arms"] = value == "yes"
        await query.answer()
        await query.edit_message_text(f"Arms carried: {'yes' if draft['arms'] else 'no'}")
        await _ask_headcount(update, draft)
    elif name == "head":
        if not value.isdigit() or not 1 <= int(value) <= assistance.MAX_HEADCOUNT:
            await query.answer("Choose a number.", show_alert=True)
            return
        draft["headcount"] = int(value)
        await query.answer()
        await query.edit_message_text(f"Headcount: {value}")
        await _ask_duration(update, draft)
    elif name == "duration":
        if value not in assistance.DURATIONS:
            await query.answer("Choose one of the durations.", show_alert=True)
            return
        draft["duration"] = value
        await query.answer()
        await query.edit_message_text(f"Duration: {assistance.DURATIONS[value]}")
        await _ask_costs(update, draft)
    elif name == "costs":
        await query.answer()
        if value == "default":
            draft["costs"] = COSTS_REQUESTER_PAYS
            await query.edit_message_text("Costs: the requesting state pays")
            await _ask_contact(update, context, draft)
        else:
            draft["costs"] = COSTS_OTHERWISE_AGREED
            draft["awaiting"] = "cost_note"
            await query.edit_message_text("Costs: otherwise agreed")
            await _say(update, "Type what was agreed about the costs (R9).")
    elif name == "contact":
        identity = await require_identity(update, context)
        draft["contact"] = identity.display_name or f"member #{identity.member_id}"
        await query.answer()
        await query.edit_message_text(f"Contact: {draft['contact']}")
        await _ask_confirm(update, context, draft)
    elif name == "cancel":
        assert context.user_data is not None
        context.user_data.pop(ANSWER_KEY, None)
        await query.answer()
        await query.edit_message_text("Answer discarded; the request is still open.")
    else:
        await query.answer("This button is not valid any more.", show_alert=True)


async def _after_forms(update: Update, draft: dict[str, Any]) -> None:
    if AssistanceForm.ACTION.value in draft["forms"]:
        await _say(
            update,
            "Will your officers carry arms on the requesting state's territory?",
            _buttons(
                [
                    [
                        ("Yes, armed", f"ans:{draft['round']}:arms:yes"),
                        ("No", f"ans:{draft['round']}:arms:no"),
                    ]
                ]
            ),
        )
    else:
        draft["arms"] = False
        await _ask_headcount(update, draft)


async def _ask_headcount(update: Update, draft: dict[str, Any]) -> None:
    draft["awaiting"] = "headcount"
    choices = [(str(n), f"ans:{draft['round']}:head:{n}") for n in HEADCOUNT_CHOICES]
    await _say(
        update, "How many officers? Tap or type a number.", _buttons([choices[:4], choices[4:]])
    )


async def _ask_duration(update: Update, draft: dict[str, Any]) -> None:
    draft["awaiting"] = None
    choices = [
        [(label[:1].upper() + label[1:], f"ans:{draft['round']}:duration:{code}")]
        for code, label in assistance.DURATIONS.items()
    ]
    await _say(update, "For how long (R8)?", _buttons(choices))


async def _ask_costs(update: Update, draft: dict[str, Any]) -> None:
    draft["awaiting"] = None
    await _say(
        update,
        f"Costs ({rules.cite('R9')}): by default the requesting state bears the operational "
        "costs, transport and accommodation included.",
        _buttons(
            [
                [("Requesting state pays (default)", f"ans:{draft['round']}:costs:default")],
                [("Otherwise agreed…", f"ans:{draft['round']}:costs:other")],
            ]
        ),
    )


async def _ask_contact(update: Update, context: AtlasContext, draft: dict[str, Any]) -> None:
    draft["awaiting"] = "contact"
    await _say(
        update,
        "Contact for the practical details (R8): type a name and secure channel reference, or "
        "use yours.",
        _buttons([[("Use my name", f"ans:{draft['round']}:contact:me")]]),
    )


async def _ask_confirm(update: Update, context: AtlasContext, draft: dict[str, Any]) -> None:
    draft["awaiting"] = None
    identity = await require_identity(update, context)
    agreement = _agreement(draft)
    title = "ACCEPT" if draft["mode"] == "accept" else "COUNTER-PROPOSE"
    lines = [f"{title} request #{draft['request']} (units {', '.join(draft['units'])})"]
    if draft["note"]:
        lines.append(f"Proposal: {draft['note']}")
    lines += texts.agreement_lines(agreement.as_payload())
    lines += [
        texts.liability_note(),
        "",
        "Confirm? This is recorded and sent to the requesting state.",
    ]
    decision = "answer.confirm_accept" if draft["mode"] == "accept" else "answer.confirm_counter"
    keyboard = await context.services.run(
        partial(
            answering.confirmation_keyboard,
            member_id=identity.member_id,
            request_id=draft["request"],
            decision=decision,
            values={"agreement": agreement.as_payload()},
            now=context.services.clock.now(),
        )
    )
    buttons = markup(keyboard)
    assert buttons is not None
    rows = [
        *buttons.inline_keyboard,
        (InlineKeyboardButton("✖ Discard", callback_data=f"ans:{draft['round']}:cancel:x"),),
    ]
    await _say(update, "\n".join(lines), InlineKeyboardMarkup(rows))


def _agreement(draft: dict[str, Any]) -> Agreement:
    return Agreement(
        forms=tuple(draft["forms"]),
        arms=bool(draft["arms"]),
        headcount=int(draft["headcount"] or 0),
        costs=draft["costs"],
        cost_note=draft["cost_note"],
        contact=draft["contact"],
        note=draft["note"],
        duration=draft.get("duration", assistance.DURATION_UNTIL_RELEASED),
    )


async def typed(update: Update, context: AtlasContext) -> bool:
    """Text typed while the answer wizard waits for one; False when it is not waiting."""
    if context.user_data is None or not isinstance(context.user_data.get(ANSWER_KEY), dict):
        return False
    draft = context.user_data[ANSWER_KEY]
    awaiting = draft.get("awaiting")
    message = update.effective_message
    if awaiting is None or message is None:
        return False
    text = (message.text or "").strip()
    if awaiting == "headcount":
        if not text.isdigit() or not 1 <= int(text) <= assistance.MAX_HEADCOUNT:
            await message.reply_text(
                f"Headcount: type a whole number from 1 to {assistance.MAX_HEADCOUNT}."
            )
            return True
        draft["headcount"] = int(text)
        await _ask_duration(update, draft)
    elif awaiting == "cost_note":
        if len(text) < 3:
            await message.reply_text("Please say what was agreed about the costs.")
            return True
        draft["cost_note"] = text[:300]
        await _ask_contact(update, context, draft)
    elif awaiting == "contact":
        if len(text) < 2:
            await message.reply_text("Please type a contact (name and secure channel reference).")
            return True
        draft["contact"] = text[:200]
        await _ask_confirm(update, context, draft)
    elif awaiting == "note":
        if len(text) < 5:
            await message.reply_text(
                "Please describe what you propose instead (at least 5 characters)."
            )
            return True
        draft["note"] = text[:500]
        draft["awaiting"] = None
        await _ask_forms(update, draft)
    elif awaiting == "decline_reason":
        if len(text) < 3:
            await message.reply_text("Please give a reason (at least 3 characters).")
            return True
        draft["reason"] = text[:300]
        draft["awaiting"] = None
        await _confirm_decline(update, context, draft)
    return True


@guarded
async def confirm_accept(update: Update, context: AtlasContext) -> None:
    """The acceptance confirmed: units ordered, requester told."""
    press = notices.press_input(update, context)
    timings = context.services.settings.escalation_timings()
    outcome = await context.services.run(
        partial(answering.confirm_accept, press=press, timings=timings)
    )
    _close_answer(context)
    await notices.show(update, context, outcome, edit=True)


@guarded
async def confirm_counter(update: Update, context: AtlasContext) -> None:
    """The counter-proposal confirmed: the requester is alerted."""
    press = notices.press_input(update, context)
    timings = context.services.settings.escalation_timings()
    outcome = await context.services.run(
        partial(answering.confirm_counter, press=press, timings=timings)
    )
    _close_answer(context)
    await notices.show(update, context, outcome, edit=True)


def _close_answer(context: AtlasContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(ANSWER_KEY, None)


@guarded
async def begin_decline(update: Update, context: AtlasContext) -> None:
    draft = await _start_draft(update, context, "decline")
    assert context.user_data is not None
    context.user_data[ANSWER_KEY] = draft
    rows = [[(label, f"dec:{draft['round']}:{key}")] for key, label in DECLINE_REASONS.items()]
    rows.append([("Other reason (type it)…", f"dec:{draft['round']}:other")])
    await _ack(update)
    await _say(update, f"Decline request #{draft['request']}: why?", _buttons(rows))


@guarded
async def decline_reason(update: Update, context: AtlasContext) -> None:
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    listing, _, key = (query.data or "").removeprefix("dec:").partition(":")
    if listing != draft.get("round"):
        await query.answer(texts.WIZARD_REPLACED, show_alert=True)
        return
    await query.answer()
    if key == "other":
        draft["awaiting"] = "decline_reason"
        await query.edit_message_text("Type the reason for declining.")
        return
    if key not in DECLINE_REASONS:
        await query.edit_message_text("Unknown reason; press Decline on the request again.")
        return
    draft["reason"] = DECLINE_REASONS[key]
    await query.edit_message_text(f"Reason: {draft['reason']}")
    await _confirm_decline(update, context, draft)


async def _confirm_decline(update: Update, context: AtlasContext, draft: dict[str, Any]) -> None:
    identity = await require_identity(update, context)

    keyboard = await context.services.run(
        partial(
            answering.confirmation_keyboard,
            member_id=identity.member_id,
            request_id=draft["request"],
            decision="answer.confirm_decline",
            values={"reason": draft["reason"]},
            now=context.services.clock.now(),
        )
    )
    buttons = markup(keyboard)
    await _say(
        update,
        f"Decline request #{draft['request']} — reason: {draft['reason']}. Confirm?",
        buttons,
    )


@guarded
async def confirm_decline(update: Update, context: AtlasContext) -> None:
    """The refusal confirmed: requester told and offered the next best plan."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(partial(answering.confirm_decline, press=press))
    _close_answer(context)
    await notices.show(update, context, outcome, edit=True)


@guarded
async def answer_counter(update: Update, context: AtlasContext) -> None:
    """The requester accepts or rejects a counter-proposal."""
    press = notices.press_input(update, context)
    timings = context.services.settings.escalation_timings()
    outcome = await context.services.run(
        partial(answering.answer_counter, press=press, timings=timings)
    )
    await notices.show(update, context, outcome, edit=True)
