"""Re-planning a published calendar when units drop out, moving as little as possible.

Decisions, so a coordinator can predict the outcome:
- Events that started before ``from_date`` (held or under way) are pinned exactly as published.
- A unit unavailable from ``from_date`` is removed from every event not yet started and gets
  a blackout from then to the end of the horizon; a unit that declined an event is removed
  from that event only. An event left with fewer than two units cannot be held.
- A fixed host that drops out frees the choice of host among those who remain.
- Nothing is moved to before ``from_date``.
- Objectives, in order: most events placed; fewest published events moved (a new date or a
  new host counts as a move); least travel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from atlasbot.domain import Network
from atlasbot.i18n import _
from atlasbot.training.calendar import (
    Placement,
    ScheduledEvent,
    ScheduleResult,
    check_schedule,
    solve_calendar,
    travel_km,
)
from atlasbot.training.events_file import Blackout, Event, EventsPlan

DEFAULT_REPLAN_TIME_LIMIT_S = 10.0


@dataclass(frozen=True, slots=True)
class Replan:
    """The new calendar, the plan it satisfies, and what changed in words."""

    result: ScheduleResult
    plan: EventsPlan
    changes: tuple[str, ...]


def replan(
    network: Network,
    plan: EventsPlan,
    published: ScheduleResult,
    *,
    unavailable_units: Iterable[str] = (),
    from_date: dt.date | None = None,
    declined: Mapping[str, Iterable[str]] | None = None,
    time_limit_s: float = DEFAULT_REPLAN_TIME_LIMIT_S,
) -> Replan:
    """Solve again after units dropped out, keeping published events where they are."""
    from_date = from_date or plan.horizon.start
    unavailable = frozenset(unavailable_units)
    declined_by_event = {
        event_id: frozenset(units) for event_id, units in (declined or {}).items()
    }
    pinned = {
        placed.id: Placement(placed.start, placed.host)
        for placed in published.events
        if placed.start < from_date
    }
    changes: list[str] = []
    events: list[Event] = []
    for event in plan.events:
        if event.id in pinned:
            events.append(event)
            continue
        leaving = dict.fromkeys(unavailable, _("unavailable from {day}", day=from_date))
        leaving.update(dict.fromkeys(declined_by_event.get(event.id, ()), _("declined")))
        changes.extend(_removals(event, leaving))
        participants = tuple(u for u in event.participants if u not in leaving)
        host = event.host if event.host in participants else None
        events.append(replace(event, participants=participants, host=host))
    revised = replace(
        plan,
        events=tuple(events),
        blackouts=plan.blackouts
        + _unavailability_blackouts(plan, published, unavailable, from_date, pinned),
    )
    still_open = {
        placed.id: Placement(placed.start, placed.host)
        for placed in published.events
        if placed.id not in pinned
    }
    result = solve_calendar(
        network,
        revised,
        time_limit_s=time_limit_s,
        earliest={event.id: from_date for event in revised.events if event.id not in pinned},
        pinned=pinned,
        published=still_open,
    )
    changes.extend(_describe_changes(published, result))
    return Replan(result=result, plan=revised, changes=tuple(changes))


def _removals(event: Event, leaving: Mapping[str, str]) -> list[str]:
    """ "de-1 removed from mar-1 (declined)" for each participant leaving the event."""
    return [
        _("{unit} removed from {event} ({why})", unit=unit_id, event=event.id, why=why)
        for unit_id in event.participants
        if (why := leaving.get(unit_id)) is not None
    ]


def _unavailability_blackouts(
    plan: EventsPlan,
    published: ScheduleResult,
    unavailable: frozenset[str],
    from_date: dt.date,
    pinned: Mapping[str, Placement],
) -> tuple[Blackout, ...]:
    """A blackout per unavailable unit, starting after any pinned event it still attends."""
    blackouts = []
    for unit_id in sorted(unavailable):
        start = from_date
        for placed in published.events:
            if placed.id in pinned and unit_id in placed.participants:
                start = max(start, placed.end + dt.timedelta(days=1))
        if start <= plan.horizon.end:
            blackouts.append(Blackout(unit_id, start, plan.horizon.end, "unavailable"))
    return tuple(blackouts)


def format_days(start: dt.date, end: dt.date) -> str:
    """A compact day range: 2027-03-08..10, 2027-03-30..04-02, or one day."""
    if start == end:
        return start.isoformat()
    if start.year != end.year:
        return f"{start.isoformat()}..{end.isoformat()}"
    if start.month != end.month:
        return f"{start.isoformat()}..{end:%m-%d}"
    return f"{start.isoformat()}..{end:%d}"


def _where(placed: ScheduledEvent) -> str:
    place = _("at {host}", host=placed.host) if placed.host else _("(virtual)")
    return _("{days} {place}", days=format_days(placed.start, placed.end), place=place)


def _describe_changes(published: ScheduleResult, result: ScheduleResult) -> list[str]:
    changes = []
    reasons = {missing.id: missing.reason for missing in result.unscheduled}
    for before in published.events:
        after = result.event(before.id)
        if after is None:
            changes.append(
                _(
                    "{event} could no longer be placed: {reason}",
                    event=before.id,
                    reason=reasons.get(before.id, ""),
                )
            )
        elif (after.start, after.host) != (before.start, before.host):
            changes.append(
                _(
                    "{event} moved from {before} to {after}",
                    event=before.id,
                    before=_where(before),
                    after=_where(after),
                )
            )
    for missing in published.unscheduled:
        after = result.event(missing.id)
        if after is not None:
            changes.append(
                _("{event} is now placed: {where}", event=missing.id, where=_where(after))
            )
    return changes


def other_placement(
    network: Network,
    plan: EventsPlan,
    published: ScheduleResult,
    event_id: str,
    *,
    avoid: Iterable[str],
    from_date: dt.date,
    time_limit_s: float = DEFAULT_REPLAN_TIME_LIMIT_S,
) -> ScheduledEvent | None:
    """Another date or host for one published event that keeps every participant, moving no
    other event (minimal change), or None when there is none.

    The units in ``avoid`` cannot attend the event's current days (a blackout there); every
    other published event stays exactly where it is; events not published are left out.
    """
    current = published.event(event_id)
    if current is None:
        return None
    placed = {p.id: p for p in published.events}
    events = []
    for event in plan.events:
        if event.id not in placed:
            continue
        participants = placed[event.id].participants
        host = event.host if event.host in participants else None
        events.append(replace(event, participants=participants, host=host))
    blocked = tuple(
        Blackout(unit_id, current.start, current.end, "can't attend") for unit_id in avoid
    )
    revised = replace(plan, events=tuple(events), blackouts=plan.blackouts + blocked)
    pinned = {p.id: Placement(p.start, p.host) for p in published.events if p.id != event_id}
    result = solve_calendar(
        network,
        revised,
        time_limit_s=time_limit_s,
        earliest={event_id: from_date},
        pinned=pinned,
        published={event_id: Placement(current.start, current.host)},
    )
    found = result.event(event_id)
    if found is None or (found.start, found.host) == (current.start, current.host):
        return None
    return found


def _aligned(plan: EventsPlan, published: ScheduleResult, moved: ScheduledEvent) -> EventsPlan:
    """The plan's published events with their current participants; the moved event's fixed
    host (if the file fixed one) follows the move."""
    placed = {p.id: p for p in published.events}
    events = []
    for event in plan.events:
        if event.id not in placed:
            continue
        participants = placed[event.id].participants
        host = moved.host if event.id == moved.id and event.host is not None else event.host
        events.append(
            replace(event, participants=participants, host=host if host in participants else None)
        )
    return replace(plan, events=tuple(events))


def placement_problems(
    network: Network, plan: EventsPlan, published: ScheduleResult, moved: ScheduledEvent
) -> list[str]:
    """Every hard rule one published event breaks at a new place (date or host), the other
    published events staying where they are; empty when the move is valid."""
    moved = replace(moved, travel_km=travel_km(network, moved.host, moved.participants))
    events = tuple(moved if p.id == moved.id else p for p in published.events)
    result = replace(
        published,
        events=events,
        unscheduled=(),
        total_travel_km=sum(e.travel_km for e in events),
    )
    return [
        problem
        for problem in check_schedule(network, _aligned(plan, published, moved), result)
        if moved.id in problem
    ]


def hosted_by(
    network: Network, plan: EventsPlan, published: ScheduleResult, event_id: str, host: str
) -> ScheduledEvent | None:
    """The event on the same days hosted by ``host`` (a unit for which travel is the
    obstacle), or None when that breaks a rule or changes nothing."""
    current = published.event(event_id)
    if current is None or current.host is None or current.host == host:
        return None
    if host not in current.participants:
        return None
    moved = replace(current, host=host, travel_km=travel_km(network, host, current.participants))
    return None if placement_problems(network, plan, published, moved) else moved
