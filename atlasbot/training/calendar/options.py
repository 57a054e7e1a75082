"""What each event could do on its own: its candidate hosts and, per host, its start days.

Everything that depends on one event alone (weekdays, holidays of the host's country, window,
horizon, participants' blackouts, who may host) is worked out here in plain Python, so the
solver only sees the feasible start days; an event with none gets a reason in words, through
``atlasbot.i18n`` (an operator and the members read it).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from atlasbot.domain import Network
from atlasbot.i18n import N_, _, ngettext
from atlasbot.training.calendar.facts import holiday_names, is_public_holiday, travel_km
from atlasbot.training.calendar.results import Placement
from atlasbot.training.events_file import (
    LONGEST_POSSIBLE_EVENT_DAYS,
    DateRange,
    Event,
    EventsPlan,
)

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, slots=True)
class EventOptions:
    """The candidate hosts of one event and, per host, its feasible start days (offsets)."""

    event: Event
    starts_by_host: Mapping[str | None, tuple[int, ...]]
    travel_by_host: Mapping[str | None, int]
    reason_if_none: str = ""
    # The time limit passed before this event's days were worked out: it is not placed, and
    # nothing is proven about it.
    not_built: bool = False

    @property
    def hosts(self) -> tuple[str | None, ...]:
        return tuple(host for host, starts in self.starts_by_host.items() if starts)

    @property
    def all_starts(self) -> tuple[int, ...]:
        return tuple(sorted({s for starts in self.starts_by_host.values() for s in starts}))


# A placement inside the model: the start as a day offset into the horizon, and the host.
Slot = tuple[int, str | None]


def _candidate_hosts(network: Network, event: Event) -> tuple[tuple[str | None, ...], str]:
    """Who may host, or a reason why nobody can."""
    if len(set(event.participants)) < 2:
        return (), _("fewer than two participants remain, so there is no joint event to hold")
    if event.virtual:
        return (None,), ""
    if event.host is not None:
        if event.capability and network.unit(event.host).teams_of(event.capability) < 1:
            return (), _(
                "the fixed host {host} does not have capability {capability}",
                host=event.host,
                capability=event.capability,
            )
        return (event.host,), ""
    hosts = tuple(
        unit_id
        for unit_id in event.participants
        if not event.capability or network.unit(unit_id).teams_of(event.capability) >= 1
    )
    if not hosts:
        return (), _(
            "no participant has capability {capability} to host", capability=event.capability
        )
    return hosts, ""


def _days_allowed(plan: EventsPlan, event: Event, earliest: dt.date | None) -> DateRange:
    """The horizon cut to the event's window (§7: its days lie in both) and ``earliest``."""
    first, last = plan.horizon.start, plan.horizon.end
    if event.window is not None:
        first, last = max(first, event.window.start), min(last, event.window.end)
    if earliest is not None:
        first = max(first, earliest)
    return DateRange(first, last)


def _blacked_out_days(plan: EventsPlan, event: Event) -> set[dt.date]:
    """The blacked-out days of the event's units inside the horizon (only those matter)."""
    members = set(event.participants)
    blacked: set[dt.date] = set()
    for blackout in plan.blackouts:
        if blackout.unit in members:
            day = max(blackout.start, plan.horizon.start)
            while day <= min(blackout.end, plan.horizon.end):
                blacked.add(day)
                day += dt.timedelta(days=1)
    return blacked


def _open_days(
    plan: EventsPlan, event: Event, earliest: dt.date | None, *, with_blackouts: bool
) -> list[bool]:
    """Per horizon day: weekday, inside window (and after ``earliest``), no blackout."""
    allowed = _days_allowed(plan, event, earliest)
    blacked = _blacked_out_days(plan, event) if with_blackouts else set()
    open_days = []
    for offset in range(plan.horizon.days):
        day = plan.horizon.start + dt.timedelta(days=offset)
        open_days.append(day in allowed and day.weekday() < 5 and day not in blacked)
    return open_days


