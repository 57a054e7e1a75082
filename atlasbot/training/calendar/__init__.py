"""The joint-training calendar (docs/formats.md §7): CP-SAT places events; a verifier checks.

Shape of the model. Everything that depends on one event alone (weekdays, holidays of the
host's country, window, horizon, participants' blackouts, who may host) is worked out in
plain Python first (``options``), as the set of feasible start days for each candidate host.
The solver then only sees, per event: ``placed``, one ``start`` integer whose domain is those
days, one boolean per candidate host (the start's domain is tied to the chosen host's
country), and an optional interval of ``duration + min_gap`` days. The interaction rules are
one named function each in ``model``, whose docstring starts with "Hard:"; the objective
terms start with "Soft:".

The objectives are lexicographic (placed events, then travel), solved in stages (``solve``):
each stage is solved, its value fixed as a constraint, and its solution handed on as a hint.
The first stage's hint is first fit (``baseline``: file order, cheapest host, earliest free
day), which is also the answer when the time limit stops the solver before it has anything
better; after a stop, first fit also adds any event that still fits as the schedule stands.
The verifier ``check_schedule`` (``verify``) re-checks every hard rule from scratch, sharing
no code with the model, so tests and the bench can trust a schedule without trusting the
solver.

Modules: ``results`` (what a solve returns), ``facts`` (holidays, distances), ``options``,
``model``, ``bookings``, ``baseline`` (first fit), ``outcome`` (the result and its reasons),
``solve``, ``verify``. Callers import from this package; the modules are its inside.
"""

from __future__ import annotations

from atlasbot.training.calendar.baseline import first_fit
from atlasbot.training.calendar.facts import (
    distance_km,
    holiday_names,
    is_public_holiday,
    public_holidays,
    travel_km,
)
from atlasbot.training.calendar.model import (
    add_hosting_limit_per_country,
    add_one_start_and_host_per_placed_event,
    add_units_never_double_booked,
    moved_events_term,
    pin_events,
    travel_term,
    unplaced_events_term,
)
from atlasbot.training.calendar.results import (
    Placement,
    ScheduledEvent,
    ScheduleResult,
    ScheduleStatus,
    UnscheduledEvent,
)
from atlasbot.training.calendar.solve import DEFAULT_TIME_LIMIT_S, schedule, solve_calendar
from atlasbot.training.calendar.verify import check_schedule

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "Placement",
    "ScheduleResult",
    "ScheduleStatus",
    "ScheduledEvent",
    "UnscheduledEvent",
    "add_hosting_limit_per_country",
    "add_one_start_and_host_per_placed_event",
    "add_units_never_double_booked",
    "check_schedule",
    "distance_km",
    "first_fit",
    "holiday_names",
    "is_public_holiday",
    "moved_events_term",
    "pin_events",
    "public_holidays",
    "schedule",
    "solve_calendar",
    "travel_km",
    "travel_term",
    "unplaced_events_term",
]
