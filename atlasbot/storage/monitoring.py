"""What the metrics read from the database at each scrape: alerts waiting and overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from atlasbot.storage.models import ACTIVE_ALERT_STATES, Alert, EscalationStep, StepState


@dataclass(frozen=True, slots=True)
class AlertCounts:
    """Alerts still waiting for someone to act, and those among them whose next step
    should have fired more than the grace ago (a sign that no process is acting on them)."""

    pending: int
    overdue: int


def alert_counts(session: Session, now: datetime, *, grace_s: float = 5.0) -> AlertCounts:
    """Count the active alerts and the active alerts with a pending step past due + grace."""
    pending = session.exec(
        select(func.count()).select_from(Alert).where(col(Alert.state).in_(ACTIVE_ALERT_STATES))
    ).one()
    overdue = session.exec(
        select(func.count(distinct(col(EscalationStep.alert_id))))
        .join(Alert, col(Alert.id) == col(EscalationStep.alert_id))
        .where(col(Alert.state).in_(ACTIVE_ALERT_STATES))
        .where(col(EscalationStep.state) == StepState.PENDING.value)
        .where(col(EscalationStep.due_at) < now - timedelta(seconds=grace_s))
    ).one()
    return AlertCounts(pending=int(pending), overdue=int(overdue))
