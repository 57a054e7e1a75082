"""/request: a competent authority describes the crisis and what it needs (R1, R3, R4, R6).

A wizard of atlasbot/bot/wizard.py: the draft is a :class:`RequestForm` (the use case's
``RequestDraft`` plus the wizard's own bookkeeping) and each question is a row of
:data:`STEPS`. Nothing is recorded as a request until the requester submits the summary;
until then the draft is chat state, kept in the database by atlasbot/bot/persistence.py so
that a restart resumes the same step. Buttons carry only values (a crisis type, the index
of a capability in the draft's catalogue), and ``requesting.submit`` checks every value again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from atlasbot import rules
from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, require_identity
from atlasbot.bot.wizard import (
    DRAFT_KEY,
    END,
    STAY,
    Draft,
    PromptFunction,
    Step,
    Turn,
    Wizard,
    close,
)
from atlasbot.i18n import _
from atlasbot.services.assistance import RequestDraft, raising, requesting
from atlasbot.services.assistance.outcome import PlanTarget
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import NotAuthorised
from atlasbot.texts import wizards as texts
from atlasbot.texts.crisis import CRISIS_TYPES, FORMS, OUT_OF_SCOPE, OUT_OF_SCOPE_TYPES

TYPE = "type"
THREAT = "threat"
WHERE = "where"
CAPABILITIES = "caps"
FORMS_STEP = "forms"
NATURE = "nature"
NECESSITY = "necessity"
COMMANDER = "commander"
PARTNERS = "partners"
PRIORITY = "priority"
CONFIRM = "confirm"
EDIT = "edit"

MAX_TEAMS_ON_BUTTON = 3
PLACES_SHOWN = 3
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass
class RequestForm(Draft, RequestDraft):
    """The /request draft: what the requester said so far (the ``RequestDraft`` the use case
    validates), and the places offered and the catalogue shown to them."""

    # Each list of places is numbered: a button of an older list must not pick from this one.
    listing: int = 0
    places: list[dict[str, Any]] = field(default_factory=list)
    catalogue: dict[str, str] = field(default_factory=dict)
    # Revisiting one answer from the summary: the summary comes back after that step.
    editing: bool = False

    def capability_order(self) -> list[tuple[str, str]]:
        """(code, name) of the catalogue in the order its buttons show it."""
        return sorted(self.catalogue.items(), key=lambda item: item[1])

    def count_team(self, code: str) -> None:
        """One more team of ``code``; a tap past the most a button counts clears it."""
        count = self.needs.get(code, 0) + 1
        if count > MAX_TEAMS_ON_BUTTON:
            self.needs.pop(code, None)
        else:
            self.needs[code] = count

    def toggle_form(self, code: str) -> None:
        """Tick or untick a form of assistance."""
        if code in self.assistance:
            self.assistance.remove(code)
        else:
            self.assistance.append(code)


Request = Turn[RequestForm]


def _requesting_state(identity: Identity, args: list[str] | None) -> str | None:
    """The state the member requests for (R1); None when they must say which one."""
    countries = identity.authority_countries()
    if not countries:
        roles = ", ".join(grant.describe() for grant in identity.grants)
        raise NotAuthorised(texts.not_an_authority(roles))
    chosen = (args or [""])[0].upper()
    if chosen in countries:
        return chosen
    # A member who answers for several states says for which one: never guessed.
    return countries[0] if len(countries) == 1 else None


@guarded
async def begin(update: Update, context: AtlasContext) -> None:
    """/request [STATE]: only a competent authority may request, for its own state (R1)."""
    identity = await require_identity(update, context)
    country = _requesting_state(identity, context.args)
    if country is None:
        if update.effective_chat is not None:
            await update.effective_chat.send_message(
                texts.which_state(identity.authority_countries())
            )
        return
    await REQUEST_WIZARD.start(update, context, RequestForm(country=country))


# --- 1, 2: what and how serious -------------------------------------------------------------


async def ask_type(turn: Request) -> None:
    """Question 1 under the request's heading."""
    rows = [[(_(label), code)] for code, label in CRISIS_TYPES.items()]
    rows += [[(texts.out_of_scope_label(code), code)] for code in OUT_OF_SCOPE_TYPES]
    await turn.say(texts.request_started(turn.draft.country), turn.keyboard(rows))


