"""Joint trainings, exercises and meetings (RULES R11): plans, publishing, answers, re-plans,
reminders, meeting polls and training currency.

Trainings are not requests: there is no competent-authority flow. Only coordinators plan,
publish and re-plan; a unit's commander answers invitations for the unit (duty officers read);
members see only their own units' events unless they coordinate.

Solving is CPU-bound and happens outside these functions, so no transaction stays open while
the solver runs: a caller reads the inputs (``solve_inputs``, ``replan_inputs``), solves off
the event loop, then stores the outcome (``store_schedule``, ``store_replan``), which checks
that the plan did not change meanwhile (its ``version``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from atlasbot.domain import Network
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity, members_with
from atlasbot.services.errors import Conflict, InvalidInput, NotAuthorised, NotFound
from atlasbot.storage import audit
from atlasbot.storage.models import (
    MeetingPoll,
    MeetingVote,
    PlanStatus,
    PollStatus,
    Role,
    RsvpAnswer,
    TrainingEvent,
    TrainingEventStatus,
    TrainingPlan,
    TrainingReminder,
    TrainingReminderState,
    TrainingRsvp,
)
from atlasbot.training.calendar import (
    ScheduledEvent,
    ScheduleResult,
    ScheduleStatus,
    UnscheduledEvent,
)
from atlasbot.training.currency import (
    StaleCapability,
    TrainingRecord,
    propose_events,
    stale_capabilities,
)
from atlasbot.training.events_file import (
    Blackout,
    DateRange,
    EventKind,
    EventsFileError,
    EventsPlan,
    parse_events,
)
from atlasbot.training.meetings import MeetingOption
from atlasbot.training.replan import Replan
from atlasbot.training.report import result_to_json
from atlasbot.yamltext import YamlTextError, load_yaml

MAX_EVENTS_FILE_BYTES = 256_000
MAX_PROBLEMS_SHOWN = 25
DEFAULT_DRAFT_HORIZON_DAYS = 365
NOT_COORDINATOR = (
    "Only network coordinators plan, publish and re-plan joint trainings (R11). "
    "Ask a coordinator, or send /calendar to see your unit's events."
)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def require_coordinator(identity: Identity) -> None:
    """Planning, publishing and re-planning are for coordinators only."""
    if not identity.has(Role.COORDINATOR):
        raise NotAuthorised(NOT_COORDINATOR)


# --- the events file as stored: a validated mapping ----------------------------------------


def _problems_message(source: str, problems: Sequence[str]) -> str:
    shown = [f"• {p.removeprefix(source + ': ')}" for p in problems[:MAX_PROBLEMS_SHOWN]]
    more = len(problems) - len(shown)
    if more > 0:
        shown.append(f"• … and {more} more")
    count = len(problems)
    return (
        f"{source}: {count} problem{'s' if count != 1 else ''}; nothing was stored. "
        "Fix the file and send it again.\n" + "\n".join(shown)
    )


def parse_events_text(text: str, source: str, network: Network) -> EventsPlan:
    """Read an events file's text (INTERFACES §7) against the network; InvalidInput lists
    every problem by its place in the file."""
    if len(text.encode("utf-8")) > MAX_EVENTS_FILE_BYTES:
        raise InvalidInput(
            f"{source}: the file is larger than {MAX_EVENTS_FILE_BYTES // 1000} kB; "
            "nothing was stored."
        )
    try:
        data = load_yaml(text, dates_as_text=True)
    except YamlTextError as error:
        raise InvalidInput(_problems_message(source, [str(error)])) from None
    return _validated(data, source, network)


def _validated(data: Any, source: str, network: Network) -> EventsPlan:
    try:
        return parse_events(data, source, network)
    except EventsFileError as error:
        raise InvalidInput(_problems_message(source, error.problems)) from None


def plan_to_mapping(plan: EventsPlan) -> dict[str, Any]:
    """An events plan as an events-file mapping (dates as text), fit for a JSON column."""
    events = []
    for event in plan.events:
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
        events.append(item)
    return {
        "horizon": {"start": plan.horizon.start.isoformat(), "end": plan.horizon.end.isoformat()},
        "rules": {
            "min_gap_days": plan.rules.min_gap_days,
            "max_hosted_per_country": plan.rules.max_hosted_per_country,
        },
        "events": events,
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
    return _validated(row.events, f"plan #{row.id}", network)


# --- schedules as stored -------------------------------------------------------------------


def schedule_to_json(result: ScheduleResult) -> dict[str, Any]:
    """INTERFACES §8's object plus each event's kind, title and capability."""
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


# --- plans: upload, wizard, solve --------------------------------------------------------


def get_plan(session: Session, plan_id: int, *, lock: bool = False) -> TrainingPlan:
    plan = session.get(TrainingPlan, plan_id, with_for_update=lock)
    if plan is None:
        raise NotFound(f"There is no training plan #{plan_id}.")
    return plan


def draft_of(session: Session, identity: Identity) -> TrainingPlan | None:
    """The coordinator's current draft plan, if any."""
    return session.exec(
        select(TrainingPlan)
        .where(
            TrainingPlan.coordinator_member_id == identity.member_id,
            TrainingPlan.status == PlanStatus.DRAFT.value,
        )
        .order_by(col(TrainingPlan.id).desc())
    ).first()


