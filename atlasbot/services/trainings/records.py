"""Plans, schedules and published events as stored, and the rows the use cases look up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.services.errors import InvalidInput, NotFound
from atlasbot.storage.models import (
    PlanStatus,
    TrainingEvent,
    TrainingEventStatus,
    TrainingPlan,
)
from atlasbot.texts import training as texts
from atlasbot.training.calendar import (
    ScheduledEvent,
    ScheduleResult,
    ScheduleStatus,
    UnscheduledEvent,
)
from atlasbot.training.events_file import EventKind, EventsFileError, EventsPlan, parse_events
from atlasbot.training.ics import CalendarEntry
from atlasbot.training.report import result_to_json
from atlasbot.yamltext import YamlTextError, load_yaml

MAX_EVENTS_FILE_BYTES = 256_000
MAX_PROBLEMS_SHOWN = 25


# --- the events file as stored: a validated mapping ----------------------------------------


def parse_events_text(text: str, source: str, network: Network) -> EventsPlan:
    """Read an events file's text (docs/formats.md §7) against the network; InvalidInput lists
    every problem by its place in the file."""
    if len(text.encode("utf-8")) > MAX_EVENTS_FILE_BYTES:
        raise InvalidInput(texts.too_big(source, MAX_EVENTS_FILE_BYTES // 1000))
    try:
        data = load_yaml(text, dates_as_text=True)
    except YamlTextError as error:
        raise InvalidInput(texts.file_problems(source, [str(error)], MAX_PROBLEMS_SHOWN)) from None
    return validated(data, source, network)


def validated(
    data: Any, source: str, network: Network, *, ignored: list[str] | None = None
) -> EventsPlan:
    """An events-file mapping read against the network; InvalidInput lists every problem.
    The keys ignored are added to ``ignored`` when given (``parse_events``)."""
    try:
        return parse_events(data, source, network, ignored=ignored)
    except EventsFileError as error:
        problems = texts.file_problems(source, error.problems, MAX_PROBLEMS_SHOWN)
        raise InvalidInput(problems) from None


def _event_mapping(event: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": event.id,
        "kind": event.kind.value,
        "title": event.title,
        "duration_days": event.duration_days,
        "participants": list(event.participants),
    }
    if event.capability:
        item["capability"] = event.capability
    if event.window is not None:
        item["window"] = {
            "start": event.window.start.isoformat(),
            "end": event.window.end.isoformat(),
        }
    if event.host:
        item["host"] = event.host
    if event.virtual:
        item["virtual"] = True
    return item


def plan_to_mapping(plan: EventsPlan) -> dict[str, Any]:
    """An events plan as an events-file mapping (dates as text), fit for a JSON column."""
    return {
        "horizon": {"start": plan.horizon.start.isoformat(), "end": plan.horizon.end.isoformat()},
        "rules": {
            "min_gap_days": plan.rules.min_gap_days,
            "max_hosted_per_country": plan.rules.max_hosted_per_country,
        },
        "events": [_event_mapping(event) for event in plan.events],
        "blackouts": [
            {
                "unit": b.unit,
                "start": b.start.isoformat(),
                "end": b.end.isoformat(),
                "reason": b.reason,
            }
            for b in plan.blackouts
        ],
    }


def stored_plan(row: TrainingPlan, network: Network) -> EventsPlan:
    """The plan's events as the scheduler takes them."""
    return validated(row.events, _("plan #{plan}", plan=row.id), network)


# --- schedules as stored -------------------------------------------------------------------


def schedule_to_json(result: ScheduleResult) -> dict[str, Any]:
    """docs/formats.md §8's object plus each event's kind, title and capability."""
    data = result_to_json(result)
    for item, placed in zip(data["events"], result.events, strict=True):
        item.update(kind=placed.kind.value, title=placed.title, capability=placed.capability)
    data["proven_optimal"] = result.proven_optimal
    return data


def schedule_from_json(data: Mapping[str, Any]) -> ScheduleResult:
    """The inverse of ``schedule_to_json``."""
    return ScheduleResult(
        status=ScheduleStatus(data["status"]),
        solve_ms=float(data["solve_ms"]),
        total_travel_km=int(data["total_travel_km"]),
        lower_bound_km=int(data["lower_bound_km"]),
        events=tuple(
            ScheduledEvent(
                id=item["id"],
                kind=EventKind(item["kind"]),
                title=item["title"],
                start=dt.date.fromisoformat(item["start"]),
                end=dt.date.fromisoformat(item["end"]),
                host=item["host"],
                participants=tuple(item["participants"]),
                travel_km=int(item["travel_km"]),
                capability=item.get("capability"),
            )
            for item in data["events"]
        ),
        unscheduled=tuple(
            UnscheduledEvent(item["id"], item["reason"]) for item in data["unscheduled"]
        ),
        proven_optimal=bool(data.get("proven_optimal", False)),
    )


