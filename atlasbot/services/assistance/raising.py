"""The alerts a crisis decision raises: requests to authorities (R2), mobilisation orders, and
counter-proposals to the requester. Each is raised in the decision's transaction, so a
decision never commits without its alerts (a restart finds their first steps due)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from atlasbot.escalation import AlertKind, Timings
from atlasbot.i18n import _
from atlasbot.services import alerting
from atlasbot.services.crisis_records import get_answer, get_crisis, get_deployment
from atlasbot.services.outbox import Button
from atlasbot.storage.models import (
    AssistanceRequest,
    CapabilityRow,
    CountryRow,
    Crisis,
    Deployment,
    DeploymentState,
    Member,
)
from atlasbot.storage.models.assistance import request_subject
from atlasbot.texts import crisis as texts


def capability_names(session: Session) -> dict[str, str]:
    """The catalogue's capability names by code."""
    return {row.code: row.name for row in session.exec(select(CapabilityRow)).all()}


def button_specs(rows: Sequence[Sequence[Button]]) -> list[list[dict[str, Any]]]:
    """Buttons as an alert row stores them (their tokens are issued per recipient)."""
    return [
        [
            {
                "label": b.label,
                "action": b.action,
                "payload": b.payload,
                "single_use": b.single_use,
            }
            for b in row
        ]
        for row in rows
    ]


def answer_buttons(request_id: int) -> list[list[Button]]:
    """What a requested state's authority can answer (R5)."""
    payload = {"request": request_id}
    return [
        [Button(_("✅ Accept…"), "answer.accept", payload)],
        [Button(_("↔ Counter-propose…"), "answer.counter", payload)],
        [Button(_("✖ Decline…"), "answer.decline", payload)],
    ]


def progress_buttons(deployment_id: int, state: str) -> list[list[Button]]:
    """The next steps a unit can report, from where it is."""
    payload = {"deployment": deployment_id}
    order = [s.value for s in DeploymentState]
    position = order.index(state)
    labels = {
        DeploymentState.MOBILISING.value: _("🟡 Mobilising"),
        DeploymentState.DEPARTED.value: _("🚁 Departed…"),
        DeploymentState.ON_SCENE.value: _("📍 On scene"),
        DeploymentState.RELEASED.value: _("🏁 Released"),
    }
    # Releasing cannot be taken back: it asks first (issue 11).
    action = {
        DeploymentState.DEPARTED.value: "progress.departed",
        DeploymentState.RELEASED.value: "release.ask",
    }
    return [
        [Button(label, action.get(step, "progress.report"), {**payload, "state": step})]
        for step, label in labels.items()
        if order.index(step) > position
    ]


def _bound_by_decision(session: Session, country: str) -> bool:
    row = session.get(CountryRow, country)
    return row is None or row.bound_by_decision


def _request_alert(
    crisis: Crisis, request: AssistanceRequest, names: dict[str, str], partner: bool
) -> tuple[str, list[list[Button]]]:
    """A request's alert text and buttons in the current language."""
    assert request.id is not None
    text = texts.request_to_authority(crisis, request, names, partner=partner)
    return text, answer_buttons(request.id)


def _order_alert(
    crisis: Crisis,
    deployment: Deployment,
    request: AssistanceRequest,
    names: dict[str, str],
    requester: str,
) -> tuple[str, list[list[Button]]]:
    """A mobilisation order's alert text and buttons in the current language."""
    assert deployment.id is not None
    text = texts.mobilisation_order(crisis, deployment, request, names, requester)
    return text, progress_buttons(deployment.id, deployment.state)


def raise_assistance_requests(
    session: Session, request_ids: list[int], *, timings: Timings, now: datetime
) -> list[int]:
    """Record each new request to its state's competent authority members (R2) as an alert
    (reminder, then "no response" at the deadline), in the caller's transaction."""
    names = capability_names(session)
    alert_ids = []
    for request_id in request_ids:
        request = get_answer(session, request_id)
        crisis = get_crisis(session, request.crisis_id)
        partner = not _bound_by_decision(session, request.country)
        alert = alerting.raise_alert(
            session,
            kind=AlertKind.REQUEST,
            subject=request_subject(request_id),
            text=texts.request_to_authority(crisis, request, names, partner=partner),
            buttons=button_specs(answer_buttons(request_id)),
            translations=alerting.in_every_language(
                functools.partial(_request_alert, crisis, request, names, partner)
            ),
            timings=timings,
            now=now,
            crisis_id=crisis.id,
            country=request.country,
        )
        assert alert.id is not None
        alert_ids.append(alert.id)
    return alert_ids


def requester_name(session: Session, crisis: Crisis) -> str:
    """Who asked for help, by name: the order's contact in the requesting state."""
    member = session.get(Member, crisis.requester_member_id)
    return member.display_name if member is not None else ""


def raise_mobilisation_orders(
    session: Session, deployment_ids: list[int], *, timings: Timings, now: datetime
) -> list[int]:
    """Order each unit as an alert (its duty member first, then the whole unit, then its
    state's competent authority, until someone acknowledges or reports progress)."""
    names = capability_names(session)
    alert_ids = []
    for deployment_id in deployment_ids:
        deployment = get_deployment(session, deployment_id)
        crisis = get_crisis(session, deployment.crisis_id)
        request = get_answer(session, deployment.assistance_request_id)
        alert = alerting.raise_alert(
            session,
            kind=AlertKind.ORDER,
            subject=f"deployment:{deployment_id}",
            text=texts.mobilisation_order(
                crisis, deployment, request, names, requester_name(session, crisis)
            ),
            buttons=button_specs(progress_buttons(deployment_id, deployment.state)),
            translations=alerting.in_every_language(
                functools.partial(
                    _order_alert,
                    crisis,
                    deployment,
                    request,
                    names,
                    requester_name(session, crisis),
                )
            ),
            timings=timings,
            now=now,
            crisis_id=crisis.id,
            unit_id=deployment.unit_id,
        )
        assert alert.id is not None
        alert_ids.append(alert.id)
    return alert_ids


def raise_counter_proposal(
    session: Session, request: AssistanceRequest, *, timings: Timings, now: datetime
) -> int:
    """The counter-proposal as an alert to the requester: it waits for their answer."""
    assert request.id is not None
    crisis = get_crisis(session, request.crisis_id)
    payload = {"request": request.id}
    request_id = request.id

    def render() -> tuple[str, list[list[Button]]]:
        buttons = [
            [
                Button(_("✅ Accept proposal"), "counter.accept", payload, single_use=True),
                Button(_("✖ Reject"), "counter.reject", payload, single_use=True),
            ]
        ]
        proposal = dict(request.agreement.get("proposal", {}))
        return texts.counter_proposal(request.country, request_id, crisis.id, proposal), buttons

    text, buttons = render()
    alert = alerting.raise_alert(
        session,
        kind=AlertKind.COUNTER,
        subject=request_subject(request.id),
        text=text,
        buttons=button_specs(buttons),
        translations=alerting.in_every_language(render),
        timings=timings,
        now=now,
        crisis_id=crisis.id,
        country=crisis.requesting_country,
    )
    assert alert.id is not None
    return alert.id
