"""The joint-training calendar (INTERFACES §7): place events with CP-SAT, verify independently.

Shape of the model. Everything that depends on one event alone (weekdays, holidays of the
host's country, window, horizon, participants' blackouts, who may host) is worked out in
plain Python first, as the set of feasible start days for each candidate host. The solver
then only sees, per event: ``placed``, one ``start`` integer whose domain is those days, one
boolean per candidate host (the start's domain is tied to the chosen host's country), and an
optional interval of ``duration + min_gap`` days. The interaction rules are one named
function each, whose docstring starts with "Hard:"; the objective terms start with "Soft:".

The objectives are lexicographic (placed events, then travel), solved in stages: each stage
is solved, its value fixed as a constraint, and its solution handed on as a hint. The first
stage's hint is first fit (file order, cheapest host, earliest free day), which is also the
answer when the time limit stops the solver before it has anything better; after a stop,
first fit also adds any event that still fits as the schedule stands. The verifier
``check_schedule`` re-checks every hard rule from scratch, sharing no code with the model, so
tests and the bench can trust a schedule without trusting the solver.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from atlasbot.domain import Network, Unit
from atlasbot.training.events_file import (
    LONGEST_POSSIBLE_EVENT_DAYS,
    DateRange,
    Event,
    EventKind,
    EventsPlan,
)

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

DEFAULT_TIME_LIMIT_S = 30.0
# One worker is deterministic (same input, same schedule) and, measured on the demo year,
# faster than a portfolio of 2 or 8 (1.3 s against 4-9 s to a proven optimum on 2 cores).
SOLVER_WORKERS = 1
SOLVER_SEED = 2008_617
# A stage that is not the last gets at most this share of the time left, so a hard first
# stage (placing events) still leaves time to reduce travel.
EARLY_STAGE_TIME_SHARE = 0.6
# The share of the limit kept for after the solver: the repair pass and the reasons.
REPORT_TIME_SHARE = 0.05
MIN_STAGE_TIME_S = 0.01
# The limit is wall-clock time, so a limit that binds may give another schedule on another
# run. We measured the alternative, CP-SAT's max_deterministic_time (with one worker and a
# fixed seed it stops at the same point of the same search every run), and rejected it: its
# units per second of wall time vary fifteen-fold between files (0.06 on a 100-event file,
# about 1 on a 50-event one, on 2 cores), so no fixed conversion of the user's seconds both
# stops on work first (reproducible) and uses the time given. At 0.05 units per second a
# 60-event file went from 45 events placed and proven to 44 within 30 s, and a 50-event one
# used 6 s of its 30. A run that finishes (a proven optimum) is reproducible either way.


class ScheduleStatus(StrEnum):
    """How good a schedule is (INTERFACES §8)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    PARTIAL = "partial"


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    """An event with its dates (inclusive) and host; plain fields so a service can store it."""

    id: str
    kind: EventKind
    title: str
    start: dt.date
    end: dt.date
    host: str | None
    participants: tuple[str, ...]
    travel_km: int
    capability: str | None = None

    @property
    def virtual(self) -> bool:
        return self.host is None

    @property
    def days(self) -> tuple[dt.date, ...]:
        """Every calendar day the event occupies."""
        length = (self.end - self.start).days + 1
        return tuple(self.start + dt.timedelta(days=offset) for offset in range(length))


