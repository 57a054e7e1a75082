"""A re-plan after "can't attend": solve again without the units that cannot come, keeping
published events where they are as far as possible; the coordinator publishes it, and every
affected unit hears what changed (moved events are answered again)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.services import registry
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict
from atlasbot.services.outbox import Button, Keyboard, Message, issue_keyboard
from atlasbot.services.readers import reading
from atlasbot.services.trainings import audience, digests, records
from atlasbot.services.trainings.reminders import (
    ReminderPolicy,
    ReminderTimer,
    cancel_reminders,
    set_reminders,
)
from atlasbot.services.trainings.work import (
    Outcome,
    Pressed,
    Reply,
    Shown,
    Work,
    reply,
    require_coordinator,
)
from atlasbot.storage import audit
from atlasbot.storage.models import (
    PlanStatus,
    RsvpAnswer,
    TrainingEvent,
    TrainingEventStatus,
    TrainingPlan,
    TrainingRsvp,
)
from atlasbot.texts import training as texts
from atlasbot.training.calendar import (
    ScheduledEvent,
    ScheduleResult,
    ScheduleStatus,
    UnscheduledEvent,
)
from atlasbot.training.events_file import EventsPlan
from atlasbot.training.replan import Replan, replan


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
    keys = {e.event_key for e in events}
    return ScheduleResult(
        status=ScheduleStatus.FEASIBLE,
        solve_ms=0.0,
        total_travel_km=sum(e.travel_km for e in events),
        lower_bound_km=0,
        events=tuple(records.as_scheduled(e) for e in events),
        unscheduled=tuple(
            UnscheduledEvent(e.id, "not placed when published")
            for e in plan.events
            if e.id not in keys
        ),
    )


def _check_replannable(row: TrainingPlan, event: TrainingEvent, unit_id: str) -> None:
    if row.status != PlanStatus.PUBLISHED.value:
        raise Conflict(_("Plan #{plan} is not published.", plan=row.id))
    if event.status != TrainingEventStatus.PUBLISHED.value:
        raise Conflict(_("{title} was cancelled already.", title=event.title))
    if unit_id not in event.participants:
        raise Conflict(
            _(
                "{unit} no longer takes part in {title}: nothing to re-plan.",
                unit=unit_id,
                title=event.title,
            )
        )


def _declined(
    session: Session, events: Sequence[TrainingEvent], event: TrainingEvent, unit_id: str
) -> dict[str, tuple[str, ...]]:
    """Event key -> the participants that can't attend it (this unit's answer included)."""
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
    return {key: tuple(sorted(units)) for key, units in declined.items()}


def replan_inputs(
    session: Session, identity: Identity, event_id: int, unit_id: str, *, today: dt.date
) -> ReplanInput:
    """Inputs to re-plan the event's calendar without the units that cannot attend: every
    "can't attend" so far on its still-published events, this unit's included."""
    require_coordinator(identity)
    event = records.get_event(session, event_id)
    row = records.get_plan(session, event.plan_id)
    _check_replannable(row, event, unit_id)
    network = registry.load_network(session)
    plan = records.stored_plan(row, network)
    events = records.published_events(session, plan_id=row.id)
    assert row.id is not None
    return ReplanInput(
        plan_id=row.id,
        plan_version=row.version,
        network=network,
        plan=plan,
        published=published_schedule(events, plan),
        declined=_declined(session, events, event, unit_id),
        from_date=today + dt.timedelta(days=1),
    )


@dataclass(frozen=True, slots=True)
class ReplanStart:
    """A re-plan about to run: who asked, its inputs, and what to tell them meanwhile."""

    identity: Identity
    inputs: ReplanInput
    outcome: Outcome


def start_replanning(work: Work, pressed: Pressed) -> ReplanStart:
    """ "Re-plan without …" pressed: read the calendar for the solver."""
    press = work.redeem(pressed)
    unit_id = str(press.payload["unit"])
    inputs = replan_inputs(
        work.session, press.identity, int(press.payload["event"]), unit_id, today=work.today
    )
    text = texts.replanning(unit_id, work.terms.plan_time_limit_s)
    return ReplanStart(press.identity, inputs, reply(text))


