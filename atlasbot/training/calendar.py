"""The joint-training calendar (INTERFACES §7): place events with CP-SAT, verify independently.

Shape of the model. Everything that depends on one event alone (weekdays, holidays of the
host's country, window, horizon, participants' blackouts, who may host) is worked out in
plain Python first, as the set of feasible start days for each candidate host. The solver
then only sees, per event: ``placed``, one ``start`` integer whose domain is those days, one
boolean per candidate host (the start's domain is tied to the chosen host's country), and an
optional interval of ``duration + min_gap`` days. The interaction rules are one named
function each, whose docstring starts with "Hard:"; the objective terms start with "Soft:".

The objectives are lexicographic (placed events, then travel), solved in stages: each stage
is solved, its value fixed as a constraint, and its solution handed on as a hint. The
verifier ``check_schedule`` re-checks every hard rule from scratch, sharing no code with the
model, so tests and the bench can trust a schedule without trusting the solver.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from atlasbot.domain import Network, Unit
from atlasbot.training.events_file import (
    LONGEST_POSSIBLE_EVENT_DAYS,
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
def public_holidays(country: str, year: int) -> frozenset[dt.date]:
    """The public holidays of a country in a year, as the ``holidays`` package knows them."""
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:
        # A country the package does not know has no holidays we could respect.
        return frozenset()


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


def _open_days(
    plan: EventsPlan, event: Event, earliest: dt.date | None, *, with_blackouts: bool
) -> list[bool]:
    """Per horizon day: weekday, inside window (and after ``earliest``), no blackout."""
    horizon = plan.horizon
    first = horizon.start
    last = horizon.end
    if event.window is not None:
        first, last = max(first, event.window.start), min(last, event.window.end)
    if earliest is not None:
        first = max(first, earliest)
    blacked: set[dt.date] = set()
    if with_blackouts:
        members = set(event.participants)
        for blackout in plan.blackouts:
            if blackout.unit in members:
                day = blackout.start
                while day <= blackout.end:
                    blacked.add(day)
                    day += dt.timedelta(days=1)
    open_days = []
    for offset in range(horizon.days):
        day = horizon.start + dt.timedelta(days=offset)
        open_days.append(first <= day <= last and day.weekday() < 5 and day not in blacked)
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


def _event_options(
    network: Network, plan: EventsPlan, event: Event, earliest: dt.date | None
) -> _Options:
    if event.duration_days > LONGEST_POSSIBLE_EVENT_DAYS:
        return _Options(
            event, {}, {}, f"{event.duration_days} consecutive days cannot all be Monday to Friday"
        )
    hosts, reason = _candidate_hosts(network, event)
    if not hosts:
        return _Options(event, {}, {}, reason)
    open_days = _open_days(plan, event, earliest, with_blackouts=True)
    starts_by_country: dict[tuple[str, ...], tuple[int, ...]] = {}
    starts_by_host: dict[str | None, tuple[int, ...]] = {}
    for host in hosts:
        countries = (
            tuple(sorted({network.unit(u).country for u in event.participants}))
            if host is None
            else (network.unit(host).country,)
        )
        if countries not in starts_by_country:
            starts_by_country[countries] = _starts_in(
                _without_holidays(plan, open_days, countries), event.duration_days
            )
        starts_by_host[host] = starts_by_country[countries]
    travel = {host: travel_km(network, host, event.participants) for host in hosts}
    if not any(starts_by_host.values()):
        reason = _no_slot_reason(plan, event, earliest)
    return _Options(event, starts_by_host, travel, reason)


def _no_slot_reason(plan: EventsPlan, event: Event, earliest: dt.date | None) -> str:
    where = "in the window" if event.window else "in the horizon"
    if earliest is not None:
        where += f" from {earliest}"
    slot = f"no {event.duration_days}-day slot"
    without_blackouts = _open_days(plan, event, earliest, with_blackouts=False)
    if not _starts_in(without_blackouts, event.duration_days):
        return f"{slot} of consecutive weekdays {where}"
    blocking = sorted({b.unit for b in plan.blackouts if b.unit in event.participants})
    return (
        f"{slot} free of holidays and blackouts for all participants {where}"
        f" (blackouts of {', '.join(blocking)})"
        if blocking
        else f"{slot} free of public holidays {where}"
    )


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
    kept_flags = []
    for event_id, placement in published.items():
        if event_id not in cal.placed or (event_id, placement.host) not in cal.host:
            continue
        offset = (placement.start - cal.plan.horizon.start).days
        kept = cal.model.new_bool_var(f"kept[{event_id}]")
        cal.model.add(cal.start[event_id] == offset).only_enforce_if(kept)
        cal.model.add_implication(kept, cal.host[(event_id, placement.host)])
        kept_flags.append(kept)
    return len(published) - sum(kept_flags)


@dataclass(frozen=True, slots=True)
class _StageOutcome:
    values: dict[str, Any]
    proven: bool
    last_value: int
    last_bound: int


def _solve_in_stages(
    cal: _CalendarModel,
    stages: Sequence[cp_model.LinearExprT],
    time_limit_s: float,
) -> _StageOutcome | None:
    """Minimise each stage in turn, fixing the earlier ones' values; hint each with the last."""
    from ortools.sat.python import cp_model

    deadline = time.perf_counter() + time_limit_s
    variables: list[cp_model.IntVar] = [
        *cal.placed.values(),
        *cal.start.values(),
        *cal.host.values(),
    ]
    values: dict[str, Any] | None = None
    proven = True
    last_value = 0
    last_bound = 0
    for number, expression in enumerate(stages, 1):
        is_last = number == len(stages)
        if isinstance(expression, int):
            continue  # nothing to optimise, e.g. travel when every event is virtual
        remaining = deadline - time.perf_counter()
        if remaining <= 0.01:
            proven = False
            break
        cal.model.minimize(expression)
        solver = cp_model.CpSolver()
        share = 1.0 if is_last else EARLY_STAGE_TIME_SHARE
        solver.parameters.max_time_in_seconds = remaining * share
        solver.parameters.num_workers = SOLVER_WORKERS
        solver.parameters.random_seed = SOLVER_SEED
        status = solver.solve(cal.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False
            break
        values = {var.name: solver.value(var) for var in variables}
        last_value = round(solver.objective_value)
        # Only the last stage's bound means anything to the caller (the travel bound).
        last_bound = int(-(-solver.best_objective_bound // 1)) if is_last else 0
        proven = proven and status == cp_model.OPTIMAL
        cal.model.add(expression <= last_value)
        cal.model.clear_hints()  # type: ignore[no-untyped-call]
        for var in variables:
            cal.model.add_hint(var, values[var.name])
    if values is None:
        return _StageOutcome({}, True, 0, 0) if not variables else None
    return _StageOutcome(values, proven, last_value, last_bound)


def solve_calendar(
    network: Network,
    plan: EventsPlan,
    *,
    time_limit_s: float,
    earliest: Mapping[str, dt.date] | None = None,
    pinned: Mapping[str, Placement] | None = None,
    published: Mapping[str, Placement] | None = None,
) -> ScheduleResult:
    """Build and solve the model; the shared engine of ``schedule`` and re-planning."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    earliest = earliest or {}
    options = {
        event.id: _event_options(network, plan, event, earliest.get(event.id))
        for event in plan.events
    }
    if pinned:
        options = {
            event_id: _pinned_options(network, plan, opts, pinned[event_id])
            if event_id in pinned
            else opts
            for event_id, opts in options.items()
        }
    cal = _CalendarModel(cp_model.CpModel(), network, plan, options)
    add_one_start_and_host_per_placed_event(cal)
    add_units_never_double_booked(cal)
    add_hosting_limit_per_country(cal)
    pin_events(cal, pinned or {})
    stages = [unplaced_events_term(cal)]
    if published:
        stages.append(moved_events_term(cal, published))
    stages.append(travel_term(cal))
    outcome = _solve_in_stages(cal, stages, time_limit_s)
    solve_ms = round((time.perf_counter() - started) * 1000, 1)
    return _read_result(cal, outcome, solve_ms)


def _pinned_options(network: Network, plan: EventsPlan, opts: _Options, at: Placement) -> _Options:
    offset = (at.start - plan.horizon.start).days
    return _Options(
        opts.event,
        {at.host: (offset,)},
        {at.host: travel_km(network, at.host, opts.event.participants)},
    )


def _read_result(
    cal: _CalendarModel, outcome: _StageOutcome | None, solve_ms: float
) -> ScheduleResult:
    horizon_start = cal.plan.horizon.start
    placed: list[ScheduledEvent] = []
    for event in cal.plan.events:
        if outcome is None or not outcome.values.get(f"placed[{event.id}]", 0):
            continue
        opts = cal.options[event.id]
        host = next(h for h in opts.hosts if outcome.values[f"host[{event.id},{h}]"])
        start = horizon_start + dt.timedelta(days=outcome.values[f"start[{event.id}]"])
        placed.append(
            ScheduledEvent(
                id=event.id,
                kind=event.kind,
                title=event.title,
                start=start,
                end=start + dt.timedelta(days=event.duration_days - 1),
                host=host,
                participants=event.participants,
                travel_km=opts.travel_by_host[host],
                capability=event.capability,
            )
        )
    placed.sort(key=lambda e: (e.start, e.id))
    placed_ids = {e.id for e in placed}
    unscheduled = tuple(
        UnscheduledEvent(event.id, _unplaced_reason(cal, event, placed, outcome is None))
        for event in cal.plan.events
        if event.id not in placed_ids
    )
    total = sum(e.travel_km for e in placed)
    proven = outcome is not None and outcome.proven
    lower_bound = total if proven else (outcome.last_bound if outcome else 0)
    if unscheduled:
        status = ScheduleStatus.PARTIAL
    else:
        status = ScheduleStatus.OPTIMAL if proven else ScheduleStatus.FEASIBLE
    return ScheduleResult(
        status=status,
        solve_ms=solve_ms,
        total_travel_km=total,
        lower_bound_km=max(0, min(lower_bound, total)),
        events=tuple(placed),
        unscheduled=unscheduled,
        proven_optimal=proven,
    )


def _unplaced_reason(
    cal: _CalendarModel, event: Event, placed: Sequence[ScheduledEvent], no_solution: bool
) -> str:
    opts = cal.options[event.id]
    if not opts.hosts:
        return opts.reason_if_none
    if no_solution:
        return "no schedule was found within the time limit"
    gap = cal.plan.rules.min_gap_days
    limit = cal.plan.rules.max_hosted_per_country
    hosted: dict[str, int] = defaultdict(int)
    for other in placed:
        if other.host is not None:
            hosted[cal.network.unit(other.host).country] += 1
    members = set(event.participants)
    blocking_units: dict[str, int] = defaultdict(int)
    full_countries: set[str] = set()
    for host in opts.hosts:
        country = cal.network.unit(host).country if host is not None else None
        for offset in opts.starts_by_host[host]:
            first = cal.plan.horizon.start + dt.timedelta(days=offset)
            last = first + dt.timedelta(days=event.duration_days - 1)
            clash = {
                unit_id
                for other in placed
                if _too_close(first, last, other.start, other.end, gap)
                for unit_id in members.intersection(other.participants)
            }
            for unit_id in clash:
                blocking_units[unit_id] += 1
            if country is not None and hosted[country] >= limit:
                full_countries.add(country)
    parts = []
    if blocking_units:
        ranked = sorted(blocking_units, key=lambda u: (-blocking_units[u], u))
        shown = ", ".join(ranked[:4]) + (f" and {len(ranked) - 4} more" if len(ranked) > 4 else "")
        parts.append(f"conflicts with other events of {shown} (min gap {gap} days)")
    if full_countries:
        parts.append(
            f"its possible host countries ({', '.join(sorted(full_countries))}) "
            f"already host {limit} events"
        )
    if not parts:
        return "not placed within the time limit"
    return "every possible slot " + " or ".join(parts)


def _too_close(
    first: dt.date, last: dt.date, other_first: dt.date, other_last: dt.date, gap: int
) -> bool:
    """True when two events of one unit overlap or leave fewer than ``gap`` free days."""
    return not (
        first >= other_last + dt.timedelta(days=gap + 1)
        or other_first >= last + dt.timedelta(days=gap + 1)
    )


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
            f"{name}: lasts {(placed.end - placed.start).days + 1} days, not {event.duration_days}"
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