@dataclass(frozen=True, slots=True)
class UnscheduledEvent:
    """An event that could not be placed, and why, in words a coordinator understands."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """A calendar: the placed events (by start day), the unplaced ones and the solve figures."""

    status: ScheduleStatus
    solve_ms: float
    total_travel_km: int
    lower_bound_km: int
    events: tuple[ScheduledEvent, ...]
    unscheduled: tuple[UnscheduledEvent, ...] = ()
    proven_optimal: bool = False

    def event(self, event_id: str) -> ScheduledEvent | None:
        """The placed event with this id, or None when it was not placed."""
        for event in self.events:
            if event.id == event_id:
                return event
        return None


# --- public holidays and travel ---


@functools.lru_cache(maxsize=512)
def holiday_names(country: str, year: int) -> Mapping[dt.date, str]:
    """The public holidays of a country in a year and their names (the ``holidays`` package)."""
    import holidays

    try:
        found = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        # A country the package does not know has no holidays we could respect.
        return MappingProxyType({})
    return MappingProxyType(dict(found.items()))


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, year: int) -> frozenset[dt.date]:
    """The public holidays of a country in a year, as the ``holidays`` package knows them."""
    return frozenset(holiday_names(country, year))


def is_public_holiday(day: dt.date, countries: Iterable[str]) -> bool:
    """True when the day is a public holiday in any of the countries."""
    return any(day in public_holidays(country, day.year) for country in countries)


@functools.lru_cache(maxsize=8192)
def _geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> int:
    from geopy.distance import geodesic

    kilometres: float = geodesic(a, b).km
    return round(kilometres)


def distance_km(a: Unit, b: Unit) -> int:
    """The WGS-84 geodesic distance between two units' bases, rounded to whole km."""
    if a.id == b.id:
        return 0
    return _geodesic_km((a.base.lat, a.base.lon), (b.base.lat, b.base.lon))


def travel_km(network: Network, host: str | None, participants: Iterable[str]) -> int:
    """Total travel to an event: each non-host participant's base to the host's base."""
    if host is None:
        return 0
    host_unit = network.unit(host)
    return sum(distance_km(network.unit(unit_id), host_unit) for unit_id in participants)


# --- what each event could do on its own ---


