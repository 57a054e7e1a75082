"""What a member sees of the published calendar: their units' events (every event for a
coordinator, every unit of their state for a competent authority), as text and as an .ics
file to import."""

from __future__ import annotations

from sqlmodel import Session, col, select

from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.trainings import audience, records
from atlasbot.services.trainings.work import Document, Outcome, Reply, Work, reply
from atlasbot.storage.models import Role, TrainingEvent, TrainingEventStatus, UnitRow
from atlasbot.texts import training as texts
from atlasbot.training.ics import calendar_update

ICS_FILENAME = "atlas-calendar.ics"


def units_seen(session: Session, identity: Identity) -> tuple[str, ...]:
    """The units whose calendar the member follows: the units they serve in and, for a
    competent authority, every unit of its state."""
    countries = identity.authority_countries()
    theirs: list[str] = []
    if countries:
        theirs = list(
            session.exec(select(UnitRow.id).where(col(UnitRow.country).in_(countries))).all()
        )
    return tuple(sorted({*identity.units(), *theirs}))


def calendar_for(session: Session, identity: Identity) -> list[TrainingEvent]:
    """Published events the member may see: all for a coordinator, else their units' own."""
    events = records.published_events(session)
    if identity.has(Role.COORDINATOR):
        return events
    mine = set(units_seen(session, identity))
    return [e for e in events if mine.intersection(e.participants)]


def show_calendar(work: Work, identity: Identity) -> Outcome:
    """/calendar: the member's events with their units' answers, and the .ics of them."""
    events = calendar_for(work.session, identity)
    rows = _calendar_rows(work.session, identity)
    if not rows:
        return reply(texts.no_events_for_you())
    network = registry.load_network(work.session)
    listed = [
        (records.as_scheduled(e), audience.answers_of(work.session, e.id) if e.id else {})
        for e in events
    ]
    coordinator = identity.has(Role.COORDINATOR)
    mine = units_seen(work.session, identity)
    text = texts.calendar(listed, mine, network, work.today, coordinator)
    entries = [records.calendar_entry(work.session, e, () if coordinator else mine) for e in rows]
    ics = calendar_update(entries, network, dtstamp=work.now)
    document = Reply(texts.ics_caption(), document=Document(ICS_FILENAME, ics))
    return Outcome(replies=(Reply(text), document))


def _calendar_rows(session: Session, identity: Identity) -> list[TrainingEvent]:
    """What the member's .ics carries: their events, and those that ended (cancelled, or the
    unit's part dropped) so that calendars which imported them see the cancellation."""
    coordinator = identity.has(Role.COORDINATOR)
    mine = set(units_seen(session, identity))
    rows = session.exec(select(TrainingEvent).order_by(col(TrainingEvent.start))).all()
    out = []
    for event in rows:
        if event.status == TrainingEventStatus.CANCELLED.value and event.revision == 0:
            continue  # never published as a placed event
        involved = mine.intersection([*event.participants, *(event.dropped or [])])
        if coordinator or involved:
            out.append(event)
    return out