def _require_own_draft(identity: Identity, plan: TrainingPlan) -> None:
    require_coordinator(identity)
    if plan.status != PlanStatus.DRAFT.value:
        raise Conflict(f"Plan #{plan.id} is {plan.status}, not a draft any more.")
    if plan.coordinator_member_id != identity.member_id:
        raise NotAuthorised(f"Plan #{plan.id} is another coordinator's draft.")


def _discard_drafts(session: Session, identity: Identity, now: dt.datetime) -> None:
    for old in session.exec(
        select(TrainingPlan).where(
            TrainingPlan.coordinator_member_id == identity.member_id,
            TrainingPlan.status == PlanStatus.DRAFT.value,
        )
    ):
        old.status = PlanStatus.DISCARDED.value
        old.updated_at = now
        session.add(old)


def upload_events(
    session: Session, identity: Identity, *, text: str, filename: str, now: dt.datetime
) -> TrainingPlan:
    """A coordinator's events file becomes their draft plan (replacing an older draft);
    a bad file is refused with every problem listed, and nothing is stored."""
    require_coordinator(identity)
    network = registry.load_network(session)
    source = filename or "events file"
    plan = parse_events_text(text, source, network)
    _discard_drafts(session, identity, now)
    row = TrainingPlan(
        coordinator_member_id=identity.member_id,
        source_name=source[:200],
        source_text=text,
        events=plan_to_mapping(plan),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_uploaded",
        obj=f"training_plan:{row.id}",
        payload={"file": source, "events": len(plan.events), "blackouts": len(plan.blackouts)},
        at=now,
    )
    return row


