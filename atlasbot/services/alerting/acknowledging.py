"""Acknowledging an alert: one press stops the escalation everywhere at once; a later press,
by anyone, learns who was first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.i18n import _
from atlasbot.services import tokens
from atlasbot.services.alerting.raising import alert_object, get_alert, member_name
from atlasbot.services.alerting.settling import cancel_steps
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, NotAuthorised
from atlasbot.services.zones import zone_of
from atlasbot.storage import audit
from atlasbot.storage.models import ACTIVE_ALERT_STATES, Alert, AlertDelivery, AlertState
from atlasbot.texts import alerts as texts


@dataclass(frozen=True, slots=True)
class AckOutcome:
    """What one press of Acknowledge did."""

    alert_id: int
    newly: bool  # this press acknowledged it
    state: str
    by_name: str  # who acknowledged (or answered) it
    at: datetime | None
    is_drill: bool
    drill_id: int | None
    crisis_id: int | None = None  # its crisis: the board shows who acknowledged


@dataclass(frozen=True, slots=True)
class AckResult:
    """A press of Acknowledge, decided: what to tell the presser, and what happened."""

    outcome: AckOutcome
    answer: str  # the line the presser reads


def acknowledge_press(
    session: Session, *, callback_data: str, telegram_user_id: int, now: datetime, tz: ZoneInfo
) -> AckResult:
    """The Acknowledge button: redeem its token, take the alert, say what happened."""
    press = tokens.redeem(
        session, callback_data=callback_data, telegram_user_id=telegram_user_id, now=now
    )
    outcome = acknowledge(session, press.identity, int(press.payload["alert"]), now=now)
    answer = (
        texts.acknowledged()
        if outcome.newly
        else texts.already_acknowledged(
            outcome.by_name, outcome.at, zone_of(session, press.identity.member_id, fallback=tz)
        )
    )
    return AckResult(outcome, answer)


def acknowledge(
    session: Session, identity: Identity, alert_id: int, *, now: datetime
) -> AckOutcome:
    """A recipient takes the alert: the escalation stops everywhere at once. A second press
    (by anyone) learns who took it first."""
    alert = get_alert(session, alert_id, lock=True)
    held = session.exec(
        select(AlertDelivery.id).where(
            AlertDelivery.alert_id == alert_id, AlertDelivery.member_id == identity.member_id
        )
    ).first()
    if held is None:
        raise NotAuthorised(_("This alert was not sent to you."))
    if alert.state == AlertState.EXPIRED.value:
        raise Conflict(
            _("This alert has ended: {outcome}.", outcome=alert.outcome or _("expired"))
        )
    if alert.state == AlertState.ACKNOWLEDGED.value:
        return _outcome(session, alert, newly=False)
    taken = session.execute(
        update(Alert)
        .where(
            col(Alert.id) == alert_id,
            col(Alert.state).in_(ACTIVE_ALERT_STATES),
            col(Alert.version) == alert.version,
        )
        .values(
            state=AlertState.ACKNOWLEDGED.value,
            acknowledged_at=now,
            acknowledged_by_member_id=identity.member_id,
            version=alert.version + 1,
        )
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("The alert changed at this very moment; press Acknowledge again."))
    session.refresh(alert)
    cancel_steps(session, alert, only_stopping=True)
    seconds = (now - as_utc(alert.created_at)).total_seconds()
    audit.append(
        session,
        actor=identity.actor,
        action="alert.acknowledged",
        obj=alert_object(alert_id),
        payload={
            "seconds": round(seconds, 3),
            "step": alert.step_reached,
            "drill": alert.drill_id,
        },
        at=now,
    )
    return _outcome(session, alert, newly=True)


def _outcome(session: Session, alert: Alert, *, newly: bool) -> AckOutcome:
    assert alert.id is not None
    return AckOutcome(
        alert.id,
        newly,
        alert.state,
        member_name(session, alert.acknowledged_by_member_id),
        as_utc(alert.acknowledged_at) if alert.acknowledged_at else None,
        alert.is_drill,
        alert.drill_id,
        alert.crisis_id,
    )
