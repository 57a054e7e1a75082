"""Tables of on-call alerting: duty shifts, alerts, their escalation steps and deliveries, drills.

The database is the source of truth for every due time (ARCHITECTURE.md, "Timers that survive
a restart"): an escalation step or a shift reminder is a row with its due time, a state and a
version; the JobQueue only mirrors the pending rows and is rebuilt from them at start.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from atlasbot.storage.models.columns import utc_column as _utc_column


class AlertState(StrEnum):
    """Where an alert stands; PENDING and ESCALATED still wait for someone to act."""

    PENDING = "pending"  # at its first step, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"  # someone took it: the escalation stopped everywhere
    ESCALATED = "escalated"  # moved past its first step, still not acknowledged
    EXPIRED = "expired"  # the chain ran out without an acknowledgement

    @property
    def is_active(self) -> bool:
        return self in (AlertState.PENDING, AlertState.ESCALATED)


ACTIVE_ALERT_STATES = (AlertState.PENDING.value, AlertState.ESCALATED.value)


class StepState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"  # the alert was acknowledged or answered before it fell due


class DeliveryStatus(StrEnum):
    """One copy of an alert to one member. SENDING is written before the Bot API call and
    SENT (with the message id) after it, so a restart knows which sends were in flight."""

    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the member blocked the bot
    FAILED = "failed"  # gave up after the retries, or Telegram refused the message
    ABANDONED = "abandoned"  # in flight at a crash, and the alert was settled meanwhile
    # A send call and its one marked re-send both died unanswered: never sent a third time.
    UNCONFIRMED = "unconfirmed"


class ShiftReminderState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # the shift was removed, or its start passed while the bot was down


class DutyShift(SQLModel, table=True):
    """One member on duty for a unit between two instants (stored in UTC)."""

    __tablename__ = "duty_shift"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    start_at: datetime = _utc_column(index=True)
    end_at: datetime = _utc_column(index=True)
    created_by: str = Field(max_length=120)
    created_at: datetime = _utc_column()
    cancelled: bool = False
    reminder_at: datetime | None = _utc_column(nullable=True, index=True)
    reminder_state: str = Field(default=ShiftReminderState.PENDING.value, max_length=16)
    version: int = 0


class Drill(SQLModel, table=True):
    """An exercise of the alert chains of chosen units; its alerts carry ``is_drill``."""

    __tablename__ = "drill"

    id: int | None = Field(default=None, primary_key=True)
    started_by_member_id: int = Field(foreign_key="member.id")
    started_at: datetime = _utc_column()
    units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reported_at: datetime | None = _utc_column(nullable=True)
    version: int = 0


class Alert(SQLModel, table=True):
    """A message that needs someone to act, with an Acknowledge button and an escalation chain
    snapshotted (as ``escalation_step`` rows) when it was raised."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # request | order | counter | drill
    subject: str = Field(max_length=80, index=True)  # e.g. "request:12", "deployment:3"
    crisis_id: int | None = Field(default=None, foreign_key="crisis.id", index=True)
    unit_id: str | None = Field(default=None, foreign_key="unit.id", max_length=64)
    country: str | None = Field(default=None, foreign_key="country.code", max_length=2)
    text: str = Field(max_length=4000)
    # The action buttons beside Acknowledge: [[{label, action, payload, single_use}]].
    buttons: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The text and button labels in each language with a catalog, rendered when the alert
    # was raised: {"fr": {"text": ..., "labels": [[...]]}}; each copy goes out in its
    # recipient's language (None: ``text`` and ``buttons`` for everyone).
    translations: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    state: str = Field(default=AlertState.PENDING.value, max_length=16, index=True)
    step_reached: int = 0
    created_at: datetime = _utc_column()
    acknowledged_at: datetime | None = _utc_column(nullable=True)
    acknowledged_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    # Set when the thing itself was acted upon (answered, mobilising): every step stops.
    resolved_at: datetime | None = _utc_column(nullable=True)
    outcome: str = Field(default="", max_length=200)
    is_drill: bool = Field(default=False, index=True)
    drill_id: int | None = Field(default=None, foreign_key="drill.id", index=True)
    version: int = 0


class EscalationStep(SQLModel, table=True):
    """One step of an alert's chain with its due time; a job acts on it only while PENDING."""

    __tablename__ = "escalation_step"
    __table_args__ = (UniqueConstraint("alert_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    number: int
    action: str = Field(max_length=16)  # notify | remind | no_response | expire
    target: str = Field(max_length=24)  # who a notify step reaches
    stops_on_ack: bool = True
    due_at: datetime = _utc_column(index=True)
    state: str = Field(default=StepState.PENDING.value, max_length=16, index=True)
    fired_at: datetime | None = _utc_column(nullable=True)
    version: int = 0


class AlertDelivery(SQLModel, table=True):
    """One copy of an alert sent to one member at one step, and what became of it."""

    __tablename__ = "alert_delivery"
    __table_args__ = (UniqueConstraint("alert_id", "member_id", "step_number"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    step_number: int
    member_id: int = Field(foreign_key="member.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default=DeliveryStatus.SENDING.value, max_length=16, index=True)
    message_id: int | None = None
    text: str = Field(default="", max_length=4096)
    # The inline keyboard as sent, so a settled alert's copy can keep its other buttons.
    markup: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    # True once the copy shows the settled alert (who acknowledged, no Acknowledge button).
    copy_closed: bool = False
    # Who sends this copy (host:pid, and the leadership epoch it led with) and until when
    # that process is taken to be alive (renewed while it sends or waits out a 429).
    owner: str | None = Field(default=None, max_length=120)
    owner_epoch: int | None = None
    lease_until: datetime | None = _utc_column(nullable=True)
    # Send calls started and not known to have failed: 1 means the copy may have reached
    # the member; it is then sent once more only marked "possible repeat", never a third time.
    calls_in_doubt: int = 0