def _new_draft(
    session: Session, identity: Identity, *, today: dt.date, now: dt.datetime, source: str
) -> TrainingPlan:
    start = today + dt.timedelta(days=1)
    row = TrainingPlan(
        coordinator_member_id=identity.member_id,
        source_name=source,
        events={
            "horizon": {
                "start": start.isoformat(),
                "end": (today + dt.timedelta(days=DEFAULT_DRAFT_HORIZON_DAYS)).isoformat(),
            },
            "events": [],
        },
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _free_id(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def _merge_into_draft(
    session: Session,
    identity: Identity,
    new_events: Sequence[Mapping[str, Any]],
    *,
    today: dt.date,
    now: dt.datetime,
    source: str,
    horizon_end: dt.date | None = None,
) -> tuple[TrainingPlan, list[str]]:
    """Add events to the coordinator's draft (made when there is none), widening its horizon
    to hold their windows; returns the draft and the ids the events got."""
    require_coordinator(identity)
    row = draft_of(session, identity) or _new_draft(
        session, identity, today=today, now=now, source=source
    )
    mapping = dict(row.events)
    events = [dict(e) for e in mapping.get("events", [])]
    taken = {str(e.get("id")) for e in events}
    horizon = dict(mapping["horizon"])
    start, end = dt.date.fromisoformat(horizon["start"]), dt.date.fromisoformat(horizon["end"])
    if horizon_end is not None:
        end = max(end, horizon_end)
    ids = []
    for event in new_events:
        item = dict(event)
        item["id"] = _free_id(str(item.get("id") or item.get("kind") or "event"), taken)
        taken.add(item["id"])
        ids.append(item["id"])
        window = item.get("window")
        if isinstance(window, Mapping):
            start = min(start, dt.date.fromisoformat(str(window["start"])))
            end = max(end, dt.date.fromisoformat(str(window["end"])))
        events.append(item)
    mapping["horizon"] = {"start": start.isoformat(), "end": end.isoformat()}
    mapping["events"] = events
    plan = _validated(mapping, f"draft plan #{row.id}", registry.load_network(session))
    row.events = plan_to_mapping(plan)
    row.schedule = None  # the last solve no longer matches the events
    row.updated_at = now
    row.version += 1
    session.add(row)
    session.flush()
    return row, ids


def add_event(
    session: Session,
    identity: Identity,
    event: Mapping[str, Any],
    *,
    today: dt.date,
    now: dt.datetime,
) -> tuple[TrainingPlan, str]:
    """Add one event (an events-file mapping, as the wizard builds it) to the draft plan."""
    row, ids = _merge_into_draft(session, identity, [event], today=today, now=now, source="wizard")
    audit.append(
        session,
        actor=identity.actor,
        action="training.event_added",
        obj=f"training_plan:{row.id}",
        payload={"event": ids[0], "title": event.get("title"), "kind": event.get("kind")},
        at=now,
    )
    return row, ids[0]


def discard_draft(session: Session, identity: Identity, plan_id: int, *, now: dt.datetime) -> None:
    """Drop a draft plan (nothing was ever sent from it)."""
    row = get_plan(session, plan_id, lock=True)
    _require_own_draft(identity, row)
    row.status = PlanStatus.DISCARDED.value
    row.updated_at = now
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_discarded",
        obj=f"training_plan:{plan_id}",
        at=now,
    )


@dataclass(frozen=True, slots=True)
class SolveInput:
    """What the scheduler needs for one draft, read in one transaction."""

    plan_id: int
    plan_version: int
    network: Network
    plan: EventsPlan


def _published_events(
    session: Session, *, plan_id: int | None = None, exclude_plan: int | None = None
) -> list[TrainingEvent]:
    query = select(TrainingEvent).where(
        TrainingEvent.status == TrainingEventStatus.PUBLISHED.value
    )
    if plan_id is not None:
        query = query.where(TrainingEvent.plan_id == plan_id)
    if exclude_plan is not None:
        query = query.where(TrainingEvent.plan_id != exclude_plan)
    return list(session.exec(query.order_by(col(TrainingEvent.start), col(TrainingEvent.id))))


def solve_inputs(session: Session, identity: Identity, plan_id: int) -> SolveInput:
    """The draft's events, with the units' already published events as their busy days."""
    row = get_plan(session, plan_id)
    _require_own_draft(identity, row)
    network = registry.load_network(session)
    plan = stored_plan(row, network)
    if not plan.events:
        raise InvalidInput("The draft has no events yet: add one or send an events file.")
    known = {unit.id for unit in network.units}
    busy = tuple(
        Blackout(unit_id, event.start, event.end, f"published: {event.title}")
        for event in _published_events(session, exclude_plan=plan_id)
        if event.end >= plan.horizon.start and event.start <= plan.horizon.end
        for unit_id in event.participants
        if unit_id in known
    )
    assert row.id is not None
    return SolveInput(row.id, row.version, network, replace(plan, blackouts=plan.blackouts + busy))


def store_schedule(
    session: Session,
    identity: Identity,
    plan_id: int,
    plan_version: int,
    result: ScheduleResult,
    *,
    now: dt.datetime,
) -> TrainingPlan:
    """Keep the solved schedule for preview and publishing (refused when the draft changed)."""
    row = get_plan(session, plan_id, lock=True)
    _require_own_draft(identity, row)
    if row.version != plan_version:
        raise Conflict("The draft changed while the planner ran; run the planner again.")
    row.schedule = {**schedule_to_json(result), "plan_version": row.version}
    row.updated_at = now
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_solved",
        obj=f"training_plan:{plan_id}",
        payload={
            "status": result.status.value,
            "placed": len(result.events),
            "unscheduled": [u.id for u in result.unscheduled],
            "total_travel_km": result.total_travel_km,
        },
        at=now,
    )
    return row


# --- publishing, invitations and reminders ------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderTimer:
    """What a timer needs to wake up for a reminder, and to know when it is stale."""

    reminder_id: int
    version: int
    due_at: dt.datetime


def reminder_due_at(start: dt.date, days_before: int, tz: ZoneInfo, hour: int) -> dt.datetime:
    """When a reminder falls due: ``hour`` o'clock local time, ``days_before`` the event."""
    day = start - dt.timedelta(days=days_before)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """The settings that place reminders: days before, hour, time zone."""

    days_before: tuple[int, ...]
    hour: int
    tz: ZoneInfo


