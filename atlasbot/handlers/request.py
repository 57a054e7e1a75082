"""/request: a competent authority describes the crisis and what it needs (R1, R3, R4, R6).

Nothing is recorded as a request until the requester submits the summary; until then the
draft and the conversation's step are chat state, kept in the database by
atlasbot/persistence.py so that a restart resumes the same step. Buttons inside the
conversation carry only values (a crisis type, a capability code), never an id of a stored
object, and every value is checked again on submission.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict
from functools import partial
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from atlasbot import rules
from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.texts import general as texts
from atlasbot.services.assistance import RequestDraft, raising, requesting
from atlasbot.services.assistance.outcome import PlanTarget
from atlasbot.services.errors import Conflict, NotAuthorised

(
    TYPE,
    THREAT,
    LOCATION,
    CAPABILITIES,
    FORMS,
    NATURE,
    NECESSITY,
    COMMANDER,
    PARTNERS,
    PRIORITY,
    CONFIRM,
) = range(11)

CONVERSATION_TIMEOUT_S = 30 * 60
MAX_TEAMS_ON_BUTTON = 3
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


# Set when Submit was pressed, so a second press of it records nothing.
SUBMITTED = "submitted"


def _draft(context: AtlasContext) -> RequestDraft:
    draft = context.user_data.get("draft") if context.user_data is not None else None
    if not isinstance(draft, RequestDraft):
        # A stored draft this version could not read was dropped at start-up; the step was
        # kept. The error handler shows this line; /request or /cancel gets the member out.
        raise Conflict(texts.DRAFT_GONE)
    return draft


def _buttons(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _type_keyboard() -> InlineKeyboardMarkup:
    rows = [[(label, f"rq:type:{code}")] for code, label in texts.CRISIS_TYPES.items()]
    rows += [
        [(f"{label} (out of scope)", f"rq:type:{code}")]
        for code, label in texts.OUT_OF_SCOPE_TYPES.items()
    ]
    return _buttons(rows)


@guarded
async def begin(update: Update, context: AtlasContext) -> int:
    """Only a competent authority may request, and only for its own state (R1)."""
    identity = await require_identity(update, context)
    countries = identity.authority_countries()
    if not countries:
        raise NotAuthorised(
            "Only a state's competent authority can request assistance "
            f"({rules.cite('R1')}). Your roles: "
            + ", ".join(g.describe() for g in identity.grants)
        )
    chosen = (context.args or [""])[0].upper()
    if len(countries) > 1 and chosen not in countries:
        # A member who answers for several states says for which one: never guessed.
        options = " or ".join(f"/request {code}" for code in countries)
        await _say(
            update,
            f"You are the competent authority of {', '.join(countries)}. For which state do "
            f"you request assistance? Send {options}.",
        )
        return ConversationHandler.END
    country = chosen if chosen in countries else countries[0]
    assert context.user_data is not None
    context.user_data.pop(SUBMITTED, None)
    context.user_data["draft"] = RequestDraft(country=country)
    await _say(
        update,
        f"New request for assistance on behalf of {country}. /cancel stops at any step.\n\n"
        "1/10 What kind of crisis is it?",
        _type_keyboard(),
    )
    return TYPE


async def _say(update: Update, text: str, markup: Any = None) -> None:
    """Send the next question (a pressed button was already answered by the caller)."""
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=markup)


async def _edit_choice(update: Update, text: str) -> None:
    """Turn the answered question into a line of the record, without its buttons."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text(text)


async def choose_type(update: Update, context: AtlasContext) -> int:
    assert update.callback_query is not None
    code = (update.callback_query.data or "").removeprefix("rq:type:")
    if code in texts.OUT_OF_SCOPE_TYPES or not rules.crisis_in_scope(code):
        await _edit_choice(update, f"Crisis type: {texts.OUT_OF_SCOPE_TYPES.get(code, code)}")
        await _say(update, texts.OUT_OF_SCOPE.format(cite=rules.cite("R4")))
        return _end(context)
    _draft(context).crisis_type = code
    await _edit_choice(update, f"Crisis type: {texts.CRISIS_TYPES[code]}")
    await _say(
        update,
        "2/10 Do you have reasonable grounds to believe that a criminal offence presents a "
        "serious, direct physical threat to persons, property, infrastructure or institutions "
        f"({rules.cite('R4')})?",
        _buttons([[("Yes, I confirm", "rq:threat:yes"), ("No", "rq:threat:no")]]),
    )
    return THREAT


