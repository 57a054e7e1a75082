"""Copies of settled alerts, and recovery after a restart.

Delivery semantics after a crash (``leases``): a ``sending`` row of an alert that still waits
for someone is sent again: plainly when no send call was in doubt, marked "possible repeat"
when one was (Telegram may have accepted it just before the crash), never a third time
(``unconfirmed``); a row another live process holds is left to it until its lease runs out;
a ``sending`` row of an alert already acknowledged, answered or expired is abandoned, so a
settled alert is never sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.escalation import AlertKind
from atlasbot.services import duty
from atlasbot.services.alerting.deliveries import CopyToSend, keyboard_of
from atlasbot.services.alerting.leases import Owner, give_up, may_take, take
from atlasbot.services.alerting.raising import (
    ArmedStep,
    alert_object,
    member_name,
    next_steps,
)
from atlasbot.services.alerting.steps import order_pin
from atlasbot.services.outbox import Message, Venue
from atlasbot.services.readers import reading
from atlasbot.services.zones import zone_of
from atlasbot.storage import audit
from atlasbot.storage.leadership import this_process
from atlasbot.storage.models import (
    ACTIVE_ALERT_STATES,
    Alert,
    AlertDelivery,
    AlertState,
    AssistanceRequest,
    Crisis,
    CrisisStatus,
    DeliveryStatus,
)
from atlasbot.storage.models.assistance import REQUEST_SUBJECT
from atlasbot.texts import alerts as texts

# Alerts whose buttons are an answer: once answered, every copy loses them all (issue 11).
_ANSWERABLE = frozenset({AlertKind.REQUEST.value, AlertKind.COUNTER.value})


@dataclass(frozen=True, slots=True)
class CopyToClose:
    """A delivered copy of an alert that no longer waits: edit it to say so."""

    delivery_id: int
    alert_id: int
    chat_id: int
    message_id: int
    text: str
    markup: list[Any]
    state: str
    outcome: str
    by_name: str
    at: datetime | None
    skip_edit: bool  # the reporter's own copy of an order: the report already edited it
    member_id: int = 0  # whose copy it is (they read its times in their zone)
    # A request or counter-proposal answered (or run out): no button of it works any more.
    answered: bool = False
    # A request that ran out but may still be answered late: it keeps its answer buttons.
    late_open: bool = False


def copies_to_close(session: Session, alert_ids: Sequence[int] | None = None) -> list[CopyToClose]:
    """Sent copies of settled alerts that still show an Acknowledge button."""
    query = (
        select(AlertDelivery, Alert)
        .join(Alert, col(Alert.id) == col(AlertDelivery.alert_id))
        .where(
            AlertDelivery.status == DeliveryStatus.SENT.value,
            col(AlertDelivery.copy_closed).is_(False),
            col(Alert.state).not_in(ACTIVE_ALERT_STATES),
        )
    )
    if alert_ids is not None:
        query = query.where(col(Alert.id).in_(list(alert_ids)))
    names: dict[int | None, str] = {}
    copies = []
    for delivery, alert in session.exec(query.order_by(col(AlertDelivery.id))).all():
        if delivery.message_id is None or delivery.id is None or alert.id is None:
            continue
        who = alert.acknowledged_by_member_id
        is_order = alert.kind == AlertKind.ORDER.value
        if who not in names:
            names[who] = member_name(session, who)
        copies.append(
            CopyToClose(
                delivery.id,
                alert.id,
                delivery.chat_id,
                delivery.message_id,
                delivery.text,
                list(delivery.markup),
                alert.state,
                alert.outcome,
                names[who],
                as_utc(alert.acknowledged_at) if alert.acknowledged_at else None,
                skip_edit=is_order
                and alert.resolved_at is not None
                and alert.outcome.startswith("reported")
                and delivery.member_id == who,
                member_id=delivery.member_id,
                answered=alert.resolved_at is not None and alert.kind in _ANSWERABLE,
                late_open=_late_open(session, alert),
            )
        )
    return copies


def _late_open(session: Session, alert: Alert) -> bool:
    """A request alert that ran out while its state may still answer late (crisis open)."""
    if alert.kind != AlertKind.REQUEST.value or alert.state == AlertState.ACKNOWLEDGED.value:
        return False
    number = alert.subject.removeprefix(REQUEST_SUBJECT)
    if not alert.subject.startswith(REQUEST_SUBJECT) or not number.isdigit():
        return False
    request = session.get(AssistanceRequest, int(number))
    if request is None or not request.awaits_late_answer():
        return False
    crisis = session.get(Crisis, request.crisis_id)
    return crisis is not None and crisis.status != CrisisStatus.CLOSED.value


def reopen_copies(session: Session, subject: str) -> tuple[int, ...]:
    """The copies of the alert about ``subject`` are to be edited again (what they show
    changed after they were closed); returns the alert ids for ``close_copies``."""
    alerts = session.exec(select(Alert.id).where(Alert.subject == subject)).all()
    ids = tuple(alert_id for alert_id in alerts if alert_id is not None)
    if ids:
        session.execute(
            update(AlertDelivery)
            .where(
                col(AlertDelivery.alert_id).in_(ids),
                col(AlertDelivery.status) == DeliveryStatus.SENT.value,
            )
            .values(copy_closed=False)
        )
    return ids


@dataclass(frozen=True, slots=True)
class CopyEdit:
    """A copy to edit in place: the message it is, and what it should now say (None: the
    copy needs no edit, only to be marked closed)."""

    delivery_id: int
    message_id: int
    message: Message | None


def closing_edits(
    session: Session, alert_ids: Sequence[int] | None, *, tz: ZoneInfo
) -> list[CopyEdit]:
    """Every sent copy of the settled alerts, as it should now read: who acknowledged, no
    Acknowledge button; once a request or counter-proposal is answered (or ran out), none of
    its buttons either, on every copy."""
    edits = []
    for copy in copies_to_close(session, alert_ids):
        if copy.skip_edit:
            edits.append(CopyEdit(copy.delivery_id, copy.message_id, None))
            continue
        # Each copy was written in its recipient's language, and is closed in it.
        with reading(session, copy.chat_id):
            ack = texts.ack_label()
            rows = [row for row in copy.markup if not any(b.get("text") == ack for b in row)]
            if copy.answered and not copy.late_open:
                rows = []
            text = texts.closed_copy(copy, zone_of(session, copy.member_id, fallback=tz))
        message = Message(copy.chat_id, text, keyboard_of(rows), alert_object(copy.alert_id))
        edits.append(CopyEdit(copy.delivery_id, copy.message_id, message))
    return edits


def mark_copies_closed(session: Session, delivery_ids: Sequence[int]) -> None:
    """These copies were edited: they say how their alert ended."""
    if delivery_ids:
        session.execute(
            update(AlertDelivery)
            .where(col(AlertDelivery.id).in_(list(delivery_ids)))
            .values(copy_closed=True)
        )


@dataclass(frozen=True, slots=True)
class InFlight:
    """A copy that was being sent when the process stopped."""

    delivery_id: int
    alert_id: int
    chat_id: int
    text: str
    markup: list[Any]
    venue: Venue | None = None  # an order's place, pinned after it as the first time

    def resend(self, member_id: int) -> CopyToSend:
        """The copy to send again, as it was written before the crash, with its pin."""
        message = Message(self.chat_id, self.text, keyboard_of(self.markup), venue=self.venue)
        return CopyToSend(self.delivery_id, self.alert_id, member_id, message)


def in_flight_at_start(
    session: Session, *, now: datetime, owner: Owner | None = None, at_start: bool = True
) -> list[InFlight]:
    """``sending`` rows left by a crash (or by a process whose lease ran out), taken over by
    ``owner``: those of alerts still waiting are returned to be sent again (marked "possible
    repeat" when a call is in doubt, never a third time); those of settled alerts are
    abandoned. A row another live process holds is left alone."""
    owner = owner or Owner(this_process(), None, 30.0, alone=True)
    rows = session.exec(
        select(AlertDelivery, Alert)
        .join(Alert, col(Alert.id) == col(AlertDelivery.alert_id))
        .where(AlertDelivery.status == DeliveryStatus.SENDING.value)
        .order_by(col(AlertDelivery.id))
    ).all()
    again = []
    for delivery, alert in rows:
        assert delivery.id is not None
        if not may_take(delivery, owner, now, at_start=at_start):
            continue
        if delivery.calls_in_doubt >= 2:
            give_up(session, delivery, now)
        elif AlertState(alert.state).is_active and delivery.text:
            take(session, delivery, owner, now)
            again.append(
                InFlight(
                    delivery.id,
                    delivery.alert_id,
                    delivery.chat_id,
                    delivery.text,
                    list(delivery.markup),
                    order_pin(session, alert),
                )
            )
        else:
            _abandon(session, delivery, alert.state, now)
    return again


def _abandon(session: Session, delivery: AlertDelivery, state: str, now: datetime) -> None:
    delivery.status = DeliveryStatus.ABANDONED.value
    delivery.updated_at = now
    delivery.lease_until = None
    session.add(delivery)
    doubt = "; it may have been delivered (no message id to edit)"
    audit.append(
        session,
        actor="bot",
        action="alert.delivery_abandoned",
        obj=alert_object(delivery.alert_id),
        payload={
            "member": delivery.member_id,
            "step": delivery.step_number,
            "reason": f"in flight at a restart; alert {state}"
            + (doubt if delivery.calls_in_doubt else ""),
        },
        at=now,
    )


@dataclass(frozen=True, slots=True)
class Recovery:
    """What a restart finds: copies to send again, steps and shift reminders to arm."""

    resend: tuple[CopyToSend, ...]
    steps: tuple[ArmedStep, ...]
    reminders: tuple[tuple[int, int, datetime], ...]  # (shift id, version, due)


def taken_over(
    session: Session, *, now: datetime, owner: Owner | None = None, at_start: bool = True
) -> tuple[CopyToSend, ...]:
    """The copies ``owner`` takes over (``in_flight_at_start``), ready to send."""
    in_flight = in_flight_at_start(session, now=now, owner=owner, at_start=at_start)
    wanted = [copy.delivery_id for copy in in_flight]
    members = (
        dict(
            session.exec(
                select(AlertDelivery.id, AlertDelivery.member_id).where(
                    col(AlertDelivery.id).in_(wanted)
                )
            ).all()
        )
        if wanted
        else {}
    )
    return tuple(copy.resend(int(members[copy.delivery_id])) for copy in in_flight)


def recover(session: Session, *, now: datetime, owner: Owner | None = None) -> Recovery:
    """At start: abandon or resend the copies a crash left in flight, and every due time."""
    return Recovery(
        taken_over(session, now=now, owner=owner),
        tuple(next_steps(session)),
        tuple(duty.pending_reminders(session)),
    )
