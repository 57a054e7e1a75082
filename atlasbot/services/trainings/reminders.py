"""Reminders of published events: placed by a policy, moved with their event, re-armed on
start, and sent once (a guarded claim of the row, so a timer that runs twice is harmless)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.clock import as_utc
from atlasbot.domain import Network
from atlasbot.services import registry
from atlasbot.services.outbox import Message
from atlasbot.services.readers import reading
from atlasbot.services.trainings import audience, records
from atlasbot.storage import audit
from atlasbot.storage.models import (
    TrainingEvent,
    TrainingEventStatus,
    TrainingReminder,
    TrainingReminderState,
)
from atlasbot.texts import training as texts
from atlasbot.training.calendar import ScheduledEvent


@dataclass(frozen=True, slots=True)
class ReminderTimer:
    """What a timer needs to wake up for a reminder, and to know when it is stale."""

    reminder_id: int
    version: int
    due_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """The settings that place reminders: days before, hour, time zone."""

    days_before: tuple[int, ...]
    hour: int
    tz: ZoneInfo


def reminder_due_at(start: dt.date, days_before: int, tz: ZoneInfo, hour: int) -> dt.datetime:
    """When a reminder falls due: ``hour`` o'clock local time, ``days_before`` the event."""
    day = start - dt.timedelta(days=days_before)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(dt.UTC)


def _placed(reminder: TrainingReminder, due: dt.datetime, now: dt.datetime) -> bool:
    """Move an existing reminder to ``due`` (a time already past cancels it); False when
    it is already there and needs no write."""
    if as_utc(reminder.due_at) == due and reminder.state != TrainingReminderState.CANCELLED.value:
        return False
    reminder.due_at = due
    reminder.version += 1
    reminder.sent_at = None
    reminder.state = (
        TrainingReminderState.PENDING.value if due > now else TrainingReminderState.CANCELLED.value
    )
    return True


def set_reminders(
    session: Session, event: TrainingEvent, policy: ReminderPolicy, now: dt.datetime
) -> list[ReminderTimer]:
    """Create or move the event's reminders; a reminder already past is not (re)sent."""
    assert event.id is not None
    existing = {
        r.days_before: r
        for r in session.exec(
            select(TrainingReminder).where(TrainingReminder.event_id == event.id)
        )
    }
    timers = []
    for days in sorted(set(policy.days_before), reverse=True):
        due = reminder_due_at(event.start, days, policy.tz, policy.hour)
        reminder = existing.get(days)
        if reminder is None:
            if due <= now:
                continue
            reminder = TrainingReminder(event_id=event.id, days_before=days, due_at=due)
        elif not _placed(reminder, due, now):
            if reminder.state == TrainingReminderState.PENDING.value and reminder.id is not None:
                timers.append(ReminderTimer(reminder.id, reminder.version, due))
            continue
        session.add(reminder)
        session.flush()
        if reminder.state == TrainingReminderState.PENDING.value and reminder.id is not None:
            timers.append(ReminderTimer(reminder.id, reminder.version, due))
    return timers


def cancel_reminders(session: Session, event_id: int) -> None:
    """The event was cancelled: its pending reminders are not sent."""
    for reminder in session.exec(
        select(TrainingReminder).where(
            TrainingReminder.event_id == event_id,
            TrainingReminder.state == TrainingReminderState.PENDING.value,
        )
    ):
        reminder.state = TrainingReminderState.CANCELLED.value
        reminder.version += 1
        session.add(reminder)


def pending_reminders(session: Session) -> list[ReminderTimer]:
    """Every reminder still to send (what a restart re-arms)."""
    return [
        ReminderTimer(r.id, r.version, as_utc(r.due_at))
        for r in session.exec(
            select(TrainingReminder)
            .where(TrainingReminder.state == TrainingReminderState.PENDING.value)
            .order_by(col(TrainingReminder.due_at))
        )
        if r.id is not None
    ]


def due_reminders(session: Session, now: dt.datetime) -> list[ReminderTimer]:
    """The pending reminders whose time has come."""
    return [timer for timer in pending_reminders(session) if timer.due_at <= now]


@dataclass(frozen=True, slots=True)
class ReminderNotice:
    """A reminder claimed for sending: the event, how many days ahead, and to whom."""

    event: ScheduledEvent
    event_id: int
    days_before: int
    recipients: tuple[audience.Recipient, ...]
    answers: dict[str, str]


def claim_reminder(
    session: Session, reminder_id: int, version: int, *, now: dt.datetime
) -> ReminderNotice | None:
    """Mark a reminder sent when it is still pending at this version; None when it is not
    (sent already, cancelled, or moved since the timer was armed), so a second run is
    harmless."""
    claimed = session.execute(
        update(TrainingReminder)
        .where(
            col(TrainingReminder.id) == reminder_id,
            col(TrainingReminder.state) == TrainingReminderState.PENDING.value,
            col(TrainingReminder.version) == version,
        )
        .values(state=TrainingReminderState.SENT.value, sent_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    reminder = session.get(TrainingReminder, reminder_id)
    assert reminder is not None
    event = records.get_event(session, reminder.event_id)
    if event.status != TrainingEventStatus.PUBLISHED.value:
        return None
    assert event.id is not None
    audit.append(
        session,
        actor="system",
        action="training.reminder_sent",
        obj=f"training_event:{event.id}",
        payload={"reminder": reminder_id, "days_before": reminder.days_before},
        at=now,
    )
    return ReminderNotice(
        records.as_scheduled(event),
        event.id,
        reminder.days_before,
        tuple(audience.unit_recipients(session, event.participants)),
        audience.answers_of(session, event.id),
    )


def remind(
    session: Session, reminder_id: int, version: int, *, now: dt.datetime
) -> tuple[Message, ...]:
    """A reminder's timer fired: claim it, and tell the units' commanders (with the answer
    buttons while their unit has not answered) and duty officers; nothing when stale."""
    notice = claim_reminder(session, reminder_id, version, now=now)
    if notice is None:
        return ()
    network = registry.load_network(session)
    return tuple(
        _reminder_message(session, notice, recipient, network, now, f"reminder:{reminder_id}")
        for recipient in notice.recipients
    )


def _reminder_message(
    session: Session,
    notice: ReminderNotice,
    recipient: audience.Recipient,
    network: Network,
    now: dt.datetime,
    purpose: str,
) -> Message:
    answer = notice.answers.get(recipient.unit_id)
    with reading(session, recipient.chat_id):  # in the recipient's language
        text = texts.reminder(notice.event, notice.days_before, recipient.unit_id, network, answer)
        keyboard = (
            audience.rsvp_keyboard(session, recipient, notice.event_id, now=now)
            if answer is None
            else ()
        )
    return Message(recipient.chat_id, text, keyboard, purpose)
