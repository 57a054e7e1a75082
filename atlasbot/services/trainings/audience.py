"""Who hears of an event (its units' commanders answer, their duty officers read), and the
invitations with their answer buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, select

from atlasbot.domain import Network
from atlasbot.services.enrolment import members_with
from atlasbot.services.outbox import Button, Keyboard, Message, issue_keyboard
from atlasbot.services.readers import reading
from atlasbot.services.trainings import records
from atlasbot.storage.models import Role, TrainingRsvp
from atlasbot.texts import training as texts


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone to tell about an event, for one of their units; only commanders answer."""

    unit_id: str
    member_id: int
    chat_id: int
    may_answer: bool


def unit_recipients(session: Session, units: Iterable[str]) -> list[Recipient]:
    """Commanders (who answer) and duty officers (who read) of the units."""
    out = []
    for unit_id in units:
        out += [
            Recipient(unit_id, member, chat, True)
            for member, chat in members_with(session, Role.COMMANDER, unit_id=unit_id)
        ]
        out += [
            Recipient(unit_id, member, chat, False)
            for member, chat in members_with(session, Role.DUTY, unit_id=unit_id)
        ]
    return out


def coordinator_recipients(session: Session) -> list[tuple[int, int]]:
    """(member id, Telegram id) of every coordinator."""
    return members_with(session, Role.COORDINATOR)


def answers_of(session: Session, event_id: int) -> dict[str, str]:
    """Unit -> its answer to the invitation (units that have not answered are absent)."""
    return {
        r.unit_id: r.answer
        for r in session.exec(select(TrainingRsvp).where(TrainingRsvp.event_id == event_id))
    }


def token_lifetime(end: dt.date, today: dt.date) -> dt.timedelta:
    """Invitation buttons work until the event is over."""
    return dt.timedelta(days=max(1, (end - today).days + 2))


def rsvp_rows(event_id: int, unit_id: str) -> list[list[Button]]:
    """Attend, can't attend, tentative: one row, for one unit."""
    payload = {"event": event_id, "unit": unit_id}
    return [
        [
            Button(texts.answer_label(answer), "train.rsvp", {**payload, "answer": answer})
            for answer in texts.ANSWER_LABELS
        ]
    ]


def rsvp_keyboard(
    session: Session,
    recipient: Recipient,
    event_id: int,
    *,
    now: dt.datetime,
    lifetime: dt.timedelta | None = None,
) -> Keyboard:
    """The answer buttons for a unit's commander (none for a duty officer)."""
    if not recipient.may_answer:
        return ()
    rows = rsvp_rows(event_id, recipient.unit_id)
    if lifetime is None:
        return issue_keyboard(session, recipient.member_id, rows, now=now)
    return issue_keyboard(session, recipient.member_id, rows, now=now, lifetime=lifetime)


def invitations(
    session: Session,
    event_ids: Sequence[int],
    network: Network,
    *,
    today: dt.date,
    now: dt.datetime,
) -> list[Message]:
    """Invitations for each event to its units' commanders (with buttons) and duty officers."""
    out = []
    for event_id in event_ids:
        event = records.get_event(session, event_id)
        scheduled = records.as_scheduled(event)
        lifetime = token_lifetime(event.end, today)
        for recipient in unit_recipients(session, event.participants):
            # Each commander and duty officer reads the invitation in their own language.
            with reading(session, recipient.chat_id):
                text = texts.invitation(
                    scheduled, recipient.unit_id, network, recipient.may_answer
                )
                keyboard = rsvp_keyboard(session, recipient, event_id, now=now, lifetime=lifetime)
            out.append(Message(recipient.chat_id, text, keyboard, f"invitation:{event_id}"))
    return out