def as_scheduled(event: TrainingEvent) -> ScheduledEvent:
    """A published event as the pure core's value (its id is the events file's id)."""
    return ScheduledEvent(
        id=event.event_key,
        kind=EventKind(event.kind),
        title=event.title,
        start=event.start,
        end=event.end,
        host=event.host,
        participants=tuple(event.participants),
        travel_km=event.travel_km,
        capability=event.capability,
    )


def new_event(plan_id: int, placed: ScheduledEvent, now: dt.datetime) -> TrainingEvent:
    """A placed event as a published row of plan ``plan_id``."""
    return TrainingEvent(
        plan_id=plan_id,
        event_key=placed.id,
        kind=placed.kind.value,
        title=placed.title[:200],
        capability=placed.capability,
        start=placed.start,
        end=placed.end,
        host=placed.host,
        participants=list(placed.participants),
        travel_km=placed.travel_km,
        published_at=now,
    )


def plan_year(session: Session, plan_id: int) -> int:
    """The year of the plan's horizon start: the events' UIDs are ``<event-id>@<year>.atlasbot``,
    as ``atlasbot schedule --ics`` writes them for the same file."""
    row = get_plan(session, plan_id)
    start = str(row.events.get("horizon", {}).get("start", ""))
    try:
        return dt.date.fromisoformat(start).year
    except ValueError:
        return row.created_at.year


def calendar_entry(
    session: Session, event: TrainingEvent, unit_ids: Sequence[str] = ()
) -> CalendarEntry:
    """The event as a calendar file carries it; cancelled when it was cancelled, or when
    none of ``unit_ids`` (the reader's units; empty: everyone) still takes part."""
    cancelled = event.status == TrainingEventStatus.CANCELLED.value
    if unit_ids and not set(unit_ids).intersection(event.participants):
        cancelled = True
    return CalendarEntry(
        as_scheduled(event), plan_year(session, event.plan_id), event.revision, cancelled
    )


# --- rows ------------------------------------------------------------------------------------


def get_plan(session: Session, plan_id: int, *, lock: bool = False) -> TrainingPlan:
    """A training plan by id, or NotFound."""
    plan = session.get(TrainingPlan, plan_id, with_for_update=lock)
    if plan is None:
        raise NotFound(_("There is no training plan #{plan}.", plan=plan_id))
    return plan


def get_event(session: Session, event_id: int, *, lock: bool = False) -> TrainingEvent:
    """A published (or cancelled) event by id, or NotFound."""
    event = session.get(TrainingEvent, event_id, with_for_update=lock)
    if event is None:
        raise NotFound(_("There is no published event #{event}.", event=event_id))
    return event


def draft_of(session: Session, member_id: int) -> TrainingPlan | None:
    """The coordinator's current draft plan, if any."""
    return session.exec(
        select(TrainingPlan)
        .where(
            TrainingPlan.coordinator_member_id == member_id,
            TrainingPlan.status == PlanStatus.DRAFT.value,
        )
        .order_by(col(TrainingPlan.id).desc())
    ).first()


def published_events(
    session: Session, *, plan_id: int | None = None, exclude_plan: int | None = None
) -> list[TrainingEvent]:
    """Published events by start (of one plan, or of every plan but one)."""
    query = select(TrainingEvent).where(
        TrainingEvent.status == TrainingEventStatus.PUBLISHED.value
    )
    if plan_id is not None:
        query = query.where(TrainingEvent.plan_id == plan_id)
    if exclude_plan is not None:
        query = query.where(TrainingEvent.plan_id != exclude_plan)
    return list(session.exec(query.order_by(col(TrainingEvent.start), col(TrainingEvent.id))))


def events_of(session: Session, plan_id: int) -> Sequence[TrainingEvent]:
    """Every event row of a plan, published or cancelled."""
    return session.exec(select(TrainingEvent).where(TrainingEvent.plan_id == plan_id)).all()
