"""The independent verifier: every §7 hard rule re-checked from scratch.

It shares no code with the model it verifies (an import-linter contract keeps it so), so tests
and the bench can trust a schedule without trusting the solver.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from atlasbot.domain import Network, Unit
from atlasbot.i18n import _, ngettext
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
            problems.append(_at(placed.id, _("placed twice")))
        seen.add(placed.id)
        event = events_by_id.get(placed.id)
        if event is None:
            problems.append(_at(placed.id, _("not an event of the plan")))
            continue
        problems.extend(_check_one_event(network, plan, event, placed, units))
    for missing in result.unscheduled:
        if missing.id in seen:
            problems.append(_at(missing.id, _("both placed and unscheduled")))
        seen.add(missing.id)
    for event in plan.events:
        if event.id not in seen:
            problems.append(_at(event.id, _("neither placed nor listed as unscheduled")))
    problems.extend(_check_shared_units(plan, result))
    problems.extend(_check_hosting(network, plan, result))
    total = sum(e.travel_km for e in result.events)
    if total != result.total_travel_km:
        problems.append(
            _(
                "total_travel_km {total} is not the sum {sum}",
                total=result.total_travel_km,
                sum=total,
            )
        )
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
        problems.append(_at(name, _("participants differ from the plan")))
    if (placed.end - placed.start).days + 1 != event.duration_days:
        lasts = ngettext(
            "lasts {count} day, not {expected}",
            "lasts {count} days, not {expected}",
            (placed.end - placed.start).days + 1,
            expected=event.duration_days,
        )
        problems.append(f"{name}: {lasts}")
    if event.virtual:
        if placed.host is not None:
            hosted = _("a virtual event has host {host}", host=placed.host)
            problems.append(f"{name}: {hosted}")
        holiday_countries = {units[u].country for u in event.participants if u in units}
    else:
        if placed.host is None or placed.host not in units:
            problems.append(_at(name, _("an in-person event needs a host")))
            return problems
        problems.extend(f"{name}: {problem}" for problem in _host_problems(event, placed, units))
        holiday_countries = {units[placed.host].country}
    for day in placed.days:
        problems.extend(
            f"{name}: {problem}" for problem in _day_problems(plan, event, day, holiday_countries)
        )
    expected_travel = 0
    if placed.host is not None and placed.host in units:
        expected_travel = sum(
            distance_km(units[u], units[placed.host]) for u in event.participants if u in units
        )
    if placed.travel_km != expected_travel:
        travel = _(
            "travel_km {km}, expected {expected}", km=placed.travel_km, expected=expected_travel
        )
        problems.append(f"{name}: {travel}")
    return problems


def _host_problems(event: Event, placed: ScheduledEvent, units: Mapping[str, Unit]) -> list[str]:
    """What is wrong with an in-person event's host (one of ``units``)."""
    problems: list[str] = []
    host = placed.host
    assert host is not None
    if host not in event.participants:
        problems.append(_("host {host} is not a participant", host=host))
    if event.host is not None and host != event.host:
        problems.append(_("host {host}, but the plan fixes {fixed}", host=host, fixed=event.host))
    if event.capability and units[host].capabilities.get(event.capability, 0) < 1:
        problems.append(
            _("host {host} lacks capability {capability}", host=host, capability=event.capability)
        )
    return problems


def _day_problems(
    plan: EventsPlan, event: Event, day: dt.date, holiday_countries: AbstractSet[str]
) -> list[str]:
    """Why an event may not take place on ``day``: the horizon, its window, a weekend, a
    public holiday in one of ``holiday_countries``, a blackout of one of its units."""
    problems: list[str] = []
    if not plan.horizon.start <= day <= plan.horizon.end:
        problems.append(_("{day} is outside the horizon", day=day))
    if event.window is not None and not event.window.start <= day <= event.window.end:
        problems.append(_("{day} is outside its window", day=day))
    if day.weekday() == 5:
        problems.append(_("{day} is a Saturday", day=day))
    elif day.weekday() == 6:
        problems.append(_("{day} is a Sunday", day=day))
    for country in sorted(holiday_countries):
        if day in public_holidays(country, day.year):
            problems.append(_("{day} is a public holiday in {country}", day=day, country=country))
    for blackout in plan.blackouts:
        if blackout.unit in event.participants and blackout.start <= day <= blackout.end:
            problems.append(_("{day} is in a blackout of {unit}", day=day, unit=blackout.unit))
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
                    _(
                        "{first} and {second} share {units} but leave {free} free days "
                        "(min {gap})",
                        first=first.id,
                        second=second.id,
                        units=", ".join(shared),
                        free=(second.start - first.end).days - 1,
                        gap=gap,
                    )
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
        _(
            "{country} hosts {count} events (max {limit})",
            country=country,
            count=count,
            limit=limit,
        )
        for country, count in sorted(hosted.items())
        if count > limit
    ]


def _at(where: str, message: str) -> str:
    """A problem as shown: where it is, then what is wrong (one line)."""
    return f"{where}: {message}"
