"""A schedule's result: placed events, and a reason in words for every event left out.

The reasons are read by an operator and by members, so they go through ``atlasbot.i18n``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from atlasbot.domain import Network
from atlasbot.i18n import N_, _, ngettext
from atlasbot.training.calendar.bookings import Bookings
from atlasbot.training.calendar.options import EventOptions, Slot
from atlasbot.training.calendar.results import (
    ScheduledEvent,
    ScheduleResult,
    ScheduleStatus,
    UnscheduledEvent,
)
from atlasbot.training.events_file import (
    EventsPlan,
)

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, slots=True)
class Proof:
    """What is proven about a schedule."""

    # The first stage (events placed) is optimal: no further event fits, whatever moves.
    count: bool
    # Every stage is optimal.
    all_stages: bool
    # The solver's bound on the last stage (travel), when that stage ran.
    travel_bound: int | None


def read_result(
    network: Network,
    plan: EventsPlan,
    options: Mapping[str, EventOptions],
    slots: Mapping[str, Slot],
    proof: Proof,
    started: float,
    *,
    stopped: tuple[str, str] = (
        N_("not placed within the time limit"),
        N_("; a longer time limit may find room for it"),
    ),
) -> ScheduleResult:
    """The result of a schedule; ``stopped`` frames the reason of an event placeable on its
    own that an unproven schedule left out (how it stopped, what might still place it), as
    texts marked with ``N_`` (translated here; an empty one stays empty)."""
    bookings = Bookings(network, plan, options)
    placed = _placed_events(plan, options, slots, bookings)
    unscheduled = []
    for event in plan.events:
        if event.id in slots:
            continue
        opts = options[event.id]
        reason = _unplaced_reason(network, plan, opts, bookings)
        if opts.hosts and not proof.count:
            # Not proven impossible: moving other events might make room for it.
            how, hope = (_(text) if text else "" for text in stopped)
            reason = _(
                "{how}, though it could be placed on its own: with the events placed so far, "
                "{reason}{hope}",
                how=how,
                reason=reason,
                hope=hope,
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


def _placed_events(
    plan: EventsPlan,
    options: Mapping[str, EventOptions],
    slots: Mapping[str, Slot],
    bookings: Bookings,
) -> list[ScheduledEvent]:
    """The placed events by start day (then id), each booked into ``bookings``."""
    placed: list[ScheduledEvent] = []
    for event in plan.events:
        slot = slots.get(event.id)
        if slot is None:
            continue
        bookings.book(event.id, slot)
        offset, host = slot
        start = plan.horizon.start + dt.timedelta(days=offset)
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
    return placed


def _unplaced_reason(
    network: Network, plan: EventsPlan, opts: EventOptions, bookings: Bookings
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
            _(
                "conflicts with other events of {units} (min gap {gap})",
                units=listed(ranked),
                gap=ngettext("{count} day", "{count} days", gap),
            )
        )
    if full_countries:
        parts.append(
            ngettext(
                "needs a host in {countries}, which already hosts the maximum of {events}",
                "needs a host in {countries}, which already host the maximum of {events} each",
                len(full_countries),
                countries=listed(full_countries, conjunction=_("or")),
                events=ngettext("{count} event", "{count} events", limit),
            )
        )
    if not parts:
        # Not reached: first fit (or the proof that no more events fit) fills a free slot.
        return _("every possible slot is blocked by the events placed")
    return _("every possible slot {blocked}", blocked=_(" or ").join(parts))


MAX_UNITS_NAMED = 4


def listed(names: Sequence[str], *, conjunction: str | None = None) -> str:
    """``a``, ``a and b``, ``a, b and c``, ``a, b, c, d and 3 more`` (``conjunction``, already
    translated, replaces "and")."""
    shown = list(names[:MAX_UNITS_NAMED])
    if len(names) > MAX_UNITS_NAMED:
        shown.append(_("{count} more", count=len(names) - MAX_UNITS_NAMED))
    if len(shown) == 1:
        return shown[0]
    return _(
        "{names} {conjunction} {last}",
        names=", ".join(shown[:-1]),
        conjunction=conjunction or _("and"),
        last=shown[-1],
    )
