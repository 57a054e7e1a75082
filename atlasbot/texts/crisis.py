"""The words of the crisis path: the request, plans, answers, orders, the board, closing.

Pure: these functions take plain values or read-only views (``CrisisView`` and friends, which
the storage rows satisfy), never a session, so a use case composes its messages with them in
its own transaction. Every text goes through ``atlasbot.i18n``; tables are marked with ``N_``
and translated when shown; capabilities, crisis types and statuses are named through
``atlasbot.names``, never shown as codes. Plain text: the bot escapes it for Telegram's HTML
parse mode (``atlasbot.bot.formatting``), so what a member typed is shown as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from atlasbot import names as display
from atlasbot import rules
from atlasbot.i18n import DEFAULT_LOCALE, N_, _, typed_in
from atlasbot.texts import outcomes as outcome_texts

# The crisis types and their names live with every other display name (atlasbot.names).
CRISIS_TYPES: Mapping[str, str] = display.CRISIS_TYPES
OUT_OF_SCOPE_TYPES: Mapping[str, str] = {
    "natural_disaster": N_("Natural disaster"),
    "accident": N_("Serious accident"),
    "mass_gathering": N_("Mass gathering"),
}
OUT_OF_SCOPE = N_(
    "Natural disasters, serious accidents and mass gatherings are not crisis situations under "
    "the Decision ({cite}); other instruments cover them, such as the EU Civil Protection "
    "Mechanism. This request was not recorded."
)
FORMS: Mapping[str, str] = {
    "equipment": N_("Equipment"),
    "expertise": N_("Expertise"),
    "action": N_("Action on our territory"),
}
STATES: Mapping[str, str] = {
    "ordered": N_("ordered"),
    "mobilising": N_("mobilising"),
    "departed": N_("en route"),
    "on_scene": N_("ON SCENE"),
    "released": N_("released"),
}
# A crisis's own status, as the board and the list of crises show it.
CRISIS_STATUSES: Mapping[str, str] = {
    "planning": N_("PLANNING"),
    "open": N_("OPEN"),
    "closed": N_("CLOSED"),
}
ANSWERS: Mapping[str, str] = {
    "pending": N_("awaiting answer"),
    "accepted": N_("ACCEPTED"),
    "declined": N_("declined"),
    "countered": N_("counter-proposal awaiting you"),
    "counter_rejected": N_("counter-proposal rejected"),
    "no_response": N_("no response"),
    "withdrawn": N_("withdrawn"),
}
COSTS: Mapping[str, str] = {
    "requesting_state_pays": N_("the requesting state bears the costs (default, {cite})"),
    "otherwise_agreed": N_("otherwise agreed: {note}"),
}
# How long the assistance lasts (R8): until the requesting state releases the units, or a
# fixed time agreed between the states. The keys are what the agreement records.
DURATIONS: Mapping[str, str] = {
    "until_released": N_("until the requesting state releases the units"),
    "24h": N_("24 hours"),
    "72h": N_("72 hours"),
    "1w": N_("one week"),
}


class CrisisView(Protocol):
    """What the texts read of a crisis (a ``Crisis`` row is one)."""

    @property
    def id(self) -> int | None: ...
    @property
    def requesting_country(self) -> str: ...
    @property
    def crisis_type(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def place(self) -> str: ...
    @property
    def nature(self) -> str: ...
    @property
    def necessity(self) -> str: ...
    @property
    def commander_on_scene(self) -> str: ...
    @property
    def status(self) -> str: ...


class RequestView(Protocol):
    """What the texts read of a request to another state (an ``AssistanceRequest`` row)."""

    @property
    def id(self) -> int | None: ...
    @property
    def country(self) -> str: ...
    @property
    def units(self) -> list[str]: ...
    @property
    def provides(self) -> dict[str, int]: ...
    @property
    def forms(self) -> list[str]: ...
    @property
    def status(self) -> str: ...
    @property
    def decline_reason(self) -> str: ...
    @property
    def agreement(self) -> dict[str, Any]: ...


class DeploymentView(Protocol):
    """What the texts read of a deployment (a ``Deployment`` row)."""

    @property
    def id(self) -> int | None: ...
    @property
    def assistance_request_id(self) -> int: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def eta_at(self) -> datetime | None: ...


def shown(table: Mapping[str, str], code: str) -> str:
    """The translated label of ``code`` in a table of texts (words made of the code when the
    table does not know it: a state added later reads "returning home", not "returning_home")."""
    return _(table[code]) if code in table else display.from_code(code).lower()


def capability_line(needs: Mapping[str, int], names: Mapping[str, str] | None = None) -> str:
    """Capabilities with their team counts, e.g. "Negotiation ×2, K9 ×1"."""
    if not needs:
        return _("none")
    return ", ".join(
        _("{name} ×{count}", name=display.capability_name(code, names), count=count)
        for code, count in needs.items()
    )


def forms_line(forms: Iterable[str]) -> str:
    """Forms of assistance, translated, comma-separated."""
    return ", ".join(shown(FORMS, str(form)) for form in forms)


def crisis_title(crisis: CrisisView) -> str:
    """One line naming a crisis: number, state, type and place."""
    where = crisis.place or f"{crisis.lat:.2f}, {crisis.lon:.2f}"
    return _(
        "Crisis #{id} ({country}): {kind} at {where}",
        id=crisis.id,
        country=crisis.requesting_country,
        kind=display.crisis_type_name(crisis.crisis_type),
        where=where,
    )


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """A time of day in the bot's zone, or a dash."""
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%H:%M %Z")


