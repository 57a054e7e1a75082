"""The CP-SAT model: one named function per rule, "Hard:" or "Soft:" in its docstring."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from atlasbot.domain import Network
from atlasbot.training.calendar.options import EventOptions, Slot
from atlasbot.training.calendar.results import Placement
from atlasbot.training.events_file import (
    EventsPlan,
)

if TYPE_CHECKING:
    from ortools.sat.python import cp_model


@dataclass
class CalendarModel:
    """The CP-SAT model and the variables the constraint functions share."""

    model: cp_model.CpModel
    network: Network
    plan: EventsPlan
    options: dict[str, EventOptions]
    placed: dict[str, cp_model.IntVar] = field(default_factory=dict)
    start: dict[str, cp_model.IntVar] = field(default_factory=dict)
    host: dict[tuple[str, str | None], cp_model.IntVar] = field(default_factory=dict)
    occupied: dict[str, cp_model.IntervalVar] = field(default_factory=dict)
    # Published events whose placement the solution keeps: (flag, published slot).
    kept: dict[str, tuple[cp_model.IntVar, Slot]] = field(default_factory=dict)


def add_one_start_and_host_per_placed_event(cal: CalendarModel) -> None:
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


def add_units_never_double_booked(cal: CalendarModel) -> None:
    """Hard: events sharing a unit never overlap and leave it min_gap_days free days between."""
    events_of_unit: dict[str, list[str]] = defaultdict(list)
    for event_id in cal.placed:
        for unit_id in cal.options[event_id].event.participants:
            events_of_unit[unit_id].append(event_id)
    for event_ids in events_of_unit.values():
        if len(event_ids) > 1:
            cal.model.add_no_overlap([cal.occupied[event_id] for event_id in event_ids])


def add_hosting_limit_per_country(cal: CalendarModel) -> None:
    """Hard: no country hosts more than max_hosted_per_country events in the horizon."""
    hosted: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (_, host), chosen in cal.host.items():
        if host is not None:
            hosted[cal.network.unit(host).country].append(chosen)
    limit = cal.plan.rules.max_hosted_per_country
    for choices in hosted.values():
        if len(choices) > limit:
            cal.model.add(sum(choices) <= limit)


def pin_events(cal: CalendarModel, pinned: Mapping[str, Placement]) -> None:
    """Hard: events already held (or under way) stay exactly where they are."""
    for event_id, placement in pinned.items():
        if event_id not in cal.placed:
            continue
        cal.model.add(cal.placed[event_id] == 1)
        cal.model.add(cal.start[event_id] == (placement.start - cal.plan.horizon.start).days)
        cal.model.add(cal.host[(event_id, placement.host)] == 1)


def unplaced_events_term(cal: CalendarModel) -> cp_model.LinearExprT:
    """Soft (first): the number of events left out of the calendar."""
    return sum(1 - placed for placed in cal.placed.values())


def travel_term(cal: CalendarModel) -> cp_model.LinearExprT:
    """Soft: total km travelled by non-host participants to their hosts (virtual: none)."""
    return sum(
        cal.options[event_id].travel_by_host[host] * chosen
        for (event_id, host), chosen in cal.host.items()
        if host is not None
    )


def moved_events_term(
    cal: CalendarModel, published: Mapping[str, Placement]
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


def set_hint(cal: CalendarModel, slots: Mapping[str, Slot]) -> None:
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


def build_model(
    model: cp_model.CpModel,
    network: Network,
    plan: EventsPlan,
    options: dict[str, EventOptions],
    pinned: Mapping[str, Placement],
    published: Mapping[str, Placement],
) -> tuple[CalendarModel, list[cp_model.LinearExprT]]:
    """Every hard rule on ``model`` (empty), and the objective of each stage in order."""
    cal = CalendarModel(model, network, plan, options)
    add_one_start_and_host_per_placed_event(cal)
    add_units_never_double_booked(cal)
    add_hosting_limit_per_country(cal)
    pin_events(cal, pinned)
    stages = [unplaced_events_term(cal)]
    if published:
        stages.append(moved_events_term(cal, published))
    stages.append(travel_term(cal))
    return cal, stages