def _set_reminders(
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
        elif (
            _aware(reminder.due_at) == due
            and reminder.state != TrainingReminderState.CANCELLED.value
        ):
            if reminder.state == TrainingReminderState.PENDING.value and reminder.id is not None:
                timers.append(ReminderTimer(reminder.id, reminder.version, due))
            continue
        else:
            reminder.due_at = due
            reminder.version += 1
            reminder.sent_at = None
            reminder.state = (
                TrainingReminderState.PENDING.value
                if due > now
                else TrainingReminderState.CANCELLED.value
            )
        session.add(reminder)
        session.flush()
        if reminder.state == TrainingReminderState.PENDING.value and reminder.id is not None:
            timers.append(ReminderTimer(reminder.id, reminder.version, due))
    return timers


def _cancel_reminders(session: Session, event_id: int) -> None:
    for reminder in session.exec(
        select(TrainingReminder).where(
            TrainingReminder.event_id == event_id,
            TrainingReminder.state == TrainingReminderState.PENDING.value,
        )
    ):
        reminder.state = TrainingReminderState.CANCELLED.value
        reminder.version += 1
        session.add(reminder)


@dataclass(frozen=True, slots=True)
class Publication:
    """Published events (ids) and the reminder timers to arm."""

    plan_id: int
    event_ids: tuple[int, ...]
    timers: tuple[ReminderTimer, ...]


def _new_event(plan_id: int, placed: ScheduledEvent, now: dt.datetime) -> TrainingEvent:
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


def publish(
    session: Session,
    identity: Identity,
    plan_id: int,
    plan_version: int,
    *,
    policy: ReminderPolicy,
    now: dt.datetime,
) -> Publication:
    """Publish a solved draft: its placed events go into members' calendars, with reminders."""
    row = get_plan(session, plan_id, lock=True)
    _require_own_draft(identity, row)
    if row.version != plan_version:
        raise Conflict("The draft changed since this preview; run the planner again.")
    if row.schedule is None or row.schedule.get("plan_version") != row.version:
        raise Conflict("Run the planner before publishing.")
    result = schedule_from_json(row.schedule)
    if not result.events:
        raise Conflict("No event could be placed, so there is nothing to publish.")
    ids: list[int] = []
    timers: list[ReminderTimer] = []
    for placed in result.events:
        event = _new_event(plan_id, placed, now)
        session.add(event)
        session.flush()
        assert event.id is not None
        ids.append(event.id)
        timers.extend(_set_reminders(session, event, policy, now))
        audit.append(
            session,
            actor=identity.actor,
            action="training.event_published",
            obj=f"training_event:{event.id}",
            payload={
                "plan": plan_id,
                "event": placed.id,
                "start": placed.start.isoformat(),
                "end": placed.end.isoformat(),
                "host": placed.host,
                "participants": list(placed.participants),
            },
            at=now,
        )
    row.status = PlanStatus.PUBLISHED.value
    row.published_at = now
    row.updated_at = now
    row.version += 1
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.plan_published",
        obj=f"training_plan:{plan_id}",
        payload={"events": len(ids), "unscheduled": [u.id for u in result.unscheduled]},
        at=now,
    )
    return Publication(plan_id, tuple(ids), tuple(timers))


def get_event(session: Session, event_id: int, *, lock: bool = False) -> TrainingEvent:
    event = session.get(TrainingEvent, event_id, with_for_update=lock)
    if event is None:
        raise NotFound(f"There is no published event #{event_id}.")
    return event


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


def answer_invitation(
    session: Session,
    identity: Identity,
    event_id: int,
    unit_id: str,
    answer: RsvpAnswer,
    *,
    now: dt.datetime,
) -> tuple[TrainingEvent, str | None]:
    """A commander answers for their unit: attend, can't attend, or tentative; returns the
    event and the unit's previous answer."""
    event = get_event(session, event_id, lock=True)
    if not identity.commands_unit(unit_id):
        raise NotAuthorised(f"Only the commander of {unit_id} answers for it.")
    if event.status != TrainingEventStatus.PUBLISHED.value:
        raise Conflict(f"{event.title} was cancelled; there is nothing to answer.")
    if unit_id not in event.participants:
        raise Conflict(f"{unit_id} is no longer a participant of {event.title}.")
    if event.end < now.date():
        raise Conflict(f"{event.title} is over.")
    rsvp = session.exec(
        select(TrainingRsvp).where(
            TrainingRsvp.event_id == event_id, TrainingRsvp.unit_id == unit_id
        )
    ).first()
    previous = rsvp.answer if rsvp else None
    if rsvp is None:
        rsvp = TrainingRsvp(
            event_id=event_id,
            unit_id=unit_id,
            answer=answer.value,
            member_id=identity.member_id,
            answered_at=now,
        )
    else:
        rsvp.answer, rsvp.member_id, rsvp.answered_at = answer.value, identity.member_id, now
    session.add(rsvp)
    audit.append(
        session,
        actor=identity.actor,
        action="training.rsvp",
        obj=f"training_event:{event_id}",
        payload={"unit": unit_id, "answer": answer.value, "previous": previous},
        at=now,
    )
    return event, previous


