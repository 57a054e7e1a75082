"""Which units to propose for crisis requests: CP-SAT, optimal in the §5 (version 2) order.

One request gets its best plan and alternatives; several requests get one plan each, planned
jointly. The instance (eligibility, ETAs) is in `instance`, the CP-SAT model in `model`, the
staged solve in `solve`, the returned values in `results`; this module ties them together and
is what the CLI and the services call.

Hard rules (each a named function in `model`): every unit serves at most one request, a
state never gives more units than it has ready minus its home reserve (OP-RESERVE), a chosen
unit is asked for at least one team, and no capability for more teams than needed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from atlasbot.domain import CrisisRequest, Network, frozen_counts
from atlasbot.planner.instance import (
    DEFAULT_STEP_MIN,
    Instance,
    Order,
    RequestData,
    Solution,
    build_instance,
    greedy_alternative,
    greedy_solution,
    objective_key,
    without_late_options,
)
from atlasbot.planner.model import PlanningModel
from atlasbot.planner.results import (
    Candidate,
    CountryLimit,
    Coverage,
    Engagement,
    Exclusion,
    Plan,
    PlannedUnit,
    PlanningResult,
    RequestPlanning,
)
from atlasbot.planner.solve import SMALL_MODEL_PAIRS, StagedSolve, Tuning
from atlasbot.planner.travel import TravelModel

__all__ = [
    "DEFAULT_ALTERNATIVES",
    "DEFAULT_STEP_MIN",
    "DEFAULT_TIME_LIMIT_S",
    "SMALL_MODEL_PAIRS",
    "Candidate",
    "CountryLimit",
    "Coverage",
    "Engagement",
    "Exclusion",
    "Order",
    "Plan",
    "PlannedUnit",
    "PlanningResult",
    "RequestPlanning",
    "build_instance",
    "greedy_solution",
    "objective_key",
    "plan",
    "plan_joint",
    "plan_single",
]

DEFAULT_TIME_LIMIT_S = 10.0
DEFAULT_ALTERNATIVES = 2
_NO_ENGAGEMENTS: Mapping[str, Engagement] = MappingProxyType({})


def plan(
    network: Network,
    requests: Sequence[CrisisRequest],
    alternatives: int = DEFAULT_ALTERNATIVES,
    *,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    step_minutes: int = DEFAULT_STEP_MIN,
    engaged: Mapping[str, Engagement] = _NO_ENGAGEMENTS,
    order: Order = Order.V2,
) -> PlanningResult:
    """Plan one request with alternatives, or several jointly (one plan each)."""
    options = {
        "model": model,
        "time_limit_s": time_limit_s,
        "step_minutes": step_minutes,
        "engaged": engaged,
        "order": order,
    }
    if len(requests) == 1:
        return plan_single(network, requests[0], alternatives=alternatives, **options)  # type: ignore[arg-type]
    return plan_joint(network, requests, **options)  # type: ignore[arg-type]


def plan_single(
    network: Network,
    request: CrisisRequest,
    *,
    alternatives: int = DEFAULT_ALTERNATIVES,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    step_minutes: int = DEFAULT_STEP_MIN,
    engaged: Mapping[str, Engagement] = _NO_ENGAGEMENTS,
    order: Order = Order.V2,
) -> PlanningResult:
    """The best plan for one request and up to `alternatives` more (§5 alternatives rule).

    `engaged`: units already asked for or deployed in another open crisis (unit id ->
    that crisis), which are not proposed and are explained as such.
    """
    load_solver()
    started = time.perf_counter()
    instance = build_instance(
        network, [request], model, step=step_minutes, order=order, engaged=engaged
    )
    deadline = started + time_limit_s
    plans: list[Solution] = []
    optimal = True
    for _ in range(1 + max(0, alternatives)):
        earlier = [list(p[0]) for p in plans]
        # The hint keeps the alternatives rule, so it bounds this plan's latest on-scene time.
        hint = greedy_alternative(instance, earlier) if plans else greedy_solution(instance)
        searched = without_late_options(instance, hint)
        solve = StagedSolve(
            PlanningModel(searched, earlier), deadline, Tuning.for_instance(searched)
        )
        chosen = solve.run(hint)
        optimal = optimal and solve.optimal
        if not chosen[0]:
            break
        plans.append(chosen)
    return _result(network, instance, [[p[0] for p in plans]], optimal, started, joint=False)


def plan_joint(
    network: Network,
    requests: Sequence[CrisisRequest],
    *,
    model: TravelModel = TravelModel(),  # noqa: B008 - frozen value
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    step_minutes: int = DEFAULT_STEP_MIN,
    engaged: Mapping[str, Engagement] = _NO_ENGAGEMENTS,
    order: Order = Order.V2,
) -> PlanningResult:
    """One plan per request, optimal for all of them together (§5 joint order)."""
    load_solver()
    started = time.perf_counter()
    instance = build_instance(
        network, requests, model, step=step_minutes, order=order, engaged=engaged
    )
    deadline = started + time_limit_s
    hint = greedy_solution(instance)
    searched = without_late_options(instance, hint)
    solve = StagedSolve(PlanningModel(searched), deadline, Tuning.for_instance(searched))
    solution = solve.run(hint)
    plans = [[asked] if asked else [] for asked in solution]
    return _result(network, instance, plans, solve.optimal, started, joint=True)


def load_solver() -> None:
    """Import OR-Tools before the clock starts: solve_ms measures planning, not imports."""
    from ortools.sat.python import cp_model  # noqa: F401


def _result(
    network: Network,
    instance: Instance,
    plans: Sequence[Sequence[Mapping[int, tuple[int, ...]]]],
    optimal: bool,
    started: float,
    *,
    joint: bool,
) -> PlanningResult:
    plannings = []
    for data, chosen_plans in zip(instance.requests, plans, strict=True):
        built = tuple(
            build_plan(instance, data, rank, asked) for rank, asked in enumerate(chosen_plans, 1)
        )
        if not built:
            coverage = Coverage.NONE
        elif built[0].total_shortfall == 0:
            coverage = Coverage.COMPLETE
        else:
            coverage = Coverage.PARTIAL
        excluded = tuple(sorted(data.excluded, key=lambda e: e.id))
        plannings.append(
            RequestPlanning(
                data.request, coverage, built, data.candidates, excluded, instance.step
            )
        )
    solve_ms = (time.perf_counter() - started) * 1000
    return PlanningResult(
        tuple(plannings), optimal, round(solve_ms, 1), joint, country_limits(network, instance)
    )


def country_limits(network: Network, instance: Instance) -> Mapping[str, CountryLimit]:
    """OP-RESERVE: each state's ready units, home reserve and what it may give."""
    limits = {}
    for country in network.countries:
        ready = sum(
            1 for u in network.units if u.country == country.code and u.status.can_be_proposed
        )
        limits[country.code] = CountryLimit(
            country.code, ready, country.home_reserve, instance.allowance[country.code]
        )
    return MappingProxyType(limits)


