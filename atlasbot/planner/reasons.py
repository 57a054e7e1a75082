"""Why a unit is or is not in a plan, in terms of the §5 order, found by asking the solver.

For a left-out candidate, plan again with that unit forced in and see which criterion of the
order gets worse first: that is the real reason (it would bring a capability later, it adds a
state or a unit for no minute gained, ...). For a unit in every plan, plan again without it:
if a capability is then missing or later, nothing else can replace it. The answers are plain
data; `explain` turns them into sentences.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from atlasbot.domain import Network
from atlasbot.planner.instance import (
    Instance,
    Order,
    Solution,
    build_instance,
    objective_key,
    request_figures,
)
from atlasbot.planner.model import PlanningModel
from atlasbot.planner.results import Engagement, PlanningResult, RequestPlanning
from atlasbot.planner.solve import StagedSolve, Tuning
from atlasbot.planner.travel import TravelModel

NEAREST = 10  # "Why not others?" must fit one screen
DEFAULT_BUDGET_S = 3.0


class WhyNot(StrEnum):
    """The first thing that goes wrong when a left-out candidate is put into the plan."""

    HOME_RESERVE = "home_reserve"  # its state may give no more units
    OTHER_REQUEST = "other_request"  # planned for another request of the same call
    LEAVES_SHORT = "leaves_short"  # taking it would leave teams uncovered
    LATER = "later"  # it would bring a capability later
    MORE_STATES = "more_states"  # one more state for no minute gained
    MORE_UNITS = "more_units"  # one more unit for no minute gained
    LONGER_ETAS = "longer_etas"  # as early, with units further away in all
    TIE = "tie"  # as good in every way; the unit ids decide
    UNKNOWN = "unknown"  # the time budget ran out before the answer was found


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A candidate not in the first plan and why."""

    unit_id: str
    country: str
    eta_minutes: int
    why: WhyNot
    capability: str | None = None  # LATER / LEAVES_SHORT: the capability that suffers
    minutes_with: int | None = None  # LATER: its on-scene time if this unit were taken
    minutes_now: int | None = None  # LATER: its on-scene time in the plan
    other_request: str | None = None  # OTHER_REQUEST, or LATER when another request waits
    other_priority: int | None = None
    alternative: int | None = None  # the first alternative plan that holds it


@dataclass(frozen=True, slots=True)
class Irreplaceable:
    """A unit in every plan because nothing else can replace it."""

    unit_id: str
    capabilities: tuple[str, ...]  # what would be missing or later without it
    missing_without: bool  # True: teams would be missing; False: they would come later
    minutes_with: int  # the latest on-scene time of those capabilities with it
    minutes_without: int | None  # ... and without it (None when missing)


@dataclass(frozen=True, slots=True)
class WhyNotOthers:
    """The nearest left-out candidates with their reasons, and how many more there are."""

    nearest: tuple[LeftOut, ...]
    more: int


def why_not_others(
    network: Network,
    result: PlanningResult,
    request_id: str,
    *,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    nearest: int = NEAREST,
    budget_s: float = DEFAULT_BUDGET_S,
) -> WhyNotOthers:
    """Why each of the `nearest` closest candidates is not in the request's first plan."""
    planning = result.for_request(request_id)
    first = set(planning.plans[0].unit_ids) if planning.plans else set()
    left_out = [c for c in planning.candidates if c.id not in first]
    context = _Context.of(network, result, model, time.perf_counter() + budget_s)
    r = context.position(request_id)
    reasons = tuple(context.why_not(r, c.id, planning) for c in left_out[:nearest])
    return WhyNotOthers(reasons, max(0, len(left_out) - nearest))