# --- re-planning -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplanInput:
    """What ``replan`` needs for one published plan, read in one transaction."""

    plan_id: int
    plan_version: int
    network: Network
    plan: EventsPlan
    published: ScheduleResult
    declined: dict[str, tuple[str, ...]]
    from_date: dt.date


def published_schedule(events: Sequence[TrainingEvent], plan: EventsPlan) -> ScheduleResult:
    """The published events as a schedule; the plan's other events count as not placed."""
    placed = tuple(as_scheduled(e) for e in events)
    keys = {e.event_key for e in events}
    return ScheduleResult(
        status=ScheduleStatus.FEASIBLE,
        solve_ms=0.0,
        total_travel_km=sum(e.travel_km for e in events),
        lower_bound_km=0,
        events=placed,
        unscheduled=tuple(
            UnscheduledEvent(e.id, "not placed when published")
            for e in plan.events
            if e.id not in keys
        ),
    )


def replan_inputs(
    session: Session, identity: Identity, event_id: int, unit_id: str, *, today: dt.date
) -> ReplanInput:
    """Inputs to re-plan the event's calendar without the units that cannot attend: every
    "can't attend" so far on its still-published events, this unit's included."""
    require_coordinator(identity)
    event = get_event(session, event_id)
    row = get_plan(session, event.plan_id)
    if row.status != PlanStatus.PUBLISHED.value:
        raise Conflict(f"Plan #{row.id} is not published.")
    if event.status != TrainingEventStatus.PUBLISHED.value:
        raise Conflict(f"{event.title} was cancelled already.")
    if unit_id not in event.participants:
        raise Conflict(f"{unit_id} no longer takes part in {event.title}: nothing to re-plan.")
    network = registry.load_network(session)
    plan = stored_plan(row, network)
    events = _published_events(session, plan_id=row.id)
    declined: dict[str, set[str]] = defaultdict(set)
    declined[event.event_key].add(unit_id)
    by_id = {e.id: e for e in events}
    for rsvp in session.exec(
        select(TrainingRsvp).where(
            col(TrainingRsvp.event_id).in_(list(by_id)),
            TrainingRsvp.answer == RsvpAnswer.DECLINE.value,
        )
    ):
        published = by_id[rsvp.event_id]
        if rsvp.unit_id in published.participants:
            declined[published.event_key].add(rsvp.unit_id)
    assert row.id is not None
    return ReplanInput(
        plan_id=row.id,
        plan_version=row.version,
        network=network,
        plan=plan,
        published=published_schedule(events, plan),
        declined={key: tuple(sorted(units)) for key, units in declined.items()},
        from_date=today + dt.timedelta(days=1),
    )


def store_replan(
    session: Session,
    identity: Identity,
    inputs: ReplanInput,
    outcome: Replan,
    *,
    now: dt.datetime,
) -> TrainingPlan:
    """Keep a re-plan for the coordinator to publish (refused when the plan changed)."""
    require_coordinator(identity)
    row = get_plan(session, inputs.plan_id, lock=True)
    if row.version != inputs.plan_version:
        raise Conflict("The calendar changed while re-planning; re-plan again.")
    row.proposal = {
        "base_version": row.version,
        "schedule": schedule_to_json(outcome.result),
        "events": plan_to_mapping(outcome.plan),
        "changes": list(outcome.changes),
        "declined": {k: list(v) for k, v in inputs.declined.items()},
    }
    row.updated_at = now
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.replan_proposed",
        obj=f"training_plan:{row.id}",
        payload={"declined": row.proposal["declined"], "changes": list(outcome.changes)},
        at=now,
    )
    return row


@dataclass(frozen=True, slots=True)
class EventChange:
    """One published event a re-plan changed, and who must hear of it."""

    event_id: int
    title: str
    before: str
    after: str  # "" when cancelled
    units: tuple[str, ...]  # participants before and after
    moved: bool  # a new date or host: the units answer again


@dataclass(frozen=True, slots=True)
class ReplanPublication:
    plan_id: int
    changes: tuple[EventChange, ...]
    timers: tuple[ReminderTimer, ...]


def describe_placement(start: dt.date, end: dt.date, host: str | None) -> str:
    """'2027-03-08..10 at nl-1' or '... (virtual)'."""
    from atlasbot.training.replan import format_days

    return f"{format_days(start, end)} {'at ' + host if host else '(virtual)'}"


