"""What a planning call returns (docs/formats.md §6), as frozen values the CLI and chat show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from atlasbot.domain import CrisisRequest, TransportMode
from atlasbot.planner.travel import Eta
from atlasbot.rules import Reason


class Coverage(StrEnum):
    """How much of a request its best plan covers."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Engagement:
    """Another open crisis a unit is already asked for or deployed in, as the planner is told.

    `crisis` is the label a member knows it by (e.g. "crisis #12, Antwerp"); `priority` is
    that crisis's priority (1 normal .. 3 highest).
    """

    crisis: str
    priority: int

    def outranked_by(self, request: CrisisRequest) -> bool:
        """True when the new request has a higher priority than this crisis: the requester
        may then ask that crisis's requester to release the unit."""
        return request.priority > self.priority


@dataclass(frozen=True, slots=True)
class PlannedUnit:
    """A unit in a plan: where from, when on scene, its teams, and the teams the plan asks."""

    id: str
    country: str
    eta_minutes: int
    mode: TransportMode
    provides: Mapping[str, int]  # its full count of each needed capability
    eta: Eta
    asked: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Plan:
    """One package of units for one request, with its §5 figures."""

    rank: int
    units: tuple[PlannedUnit, ...]
    shortfall: Mapping[str, int]
    latest_eta_minutes: int
    unit_count: int
    total_eta_minutes: int
    # T[c] unrounded for each capability the plan brings (docs/formats.md §5 v2).
    on_scene_minutes: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    state_count: int = 0

    @property
    def total_shortfall(self) -> int:
        """Teams missing over all needed capabilities (0 when the plan covers everything)."""
        return sum(self.shortfall.values())

    @property
    def unit_ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.units)

    def unit(self, unit_id: str) -> PlannedUnit:
        """The planned unit by id (KeyError when the plan does not hold it)."""
        for planned in self.units:
            if planned.id == unit_id:
                return planned
        raise KeyError(unit_id)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible unit for a request, with its ETA there."""

    id: str
    country: str
    eta_minutes: int
    mode: TransportMode
    eta: Eta


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A unit left out of a request, with every reason that applies.

    `engaged_in` is set when the unit is asked for or deployed in another open crisis: it
    is then not proposed (reason `status`) whatever its registered status.
    """

    id: str
    country: str
    reasons: tuple[Reason, ...]
    engaged_in: Engagement | None = None


@dataclass(frozen=True, slots=True)
class RequestPlanning:
    """Everything planned for one request."""

    request: CrisisRequest
    coverage: Coverage
    plans: tuple[Plan, ...]
    candidates: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]
    step_minutes: int = 1

    @property
    def id(self) -> str:
        return self.request.id


@dataclass(frozen=True, slots=True)
class CountryLimit:
    """OP-RESERVE: how many units a state may give in this planning call."""

    country: str
    ready_units: int
    home_reserve: int
    allowance: int


@dataclass(frozen=True, slots=True)
class PlanningResult:
    """The outcome of one planning call (docs/formats.md §6)."""

    requests: tuple[RequestPlanning, ...]
    optimal: bool
    solve_ms: float
    joint: bool
    country_limits: Mapping[str, CountryLimit] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def for_request(self, request_id: str) -> RequestPlanning:
        """The planning of one request by id (KeyError when unknown)."""
        for planning in self.requests:
            if planning.id == request_id:
                return planning
        raise KeyError(request_id)