def irreplaceable_units(
    network: Network,
    result: PlanningResult,
    request_id: str,
    *,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    budget_s: float = DEFAULT_BUDGET_S,
) -> tuple[Irreplaceable, ...]:
    """The units in every plan of the request that no other unit can replace.

    Meant for a request planned with alternatives: with one plan, it names the units of
    that plan that nothing else replaces as early.
    """
    planning = result.for_request(request_id)
    if not planning.plans:
        return ()
    in_all = set(planning.plans[0].unit_ids)
    for other in planning.plans[1:]:
        in_all &= set(other.unit_ids)
    context = _Context.of(network, result, model, time.perf_counter() + budget_s)
    r = context.position(request_id)
    found = (context.without(r, u) for u in planning.plans[0].unit_ids if u in in_all)
    return tuple(f for f in found if f is not None)


@dataclass(frozen=True)
class _Context:
    """The call's instance rebuilt, its first plans as a solution, and their key."""

    instance: Instance
    result: PlanningResult
    current: Solution
    key: tuple[int, ...]
    deadline: float

    @staticmethod
    def of(
        network: Network, result: PlanningResult, model: TravelModel, deadline: float
    ) -> _Context:
        engaged: dict[str, Engagement] = {}
        for planning in result.requests:
            engaged.update({e.id: e.engaged_in for e in planning.excluded if e.engaged_in})
        step = result.requests[0].step_minutes if result.requests else 1
        requests = [p.request for p in result.requests]
        instance = build_instance(
            network, requests, model, step=step, order=Order.V2, engaged=engaged
        )
        index = {u.id: i for i, u in enumerate(instance.units)}
        current = tuple(_asked_of(planning, index) for planning in result.requests)
        return _Context(instance, result, current, objective_key(instance, current), deadline)

    def position(self, request_id: str) -> int:
        return [p.id for p in self.result.requests].index(request_id)

    def unit_index(self, unit_id: str) -> int:
        return [u.id for u in self.instance.units].index(unit_id)

    def best(
        self, *, forced: tuple[int, int] | None = None, left_out: tuple[int, int] | None = None
    ) -> Solution | None:
        """The best solution with a unit forced in or left out (None when out of time)."""
        if time.perf_counter() >= self.deadline:
            return None
        model = PlanningModel(self.instance, forced=forced, left_out=left_out)
        solve = StagedSolve(model, self.deadline, Tuning.for_instance(self.instance))
        empty: Solution = tuple({} for _ in self.instance.requests)
        found = solve.run(empty, break_ties=False)
        return found if solve.optimal else None

    def why_not(self, r: int, unit_id: str, planning: RequestPlanning) -> LeftOut:
        """Why this candidate is not in request r's first plan."""
        unit = self.instance.units[self.unit_index(unit_id)]
        eta_minutes = next(c.eta_minutes for c in planning.candidates if c.id == unit_id)
        alternative = next((p.rank for p in planning.plans[1:] if unit_id in p.unit_ids), None)
        base = LeftOut(unit_id, unit.country, eta_minutes, WhyNot.UNKNOWN, alternative=alternative)
        for other in self.result.requests:
            if other.id != planning.id and other.plans and unit_id in other.plans[0].unit_ids:
                return _with(
                    base,
                    why=WhyNot.OTHER_REQUEST,
                    other_request=other.id,
                    other_priority=other.request.priority,
                )
        limit = self.result.country_limits.get(unit.country)
        if limit is not None and _taken(self.result, unit.country) >= limit.allowance:
            return _with(base, why=WhyNot.HOME_RESERVE)
        found = self.best(forced=(r, self.unit_index(unit_id)))
        if found is None:
            return base
        return self._compare(r, found, base)

    def _compare(self, r: int, found: Solution, base: LeftOut) -> LeftOut:
        worse = _first_worse(objective_key(self.instance, found), self.key)
        if worse is None:
            return _with(base, why=WhyNot.TIE)
        if worse == 0:
            capability = _more_missing(self.instance, self.current, found)
            return _with(base, why=WhyNot.LEAVES_SHORT, capability=capability)
        if worse in (1, 2):
            return self._later(r, found, base)
        return _with(
            base, why=(WhyNot.MORE_STATES, WhyNot.MORE_UNITS, WhyNot.LONGER_ETAS)[worse - 3]
        )

    def _later(self, r: int, found: Solution, base: LeftOut) -> LeftOut:
        """The capability whose on-scene time grows most, in this request first."""
        positions = [r] + [q for q in range(len(self.instance.requests)) if q != r]
        for q in positions:
            now = request_figures(self.instance, q, self.current[q]).on_scene_steps
            then = request_figures(self.instance, q, found[q]).on_scene_steps
            grown = [(t - n, k) for k, (n, t) in enumerate(zip(now, then, strict=True)) if t > n]
            if not grown:
                continue
            k = max(grown)[1]
            data = self.instance.requests[q]
            other = None if q == r else data.request
            return _with(
                base,
                why=WhyNot.LATER,
                capability=data.codes[k],
                minutes_with=_on_scene_minutes(self.instance, q, found[q], k),
                minutes_now=_on_scene_minutes(self.instance, q, self.current[q], k),
                other_request=other.id if other else None,
                other_priority=other.priority if other else None,
            )
        return _with(base, why=WhyNot.LATER)

    def without(self, r: int, unit_id: str) -> Irreplaceable | None:
        """The unit as irreplaceable if planning without it misses or delays a capability."""
        u = self.unit_index(unit_id)
        found = self.best(left_out=(r, u))
        if found is None:
            return None
        worse = _first_worse(objective_key(self.instance, found), self.key)
        if worse is None or worse > 2:
            return None
        data = self.instance.requests[r]
        asked = self.current[r].get(u, ())
        now = request_figures(self.instance, r, self.current[r])
        then = request_figures(self.instance, r, found[r])
        given_then = _given(self.instance, r, found[r])
        given_now = _given(self.instance, r, self.current[r])
        if worse == 0:
            hit = [k for k, n in enumerate(asked) if n and given_then[k] < given_now[k]]
        else:
            hit = [
                k
                for k, n in enumerate(asked)
                if n and then.on_scene_steps[k] > now.on_scene_steps[k]
            ]
        if not hit:
            return None
        with_it = max(_on_scene_minutes(self.instance, r, self.current[r], k) for k in hit)
        without = (
            None
            if worse == 0
            else max(_on_scene_minutes(self.instance, r, found[r], k) for k in hit)
        )
        return Irreplaceable(
            unit_id, tuple(data.codes[k] for k in hit), worse == 0, with_it, without
        )