def publish_replan(
    session: Session,
    identity: Identity,
    plan_id: int,
    *,
    policy: ReminderPolicy,
    now: dt.datetime,
) -> ReplanPublication:
    """Apply the proposed re-plan: move, shrink or cancel published events, reset the answers
    of moved events, move their reminders."""
    require_coordinator(identity)
    row = get_plan(session, plan_id, lock=True)
    proposal = row.proposal
    if proposal is None:
        raise Conflict("There is no re-plan waiting to be published for this calendar.")
    if proposal.get("base_version") != row.version:
        raise Conflict("The calendar changed since this re-plan was proposed; re-plan again.")
    new = schedule_from_json(proposal["schedule"])
    rows = {
        e.event_key: e
        for e in session.exec(select(TrainingEvent).where(TrainingEvent.plan_id == plan_id))
    }
    changes: list[EventChange] = []
    timers: list[ReminderTimer] = []
    for placed in new.events:
        event = rows.get(placed.id)
        if event is None:
            event = _new_event(plan_id, placed, now)
            session.add(event)
            session.flush()
            assert event.id is not None
            timers.extend(_set_reminders(session, event, policy, now))
            changes.append(
                EventChange(
                    event.id,
                    event.title,
                    "not placed",
                    describe_placement(placed.start, placed.end, placed.host),
                    placed.participants,
                    True,
                )
            )
            continue
        was_published = event.status == TrainingEventStatus.PUBLISHED.value
        before = (event.start, event.host, tuple(event.participants))
        after = (placed.start, placed.host, placed.participants)
        if was_published and before == after:
            continue
        assert event.id is not None
        moved = not was_published or before[:2] != after[:2]
        old_text = (
            describe_placement(event.start, event.end, event.host)
            if was_published
            else "cancelled"
        )
        units = tuple(dict.fromkeys([*event.participants, *placed.participants]))
        event.start, event.end, event.host = placed.start, placed.end, placed.host
        event.participants = list(placed.participants)
        event.travel_km = placed.travel_km
        event.status = TrainingEventStatus.PUBLISHED.value
        event.revision += 1
        session.add(event)
        if moved:
            for rsvp in session.exec(
                select(TrainingRsvp).where(TrainingRsvp.event_id == event.id)
            ):
                session.delete(rsvp)
        timers.extend(_set_reminders(session, event, policy, now))
        changes.append(
            EventChange(
                event.id,
                event.title,
                old_text,
                describe_placement(placed.start, placed.end, placed.host),
                units,
                moved,
            )
        )
    placed_keys = {p.id for p in new.events}
    for key, event in rows.items():
        if key in placed_keys or event.status != TrainingEventStatus.PUBLISHED.value:
            continue
        assert event.id is not None
        changes.append(
            EventChange(
                event.id,
                event.title,
                describe_placement(event.start, event.end, event.host),
                "",
                tuple(event.participants),
                True,
            )
        )
        event.status = TrainingEventStatus.CANCELLED.value
        event.revision += 1
        session.add(event)
        _cancel_reminders(session, event.id)
    row.events = proposal["events"]
    row.proposal = None
    row.updated_at = now
    row.version += 1
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="training.replan_published",
        obj=f"training_plan:{plan_id}",
        payload={
            "changes": list(proposal.get("changes", [])),
            "events": [
                {"event": c.event_id, "before": c.before, "after": c.after} for c in changes
            ],
        },
        at=now,
    )
    return ReplanPublication(plan_id, tuple(changes), tuple(timers))


# --- reminders ------------------------------------------------------------------------------


def pending_reminders(session: Session) -> list[ReminderTimer]:
    """Every reminder still to send (what a restart re-arms)."""
    return [
        ReminderTimer(r.id, r.version, _aware(r.due_at))
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
    recipients: tuple[Recipient, ...]
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
    event = get_event(session, reminder.event_id)
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
        as_scheduled(event),
        event.id,
        reminder.days_before,
        tuple(unit_recipients(session, event.participants)),
        answers_of(session, event.id),
    )


# --- what members see ---------------------------------------------------------------------


def calendar_for(session: Session, identity: Identity) -> list[TrainingEvent]:
    """Published events the member may see: all for a coordinator, else their units' own."""
    events = _published_events(session)
    if identity.has(Role.COORDINATOR):
        return events
    mine = set(identity.units())
    return [e for e in events if mine.intersection(e.participants)]


def ics_id(event: TrainingEvent) -> str:
    """The event's id in the .ics: plan and file id, unique across plans and stable."""
    return f"plan{event.plan_id}-{event.event_key}"


