"""Who sends a copy, and whether a send call is in doubt (issue 12: exactly once where it can
be had, at most one marked repeat where it cannot).

A delivery row carries its ``owner`` (host:pid and the leadership epoch it led with) and a
``lease_until``, renewed while that process sends or waits out a 429. Before each
``sendMessage`` the row counts one more call in doubt (committed first); a definite answer
(the message id, a 429, a 403, a 5xx, a refusal) clears it. So after a crash:

- no call in doubt: Telegram never accepted the copy; it is sent (again) plainly;
- one call in doubt: the copy may have reached the member; it is sent once more, marked
  "possible repeat";
- two calls in doubt: the marked re-send died as well; the row is ``unconfirmed`` and
  never sent again.

A row another live process sends is not touched before its lease runs out. A process that
leads with a newer epoch may take over at once a row of an older epoch with no call in
doubt: the fenced old leader cannot start another call (``begin_call`` checks the owner
in a guarded transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.services.alerting.raising import alert_object
from atlasbot.storage import audit
from atlasbot.storage.models import AlertDelivery, DeliveryStatus


@dataclass(frozen=True, slots=True)
class Owner:
    """The process that sends: its name, the epoch it leads with, its lease, and whether
    it is the only process that can use the database (SQLite's lock file: any other owner
    is dead)."""

    name: str
    epoch: int | None
    lease_s: float
    alone: bool = False

    def lease_from(self, now: datetime, extra_s: float = 0.0) -> datetime:
        return now + timedelta(seconds=self.lease_s + extra_s)


@dataclass(frozen=True, slots=True)
class CallPermit:
    """Whether to call sendMessage for a copy now, and how."""

    go: bool
    marked: bool = False  # an earlier call may have reached the member: say "possible repeat"
    gave_up: bool = False  # two calls in doubt already: the row is now ``unconfirmed``


def is_mine(delivery: AlertDelivery, owner: Owner) -> bool:
    return delivery.owner == owner.name and delivery.owner_epoch == owner.epoch


def may_take(delivery: AlertDelivery, owner: Owner, now: datetime, *, at_start: bool) -> bool:
    """Whether ``owner`` may take over a ``sending`` row it does not hold: unowned (only at
    a start: a live process sends its new rows), its owner dead (alone), fenced with nothing
    in doubt, or out of lease."""
    if is_mine(delivery, owner):
        return False
    if delivery.owner is None:
        return at_start
    if owner.alone:
        return True
    older = owner.epoch is not None and (delivery.owner_epoch or 0) < owner.epoch
    if older and delivery.calls_in_doubt == 0:
        return True
    return delivery.lease_until is None or as_utc(delivery.lease_until) <= now


def take(session: Session, delivery: AlertDelivery, owner: Owner, now: datetime) -> None:
    """Hold a row from now (its calls in doubt stay as they are)."""
    delivery.owner = owner.name
    delivery.owner_epoch = owner.epoch
    delivery.lease_until = owner.lease_from(now)
    session.add(delivery)


def begin_call(session: Session, delivery_id: int, owner: Owner, *, now: datetime) -> CallPermit:
    """Before a send call: hold the row (unless another process holds it), count the call
    in doubt, and say whether it must be marked; two calls in doubt already: give up."""
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.SENDING.value:
        return CallPermit(go=False)
    if delivery.owner is not None and not is_mine(delivery, owner):
        return CallPermit(go=False)  # taken over by another process: it sends
    if delivery.calls_in_doubt >= 2:
        give_up(session, delivery, now)
        return CallPermit(go=False, gave_up=True)
    marked = delivery.calls_in_doubt >= 1
    claimed = session.execute(
        update(AlertDelivery)
        .where(
            col(AlertDelivery.id) == delivery_id,
            col(AlertDelivery.calls_in_doubt) == delivery.calls_in_doubt,
            or_(col(AlertDelivery.owner).is_(None), col(AlertDelivery.owner) == owner.name),
        )
        .values(
            owner=owner.name,
            owner_epoch=owner.epoch,
            lease_until=owner.lease_from(now),
            calls_in_doubt=delivery.calls_in_doubt + 1,
        )
    )
    return CallPermit(go=claimed.rowcount == 1, marked=marked)  # type: ignore[attr-defined]


def call_answered(
    session: Session, delivery_id: int, owner: Owner, *, now: datetime, wait_s: float = 0.0
) -> bool:
    """Telegram answered a call without taking the copy (a 429, a 5xx): nothing is in doubt;
    the lease covers the wait that follows. False when the row is no longer ours."""
    renewed = session.execute(
        update(AlertDelivery)
        .where(
            col(AlertDelivery.id) == delivery_id,
            col(AlertDelivery.owner) == owner.name,
            col(AlertDelivery.status) == DeliveryStatus.SENDING.value,
        )
        .values(
            calls_in_doubt=0,
            owner_epoch=owner.epoch,
            lease_until=owner.lease_from(now, wait_s),
        )
    )
    return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]


def give_up(session: Session, delivery: AlertDelivery, now: datetime) -> None:
    """A copy sent once and once more marked, both unanswered: never sent a third time."""
    delivery.status = DeliveryStatus.UNCONFIRMED.value
    delivery.updated_at = now
    delivery.lease_until = None
    session.add(delivery)
    audit.append(
        session,
        actor="bot",
        action="alert.delivery_unconfirmed",
        obj=alert_object(delivery.alert_id),
        payload={
            "member": delivery.member_id,
            "step": delivery.step_number,
            "calls_in_doubt": delivery.calls_in_doubt,
        },
        at=now,
    )


def held_elsewhere(session: Session, owner: Owner) -> bool:
    """Whether any copy is being sent by a process other than ``owner`` (or by it under an
    earlier epoch): then a look whether it may be taken over is worth a write."""
    found = session.exec(
        select(AlertDelivery.id)
        .where(
            AlertDelivery.status == DeliveryStatus.SENDING.value,
            col(AlertDelivery.owner).is_not(None),
            or_(
                col(AlertDelivery.owner) != owner.name,
                and_(
                    col(AlertDelivery.owner) == owner.name,
                    col(AlertDelivery.owner_epoch).is_distinct_from(owner.epoch),
                ),
            ),
        )
        .limit(1)
    ).first()
    return found is not None