def build_plan(
    instance: Instance, data: RequestData, rank: int, asked: Mapping[int, tuple[int, ...]]
) -> Plan:
    """A solution's units for one request as a plan, with its §5 figures."""
    by_unit = {o.unit: o for o in data.options}
    options = sorted((by_unit[u] for u in asked), key=lambda o: (o.eta.minutes, o.unit))
    units = []
    given = dict.fromkeys(data.codes, 0)
    on_scene: dict[str, int] = {}
    for option in options:
        unit = instance.units[option.unit]
        teams = {c: n for c, n in zip(data.codes, asked[option.unit], strict=True) if n}
        for code, n in teams.items():
            given[code] += n
            on_scene[code] = max(on_scene.get(code, 0), option.eta.minutes)
        # `provides` is the unit's full count of each needed capability it has (§6).
        provides = {c: unit.teams_of(c) for c in data.codes if unit.teams_of(c) > 0}
        units.append(
            PlannedUnit(
                unit.id,
                unit.country,
                option.eta.minutes,
                option.eta.mode,
                frozen_counts(provides),
                option.eta,
                frozen_counts(teams),
            )
        )
    shortfall = {
        c: n - given[c] for c, n in zip(data.codes, data.needs, strict=True) if given[c] < n
    }
    etas = [u.eta_minutes for u in units]
    return Plan(
        rank=rank,
        units=tuple(units),
        shortfall=frozen_counts(shortfall),
        latest_eta_minutes=max(etas, default=0),
        unit_count=len(units),
        total_eta_minutes=sum(etas),
        on_scene_minutes=frozen_counts({c: on_scene[c] for c in data.codes if c in on_scene}),
        state_count=len({u.country for u in units}),
    )
