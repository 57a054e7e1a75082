"""Is the thing behind an alert still waiting for someone? An alert whose request or order
was acted on counts as acknowledged, and every step stops; one that ran out of time ends."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.escalation import AlertKind
from atlasbot.services import crisis_records
from atlasbot.services.alerting.raising import alert_object
from atlasbot.storage import audit
from atlasbot.storage.models import (
    Alert,
    AlertDelivery,
    AlertState,
    AnswerStatus,
    AuditEntry,
    DeliveryStatus,
    DeploymentState,
    EscalationStep,
    StepState,
)


@dataclass(frozen=True, slots=True)
class Settled:
    """The thing behind an alert was acted on: by whom (member id, if known) and how."""

    by_member_id: int | None
    outcome: str


def _request_settled(session: Session, alert: Alert) -> Settled | None:
    request = crisis_records.get_answer(session, int(alert.subject.split(":")[1]))
    if request.status == AnswerStatus.PENDING.value:
        return None
    words = {AnswerStatus.COUNTERED.value: "counter-proposed"}
    return Settled(
        request.answered_by_member_id,
        "answered: " + words.get(request.status, request.status.replace("_", " ")),
    )


def _counter_settled(session: Session, alert: Alert) -> Settled | None:
    request = crisis_records.get_answer(session, int(alert.subject.split(":")[1]))
    if request.status == AnswerStatus.COUNTERED.value:
        return None
    crisis = crisis_records.get_crisis(session, request.crisis_id)
    return Settled(crisis.requester_member_id, "answered: " + request.status.replace("_", " "))


def _order_settled(session: Session, alert: Alert) -> Settled | None:
    deployment = crisis_records.get_deployment(session, int(alert.subject.split(":")[1]))
    if deployment.state == DeploymentState.ORDERED.value:
        return None
    return Settled(
        _progress_reporter(session, deployment.crisis_id, deployment.id),
        f"reported {deployment.state.replace('_', ' ')}",
    )


def _progress_reporter(session: Session, crisis_id: int, deployment_id: int | None) -> int | None:
    """The member who last reported a deployment's progress, from the audit log."""
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.object == f"crisis:{crisis_id}",
            col(AuditEntry.action).startswith("deployment."),
        )
        .order_by(col(AuditEntry.seq).desc())
    ).all()
    for entry in entries:
        if entry.payload.get("deployment") == deployment_id and entry.actor.startswith("member:"):
            return int(entry.actor.removeprefix("member:"))
    return None


SETTLED_CHECKS: Mapping[AlertKind, Callable[[Session, Alert], Settled | None]] = {
    AlertKind.REQUEST: _request_settled,
    AlertKind.COUNTER: _counter_settled,
    AlertKind.ORDER: _order_settled,
    AlertKind.DRILL: lambda session, alert: None,
}


def settle(session: Session, alert: Alert, settled: Settled, now: datetime) -> None:
    """The thing was acted on: the alert counts as acknowledged and every step stops."""
    if AlertState(alert.state).is_active:
        alert.state = AlertState.ACKNOWLEDGED.value
        alert.acknowledged_at = now
        alert.acknowledged_by_member_id = settled.by_member_id
    alert.resolved_at = now
    alert.outcome = settled.outcome[:200]
    alert.version += 1
    session.add(alert)
    cancel_steps(session, alert, only_stopping=False)
    _reopen_copies(session, alert)
    audit.append(
        session,
        actor="bot",
        action="alert.settled",
        obj=alert_object(alert.id),
        payload={"outcome": alert.outcome, "by": settled.by_member_id},
        at=now,
    )


def finish(session: Session, alert: Alert, outcome: str, now: datetime) -> None:
    """The chain ran out (no response by the deadline, or expired unacknowledged)."""
    if AlertState(alert.state).is_active:
        alert.state = AlertState.EXPIRED.value
        alert.outcome = outcome
    alert.resolved_at = now
    alert.version += 1
    session.add(alert)
    cancel_steps(session, alert, only_stopping=False)
    _reopen_copies(session, alert)
    audit.append(
        session,
        actor="bot",
        action="alert.expired",
        obj=alert_object(alert.id),
        payload={"outcome": outcome, "state": alert.state},
        at=now,
    )


def cancel_steps(session: Session, alert: Alert, *, only_stopping: bool) -> None:
    """Cancel the alert's pending steps (only those an acknowledgement stops, if asked)."""
    query = (
        update(EscalationStep)
        .where(
            col(EscalationStep.alert_id) == alert.id,
            col(EscalationStep.state) == StepState.PENDING.value,
        )
        .values(state=StepState.CANCELLED.value, version=EscalationStep.version + 1)
    )
    if only_stopping:
        query = query.where(col(EscalationStep.stops_on_ack).is_(True))
    session.execute(query)


def _reopen_copies(session: Session, alert: Alert) -> None:
    """Copies closed at an acknowledgement say who took it; once the thing is answered or
    over they are edited again to say so. A unit's order is edited by its progress reports,
    so its copies stay as they are."""
    if alert.kind == AlertKind.ORDER.value:
        return
    session.execute(
        update(AlertDelivery)
        .where(
            col(AlertDelivery.alert_id) == alert.id,
            col(AlertDelivery.status) == DeliveryStatus.SENT.value,
        )
        .values(copy_closed=False)
    )


def settle_acted_upon(session: Session, *, crisis_id: int, now: datetime) -> list[int]:
    """Settle every alert of a crisis whose request or order was acted on since; returns
    their ids (their copies are then edited). Called after each decision on the crisis."""
    alerts = session.exec(
        select(Alert).where(Alert.crisis_id == crisis_id, col(Alert.resolved_at).is_(None))
    ).all()
    settled_ids = []
    for alert in alerts:
        outcome = SETTLED_CHECKS[AlertKind(alert.kind)](session, alert)
        if outcome is not None:
            settle(session, alert, outcome, now)
            assert alert.id is not None
            settled_ids.append(alert.id)
    return settled_ids