# --- training currency (issue 6.6) --------------------------------------------------------


def training_records(session: Session, today: dt.date) -> list[TrainingRecord]:
    """Joint trainings held: every published event with a capability that ended before today."""
    return [
        TrainingRecord(unit_id, event.capability, event.end)
        for event in _published_events(session)
        if event.capability and event.end < today
        for unit_id in event.participants
    ]


@dataclass(frozen=True, slots=True)
class Readiness:
    """Stale capabilities and the refresher events proposed for them."""

    stale: tuple[StaleCapability, ...]
    proposal: dict[str, Any]
    network: Network


def readiness(session: Session, identity: Identity, *, today: dt.date, months: int) -> Readiness:
    """For coordinators: unit capabilities not trained jointly within ``months`` months, and
    refresher trainings that would cover them within a year."""
    require_coordinator(identity)
    network = registry.load_network(session)
    records = training_records(session, today)
    stale = stale_capabilities(network, records, today, months=months)
    proposal = propose_events(
        network,
        records,
        today,
        today + dt.timedelta(days=DEFAULT_DRAFT_HORIZON_DAYS),
        months=months,
    )
    return Readiness(tuple(stale), proposal, network)


def add_readiness_proposal(
    session: Session, identity: Identity, *, today: dt.date, months: int, now: dt.datetime
) -> tuple[TrainingPlan, list[str]]:
    """Add the proposed refresher trainings to the coordinator's draft plan."""
    found = readiness(session, identity, today=today, months=months)
    events = found.proposal["events"]
    if not events:
        raise Conflict("Every capability was trained jointly in time: nothing to propose.")
    end = dt.date.fromisoformat(found.proposal["horizon"]["end"])
    row, ids = _merge_into_draft(
        session, identity, events, today=today, now=now, source="readiness", horizon_end=end
    )
    audit.append(
        session,
        actor=identity.actor,
        action="training.readiness_added",
        obj=f"training_plan:{row.id}",
        payload={"events": ids, "months": months},
        at=now,
    )
    return row, ids


# --- meetings (issue 6.5) ---------------------------------------------------------------


def busy_days(session: Session) -> dict[str, list[DateRange]]:
    """Each unit's published event days: a meeting on them is possible, but a conflict."""
    busy: dict[str, list[DateRange]] = defaultdict(list)
    for event in _published_events(session):
        for unit_id in event.participants:
            busy[unit_id].append(DateRange(event.start, event.end))
    return dict(busy)


def meeting_inputs(
    session: Session, identity: Identity
) -> tuple[Network, dict[str, list[DateRange]]]:
    """The network and the units' busy days, for finding meeting dates."""
    require_coordinator(identity)
    return registry.load_network(session), busy_days(session)


def option_payload(option: MeetingOption) -> dict[str, Any]:
    return {
        "start": option.start.isoformat(),
        "end": option.end.isoformat(),
        "host": option.host,
        "conflicts": list(option.conflicts),
        "travel_km": option.travel_km,
    }


def create_poll(
    session: Session,
    identity: Identity,
    *,
    title: str,
    participants: Sequence[str],
    window: DateRange,
    virtual: bool,
    options: Sequence[MeetingOption],
    now: dt.datetime,
) -> MeetingPoll:
    """Open a vote among the participating units on the best dates found."""
    require_coordinator(identity)
    if len(set(participants)) < 2:
        raise InvalidInput("A meeting needs at least two participating units.")
    if not options:
        raise InvalidInput(
            f"No weekday between {window.start} and {window.end} suits these units "
            "(public holidays); choose a wider window."
        )
    known = {unit.id for unit in registry.load_network(session).units}
    unknown = sorted(set(participants) - known)
    if unknown:
        raise InvalidInput("Unknown units: " + ", ".join(unknown))
    poll = MeetingPoll(
        coordinator_member_id=identity.member_id,
        title=(title.strip() or "Meeting")[:200],
        participants=list(dict.fromkeys(participants)),
        virtual=virtual,
        window_start=window.start,
        window_end=window.end,
        options=[option_payload(o) for o in options],
        created_at=now,
    )
    session.add(poll)
    session.flush()
    audit.append(
        session,
        actor=identity.actor,
        action="meeting.poll_opened",
        obj=f"meeting_poll:{poll.id}",
        payload={"participants": poll.participants, "options": poll.options, "title": poll.title},
        at=now,
    )
    return poll


def get_poll(session: Session, poll_id: int, *, lock: bool = False) -> MeetingPoll:
    poll = session.get(MeetingPoll, poll_id, with_for_update=lock)
    if poll is None:
        raise NotFound(f"There is no meeting poll #{poll_id}.")
    return poll


