"""What a calendar solve returns (docs/formats.md §8), and where an event is pinned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from atlasbot.training.events_file import (
    EventKind,
)

if TYPE_CHECKING:
    pass


class ScheduleStatus(StrEnum):
    """How good a schedule is (docs/formats.md §8)."""

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


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one event is pinned or was published: start day and host (None when virtual)."""

    start: dt.date
    host: str | None