def _starts_in(open_days: Sequence[bool], duration: int) -> tuple[int, ...]:
    run = 0
    starts = []
    for offset, is_open in enumerate(open_days):
        run = run + 1 if is_open else 0
        if run >= duration:
            starts.append(offset - duration + 1)
    return tuple(starts)


def _without_holidays(
    plan: EventsPlan, open_days: Sequence[bool], countries: Iterable[str]
) -> list[bool]:
    countries = tuple(countries)
    return [
        is_open
        and not is_public_holiday(plan.horizon.start + dt.timedelta(days=offset), countries)
        for offset, is_open in enumerate(open_days)
    ]


def _holiday_countries(network: Network, event: Event, host: str | None) -> tuple[str, ...]:
    """Whose public holidays an event avoids: the host's country; every one when virtual."""
    if host is None:
        return tuple(sorted({network.unit(u).country for u in event.participants}))
    return (network.unit(host).country,)


def event_options(
    network: Network, plan: EventsPlan, event: Event, earliest: dt.date | None
) -> EventOptions:
    if event.duration_days > LONGEST_POSSIBLE_EVENT_DAYS:
        return EventOptions(
            event,
            {},
            {},
            ngettext(
                "{count} consecutive day cannot all be Monday to Friday",
                "{count} consecutive days cannot all be Monday to Friday",
                event.duration_days,
            ),
        )
    window = event.window
    if window is not None and (window.end < plan.horizon.start or window.start > plan.horizon.end):
        return EventOptions(
            event,
            {},
            {},
            _(
                "its window {start}..{end} lies outside the horizon {first}..{last}",
                start=window.start,
                end=window.end,
                first=plan.horizon.start,
                last=plan.horizon.end,
            ),
        )
    hosts, reason = _candidate_hosts(network, event)
    if not hosts:
        return EventOptions(event, {}, {}, reason)
    open_days = _open_days(plan, event, earliest, with_blackouts=True)
    starts_by_country: dict[tuple[str, ...], tuple[int, ...]] = {}
    starts_by_host: dict[str | None, tuple[int, ...]] = {}
    for host in hosts:
        countries = _holiday_countries(network, event, host)
        if countries not in starts_by_country:
            starts_by_country[countries] = _starts_in(
                _without_holidays(plan, open_days, countries), event.duration_days
            )
        starts_by_host[host] = starts_by_country[countries]
    travel = {host: travel_km(network, host, event.participants) for host in hosts}
    if not any(starts_by_host.values()):
        reason = _no_slot_reason(network, plan, event, hosts, earliest)
    return EventOptions(event, starts_by_host, travel, reason)


def _no_slot_reason(
    network: Network,
    plan: EventsPlan,
    event: Event,
    hosts: Sequence[str | None],
    earliest: dt.date | None,
) -> str:
    """Why an event has no slot even alone, naming only what blocks it in its own days."""
    allowed = _days_allowed(plan, event, earliest)
    where = _where(plan, event, earliest)
    duration = event.duration_days
    slot = ngettext("no {count}-day slot", "no {count}-day slot", duration)
    weekdays = _open_days(plan, event, earliest, with_blackouts=False)
    if not _starts_in(weekdays, duration):
        return _("{slot} of consecutive weekdays {where}", slot=slot, where=where)
    country_sets = list(dict.fromkeys(_holiday_countries(network, event, h) for h in hosts))
    holidays_alone = not any(
        _starts_in(_without_holidays(plan, weekdays, countries), duration)
        for countries in country_sets
    )
    blackouts_alone = not _starts_in(
        _open_days(plan, event, earliest, with_blackouts=True), duration
    )
    blacked = _blacked_out_days(plan, event)
    # Only blackouts on a weekday the event could otherwise use, not any of the unit's.
    blocking_units = sorted(
        {
            b.unit
            for b in plan.blackouts
            if b.unit in event.participants
            and any(
                day.weekday() < 5
                for day in days_between(max(b.start, allowed.start), min(b.end, allowed.end))
            )
        }
    )
    blackouts = _("blackouts of {units}", units=", ".join(blocking_units))
    holidays = _holidays_text(country_sets, allowed, blacked)
    if blackouts_alone:
        return _(
            "{slot} free of blackouts for all participants {where} ({blackouts})",
            slot=slot,
            where=where,
            blackouts=blackouts,
        )
    if holidays_alone:
        return _(
            "{slot} free of public holidays {where} ({holidays})",
            slot=slot,
            where=where,
            holidays=holidays,
        )
    return _(
        "{slot} free of holidays and blackouts for all participants {where} "
        "({blackouts}; {holidays})",
        slot=slot,
        where=where,
        blackouts=blackouts,
        holidays=holidays,
    )