def poll_recipients(session: Session, poll: MeetingPoll) -> list[Recipient]:
    """The participating units' commanders (they vote for their unit)."""
    return [r for r in unit_recipients(session, poll.participants) if r.may_answer]


def vote(
    session: Session,
    identity: Identity,
    poll_id: int,
    unit_id: str,
    option: int,
    *,
    now: dt.datetime,
) -> MeetingPoll:
    """A commander votes for a date on behalf of their unit (a new vote replaces the old)."""
    poll = get_poll(session, poll_id, lock=True)
    if not identity.commands_unit(unit_id):
        raise NotAuthorised(f"Only the commander of {unit_id} votes for it.")
    if unit_id not in poll.participants:
        raise NotAuthorised(f"{unit_id} is not invited to this meeting.")
    if poll.status != PollStatus.OPEN.value:
        raise Conflict("The date of this meeting is already confirmed.")
    if not 0 <= option < len(poll.options):
        raise InvalidInput("Unknown date option.")
    row = session.exec(
        select(MeetingVote).where(MeetingVote.poll_id == poll_id, MeetingVote.unit_id == unit_id)
    ).first()
    if row is None:
        row = MeetingVote(
            poll_id=poll_id,
            unit_id=unit_id,
            option=option,
            member_id=identity.member_id,
            voted_at=now,
        )
    else:
        row.option, row.member_id, row.voted_at = option, identity.member_id, now
    session.add(row)
    audit.append(
        session,
        actor=identity.actor,
        action="meeting.vote",
        obj=f"meeting_poll:{poll_id}",
        payload={"unit": unit_id, "option": option},
        at=now,
    )
    return poll


def tally(session: Session, poll_id: int) -> dict[int, list[str]]:
    """Option index -> the units that voted for it."""
    counts: dict[int, list[str]] = defaultdict(list)
    for row in session.exec(
        select(MeetingVote)
        .where(MeetingVote.poll_id == poll_id)
        .order_by(col(MeetingVote.unit_id))
    ):
        counts[row.option].append(row.unit_id)
    return dict(counts)


def confirm_poll(
    session: Session,
    identity: Identity,
    poll_id: int,
    option: int,
    *,
    policy: ReminderPolicy,
    now: dt.datetime,
) -> tuple[MeetingPoll, Publication]:
    """The coordinator confirms a date: the meeting becomes a published event."""
    require_coordinator(identity)
    poll = get_poll(session, poll_id, lock=True)
    if poll.status != PollStatus.OPEN.value:
        raise Conflict("The date of this meeting is already confirmed.")
    if not 0 <= option < len(poll.options):
        raise InvalidInput("Unknown date option.")
    chosen = poll.options[option]
    start, end = dt.date.fromisoformat(chosen["start"]), dt.date.fromisoformat(chosen["end"])
    network = registry.load_network(session)
    from atlasbot.training.calendar import travel_km

    placed = ScheduledEvent(
        id=f"meeting-{poll_id}",
        kind=EventKind.MEETING,
        title=poll.title,
        start=start,
        end=end,
        host=chosen["host"],
        participants=tuple(poll.participants),
        travel_km=travel_km(network, chosen["host"], poll.participants),
    )
    mapping = {
        "horizon": {"start": start.isoformat(), "end": end.isoformat()},
        "events": [
            {
                "id": placed.id,
                "kind": "meeting",
                "title": placed.title,
                "duration_days": (end - start).days + 1,
                "participants": list(poll.participants),
                **({"host": placed.host} if placed.host else {"virtual": True}),
            }
        ],
    }
    plan = TrainingPlan(
        coordinator_member_id=identity.member_id,
        status=PlanStatus.PUBLISHED.value,
        source_name=f"meeting poll #{poll_id}",
        events=mapping,
        created_at=now,
        updated_at=now,
        published_at=now,
        version=1,
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    event = _new_event(plan.id, placed, now)
    session.add(event)
    session.flush()
    assert event.id is not None
    timers = _set_reminders(session, event, policy, now)
    poll.status = PollStatus.CONFIRMED.value
    poll.confirmed_option = option
    poll.event_id = event.id
    session.add(poll)
    audit.append(
        session,
        actor=identity.actor,
        action="meeting.confirmed",
        obj=f"meeting_poll:{poll_id}",
        payload={"option": option, "event": event.id, **chosen},
        at=now,
    )
    return poll, Publication(plan.id, (event.id,), tuple(timers))