@dataclass(frozen=True, slots=True)
class _Options:
    """The candidate hosts of one event and, per host, its feasible start days (offsets)."""

    event: Event
    starts_by_host: Mapping[str | None, tuple[int, ...]]
    travel_by_host: Mapping[str | None, int]
    reason_if_none: str = ""

    @property
    def hosts(self) -> tuple[str | None, ...]:
        return tuple(host for host, starts in self.starts_by_host.items() if starts)

    @property
    def all_starts(self) -> tuple[int, ...]:
        return tuple(sorted({s for starts in self.starts_by_host.values() for s in starts}))


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one event is pinned or was published: start day and host (None when virtual)."""

    start: dt.date
    host: str | None


# A placement inside the model: the start as a day offset into the horizon, and the host.
_Slot = tuple[int, str | None]


def _candidate_hosts(network: Network, event: Event) -> tuple[tuple[str | None, ...], str]:
    """Who may host, or a reason why nobody can."""
    if len(set(event.participants)) < 2:
        return (), "fewer than two participants remain, so there is no joint event to hold"
    if event.virtual:
        return (None,), ""
    if event.host is not None:
        if event.capability and network.unit(event.host).teams_of(event.capability) < 1:
            return (), f"the fixed host {event.host} does not have capability {event.capability}"
        return (event.host,), ""
    hosts = tuple(
        unit_id
        for unit_id in event.participants
        if not event.capability or network.unit(unit_id).teams_of(event.capability) >= 1
    )
    if not hosts:
        return (), f"no participant has capability {event.capability} to host"
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
    members = set(event.participants)
    blacked: set[dt.date] = set()
    for blackout in plan.blackouts:
        if blackout.unit in members:
            day = blackout.start
            while day <= blackout.end:
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


def _event_options(
    network: Network, plan: EventsPlan, event: Event, earliest: dt.date | None
) -> _Options:
    if event.duration_days > LONGEST_POSSIBLE_EVENT_DAYS:
        return _Options(
            event, {}, {}, f"{event.duration_days} consecutive days cannot all be Monday to Friday"
        )
    window = event.window
    if window is not None and (window.end < plan.horizon.start or window.start > plan.horizon.end):
        return _Options(
            event,
            {},
            {},
            f"its window {window.start}..{window.end} lies outside the horizon "
            f"{plan.horizon.start}..{plan.horizon.end}",
        )
    hosts, reason = _candidate_hosts(network, event)
    if not hosts:
        return _Options(event, {}, {}, reason)
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
    return _Options(event, starts_by_host, travel, reason)


def _no_slot_reason(
    network: Network,
    plan: EventsPlan,
    event: Event,
    hosts: Sequence[str | None],
    earliest: dt.date | None,
) -> str:
    """Why an event has no slot even alone, naming only what blocks it in its own days."""
    allowed = _days_allowed(plan, event, earliest)
    where = "in the horizon"
    if event.window is not None:
        clipped = event.window.start < plan.horizon.start or event.window.end > plan.horizon.end
        where = "in the window (within the horizon)" if clipped else "in the window"
    if earliest is not None:
        where += f" from {earliest}"
    duration = event.duration_days
    slot = f"no {duration}-day slot"
    weekdays = _open_days(plan, event, earliest, with_blackouts=False)
    if not _starts_in(weekdays, duration):
        return f"{slot} of consecutive weekdays {where}"
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
                for day in _days_between(max(b.start, allowed.start), min(b.end, allowed.end))
            )
        }
    )
    blackouts = f"blackouts of {', '.join(blocking_units)}"
    holidays = _holidays_text(country_sets, allowed, blacked)
    if blackouts_alone:
        return f"{slot} free of blackouts for all participants {where} ({blackouts})"
    if holidays_alone:
        return f"{slot} free of public holidays {where} ({holidays})"
    return (
        f"{slot} free of holidays and blackouts for all participants {where} "
        f"({blackouts}; {holidays})"
    )


def _days_between(first: dt.date, last: dt.date) -> Iterable[dt.date]:
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
        for day in _days_between(allowed.start, allowed.end):
            if day.weekday() < 5 and day not in blacked:
                name = holiday_names(country, day.year).get(day)
                if name is not None and name not in names:
                    names.append(name)
        if names:
            shown = ", ".join(names[:MAX_HOLIDAYS_NAMED])
            if len(names) > MAX_HOLIDAYS_NAMED:
                shown += f" and {len(names) - MAX_HOLIDAYS_NAMED} more"
            named[country] = shown
    if not named:
        return "public holidays"
    return "public holidays " + "; ".join(f"in {c}: {shown}" for c, shown in named.items())


# --- the CP-SAT model ---


@dataclass
class _CalendarModel:
    """The CP-SAT model and the variables the constraint functions share."""

    model: cp_model.CpModel
    network: Network
    plan: EventsPlan
    options: dict[str, _Options]
    placed: dict[str, cp_model.IntVar] = field(default_factory=dict)
    start: dict[str, cp_model.IntVar] = field(default_factory=dict)
    host: dict[tuple[str, str | None], cp_model.IntVar] = field(default_factory=dict)
    occupied: dict[str, cp_model.IntervalVar] = field(default_factory=dict)
    # Published events whose placement the solution keeps: (flag, published slot).
    kept: dict[str, tuple[cp_model.IntVar, _Slot]] = field(default_factory=dict)


def add_one_start_and_host_per_placed_event(cal: _CalendarModel) -> None:
    """Hard: a placed event has one start day and one host among its eligible participants.

    Eligible hosts are participants with the event's capability (or its fixed host); the
    start's allowed days for a host are the weekdays in horizon and window free of public
    holidays of the host's country (every participant's country when virtual) and of every
    participant's blackouts.
    """
    from ortools.sat.python import cp_model

    gap = cal.plan.rules.min_gap_days
    for event_id, opts in cal.options.items():
        if not opts.hosts:
            continue
        placed = cal.model.new_bool_var(f"placed[{event_id}]")
        start = cal.model.new_int_var_from_domain(
            cp_model.Domain.from_values(list(opts.all_starts)), f"start[{event_id}]"
        )
        host_vars = []
        for host in opts.hosts:
            chosen = cal.model.new_bool_var(f"host[{event_id},{host}]")
            cal.host[(event_id, host)] = chosen
            host_vars.append(chosen)
            starts = opts.starts_by_host[host]
            if len(starts) < len(opts.all_starts):
                cal.model.add_linear_expression_in_domain(
                    start, cp_model.Domain.from_values(list(starts))
                ).only_enforce_if(chosen)
        cal.model.add(sum(host_vars) == placed)
        cal.placed[event_id] = placed
        cal.start[event_id] = start
        # The event's days plus the free days a unit keeps before its next event.
        cal.occupied[event_id] = cal.model.new_optional_fixed_size_interval_var(
            start, opts.event.duration_days + gap, placed, f"occupied[{event_id}]"
        )


def add_units_never_double_booked(cal: _CalendarModel) -> None:
    """Hard: events sharing a unit never overlap and leave it min_gap_days free days between."""
    events_of_unit: dict[str, list[str]] = defaultdict(list)
    for event_id in cal.placed:
        for unit_id in cal.options[event_id].event.participants:
            events_of_unit[unit_id].append(event_id)
    for event_ids in events_of_unit.values():
        if len(event_ids) > 1:
            cal.model.add_no_overlap([cal.occupied[event_id] for event_id in event_ids])


def add_hosting_limit_per_country(cal: _CalendarModel) -> None:
    """Hard: no country hosts more than max_hosted_per_country events in the horizon."""
    hosted: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (_, host), chosen in cal.host.items():
        if host is not None:
            hosted[cal.network.unit(host).country].append(chosen)
    limit = cal.plan.rules.max_hosted_per_country
    for choices in hosted.values():
        if len(choices) > limit:
            cal.model.add(sum(choices) <= limit)


def pin_events(cal: _CalendarModel, pinned: Mapping[str, Placement]) -> None:
    """Hard: events already held (or under way) stay exactly where they are."""
    for event_id, placement in pinned.items():
        if event_id not in cal.placed:
            continue
        cal.model.add(cal.placed[event_id] == 1)
        cal.model.add(cal.start[event_id] == (placement.start - cal.plan.horizon.start).days)
        cal.model.add(cal.host[(event_id, placement.host)] == 1)


def unplaced_events_term(cal: _CalendarModel) -> cp_model.LinearExprT:
    """Soft (first): the number of events left out of the calendar."""
    return sum(1 - placed for placed in cal.placed.values())


def travel_term(cal: _CalendarModel) -> cp_model.LinearExprT:
    """Soft: total km travelled by non-host participants to their hosts (virtual: none)."""
    return sum(
        cal.options[event_id].travel_by_host[host] * chosen
        for (event_id, host), chosen in cal.host.items()
        if host is not None
    )


def moved_events_term(
    cal: _CalendarModel, published: Mapping[str, Placement]
) -> cp_model.LinearExprT:
    """Soft: the number of published events whose date or host changes (or that drop out)."""
    for event_id, placement in published.items():
        if event_id not in cal.placed or (event_id, placement.host) not in cal.host:
            continue
        offset = (placement.start - cal.plan.horizon.start).days
        kept = cal.model.new_bool_var(f"kept[{event_id}]")
        cal.model.add(cal.start[event_id] == offset).only_enforce_if(kept)
        cal.model.add_implication(kept, cal.host[(event_id, placement.host)])
        cal.kept[event_id] = (kept, (offset, placement.host))
    return len(published) - sum(flag for flag, _ in cal.kept.values())


def _set_hint(cal: _CalendarModel, slots: Mapping[str, _Slot]) -> None:
    """Hint every variable with a complete schedule, so CP-SAT starts from a feasible one."""
    cal.model.clear_hints()  # type: ignore[no-untyped-call]
    for event_id, placed in cal.placed.items():
        slot = slots.get(event_id)
        opts = cal.options[event_id]
        cal.model.add_hint(placed, slot is not None)
        # An unplaced event's start is free (its interval is absent): any allowed day does.
        cal.model.add_hint(cal.start[event_id], slot[0] if slot else opts.all_starts[0])
        for host in opts.hosts:
            cal.model.add_hint(cal.host[(event_id, host)], slot is not None and slot[1] == host)
    for event_id, (kept, published_slot) in cal.kept.items():
        cal.model.add_hint(kept, slots.get(event_id) == published_slot)


# --- first fit: the baseline, the solver's hint and fallback, and the repair ---


class _Bookings:
    """Units' busy days (an event's days and the gap around them) and countries' hosted counts.

    A unit's busy days are a byte per horizon day, so testing a start is one ``find`` per unit
    instead of a comparison with every event already placed.
    """

    def __init__(
        self, network: Network, plan: EventsPlan, options: Mapping[str, _Options]
    ) -> None:
        self.network = network
        self.options = options
        self.gap = plan.rules.min_gap_days
        self.limit = plan.rules.max_hosted_per_country
        self.length = plan.horizon.days
        self.busy: dict[str, bytearray] = defaultdict(lambda: bytearray(self.length))
        self.hosted: dict[str, int] = defaultdict(int)

    def book(self, event_id: str, slot: _Slot) -> None:
        start, host = slot
        duration = self.options[event_id].event.duration_days
        # Another event of the unit may start no earlier than gap + 1 days after this one
        # ends and must end gap + 1 days before it starts: the gap on each side is busy too.
        first = max(0, start - self.gap)
        last = min(self.length, start + duration + self.gap)
        for unit_id in self.options[event_id].event.participants:
            self.busy[unit_id][first:last] = b"\x01" * (last - first)
        if host is not None:
            self.hosted[self.network.unit(host).country] += 1

    def clashing_units(self, event: Event, start: int) -> list[str]:
        """The event's units that already have an event too close to this start."""
        end = start + event.duration_days
        return [u for u in event.participants if self.busy[u].find(1, start, end) != -1]

    def country_full(self, host: str | None) -> bool:
        return host is not None and self.hosted[self.network.unit(host).country] >= self.limit

    def first_fit(self, event_id: str, preferred: _Slot | None = None) -> _Slot | None:
        """The preferred slot if it still fits, else the cheapest host's earliest free day."""
        opts = self.options[event_id]
        free: dict[int, bool] = {}

        def fits(start: int) -> bool:
            if start not in free:
                free[start] = not self.clashing_units(opts.event, start)
            return free[start]

        if preferred is not None:
            start, host = preferred
            if (
                host in opts.hosts
                and start in opts.starts_by_host[host]
                and not self.country_full(host)
                and fits(start)
            ):
                return preferred
        for host in sorted(opts.hosts, key=lambda h: (opts.travel_by_host[h], h or "")):
            if not self.country_full(host):
                for start in opts.starts_by_host[host]:
                    if fits(start):
                        return (start, host)
        return None