async def confirm_threat(update: Update, context: AtlasContext) -> int:
    assert update.callback_query is not None
    if update.callback_query.data != "rq:threat:yes":
        await _edit_choice(update, "Serious direct physical threat: not confirmed")
        await _say(
            update,
            "Without a serious, direct physical threat from a criminal offence this is not a "
            "crisis situation under the Decision. Nothing was recorded.",
        )
        return _end(context)
    _draft(context).threat_confirmed = True
    await _edit_choice(update, "Serious direct physical threat: confirmed")
    await _ask_location(update)
    return LOCATION


async def _ask_location(update: Update) -> None:
    share = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Share location", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await _say(
        update,
        "3/10 Where? Share a location, type a place name (e.g. Antwerp) or coordinates "
        "(e.g. 50.85, 4.35). An approximate location is enough.",
        share,
    )


async def shared_location(update: Update, context: AtlasContext) -> int:
    message = update.effective_message
    assert message is not None and message.location is not None
    draft = _draft(context)
    draft.lat, draft.lon = message.location.latitude, message.location.longitude
    draft.place = ""
    await message.reply_text(
        f"Location: {draft.lat:.4f}, {draft.lon:.4f}", reply_markup=ReplyKeyboardRemove()
    )
    return await _located(update, context)


async def typed_location(update: Update, context: AtlasContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text.strip()
    draft = _draft(context)
    match = _COORDINATES.match(text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            await message.reply_text(
                "Those coordinates are out of range: latitude within ±90, longitude within "
                "±180. Try again, or share a location."
            )
            return LOCATION
        draft.lat, draft.lon, draft.place = lat, lon, ""
        await message.reply_text(
            f"Location: {lat:.4f}, {lon:.4f}", reply_markup=ReplyKeyboardRemove()
        )
        return await _located(update, context)
    places = context.services.gazetteer.lookup(text[:80], limit=3)
    if not places:
        await message.reply_text(
            f"No place called {text[:80]!r} is in the offline gazetteer. Try a nearby city, "
            "type coordinates (50.85, 4.35) or share a location."
        )
        return LOCATION
    assert context.user_data is not None
    # Each list of places is numbered: a button of an older list must not pick from this one.
    listing = int(context.user_data.get("places_listing", 0)) + 1
    context.user_data["places_listing"] = listing
    context.user_data["places"] = [asdict(p) for p in places]
    rows = [
        [(f"{p.name}, {p.country} ({p.lat:.2f}, {p.lon:.2f})", f"rq:place:{listing}:{i}")]
        for i, p in enumerate(places)
    ]
    rows.append([("None of these", f"rq:place:{listing}:none")])
    await message.reply_text(
        "Which one? (coordinates shown for the map)", reply_markup=_buttons(rows)
    )
    return LOCATION


async def choose_place(update: Update, context: AtlasContext) -> int:
    assert update.callback_query is not None and context.user_data is not None
    listing, _, choice = (
        (update.callback_query.data or "").removeprefix("rq:place:").partition(":")
    )
    places: list[dict[str, Any]] = context.user_data.get("places", [])
    if listing != str(context.user_data.get("places_listing")):
        await update.callback_query.answer(
            "That list was replaced by a newer one: choose from the latest list.", show_alert=True
        )
        return LOCATION
    if not choice.isdigit() or int(choice) >= len(places):
        await _edit_choice(update, "No place chosen.")
        await _ask_location(update)
        return LOCATION
    place = places[int(choice)]
    draft = _draft(context)
    draft.lat, draft.lon = float(place["lat"]), float(place["lon"])
    draft.place = f"{place['name']}, {place['country']}"
    await _edit_choice(update, f"Location: {draft.place} ({draft.lat:.4f}, {draft.lon:.4f})")
    if update.effective_chat is not None:
        await update.effective_chat.send_location(
            draft.lat, draft.lon, reply_markup=ReplyKeyboardRemove()
        )
    return await _located(update, context)


async def _located(update: Update, context: AtlasContext) -> int:
    """A location outside the requesting state is asked about before going on: the Decision
    is about a crisis on the requesting state's territory, and a wrong pin misleads every
    arrival time."""
    draft = _draft(context)
    assert draft.lat is not None and draft.lon is not None
    doubt = context.services.gazetteer.territory_doubt(draft.country, draft.lat, draft.lon)
    if doubt is None:
        return await _ask_capabilities(update, context)
    await _say(
        update,
        f"This location does not look like it is in {draft.country}: {doubt}. Assistance "
        "under the Decision is for a crisis on the requesting state's territory.",
        _buttons(
            [
                [("Choose another location", "rq:where:again")],
                [("Keep it: it is right", "rq:where:keep")],
            ]
        ),
    )
    return LOCATION


async def confirm_where(update: Update, context: AtlasContext) -> int:
    assert update.callback_query is not None
    draft = _draft(context)
    if update.callback_query.data == "rq:where:keep" and draft.lat is not None:
        await _edit_choice(update, "Location kept although it looked outside the state.")
        return await _ask_capabilities(update, context)
    draft.lat = draft.lon = None
    draft.place = ""
    await _edit_choice(update, "Location dropped.")
    await _ask_location(update)
    return LOCATION


async def _catalogue(context: AtlasContext) -> dict[str, str]:
    catalogue = await context.services.read(raising.capability_names)
    assert context.user_data is not None
    context.user_data["catalogue"] = catalogue
    return catalogue


def _capability_keyboard(catalogue: dict[str, str], needs: dict[str, int]) -> InlineKeyboardMarkup:
    buttons = [
        (f"{name}: {needs[code]}" if code in needs else name, f"rq:cap:{code}")
        for code, name in sorted(catalogue.items(), key=lambda item: item[1])
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([("✅ Done", "rq:cap:done")])
    return _buttons(rows)


async def _ask_capabilities(update: Update, context: AtlasContext) -> int:
    catalogue = await _catalogue(context)
    await _say(
        update,
        "4/10 Which capabilities, how many teams? Tap a capability to count 1, 2, 3 teams "
        "(a fourth tap clears it), then Done.",
        _capability_keyboard(catalogue, _draft(context).needs),
    )
    return CAPABILITIES


async def toggle_capability(update: Update, context: AtlasContext) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    code = (query.data or "").removeprefix("rq:cap:")
    draft = _draft(context)
    catalogue: dict[str, str] = context.user_data.get("catalogue") or await _catalogue(context)
    if code == "done":
        if not draft.needs:
            await query.answer("Choose at least one capability first.", show_alert=True)
            return CAPABILITIES
        await _edit_choice(
            update, f"Capabilities: {texts.capability_line(draft.needs, catalogue)}"
        )
        await _say(
            update,
            "5/10 Which forms of assistance (Art. 3)? Tap to select, then Done.",
            _forms_keyboard(draft),
        )
        return FORMS
    if code not in catalogue:
        await query.answer("That capability is not in the catalogue.", show_alert=True)
        return CAPABILITIES
    count = draft.needs.get(code, 0) + 1
    if count > MAX_TEAMS_ON_BUTTON:
        draft.needs.pop(code, None)
    else:
        draft.needs[code] = count
    await query.answer()
    await query.edit_message_reply_markup(_capability_keyboard(catalogue, draft.needs))
    return CAPABILITIES


def _forms_keyboard(draft: RequestDraft) -> InlineKeyboardMarkup:
    rows = [
        [(("☑ " if code in draft.assistance else "☐ ") + label, f"rq:form:{code}")]
        for code, label in texts.FORMS.items()
    ]
    rows.append([("✅ Done", "rq:form:done")])
    return _buttons(rows)


async def toggle_form(update: Update, context: AtlasContext) -> int:
    query = update.callback_query
    assert query is not None
    code = (query.data or "").removeprefix("rq:form:")
    draft = _draft(context)
    if code == "done":
        if not draft.assistance:
            await query.answer("Choose at least one form of assistance.", show_alert=True)
            return FORMS
        await _edit_choice(update, "Forms: " + ", ".join(texts.FORMS[f] for f in draft.assistance))
        await _say(
            update,
            "6/10 Nature of the assistance: what should the other units do? "
            f"({rules.cite('R3')}; no classified detail)",
        )
        return NATURE
    if code not in texts.FORMS:
        await query.answer("Unknown form of assistance.", show_alert=True)
        return FORMS
    if code in draft.assistance:
        draft.assistance.remove(code)
    else:
        draft.assistance.append(code)
    await query.answer()
    await query.edit_message_reply_markup(_forms_keyboard(draft))
    return FORMS


def _text_of(update: Update) -> str:
    message = update.effective_message
    return (message.text or "").strip() if message is not None else ""


async def _too_short(update: Update, what: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            f"Please write a sentence about the {what} (at least 5 characters, at most 1000)."
        )


async def nature(update: Update, context: AtlasContext) -> int:
    text = _text_of(update)
    if not 5 <= len(text) <= 1000:
        await _too_short(update, "nature of the assistance")
        return NATURE
    _draft(context).nature = text
    await _say(
        update,
        "7/10 Operational necessity: why can your own units not manage alone? "
        f"({rules.cite('R3')})",
    )
    return NECESSITY


async def necessity(update: Update, context: AtlasContext) -> int:
    text = _text_of(update)
    if not 5 <= len(text) <= 1000:
        await _too_short(update, "operational necessity")
        return NECESSITY
    _draft(context).necessity = text
    await _say(
        update,
        "8/10 Who commands on scene for your state? (name or call sign; assisting units act "
        f"under this command, {rules.cite('R7')})",
    )
    return COMMANDER


async def commander(update: Update, context: AtlasContext) -> int:
    text = _text_of(update)
    if not 2 <= len(text) <= 200:
        if update.effective_message is not None:
            await update.effective_message.reply_text(
                "Please name the commander on scene (2 to 200 characters)."
            )
        return COMMANDER
    _draft(context).commander_on_scene = text
    await _say(
        update,
        "9/10 Include partner states not bound by the Decision (Norway, Switzerland, Iceland)?"
        f" ({rules.cite('R12')})",
        _buttons([[("Yes, include partners", "rq:partners:yes"), ("No", "rq:partners:no")]]),
    )
    return PARTNERS


async def partners(update: Update, context: AtlasContext) -> int:
    assert update.callback_query is not None
    include = update.callback_query.data == "rq:partners:yes"
    _draft(context).include_partners = include
    await _edit_choice(update, f"Partner states: {'included' if include else 'not included'}")
    await _say(
        update,
        "10/10 Priority (used when several crises compete for the same units)?",
        _buttons(
            [[("1 normal", "rq:prio:1"), ("2 high", "rq:prio:2"), ("3 highest", "rq:prio:3")]]
        ),
    )
    return PRIORITY


def summary(draft: RequestDraft, catalogue: dict[str, str]) -> str:
    where = draft.place or f"{draft.lat:.4f}, {draft.lon:.4f}"
    return "\n".join(
        [
            f"REQUEST SUMMARY — {draft.country}",
            f"Crisis: {texts.CRISIS_TYPES.get(draft.crisis_type, draft.crisis_type)} at {where}",
            f"Capabilities: {texts.capability_line(draft.needs, catalogue)}",
            "Forms: " + ", ".join(texts.FORMS[f] for f in draft.assistance),
            f"Nature: {draft.nature}",
            f"Necessity: {draft.necessity}",
            f"Commander on scene: {draft.commander_on_scene}",
            f"Partners: {'included' if draft.include_partners else 'not included'}",
            f"Priority: {draft.priority}",
            "",
            "Submit? The planner will then propose units; nothing goes to other states until "
            "you choose a plan.",
        ]
    )


async def priority(update: Update, context: AtlasContext) -> int:
    assert update.callback_query is not None and context.user_data is not None
    value = (update.callback_query.data or "").removeprefix("rq:prio:")
    if value not in {"1", "2", "3"}:
        await update.callback_query.answer("Choose 1, 2 or 3.", show_alert=True)
        return PRIORITY
    draft = _draft(context)
    draft.priority = int(value)
    await _edit_choice(update, f"Priority: {value}")
    catalogue = context.user_data.get("catalogue", {})
    await _say(
        update,
        summary(draft, catalogue),
        _buttons([[("✅ Submit request", "rq:submit"), ("✖ Cancel", "rq:cancel")]]),
    )
    return CONFIRM


@guarded
async def submit(update: Update, context: AtlasContext) -> int:
    assert update.callback_query is not None
    if update.callback_query.data != "rq:submit":
        await _edit_choice(update, texts.CANCELLED)
        return _end(context)
    identity = await require_identity(update, context)
    assert context.user_data is not None
    if context.user_data.get(SUBMITTED):
        await update.callback_query.answer("This request was already submitted.")
        return ConversationHandler.END
    draft = _draft(context)
    # Marked and taken out before the first wait: a second press of Submit arriving meanwhile
    # records nothing (one request, one crisis). The mark stays until the next /request.
    context.user_data[SUBMITTED] = True
    del context.user_data["draft"]
    now = context.services.clock.now()
    try:
        crisis_id = await context.services.run(
            partial(requesting.submit, identity=identity, draft=draft, now=now)
        )
    except BaseException:
        # Not recorded: the member can fix the draft and submit again.
        context.user_data["draft"] = draft
        context.user_data.pop(SUBMITTED, None)
        raise
    await _edit_choice(update, f"Request recorded as crisis #{crisis_id}. Planning…")
    _end(context)
    if update.effective_chat is not None:
        await notices.present_plans(
            context, PlanTarget(update.effective_chat.id, identity.member_id, crisis_id)
        )
    return ConversationHandler.END


def _end(context: AtlasContext) -> int:
    if context.user_data is not None:
        for key in ("draft", "places", "places_listing", "catalogue"):
            context.user_data.pop(key, None)
    return ConversationHandler.END


async def cancel(update: Update, context: AtlasContext) -> int:
    _end(context)
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            texts.CANCELLED, reply_markup=ReplyKeyboardRemove()
        )
    return ConversationHandler.END


async def use_the_buttons(update: Update, context: AtlasContext) -> None:
    """Anything typed where a button is expected: say so, keep the step."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            "Please answer with the buttons above, or send /cancel to stop."
        )


async def expected_place(update: Update, context: AtlasContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            "Please share a location, type a place name or coordinates (50.85, 4.35), or /cancel."
        )


async def timed_out(update: Update, context: AtlasContext) -> None:
    _end(context)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(
            texts.TIMED_OUT, reply_markup=ReplyKeyboardRemove()
        )


def conversation() -> ConversationHandler[AtlasContext]:
    """The /request conversation, with a timeout for a forgotten draft."""
    # The buttons of one conversation belong to one chat with one member, so tracking per chat
    # and user (per_message=False) is what we want; PTB warns about it regardless.
    warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
    text = filters.TEXT & ~filters.COMMAND
    buttons_only: list[BaseHandler[Update, AtlasContext, object]] = [
        MessageHandler(filters.ALL & ~filters.COMMAND, use_the_buttons)
    ]
    return ConversationHandler(
        entry_points=[CommandHandler("request", begin)],
        states={
            TYPE: [CallbackQueryHandler(choose_type, pattern=r"^rq:type:"), *buttons_only],
            THREAT: [CallbackQueryHandler(confirm_threat, pattern=r"^rq:threat:"), *buttons_only],
            LOCATION: [
                MessageHandler(filters.LOCATION, shared_location),
                MessageHandler(text, typed_location),
                CallbackQueryHandler(choose_place, pattern=r"^rq:place:"),
                CallbackQueryHandler(confirm_where, pattern=r"^rq:where:"),
                MessageHandler(filters.ALL & ~filters.COMMAND, expected_place),
            ],
            CAPABILITIES: [
                CallbackQueryHandler(toggle_capability, pattern=r"^rq:cap:"),
                *buttons_only,
            ],
            FORMS: [CallbackQueryHandler(toggle_form, pattern=r"^rq:form:"), *buttons_only],
            NATURE: [
                MessageHandler(text, nature),
                MessageHandler(filters.ALL & ~filters.COMMAND, nature),
            ],
            NECESSITY: [MessageHandler(filters.ALL & ~filters.COMMAND, necessity)],
            COMMANDER: [MessageHandler(filters.ALL & ~filters.COMMAND, commander)],
            PARTNERS: [CallbackQueryHandler(partners, pattern=r"^rq:partners:"), *buttons_only],
            PRIORITY: [CallbackQueryHandler(priority, pattern=r"^rq:prio:"), *buttons_only],
            CONFIRM: [
                CallbackQueryHandler(submit, pattern=r"^rq:(submit|cancel)$"),
                *buttons_only,
            ],
            ConversationHandler.TIMEOUT: [
                MessageHandler(filters.ALL, timed_out),
                CallbackQueryHandler(timed_out),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("request", begin),
        ],
        conversation_timeout=CONVERSATION_TIMEOUT_S,
        allow_reentry=True,
        name="request",
        # Survives a restart: no timeout job is re-armed for a resumed step, the member's next
        # update arms a new one (and atlasbot/persistence.py does not resume a timed-out one).
        persistent=True,
    )
