"""Training history (issue 14.5): past joint trainings imported from a file (the command line
or the chat), attendance marked after a published event, and the records currency counts.

A published event with a capability that has ended counts for each participant that did not
decline it, until a coordinator marks attendance: then the marks decide. Imported trainings
count for the units listed. Re-importing a file adds only what is not stored yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from atlasbot.domain import Network
from atlasbot.errors import InvalidInput
from atlasbot.safe_files import FileRefused, decode_text
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict
from atlasbot.services.outbox import Button, issue_keyboard
from atlasbot.services.trainings import drafts, records
from atlasbot.services.trainings.uploads import EventsRead, read_events_file
from atlasbot.services.trainings.work import (
    Outcome,
    Pressed,
    Shown,
    Work,
    reply,
    require_coordinator,
)
from atlasbot.storage import audit
from atlasbot.storage.models import (
    HistorySource,
    RsvpAnswer,
    TrainingEvent,
    TrainingHistory,
    TrainingRsvp,
)
from atlasbot.texts import training_history as texts
from atlasbot.texts import uploads as upload_texts
from atlasbot.training.currency import TrainingRecord
from atlasbot.training.history import (
    HistoryEntry,
    HistoryFile,
    HistoryFileError,
    looks_like_history,
    parse_history,
)

# How many ended events /attendance offers (the most recent first).
ATTENDANCE_EVENTS_SHOWN = 8


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import stored: trainings and unit records added, unit records already there."""

    trainings: int
    added: int
    already: int


