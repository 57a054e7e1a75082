"""Every word the bot says, in one place (plain text: no parse mode, nothing to escape)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from atlasbot import rules
from atlasbot.services.assistance import DURATIONS
from atlasbot.storage.models import (
    AnswerStatus,
    AssistanceRequest,
    Crisis,
    Deployment,
    DeploymentState,
)

CANCELLED = "Cancelled. Nothing was sent or recorded."
TIMED_OUT = (
    "Your draft request timed out after a long pause and was discarded. Send /request "
    "to start again."
)
WIZARD_REPLACED = "That form was replaced by a newer one: use the buttons of the latest message."
DRAFT_GONE = (
    "Your draft request could not be restored after the bot was updated. Send /request to "
    "start again, or /cancel."
)

CRISIS_TYPES: Mapping[str, str] = {
    "hostage_taking": "Hostage-taking",
    "hijacking": "Hijacking",
    "terrorist_attack": "Terrorist attack",
    "siege": "Siege / barricaded suspect",
    "other_serious_threat": "Other serious criminal threat",
}
OUT_OF_SCOPE_TYPES: Mapping[str, str] = {
    "natural_disaster": "Natural disaster",
    "accident": "Serious accident",
    "mass_gathering": "Mass gathering",
}
OUT_OF_SCOPE = (
    "Natural disasters, serious accidents and mass gatherings are not crisis situations under "
    "the Decision ({cite}); other instruments cover them, such as the EU Civil Protection "
    "Mechanism. This request was not recorded."
)
FORMS: Mapping[str, str] = {
    "equipment": "Equipment",
    "expertise": "Expertise",
    "action": "Action on our territory",
}
STATES: Mapping[str, str] = {
    "ordered": "ordered",
    "mobilising": "mobilising",
    "departed": "en route",
    "on_scene": "ON SCENE",
    "released": "released",
}
ANSWERS: Mapping[str, str] = {
    AnswerStatus.PENDING.value: "awaiting answer",
    AnswerStatus.ACCEPTED.value: "ACCEPTED",
    AnswerStatus.DECLINED.value: "declined",
    AnswerStatus.COUNTERED.value: "counter-proposal awaiting you",
    AnswerStatus.COUNTER_REJECTED.value: "counter-proposal rejected",
    AnswerStatus.NO_RESPONSE.value: "no response",
    AnswerStatus.WITHDRAWN.value: "withdrawn",
}
COSTS = {
    "requesting_state_pays": "the requesting state bears the costs (default, {cite})",
    "otherwise_agreed": "otherwise agreed: {note}",
}


def capability_line(needs: Mapping[str, int], names: Mapping[str, str] | None = None) -> str:
    if not needs:
        return "none"
    return ", ".join(f"{(names or {}).get(code, code)} ×{count}" for code, count in needs.items())


def crisis_title(crisis: Crisis) -> str:
    kind = CRISIS_TYPES.get(crisis.crisis_type, crisis.crisis_type)
    where = crisis.place or f"{crisis.lat:.2f}, {crisis.lon:.2f}"
    return f"Crisis #{crisis.id} ({crisis.requesting_country}): {kind} at {where}"


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%H:%M %Z")


def request_to_authority(
    crisis: Crisis, request: AssistanceRequest, names: Mapping[str, str], *, partner: bool = False
) -> str:
    forms = ", ".join(FORMS.get(f, f) for f in request.forms)
    units = ", ".join(request.units)
    # A partner state is not bound by the Decision: it is asked on another legal basis (R12).
    basis = (
        f"partner state, not bound by Decision 2008/617/JHA: {rules.cite('R12')}"
        if partner
        else "Art. 3, 2008/617/JHA"
    )
    return (
        f"REQUEST FOR ASSISTANCE to {request.country} ({basis})\n"
        f"{crisis_title(crisis)}\n"
        f"Asked of your state: units {units}\n"
        f"Capabilities: {capability_line(request.provides, names)}\n"
        f"Forms: {forms}\n"
        f"Nature of assistance: {crisis.nature}\n"
        f"Operational necessity: {crisis.necessity}\n"
        f"Commander on scene (requesting state): {crisis.commander_on_scene or 'to be named'}\n"
        f"Your units would act in a supporting role under the requesting state's command "
        f"({rules.cite('R7')}).\n\nAnswer with the buttons below."
    )


def agreement_lines(agreement: Mapping[str, Any]) -> list[str]:
    forms = ", ".join(FORMS.get(str(f), str(f)) for f in agreement.get("forms") or [])
    costs_key = str(agreement.get("costs", "requesting_state_pays"))
    costs = COSTS.get(costs_key, costs_key).format(
        cite=rules.cite("R9"), note=agreement.get("cost_note", "")
    )
    lines = [
        f"Forms: {forms}",
        f"Arms carried: {'yes' if agreement.get('arms') else 'no'}",
        f"Headcount: {agreement.get('headcount')}",
        f"Duration: {DURATIONS.get(str(agreement.get('duration')), DURATIONS['until_released'])}",
        f"Costs: {costs}",
    ]
    if agreement.get("contact"):
        lines.append(f"Contact: {agreement.get('contact')}")
    if agreement.get("note"):
        lines.append(f"Note: {agreement.get('note')}")
    return lines


def agreement_summary(agreement: Mapping[str, Any]) -> str:
    """The agreed terms on one line, for the board."""
    forms = ", ".join(FORMS.get(str(f), str(f)) for f in agreement.get("forms") or [])
    costs = (
        "costs otherwise agreed"
        if agreement.get("costs") == "otherwise_agreed"
        else "requesting state pays"
    )
    return (
        f"{forms} • arms {'yes' if agreement.get('arms') else 'no'} • "
        f"{agreement.get('headcount')} officers • {costs}"
    )


def liability_note() -> str:
    return f"Liability of officers abroad follows the Prüm Decision ({rules.cite('R10')})."


def board(
    crisis: Crisis,
    requests: Sequence[AssistanceRequest],
    deployments: Sequence[Deployment],
    missing: Mapping[str, int],
    tz: ZoneInfo,
    now: datetime,
) -> str:
    """The live board: one message, edited in place, with every state's answer and unit."""
    lines = [f"LIVE BOARD — {crisis_title(crisis)}", f"Status: {crisis.status.upper()}"]
    by_request: dict[int, list[Deployment]] = {}
    for deployment in deployments:
        by_request.setdefault(deployment.assistance_request_id, []).append(deployment)
    for request in requests:
        lines.append(f"\n{request.country}: {ANSWERS.get(request.status, request.status)}")
        if request.status == AnswerStatus.DECLINED.value and request.decline_reason:
            lines.append(f"  reason: {request.decline_reason}")
        if request.status == AnswerStatus.ACCEPTED.value and request.agreement.get("forms"):
            lines.append(f"  agreed: {agreement_summary(request.agreement)}")
        assert request.id is not None
        for deployment in by_request.get(request.id, []):
            state = STATES.get(deployment.state, deployment.state)
            eta = ""
            if deployment.state == DeploymentState.DEPARTED.value and deployment.eta_at:
                minutes = max(0, round((deployment.eta_at - now).total_seconds() / 60))
                eta = f", ETA {local_time(deployment.eta_at, tz)} (in {minutes} min)"
            lines.append(f"  • {deployment.unit_id}: {state}{eta}")
        if not by_request.get(request.id):
            lines.append(f"  units asked: {', '.join(request.units)}")
    if missing and crisis.status != "closed":
        lines.append(f"\nStill missing: {capability_line(missing)}")
    lines.append(f"\nUpdated {local_time(now, tz)}")
    return "\n".join(lines)


def mobilisation_order(
    crisis: Crisis, deployment: Deployment, agreement: Mapping[str, Any]
) -> str:
    return "\n".join(
        [
            f"MOBILISATION ORDER for {deployment.unit_id}",
            crisis_title(crisis),
            f"Location: {crisis.lat:.4f}, {crisis.lon:.4f}",
            f"Commander on scene (requesting state): {crisis.commander_on_scene or 'to be named'}",
            "You act in a supporting role under the requesting state's command "
            f"({rules.cite('R7')}).",
            *agreement_lines(agreement),
            "",
            "Report your progress with the buttons. Operational detail: secure channels only.",
        ]
    )


def deployment_status(deployment: Deployment, tz: ZoneInfo) -> str:
    eta = f", ETA {local_time(deployment.eta_at, tz)}" if deployment.eta_at else ""
    return f"{deployment.unit_id}: {STATES.get(deployment.state, deployment.state)}{eta}"


def list_lines(items: Iterable[str]) -> str:
    return "\n".join(f"• {item}" for item in items)
