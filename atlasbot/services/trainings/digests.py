"""One digest per unit and member (issue 14): a published plan reaches each unit's commanders
(and, where the unit wants it, its duty officers) as ONE message listing the unit's events in
date order, one row of answer buttons per event. Every copy is remembered where it was shown,
so an answer (the latest wins, one per unit) or a change to the calendar edits all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from atlasbot.domain import Network
from atlasbot.services.outbox import Button, Keyboard, Message, issue_keyboard
from atlasbot.services.readers import reading
from atlasbot.services.trainings import audience, records
from atlasbot.services.trainings.work import Edit
from atlasbot.storage.models import (
    Member,
    TrainingDigestMessage,
    TrainingEvent,
    TrainingEventStatus,
    TrainingRsvp,
    TrainingUnitPreference,
)
from atlasbot.texts import training_digest as texts

PURPOSE = "digest"
# Telegram takes 4096 characters a message and 100 buttons a keyboard: a longer digest is
# written one short line per event, and the soonest 33 events carry answer rows (the later
# ones get theirs in the reminders, /rsvp's reminder and the 14-day reminder).
MAX_TEXT = 4000
MAX_ROWS = 33


def is_digest(purpose: str) -> bool:
    """Whether a sent message is a digest copy (its purpose: digest:plan:unit:member:answers)."""
    return purpose.startswith(PURPOSE + ":")


def _purpose(plan_id: int, recipient: audience.Recipient) -> str:
    answers = int(recipient.may_answer)
    return f"{PURPOSE}:{plan_id}:{recipient.unit_id}:{recipient.member_id}:{answers}"


def remember(session: Session, shown: Sequence[tuple[str, int, int]], now: dt.datetime) -> None:
    """Keep where each digest copy was shown (a newer copy in the same chat replaces one)."""
    for purpose, chat_id, message_id in shown:
        _, plan, unit_id, member, answers = purpose.split(":")
        row = session.exec(
            select(TrainingDigestMessage).where(
                TrainingDigestMessage.plan_id == int(plan),
                TrainingDigestMessage.unit_id == unit_id,
                TrainingDigestMessage.chat_id == chat_id,
            )
        ).first()
        if row is None:
            row = TrainingDigestMessage(
                plan_id=int(plan),
                unit_id=unit_id,
                member_id=int(member),
                chat_id=chat_id,
                message_id=message_id,
            )
        row.message_id, row.may_answer, row.shown_at = message_id, answers == "1", now
        session.add(row)


# --- who reads a unit's digest ----------------------------------------------------------------


def duty_copies(session: Session, unit_id: str) -> bool:
    """Whether the unit's duty officers get copies (the unit's own choice; off by default)."""
    preference = session.get(TrainingUnitPreference, unit_id)
    return preference is not None and preference.duty_copies


def recipients(session: Session, unit_id: str) -> list[audience.Recipient]:
    """The unit's commanders (who answer) and, where the unit wants it, its duty officers."""
    copies = duty_copies(session, unit_id)
    return [r for r in audience.unit_recipients(session, [unit_id]) if r.may_answer or copies]


# --- the digest of one unit -------------------------------------------------------------------


def given_answers(
    session: Session, event_ids: Iterable[int]
) -> dict[tuple[int, str], texts.GivenAnswer]:
    """(event id, unit) -> the unit's current answer, who gave it and why."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(TrainingRsvp, Member.display_name)
        .join(Member, col(Member.id) == col(TrainingRsvp.member_id))
        .where(col(TrainingRsvp.event_id).in_(ids))
    ).all()
    return {
        (rsvp.event_id, rsvp.unit_id): texts.GivenAnswer(rsvp.answer, name, rsvp.reason)
        for rsvp, name in rows
    }


def unit_events(session: Session, plan_id: int, unit_id: str) -> list[TrainingEvent]:
    """The plan's events the unit takes or took part in, by date (cancelled ones included)."""
    events = records.events_of(session, plan_id)
    mine = [e for e in events if unit_id in e.participants or unit_id in (e.dropped or [])]
    return sorted(mine, key=lambda e: (e.start, e.id or 0))


@dataclass(frozen=True, slots=True)
class UnitDigest:
    """A unit's digest: its text lines and the events that may still be answered."""

    unit_id: str
    lines: tuple[texts.DigestLine, ...]
    answerable: tuple[tuple[int, int], ...]  # (number, event id)
    end: dt.date