def _greedy(
    network: Network,
    plan: EventsPlan,
    options: Mapping[str, _Options],
    *,
    pinned: Mapping[str, Placement] | None = None,
    published: Mapping[str, Placement] | None = None,
    base: Mapping[str, _Slot] | None = None,
) -> dict[str, _Slot]:
    """First fit on top of ``base``: pinned events as they are, then published events where
    they were if they still fit, then the rest in file order, each at its cheapest host's
    earliest free day. Without pins, publications or a base: the bench's baseline.
    """
    pinned = pinned or {}
    published = published or {}
    horizon_start = plan.horizon.start
    slots = dict(base or {})
    bookings = _Bookings(network, plan, options)
    for event_id, slot in slots.items():
        bookings.book(event_id, slot)
    for event_id, pin in pinned.items():
        if event_id not in slots and options[event_id].hosts:
            slots[event_id] = ((pin.start - horizon_start).days, pin.host)
            bookings.book(event_id, slots[event_id])
    waiting = [event_id for event_id, opts in options.items() if opts.hosts]
    # sorted() is stable: published events first, each group in file order.
    for event_id in sorted(waiting, key=lambda event_id: event_id not in published):
        if event_id in slots:
            continue
        placement = published.get(event_id)
        preferred = None
        if placement is not None:
            preferred = ((placement.start - horizon_start).days, placement.host)
        found = bookings.first_fit(event_id, preferred)
        if found is not None:
            slots[event_id] = found
            bookings.book(event_id, found)
    return slots


