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
from dataclasses import replace
from types import MappingProxyType

from atlasbot.domain import CrisisRequest, Network, frozen_counts
from atlasbot.planner.instance import (
    DEFAULT_STEP_MIN,
    Floor,
    Instance,
    Order,
    RequestData,
    Solution,
    build_instance,
    greedy_alternative,
    greedy_solution,
    objective_key,
    request_figures,
    sub_instance,
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
    solution, optimal = _solve_by_groups(instance, deadline)
    plans = [[asked] if asked else [] for asked in solution]
    return _result(network, instance, plans, optimal, started, joint=True)


def _solve_by_groups(instance: Instance, deadline: float) -> tuple[Solution, bool]:
    """Joint planning as groups of requests that compete for units, grown lazily.

    Plan each group alone (at first each request alone). Planning groups apart drops only
    the constraints between groups, so it is a relaxation: every criterion, the tie-break
    ranks included, is a sum over requests, hence no joint plan beats the groups' optima put
    together. When those optima clash nowhere (no unit twice, no state over its allowance)
    they are the joint optimum; otherwise the clashing groups are merged and planned again.
    Requests far apart rarely clash, so the models stay small. Out of time, the greedy
    solution (which keeps every hard constraint) is returned, marked not proven.
    """
    groups: list[tuple[int, ...]] = [(r,) for r in range(len(instance.requests))]
    solved: dict[tuple[int, ...], tuple[Solution, bool]] = {}
    alone: dict[int, Solution] = {}
    while True:
        for group in groups:
            if group not in solved:
                solved[group] = _solve_group(instance, group, deadline, alone)
                if len(group) == 1:
                    alone[group[0]] = solved[group][0]
        clashes = _clashing_groups(instance, groups, solved)
        if not clashes:
            break
        if time.perf_counter() >= deadline:
            return greedy_solution(instance), False
        groups = clashes
    solution: list[Mapping[int, tuple[int, ...]]] = [{} for _ in instance.requests]
    for group in groups:
        for r, asked in zip(group, solved[group][0], strict=True):
            solution[r] = asked
    return tuple(solution), all(solved[g][1] for g in groups)


def _solve_group(
    instance: Instance,
    group: tuple[int, ...],
    deadline: float,
    alone: Mapping[int, Solution] | None = None,
) -> tuple[Solution, bool]:
    """The optimal plans of a group of requests as if no other request existed.

    `alone`: each request's optimum planned alone, once known. They bound the group better
    than the greedy does: each request's alone optimum is a floor of its figures, and the
    alone optima repaired one after the other give a good feasible hint.
    """
    part = sub_instance(instance, group)
    if alone is None or len(group) == 1:
        hint = greedy_solution(part)
        searched = without_late_options(part, hint)
    else:
        own = [sub_instance(instance, (r,)) for r in group]
        floors = [_floor(o, alone[r]) for o, r in zip(own, group, strict=True)]
        hint = _repaired(part, [alone[r][0] for r in group], deadline)
        searched = without_late_options(part, hint, floors)
        # The group's optimal latest times, found first on their own, bound the units far
        # more tightly than the repaired hint: plan the rest on what they leave.
        hint = _least_latest(searched, hint, deadline)
        searched = without_late_options(searched, hint, floors)
    solve = StagedSolve(PlanningModel(searched), deadline, Tuning.for_instance(searched))
    return solve.run(hint), solve.optimal


def _least_latest(instance: Instance, hint: Solution, deadline: float) -> Solution:
    """A solution with the least weighted shortfall and then latest on-scene time."""
    model = PlanningModel(instance)
    solve = StagedSolve(model, deadline, Tuning.for_instance(instance))
    found = solve.run(hint, break_ties=False, first_criteria=2)
    return found if solve.optimal else hint


def _floor(instance: Instance, alone: Solution) -> Floor:
    figures = request_figures(instance, 0, alone[0])
    return Floor(figures.shortfall, figures.latest_steps)


def _repaired(
    part: Instance, alone: Sequence[Mapping[int, tuple[int, ...]]], deadline: float
) -> Solution:
    """A feasible solution of the group: each request's alone optimum, highest priority
    first; one that clashes with those before it is planned again without their units."""
    order = sorted(range(len(part.requests)), key=lambda i: -part.requests[i].priority)
    taken: dict[str, int] = {}
    used: set[int] = set()
    solution: list[Mapping[int, tuple[int, ...]]] = [{} for _ in part.requests]
    for i in order:
        asked = alone[i]
        if used & set(asked) or any(
            taken.get(c, 0) + n > part.allowance.get(c, 0) for c, n in _countries(part, asked)
        ):
            asked = _replanned(part, i, used, taken, deadline)
        solution[i] = asked
        used |= set(asked)
        for country, n in _countries(part, asked):
            taken[country] = taken.get(country, 0) + n
    return tuple(solution)


def _replanned(
    part: Instance, i: int, used: set[int], taken: Mapping[str, int], deadline: float
) -> Mapping[int, tuple[int, ...]]:
    """Request i planned alone with the units and allowances others took out of reach."""
    data = part.requests[i]
    free = replace(data, options=tuple(o for o in data.options if o.unit not in used))
    allowance = {c: n - taken.get(c, 0) for c, n in part.allowance.items()}
    single = replace(part, requests=(free,), allowance=MappingProxyType(allowance))
    hint = greedy_solution(single)
    single = without_late_options(single, hint)
    solve = StagedSolve(PlanningModel(single), deadline, Tuning.for_instance(single))
    return solve.run(hint, break_ties=False)[0]


def _countries(part: Instance, asked: Mapping[int, tuple[int, ...]]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for unit in asked:
        country = part.units[unit].country
        counts[country] = counts.get(country, 0) + 1
    return list(counts.items())


def _clashing_groups(
    instance: Instance,
    groups: Sequence[tuple[int, ...]],
    solved: Mapping[tuple[int, ...], tuple[Solution, bool]],
) -> list[tuple[int, ...]] | None:
    """The groups with clashing groups merged, or None when nothing clashes."""
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    users: dict[int, list[int]] = {}
    by_country: dict[str, list[int]] = {}
    for g, group in enumerate(groups):
        for asked in solved[group][0]:
            for unit in asked:
                users.setdefault(unit, []).append(g)
                by_country.setdefault(instance.units[unit].country, []).append(g)
    clash = [g for g in users.values() if len(g) > 1]
    clash += [
        g
        for country, g in by_country.items()
        if len(set(g)) > 1 and len(g) > instance.allowance.get(country, 0)
    ]
    if not clash:
        return None
    for members in clash:
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    merged: dict[int, list[int]] = {}
    for g, group in enumerate(groups):
        merged.setdefault(root(g), []).extend(group)
    return [tuple(sorted(m)) for m in merged.values()]


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
