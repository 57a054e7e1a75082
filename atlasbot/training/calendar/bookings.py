"""Units' busy days and countries' hosted counts, for first fit and for the reasons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from atlasbot.domain import Network
from atlasbot.training.calendar.options import EventOptions, Slot
from atlasbot.training.events_file import (
    Event,
    EventsPlan,
)

if TYPE_CHECKING:
    pass


class Bookings:
    """Units' busy days (an event's days and the gap around them) and countries' hosted counts.

    A unit's busy days are a byte per horizon day, so testing a start is one ``find`` per unit
    instead of a comparison with every event already placed.
    """

    def __init__(
        self, network: Network, plan: EventsPlan, options: Mapping[str, EventOptions]
    ) -> None:
        self.network = network
        self.options = options
        self.gap = plan.rules.min_gap_days
        self.limit = plan.rules.max_hosted_per_country
        self.length = plan.horizon.days
        self.busy: dict[str, bytearray] = defaultdict(lambda: bytearray(self.length))
        self.hosted: dict[str, int] = defaultdict(int)

    def book(self, event_id: str, slot: Slot) -> None:
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

    def first_fit(self, event_id: str, preferred: Slot | None = None) -> Slot | None:
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