def first_fit(network: Network, plan: EventsPlan) -> ScheduleResult:
    """The greedy baseline: events in file order, each at its cheapest host (ties by id) on
    the earliest day that breaks no rule. What CP-SAT is measured against, and its floor."""
    started = time.perf_counter()
    options = _all_options(network, plan, {}, {})
    slots = _greedy(network, plan, options)
    return _read_result(
        network,
        plan,
        options,
        slots,
        _Proof(count=False, all_stages=False, travel_bound=None),
        started,
        stopped=("not placed by first fit", ""),
    )


# --- solving ---


@dataclass(frozen=True, slots=True)
class _Proof:
    """What is proven about a schedule."""

    # The first stage (events placed) is optimal: no further event fits, whatever moves.
    count: bool
    # Every stage is optimal.
    all_stages: bool
    # The solver's bound on the last stage (travel), when that stage ran.
    travel_bound: int | None


def _slots_of(cal: _CalendarModel, solver: cp_model.CpSolver) -> dict[str, _Slot]:
    slots: dict[str, _Slot] = {}
    for event_id, placed in cal.placed.items():
        if solver.boolean_value(placed):
            hosts = cal.options[event_id].hosts
            host = next(h for h in hosts if solver.boolean_value(cal.host[(event_id, h)]))
            slots[event_id] = (solver.value(cal.start[event_id]), host)
    return slots