def asked_of_units(request: RequestView) -> dict[str, dict[str, int]]:
    """The teams asked of each unit of a request (docs/formats.md §5: what the plan asks).

    Requests sent before the plan said so hold only the state's summed teams: a request of one
    unit is read as asking those of it; for several units nothing can be said per unit.
    """
    asked = request.agreement.get("asked")
    if isinstance(asked, Mapping):
        return {str(unit): dict(teams) for unit, teams in asked.items()}
    if len(request.units) == 1:
        return {request.units[0]: dict(request.provides)}
    return {}


def asked_lines(request: RequestView, names: Mapping[str, str] | None = None) -> list[str]:
    """One line per unit with the teams asked of it, e.g. "  • nl-1: Hostage rescue ×2"."""
    return [
        _("  • {unit}: {teams}", unit=unit, teams=capability_line(teams, names))
        for unit, teams in asked_of_units(request).items()
    ]


def engagement_label(crisis: CrisisView) -> str:
    """How a plan names another open crisis that holds a unit, e.g. "crisis #3 of BE at
    Antwerp": its number and whose it is, so the two authorities can talk."""
    return _(
        "crisis #{id} of {country} at {where}",
        id=crisis.id,
        country=crisis.requesting_country,
        where=crisis.place or f"{crisis.lat:.2f}, {crisis.lon:.2f}",
    )


def _typed_language(crisis: CrisisView) -> str:
    """The language the requester typed in (English for records from before issue 15)."""
    return str(getattr(crisis, "language", None) or DEFAULT_LOCALE)


def request_to_authority(
    crisis: CrisisView, request: RequestView, names: Mapping[str, str], *, partner: bool = False
) -> str:
    """The request a requested state's competent authority receives (R2, R7, R12)."""
    # A partner state is not bound by the Decision: it is asked on another legal basis (R12).
    basis = (
        _("partner state, not bound by Decision 2008/617/JHA: {cite}", cite=rules.basis("R12"))
        if partner
        else _("Art. 3, 2008/617/JHA")
    )
    return _(
        "REQUEST FOR ASSISTANCE to {country} ({basis})\n"
        "{title}\n"
        "Asked of your state: units {units}\n"
        "Capabilities: {capabilities}\n"
        "{per_unit}"
        "Forms: {forms}\n"
        "Nature of assistance: {nature}\n"
        "Operational necessity: {necessity}\n"
        "Commander on scene (requesting state): {commander}\n"
        "Your units would act in a supporting role under the requesting state's command "
        "({cite}).\n\nAnswer with the buttons below.",
        country=request.country,
        basis=basis,
        title=crisis_title(crisis),
        units=", ".join(request.units),
        capabilities=capability_line(request.provides, names),
        per_unit="".join(f"{line}\n" for line in asked_lines(request, names)),
        forms=forms_line(request.forms),
        nature=typed_in(crisis.nature, _typed_language(crisis)),
        necessity=typed_in(crisis.necessity, _typed_language(crisis)),
        commander=typed_in(crisis.commander_on_scene, _typed_language(crisis)) or _("to be named"),
        cite=rules.basis("R7"),
    )


def agreement_lines(agreement: Mapping[str, Any]) -> list[str]:
    """The terms of an agreement or proposal, one per line (R6, R8, R9)."""
    costs_key = str(agreement.get("costs", "requesting_state_pays"))
    # What the answering authority typed is shown as typed, marked with its language.
    typed = str(agreement.get("language") or DEFAULT_LOCALE)
    note = typed_in(str(agreement.get("cost_note", "")), typed)
    costs = (
        _(COSTS[costs_key], cite=rules.basis("R9"), note=note) if costs_key in COSTS else costs_key
    )
    duration = str(agreement.get("duration"))
    lines = [
        _("Forms: {forms}", forms=forms_line(agreement.get("forms") or [])),
        _("Arms carried: {arms}", arms=_("yes") if agreement.get("arms") else _("no")),
        _("Headcount: {count}", count=agreement.get("headcount")),
        _(
            "Duration: {duration}",
            duration=_(DURATIONS.get(duration, DURATIONS["until_released"])),
        ),
        _("Costs: {costs}", costs=costs),
    ]
    if agreement.get("contact"):
        lines.append(_("Contact: {contact}", contact=typed_in(str(agreement["contact"]), typed)))
    if agreement.get("note"):
        lines.append(_("Note: {note}", note=typed_in(str(agreement["note"]), typed)))
    return lines