def _asked_of(
    planning: RequestPlanning, index: Mapping[str, int]
) -> Mapping[int, tuple[int, ...]]:
    codes = tuple(planning.request.needs)
    if not planning.plans:
        return MappingProxyType({})
    return MappingProxyType(
        {index[u.id]: tuple(u.asked.get(c, 0) for c in codes) for u in planning.plans[0].units}
    )


def _first_worse(key: Sequence[int], best: Sequence[int]) -> int | None:
    for position, (value, reference) in enumerate(zip(key, best, strict=True)):
        if value != reference:
            return position
    return None


def _given(instance: Instance, r: int, asked: Mapping[int, tuple[int, ...]]) -> list[int]:
    codes = instance.requests[r].codes
    return [sum(t[k] for t in asked.values()) for k in range(len(codes))]


def _more_missing(instance: Instance, current: Solution, found: Solution) -> str | None:
    for r, data in enumerate(instance.requests):
        now, then = _given(instance, r, current[r]), _given(instance, r, found[r])
        for k, code in enumerate(data.codes):
            if then[k] < now[k]:
                return code
    return None


def _on_scene_minutes(
    instance: Instance, r: int, asked: Mapping[int, tuple[int, ...]], k: int
) -> int:
    by_unit = {o.unit: o for o in instance.requests[r].options}
    return max((by_unit[u].eta.minutes for u, t in asked.items() if t[k]), default=0)


def _taken(result: PlanningResult, country: str) -> int:
    """Units of a country in the first plans (the ones the call proposes together)."""
    return sum(
        1
        for planning in result.requests
        if planning.plans
        for unit in planning.plans[0].units
        if unit.country == country
    )


def _with(base: LeftOut, **changes: object) -> LeftOut:
    return replace(base, **changes)  # type: ignore[arg-type]