def _solve_in_stages(
    cal: _CalendarModel,
    stages: Sequence[cp_model.LinearExprT],
    hint: Mapping[str, _Slot],
    deadline: float,
) -> tuple[dict[str, _Slot], _Proof]:
    """Minimise each stage in turn, fixing the earlier ones' values; hint each with the last.

    The first stage is hinted with ``hint`` (first fit), so a stage that stops early returns
    at least that once the hint is loaded. ``deadline`` is a ``time.perf_counter()`` time.
    """
    from ortools.sat.python import cp_model

    slots = dict(hint)
    count_proven = all_proven = True
    travel_bound: int | None = None
    _set_hint(cal, slots)
    for number, expression in enumerate(stages, 1):
        is_last = number == len(stages)
        if isinstance(expression, int):
            # Nothing to optimise, e.g. no event can be placed, or every event is virtual.
            travel_bound = expression if is_last else travel_bound
            continue
        remaining = deadline - time.perf_counter()
        if remaining <= MIN_STAGE_TIME_S:
            count_proven = count_proven and number > 1
            all_proven = False
            break
        cal.model.minimize(expression)
        solver = cp_model.CpSolver()
        share = 1.0 if is_last else EARLY_STAGE_TIME_SHARE
        solver.parameters.max_time_in_seconds = remaining * share
        solver.parameters.num_workers = SOLVER_WORKERS
        solver.parameters.random_seed = SOLVER_SEED
        status = solver.solve(cal.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Stopped before any solution, not even the hint: keep the last stage's schedule.
            count_proven = count_proven and number > 1
            all_proven = False
            break
        slots = _slots_of(cal, solver)
        if number == 1:
            count_proven = status == cp_model.OPTIMAL
        all_proven = all_proven and status == cp_model.OPTIMAL
        if is_last:
            travel_bound = int(-(-solver.best_objective_bound // 1))
        cal.model.add(expression <= round(solver.objective_value))
        _set_hint(cal, slots)
    return slots, _Proof(count_proven, all_proven, travel_bound)


def _objectives(
    options: Mapping[str, _Options],
    slots: Mapping[str, _Slot],
    published: Mapping[str, Placement],
    horizon_start: dt.date,
) -> tuple[int, int, int]:
    """The stages' values for a schedule: events left out, published events moved, travel."""
    moved = sum(
        1
        for event_id, placement in published.items()
        if slots.get(event_id) != ((placement.start - horizon_start).days, placement.host)
    )
    travel = sum(options[event_id].travel_by_host[host] for event_id, (_, host) in slots.items())
    return len(options) - len(slots), moved, travel


def _all_options(
    network: Network,
    plan: EventsPlan,
    earliest: Mapping[str, dt.date],
    pinned: Mapping[str, Placement],
) -> dict[str, _Options]:
    options = {
        event.id: _event_options(network, plan, event, earliest.get(event.id))
        for event in plan.events
    }
    return {
        event_id: _pinned_options(network, plan, opts, pinned[event_id])
        if event_id in pinned
        else opts
        for event_id, opts in options.items()
    }


def _build_model(
    model: cp_model.CpModel,
    network: Network,
    plan: EventsPlan,
    options: dict[str, _Options],
    pinned: Mapping[str, Placement],
    published: Mapping[str, Placement],
) -> tuple[_CalendarModel, list[cp_model.LinearExprT]]:
    """Every hard rule on ``model`` (empty), and the objective of each stage in order."""
    cal = _CalendarModel(model, network, plan, options)
    add_one_start_and_host_per_placed_event(cal)
    add_units_never_double_booked(cal)
    add_hosting_limit_per_country(cal)
    pin_events(cal, pinned)
    stages = [unplaced_events_term(cal)]
    if published:
        stages.append(moved_events_term(cal, published))
    stages.append(travel_term(cal))
    return cal, stages


def solve_calendar(
    network: Network,
    plan: EventsPlan,
    *,
    time_limit_s: float,
    earliest: Mapping[str, dt.date] | None = None,
    pinned: Mapping[str, Placement] | None = None,
    published: Mapping[str, Placement] | None = None,
) -> ScheduleResult:
    """Build and solve the model; the shared engine of ``schedule`` and re-planning.

    ``time_limit_s`` counts from the call: working out each event's options, first fit,
    building the model, solving and explaining the unplaced events all fall inside it. Only
    loading the solver library (about 1 s, once per process) comes before the clock starts.
    """
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    deadline = started + time_limit_s * (1 - REPORT_TIME_SHARE)
    pinned = pinned or {}
    published = published or {}
    options = _all_options(network, plan, earliest or {}, pinned)
    greedy = _greedy(network, plan, options, pinned=pinned, published=published)
    cal, stages = _build_model(cp_model.CpModel(), network, plan, options, pinned, published)
    slots, proof = _solve_in_stages(cal, stages, greedy, deadline)
    horizon_start = plan.horizon.start
    if _objectives(options, greedy, published, horizon_start) < _objectives(
        options, slots, published, horizon_start
    ):
        # The solver stopped before it matched first fit (its hint may not even have been
        # loaded when the limit is tiny): first fit is the floor of any answer.
        slots = greedy
        proof = _Proof(proof.count, False, proof.travel_bound)
    if not proof.count:
        # Stopped early, the solver may have left out an event that still fits as it is.
        slots = _greedy(network, plan, options, pinned=pinned, published=published, base=slots)
    return _read_result(network, plan, options, slots, proof, started)


def _pinned_options(network: Network, plan: EventsPlan, opts: _Options, at: Placement) -> _Options:
    offset = (at.start - plan.horizon.start).days
    return _Options(
        opts.event,
        {at.host: (offset,)},
        {at.host: travel_km(network, at.host, opts.event.participants)},
    )


def _read_result(
    network: Network,
    plan: EventsPlan,
    options: Mapping[str, _Options],
    slots: Mapping[str, _Slot],
    proof: _Proof,
    started: float,
    *,
    stopped: tuple[str, str] = (
        "not placed within the time limit",
        "; a longer time limit may find room for it",
    ),
) -> ScheduleResult:
    """The result of a schedule; ``stopped`` frames the reason of an event placeable on its
    own that an unproven schedule left out (how it stopped, what might still place it)."""
    horizon_start = plan.horizon.start
    placed: list[ScheduledEvent] = []
    bookings = _Bookings(network, plan, options)
    for event in plan.events:
        slot = slots.get(event.id)
        if slot is None:
            continue
        bookings.book(event.id, slot)
        offset, host = slot
        start = horizon_start + dt.timedelta(days=offset)
        placed.append(
            ScheduledEvent(
                id=event.id,
                kind=event.kind,
                title=event.title,
                start=start,
                end=start + dt.timedelta(days=event.duration_days - 1),
                host=host,
                participants=event.participants,
                travel_km=options[event.id].travel_by_host[host],
                capability=event.capability,
            )
        )
    placed.sort(key=lambda e: (e.start, e.id))
    unscheduled = []
    for event in plan.events:
        if event.id in slots:
            continue
        opts = options[event.id]
        reason = _unplaced_reason(network, plan, opts, bookings)
        if opts.hosts and not proof.count:
            # Not proven impossible: moving other events might make room for it.
            how, hope = stopped
            reason = (
                f"{how}, though it could be placed on its own: with the events placed so far, "
                f"{reason}{hope}"
            )
        unscheduled.append(UnscheduledEvent(event.id, reason))
    total = sum(e.travel_km for e in placed)
    lower_bound = total if proof.all_stages else (proof.travel_bound or 0)
    if unscheduled:
        status = ScheduleStatus.PARTIAL
    else:
        status = ScheduleStatus.OPTIMAL if proof.all_stages else ScheduleStatus.FEASIBLE
    return ScheduleResult(
        status=status,
        solve_ms=round((time.perf_counter() - started) * 1000, 1),
        total_travel_km=total,
        lower_bound_km=max(0, min(lower_bound, total)),
        events=tuple(placed),
        unscheduled=tuple(unscheduled),
        proven_optimal=proof.all_stages,
    )


def _unplaced_reason(
    network: Network, plan: EventsPlan, opts: _Options, bookings: _Bookings
) -> str:
    """Why an event is out of a schedule: what it lacks alone, or what blocks every slot."""
    if not opts.hosts:
        return opts.reason_if_none
    gap = plan.rules.min_gap_days
    limit = plan.rules.max_hosted_per_country
    open_hosts = [h for h in opts.hosts if not bookings.country_full(h)]
    full_countries = sorted(
        {network.unit(h).country for h in opts.hosts if h is not None and h not in open_hosts}
    )
    blocking_units: dict[str, int] = defaultdict(int)
    for start in sorted({s for h in open_hosts for s in opts.starts_by_host[h]}):
        for unit_id in bookings.clashing_units(opts.event, start):
            blocking_units[unit_id] += 1
    parts = []
    if blocking_units:
        ranked = sorted(blocking_units, key=lambda u: (-blocking_units[u], u))
        parts.append(
            f"conflicts with other events of {_listed(ranked)} (min gap {_count(gap, 'day')})"
        )
    if full_countries:
        verb = "hosts" if len(full_countries) == 1 else "host"
        each = "" if len(full_countries) == 1 else " each"
        parts.append(
            f"needs a host in {_listed(full_countries, conjunction='or')}, which already "
            f"{verb} the maximum of {_count(limit, 'event')}{each}"
        )
    if not parts:
        # Not reached: first fit (or the proof that no more events fit) fills a free slot.
        return "every possible slot is blocked by the events placed"
    return "every possible slot " + " or ".join(parts)


MAX_UNITS_NAMED = 4


def _count(number: int, noun: str) -> str:
    """``1 day``, ``14 days``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _listed(names: Sequence[str], *, conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``, ``a, b, c, d and 3 more``."""
    shown = list(names[:MAX_UNITS_NAMED])
    if len(names) > MAX_UNITS_NAMED:
        shown.append(f"{len(names) - MAX_UNITS_NAMED} more")
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} {conjunction} {shown[-1]}"


def schedule(
    network: Network, plan: EventsPlan, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S
) -> ScheduleResult:
    """Place as many events as possible, then minimise total travel (INTERFACES §7)."""
    return solve_calendar(network, plan, time_limit_s=time_limit_s)


# --- the independent verifier ---


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
            f"{name}: lasts {_count((placed.end - placed.start).days + 1, 'day')}, "
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