def agreement_summary(agreement: Mapping[str, Any]) -> str:
    """The agreed terms on one line, for the board."""
    costs = (
        _("costs otherwise agreed")
        if agreement.get("costs") == "otherwise_agreed"
        else _("requesting state pays")
    )
    return _(
        "{forms} • arms {arms} • {count} officers • {costs}",
        forms=forms_line(agreement.get("forms") or []),
        arms=_("yes") if agreement.get("arms") else _("no"),
        count=agreement.get("headcount"),
        costs=costs,
    )


def liability_note() -> str:
    """Where officers' liability abroad comes from (R10)."""
    return _(
        "Liability of officers abroad follows the Prüm Decision ({cite}).", cite=rules.basis("R10")
    )


class TrackView(Protocol):
    """What became of an alert (``assistance.outcomes.Track``): who acknowledged it, when."""

    @property
    def by_name(self) -> str: ...
    @property
    def at(self) -> datetime | None: ...
    @property
    def ran_out(self) -> bool: ...


def _unit_state(
    deployment: DeploymentView,
    track: TrackView | None,
    tz: ZoneInfo,
    now: datetime,
    home_by: datetime | None = None,
) -> str:
    """asked → acknowledged (by whom, when) → mobilising → en route (ETA) → on scene →
    released (returning, home by …)."""
    state = shown(STATES, deployment.state)
    if deployment.state == "released" and home_by is not None:
        state += _(", returning home by {time}", time=local_time(home_by, tz))
    if deployment.state == "departed" and deployment.eta_at:
        minutes = max(0, round((deployment.eta_at - now).total_seconds() / 60))
        state += _(
            ", ETA {time} (in {minutes} min)",
            time=local_time(deployment.eta_at, tz),
            minutes=minutes,
        )
    ordered = deployment.state == "ordered"
    if track is None or (track.at is None and not ordered):
        return state  # a unit that reported after its order ran out: its report says enough
    ran_out = track.ran_out and ordered
    return outcome_texts.unit_track(state, track.by_name, track.at, ran_out=ran_out, tz=tz)


def _board_request_lines(
    request: RequestView,
    deployments: Sequence[DeploymentView],
    tz: ZoneInfo,
    now: datetime,
    names: Mapping[str, str] | None,
    tracks: Mapping[str, TrackView],
    returning: Mapping[str, datetime],
) -> list[str]:
    lines = [
        _("\n{country}: {answer}", country=request.country, answer=shown(ANSWERS, request.status))
    ]
    opened = tracks.get(f"request:{request.id}")
    if request.status == "pending" and opened is not None and opened.at is not None:
        lines.append(outcome_texts.request_acknowledged(opened.by_name, opened.at, tz))
    if request.status == "declined" and request.decline_reason:
        lines.append(_("  reason: {reason}", reason=request.decline_reason))
    if request.status == "accepted" and request.agreement.get("forms"):
        lines.append(_("  agreed: {terms}", terms=agreement_summary(request.agreement)))
    asked = asked_of_units(request)
    for deployment in deployments:
        track = tracks.get(f"deployment:{deployment.id}")
        lines.append(
            _(
                "  • {unit}: {state}",
                unit=_unit_with_teams(deployment.unit_id, asked, names),
                state=_unit_state(deployment, track, tz, now, returning.get(deployment.unit_id)),
            )
        )
    if not deployments:
        units = ", ".join(_unit_with_teams(u, asked, names) for u in request.units)
        lines.append(_("  units asked: {units}", units=units))
    return lines


def _unit_with_teams(
    unit_id: str, asked: Mapping[str, Mapping[str, int]], names: Mapping[str, str] | None
) -> str:
    """E.g. "nl-1 (Hostage rescue ×2)"; the id alone when the teams asked are not known."""
    if unit_id not in asked:
        return unit_id
    return _("{unit} ({teams})", unit=unit_id, teams=capability_line(dict(asked[unit_id]), names))