async def choose_type(turn: Request, code: str) -> str:
    """A crisis type outside the Decision ends the wizard (R4)."""
    await turn.replace_pressed(texts.crisis_type_chosen(code))
    if code in OUT_OF_SCOPE_TYPES or not rules.crisis_in_scope(code):
        await turn.say(_(OUT_OF_SCOPE, cite=rules.basis("R4")))
        return END
    turn.draft.crisis_type = code
    return THREAT


async def ask_threat(turn: Request) -> None:
    """Question 2."""
    buttons = [[(_(texts.YES_I_CONFIRM), "yes"), (_(texts.NO), "no")]]
    await turn.say(texts.ask_threat(), turn.keyboard(buttons))


async def confirm_threat(turn: Request, value: str) -> str:
    """Without the threat nothing is recorded (R4)."""
    confirmed = value == "yes"
    await turn.replace_pressed(texts.threat_answered(confirmed))
    if not confirmed:
        await turn.say(_(texts.NO_THREAT))
        return END
    turn.draft.threat_confirmed = True
    return WHERE


# --- 3: where ---------------------------------------------------------------------------------


async def ask_location(turn: Request) -> None:
    """Question 3, with a button that shares the member's location."""
    share = ReplyKeyboardMarkup(
        [[KeyboardButton(_(texts.SHARE_LOCATION), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await turn.say(_(texts.ASK_LOCATION), share)


async def shared_location(turn: Request, lat: float, lon: float) -> str:
    """A location shared from the member's phone."""
    turn.draft.lat, turn.draft.lon, turn.draft.place = lat, lon, ""
    await turn.say(texts.coordinates(lat, lon), ReplyKeyboardRemove())
    return await _located(turn)


async def typed_location(turn: Request, typed: str) -> str:
    """Coordinates, or a place name looked up in the offline gazetteer."""
    text = typed.strip()
    match = _COORDINATES.match(text)
    if match is None:
        return await _offer_places(turn, text[:80])
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        await turn.say(_(texts.COORDINATES_OUT_OF_RANGE))
        return STAY
    return await shared_location(turn, lat, lon)


async def _offer_places(turn: Request, name: str) -> str:
    places = turn.context.services.gazetteer.lookup(name, limit=PLACES_SHOWN)
    if not places:
        await turn.say(texts.no_such_place(name))
        return STAY
    draft = turn.draft
    draft.listing += 1
    draft.places = [asdict(place) for place in places]
    rows = [
        [(texts.place_label(p.name, p.country, p.lat, p.lon), f"{draft.listing}:{i}")]
        for i, p in enumerate(places)
    ]
    rows.append([(_(texts.NONE_OF_THESE), f"{draft.listing}:none")])
    await turn.say(_(texts.WHICH_PLACE), turn.keyboard(rows))
    return STAY


async def where_pressed(turn: Request, value: str) -> str:
    """A candidate place, or the answer to "keep it / choose another"."""
    if value == "keep" and turn.draft.lat is not None:
        await turn.replace_pressed(_(texts.LOCATION_KEPT))
        return CAPABILITIES
    if value in {"keep", "again"}:
        turn.draft.lat = turn.draft.lon = None
        turn.draft.place = ""
        await turn.replace_pressed(_(texts.LOCATION_DROPPED))
        return WHERE
    return await _choose_place(turn, value)


async def _choose_place(turn: Request, value: str) -> str:
    draft = turn.draft
    listing, _sep, choice = value.partition(":")
    if listing != str(draft.listing):
        await turn.alert(_(texts.PLACE_LIST_REPLACED))
        return STAY
    if not choice.isdigit() or int(choice) >= len(draft.places):
        await turn.replace_pressed(_(texts.NO_PLACE_CHOSEN))
        return WHERE
    place = draft.places[int(choice)]
    draft.lat, draft.lon = float(place["lat"]), float(place["lon"])
    draft.place = f"{place['name']}, {place['country']}"
    await turn.replace_pressed(texts.place_chosen(draft.place, draft.lat, draft.lon))
    if turn.update.effective_chat is not None:
        await turn.update.effective_chat.send_location(
            draft.lat, draft.lon, reply_markup=ReplyKeyboardRemove()
        )
    return await _located(turn)


async def _located(turn: Request) -> str:
    """A location outside the requesting state is asked about before going on: the Decision
    is about a crisis on the requesting state's territory, and a wrong pin misleads every
    arrival time."""
    draft = turn.draft
    assert draft.lat is not None and draft.lon is not None
    doubt = turn.context.services.gazetteer.territory_doubt(draft.country, draft.lat, draft.lon)
    if doubt is None:
        return CAPABILITIES
    rows = [[(_(texts.CHOOSE_ANOTHER_LOCATION), "again")], [(_(texts.KEEP_LOCATION), "keep")]]
    await turn.say(texts.outside_the_state(draft.country, doubt), turn.keyboard(rows))
    return STAY


# --- 4, 5: capabilities and forms -------------------------------------------------------------


def _capability_rows(draft: RequestForm) -> list[list[tuple[str, str]]]:
    buttons = [
        (
            texts.capability_count(_(name), draft.needs[code]) if code in draft.needs else _(name),
            str(i),
        )
        for i, (code, name) in enumerate(draft.capability_order())
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(_(texts.DONE), "done")])
    return rows


async def ask_capabilities(turn: Request) -> None:
    """Question 4, with the network's catalogue as it is now."""
    turn.draft.catalogue = await turn.context.services.read(raising.capability_names)
    await turn.say(_(texts.ASK_CAPABILITIES), turn.keyboard(_capability_rows(turn.draft)))


async def count_capability(turn: Request, value: str) -> str:
    """Each tap counts one more team, the fourth clears; Done needs one capability."""
    draft, order = turn.draft, turn.draft.capability_order()
    if value == "done":
        if not draft.needs:
            await turn.alert(_(texts.CHOOSE_A_CAPABILITY))
            return STAY
        await turn.replace_pressed(texts.capabilities_chosen(draft.needs, draft.catalogue))
        return FORMS_STEP
    if not value.isdigit() or int(value) >= len(order):
        await turn.alert(_(texts.UNKNOWN_CAPABILITY))
        return STAY
    draft.count_team(order[int(value)][0])
    await turn.refresh_keyboard(turn.keyboard(_capability_rows(draft)))
    return STAY


def _form_rows(draft: RequestForm) -> list[list[tuple[str, str]]]:
    rows = [
        [(texts.toggle_label(_(label), code in draft.assistance), code)]
        for code, label in FORMS.items()
    ]
    rows.append([(_(texts.DONE), "done")])
    return rows


async def ask_forms(turn: Request) -> None:
    """Question 5."""
    await turn.say(_(texts.ASK_FORMS), turn.keyboard(_form_rows(turn.draft)))


async def toggle_form(turn: Request, value: str) -> str:
    """A tap ticks or unticks a form; Done needs one."""
    draft = turn.draft
    if value == "done":
        if not draft.assistance:
            await turn.alert(_(texts.CHOOSE_A_FORM))
            return STAY
        await turn.replace_pressed(texts.forms_chosen(draft.assistance))
        return NATURE
    if value not in FORMS:
        await turn.alert(_(texts.UNKNOWN_FORM))
        return STAY
    draft.toggle_form(value)
    await turn.refresh_keyboard(turn.keyboard(_form_rows(draft)))
    return STAY


# --- 6, 7, 8: typed answers -------------------------------------------------------------------


def _ask(text: Callable[[], str]) -> PromptFunction[RequestForm]:
    """A prompt that only says ``text()``."""

    async def prompt(turn: Request) -> None:
        await turn.say(text())

    return prompt


async def nature(turn: Request, typed: str) -> str:
    """The nature of the assistance (R3)."""
    text = typed.strip()
    if not 5 <= len(text) <= 1000:
        await turn.say(_(texts.EXPECT_NATURE))
        return STAY
    turn.draft.nature = text
    return NECESSITY


async def necessity(turn: Request, typed: str) -> str:
    """The operational necessity (R3)."""
    text = typed.strip()
    if not 5 <= len(text) <= 1000:
        await turn.say(_(texts.EXPECT_NECESSITY))
        return STAY
    turn.draft.necessity = text
    return COMMANDER


async def commander(turn: Request, typed: str) -> str:
    """The commander on scene (R7)."""
    text = typed.strip()
    if not 2 <= len(text) <= 200:
        await turn.say(_(texts.EXPECT_COMMANDER))
        return STAY
    turn.draft.commander_on_scene = text
    return PARTNERS


# --- 9, 10: partners and priority, then the summary -------------------------------------------


async def ask_partners(turn: Request) -> None:
    """Question 9."""
    buttons = [[(_(texts.INCLUDE_PARTNERS), "yes"), (_(texts.NO), "no")]]
    await turn.say(texts.ask_partners(), turn.keyboard(buttons))


async def choose_partners(turn: Request, value: str) -> str:
    """Partner states asked too, or not (R12)."""
    turn.draft.include_partners = value == "yes"
    await turn.replace_pressed(texts.partners_line(turn.draft.include_partners))
    return PRIORITY


async def ask_priority(turn: Request) -> None:
    """Question 10."""
    buttons = [[(_(label), value) for value, label in texts.PRIORITIES.items()]]
    await turn.say(_(texts.ASK_PRIORITY), turn.keyboard(buttons))


async def choose_priority(turn: Request, value: str) -> str:
    """The priority; then the summary to confirm."""
    if value not in texts.PRIORITIES:
        await turn.alert(_(texts.CHOOSE_A_PRIORITY))
        return STAY
    turn.draft.priority = int(value)
    await turn.replace_pressed(texts.priority_chosen(value))
    return CONFIRM


def summary(draft: RequestForm) -> str:
    """The draft request as the requester confirms it."""
    return texts.request_summary(
        country=draft.country,
        crisis_type=draft.crisis_type,
        where=draft.place or f"{draft.lat:.4f}, {draft.lon:.4f}",
        needs=draft.needs,
        names=draft.catalogue,
        forms=draft.assistance,
        nature=draft.nature,
        necessity=draft.necessity,
        commander=draft.commander_on_scene,
        partners=draft.include_partners,
        priority=draft.priority,
    )


async def ask_confirmation(turn: Request) -> None:
    """The summary with Submit, Change an answer and Cancel."""
    turn.draft.editing = False
    buttons = [
        [(_(texts.SUBMIT_REQUEST), "submit"), (_(texts.CANCEL), "cancel")],
        [(_(texts.EDIT_REQUEST), "edit")],
    ]
    await turn.say(summary(turn.draft), turn.keyboard(buttons))


async def ask_which_answer(turn: Request) -> None:
    """Which answer to change: each editable step, and back to the summary."""
    rows = [[(_(label), step)] for step, label in texts.EDITABLE_STEPS.items()]
    rows.append([(_(texts.BACK_TO_SUMMARY), CONFIRM)])
    await turn.say(_(texts.ASK_WHICH_ANSWER), turn.keyboard(rows))


async def revisit(turn: Request, value: str) -> str:
    """Ask that step again; after it, the summary (not the steps that followed it)."""
    if value == CONFIRM:
        await turn.replace_pressed(_(texts.BACK_TO_SUMMARY))
        return CONFIRM
    if value not in texts.EDITABLE_STEPS:
        await turn.alert(_(texts.USE_THE_BUTTONS))
        return STAY
    turn.draft.editing = True
    await turn.replace_pressed(_(texts.EDITABLE_STEPS[value]))
    return value


def _or_summary(step: str, answer: Callable[..., Awaitable[str]]) -> Any:
    """``answer`` of ``step``; while an answer is revisited, the step that would follow
    (another step than this one) is the summary instead."""

    async def answered(turn: Request, *values: Any) -> str:
        next_step = await answer(turn, *values)
        if turn.draft.editing and next_step not in (STAY, END, step):
            return CONFIRM
        return next_step

    return answered


async def submit(turn: Request, value: str) -> str:
    """Submit records the request once; then the planner proposes units."""
    if value == "edit":
        await turn.replace_pressed(summary(turn.draft))
        return EDIT
    if value != "submit":
        await turn.replace_pressed(_(texts.REQUEST_CANCELLED))
        return END
    # Closed before the first wait: a second press of Submit arriving meanwhile finds no
    # open draft and records nothing (one request, one crisis).
    close(turn.context)
    try:
        target = await _record(turn)
    except BaseException:
        # Not recorded: the member can fix the draft and submit again.
        assert turn.context.user_data is not None
        turn.context.user_data[DRAFT_KEY] = turn.draft
        raise
    await turn.replace_pressed(texts.request_recorded(target.crisis_id))
    await notices.present_plans(turn.context, target)
    return END


async def _record(turn: Request) -> PlanTarget:
    """The use case: the draft recorded as a crisis, whose plans go to this chat."""
    identity = await require_identity(turn.update, turn.context)
    services = turn.context.services
    crisis_id = await services.run(
        partial(requesting.submit, identity=identity, draft=turn.draft, now=services.clock.now())
    )
    chat = turn.update.effective_chat
    assert chat is not None  # a press of Submit comes from the member's chat
    return PlanTarget(chat.id, identity.member_id, crisis_id)


STEPS: dict[str, Step[RequestForm]] = {
    TYPE: Step(ask_type, on_button=choose_type, expect=texts.USE_THE_BUTTONS),
    THREAT: Step(ask_threat, on_button=confirm_threat, expect=texts.USE_THE_BUTTONS),
    WHERE: Step(
        ask_location,
        on_button=_or_summary(WHERE, where_pressed),
        on_text=_or_summary(WHERE, typed_location),
        on_location=_or_summary(WHERE, shared_location),
        expect=texts.EXPECT_PLACE,
    ),
    CAPABILITIES: Step(
        ask_capabilities,
        on_button=_or_summary(CAPABILITIES, count_capability),
        expect=texts.USE_THE_BUTTONS,
    ),
    FORMS_STEP: Step(
        ask_forms, on_button=_or_summary(FORMS_STEP, toggle_form), expect=texts.USE_THE_BUTTONS
    ),
    NATURE: Step(
        _ask(texts.ask_nature), on_text=_or_summary(NATURE, nature), expect=texts.EXPECT_NATURE
    ),
    NECESSITY: Step(
        _ask(texts.ask_necessity),
        on_text=_or_summary(NECESSITY, necessity),
        expect=texts.EXPECT_NECESSITY,
    ),
    COMMANDER: Step(
        _ask(texts.ask_commander),
        on_text=_or_summary(COMMANDER, commander),
        expect=texts.EXPECT_COMMANDER,
    ),
    PARTNERS: Step(
        ask_partners,
        on_button=_or_summary(PARTNERS, choose_partners),
        expect=texts.USE_THE_BUTTONS,
    ),
    PRIORITY: Step(
        ask_priority,
        on_button=_or_summary(PRIORITY, choose_priority),
        expect=texts.USE_THE_BUTTONS,
    ),
    CONFIRM: Step(ask_confirmation, on_button=submit, expect=texts.USE_THE_BUTTONS),
    EDIT: Step(ask_which_answer, on_button=revisit, expect=texts.USE_THE_BUTTONS),
}

REQUEST_WIZARD = Wizard(
    name="request",
    draft_type=RequestForm,
    first=TYPE,
    steps=STEPS,
    timed_out=texts.REQUEST_TIMED_OUT,
)
