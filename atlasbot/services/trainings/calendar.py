"""What a member sees of the published calendar: their units' events (every event for a
coordinator), as text and as an .ics file to import."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.trainings import audience, records
from atlasbot.services.trainings.work import Document, Outcome, Reply, Work, reply
from atlasbot.storage.models import Role, TrainingEvent
from atlasbot.texts import training as texts
from atlasbot.training.calendar import ScheduleResult, ScheduleStatus
from atlasbot.training.ics import to_ics

ICS_FILENAME = "atlas-calendar.ics"


def calendar_for(session: Session, identity: Identity) -> list[TrainingEvent]:
    """Published events the member may see: all for a coordinator, else their units' own."""
    events = records.published_events(session)
    if identity.has(Role.COORDINATOR):
        return events
    mine = set(identity.units())
    return [e for e in events if mine.intersection(e.participants)]


def show_calendar(work: Work, identity: Identity) -> Outcome:
    """/calendar: the member's events with their units' answers, and the .ics of them."""
    events = calendar_for(work.session, identity)
    if not events:
        return reply(texts.no_events_for_you())
    network = registry.load_network(work.session)
    listed = [
        (records.as_scheduled(e), audience.answers_of(work.session, e.id) if e.id else {})
        for e in events
    ]
    coordinator = identity.has(Role.COORDINATOR)
    text = texts.calendar(listed, identity.units(), network, work.today, coordinator)
    result = ScheduleResult(
        status=ScheduleStatus.OPTIMAL,
        solve_ms=0.0,
        total_travel_km=sum(e.travel_km for e in events),
        lower_bound_km=0,
        events=tuple(replace(records.as_scheduled(e), id=records.ics_id(e)) for e in events),
    )
    ics = to_ics(
        result,
        network,
        dtstamp=work.now,
        sequences={records.ics_id(e): e.revision for e in events},
    )
    document = Reply(texts.ics_caption(), document=Document(ICS_FILENAME, ics))
    return Outcome(replies=(Reply(text), document))
