"""First fit: the baseline, the solver's hint and fallback, and the repair after a stop."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from atlasbot.domain import Network
from atlasbot.i18n import N_
from atlasbot.training.calendar.bookings import Bookings
from atlasbot.training.calendar.options import EventOptions, Slot, all_options
from atlasbot.training.calendar.outcome import Proof, read_result
from atlasbot.training.calendar.results import Placement, ScheduleResult
from atlasbot.training.events_file import (
    EventsPlan,
)

if TYPE_CHECKING:
    pass


def greedy(
    network: Network,
    plan: EventsPlan,
    options: Mapping[str, EventOptions],
    *,
    pinned: Mapping[str, Placement] | None = None,
    published: Mapping[str, Placement] | None = None,
    base: Mapping[str, Slot] | None = None,
) -> dict[str, Slot]:
    """First fit on top of ``base``: pinned events as they are, then published events where
    they were if they still fit, then the rest in file order, each at its cheapest host's
    earliest free day. Without pins, publications or a base: the bench's baseline.
    """
    pinned = pinned or {}
    published = published or {}
    horizon_start = plan.horizon.start
    slots = dict(base or {})
    bookings = Bookings(network, plan, options)
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
    options = all_options(network, plan, {}, {})
    slots = greedy(network, plan, options)
    return read_result(
        network,
        plan,
        options,
        slots,
        Proof(count=False, all_stages=False, travel_bound=None),
        started,
        stopped=(N_("not placed by first fit"), ""),
    )
