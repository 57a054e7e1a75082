"""Solving: lexicographic stages within one time limit, first fit as hint and floor."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from atlasbot.domain import Network
from atlasbot.training.calendar.baseline import greedy
from atlasbot.training.calendar.facts import load_holiday_tables
from atlasbot.training.calendar.model import CalendarModel, build_model, set_hint
from atlasbot.training.calendar.options import EventOptions, Slot, all_options
from atlasbot.training.calendar.outcome import Proof, read_result
from atlasbot.training.calendar.results import Placement, ScheduleResult
from atlasbot.training.events_file import (
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
# Working out every event's possible days is never cut short before this: the demo year takes
# 0.04 s, a file at the horizon bound with a thousand events about a second.
MIN_OPTIONS_TIME_S = 1.0
# The limit is wall-clock time, so a limit that binds may give another schedule on another
# run. We measured the alternative, CP-SAT's max_deterministic_time (with one worker and a
# fixed seed it stops at the same point of the same search every run), and rejected it: its
# units per second of wall time vary fifteen-fold between files (0.06 on a 100-event file,
# about 1 on a 50-event one, on 2 cores), so no fixed conversion of the user's seconds both
# stops on work first (reproducible) and uses the time given. At 0.05 units per second a
# 60-event file went from 45 events placed and proven to 44 within 30 s, and a 50-event one
# used 6 s of its 30. A run that finishes (a proven optimum) is reproducible either way.


def _slots_of(cal: CalendarModel, solver: cp_model.CpSolver) -> dict[str, Slot]:
    slots: dict[str, Slot] = {}
    for event_id, placed in cal.placed.items():
        if solver.boolean_value(placed):
            hosts = cal.options[event_id].hosts
            host = next(h for h in hosts if solver.boolean_value(cal.host[(event_id, h)]))
            slots[event_id] = (solver.value(cal.start[event_id]), host)
    return slots


def _solve_in_stages(
    cal: CalendarModel,
    stages: Sequence[cp_model.LinearExprT],
    hint: Mapping[str, Slot],
    deadline: float,
) -> tuple[dict[str, Slot], Proof]:
    """Minimise each stage in turn, fixing the earlier ones' values; hint each with the last.

    The first stage is hinted with ``hint`` (first fit), so a stage that stops early returns
    at least that once the hint is loaded. ``deadline`` is a ``time.perf_counter()`` time.
    """
    from ortools.sat.python import cp_model

    slots = dict(hint)
    count_proven = all_proven = True
    travel_bound: int | None = None
    set_hint(cal, slots)
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
        set_hint(cal, slots)
    return slots, Proof(count_proven, all_proven, travel_bound)


def _objectives(
    options: Mapping[str, EventOptions],
    slots: Mapping[str, Slot],
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
    loading the solver library and the holiday tables (about 1 s, once per process) comes
    before the clock starts. Working out options stops when the limit passes (though not
    within its first ``MIN_OPTIONS_TIME_S``); the events left without them are not placed.
    """
    from ortools.sat.python import cp_model

    country_of = {unit.id: unit.country for unit in network.units}
    load_holiday_tables(
        (country_of[u] for e in plan.events for u in e.participants if u in country_of),
        plan.horizon.start.year,
    )
    started = time.perf_counter()
    deadline = started + time_limit_s * (1 - REPORT_TIME_SHARE)
    pinned = pinned or {}
    published = published or {}
    # Working out days stops at the deadline, but not in the first second: a tiny limit on a
    # file of ordinary size still gets every event's days, so first fit stays its floor.
    options_deadline = max(deadline, started + MIN_OPTIONS_TIME_S)
    options = all_options(network, plan, earliest or {}, pinned, options_deadline)
    baseline = greedy(network, plan, options, pinned=pinned, published=published)
    cal, stages = build_model(cp_model.CpModel(), network, plan, options, pinned, published)
    slots, proof = _solve_in_stages(cal, stages, baseline, deadline)
    horizon_start = plan.horizon.start
    if _objectives(options, baseline, published, horizon_start) < _objectives(
        options, slots, published, horizon_start
    ):
        # The solver stopped before it matched first fit (its hint may not even have been
        # loaded when the limit is tiny): first fit is the floor of any answer.
        slots = baseline
        proof = Proof(proof.count, False, proof.travel_bound)
    if any(opts.not_built for opts in options.values()):
        # The limit passed while events' days were still being worked out: nothing is proven.
        proof = Proof(False, False, proof.travel_bound)
    if not proof.count:
        # Stopped early, the solver may have left out an event that still fits as it is.
        slots = greedy(network, plan, options, pinned=pinned, published=published, base=slots)
    return read_result(network, plan, options, slots, proof, started)


def schedule(
    network: Network, plan: EventsPlan, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S
) -> ScheduleResult:
    """Place as many events as possible, then minimise total travel (docs/formats.md §7)."""
    return solve_calendar(network, plan, time_limit_s=time_limit_s)