def unit_digest(session: Session, plan_id: int, unit_id: str, today: dt.date) -> UnitDigest:
    events = unit_events(session, plan_id, unit_id)
    answers = given_answers(session, (e.id for e in events if e.id is not None))
    lines, answerable = [], []
    for number, event in enumerate(events, 1):
        assert event.id is not None
        cancelled = event.status == TrainingEventStatus.CANCELLED.value
        dropped = unit_id not in event.participants
        given = answers.get((event.id, unit_id))
        lines.append(
            texts.DigestLine(number, records.as_scheduled(event), given, cancelled, dropped)
        )
        if not (cancelled or dropped) and event.end >= today:
            answerable.append((number, event.id))
    end = max((e.end for e in events), default=today)
    return UnitDigest(unit_id, tuple(lines), tuple(answerable), end)


def answer_rows(digest: UnitDigest) -> list[list[Button]]:
    """One row of answer buttons per event still open to an answer."""
    return [
        [
            Button(
                texts.answer_button(number, answer),
                "train.rsvp",
                {"event": event_id, "unit": digest.unit_id, "answer": answer},
            )
            for answer in texts.ANSWER_MARKS
        ]
        for number, event_id in digest.answerable[:MAX_ROWS]
    ]


def _rendered(
    session: Session,
    digest: UnitDigest,
    member_id: int,
    may_answer: bool,
    network: Network,
    *,
    today: dt.date,
    now: dt.datetime,
) -> tuple[str, Keyboard]:
    text = texts.digest(digest.unit_id, digest.lines, network, may_answer)
    if len(text) > MAX_TEXT:
        text = texts.digest(digest.unit_id, digest.lines, network, may_answer, compact=True)
        text = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
    if not may_answer or not digest.answerable:
        return text, ()
    lifetime = audience.token_lifetime(digest.end, today)
    rows = answer_rows(digest)
    return text, issue_keyboard(session, member_id, rows, now=now, lifetime=lifetime)


def digest_message(
    session: Session,
    plan_id: int,
    digest: UnitDigest,
    recipient: audience.Recipient,
    network: Network,
    *,
    today: dt.date,
    now: dt.datetime,
    head: str = "",
) -> Message:
    """One copy of a unit's digest for one member, in their language (remembered once sent)."""
    with reading(session, recipient.chat_id):
        text, keyboard = _rendered(
            session,
            digest,
            recipient.member_id,
            recipient.may_answer,
            network,
            today=today,
            now=now,
        )
    text = f"{head}\n{text}" if head else text
    return Message(recipient.chat_id, text, keyboard, _purpose(plan_id, recipient))


def plan_digests(
    session: Session, plan_id: int, network: Network, *, today: dt.date, now: dt.datetime
) -> list[Message]:
    """One digest for each participating unit's commander (and duty officers if wanted)."""
    units = sorted({u for e in records.events_of(session, plan_id) for u in e.participants})
    out = []
    for unit_id in units:
        digest = unit_digest(session, plan_id, unit_id, today)
        out += [
            digest_message(session, plan_id, digest, r, network, today=today, now=now)
            for r in recipients(session, unit_id)
        ]
    return out


def digest_edits(
    session: Session,
    plan_id: int,
    units: Iterable[str],
    network: Network,
    *,
    today: dt.date,
    now: dt.datetime,
) -> list[Edit]:
    """Every shown copy of these units' digests, as they read now."""
    out = []
    for unit_id in sorted(set(units)):
        shown = session.exec(
            select(TrainingDigestMessage).where(
                TrainingDigestMessage.plan_id == plan_id,
                TrainingDigestMessage.unit_id == unit_id,
            )
        ).all()
        if not shown:
            continue
        digest = unit_digest(session, plan_id, unit_id, today)
        for row in shown:
            with reading(session, row.chat_id):
                text, keyboard = _rendered(
                    session, digest, row.member_id, row.may_answer, network, today=today, now=now
                )
            out.append(Edit(row.chat_id, row.message_id, text, keyboard))
    return out


def is_digest_copy(session: Session, chat_id: int, message_id: int | None) -> bool:
    """Whether a pressed message is a digest copy (edited with the others)."""
    if message_id is None:
        return False
    return (
        session.exec(
            select(TrainingDigestMessage).where(
                TrainingDigestMessage.chat_id == chat_id,
                TrainingDigestMessage.message_id == message_id,
            )
        ).first()
        is not None
    )