def _where(plan: EventsPlan, event: Event, earliest: dt.date | None) -> str:
    """Where the days were looked for: the horizon or the window, from the earliest day."""
    where = _("in the horizon")
    if event.window is not None:
        clipped = event.window.start < plan.horizon.start or event.window.end > plan.horizon.end
        where = _("in the window (within the horizon)") if clipped else _("in the window")
    if earliest is not None:
        where += _(" from {day}", day=earliest)
    return where


def days_between(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


MAX_HOLIDAYS_NAMED = 4


def _holidays_text(
    country_sets: Sequence[tuple[str, ...]], allowed: DateRange, blacked: set[dt.date]
) -> str:
    """``public holidays in DE: Good Friday, Easter Monday; in PL: ...``, on usable days only."""
    named: dict[str, str] = {}
    for country in dict.fromkeys(c for countries in country_sets for c in countries):
        names: list[str] = []
        for day in days_between(allowed.start, allowed.end):
            if day.weekday() < 5 and day not in blacked:
                name = holiday_names(country, day.year).get(day)
                if name is not None and name not in names:
                    names.append(name)
        if names:
            shown = ", ".join(names[:MAX_HOLIDAYS_NAMED])
            if len(names) > MAX_HOLIDAYS_NAMED:
                shown += _(" and {count} more", count=len(names) - MAX_HOLIDAYS_NAMED)
            named[country] = shown
    if not named:
        return _("public holidays")
    by_country = "; ".join(
        _("in {country}: {holidays}", country=c, holidays=shown) for c, shown in named.items()
    )
    return _("public holidays {by_country}", by_country=by_country)


# Translated when an event is left out for it, in the reader's language.
NOT_BUILT_REASON = N_(
    "not placed within the time limit: its possible days were not worked out before the "
    "limit was reached; a longer time limit may find room for it"
)


def all_options(
    network: Network,
    plan: EventsPlan,
    earliest: Mapping[str, dt.date],
    pinned: Mapping[str, Placement],
    deadline: float | None = None,
) -> dict[str, EventOptions]:
    """Every event's options, in file order; once ``deadline`` (a ``time.perf_counter()``
    time) has passed, the remaining events are left ``not_built``, so a huge plan cannot keep
    the calendar past its time limit."""
    options: dict[str, EventOptions] = {}
    for event in plan.events:
        if deadline is not None and time.perf_counter() >= deadline:
            options[event.id] = EventOptions(event, {}, {}, _(NOT_BUILT_REASON), not_built=True)
        else:
            options[event.id] = event_options(network, plan, event, earliest.get(event.id))
    return {
        event_id: pinned_options(network, plan, opts, pinned[event_id])
        if event_id in pinned
        else opts
        for event_id, opts in options.items()
    }


def pinned_options(
    network: Network, plan: EventsPlan, opts: EventOptions, at: Placement
) -> EventOptions:
    offset = (at.start - plan.horizon.start).days
    return EventOptions(
        opts.event,
        {at.host: (offset,)},
        {at.host: travel_km(network, at.host, opts.event.participants)},
    )