def board(
    crisis: CrisisView,
    requests: Sequence[RequestView],
    deployments: Sequence[DeploymentView],
    missing: Mapping[str, int],
    tz: ZoneInfo,
    now: datetime,
    names: Mapping[str, str] | None = None,
    tracks: Mapping[str, TrackView] | None = None,
    returning: Mapping[str, datetime] | None = None,
) -> str:
    """The live board: one message, edited in place, with every state's answer and unit, and
    what became of each alert (``tracks``, by alert subject); released units on their way home
    with their ETA home (``returning``, by unit)."""
    lines = [
        _("LIVE BOARD — {title}", title=crisis_title(crisis)),
        _("Status: {status}", status=display.crisis_status_name(crisis.status).upper()),
    ]
    by_request: dict[int, list[DeploymentView]] = {}
    for deployment in deployments:
        by_request.setdefault(deployment.assistance_request_id, []).append(deployment)
    for request in requests:
        assert request.id is not None
        lines += _board_request_lines(
            request, by_request.get(request.id, []), tz, now, names, tracks or {}, returning or {}
        )
    if missing and crisis.status != "closed":
        lines.append(_("\nStill missing: {missing}", missing=capability_line(missing, names)))
    lines.append(_("\nUpdated {time}", time=local_time(now, tz)))
    return "\n".join(lines)


def mobilisation_order(
    crisis: CrisisView,
    deployment: DeploymentView,
    request: RequestView,
    names: Mapping[str, str] | None = None,
    requester: str = "",
) -> str:
    """The order a unit receives once its state accepted (R7): what (the teams asked of it,
    the nature and forms of the assistance), where (the place by name; a map pin follows)
    and who (the commander on scene and the requesting authority to contact)."""
    asked = asked_of_units(request)
    teams = (
        _("Teams asked of you: {teams}", teams=capability_line(asked[deployment.unit_id], names))
        if deployment.unit_id in asked
        # Sent before requests said what each unit is asked: the state's teams, said as such.
        else _(
            "Teams asked of your state: {teams}",
            teams=capability_line(dict(request.provides), names),
        )
    )
    coordinates = _("{lat:.4f}, {lon:.4f}", lat=crisis.lat, lon=crisis.lon)
    place = (
        _(
            "Place: {place} ({coordinates}); the map pin follows",
            place=crisis.place,
            coordinates=coordinates,
        )
        if crisis.place
        else _("Place: {coordinates}; the map pin follows", coordinates=coordinates)
    )
    forms = list(request.agreement.get("forms") or request.forms)
    return "\n".join(
        [
            _("MOBILISATION ORDER for {unit}", unit=deployment.unit_id),
            crisis_title(crisis),
            teams,
            _("Nature of the assistance: {nature}", nature=crisis.nature),
            _("Forms of assistance: {forms}", forms=forms_line(forms) or _("as agreed")),
            place,
            _(
                "Commander on scene (requesting state): {commander}",
                commander=crisis.commander_on_scene or _("to be named"),
            ),
            _(
                "Requesting authority to contact: {who} ({country})",
                who=requester or _("its competent authority"),
                country=crisis.requesting_country,
            ),
            _(
                "You act in a supporting role under the requesting state's command ({cite}).",
                cite=rules.basis("R7"),
            ),
            *agreement_lines(request.agreement),
            "",
            _("Report your progress with the buttons. Operational detail: secure channels only."),
        ]
    )


def deployment_status(deployment: DeploymentView, tz: ZoneInfo) -> str:
    """A unit's state (and ETA) on one line."""
    eta = _(", ETA {time}", time=local_time(deployment.eta_at, tz)) if deployment.eta_at else ""
    return _(
        "{unit}: {state}{eta}",
        unit=deployment.unit_id,
        state=shown(STATES, deployment.state),
        eta=eta,
    )


def list_lines(items: Iterable[str]) -> str:
    """Items as a bulleted list."""
    return "\n".join(f"• {item}" for item in items)


def counter_proposal(
    country: str, request_id: int, crisis_id: int | None, proposal: Mapping[str, Any]
) -> str:
    """The counter-proposal the requester is asked to accept or reject (R5)."""
    return "\n".join(
        [
            _(
                "↔ {country} COUNTER-PROPOSES on request #{request} (crisis #{crisis}):",
                country=country,
                request=request_id,
                crisis=crisis_id,
            ),
            *agreement_lines(proposal),
            "",
            _("Accept or reject it (nothing is accepted automatically)."),
        ]
    )


# --- the ETA typed by a departing unit -------------------------------------------------------

EXPECT_ETA = N_("Type the time of arrival, like 19:40 (your time) or +45 (minutes from now).")
ETA_TIMED_OUT = N_("The ETA was not typed in time: press 🚁 Departed… again.")


def ask_typed_eta(unit_id: str) -> str:
    """The question of the ETA wizard."""
    return _(
        "{unit} departing: when will you be on scene? Type a time like 19:40 (your time) or "
        "+45 (minutes from now). /cancel to stop.",
        unit=unit_id,
    )


def eta_again(problem: str, question: str) -> str:
    """A typed ETA that is not a time: what was wrong, and the question again."""
    return f"{problem}\n{question}"
