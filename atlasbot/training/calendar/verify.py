"""The independent verifier: every §7 hard rule re-checked from scratch.

It shares no code with the model it verifies (an import-linter contract keeps it so), so tests
and the bench can trust a schedule without trusting the solver.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from atlasbot.domain import Network, Unit
from atlasbot.training.calendar.facts import distance_km, public_holidays
from atlasbot.training.calendar.results import ScheduledEvent, ScheduleResult
from atlasbot.training.events_file import (
    Event,
    EventsPlan,
)

if TYPE_CHECKING:
    pass


def check_schedule(network: Network, plan: EventsPlan, result: ScheduleResult) -> list[str]:
    """Every violation of a §7 hard rule (and of bookkeeping) in a result; empty when valid."""
    problems: list[str] = []
    events_by_id = {event.id: event for event in plan.events}
    units = {unit.id: unit for unit in network.units}
    seen: set[str] = set()
    for placed in result.events:
        if placed.id in seen:
            problems.append(f"{placed.id}: placed twice")
        seen.add(placed.id)
        event = events_by_id.get(placed.id)
        if event is None:
            problems.append(f"{placed.id}: not an event of the plan")
            continue
        problems.extend(_check_one_event(network, plan, event, placed, units))
    for missing in result.unscheduled:
        if missing.id in seen:
            problems.append(f"{missing.id}: both placed and unscheduled")
        seen.add(missing.id)
    for event in plan.events:
        if event.id not in seen:
            problems.append(f"{event.id}: neither placed nor listed as unscheduled")
    problems.extend(_check_shared_units(plan, result))
    problems.extend(_check_hosting(network, plan, result))
    total = sum(e.travel_km for e in result.events)
    if total != result.total_travel_km:
        problems.append(f"total_travel_km {result.total_travel_km} is not the sum {total}")
    return problems


def _check_one_event(
    network: Network,
    plan: EventsPlan,
    event: Event,
    placed: ScheduledEvent,
    units: Mapping[str, Unit],
) -> list[str]:
    problems: list[str] = []
    name = placed.id
    if tuple(placed.participants) != tuple(event.participants):
        problems.append(f"{name}: participants differ from the plan")
    if (placed.end - placed.start).days + 1 != event.duration_days:
        problems.append(
            f"{name}: lasts {_days((placed.end - placed.start).days + 1)}, "
            f"not {event.duration_days}"
        )
    if event.virtual:
        if placed.host is not None:
            problems.append(f"{name}: a virtual event has host {placed.host}")
        holiday_countries = {units[u].country for u in event.participants if u in units}
    else:
        if placed.host is None or placed.host not in units:
            problems.append(f"{name}: an in-person event needs a host")
            return problems
        if placed.host not in event.participants:
            problems.append(f"{name}: host {placed.host} is not a participant")
        if event.host is not None and placed.host != event.host:
            problems.append(f"{name}: host {placed.host}, but the plan fixes {event.host}")
        if event.capability and units[placed.host].capabilities.get(event.capability, 0) < 1:
            problems.append(f"{name}: host {placed.host} lacks capability {event.capability}")
        holiday_countries = {units[placed.host].country}
    for day in placed.days:
        if not plan.horizon.start <= day <= plan.horizon.end:
            problems.append(f"{name}: {day} is outside the horizon")
        if event.window is not None and not event.window.start <= day <= event.window.end:
            problems.append(f"{name}: {day} is outside its window")
        if day.weekday() >= 5:
            problems.append(f"{name}: {day} is a {day:%A}")
        for country in sorted(holiday_countries):
            if day in public_holidays(country, day.year):
                problems.append(f"{name}: {day} is a public holiday in {country}")
        for blackout in plan.blackouts:
            if blackout.unit in event.participants and blackout.start <= day <= blackout.end:
                problems.append(f"{name}: {day} is in a blackout of {blackout.unit}")
    expected_travel = 0
    if placed.host is not None and placed.host in units:
        expected_travel = sum(
            distance_km(units[u], units[placed.host]) for u in event.participants if u in units
        )
    if placed.travel_km != expected_travel:
        problems.append(f"{name}: travel_km {placed.travel_km}, expected {expected_travel}")
    return problems


def _check_shared_units(plan: EventsPlan, result: ScheduleResult) -> list[str]:
    problems: list[str] = []
    gap = plan.rules.min_gap_days
    ordered = sorted(result.events, key=lambda e: (e.start, e.id))
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            shared = sorted(set(first.participants) & set(second.participants))
            if shared and (second.start - first.end).days - 1 < gap:
                problems.append(
                    f"{first.id} and {second.id} share {', '.join(shared)} but leave "
                    f"{(second.start - first.end).days - 1} free days (min {gap})"
                )
    return problems


def _check_hosting(network: Network, plan: EventsPlan, result: ScheduleResult) -> list[str]:
    hosted: dict[str, int] = defaultdict(int)
    for placed in result.events:
        if placed.host is not None:
            try:
                hosted[network.unit(placed.host).country] += 1
            except KeyError:
                continue
    limit = plan.rules.max_hosted_per_country
    return [
        f"{country} hosts {count} events (max {limit})"
        for country, count in sorted(hosted.items())
        if count > limit
    ]


def _days(number: int) -> str:
    """``1 day``, ``3 days``."""
    return "1 day" if number == 1 else f"{number} days"
