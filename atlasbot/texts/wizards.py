"""The words of the crisis path's wizards: /request and the answer to a request.

Pure (i18n, rules and the crisis texts only), like atlasbot/texts/crisis.py. The step
functions in atlasbot/handlers/request.py and respond.py show these; the lines the wizard
mechanism says itself are message ids (``N_``), translated by the mechanism when shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from atlasbot import rules
from atlasbot.i18n import N_, _
from atlasbot.texts.crisis import (
    CRISIS_TYPES,
    DURATIONS,
    OUT_OF_SCOPE_TYPES,
    agreement_lines,
    capability_line,
    forms_line,
    liability_note,
    shown,
)

# --- the mechanism's lines (message ids, translated when shown) ---------------------------
REPLACED = N_("That form was replaced by a newer one: use the buttons of the latest message.")
STEP_PASSED = N_("That question was already answered: use the buttons of the latest message.")
TIMED_OUT = N_("This form timed out after a long pause and was discarded: start it again.")
BUTTON_GONE = N_("This button is not valid any more.")
DRAFT_GONE = N_(
    "Your draft could not be restored after the bot was updated. Start again: send /request "
    "for a request, or press Accept, Decline or Counter-propose on the request you answer."
)
USE_THE_BUTTONS = N_("Please answer with the buttons above, or send /cancel to stop.")
NOT_UNDERSTOOD = N_("I did not understand that. Send /help to see what you can do.")
UNKNOWN_COMMAND = N_("Unknown command. Send /help to see what you can do.")
NOTHING_TO_CANCEL = N_("Nothing to cancel.")
NOTHING_RECORDED = N_("Cancelled: nothing was recorded.")
TRAINING_WIZARD_CLOSED = N_("Wizard closed; nothing was added.")

# --- /request ------------------------------------------------------------------------------
REQUEST_CANCELLED = N_("Cancelled. Nothing was sent or recorded.")
REQUEST_TIMED_OUT = N_(
    "Your draft request timed out after a long pause and was discarded. Send /request "
    "to start again."
)
EXPECT_PLACE = N_(
    "Please share a location, type a place name or coordinates (50.85, 4.35), or /cancel."
)
EXPECT_NATURE = N_(
    "Please write a sentence about the nature of the assistance (at least 5 characters, at "
    "most 1000)."
)
EXPECT_NECESSITY = N_(
    "Please write a sentence about the operational necessity (at least 5 characters, at most "
    "1000)."
)
EXPECT_COMMANDER = N_("Please name the commander on scene (2 to 200 characters).")
PRIORITIES: Mapping[str, str] = {"1": N_("1 normal"), "2": N_("2 high"), "3": N_("3 highest")}


def which_state(countries: Sequence[str]) -> str:
    """An authority of several states is asked for which one it requests."""
    options = _(" or ").join(f"/request {code}" for code in countries)
    return _(
        "You are the competent authority of {countries}. For which state do you request "
        "assistance? Send {options}.",
        countries=", ".join(countries),
        options=options,
    )


def request_started(country: str) -> str:
    """The first question of /request, under its heading."""
    return _(
        "New request for assistance on behalf of {country}. /cancel stops at any step.\n\n"
        "1/10 What kind of crisis is it?",
        country=country,
    )


def out_of_scope_label(code: str) -> str:
    """A crisis type outside the Decision, as its button shows it."""
    return _("{label} (out of scope)", label=shown(OUT_OF_SCOPE_TYPES, code))


def crisis_type_chosen(code: str) -> str:
    """The answered first question."""
    label = shown(OUT_OF_SCOPE_TYPES, code) if code in OUT_OF_SCOPE_TYPES else None
    return _("Crisis type: {label}", label=label or shown(CRISIS_TYPES, code))


def ask_threat() -> str:
    """Question 2: the threat the Decision requires (R4)."""
    return _(
        "2/10 Do you have reasonable grounds to believe that a criminal offence presents a "
        "serious, direct physical threat to persons, property, infrastructure or institutions "
        "({cite})?",
        cite=rules.basis("R4"),
    )


def threat_answered(confirmed: bool) -> str:
    """The answered second question."""
    if confirmed:
        return _("Serious direct physical threat: confirmed")
    return _("Serious direct physical threat: not confirmed")


NO_THREAT = N_(
    "Without a serious, direct physical threat from a criminal offence this is not a "
    "crisis situation under the Decision. Nothing was recorded."
)
ASK_LOCATION = N_(
    "3/10 Where? Share a location, type a place name (e.g. Antwerp) or coordinates "
    "(e.g. 50.85, 4.35). An approximate location is enough."
)


SHARE_LOCATION = N_("📍 Share location")


def coordinates(lat: float, lon: float) -> str:
    """A location given as coordinates."""
    return _("Location: {lat:.4f}, {lon:.4f}", lat=lat, lon=lon)


COORDINATES_OUT_OF_RANGE = N_(
    "Those coordinates are out of range: latitude within ±90, longitude within ±180. Try "
    "again, or share a location."
)


def no_such_place(typed: str) -> str:
    """A place name the gazetteer does not know."""
    return _(
        "No place called {place!r} is in the offline gazetteer. Try a nearby city, type "
        "coordinates (50.85, 4.35) or share a location.",
        place=typed,
    )


def place_label(name: str, country: str, lat: float, lon: float) -> str:
    """One candidate place on its button."""
    return _(
        "{name}, {country} ({lat:.2f}, {lon:.2f})", name=name, country=country, lat=lat, lon=lon
    )


NONE_OF_THESE = N_("None of these")
WHICH_PLACE = N_("Which one? (coordinates shown for the map)")


PLACE_LIST_REPLACED = N_("That list was replaced by a newer one: choose from the latest list.")
NO_PLACE_CHOSEN = N_("No place chosen.")


def place_chosen(place: str, lat: float, lon: float) -> str:
    """A candidate place chosen."""
    return _("Location: {place} ({lat:.4f}, {lon:.4f})", place=place, lat=lat, lon=lon)


def outside_the_state(country: str, doubt: str) -> str:
    """A location that does not look like it is in the requesting state."""
    return _(
        "This location does not look like it is in {country}: {doubt}. Assistance under the "
        "Decision is for a crisis on the requesting state's territory.",
        country=country,
        doubt=doubt,
    )


CHOOSE_ANOTHER_LOCATION = N_("Choose another location")
KEEP_LOCATION = N_("Keep it: it is right")
LOCATION_KEPT = N_("Location kept although it looked outside the state.")
LOCATION_DROPPED = N_("Location dropped.")
ASK_CAPABILITIES = N_(
    "4/10 Which capabilities, how many teams? Tap a capability to count 1, 2, 3 teams "
    "(a fourth tap clears it), then Done."
)


def capability_count(name: str, count: int) -> str:
    """A capability button with its team count."""
    return _("{name}: {count}", name=name, count=count)


DONE = N_("✅ Done")
CHOOSE_A_CAPABILITY = N_("Choose at least one capability first.")
UNKNOWN_CAPABILITY = N_("That capability is not in the catalogue.")


def capabilities_chosen(needs: Mapping[str, int], names: Mapping[str, str]) -> str:
    """The answered fourth question."""
    return _("Capabilities: {line}", line=capability_line(needs, names))


ASK_FORMS = N_("5/10 Which forms of assistance (Art. 3)? Tap to select, then Done.")


def toggle_label(label: str, chosen: bool) -> str:
    """A multiple-choice button, ticked when chosen."""
    return ("☑ " if chosen else "☐ ") + label


CHOOSE_A_FORM = N_("Choose at least one form of assistance.")
UNKNOWN_FORM = N_("Unknown form of assistance.")


def forms_chosen(forms: Sequence[str]) -> str:
    """The answered question of forms."""
    return _("Forms: {forms}", forms=forms_line(forms))


def ask_nature() -> str:
    """Question 6: the nature of the assistance (R3)."""
    return _(
        "6/10 Nature of the assistance: what should the other units do? ({cite}; no "
        "classified detail)",
        cite=rules.basis("R3"),
    )


def ask_necessity() -> str:
    """Question 7: the operational necessity (R3)."""
    return _(
        "7/10 Operational necessity: why can your own units not manage alone? ({cite})",
        cite=rules.basis("R3"),
    )


def ask_commander() -> str:
    """Question 8: the commander on scene (R7)."""
    return _(
        "8/10 Who commands on scene for your state? (name or call sign; assisting units act "
        "under this command, {cite})",
        cite=rules.basis("R7"),
    )


def ask_partners() -> str:
    """Question 9: partner states (R12)."""
    return _(
        "9/10 Include partner states not bound by the Decision (Norway, Switzerland, "
        "Iceland)? ({cite})",
        cite=rules.basis("R12"),
    )


INCLUDE_PARTNERS = N_("Yes, include partners")


def partners_line(included: bool) -> str:
    """Whether the partner states are asked too."""
    if included:
        return _("Partner states: included")
    return _("Partner states: not included")


ASK_PRIORITY = N_("10/10 Priority (used when several crises compete for the same units)?")
CHOOSE_A_PRIORITY = N_("Choose 1, 2 or 3.")


def priority_chosen(priority: str) -> str:
    """The answered last question."""
    return _("Priority: {priority}", priority=priority)


def request_summary(
    *,
    country: str,
    crisis_type: str,
    where: str,
    needs: Mapping[str, int],
    names: Mapping[str, str],
    forms: Sequence[str],
    nature: str,
    necessity: str,
    commander: str,
    partners: bool,
    priority: int,
) -> str:
    """The draft request as the requester confirms it."""
    return "\n".join(
        [
            _("REQUEST SUMMARY — {country}", country=country),
            _("Crisis: {type} at {where}", type=shown(CRISIS_TYPES, crisis_type), where=where),
            _("Capabilities: {line}", line=capability_line(needs, names)),
            _("Forms: {forms}", forms=forms_line(forms)),
            _("Nature: {text}", text=nature),
            _("Necessity: {text}", text=necessity),
            _("Commander on scene: {name}", name=commander),
            _("Partners: included") if partners else _("Partners: not included"),
            _("Priority: {priority}", priority=priority),
            "",
            _(
                "Submit? The planner will then propose units; nothing goes to other states "
                "until you choose a plan."
            ),
        ]
    )


SUBMIT_REQUEST = N_("✅ Submit request")
CANCEL = N_("✖ Cancel")


def request_recorded(crisis_id: int) -> str:
    """The request submitted."""
    return _("Request recorded as crisis #{id}. Planning…", id=crisis_id)


YES_I_CONFIRM = N_("Yes, I confirm")
NO = N_("No")


def not_an_authority(roles: str) -> str:
    """Someone who is no competent authority typed /request (R1)."""
    return _(
        "Only a state's competent authority can request assistance ({cite}). Your roles: {roles}",
        cite=rules.basis("R1"),
        roles=roles,
    )


# --- the answer to a request -------------------------------------------------------------------
ANSWER_CLOSED = N_(
    "There is no answer in progress. Press Accept, Decline or Counter-propose on the request "
    "again."
)
ANSWER_DISCARDED = N_("Answer discarded; the request is still open.")
DECLINE_REASONS: Mapping[str, str] = {
    "capacity": N_("No capacity available now"),
    "home": N_("Units needed at home"),
    "policy": N_("National policy does not allow this assistance"),
}


def ask_counter_proposal(request_id: int) -> str:
    """The first question of a counter-proposal (R5)."""
    return _(
        "Counter-proposal on request #{id} ({cite}). What do you propose instead? Type it "
        "(e.g. 'expertise only: 2 negotiators, from 18:00').",
        id=request_id,
        cite=rules.basis("R5"),
    )


def ask_answer_forms(accepting: bool) -> str:
    """The forms of assistance agreed or proposed (R6)."""
    if accepting:
        return _("Forms of assistance agreed ({cite}):", cite=rules.basis("R6"))
    return _("Forms of assistance proposed ({cite}):", cite=rules.basis("R6"))


NEXT_STEP = N_("Next ➡")
CHOOSE_AN_ANSWER_FORM = N_("Choose at least one form.")
UNKNOWN_ANSWER_FORM = N_("Unknown form.")
NO_ACTION_ABROAD = N_("Your state does not allow actions abroad.")
ASK_ARMS = N_("Will your officers carry arms on the requesting state's territory?")
YES_ARMED = N_("Yes, armed")


def arms_answered(arms: bool) -> str:
    """The answered question of arms."""
    return _("Arms carried: {arms}", arms=_("yes") if arms else _("no"))


ASK_HEADCOUNT = N_("How many officers? Tap or type a number.")
CHOOSE_A_NUMBER = N_("Choose a number.")


def headcount_chosen(count: int) -> str:
    """The answered question of headcount."""
    return _("Headcount: {count}", count=count)


def type_a_headcount(limit: int) -> str:
    """A typed headcount that is not a number in range."""
    return _("Headcount: type a whole number from 1 to {limit}.", limit=limit)


ASK_DURATION = N_("For how long?")


def duration_label(code: str) -> str:
    """A duration on its button, capitalised."""
    label = shown(DURATIONS, code)
    return label[:1].upper() + label[1:]


CHOOSE_A_DURATION = N_("Choose one of the durations.")


def duration_chosen(code: str) -> str:
    """The answered question of duration."""
    return _("Duration: {duration}", duration=shown(DURATIONS, code))


def ask_costs() -> str:
    """Who bears the costs (R9)."""
    return _(
        "Costs ({cite}): by default the requesting state bears the operational costs, "
        "transport and accommodation included.",
        cite=rules.basis("R9"),
    )


REQUESTER_PAYS = N_("Requesting state pays (default)")
OTHERWISE_AGREED = N_("Otherwise agreed…")


def costs_chosen(requester_pays: bool) -> str:
    """The answered question of costs."""
    if requester_pays:
        return _("Costs: the requesting state pays")
    return _("Costs: otherwise agreed")


ASK_COST_NOTE = N_("Type what was agreed about the costs.")
SAY_THE_COST_NOTE = N_("Please say what was agreed about the costs.")
ASK_CONTACT = N_(
    "Contact for the practical details: type a name and secure channel reference, or use yours."
)
USE_MY_NAME = N_("Use my name")


def member_name(display_name: str, member_id: int) -> str:
    """A member as a contact."""
    return display_name or _("member #{id}", id=member_id)


def contact_chosen(contact: str) -> str:
    """The answered question of contact."""
    return _("Contact: {contact}", contact=contact)


TYPE_A_CONTACT = N_("Please type a contact (name and secure channel reference).")
DESCRIBE_THE_PROPOSAL = N_("Please describe what you propose instead (at least 5 characters).")


def answer_summary(
    *,
    accepting: bool,
    request_id: int,
    units: Sequence[str],
    note: str,
    agreement: Mapping[str, object],
    asked_lines: Sequence[str] = (),
) -> str:
    """The answer as its author confirms it: each unit with the teams asked of it, when the
    request says so (``asked_lines``), else the units alone."""
    if asked_lines:
        title = (
            _("ACCEPT request #{id}, units and the teams asked of them:", id=request_id)
            if accepting
            else _(
                "COUNTER-PROPOSE request #{id}, units and the teams asked of them:",
                id=request_id,
            )
        )
        lines = [title, *asked_lines]
    elif accepting:
        lines = [_("ACCEPT request #{id} (units {units})", id=request_id, units=", ".join(units))]
    else:
        lines = [
            _(
                "COUNTER-PROPOSE request #{id} (units {units})",
                id=request_id,
                units=", ".join(units),
            )
        ]
    if note:
        lines.append(_("Proposal: {note}", note=note))
    lines += agreement_lines(agreement)
    lines += [
        liability_note(),
        "",
        _("Confirm? This is recorded and sent to the requesting state."),
    ]
    return "\n".join(lines)


DISCARD = N_("✖ Discard")


def ask_decline_reason(request_id: int) -> str:
    """Why the request is declined."""
    return _("Decline request #{id}: why?", id=request_id)


OTHER_REASON = N_("Other reason (type it)…")
TYPE_THE_REASON = N_("Type the reason for declining.")
UNKNOWN_REASON = N_("Unknown reason; press Decline on the request again.")
GIVE_A_REASON = N_("Please give a reason (at least 3 characters).")


def reason_chosen(reason: str) -> str:
    """The answered question of the reason."""
    return _("Reason: {reason}", reason=reason)


def confirm_decline(request_id: int, reason: str) -> str:
    """The refusal as its author confirms it."""
    return _("Decline request #{id} — reason: {reason}. Confirm?", id=request_id, reason=reason)


def headcount_word() -> str:
    """What a typed headcount is called when it is not one."""
    return _("headcount")


# --- /request: changing one answer before submitting ---------------------------------------

EDIT_REQUEST = N_("✏ Change an answer…")
ASK_WHICH_ANSWER = N_("Which answer do you want to change? The summary comes back after it.")
BACK_TO_SUMMARY = N_("⬅ Back to the summary")
# The steps of /request that can be asked again from the summary (step name: label).
EDITABLE_STEPS: dict[str, str] = {
    "where": N_("📍 Place"),
    "caps": N_("🛡 Capabilities and teams"),
    "forms": N_("🤝 Forms of assistance"),
    "nature": N_("📝 Nature of the assistance"),
    "necessity": N_("❗ Operational necessity"),
    "commander": N_("👤 Commander on scene"),
    "partners": N_("🌍 Partner states"),
    "priority": N_("⚡ Priority"),
}
