"""Copies of an alert: written ``sending`` before the Bot API call and ``sent`` (with the
message id) after it, every outcome audited; a member who blocked the bot is skipped to the
next step at once, and the unit's commanders are told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import Action
from atlasbot.i18n import _
from atlasbot.services.alerting.raising import (
    ArmedStep,
    alert_object,
    get_alert,
    member_name,
)
from atlasbot.services.enrolment import members_with
from atlasbot.services.errors import NotFound
from atlasbot.services.outbox import IssuedButton, Keyboard, Message
from atlasbot.services.readers import messages_for
from atlasbot.storage import audit
from atlasbot.storage.models import (
    AlertDelivery,
    AlertState,
    DeliveryStatus,
    EscalationStep,
    Role,
    StepState,
)
from atlasbot.texts import alerts as texts


@dataclass(frozen=True, slots=True)
class CopyToSend:
    """One copy of an alert to send: its delivery row, the member, and the message."""

    delivery_id: int
    alert_id: int
    member_id: int
    message: Message


def stored_rows(keyboard: Keyboard) -> list[list[dict[str, Any]]]:
    """A keyboard as a delivery row keeps it (to send it again, or edit it, later)."""
    return [[{"text": b.label, "callback_data": b.callback_data} for b in row] for row in keyboard]


def keyboard_of(rows: Sequence[Sequence[dict[str, Any]]]) -> Keyboard:
    """A kept keyboard, ready to send again."""
    return tuple(
        tuple(IssuedButton(str(b["text"]), str(b.get("callback_data") or "")) for b in row)
        for row in rows
        if row
    )


def describe_copy(session: Session, delivery_id: int, text: str, markup: list[Any]) -> None:
    """Keep what a copy says and which buttons it has (before it is sent)."""
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None:
        return
    delivery.text = text[:4096]
    delivery.markup = markup
    session.add(delivery)


def record_delivery(
    session: Session,
    delivery_id: int,
    *,
    status: DeliveryStatus,
    message_id: int | None,
    attempts: int,
    error: str,
    now: datetime,
) -> AlertDelivery | None:
    """Write what became of one copy, and audit it."""
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None:
        return None
    delivery.status = status.value
    delivery.message_id = message_id
    delivery.attempts += attempts
    delivery.last_error = error[:300]
    # A definite outcome: nothing is in doubt any more, and nobody needs to hold the row.
    delivery.calls_in_doubt = 0
    delivery.lease_until = None
    delivery.updated_at = now
    session.add(delivery)
    audit.append(
        session,
        actor="bot",
        action=f"alert.delivery_{status.value}",
        obj=alert_object(delivery.alert_id),
        payload={
            "member": delivery.member_id,
            "step": delivery.step_number,
            "message_id": message_id,
            "attempts": attempts,
            "error": error[:300],
        },
        at=now,
    )
    return delivery


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What the Bot API made of one send."""

    status: DeliveryStatus
    message_id: int | None
    attempts: int
    error: str


def record_send(
    session: Session, copy: CopyToSend, outcome: SendOutcome, *, now: datetime
) -> tuple[Message, ...]:
    """Record what became of a copy; when its member blocked the bot, return the notices to
    the unit's commanders (the chain goes on to its next step without waiting for them)."""
    record_delivery(
        session,
        copy.delivery_id,
        status=outcome.status,
        message_id=outcome.message_id,
        attempts=outcome.attempts,
        error=outcome.error,
        now=now,
    )
    if outcome.status is not DeliveryStatus.BLOCKED:
        return ()
    alert = get_alert(session, copy.alert_id)
    assert alert.id is not None
    name, alert_id = member_name(session, copy.member_id), alert.id
    return messages_for(
        session,
        commanders_to_tell(session, copy.alert_id, copy.member_id),
        lambda: texts.blocked_notice(
            name, alert.unit_id, is_drill=alert.is_drill, alert_id=alert_id
        ),
        purpose=f"blocked:{alert.id}",
    )


def hurry_if_unreached(session: Session, alert_id: int, *, now: datetime) -> ArmedStep | None:
    """Nobody holds a copy (blocked the bot, undeliverable, nobody to ask): bring the next
    notify step forward to now instead of waiting on people who cannot see the alert."""
    alert = get_alert(session, alert_id, lock=True)
    if not AlertState(alert.state).is_active:
        return None
    holding = session.exec(
        select(AlertDelivery.id).where(
            AlertDelivery.alert_id == alert_id,
            col(AlertDelivery.status).in_(
                [DeliveryStatus.SENT.value, DeliveryStatus.SENDING.value]
            ),
        )
    ).first()
    if holding is not None:
        return None
    step = session.exec(
        select(EscalationStep)
        .where(
            EscalationStep.alert_id == alert_id,
            EscalationStep.state == StepState.PENDING.value,
        )
        .order_by(col(EscalationStep.number))
    ).first()
    if step is None or step.action != Action.NOTIFY.value or as_utc(step.due_at) <= now:
        return None
    step.due_at = now
    step.version += 1
    session.add(step)
    audit.append(
        session,
        actor="bot",
        action="alert.skipped_ahead",
        obj=alert_object(alert_id),
        payload={"step": step.number, "reason": "nobody could be reached"},
        at=now,
    )
    assert step.id is not None
    return ArmedStep(step.id, alert_id, step.number, step.version, now)


def commanders_to_tell(session: Session, alert_id: int, blocked_member: int) -> list[int]:
    """Telegram ids of the commanders to tell that a member of their unit blocked the bot."""
    alert = get_alert(session, alert_id)
    if alert.unit_id is None:
        return []
    return [
        chat
        for member, chat in members_with(session, Role.COMMANDER, unit_id=alert.unit_id)
        if member != blocked_member
    ]


def addressed_count(session: Session, alert_ids: Sequence[int]) -> int:
    """How many copies of these alerts were addressed to members (whatever became of them)."""
    rows = session.exec(
        select(AlertDelivery.id).where(col(AlertDelivery.alert_id).in_(list(alert_ids)))
    ).all()
    return len(rows)


def delivery_member(session: Session, delivery_id: int) -> int:
    """The member a copy is addressed to."""
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None:
        raise NotFound(_("There is no delivery #{id}.", id=delivery_id))
    return delivery.member_id