def import_history(
    session: Session, entries: Sequence[HistoryEntry], *, actor: str, source: str, now: dt.datetime
) -> Imported:
    """Store the trainings (one row per unit that attended), skipping rows stored already."""
    stored = {
        (row.unit_id, row.capability, row.day, row.title)
        for row in session.exec(
            select(TrainingHistory).where(TrainingHistory.source == HistorySource.IMPORT.value)
        )
    }
    added = already = 0
    for entry in entries:
        for unit_id in entry.units:
            key = (unit_id, entry.capability, entry.day, entry.title)
            if key in stored:
                already += 1
                continue
            stored.add(key)
            added += 1
            session.add(
                TrainingHistory(
                    unit_id=unit_id,
                    capability=entry.capability,
                    day=entry.day,
                    title=entry.title,
                    source=HistorySource.IMPORT.value,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
    audit.append(
        session,
        actor=actor,
        action="training.history_imported",
        obj="training_history",
        payload={"file": source, "trainings": len(entries), "added": added, "already": already},
        at=now,
    )
    return Imported(len(entries), added, already)


# --- the chat's upload: an events file or a history file -----------------------------------


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """An uploaded history file, read and validated in the upload worker."""

    history: HistoryFile


def read_training_file(
    raw: bytes, source: str, network: Network, max_bytes: int, today: dt.date
) -> EventsRead | HistoryRead:
    """In the upload worker: a history file (CSV, or YAML with ``history:``) or else an
    events file, read and validated; every refusal is an InvalidInput listing the problems."""
    try:
        text = decode_text(raw, source, max_bytes=max_bytes)
    except FileRefused as refused:
        raise InvalidInput(upload_texts.refused(source, refused.reason)) from None
    if not looks_like_history(text, source):
        return read_events_file(raw, source, network, max_bytes)
    try:
        return HistoryRead(parse_history(text, source, network, today))
    except HistoryFileError as error:
        raise InvalidInput(texts.file_problems(source, error.problems)) from None


def store_training_file(
    work: Work, identity: Identity, read: EventsRead | HistoryRead, filename: str
) -> Outcome:
    """A file sent in the chat: a history file is imported, an events file becomes the draft."""
    if isinstance(read, EventsRead):
        return drafts.store_events_file(work, identity, read, filename)
    require_coordinator(identity)
    done = import_history(
        work.session, read.history.entries, actor=identity.actor, source=filename, now=work.now
    )
    text = "\n\n".join(
        part
        for part in (
            texts.imported(filename, done.trainings, done.added, done.already),
            upload_texts.ignored(read.history.warnings),
        )
        if part
    )
    return reply(text)


# --- what currency counts ---------------------------------------------------------------------


def held_records(session: Session, today: dt.date) -> list[TrainingRecord]:
    """Every joint training held before today: imported, marked attended, or (for an ended
    published event with no marks) each participant that did not decline."""
    marks = list(session.exec(select(TrainingHistory)))
    found = [
        TrainingRecord(row.unit_id, row.capability, row.day)
        for row in marks
        if row.attended and row.capability and row.day < today
    ]
    marked = {(row.event_id, row.unit_id) for row in marks if row.event_id is not None}
    declined = _declined(session)
    for event in records.published_events(session):
        if not event.capability or event.end >= today:
            continue
        for unit_id in event.participants:
            if (event.id, unit_id) not in marked and (event.id, unit_id) not in declined:
                found.append(TrainingRecord(unit_id, event.capability, event.end))
    return found


def _declined(session: Session) -> set[tuple[int | None, str]]:
    return {
        (row.event_id, row.unit_id)
        for row in session.exec(
            select(TrainingRsvp).where(TrainingRsvp.answer == RsvpAnswer.DECLINE.value)
        )
    }


# --- /attendance ------------------------------------------------------------------------------


def show_attendance(work: Work, identity: Identity) -> Outcome:
    """/attendance: the ended events, most recent first, each a button to mark who came."""
    require_coordinator(identity)
    ended = [e for e in records.published_events(work.session) if e.end < work.today]
    ended = sorted(ended, key=lambda e: (e.end, e.id or 0), reverse=True)
    shown = ended[:ATTENDANCE_EVENTS_SHOWN]
    if not shown:
        return reply(texts.no_ended_events())
    rows = [
        [Button(texts.event_button(e.title, e.start, e.end), "train.attendance", {"event": e.id})]
        for e in shown
    ]
    keyboard = issue_keyboard(work.session, identity.member_id, rows, now=work.now)
    return reply(texts.choose_event(len(shown)), keyboard)


def _attendance_view(work: Work, member_id: int, event: TrainingEvent) -> Outcome:
    marks = {
        row.unit_id: row.attended
        for row in work.session.exec(
            select(TrainingHistory).where(col(TrainingHistory.event_id) == event.id)
        )
    }
    declined = {unit for event_id, unit in _declined(work.session) if event_id == event.id}
    attended = {unit: marks.get(unit, unit not in declined) for unit in event.participants}
    rows = [
        [
            Button(
                texts.unit_button(unit, came),
                "train.attend_mark",
                {"event": event.id, "unit": unit, "attended": not came},
            )
        ]
        for unit, came in attended.items()
    ]
    keyboard = issue_keyboard(work.session, member_id, rows, now=work.now)
    text = texts.attendance(event.title, event.start, event.end, attended, bool(marks))
    return reply(text, keyboard, shown=Shown.REPLACE)


def open_attendance(work: Work, pressed: Pressed) -> Outcome:
    """An ended event chosen: who attended (as marked, else as answered), each a toggle."""
    press = work.redeem(pressed)
    require_coordinator(press.identity)
    event = records.get_event(work.session, int(press.payload["event"]))
    return _attendance_view(work, press.identity.member_id, event)


def mark_attendance(work: Work, pressed: Pressed) -> Outcome:
    """A unit marked as attended or absent for an ended event (audited); the view refreshed."""
    press = work.redeem(pressed)
    require_coordinator(press.identity)
    event = records.get_event(work.session, int(press.payload["event"]))
    unit_id, came = str(press.payload["unit"]), bool(press.payload["attended"])
    if unit_id not in event.participants or event.end >= work.today:
        raise Conflict(texts.cannot_mark(unit_id))
    row = work.session.exec(
        select(TrainingHistory).where(
            col(TrainingHistory.event_id) == event.id, TrainingHistory.unit_id == unit_id
        )
    ).first()
    if row is None:
        row = TrainingHistory(
            unit_id=unit_id,
            capability=event.capability,
            day=event.end,
            title=event.title[:200],
            source=HistorySource.ATTENDANCE.value,
            event_id=event.id,
            recorded_by=press.identity.actor,
            recorded_at=work.now,
        )
    row.attended, row.recorded_at, row.recorded_by = came, work.now, press.identity.actor
    work.session.add(row)
    work.session.flush()
    audit.append(
        work.session,
        actor=press.identity.actor,
        action="training.attendance_marked",
        obj=f"training_event:{event.id}",
        payload={"unit": unit_id, "attended": came},
        at=work.now,
    )
    return _attendance_view(work, press.identity.member_id, event)
