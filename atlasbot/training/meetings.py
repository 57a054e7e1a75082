"""The best few dates for one meeting: fewest participants busy, then spread over the window
(different weeks, and for an in-person meeting different hosts among those with little more
travel than the best), then least travel, earliest.

Weekdays and public holidays are hard (as in the calendar); being busy is soft, because a
coordinator may still prefer a date one unit cannot make over none at all. Days already
offered (``exclude``) are not offered again: "none of these suits us" asks for new ones.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from atlasbot.domain import Network
from atlasbot.training.calendar import ScheduleResult, is_public_holiday, travel_km
from atlasbot.training.events_file import DateRange, EventsPlan

# A unit's vote that none of the dates offered suits it (with a reason; new dates follow).
NONE_SUITS = -1


@dataclass(frozen=True, slots=True)
class MeetingOption:
    """A candidate meeting date, its host (None when virtual), who is busy, and the travel."""

    start: dt.date
    end: dt.date
    host: str | None
    conflicts: tuple[str, ...]
    travel_km: int


def busy_from(
    result: ScheduleResult, plan: EventsPlan | None = None
) -> dict[str, list[DateRange]]:
    """Each unit's busy days: its scheduled events, plus its blackouts when a plan is given."""
    busy: dict[str, list[DateRange]] = defaultdict(list)
    for placed in result.events:
        for unit_id in placed.participants:
            busy[unit_id].append(DateRange(placed.start, placed.end))
    if plan is not None:
        for blackout in plan.blackouts:
            busy[blackout.unit].append(DateRange(blackout.start, blackout.end))
    return dict(busy)


def best_meeting_dates(
    network: Network,
    participants: Sequence[str],
    window: DateRange,
    *,
    virtual: bool,
    host: str | None = None,
    busy: Mapping[str, Iterable[DateRange]] | None = None,
    duration_days: int = 1,
    capability: str | None = None,
    count: int = 3,
    exclude: Collection[dt.date] = (),
) -> list[MeetingOption]:
    """Up to ``count`` best distinct dates for a meeting of the participants in the window,
    best first, spread over different weeks (and hosts) where that adds no busy unit."""
    units = [network.unit(unit_id) for unit_id in participants]
    busy_ranges = {unit_id: list(ranges) for unit_id, ranges in (busy or {}).items()}
    if virtual:
        hosts: list[str | None] = [None]
    elif host is not None:
        hosts = [host]
    else:
        hosts = [u.id for u in units if capability is None or u.teams_of(capability) >= 1]
    travel = {h: travel_km(network, h, participants) for h in hosts}
    options: list[MeetingOption] = []
    day = window.start
    while day + dt.timedelta(days=duration_days - 1) <= window.end:
        end = day + dt.timedelta(days=duration_days - 1)
        days = [day + dt.timedelta(days=i) for i in range(duration_days)]
        if day not in exclude and all(d.weekday() < 5 for d in days):
            conflicts = tuple(
                unit_id
                for unit_id in participants
                if any(r.start <= end and day <= r.end for r in busy_ranges.get(unit_id, ()))
            )
            for host_id in _hosts_on(network, hosts, travel, days):
                options.append(MeetingOption(day, end, host_id, conflicts, travel[host_id]))
            if virtual and not any(is_public_holiday(d, {u.country for u in units}) for d in days):
                options.append(MeetingOption(day, end, None, conflicts, 0))
        day += dt.timedelta(days=1)
    return spread(options, count)


# An in-person option at another host is offered when its travel is at most this much more
# than the best host's (a second host is useful, a far one is not).
HOST_TRAVEL_FACTOR = 1.5


def spread(options: Sequence[MeetingOption], count: int) -> list[MeetingOption]:
    """Pick ``count`` options one by one: fewest busy units first; among those, a week (then
    a host) not offered yet; then least travel, earliest. Never two options on one day."""
    chosen: list[MeetingOption] = []
    remaining = sorted(
        options, key=lambda o: (len(o.conflicts), o.travel_km, o.start, o.host or "")
    )
    while remaining and len(chosen) < count:
        weeks = {o.start.isocalendar()[:2] for o in chosen}
        hosts = {o.host for o in chosen}
        best = min(
            remaining,
            key=lambda o: (
                len(o.conflicts),
                o.start.isocalendar()[:2] in weeks,
                o.host in hosts,
                o.travel_km,
                o.start,
                o.host or "",
            ),
        )
        chosen.append(best)
        remaining = [o for o in remaining if o.start != best.start]
    return chosen


def _hosts_on(
    network: Network,
    hosts: Sequence[str | None],
    travel: Mapping[str | None, int],
    days: Sequence[dt.date],
) -> list[str]:
    """The hosts worth offering on those days: no public holiday in their country, travel
    within ``HOST_TRAVEL_FACTOR`` of the best of them."""
    best = _best_host_on(network, hosts, travel, days)
    if best is None:
        return []
    limit = travel[best] * HOST_TRAVEL_FACTOR
    return [
        h
        for h in hosts
        if h is not None
        and travel[h] <= limit
        and not any(is_public_holiday(d, (network.unit(h).country,)) for d in days)
    ]


def _best_host_on(
    network: Network,
    hosts: Sequence[str | None],
    travel: Mapping[str | None, int],
    days: Sequence[dt.date],
) -> str | None:
    """The cheapest host whose country has no public holiday on those days (None if none)."""
    candidates = [
        h
        for h in hosts
        if h is not None
        and not any(is_public_holiday(d, (network.unit(h).country,)) for d in days)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda h: (travel[h], h))