def solve_replan(inputs: ReplanInput, time_limit_s: float) -> Replan:
    """CPU-bound, no database: the re-plan (run it off the event loop)."""
    return replan(
        inputs.network,
        inputs.plan,
        inputs.published,
        declined=inputs.declined,
        from_date=inputs.from_date,
        time_limit_s=time_limit_s,
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
    row = records.get_plan(session, inputs.plan_id, lock=True)
    if row.version != inputs.plan_version:
        raise Conflict(_("The calendar changed while re-planning; re-plan again."))
    row.proposal = {
        "base_version": row.version,
        "schedule": records.schedule_to_json(outcome.result),
        "events": records.plan_to_mapping(outcome.plan),
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


def finish_replanning(work: Work, start: ReplanStart, outcome: Replan) -> Outcome:
    """Keep the re-plan and show what would change, with the button that publishes it."""
    inputs = start.inputs
    plan = store_replan(work.session, start.identity, inputs, outcome, now=work.now)
    button = Button(
        _("✅ Publish the re-plan and tell the units"),
        "train.replan_ok",
        {"plan": inputs.plan_id, "version": plan.version},
        single_use=True,
    )
    keyboard = issue_keyboard(work.session, start.identity.member_id, [[button]], now=work.now)
    text = texts.replan_proposal(inputs.plan_id, outcome.changes, outcome.result, inputs.network)
    return reply(text, keyboard)


# --- publishing a re-plan ----------------------------------------------------------------------


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
    """The events a published re-plan changed, and the reminder timers to arm."""

    plan_id: int
    changes: tuple[EventChange, ...]
    timers: tuple[ReminderTimer, ...]


def describe_placement(start: dt.date, end: dt.date, host: str | None) -> str:
    """'2027-03-08..10 at nl-1' or '2027-03-08..10 (virtual)'."""
    return texts.placement(start, end, host)


def _placed_anew(
    session: Session,
    plan_id: int,
    placed: ScheduledEvent,
    policy: ReminderPolicy,
    now: dt.datetime,
) -> tuple[EventChange, list[ReminderTimer]]:
    """An event not placed when the plan was published now is."""
    event = records.new_event(plan_id, placed, now)
    session.add(event)
    session.flush()
    assert event.id is not None
    after = describe_placement(placed.start, placed.end, placed.host)
    change = EventChange(event.id, event.title, _("not placed"), after, placed.participants, True)
    return change, set_reminders(session, event, policy, now)


def _moved(
    session: Session,
    event: TrainingEvent,
    placed: ScheduledEvent,
    policy: ReminderPolicy,
    now: dt.datetime,
) -> tuple[EventChange | None, list[ReminderTimer]]:
    """A published (or cancelled) event placed again: None when nothing about it changed.
    A new date or host resets the units' answers and moves the reminders."""
    was_published = event.status == TrainingEventStatus.PUBLISHED.value
    before = (event.start, event.host, tuple(event.participants))
    if was_published and before == (placed.start, placed.host, placed.participants):
        return None, []
    assert event.id is not None
    moved = not was_published or before[:2] != (placed.start, placed.host)
    old_text = (
        describe_placement(event.start, event.end, event.host) if was_published else _("cancelled")
    )
    units = tuple(dict.fromkeys([*event.participants, *placed.participants]))
    event.start, event.end, event.host = placed.start, placed.end, placed.host
    left = set(event.participants) - set(placed.participants)
    event.dropped = sorted({*(event.dropped or []), *left} - set(placed.participants)) or None
    event.participants = list(placed.participants)
    event.travel_km = placed.travel_km
    event.status = TrainingEventStatus.PUBLISHED.value
    event.revision += 1
    session.add(event)
    if moved:
        for rsvp in session.exec(select(TrainingRsvp).where(TrainingRsvp.event_id == event.id)):
            session.delete(rsvp)
    new_text = describe_placement(placed.start, placed.end, placed.host)
    change = EventChange(event.id, event.title, old_text, new_text, units, moved)
    return change, set_reminders(session, event, policy, now)


def _cancelled(session: Session, event: TrainingEvent) -> EventChange:
    """A published event the re-plan could not keep."""
    assert event.id is not None
    before = describe_placement(event.start, event.end, event.host)
    change = EventChange(event.id, event.title, before, "", tuple(event.participants), True)
    event.status = TrainingEventStatus.CANCELLED.value
    event.revision += 1
    session.add(event)
    cancel_reminders(session, event.id)
    return change


def _apply(
    session: Session, plan_id: int, new: ScheduleResult, policy: ReminderPolicy, now: dt.datetime
) -> tuple[list[EventChange], list[ReminderTimer]]:
    rows: Mapping[str, TrainingEvent] = {
        e.event_key: e for e in records.events_of(session, plan_id)
    }
    changes: list[EventChange] = []
    timers: list[ReminderTimer] = []
    for placed in new.events:
        event = rows.get(placed.id)
        if event is None:
            change, armed = _placed_anew(session, plan_id, placed, policy, now)
        else:
            maybe, armed = _moved(session, event, placed, policy, now)
            if maybe is None:
                continue
            change = maybe
        changes.append(change)
        timers.extend(armed)
    placed_keys = {p.id for p in new.events}
    for key, event in rows.items():
        if key not in placed_keys and event.status == TrainingEventStatus.PUBLISHED.value:
            changes.append(_cancelled(session, event))
    return changes, timers


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
    row = records.get_plan(session, plan_id, lock=True)
    proposal = row.proposal
    if proposal is None:
        raise Conflict(_("There is no re-plan waiting to be published for this calendar."))
    if proposal.get("base_version") != row.version:
        raise Conflict(_("The calendar changed since this re-plan was proposed; re-plan again."))
    new = records.schedule_from_json(proposal["schedule"])
    changes, timers = _apply(session, plan_id, new, policy, now)
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


def _change_notices(work: Work, change: EventChange) -> list[Message]:
    """What each affected unit hears; commanders of moved events may answer again."""
    event = records.get_event(work.session, change.event_id)
    out = []
    recipients = [r for unit_id in change.units for r in digests.recipients(work.session, unit_id)]
    for recipient in recipients:
        with reading(work.session, recipient.chat_id):
            out.append(_change_notice(work, change, event, recipient))
    return out


def _change_notice(
    work: Work, change: EventChange, event: TrainingEvent, recipient: audience.Recipient
) -> Message:
    """What one member of an affected unit hears, in their language."""
    still_in = bool(change.after) and recipient.unit_id in event.participants
    text = texts.change_notice(
        change.title, change.before, change.after, change.moved, recipient.unit_id, still_in
    )
    keyboard: Keyboard = ()
    if still_in and change.moved and recipient.may_answer:
        text += "\n" + texts.answer_again()
        lifetime = audience.token_lifetime(event.end, work.today)
        keyboard = audience.rsvp_keyboard(
            work.session, recipient, change.event_id, now=work.now, lifetime=lifetime
        )
    return Message(recipient.chat_id, text, keyboard, f"replan:{change.event_id}")


def confirm_replan(work: Work, pressed: Pressed) -> Outcome:
    """ "Publish the re-plan" pressed: apply it and tell every affected unit."""
    press = work.redeem(pressed)
    applied = publish_replan(
        work.session,
        press.identity,
        int(press.payload["plan"]),
        policy=work.terms.policy,
        now=work.now,
    )
    messages = _one_per_chat(
        [m for change in applied.changes for m in _change_notices(work, change)]
    )
    text = texts.replan_published(applied.plan_id, len(applied.changes), len(messages))
    network = registry.load_network(work.session)
    units = {u for change in applied.changes for u in change.units}
    edits = digests.digest_edits(
        work.session, applied.plan_id, units, network, today=work.today, now=work.now
    )
    return Outcome(
        replies=(Reply(text),),
        shown=Shown.REPLACE,
        messages=tuple(messages),
        timers=applied.timers,
        edits=tuple(edits),
    )


def _one_per_chat(messages: Sequence[Message]) -> list[Message]:
    """Every change a member hears of, as one "what changed" message (in the given order)."""
    merged: dict[int, Message] = {}
    for message in messages:
        first = merged.get(message.chat_id)
        if first is None:
            merged[message.chat_id] = message
            continue
        merged[message.chat_id] = Message(
            message.chat_id,
            f"{first.text}\n\n{message.text}",
            first.keyboard + message.keyboard,
            first.purpose,
        )
    return list(merged.values())
